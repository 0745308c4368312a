//! A challenge production's brief and the result of checking it against the script and the cut, for `reel
//! status` to show. The checking itself is `production::constraints`; this only keeps the answers.

use serde::Serialize;

use super::{Store, StoreError, now_ms};
use crate::ids::ProductionId;

/// One checked constraint of the brief.
#[derive(Debug, Clone, PartialEq, Serialize, sqlx::FromRow)]
pub struct Check {
    /// `title_card`, `line_spoken` or `prop_in_action`.
    pub name: String,
    pub ok: bool,
    /// What was found, or what is missing, in words.
    pub detail: String,
    pub checked_at: i64,
}

impl Store {
    /// Records the brief (JSON) a production was made from.
    pub async fn set_brief(&self, production: ProductionId, brief: &serde_json::Value) -> Result<(), StoreError> {
        sqlx::query("UPDATE productions SET brief = ? WHERE id = ?")
            .bind(brief.to_string())
            .bind(production)
            .execute(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// The brief a production was made from, if it was made from one.
    pub async fn brief(&self, production: ProductionId) -> Result<Option<serde_json::Value>, StoreError> {
        let text: Option<String> = sqlx::query_scalar("SELECT brief FROM productions WHERE id = ?")
            .bind(production)
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// Replaces the production's checks in one transaction.
    pub async fn replace_checks(
        &self,
        production: ProductionId,
        checks: &[(String, bool, String)],
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
        sqlx::query("DELETE FROM production_checks WHERE production_id = ?")
            .bind(production)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        for (name, ok, detail) in checks {
            sqlx::query(
                "INSERT INTO production_checks (production_id, name, ok, detail, checked_at) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(production)
            .bind(name)
            .bind(ok)
            .bind(detail)
            .bind(now)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))
    }

    /// The production's checks, in name order.
    pub async fn checks(&self, production: ProductionId) -> Result<Vec<Check>, StoreError> {
        sqlx::query_as(
            "SELECT name, ok, detail, checked_at FROM production_checks WHERE production_id = ? ORDER BY name",
        )
        .bind(production)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }
}

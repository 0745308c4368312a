//! Productions: create, find, list.

use serde::Serialize;

use super::{Store, StoreError, now_ms};
use crate::ids::ProductionId;
use crate::name::ProductionName;

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Production {
    pub id: ProductionId,
    pub name: String,
    pub title: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

/// A production with its job counts, for `reel productions`.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ProductionSummary {
    pub name: String,
    pub title: Option<String>,
    pub created_at: i64,
    pub jobs: i64,
    pub done: i64,
    pub failed: i64,
    pub running: i64,
}

impl Store {
    /// Returns the production called `name`, creating it when it does not exist.
    pub async fn ensure_production(
        &self,
        name: &ProductionName,
        title: Option<&str>,
    ) -> Result<Production, StoreError> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO productions (name, title, created_at, updated_at) VALUES (?1, ?2, ?3, ?3)
             ON CONFLICT (name) DO UPDATE SET title = COALESCE(?2, title), updated_at = ?3",
        )
        .bind(name.as_str())
        .bind(title)
        .bind(now)
        .execute(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        self.production(name).await
    }

    /// The production called `name`, or [`StoreError::UnknownProduction`].
    pub async fn production(&self, name: &ProductionName) -> Result<Production, StoreError> {
        sqlx::query_as("SELECT id, name, title, created_at, updated_at FROM productions WHERE name = ?")
            .bind(name.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.err(e))?
            .ok_or_else(|| StoreError::UnknownProduction { name: name.to_string(), path: self.path.clone() })
    }

    pub async fn productions(&self) -> Result<Vec<ProductionSummary>, StoreError> {
        sqlx::query_as(
            "SELECT p.name, p.title, p.created_at,
                    COUNT(j.id) AS jobs,
                    COALESCE(SUM(j.state = 'done'), 0) AS done,
                    COALESCE(SUM(j.state IN ('failed', 'skipped')), 0) AS failed,
                    COALESCE(SUM(j.state = 'running'), 0) AS running
             FROM productions p LEFT JOIN jobs j ON j.production_id = p.id
             GROUP BY p.id ORDER BY p.created_at, p.id",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }
}

//! A production's script shots: the rows the shot planner writes and `reel shots` reads.

use serde::{Deserialize, Serialize};

use super::{Store, StoreError};
use crate::ids::{ProductionId, ShotId};

/// What a shot shows. Stored as TEXT with these names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, sqlx::Type)]
#[sqlx(type_name = "TEXT", rename_all = "lowercase")]
#[serde(rename_all = "lowercase")]
pub enum ShotKind {
    Title,
    Establishing,
    Action,
    Dialogue,
    Credits,
}

/// A shot to insert; position is its index in the list given to [`Store::replace_shots`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShot {
    pub scene: i64,
    pub kind: ShotKind,
    pub character: Option<String>,
    pub text: String,
    pub target_ms: i64,
    pub script_line: Option<i64>,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct Shot {
    pub id: ShotId,
    pub position: i64,
    pub scene: i64,
    pub kind: ShotKind,
    pub character: Option<String>,
    pub text: String,
    pub target_ms: i64,
    pub script_line: Option<i64>,
}

impl Store {
    /// Replaces a production's shot list in one transaction.
    pub async fn replace_shots(&self, production: ProductionId, shots: &[NewShot]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
        sqlx::query("DELETE FROM shots WHERE production_id = ?")
            .bind(production)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        for (position, shot) in shots.iter().enumerate() {
            sqlx::query(
                "INSERT INTO shots (production_id, position, scene, kind, character, text, target_ms, script_line)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(production)
            .bind(position as i64)
            .bind(shot.scene)
            .bind(shot.kind)
            .bind(&shot.character)
            .bind(&shot.text)
            .bind(shot.target_ms)
            .bind(shot.script_line)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))
    }

    pub async fn shots(&self, production: ProductionId) -> Result<Vec<Shot>, StoreError> {
        sqlx::query_as(
            "SELECT id, position, scene, kind, character, text, target_ms, script_line
             FROM shots WHERE production_id = ? ORDER BY position",
        )
        .bind(production)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }
}

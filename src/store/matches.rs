//! Why each script shot got its footage: the chosen archive sub-range and every candidate it was weighed against,
//! as `reel shots explain` shows them. Written by `reel produce` after matching, replaced on every match.

use serde::Serialize;

use super::{Store, StoreError};
use crate::ids::ProductionId;

/// The footage chosen for the shot at `position` of a production's cut.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMatch {
    pub position: i64,
    pub archive_shot: i64,
    pub source: String,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub score: f64,
    pub query: String,
    /// Best first; the first is the winner.
    pub candidates: Vec<NewCandidate>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewCandidate {
    pub archive_shot: i64,
    pub score: f64,
    pub why: String,
}

/// A stored choice, for `reel shots explain`.
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ShotMatch {
    pub archive_shot: i64,
    pub source: String,
    pub start_ms: i64,
    pub duration_ms: i64,
    pub score: f64,
    pub query: String,
}

/// A stored candidate with what the archive knows of it now (absent when the archive shot is gone).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ShotCandidate {
    pub rank: i64,
    pub archive_shot: i64,
    pub score: f64,
    pub why: String,
    pub path: Option<String>,
    pub start_s: Option<f64>,
    pub end_s: Option<f64>,
    pub description: Option<String>,
}

impl Store {
    /// Replaces the recorded choices of a production's shots (by cut position) in one transaction. Shots without an
    /// entry (cards) keep none.
    pub async fn replace_matches(&self, production: ProductionId, matches: &[NewMatch]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
        sqlx::query("DELETE FROM shot_matches WHERE shot_id IN (SELECT id FROM shots WHERE production_id = ?)")
            .bind(production)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        sqlx::query("DELETE FROM shot_candidates WHERE shot_id IN (SELECT id FROM shots WHERE production_id = ?)")
            .bind(production)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        for m in matches {
            let shot: i64 = sqlx::query_scalar("SELECT id FROM shots WHERE production_id = ? AND position = ?")
                .bind(production)
                .bind(m.position)
                .fetch_one(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
            sqlx::query(
                "INSERT INTO shot_matches (shot_id, archive_shot, source, start_ms, duration_ms, score, query)
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(shot)
            .bind(m.archive_shot)
            .bind(&m.source)
            .bind(m.start_ms)
            .bind(m.duration_ms)
            .bind(m.score)
            .bind(&m.query)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
            for (rank, c) in m.candidates.iter().enumerate() {
                sqlx::query(
                    "INSERT INTO shot_candidates (shot_id, rank, archive_shot, score, why) VALUES (?, ?, ?, ?, ?)",
                )
                .bind(shot)
                .bind(rank as i64)
                .bind(c.archive_shot)
                .bind(c.score)
                .bind(&c.why)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
            }
        }
        tx.commit().await.map_err(|e| self.err(e))
    }

    /// The recorded choice for the shot at `position`, with its candidates best first; `None` for a card or a
    /// shot not matched yet.
    pub async fn shot_match(
        &self,
        production: ProductionId,
        position: i64,
    ) -> Result<Option<(ShotMatch, Vec<ShotCandidate>)>, StoreError> {
        let found: Option<(i64, ShotMatch)> = sqlx::query_as::<_, (i64, i64, String, i64, i64, f64, String)>(
            "SELECT m.shot_id, m.archive_shot, m.source, m.start_ms, m.duration_ms, m.score, m.query
             FROM shot_matches m JOIN shots s ON s.id = m.shot_id WHERE s.production_id = ? AND s.position = ?",
        )
        .bind(production)
        .bind(position)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.err(e))?
        .map(|(id, archive_shot, source, start_ms, duration_ms, score, query)| {
            (id, ShotMatch { archive_shot, source, start_ms, duration_ms, score, query })
        });
        let Some((shot, choice)) = found else { return Ok(None) };
        let candidates = sqlx::query_as(
            "SELECT c.rank, c.archive_shot, c.score, c.why, f.path, a.start_s, a.end_s, a.description
             FROM shot_candidates c
             LEFT JOIN archive_shots a ON a.id = c.archive_shot
             LEFT JOIN archive_files f ON f.id = a.file_id
             WHERE c.shot_id = ? ORDER BY c.rank",
        )
        .bind(shot)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        Ok(Some((choice, candidates)))
    }

    /// The archive shots a production's cut uses, for `reel shots query --production`.
    pub async fn production_archive_shots(&self, production: ProductionId) -> Result<Vec<i64>, StoreError> {
        sqlx::query_scalar(
            "SELECT DISTINCT m.archive_shot FROM shot_matches m JOIN shots s ON s.id = m.shot_id
             WHERE s.production_id = ? ORDER BY m.archive_shot",
        )
        .bind(production)
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }
}

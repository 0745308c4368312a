//! The archive's tables: imported footage files, their shots and cues, and shot search (FTS5 BM25 plus filters).

use serde::Serialize;

use super::{Store, StoreError, now_ms};

/// A file's analysis, ready to import.
#[derive(Debug, Clone)]
pub struct NewArchiveFile {
    pub path: String,
    pub hash: String,
    pub analysis_hash: String,
    pub duration_s: f64,
    pub fps: f64,
    pub width: i64,
    pub height: i64,
    pub has_audio: bool,
    pub streams_json: String,
    pub warnings_json: String,
    pub shots: Vec<NewArchiveShot>,
    pub cues: Vec<NewArchiveCue>,
}

#[derive(Debug, Clone)]
pub struct NewArchiveShot {
    pub start_frame: i64,
    pub end_frame: i64,
    pub start_s: f64,
    pub end_s: f64,
    pub boundary: String,
    pub luma: f64,
    pub contrast: f64,
    pub motion: f64,
    pub colours_json: String,
    pub loudness_lufs: Option<f64>,
    pub thumbnail: Option<String>,
    pub description: String,
    pub dialogue: String,
}

#[derive(Debug, Clone)]
pub struct NewArchiveCue {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub speaker: Option<String>,
    pub source: String,
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    New,
    Replaced,
    Unchanged,
}

#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ArchiveFile {
    pub id: i64,
    pub path: String,
    pub hash: String,
    pub duration_s: f64,
    pub fps: f64,
    pub width: i64,
    pub height: i64,
    pub has_audio: bool,
    pub shots: i64,
    pub cues: i64,
}

/// A shot found by a query, with its score (lower BM25 is better; 0 without text).
#[derive(Debug, Clone, Serialize, sqlx::FromRow)]
pub struct ShotHit {
    pub id: i64,
    pub path: String,
    pub idx: i64,
    pub start_s: f64,
    pub end_s: f64,
    pub luma: f64,
    pub contrast: f64,
    pub motion: f64,
    pub loudness_lufs: Option<f64>,
    pub thumbnail: Option<String>,
    pub description: String,
    pub dialogue: String,
    pub score: f64,
}

/// Filters of `reel shots query`.
#[derive(Debug, Clone, Default)]
pub struct ShotQuery {
    /// An FTS5 query over dialogue and description.
    pub text: Option<String>,
    pub min_dur: Option<f64>,
    pub max_dur: Option<f64>,
    pub dark: bool,
    pub bright: bool,
    /// A glob over the file's path.
    pub source: Option<String>,
    pub limit: i64,
}

/// Mean luma below this is dark, above [`BRIGHT_LUMA`] bright.
pub const DARK_LUMA: f64 = 70.0;
pub const BRIGHT_LUMA: f64 = 150.0;

impl Store {
    /// The path of an imported file with this content hash, if any.
    pub async fn archive_path_with_hash(&self, hash: &str) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar("SELECT path FROM archive_files WHERE hash = ? ORDER BY id LIMIT 1")
            .bind(hash)
            .fetch_optional(&self.pool)
            .await
            .map_err(|e| self.err(e))
    }

    /// Imports a file's analysis in one transaction, replacing an older import of the same path. An import of the
    /// same analysis is a no-op.
    pub async fn import_archive_file(&self, file: &NewArchiveFile) -> Result<Imported, StoreError> {
        let mut tx = self.pool.begin_with("BEGIN IMMEDIATE").await.map_err(|e| self.err(e))?;
        let old: Option<(i64, String)> = sqlx::query_as("SELECT id, analysis_hash FROM archive_files WHERE path = ?")
            .bind(&file.path)
            .fetch_optional(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        if let Some((_, hash)) = &old
            && *hash == file.analysis_hash
        {
            tx.rollback().await.map_err(|e| self.err(e))?;
            return Ok(Imported::Unchanged);
        }
        if let Some((id, _)) = &old {
            sqlx::query(
                "DELETE FROM archive_shots_fts WHERE rowid IN (SELECT id FROM archive_shots WHERE file_id = ?)",
            )
            .bind(id)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
            sqlx::query("DELETE FROM archive_files WHERE id = ?")
                .bind(id)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
        }
        let file_id: i64 = sqlx::query_scalar(
            "INSERT INTO archive_files (path, hash, analysis_hash, duration_s, fps, width, height, has_audio, streams,
                                        warnings, imported_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(&file.path)
        .bind(&file.hash)
        .bind(&file.analysis_hash)
        .bind(file.duration_s)
        .bind(file.fps)
        .bind(file.width)
        .bind(file.height)
        .bind(file.has_audio)
        .bind(&file.streams_json)
        .bind(&file.warnings_json)
        .bind(now_ms())
        .fetch_one(&mut *tx)
        .await
        .map_err(|e| self.err(e))?;
        for (idx, shot) in file.shots.iter().enumerate() {
            let shot_id: i64 = sqlx::query_scalar(
                "INSERT INTO archive_shots (file_id, idx, start_frame, end_frame, start_s, end_s, boundary, luma,
                                            contrast, motion, colours, loudness_lufs, thumbnail, description, dialogue)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(file_id)
            .bind(idx as i64)
            .bind(shot.start_frame)
            .bind(shot.end_frame)
            .bind(shot.start_s)
            .bind(shot.end_s)
            .bind(&shot.boundary)
            .bind(shot.luma)
            .bind(shot.contrast)
            .bind(shot.motion)
            .bind(&shot.colours_json)
            .bind(shot.loudness_lufs)
            .bind(&shot.thumbnail)
            .bind(&shot.description)
            .bind(&shot.dialogue)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
            sqlx::query("INSERT INTO archive_shots_fts (rowid, dialogue, description) VALUES (?, ?, ?)")
                .bind(shot_id)
                .bind(&shot.dialogue)
                .bind(&shot.description)
                .execute(&mut *tx)
                .await
                .map_err(|e| self.err(e))?;
        }
        for cue in &file.cues {
            sqlx::query(
                "INSERT INTO archive_cues (file_id, start_ms, end_ms, text, speaker, source) VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(file_id)
            .bind(cue.start_ms)
            .bind(cue.end_ms)
            .bind(&cue.text)
            .bind(&cue.speaker)
            .bind(&cue.source)
            .execute(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
        }
        tx.commit().await.map_err(|e| self.err(e))?;
        Ok(if old.is_some() { Imported::Replaced } else { Imported::New })
    }

    pub async fn archive_files(&self) -> Result<Vec<ArchiveFile>, StoreError> {
        sqlx::query_as(
            "SELECT f.id, f.path, f.hash, f.duration_s, f.fps, f.width, f.height, f.has_audio,
                    (SELECT COUNT(*) FROM archive_shots s WHERE s.file_id = f.id) AS shots,
                    (SELECT COUNT(*) FROM archive_cues c WHERE c.file_id = f.id) AS cues
             FROM archive_files f ORDER BY f.path",
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }

    /// Shots matching `q`: ranked by BM25 when there is text, in archive order otherwise.
    pub async fn query_shots(&self, q: &ShotQuery) -> Result<Vec<ShotHit>, StoreError> {
        let query = match &q.text {
            Some(_) => sqlx::query_as(
                "SELECT s.id, f.path, s.idx, s.start_s, s.end_s, s.luma, s.contrast, s.motion, s.loudness_lufs,
                        s.thumbnail, s.description, s.dialogue, bm25(archive_shots_fts) AS score
                 FROM archive_shots_fts JOIN archive_shots s ON s.id = archive_shots_fts.rowid
                      JOIN archive_files f ON f.id = s.file_id
                 WHERE archive_shots_fts MATCH ?1
                   AND (?2 IS NULL OR s.end_s - s.start_s >= ?2) AND (?3 IS NULL OR s.end_s - s.start_s <= ?3)
                   AND (?4 = 0 OR s.luma < ?8) AND (?5 = 0 OR s.luma > ?9) AND (?6 IS NULL OR f.path GLOB ?6)
                 ORDER BY score LIMIT ?7",
            ),
            None => sqlx::query_as(
                "SELECT s.id, f.path, s.idx, s.start_s, s.end_s, s.luma, s.contrast, s.motion, s.loudness_lufs,
                        s.thumbnail, s.description, s.dialogue, 0.0 AS score
                 FROM archive_shots s JOIN archive_files f ON f.id = s.file_id
                 WHERE (?1 IS NULL OR 1)
                   AND (?2 IS NULL OR s.end_s - s.start_s >= ?2) AND (?3 IS NULL OR s.end_s - s.start_s <= ?3)
                   AND (?4 = 0 OR s.luma < ?8) AND (?5 = 0 OR s.luma > ?9) AND (?6 IS NULL OR f.path GLOB ?6)
                 ORDER BY f.path, s.idx LIMIT ?7",
            ),
        };
        query
            .bind(&q.text)
            .bind(q.min_dur)
            .bind(q.max_dur)
            .bind(q.dark)
            .bind(q.bright)
            .bind(&q.source)
            .bind(q.limit)
            .bind(DARK_LUMA)
            .bind(BRIGHT_LUMA)
            .fetch_all(&self.pool)
            .await
            .map_err(|e| match (&e, &q.text) {
                // SQLITE_ERROR from a MATCH is FTS5 refusing the query text ("fts5: syntax error near …",
                // "unterminated string"): the user's to fix, not a database fault.
                (sqlx::Error::Database(db), Some(text)) if db.code().as_deref() == Some("1") => {
                    StoreError::BadQuery { query: text.clone(), message: db.message().to_string() }
                }
                _ => self.err(e),
            })
    }

    /// One shot with its file.
    pub async fn archive_shot(&self, id: i64) -> Result<Option<ShotHit>, StoreError> {
        sqlx::query_as(
            "SELECT s.id, f.path, s.idx, s.start_s, s.end_s, s.luma, s.contrast, s.motion, s.loudness_lufs,
                    s.thumbnail, s.description, s.dialogue, 0.0 AS score
             FROM archive_shots s JOIN archive_files f ON f.id = s.file_id WHERE s.id = ?",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }
}

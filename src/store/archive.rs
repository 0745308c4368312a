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
    /// The model that made the shots' and cues' vectors, when they have any.
    pub embedding_model: Option<String>,
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
    /// Faces found on the keyframe (`None`: not looked for), the largest one's height ÷ the frame's, and the scale.
    pub faces: Option<i64>,
    pub face_height: Option<f64>,
    pub scale: Option<String>,
    /// Positions in [`NewArchiveFile::cues`] of the cues that overlap the shot.
    pub cues: Vec<usize>,
    /// The description's embedding (little-endian f32).
    pub vector: Option<Vec<u8>>,
}

#[derive(Debug, Clone)]
pub struct NewArchiveCue {
    pub start_ms: i64,
    pub end_ms: i64,
    pub text: String,
    pub speaker: Option<String>,
    pub source: String,
    /// The text's embedding (little-endian f32).
    pub vector: Option<Vec<u8>>,
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
    pub faces: Option<i64>,
    pub scale: Option<String>,
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
    /// At least this many faces on the keyframe.
    pub min_faces: Option<i64>,
    /// `close`, `medium` or `wide`.
    pub scale: Option<String>,
    /// Only the archive shots this production's cut uses.
    pub production: Option<crate::ids::ProductionId>,
    pub limit: i64,
}

/// A shot's embeddings for semantic ranking: its description's, and those of the cues it overlaps.
#[derive(Debug, Clone, Default)]
pub struct ShotVectors {
    pub shot_id: i64,
    pub description: Option<Vec<u8>>,
    pub cues: Vec<Vec<u8>>,
}

/// What `reel archive stats` shows.
#[derive(Debug, Clone, Default, Serialize)]
pub struct ArchiveStats {
    pub files: i64,
    pub files_with_audio: i64,
    pub duration_s: f64,
    pub shots: i64,
    pub cuts: i64,
    pub fades: i64,
    /// Shot lengths in seconds.
    pub shot_mean_s: f64,
    pub shot_median_s: f64,
    pub shot_longest_s: f64,
    pub cues: i64,
    pub shots_with_dialogue: i64,
    /// Shots whose keyframe was searched for faces, and those with at least one.
    pub shots_face_checked: i64,
    pub shots_with_faces: i64,
    pub close: i64,
    pub medium: i64,
    pub wide: i64,
    pub dark: i64,
    pub bright: i64,
    pub shots_embedded: i64,
    pub cues_embedded: i64,
}

/// Mean luma below this is dark, above [`BRIGHT_LUMA`] bright.
pub const DARK_LUMA: f64 = 70.0;
pub const BRIGHT_LUMA: f64 = 150.0;

/// The columns of a [`ShotHit`] without its score; `s` is archive_shots, `f` archive_files.
macro_rules! hit_columns {
    () => {
        "s.id, f.path, s.idx, s.start_s, s.end_s, s.luma, s.contrast, s.motion, s.loudness_lufs, s.thumbnail,
         s.description, s.dialogue, s.faces, s.scale"
    };
}

/// The filters of a [`ShotQuery`] as SQL over `s` and `f`, with the parameters that [`bind_filters!`] binds: ?1 text
/// (only used by MATCH), ?2..?6 and ?8..?12 filters, ?7 the limit.
macro_rules! shot_filters {
    () => {
        "(?1 IS NULL OR 1) AND (?7 IS NULL OR 1)
         AND (?2 IS NULL OR s.end_s - s.start_s >= ?2) AND (?3 IS NULL OR s.end_s - s.start_s <= ?3)
         AND (?4 = 0 OR s.luma < ?8) AND (?5 = 0 OR s.luma > ?9) AND (?6 IS NULL OR f.path GLOB ?6)
         AND (?10 IS NULL OR s.faces >= ?10) AND (?11 IS NULL OR s.scale = ?11)
         AND (?12 IS NULL OR s.id IN (SELECT m.archive_shot FROM shot_matches m JOIN shots p ON p.id = m.shot_id
                                      WHERE p.production_id = ?12))"
    };
}

/// Binds ?1..?12 of [`shot_filters!`] from a [`ShotQuery`].
macro_rules! bind_filters {
    ($query:expr, $q:expr) => {
        $query
            .bind(&$q.text)
            .bind($q.min_dur)
            .bind($q.max_dur)
            .bind($q.dark)
            .bind($q.bright)
            .bind(&$q.source)
            .bind($q.limit)
            .bind(DARK_LUMA)
            .bind(BRIGHT_LUMA)
            .bind($q.min_faces)
            .bind(&$q.scale)
            .bind($q.production)
    };
}

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
        let model = file.embedding_model.as_deref().unwrap_or("");
        let mut cue_ids = Vec::with_capacity(file.cues.len());
        for cue in &file.cues {
            let cue_id: i64 = sqlx::query_scalar(
                "INSERT INTO archive_cues (file_id, start_ms, end_ms, text, speaker, source)
                 VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
            )
            .bind(file_id)
            .bind(cue.start_ms)
            .bind(cue.end_ms)
            .bind(&cue.text)
            .bind(&cue.speaker)
            .bind(&cue.source)
            .fetch_one(&mut *tx)
            .await
            .map_err(|e| self.err(e))?;
            if let Some(vector) = &cue.vector {
                sqlx::query("INSERT INTO archive_cue_vectors (cue_id, model, vector) VALUES (?, ?, ?)")
                    .bind(cue_id)
                    .bind(model)
                    .bind(vector)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?;
            }
            cue_ids.push(cue_id);
        }
        for (idx, shot) in file.shots.iter().enumerate() {
            let shot_id: i64 = sqlx::query_scalar(
                "INSERT INTO archive_shots (file_id, idx, start_frame, end_frame, start_s, end_s, boundary, luma,
                                            contrast, motion, colours, loudness_lufs, thumbnail, description, dialogue,
                                            faces, face_height, scale)
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
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
            .bind(shot.faces)
            .bind(shot.face_height)
            .bind(&shot.scale)
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
            for cue_id in shot.cues.iter().filter_map(|&i| cue_ids.get(i)) {
                sqlx::query("INSERT OR IGNORE INTO archive_shot_cues (shot_id, cue_id) VALUES (?, ?)")
                    .bind(shot_id)
                    .bind(cue_id)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?;
            }
            if let Some(vector) = &shot.vector {
                sqlx::query("INSERT INTO archive_shot_vectors (shot_id, model, vector) VALUES (?, ?, ?)")
                    .bind(shot_id)
                    .bind(model)
                    .bind(vector)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| self.err(e))?;
            }
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
            Some(_) => sqlx::query_as(concat!(
                "SELECT ",
                hit_columns!(),
                ", bm25(archive_shots_fts) AS score
                 FROM archive_shots_fts JOIN archive_shots s ON s.id = archive_shots_fts.rowid
                      JOIN archive_files f ON f.id = s.file_id
                 WHERE archive_shots_fts MATCH ?1 AND ",
                shot_filters!(),
                " ORDER BY score LIMIT ?7"
            )),
            None => sqlx::query_as(concat!(
                "SELECT ",
                hit_columns!(),
                ", 0.0 AS score FROM archive_shots s JOIN archive_files f ON f.id = s.file_id WHERE ",
                shot_filters!(),
                " ORDER BY f.path, s.idx LIMIT ?7"
            )),
        };
        bind_filters!(query, q).fetch_all(&self.pool).await.map_err(|e| match (&e, &q.text) {
            // SQLITE_ERROR from a MATCH is FTS5 refusing the query text ("fts5: syntax error near …",
            // "unterminated string"): the user's to fix, not a database fault.
            (sqlx::Error::Database(db), Some(text)) if db.code().as_deref() == Some("1") => {
                StoreError::BadQuery { query: text.clone(), message: db.message().to_string() }
            }
            _ => self.err(e),
        })
    }

    /// The embeddings of every shot that passes `q`'s filters (its text and limit are ignored): the description's
    /// and those of the cues it overlaps.
    pub async fn shot_vectors(&self, q: &ShotQuery) -> Result<Vec<ShotVectors>, StoreError> {
        let unlimited = ShotQuery { text: None, limit: -1, ..q.clone() };
        let rows: Vec<(i64, Option<Vec<u8>>)> = bind_filters!(
            sqlx::query_as(concat!(
                "SELECT s.id, v.vector FROM archive_shots s JOIN archive_files f ON f.id = s.file_id
                 LEFT JOIN archive_shot_vectors v ON v.shot_id = s.id WHERE ",
                shot_filters!(),
                " ORDER BY s.id"
            )),
            unlimited
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        let cue_rows: Vec<(i64, Vec<u8>)> = bind_filters!(
            sqlx::query_as(concat!(
                "SELECT s.id, cv.vector FROM archive_shot_cues l JOIN archive_cue_vectors cv ON cv.cue_id = l.cue_id
                 JOIN archive_shots s ON s.id = l.shot_id JOIN archive_files f ON f.id = s.file_id WHERE ",
                shot_filters!(),
                " ORDER BY s.id"
            )),
            unlimited
        )
        .fetch_all(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        let mut shots: Vec<ShotVectors> = rows
            .into_iter()
            .map(|(shot_id, description)| ShotVectors { shot_id, description, cues: Vec::new() })
            .collect();
        for (shot_id, vector) in cue_rows {
            if let Ok(at) = shots.binary_search_by_key(&shot_id, |s| s.shot_id) {
                shots[at].cues.push(vector);
            }
        }
        Ok(shots)
    }

    /// Whether any shot or cue has an embedding (cheap: it stops at the first row).
    pub async fn archive_has_vectors(&self) -> Result<bool, StoreError> {
        sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM archive_shot_vectors) OR EXISTS (SELECT 1 FROM archive_cue_vectors)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }

    /// How many shots and cues have embeddings.
    pub async fn archive_vector_counts(&self) -> Result<(i64, i64), StoreError> {
        sqlx::query_as("SELECT (SELECT COUNT(*) FROM archive_shot_vectors), (SELECT COUNT(*) FROM archive_cue_vectors)")
            .fetch_one(&self.pool)
            .await
            .map_err(|e| self.err(e))
    }

    /// One shot with its file.
    pub async fn archive_shot(&self, id: i64) -> Result<Option<ShotHit>, StoreError> {
        sqlx::query_as(concat!(
            "SELECT ",
            hit_columns!(),
            ", 0.0 AS score FROM archive_shots s JOIN archive_files f ON f.id = s.file_id WHERE s.id = ?"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(|e| self.err(e))
    }

    /// Totals over the whole archive.
    pub async fn archive_stats(&self) -> Result<ArchiveStats, StoreError> {
        let mut stats: ArchiveStats = sqlx::query_as::<_, StatsRow>(
            "SELECT (SELECT COUNT(*) FROM archive_files) AS files,
                    (SELECT COUNT(*) FROM archive_files WHERE has_audio) AS files_with_audio,
                    (SELECT COALESCE(SUM(duration_s), 0.0) FROM archive_files) AS duration_s,
                    COUNT(*) AS shots,
                    COALESCE(SUM(boundary = 'cut'), 0) AS cuts,
                    COALESCE(SUM(boundary = 'fade'), 0) AS fades,
                    COALESCE(AVG(end_s - start_s), 0.0) AS shot_mean_s,
                    COALESCE(MAX(end_s - start_s), 0.0) AS shot_longest_s,
                    (SELECT COUNT(*) FROM archive_cues) AS cues,
                    COALESCE(SUM(dialogue <> ''), 0) AS shots_with_dialogue,
                    COUNT(faces) AS shots_face_checked,
                    COALESCE(SUM(faces > 0), 0) AS shots_with_faces,
                    COALESCE(SUM(scale = 'close'), 0) AS close,
                    COALESCE(SUM(scale = 'medium'), 0) AS medium,
                    COALESCE(SUM(scale = 'wide'), 0) AS wide,
                    COALESCE(SUM(luma < ?1), 0) AS dark,
                    COALESCE(SUM(luma > ?2), 0) AS bright
             FROM archive_shots",
        )
        .bind(DARK_LUMA)
        .bind(BRIGHT_LUMA)
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.err(e))?
        .into();
        stats.shot_median_s = sqlx::query_scalar(
            "SELECT COALESCE((SELECT end_s - start_s FROM archive_shots ORDER BY end_s - start_s
                              LIMIT 1 OFFSET (SELECT COUNT(*) FROM archive_shots) / 2), 0.0)",
        )
        .fetch_one(&self.pool)
        .await
        .map_err(|e| self.err(e))?;
        (stats.shots_embedded, stats.cues_embedded) = self.archive_vector_counts().await?;
        Ok(stats)
    }
}

#[derive(sqlx::FromRow)]
struct StatsRow {
    files: i64,
    files_with_audio: i64,
    duration_s: f64,
    shots: i64,
    cuts: i64,
    fades: i64,
    shot_mean_s: f64,
    shot_longest_s: f64,
    cues: i64,
    shots_with_dialogue: i64,
    shots_face_checked: i64,
    shots_with_faces: i64,
    close: i64,
    medium: i64,
    wide: i64,
    dark: i64,
    bright: i64,
}

impl From<StatsRow> for ArchiveStats {
    fn from(r: StatsRow) -> Self {
        ArchiveStats {
            files: r.files,
            files_with_audio: r.files_with_audio,
            duration_s: r.duration_s,
            shots: r.shots,
            cuts: r.cuts,
            fades: r.fades,
            shot_mean_s: r.shot_mean_s,
            shot_median_s: 0.0,
            shot_longest_s: r.shot_longest_s,
            cues: r.cues,
            shots_with_dialogue: r.shots_with_dialogue,
            shots_face_checked: r.shots_face_checked,
            shots_with_faces: r.shots_with_faces,
            close: r.close,
            medium: r.medium,
            wide: r.wide,
            dark: r.dark,
            bright: r.bright,
            shots_embedded: 0,
            cues_embedded: 0,
        }
    }
}

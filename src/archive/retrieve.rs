//! Retrieval: the archive shots that answer a query, ranked, with their scores. `reel shots query` is one caller;
//! productions matching script lines to footage are the other.
//!
//! Owns the choice between word, semantic and hybrid ranking and what to do when half of it is unavailable (no
//! embedding model installed, an archive without vectors): fall back to words, and say so in a note. The store does
//! the filtering and BM25; [`super::search`] does the arithmetic.

use std::path::{Path, PathBuf};

use serde::Serialize;

use super::search::{Ranking, ShotEmbeddings, any_words_query, fuse, semantic_ranking};
use crate::embed::{EmbedError, Embedder, from_bytes};
use crate::store::{ShotHit, ShotQuery, Store, StoreError};

/// How many BM25 hits the hybrid ranking fuses: enough that a shot the words rank modestly can still rise on its
/// meaning.
const HYBRID_CANDIDATES: i64 = 200;

/// The hybrid ranking takes a shot on its meaning alone only when its cosine similarity reaches this; otherwise every
/// shot in the archive would be a hit for every query. With all-MiniLM-L6-v2, unrelated dialogue and descriptions
/// score 0.0–0.2 against a query and paraphrases 0.4–0.7 (seen in the archive tests and on the default archive).
/// `--semantic` has no floor: it lists nearest neighbours, however near.
pub const HYBRID_MIN_COSINE: f32 = 0.25;

/// A shot found, with what ranked it. `shot.score` is the ranking's score, higher is better: the fused RRF score,
/// the cosine similarity, or BM25 negated (FTS5's BM25 is lower-is-better).
#[derive(Debug, Clone, Serialize)]
pub struct Hit {
    #[serde(flatten)]
    pub shot: ShotHit,
    pub bm25: Option<f64>,
    pub cosine: Option<f32>,
}

/// The answer to a query.
#[derive(Debug, Clone)]
pub struct Found {
    pub hits: Vec<Hit>,
    /// The ranking actually used (hybrid falls back to BM25 when there is nothing to compare meaning with).
    pub ranking: Ranking,
    /// Why the ranking asked for could not be used in full.
    pub notes: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum RetrieveError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("semantic search: {0}")]
    Embed(#[from] EmbedError),
    #[error("semantic search needs the sentence-embedding model, which is not in {0}; `make data` installs it")]
    NoModel(String),
    #[error(
        "semantic search: no shot in the archive has embeddings yet; run `reel archive add` again with the model \
         installed (`make data`)"
    )]
    NoVectors,
    #[error("stored embedding of shot {shot} is damaged: {source}")]
    BadVector { shot: i64, source: EmbedError },
}

/// Finds shots for queries, loading the embedding model the first time meaning is needed.
pub struct Retriever<'a> {
    store: &'a Store,
    model_dir: Option<PathBuf>,
    embedder: Option<Embedder>,
}

impl<'a> Retriever<'a> {
    /// A retriever over `store`, with the embedding model in `model_dir` (if it is installed).
    pub fn new(store: &'a Store, model_dir: Option<&Path>) -> Retriever<'a> {
        Retriever { store, model_dir: model_dir.map(Path::to_path_buf), embedder: None }
    }

    /// The shots for `query`, ranked by `ranking`. Without text they come in archive order.
    pub async fn search(&mut self, query: &ShotQuery, ranking: Ranking) -> Result<Found, RetrieveError> {
        let Some(text) = query.text.clone() else {
            let hits = self.store.query_shots(query).await?.into_iter().map(plain).collect();
            return Ok(Found { hits, ranking, notes: Vec::new() });
        };
        match ranking {
            Ranking::Bm25 => {
                let hits = self.store.query_shots(query).await?.into_iter().map(by_bm25).collect();
                Ok(Found { hits, ranking, notes: Vec::new() })
            }
            Ranking::Semantic => {
                let semantic = self.semantic(&text, query).await?;
                let top: Vec<(i64, f32)> = semantic.into_iter().take(query.limit.max(0) as usize).collect();
                let mut hits = Vec::with_capacity(top.len());
                for (id, cosine) in top {
                    if let Some(mut shot) = self.store.archive_shot(id).await? {
                        shot.score = f64::from(cosine);
                        hits.push(Hit { shot, bm25: None, cosine: Some(cosine) });
                    }
                }
                Ok(Found { hits, ranking, notes: Vec::new() })
            }
            Ranking::Hybrid => self.hybrid(&text, query).await,
        }
    }

    /// Shots for a line of natural language (a script line, an action, a brief), hybrid-ranked, with `filters`
    /// (whose text is ignored). Its words are searched as any-of-the-words, so no line is ever a bad query.
    pub async fn search_line(&mut self, line: &str, filters: &ShotQuery) -> Result<Found, RetrieveError> {
        let words = ShotQuery { text: any_words_query(line), ..filters.clone() };
        self.hybrid(line, &words).await
    }

    /// BM25 (of `query.text`, when there is one) and meaning (of `text`) fused; BM25 alone, with a note, when
    /// meaning is unavailable.
    async fn hybrid(&mut self, text: &str, query: &ShotQuery) -> Result<Found, RetrieveError> {
        let mut notes = Vec::new();
        // Without meaning to fuse, the words alone need only the requested number of hits.
        let semantic_possible = self.model_dir.is_some() && self.store.archive_has_vectors().await?;
        let candidates = if semantic_possible { HYBRID_CANDIDATES.max(query.limit) } else { query.limit };
        let words = ShotQuery { limit: candidates, ..query.clone() };
        let searched = if words.text.is_some() { Some(self.store.query_shots(&words).await) } else { None };
        let bm25_hits = match searched {
            None => Vec::new(),
            Some(Ok(hits)) => hits,
            // Plain words with punctuation FTS5 cannot parse ("don't go!"): search for any of the words instead.
            // Text written as FTS5 syntax keeps its error, so that a typo there is reported, not guessed at.
            Some(Err(StoreError::BadQuery { .. })) if !looks_like_fts_syntax(text) => match any_words_query(text) {
                Some(any) => self.store.query_shots(&ShotQuery { text: Some(any), ..words.clone() }).await?,
                None => Vec::new(),
            },
            Some(Err(e)) => return Err(e.into()),
        };
        let semantic = match self.semantic(text, query).await {
            Ok(ranked) => ranked,
            Err(e @ (RetrieveError::NoModel(_) | RetrieveError::NoVectors)) => {
                notes.push(format!("ranked by words only: {e}"));
                let hits = bm25_hits.into_iter().take(query.limit.max(0) as usize).map(by_bm25).collect();
                return Ok(Found { hits, ranking: Ranking::Bm25, notes });
            }
            Err(e) => return Err(e),
        };
        let bm25: Vec<(i64, f64)> = bm25_hits.iter().map(|h| (h.id, h.score)).collect();
        let semantic: Vec<(i64, f32)> = semantic.into_iter().filter(|&(_, c)| c >= HYBRID_MIN_COSINE).collect();
        let fused = fuse(&bm25, &semantic);
        let mut hits = Vec::new();
        for ranked in fused.into_iter().take(query.limit.max(0) as usize) {
            let known = bm25_hits.iter().find(|h| h.id == ranked.shot_id).cloned();
            let shot = match known {
                Some(shot) => Some(shot),
                None => self.store.archive_shot(ranked.shot_id).await?,
            };
            if let Some(mut shot) = shot {
                shot.score = ranked.score;
                hits.push(Hit { shot, bm25: ranked.bm25, cosine: ranked.cosine });
            }
        }
        Ok(Found { hits, ranking: Ranking::Hybrid, notes })
    }

    /// Every shot passing the filters, by cosine similarity of `text` to its description and cues, best first.
    async fn semantic(&mut self, text: &str, query: &ShotQuery) -> Result<Vec<(i64, f32)>, RetrieveError> {
        if !self.store.archive_has_vectors().await? {
            return Err(RetrieveError::NoVectors);
        }
        let query_vector = self.embed_query(text)?;
        let rows = self.store.shot_vectors(query).await?;
        let mut decoded: Vec<Decoded> = Vec::with_capacity(rows.len());
        for row in rows {
            let bad = |source| RetrieveError::BadVector { shot: row.shot_id, source };
            let description = row.description.as_deref().map(from_bytes).transpose().map_err(bad)?;
            let cues = row.cues.iter().map(|c| from_bytes(c)).collect::<Result<Vec<_>, _>>().map_err(bad)?;
            decoded.push((row.shot_id, description, cues));
        }
        let embeddings: Vec<ShotEmbeddings> = decoded
            .iter()
            .map(|(id, description, cues)| ShotEmbeddings {
                shot_id: *id,
                description: description.as_deref(),
                cues: cues.iter().map(Vec::as_slice).collect(),
            })
            .collect();
        Ok(semantic_ranking(&query_vector, &embeddings))
    }

    fn embed_query(&mut self, text: &str) -> Result<Vec<f32>, RetrieveError> {
        if self.embedder.is_none() {
            let dir = self.model_dir.clone().ok_or_else(|| {
                RetrieveError::NoModel(
                    crate::cache::dir().map_or("reel's cache".into(), |d| d.join("minilm").display().to_string()),
                )
            })?;
            self.embedder = Some(Embedder::load(&dir)?);
        }
        let embedder = self.embedder.as_ref().ok_or_else(|| RetrieveError::NoModel(String::new()))?;
        Ok(embedder.embed(&[text])?.pop().unwrap_or_default())
    }
}

/// A shot's id, description vector and cue vectors, decoded from their BLOBs.
type Decoded = (i64, Option<Vec<f32>>, Vec<Vec<f32>>);

fn plain(shot: ShotHit) -> Hit {
    Hit { shot, bm25: None, cosine: None }
}

fn by_bm25(mut shot: ShotHit) -> Hit {
    let bm25 = shot.score;
    shot.score = -bm25;
    Hit { shot, bm25: Some(bm25), cosine: None }
}

/// Whether `text` uses FTS5 query syntax: quotes, grouping, prefix or column markers, or an operator word.
fn looks_like_fts_syntax(text: &str) -> bool {
    text.contains(['"', '(', ')', '*', '^', ':', '+'])
        || text.split_whitespace().any(|w| matches!(w, "AND" | "OR" | "NOT" | "NEAR") || w.starts_with("NEAR("))
}

#[cfg(test)]
mod tests {
    use super::looks_like_fts_syntax;

    #[test]
    fn fts_syntax_is_recognised() {
        for text in ["\"unbalanced", "NEAR", "a AND b", "lant*", "description:dark", "(a OR b)"] {
            assert!(looks_like_fts_syntax(text), "{text}");
        }
        for text in ["don't go!", "a man, on a phone.", "near the sea", "and then"] {
            assert!(!looks_like_fts_syntax(text), "{text}");
        }
    }
}

//! Ranking archive shots: by words (FTS5 BM25, which the store computes), by meaning (cosine similarity of sentence
//! embeddings), or by both fused with reciprocal rank fusion.
//!
//! Owns the arithmetic of ranking and the turning of a script line into a word query. Pure: the store fetches rows
//! and vectors, the embedder makes the query's vector, and this module only orders ids.

use std::collections::HashMap;

use serde::Serialize;

use crate::embed::cosine;

/// How `reel shots query` (and retrieval for productions) orders shots.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Ranking {
    /// BM25 and semantic ranks fused (the default); BM25 alone where no embeddings exist.
    #[default]
    Hybrid,
    /// Words only.
    Bm25,
    /// Meaning only.
    Semantic,
}

/// The constant of reciprocal rank fusion: a shot's fused score is Σ 1 / (K + rank) over the rankings it appears
/// in. 60 is the value of Cormack, Clarke and Büttcher (SIGIR 2009), which damps the weight of the very top ranks so
/// that one ranking cannot outvote the other with a single lucky hit.
pub const RRF_K: f64 = 60.0;

/// A shot's place in a ranking, with the scores that put it there.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Ranked {
    pub shot_id: i64,
    /// The fused (or single-ranking) score: higher is better.
    pub score: f64,
    /// BM25 as FTS5 gives it (lower is better), when the words matched.
    pub bm25: Option<f64>,
    /// Cosine similarity to the query, when the shot has embeddings.
    pub cosine: Option<f32>,
}

/// The embeddings of one shot, decoded.
#[derive(Debug, Clone, Default)]
pub struct ShotEmbeddings<'a> {
    pub shot_id: i64,
    pub description: Option<&'a [f32]>,
    pub cues: Vec<&'a [f32]>,
}

/// Each shot's similarity to `query` (a unit vector): the best of its description's and its cues' similarities, so a
/// shot is found by what it shows or by what is said in it. Best first; shots without any embedding are left out.
pub fn semantic_ranking(query: &[f32], shots: &[ShotEmbeddings]) -> Vec<(i64, f32)> {
    let mut scored: Vec<(i64, f32)> = shots
        .iter()
        .filter_map(|shot| {
            let best = shot.description.iter().chain(&shot.cues).map(|v| cosine(query, v)).reduce(f32::max)?;
            Some((shot.shot_id, best))
        })
        .collect();
    scored.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    scored
}

/// Fuses a BM25 ranking (best first, as `(shot, bm25)`) and a semantic one (best first, as `(shot, cosine)`) by
/// reciprocal rank fusion. Either may be empty. Best first; ties go to the lower shot id.
pub fn fuse(bm25: &[(i64, f64)], semantic: &[(i64, f32)]) -> Vec<Ranked> {
    let mut by_id: HashMap<i64, Ranked> = HashMap::new();
    for (rank, &(shot_id, score)) in bm25.iter().enumerate() {
        let entry = by_id.entry(shot_id).or_insert(Ranked { shot_id, score: 0.0, bm25: None, cosine: None });
        entry.score += 1.0 / (RRF_K + rank as f64 + 1.0);
        entry.bm25 = Some(score);
    }
    for (rank, &(shot_id, cosine)) in semantic.iter().enumerate() {
        let entry = by_id.entry(shot_id).or_insert(Ranked { shot_id, score: 0.0, bm25: None, cosine: None });
        entry.score += 1.0 / (RRF_K + rank as f64 + 1.0);
        entry.cosine = Some(cosine);
    }
    let mut fused: Vec<Ranked> = by_id.into_values().collect();
    fused.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.shot_id.cmp(&b.shot_id)));
    fused
}

/// Words too common to help find a shot.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "do", "for", "from", "has", "have", "he", "her", "his",
    "i", "in", "is", "it", "its", "me", "my", "no", "not", "of", "on", "or", "our", "she", "so", "that", "the",
    "their", "them", "then", "there", "they", "this", "to", "was", "we", "were", "what", "with", "you", "your",
];

/// An FTS5 query that matches any of the content words of `line` (a script line, a brief), each quoted so that no
/// word is read as FTS5 syntax. `None` when the line has no content words.
pub fn any_words_query(line: &str) -> Option<String> {
    let mut words: Vec<String> = Vec::new();
    for word in line.split(|c: char| !c.is_alphanumeric() && c != '\'').map(|w| w.trim_matches('\'').to_lowercase()) {
        if word.chars().count() > 1 && !STOP_WORDS.contains(&word.as_str()) && !words.contains(&word) {
            words.push(word);
        }
    }
    (!words.is_empty()).then(|| words.iter().map(|w| format!("\"{w}\"")).collect::<Vec<_>>().join(" OR "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fusion_rewards_agreement() {
        let bm25 = [(1, -3.0), (2, -2.0), (3, -1.0)];
        let semantic = [(3, 0.9), (4, 0.8), (1, 0.7)];
        let fused = fuse(&bm25, &semantic);
        let order: Vec<i64> = fused.iter().map(|r| r.shot_id).collect();
        // 1 is first and third; 3 is third and first: tied, lower id first. Then 2 (second once) before 4.
        assert_eq!(order, [1, 3, 2, 4]);
        assert_eq!(fused[0].bm25, Some(-3.0));
        assert_eq!(fused[0].cosine, Some(0.7));
        assert_eq!(fused[3].bm25, None);
        assert!((fused[0].score - (1.0 / 61.0 + 1.0 / 63.0)).abs() < 1e-12);
    }

    #[test]
    fn fusion_of_one_ranking_keeps_its_order() {
        let fused = fuse(&[], &[(7, 0.2), (5, 0.1)]);
        assert_eq!(fused.iter().map(|r| r.shot_id).collect::<Vec<_>>(), [7, 5]);
    }

    #[test]
    fn semantic_takes_the_best_of_description_and_cues() {
        let (q, near, far) = ([1.0, 0.0], [0.8, 0.6], [0.0, 1.0]);
        let shots = [
            ShotEmbeddings { shot_id: 1, description: Some(&far), cues: vec![] },
            ShotEmbeddings { shot_id: 2, description: Some(&far), cues: vec![&near] },
            ShotEmbeddings { shot_id: 3, description: None, cues: vec![] },
        ];
        let ranked = semantic_ranking(&q, &shots);
        assert_eq!(ranked, [(2, 0.8), (1, 0.0)]);
    }

    #[test]
    fn script_lines_become_safe_word_queries() {
        assert_eq!(
            any_words_query("In a future with mass unemployment, the young sell BLOOD.").as_deref(),
            Some("\"future\" OR \"mass\" OR \"unemployment\" OR \"young\" OR \"sell\" OR \"blood\"")
        );
        assert_eq!(any_words_query("NEAR \"the\" AND (or)").as_deref(), Some("\"near\""));
        assert_eq!(any_words_query("it is a"), None);
        assert_eq!(any_words_query("don't"), Some("\"don't\"".into()));
    }
}

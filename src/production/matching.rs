//! Matching: an archive segment for every shot of the plan, chosen with the archive's hybrid retrieval.
//!
//! Dialogue shots look for their line among archive dialogue and descriptions and prefer faces at close or medium
//! scale; action shots look for their action; establishing shots for their heading's place, lit as its NIGHT or DAY
//! says. Among the candidates a shot keeps to its scene's light (continuity) and avoids footage already used while
//! unused candidates remain; then a sub-range of the right length is cut from the winner.
//!
//! Owns those preferences and their weights. It reads the archive only through [`Retriever`]; it writes nothing.

use serde::{Deserialize, Serialize};

use super::plan::PlannedShot;
use crate::archive::retrieve::{RetrieveError, Retriever};
use crate::store::{ShotHit, ShotKind, ShotQuery};

/// Candidates weighed per shot.
const CANDIDATES: i64 = 24;
/// Score lost per earlier use of the same archive shot.
const REUSE_PENALTY: f64 = 0.6;
/// Score lost per 100 luma levels away from the scene's light so far.
const CONTINUITY_PENALTY: f64 = 0.5;
/// Score gained by a dialogue candidate with a face at close or medium scale.
const FACE_BONUS: f64 = 0.4;

/// The archive segment chosen for one shot, and the candidates it beat.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Choice {
    pub archive_shot: i64,
    pub source: String,
    /// The sub-range of the archive file to use.
    pub start_s: f64,
    pub duration_s: f64,
    pub score: f64,
    /// The text the archive was searched with.
    pub query: String,
    pub candidates: Vec<Candidate>,
}

/// One candidate's final score and what made it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    pub archive_shot: i64,
    pub score: f64,
    /// The retrieval rank (0 first) and each adjustment, readable by `reel shots explain`.
    pub why: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MatchError {
    #[error(transparent)]
    Retrieve(#[from] RetrieveError),
    #[error("the archive is empty: there is no footage to cut the film from; `reel archive add PATH` adds some")]
    EmptyArchive,
}

/// Chooses footage for `shots` (cards get `None`), each `durations_ms` long.
pub async fn match_shots(
    retriever: &mut Retriever<'_>,
    shots: &[PlannedShot],
    durations_ms: &[u64],
) -> Result<Vec<Option<Choice>>, MatchError> {
    let mut uses: std::collections::HashMap<i64, usize> = std::collections::HashMap::new();
    let mut scene_light: Vec<(usize, f64, usize)> = Vec::new(); // (scene, luma sum, count)
    let mut choices = Vec::with_capacity(shots.len());
    for (shot, &ms) in shots.iter().zip(durations_ms) {
        if matches!(shot.kind, ShotKind::Title | ShotKind::Credits) {
            choices.push(None);
            continue;
        }
        let need_s = ms as f64 / 1000.0;
        let (line, filters) = query_for(shot, need_s);
        let mut hits = retriever.search_line(&line, &filters).await?.hits;
        if hits.is_empty() {
            // Nothing long enough, or nothing that matches: any footage, as long as there is some.
            let any = ShotQuery { limit: CANDIDATES, ..Default::default() };
            hits = retriever.search_line(&line, &any).await?.hits;
            if hits.is_empty() {
                hits = retriever.search(&any, crate::archive::search::Ranking::Bm25).await?.hits;
            }
        }
        if hits.is_empty() {
            return Err(MatchError::EmptyArchive);
        }
        let light = scene_light.iter().find(|(s, _, _)| *s == shot.scene).map(|&(_, sum, n)| sum / n as f64);
        let mut candidates: Vec<(Candidate, &ShotHit)> = hits
            .iter()
            .enumerate()
            .map(|(rank, hit)| {
                let h = &hit.shot;
                let mut score = 1.0 / (1.0 + rank as f64);
                let mut why = format!("rank {rank} ({:.3})", score);
                let used = uses.get(&h.id).copied().unwrap_or(0);
                if used > 0 {
                    score -= REUSE_PENALTY * used as f64;
                    why.push_str(&format!(", used {used}x -{:.2}", REUSE_PENALTY * used as f64));
                }
                if let Some(light) = light {
                    let off = CONTINUITY_PENALTY * (h.luma - light).abs() / 100.0;
                    score -= off;
                    why.push_str(&format!(", light {:.0} vs scene {:.0} -{off:.2}", h.luma, light));
                }
                if shot.kind == ShotKind::Dialogue
                    && h.faces.unwrap_or(0) > 0
                    && matches!(h.scale.as_deref(), Some("close" | "medium"))
                {
                    score += FACE_BONUS;
                    why.push_str(&format!(", face {} +{FACE_BONUS:.2}", h.scale.as_deref().unwrap_or("")));
                }
                if h.end_s - h.start_s < need_s {
                    score -= 0.3;
                    why.push_str(", too short (held) -0.30");
                }
                (Candidate { archive_shot: h.id, score, why }, h)
            })
            .collect();
        candidates.sort_by(|a, b| b.0.score.total_cmp(&a.0.score).then(a.0.archive_shot.cmp(&b.0.archive_shot)));
        let (best, hit) = (&candidates[0].0, candidates[0].1);
        let used = uses.entry(hit.id).or_insert(0);
        let start_s = sub_range(hit.start_s, hit.end_s, need_s, *used);
        *used += 1;
        match scene_light.iter_mut().find(|(s, _, _)| *s == shot.scene) {
            Some(entry) => {
                entry.1 += hit.luma;
                entry.2 += 1;
            }
            None => scene_light.push((shot.scene, hit.luma, 1)),
        }
        choices.push(Some(Choice {
            archive_shot: hit.id,
            source: hit.path.clone(),
            start_s,
            duration_s: need_s,
            score: best.score,
            query: line,
            candidates: candidates.iter().take(8).map(|(c, _)| c.clone()).collect(),
        }));
    }
    Ok(choices)
}

/// The words to search for and the filters, by kind of shot.
fn query_for(shot: &PlannedShot, need_s: f64) -> (String, ShotQuery) {
    let heading = shot.heading.as_deref().unwrap_or("").to_uppercase();
    let night = heading.contains("NIGHT");
    let day = heading.contains("DAY");
    let mut filters = ShotQuery { min_dur: Some(need_s), limit: CANDIDATES, ..Default::default() };
    let line = match shot.kind {
        ShotKind::Establishing => {
            filters.dark = night;
            filters.bright = day && !night;
            let place = heading
                .trim_start_matches("INT./EXT.")
                .trim_start_matches("INT.")
                .trim_start_matches("EXT.")
                .trim_start_matches("I/E")
                .split(" - ")
                .next()
                .unwrap_or("")
                .trim()
                .to_lowercase();
            let light = if night {
                "dark night"
            } else if day {
                "bright day"
            } else {
                ""
            };
            format!("{place} {light} wide shot")
        }
        ShotKind::Dialogue => format!("{} face person", shot.text),
        _ => shot.text.clone(),
    };
    (line, filters)
}

/// Where in an archive shot `[start, end)` to take `need` seconds: the middle on first use, then elsewhere along
/// it so that a reused shot shows different frames.
fn sub_range(start: f64, end: f64, need: f64, used: usize) -> f64 {
    let slack = (end - start - need).max(0.0);
    let position = [0.5, 0.1, 0.9, 0.3, 0.7][used % 5];
    start + slack * position
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sub_ranges_fit_and_move_on_reuse() {
        assert_eq!(sub_range(10.0, 20.0, 4.0, 0), 13.0);
        assert!((sub_range(10.0, 20.0, 4.0, 1) - 10.6).abs() < 1e-9);
        // Shorter than needed: from its start (the render holds the last frame).
        assert_eq!(sub_range(10.0, 12.0, 4.0, 0), 10.0);
    }

    #[test]
    fn headings_steer_light_and_place() {
        let shot = PlannedShot {
            scene: 1,
            kind: ShotKind::Establishing,
            character: None,
            parenthetical: None,
            text: "EXT. FOREST - NIGHT".into(),
            heading: Some("EXT. FOREST - NIGHT".into()),
            target_ms: 3000,
            script_line: 3,
        };
        let (line, filters) = query_for(&shot, 3.0);
        assert_eq!(line, "forest dark night wide shot");
        assert!(filters.dark && !filters.bright);
        assert_eq!(filters.min_dur, Some(3.0));
    }
}

//! An archive database of a chosen size for the query-latency benchmark. The numbers (timings, features) are drawn
//! from a fixed-seed generator, but the dialogue is real text, so FTS5 sees a natural term distribution.

use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context;
use reel::archive::analysis::{HUE_BINS, ShotFeatures};
use reel::archive::describe::{ShotFacts, describe};
use reel::faces::ShotScale;
use reel::store::{NewArchiveCue, NewArchiveFile, NewArchiveShot, OpenMode, Store};
use serde_json::{Value, json};

/// Shots per synthetic file: a feature film's worth.
const SHOTS_PER_FILE: usize = 1_000;

pub fn run(db: &Path, shots: usize, cues: usize, text: &[PathBuf]) -> anyhow::Result<Value> {
    let lines = dialogue_lines(text)?;
    anyhow::ensure!(!lines.is_empty(), "no dialogue lines in {text:?}");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    runtime.block_on(async {
        let store = Store::open(db, OpenMode::Create).await?;
        let mut rng = fastrand::Rng::with_seed(48);
        let mut line = 0;
        let files = shots.div_ceil(SHOTS_PER_FILE);
        for f in 0..files {
            let n_shots = SHOTS_PER_FILE.min(shots - f * SHOTS_PER_FILE);
            let n_cues = cues * n_shots / shots;
            let file = synthetic_file(f, n_shots, n_cues, &lines, &mut line, &mut rng);
            store.import_archive_file(&file).await?;
        }
        store.close().await;
        anyhow::Ok(json!({ "db": db, "files": files, "shots": shots, "cues": cues }))
    })
}

/// Non-empty lines of the text files, trimmed.
fn dialogue_lines(paths: &[PathBuf]) -> anyhow::Result<Vec<String>> {
    let mut lines = Vec::new();
    for path in paths {
        let bytes = fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let text = String::from_utf8_lossy(&bytes);
        lines.extend(text.lines().map(str::trim).filter(|l| l.len() > 3).map(String::from));
    }
    Ok(lines)
}

fn synthetic_file(
    number: usize,
    n_shots: usize,
    n_cues: usize,
    lines: &[String],
    next_line: &mut usize,
    rng: &mut fastrand::Rng,
) -> NewArchiveFile {
    // Shot lengths of 1–12 s, cues spread evenly over the film.
    let mut bounds = vec![0.0f64];
    for _ in 0..n_shots {
        bounds.push(bounds.last().copied().unwrap_or(0.0) + 1.0 + rng.f64() * 11.0);
    }
    let duration = bounds[n_shots];
    let cues: Vec<NewArchiveCue> = (0..n_cues)
        .map(|c| {
            let start = duration * c as f64 / n_cues as f64;
            let text = lines[*next_line % lines.len()].clone();
            *next_line += 1;
            NewArchiveCue {
                start_ms: (start * 1000.0) as i64,
                end_ms: ((start + 2.5) * 1000.0) as i64,
                text,
                speaker: None,
                source: format!("/bench/film{number:04}.srt"),
                vector: None,
            }
        })
        .collect();
    let mut cue = 0;
    let shots = (0..n_shots)
        .map(|s| {
            let (start_s, end_s) = (bounds[s], bounds[s + 1]);
            let mut dialogue = Vec::new();
            let mut linked = Vec::new();
            while cue < cues.len() && (cues[cue].start_ms as f64) < end_s * 1000.0 {
                dialogue.push(cues[cue].text.as_str());
                linked.push(cue);
                cue += 1;
            }
            // Most archive shots show nobody; the rest are spread over the scales.
            let faces = [0, 0, 0, 1, 1, 2, 3][rng.usize(..7)];
            let scale = if faces == 0 { ShotScale::Wide } else { ShotScale::ALL[rng.usize(..3)] };
            let features = ShotFeatures {
                frame_count: ((end_s - start_s) * 24.0) as u64,
                luma_mean: rng.f32() * 230.0 + 10.0,
                contrast: rng.f32() * 80.0,
                motion: rng.f32() * 30.0,
                hue_histogram: [1.0 / HUE_BINS as f32; HUE_BINS],
                dominant_colours: vec![[rng.u8(..), rng.u8(..), rng.u8(..)]],
            };
            let loudness = Some(-40.0 + rng.f64() * 30.0);
            NewArchiveShot {
                start_frame: (start_s * 24.0) as i64,
                end_frame: (end_s * 24.0) as i64,
                start_s,
                end_s,
                boundary: "cut".into(),
                luma: f64::from(features.luma_mean),
                contrast: f64::from(features.contrast),
                motion: f64::from(features.motion),
                colours_json: serde_json::to_string(&features.dominant_colours).unwrap_or_default(),
                loudness_lufs: loudness,
                thumbnail: None,
                description: describe(&ShotFacts {
                    features: &features,
                    duration_s: end_s - start_s,
                    loudness_lufs: loudness,
                    has_dialogue: !dialogue.is_empty(),
                    faces: Some((faces, scale)),
                }),
                faces: Some(faces as i64),
                face_height: None,
                scale: Some(scale.to_string()),
                cues: linked,
                vector: None,
                dialogue: dialogue.join(" "),
            }
        })
        .collect();
    NewArchiveFile {
        path: format!("/bench/film{number:04}.mp4"),
        hash: format!("{number:064x}"),
        analysis_hash: format!("{number:064x}"),
        duration_s: duration,
        fps: 24.0,
        width: 1280,
        height: 720,
        has_audio: true,
        streams_json: "[]".into(),
        warnings_json: "[]".into(),
        shots,
        cues,
        embedding_model: None,
    }
}

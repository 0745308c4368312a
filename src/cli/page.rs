//! Writes a production's HTML report (`productions/NAME/report.html`) from what the run left: the cut, the stills,
//! the voices' reports, the stored footage choices and brief checks, and the jobs' timings.

use std::path::{Path, PathBuf};

use anyhow::Context;

use crate::ids::ProductionId;
use crate::production::report::{FaceSwap, Footage, Report, ReportShot, StageTime, VoiceLine, html};
use crate::stages::film::{self, AssembleParams};
use crate::stages::storyboard::still_path;
use crate::stages::voice::read_report;
use crate::store::Store;
use crate::workspace::Workspace;

/// Writes the report of the production whose folder is `dir` (relative to the workspace), on the cut in `cut_dir`
/// (`dir`, or its `rough/` folder), and returns its path.
pub async fn write_report(
    workspace: &Workspace,
    store: &Store,
    production: ProductionId,
    name: &str,
    dir: &Path,
    cut_dir: &Path,
    script: &str,
) -> anyhow::Result<PathBuf> {
    let root = workspace.root();
    let folder = root.join(cut_dir);
    let cut_path = folder.join("cut.json");
    let cut: AssembleParams = serde_json::from_slice(
        &std::fs::read(&cut_path).with_context(|| format!("cannot read the cut {}", cut_path.display()))?,
    )
    .with_context(|| format!("{} is not a cut", cut_path.display()))?;
    let (timeline, _) = film::timeline(&cut, root);
    let mut shots = Vec::with_capacity(cut.shots.len());
    for (shot, clip) in cut.shots.iter().zip(&timeline.clips) {
        let position = shot.position as i64;
        let footage = store.shot_match(production, position).await?.map(|(choice, candidates)| Footage {
            source: choice.source,
            start_s: choice.start_ms as f64 / 1000.0,
            score: choice.score,
            query: choice.query,
            candidates: candidates.into_iter().map(|c| (c.archive_shot, c.score, c.why)).collect(),
        });
        let voice = shot.voice_wav.as_ref().and_then(|wav| {
            let report = read_report(&root.join(wav).with_extension("json")).ok()?;
            Some(VoiceLine {
                spec: report.voice,
                wav: relative(wav, dir),
                duration_s: report.duration_ms as f64 / 1000.0,
            })
        });
        let still = still_path(cut_dir, shot.position);
        let swap = shot.swap.as_ref().map(|swap| {
            let done = super::swaps::read_report(&root.join(crate::stages::swap::report_path(dir, shot.position))).ok();
            let before = still_path(&dir.join("rough"), shot.position);
            FaceSwap {
                before: root.join(&before).is_file().then(|| relative(&before, dir)),
                summary: match done {
                    Some(r) => format!(
                        "{} as {}: {} of {} pictures swapped, {:.1} frames/s",
                        swap.star,
                        swap.character,
                        r.swap.frames_swapped,
                        r.swap.frames,
                        r.swap.fps()
                    ),
                    None => format!("{} as {}", swap.star, swap.character),
                },
            }
        });
        shots.push(ReportShot {
            position: shot.position,
            scene: shot.scene,
            kind: shot.kind.clone(),
            character: shot.character.clone(),
            text: if shot.card.is_empty() { shot.text.clone() } else { shot.card[0].0.clone() },
            start_s: clip.record_start_frame as f64 / timeline.fps(),
            duration_s: shot.duration_s,
            still: root.join(&still).is_file().then(|| relative(&still, dir)),
            footage,
            voice,
            swap,
        });
    }
    let film = relative(&cut_dir.join(format!("{name}.mp4")), dir);
    let stages = store
        .stage_timings(production)
        .await?
        .into_iter()
        .map(|t| StageTime {
            stage: t.stage,
            jobs: t.runs,
            busy_s: t.busy_ms as f64 / 1000.0,
            span_s: (t.last_end - t.first_start) as f64 / 1000.0,
        })
        .collect();
    let files = [
        format!("{name}.srt"),
        format!("{name}.vtt"),
        format!("{name}.edl"),
        format!("{name}.otio"),
        "storyboard.png".to_string(),
        "script.fountain".to_string(),
        "cut.json".to_string(),
    ]
    .into_iter()
    .filter(|f| folder.join(f).is_file())
    .map(|f| relative(&cut_dir.join(f), dir))
    .collect();
    let report = Report {
        name: name.to_string(),
        title: cut.title.clone(),
        film_s: crate::assemble::film_duration(&root.join(dir).join(&film)).unwrap_or(0.0),
        film,
        script: script.to_string(),
        disclosure: cut.disclosure.clone(),
        shots,
        checks: store.checks(production).await?.into_iter().map(|c| (c.name, c.ok, c.detail)).collect(),
        stages,
        files,
    };
    let path = root.join(dir).join("report.html");
    crate::atomic::write(&path, html(&report).as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(path)
}

/// `path` (relative to the workspace) as seen from the production folder `dir`.
fn relative(path: &Path, dir: &Path) -> String {
    path.strip_prefix(dir).unwrap_or(path).to_string_lossy().into_owned()
}

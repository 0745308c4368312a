//! `reel cast add|list` and `reel faces extract|swap`.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{Exit, run_jobs};
use crate::archive::retrieve::Retriever;
use crate::archive::search::Ranking;
use crate::faces::set::{self, ExtractSettings, Extracted, Manifest, SetSource};
use crate::faces::video::{VideoOptions, swap_video};
use crate::faces::{FaceDetector, FrameSwapper, Settings, SwapSettings};
use crate::faceswap::Swapper;
use crate::name::Slug;
use crate::scheduler::{Registry, SchedulerConfig};
use crate::stages::archive_embed;
use crate::stages::faces as stage;
use crate::store::{OpenMode, Scope, ShotQuery, Store};
use crate::workspace::Workspace;

pub async fn cast_add(
    workspace: &Workspace,
    registry: Registry,
    name: &Slug,
    paths: &[PathBuf],
    settings: ExtractSettings,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Exit> {
    let (sources, notes) = stage::expand(paths);
    for note in &notes {
        eprintln!("skipped {note}");
    }
    if sources.is_empty() {
        anyhow::bail!("no videos or pictures found in {}", list(paths));
    }
    let store = Store::open(workspace.db(), OpenMode::Create).await?;
    let namespace = stage::namespace(name);
    store.submit(None, &namespace, &stage::plan(name, &sources, &settings)?).await?;
    let scope = Scope::library(&namespace);
    let summary = run_jobs(&store, registry, workspace, scheduler, scope.clone(), plain).await?;
    if summary.cancelled {
        return Ok(Exit::Interrupted);
    }
    if store.status(&scope).await?.total().failed > 0 {
        eprintln!("the face set was not made; `reel status` shows why");
        return Ok(Exit::Failures);
    }
    let dir = workspace.root().join(stage::dir(name));
    let manifest = set::read_manifest(&dir)?;
    print_set(&format!("cast {name}"), &dir, &manifest);
    let failed = manifest.sources.iter().filter(|s| s.error.is_some()).count();
    Ok(if notes.is_empty() && failed == 0 { Exit::Success } else { Exit::Failures })
}

pub fn cast_list(workspace: &Workspace, json: bool) -> anyhow::Result<Exit> {
    let mut sets: Vec<(String, Manifest)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir(workspace.root().join("cast")) {
        for entry in entries.flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            if name.starts_with('.') || !entry.path().join(set::MANIFEST).is_file() {
                continue;
            }
            match set::read_manifest(&entry.path()) {
                Ok(m) => sets.push((name, m)),
                Err(e) => eprintln!("skipped {e}"),
            }
        }
    }
    sets.sort_by(|a, b| a.0.cmp(&b.0));
    if json {
        let rows: Vec<serde_json::Value> = sets
            .iter()
            .map(|(name, m)| {
                serde_json::json!({
                    "name": name,
                    "dir": workspace.root().join("cast").join(name),
                    "resolution": m.resolution,
                    "crops": m.faces.len(),
                    "tracks": m.sources.iter().map(|s| s.tracks).sum::<usize>(),
                    "sources": m.sources.iter().map(|s| &s.path).collect::<Vec<_>>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&rows)?);
    } else if sets.is_empty() {
        println!("no cast yet; `reel cast add NAME --from VIDEO|IMAGE_DIR` extracts a star's face set");
    } else {
        println!("{:<16} {:>5} {:>6} {:>7}  sources", "name", "res", "crops", "tracks");
        for (name, m) in &sets {
            let tracks: usize = m.sources.iter().map(|s| s.tracks).sum();
            let sources: Vec<String> = m.sources.iter().map(|s| s.path.display().to_string()).collect();
            println!("{name:<16} {:>5} {:>6} {tracks:>7}  {}", m.resolution, m.faces.len(), sources.join(", "));
        }
    }
    Ok(Exit::Success)
}

pub async fn extract(
    workspace: &Workspace,
    source: &str,
    output: &Path,
    limit: i64,
    settings: ExtractSettings,
) -> anyhow::Result<Exit> {
    let path = Path::new(source);
    let (sources, notes) = if path.exists() {
        let (files, notes) = stage::expand(&[path.to_path_buf()]);
        (files.into_iter().map(SetSource::whole).collect::<Vec<_>>(), notes)
    } else {
        (shot_sources(workspace, source, limit).await?, Vec::new())
    };
    for note in &notes {
        eprintln!("skipped {note}");
    }
    if sources.is_empty() {
        anyhow::bail!("no videos or pictures in {source}");
    }
    let mut last = (usize::MAX, 0u64);
    let mut progress = |i: usize, n: usize, done: u64, total: u64| {
        if i < n && (i != last.0 || done >= last.1 + 250) {
            eprintln!("{}: frame {done} of about {total}", sources[i].path.display());
            last = (i, done);
        }
        ControlFlow::Continue(())
    };
    let started = std::time::Instant::now();
    let extracted: Extracted = set::extract(&sources, &settings, &mut progress)?;
    if extracted.crops.is_empty() {
        for s in &extracted.manifest.sources {
            eprintln!("{}: {}", s.path.display(), s.error.as_deref().unwrap_or("no usable face"));
        }
        anyhow::bail!("no usable face found in {source}; nothing written");
    }
    set::write(output, &extracted).with_context(|| format!("cannot write the face set {}", output.display()))?;
    print_set(&format!("face set {}", output.display()), output, &extracted.manifest);
    println!("  {:.1} s", started.elapsed().as_secs_f64());
    let failed = extracted.manifest.sources.iter().filter(|s| s.error.is_some()).count();
    Ok(if failed == 0 && notes.is_empty() { Exit::Success } else { Exit::Failures })
}

/// The time ranges of the archive shots that `query` finds (with at least one face on their keyframe).
async fn shot_sources(workspace: &Workspace, query: &str, limit: i64) -> anyhow::Result<Vec<SetSource>> {
    if !workspace.db().is_file() {
        anyhow::bail!(
            "{query:?} is no file, and there is no archive to search for it (no {})",
            workspace.db().display()
        );
    }
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    let model_dir = archive_embed::model_dir();
    let q = ShotQuery { text: Some(query.to_string()), min_faces: Some(1), limit, ..ShotQuery::default() };
    let found = Retriever::new(&store, model_dir.as_deref()).search(&q, Ranking::Hybrid).await?;
    for note in &found.notes {
        eprintln!("note: {note}");
    }
    eprintln!("{query:?}: {} archive shots with faces", found.hits.len());
    Ok(found
        .hits
        .iter()
        .map(|h| SetSource { path: PathBuf::from(&h.shot.path), range_s: Some((h.shot.start_s, h.shot.end_s)) })
        .collect())
}

fn print_set(what: &str, dir: &Path, m: &Manifest) {
    let tracks: usize = m.sources.iter().map(|s| s.tracks).sum();
    let d = m.dropped;
    // Cut upright: the spread of the rolls the crops were turned by.
    let upright = if m.settings.upright {
        let degrees = m.faces.iter().map(|f| f.window.angle.to_degrees());
        let (lo, hi) = degrees.fold((f32::MAX, f32::MIN), |(lo, hi), d| (lo.min(d), hi.max(d)));
        if lo <= hi { format!(" cut upright (rolls {lo:.0}° to {hi:.0}°)") } else { " cut upright".into() }
    } else {
        String::new()
    };
    println!(
        "{what}: {} crops of {}x{}{upright} from {} sources, {tracks} tracks; dropped {} near-duplicates, {} \
         low-contrast, {} too small, {} predicted, {} in tracks under {} crops",
        m.faces.len(),
        m.resolution,
        m.resolution,
        m.sources.len(),
        d.duplicates,
        d.low_contrast,
        d.small,
        d.predicted,
        d.short_tracks,
        m.settings.min_track_faces
    );
    for s in &m.sources {
        match &s.error {
            Some(e) => println!("  {}: {e}", s.path.display()),
            None => println!(
                "  {}: {}x{}, {} frames, faces on {} searched frames: {} ({:.1} ms/frame), {} tracks, {} kept; jitter \
                 {:.2} -> {:.2} px/frame",
                s.path.display(),
                s.width,
                s.height,
                s.frames,
                s.frames_searched,
                s.detections,
                1000.0 * s.detect_s / s.frames_searched.max(1) as f64,
                s.tracks,
                s.kept,
                s.jitter.raw,
                s.jitter.smoothed
            ),
        }
    }
    println!("  {}  (contact sheet: {})", dir.display(), dir.join(set::SHEET).display());
}

pub fn swap(
    workspace: &Workspace,
    input: &Path,
    model: &Slug,
    output: &Path,
    detect_every: u32,
    upscale: u32,
    json: bool,
) -> anyhow::Result<Exit> {
    let dir = workspace.root().join("models").join(model.as_str());
    let swapper = Swapper::load(&dir).with_context(|| format!("cannot load the face-swap model {model}"))?;
    let detector = FaceDetector::with_settings(Settings { upscale, ..Settings::default() })?;
    let settings = SwapSettings { detect_every, upright: swapper.upright(), ..SwapSettings::default() };
    let frames = FrameSwapper::new(detector, Box::new(swapper), settings)?;
    let options = VideoOptions { identity: format!("the star of model {model}"), ..VideoOptions::default() };
    let mut last = 0u64;
    let mut progress = |done: u64, total: u64| {
        if done >= last + 100 {
            eprintln!("frame {done} of about {total}");
            last = done;
        }
        ControlFlow::Continue(())
    };
    let r = swap_video(input, frames, output, &options, &mut progress)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(Exit::Success);
    }
    let s = &r.swap;
    println!(
        "{}: {} frames ({}x{}, {:.2} fps), {} faces swapped on {} frames in {} tracks; audio: {}",
        r.output.display(),
        r.frames,
        r.width,
        r.height,
        r.fps,
        s.faces_swapped,
        s.frames_swapped,
        s.tracks.len(),
        r.audio_codec.as_deref().map_or("none".to_string(), |c| format!("{c}, {} packets copied", r.audio_packets))
    );
    let per = |secs: f64| 1000.0 * secs / r.frames.max(1) as f64;
    println!(
        "  per frame: detect {:.1} ms, model {:.1} ms, crop/colour/blend {:.1} ms; {:.1} frames/s without decode \
         and encode, {:.1} s in all",
        per(s.detect_s),
        per(s.convert_s),
        per(s.blend_s),
        s.fps(),
        r.wall_s
    );
    println!("  jitter raw {:.3} -> smoothed {:.3} px/frame", r.jitter.raw, r.jitter.smoothed);
    if let Some(f) = r.flicker {
        println!(
            "  flicker in face regions: swapped {:.3}, original {:.3}, added {:+.3}",
            f.swapped, f.original, f.added
        );
    }
    println!("  disclosure tag: {}", r.disclosure);
    Ok(Exit::Success)
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

//! `reel archive add|list` and `reel shots query|show`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::config::Format;
use super::{Exit, run_jobs};
use crate::archive::retrieve::Retriever;
use crate::archive::search::Ranking;
use crate::archive::sheet::{SheetEntry, contact_sheet, write_png};
use crate::name::ProductionName;
use crate::scheduler::{Registry, SchedulerConfig, file_hash};
use crate::stages::archive::{self as stage, Ingested};
use crate::stages::archive_embed;
use crate::store::{Imported, OpenMode, Scope, ShotHit, ShotQuery, Store};
use crate::workspace::Workspace;

pub async fn add(
    workspace: &Workspace,
    registry: Registry,
    paths: &[PathBuf],
    subs: Option<PathBuf>,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Exit> {
    let (mut sources, notes) = stage::expand(paths);
    for note in &notes {
        eprintln!("skipped {note}");
    }
    if let (Some(subs), [source]) = (subs, sources.as_mut_slice()) {
        source.subs = Some(std::path::absolute(&subs)?);
    }
    if sources.is_empty() {
        anyhow::bail!(
            "no video files found in {}",
            paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
        );
    }
    let model_dir = archive_embed::model_dir();
    if model_dir.is_none() {
        eprintln!(
            "note: no sentence-embedding model in {}, so shots are searchable by words only; `make data` installs it",
            crate::cache::dir().map(|d| d.join("minilm").display().to_string()).unwrap_or_else(|| "the cache".into())
        );
    }
    let store = Store::open(workspace.db(), OpenMode::Create).await?;
    let mut planned = std::collections::HashSet::new();
    let mut duplicates = 0;
    for source in &sources {
        if let Some(other) = known_elsewhere(&store, &source.video).await? {
            eprintln!("skipped {}: the same footage is already in the archive as {other}", source.video.display());
            duplicates += 1;
            continue;
        }
        let (namespace, plan) = stage::plan(source, model_dir.as_deref())?;
        store.submit(None, &namespace, &plan).await?;
        planned.insert(stage::file_id(&source.video));
    }
    eprintln!("archive: {} files to check, {duplicates} already there under another name", planned.len());
    let summary = run_jobs(&store, registry, workspace, scheduler, Scope::library("archive/"), plain).await?;
    let skipped = import_all(&store, workspace, &planned).await?;
    if summary.cancelled {
        return Ok(Exit::Interrupted);
    }
    let failed = store.status(&Scope::library("archive/")).await?.total().failed;
    Ok(if notes.is_empty() && skipped == 0 && failed == 0 { Exit::Success } else { Exit::Failures })
}

/// The path under which footage with the same content was imported, when that is not `video` itself.
async fn known_elsewhere(store: &Store, video: &Path) -> anyhow::Result<Option<String>> {
    let hash = file_hash(store, video).await?.with_context(|| format!("cannot read {}", video.display()))?;
    let name = video.display().to_string();
    Ok(store.archive_path_with_hash(&hash).await?.filter(|path| *path != name))
}

/// Imports every finished analysis under `archive/` (unchanged ones are no-ops, and analyses of earlier runs that a
/// kill left unimported are finished here). Problems are reported for the files of this run (`current`, by file
/// id) only. Returns how many of those could not be analysed.
async fn import_all(
    store: &Store,
    workspace: &Workspace,
    current: &std::collections::HashSet<String>,
) -> anyhow::Result<usize> {
    let mut skipped = 0;
    let Ok(entries) = std::fs::read_dir(workspace.root().join("archive")) else { return Ok(0) };
    let mut files: Vec<(bool, PathBuf)> = entries
        .flatten()
        .map(|e| (current.contains(&*e.file_name().to_string_lossy()), e.path().join("analysis.json")))
        .filter(|(_, p)| p.is_file())
        .collect();
    files.sort();
    for (report, path) in files {
        let bytes = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let ingested: Ingested =
            serde_json::from_slice(&bytes).with_context(|| format!("{} is damaged", path.display()))?;
        if report {
            for d in ingested.diagnostics.iter().take(5) {
                eprintln!("{d}");
            }
        }
        let analysis_hash = crate::hash::bytes(&bytes);
        let vectors_path = path.with_file_name("vectors.safetensors");
        let vectors = std::fs::read(&vectors_path).ok().and_then(|v| match archive_embed::decode(&v, &vectors_path) {
            Ok(decoded) => Some((decoded, crate::hash::bytes(&v))),
            Err(e) => {
                eprintln!("{e}; the file is searchable by words only until `reel archive add` runs again");
                None
            }
        });
        let mut import = stage::to_import(workspace.root(), &ingested, &analysis_hash);
        if let (Some(file), Some((vectors, vectors_hash))) = (&mut import, &vectors)
            && stage::attach_vectors(file, vectors, &analysis_hash)
        {
            // The import's identity covers both files, so vectors arriving later re-import the file.
            file.analysis_hash = crate::hash::bytes(format!("{analysis_hash}+{vectors_hash}").as_bytes());
        }
        match import {
            None if !report => {}
            None => {
                skipped += 1;
                eprintln!(
                    "skipped {}: {}",
                    ingested.video.display(),
                    ingested.error.as_deref().unwrap_or("no analysis")
                );
            }
            Some(file) => {
                let (shots, cues) = (file.shots.len(), file.cues.len());
                match store.import_archive_file(&file).await? {
                    Imported::Unchanged => {}
                    how => println!(
                        "{} {}: {shots} shots, {cues} dialogue cues, {:.1} s",
                        if how == Imported::New { "added" } else { "updated" },
                        file.path,
                        file.duration_s
                    ),
                }
            }
        }
    }
    Ok(skipped)
}

pub async fn list(workspace: &Workspace, json: bool) -> anyhow::Result<Exit> {
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    let files = store.archive_files().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&files)?);
    } else if files.is_empty() {
        println!("the archive is empty; `reel archive add PATH...` adds footage");
    } else {
        println!("{:>4} {:>8} {:>10} {:>6} {:>5}  path", "id", "duration", "size", "shots", "cues");
        for f in &files {
            println!(
                "{:>4} {:>7.1}s {:>10} {:>6} {:>5}  {}",
                f.id,
                f.duration_s,
                format!("{}x{}", f.width, f.height),
                f.shots,
                f.cues,
                f.path
            );
        }
        let total: f64 = files.iter().map(|f| f.duration_s).sum();
        let shots: i64 = files.iter().map(|f| f.shots).sum();
        println!("{} files, {shots} shots, {:.1} minutes", files.len(), total / 60.0);
    }
    Ok(Exit::Success)
}

pub async fn stats(workspace: &Workspace, json: bool) -> anyhow::Result<Exit> {
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    let s = store.archive_stats().await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&s)?);
        return Ok(Exit::Success);
    }
    if s.files == 0 {
        println!("the archive is empty; `reel archive add PATH...` adds footage");
        return Ok(Exit::Success);
    }
    let share = |n: i64| if s.shots > 0 { 100.0 * n as f64 / s.shots as f64 } else { 0.0 };
    println!("files      {} ({} with sound), {:.1} minutes", s.files, s.files_with_audio, s.duration_s / 60.0);
    println!(
        "shots      {} ({} after cuts, {} after fades); length mean {:.1} s, median {:.1} s, longest {:.1} s",
        s.shots, s.cuts, s.fades, s.shot_mean_s, s.shot_median_s, s.shot_longest_s
    );
    println!("light      {} dark ({:.0} %), {} bright ({:.0} %)", s.dark, share(s.dark), s.bright, share(s.bright));
    println!(
        "faces      {} of {} shots searched have faces; scale: {} close, {} medium, {} wide",
        s.shots_with_faces, s.shots_face_checked, s.close, s.medium, s.wide
    );
    println!(
        "dialogue   {} cues; {} shots ({:.0} %) have dialogue",
        s.cues,
        s.shots_with_dialogue,
        share(s.shots_with_dialogue)
    );
    println!(
        "semantic   {} of {} shots and {} of {} cues embedded",
        s.shots_embedded, s.shots, s.cues_embedded, s.cues
    );
    Ok(Exit::Success)
}

pub async fn query(
    workspace: &Workspace,
    mut query: ShotQuery,
    production: Option<&ProductionName>,
    ranking: Ranking,
    format: Format,
) -> anyhow::Result<Exit> {
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    if let Some(name) = production {
        query.production = Some(store.production(name).await?.id);
    }
    let model_dir = archive_embed::model_dir();
    let found = Retriever::new(&store, model_dir.as_deref()).search(&query, ranking).await?;
    for note in &found.notes {
        eprintln!("note: {note}");
    }
    let hits = &found.hits;
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(hits)?),
        Format::Csv => {
            println!("id,path,shot,start_s,end_s,luma,motion,faces,scale,score,description,dialogue,thumbnail");
            for h in hits.iter().map(|h| &h.shot) {
                println!(
                    "{},{},{},{:.3},{:.3},{:.1},{:.2},{},{},{:.4},{},{},{}",
                    h.id,
                    csv(&h.path),
                    h.idx,
                    h.start_s,
                    h.end_s,
                    h.luma,
                    h.motion,
                    h.faces.map(|f| f.to_string()).unwrap_or_default(),
                    h.scale.as_deref().unwrap_or(""),
                    h.score,
                    csv(&h.description),
                    csv(&h.dialogue),
                    csv(h.thumbnail.as_deref().unwrap_or(""))
                );
            }
        }
        Format::Text if hits.is_empty() => println!("no shots match"),
        Format::Text => {
            for h in hits {
                println!("{}", line(&h.shot));
            }
        }
    }
    Ok(Exit::Success)
}

pub async fn list_shots(workspace: &Workspace, name: &ProductionName, json: bool) -> anyhow::Result<Exit> {
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    let production = store.production(name).await?;
    let shots = store.shots(production.id).await?;
    if json {
        println!("{}", serde_json::to_string_pretty(&shots)?);
        return Ok(Exit::Success);
    }
    if shots.is_empty() {
        println!("{name} has no shots yet; `reel produce {name} --script FILE` plans them");
        return Ok(Exit::Success);
    }
    println!("{:>4} {:>5}  {:<12} {:<10} {:>7}  text", "#", "scene", "kind", "character", "length");
    for s in &shots {
        let mut text: String = s.text.chars().take(70).collect();
        if text.len() < s.text.len() {
            text.push_str("...");
        }
        println!(
            "{:>4} {:>5}  {:<12} {:<10} {:>6.1}s  {text}",
            s.position,
            s.scene,
            format!("{:?}", s.kind).to_lowercase(),
            s.character.as_deref().unwrap_or(""),
            s.target_ms as f64 / 1000.0
        );
    }
    let total: i64 = shots.iter().map(|s| s.target_ms).sum();
    println!("{} shots, {:.1} s", shots.len(), total as f64 / 1000.0);
    Ok(Exit::Success)
}

/// `reel shots explain PRODUCTION SHOT`: the search a shot's footage was found with, and its candidates.
pub async fn explain(workspace: &Workspace, name: &ProductionName, position: i64, json: bool) -> anyhow::Result<Exit> {
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    let production = store.production(name).await?;
    let shots = store.shots(production.id).await?;
    let shot = shots.iter().find(|s| s.position == position).with_context(|| {
        format!("{name} has no shot {position}; its shots are 0 to {}", shots.len().saturating_sub(1))
    })?;
    let found = store.shot_match(production.id, position).await?;
    if json {
        let value = match &found {
            Some((choice, candidates)) => serde_json::json!({"shot": shot, "choice": choice, "candidates": candidates}),
            None => serde_json::json!({"shot": shot, "choice": null, "candidates": []}),
        };
        println!("{}", serde_json::to_string_pretty(&value)?);
        return Ok(Exit::Success);
    }
    let kind = format!("{:?}", shot.kind).to_lowercase();
    println!("shot {position} of {name}: {kind}, scene {}, {:.1} s", shot.scene, shot.target_ms as f64 / 1000.0);
    if !shot.text.is_empty() {
        println!(
            "  text      {}{}",
            shot.character.as_deref().map(|c| format!("{c}: ")).unwrap_or_default(),
            shot.text
        );
    }
    let Some((choice, candidates)) = found else {
        println!("  no footage: {}", if kind == "title" || kind == "credits" { "a card" } else { "not matched yet" });
        return Ok(Exit::Success);
    };
    println!("  searched  {:?}", choice.query);
    println!(
        "  chose     archive shot {} of {}, {} + {:.2} s, score {:.3}",
        choice.archive_shot,
        choice.source,
        timecode(choice.start_ms as f64 / 1000.0),
        choice.duration_ms as f64 / 1000.0,
        choice.score
    );
    println!("  candidates (best first):");
    for c in &candidates {
        let what = match (&c.path, c.start_s, c.end_s) {
            (Some(path), Some(start), Some(end)) => {
                let file = Path::new(path).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
                format!("{file} {}-{}", timecode(start), timecode(end))
            }
            _ => "(no longer in the archive)".to_string(),
        };
        println!("  {:>3}. shot {:<6} {:>7.3}  {what}  [{}]", c.rank + 1, c.archive_shot, c.score, c.why);
    }
    Ok(Exit::Success)
}

pub async fn show(workspace: &Workspace, id: i64, json: bool) -> anyhow::Result<Exit> {
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    let hit = store
        .archive_shot(id)
        .await?
        .with_context(|| format!("no archive shot with id {id} (see `reel shots query`)"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&hit)?);
        return Ok(Exit::Success);
    }
    println!("shot {} of {}", hit.idx, hit.path);
    println!("  time        {} - {} ({:.2} s)", timecode(hit.start_s), timecode(hit.end_s), hit.end_s - hit.start_s);
    println!("  luma        {:.1} / 255, contrast {:.1}, motion {:.2}", hit.luma, hit.contrast, hit.motion);
    if let Some(l) = hit.loudness_lufs {
        println!("  loudness    {l:.1} LUFS");
    }
    println!("  description {}", hit.description);
    if !hit.dialogue.is_empty() {
        println!("  dialogue    {}", hit.dialogue);
    }
    if let Some(t) = &hit.thumbnail {
        println!("  thumbnail   {}", workspace.root().join(t).display());
    }
    Ok(Exit::Success)
}

pub async fn sheet(
    workspace: &Workspace,
    mut query: ShotQuery,
    production: Option<&ProductionName>,
    columns: usize,
    output: &Path,
) -> anyhow::Result<Exit> {
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    if let Some(name) = production {
        query.production = Some(store.production(name).await?.id);
    }
    let model_dir = archive_embed::model_dir();
    let found = Retriever::new(&store, model_dir.as_deref()).search(&query, Ranking::Hybrid).await?;
    for note in &found.notes {
        eprintln!("note: {note}");
    }
    if found.hits.is_empty() {
        anyhow::bail!("no shots match, so there is no contact sheet to write");
    }
    let entries: Vec<SheetEntry> = found
        .hits
        .iter()
        .map(|h| &h.shot)
        .map(|h| SheetEntry {
            thumbnail: h.thumbnail.as_ref().map(|t| workspace.root().join(t)),
            label: format!("{} {:.2}-{:.2}", h.id, h.start_s, h.end_s),
        })
        .collect();
    let picture = contact_sheet(&entries, columns)?;
    write_png(&picture, output)?;
    println!("{}: {} shots, {}x{} px", output.display(), entries.len(), picture.width(), picture.height());
    Ok(Exit::Success)
}

fn line(h: &ShotHit) -> String {
    let mut text = format!(
        "{:>6}  {} {}-{}  {}",
        h.id,
        Path::new(&h.path).file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default(),
        timecode(h.start_s),
        timecode(h.end_s),
        h.description
    );
    if !h.dialogue.is_empty() {
        let mut dialogue: String = h.dialogue.chars().take(80).collect();
        if dialogue.len() < h.dialogue.len() {
            dialogue.push_str("...");
        }
        text.push_str(&format!("  \"{dialogue}\""));
    }
    text
}

/// `h:mm:ss.mmm`.
fn timecode(s: f64) -> String {
    let ms = (s * 1000.0).round() as u64;
    format!("{}:{:02}:{:02}.{:03}", ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000)
}

fn csv(field: &str) -> String {
    if field.contains([',', '"', '\n']) { format!("\"{}\"", field.replace('"', "\"\"")) } else { field.to_string() }
}

//! `reel corpus add|list|stats`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::config::CorpusSettings;
use super::{Exit, run_jobs};
use crate::corpus::IngestOptions;
use crate::name::Slug;
use crate::scheduler::{Registry, SchedulerConfig};
use crate::stages::corpus::{self as stage, CorpusStats, Manifest, Sources};
use crate::store::{OpenMode, Scope, Store};
use crate::workspace::Workspace;

pub async fn add(
    workspace: &Workspace,
    registry: Registry,
    name: &Slug,
    paths: &[PathBuf],
    settings: CorpusSettings,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Exit> {
    let dir = workspace.root().join(stage::dir(name));
    let sources_path = dir.join("sources.json");
    let defaults = IngestOptions::default();
    let mut sources = match std::fs::read(&sources_path) {
        Ok(bytes) => {
            serde_json::from_slice(&bytes).with_context(|| format!("{} is damaged", sources_path.display()))?
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            Sources::new(crate::corpus::DEFAULT_VAL_FRACTION, defaults)
        }
        Err(e) => return Err(e).with_context(|| format!("cannot read {}", sources_path.display())),
    };
    sources.val_fraction = settings.val_fraction.unwrap_or(sources.val_fraction);
    sources.turn_gap_ms = settings.turn_gap_ms.unwrap_or(sources.turn_gap_ms);
    sources.scene_gap_ms = settings.scene_gap_ms.unwrap_or(sources.scene_gap_ms);
    let (files, notes) = stage::expand(paths);
    for note in &notes {
        eprintln!("skipped {note}");
    }
    let before = sources.files.len();
    sources.files.extend(files);
    if sources.files.is_empty() {
        anyhow::bail!("no corpus sources found in {}", display_paths(paths));
    }
    eprintln!("corpus {name}: {} sources ({} new)", sources.files.len(), sources.files.len() - before);
    let plan = stage::plan(name, &sources)?;

    let store = Store::open(workspace.db(), OpenMode::Create).await?;
    crate::atomic::write(&sources_path, &serde_json::to_vec_pretty(&sources)?)
        .with_context(|| format!("cannot write {}", sources_path.display()))?;
    store.submit(None, &stage::namespace(name), &plan).await?;
    let scope = Scope::library(&stage::namespace(name));
    let summary = run_jobs(&store, registry, workspace, scheduler, scope.clone(), plain).await?;
    if summary.cancelled {
        return Ok(Exit::Interrupted);
    }
    if store.status(&scope).await?.total().failed > 0 {
        eprintln!("some corpus jobs failed; `reel status` shows why");
        return Ok(Exit::Failures);
    }
    let manifest: Manifest = read_json(&dir.join("manifest.json"))?;
    let stats: CorpusStats = read_json(&dir.join("stats.json"))?;
    println!("{}", describe(name, &manifest, &stats));
    for skipped in &manifest.skipped {
        eprintln!("skipped {}: {}", skipped.source.display(), skipped.reason);
    }
    if manifest.diagnostics_total > 0 {
        eprintln!(
            "{} records were skipped or repaired; the first ones are in {}",
            manifest.diagnostics_total,
            dir.join("manifest.json").display()
        );
    }
    Ok(if notes.is_empty() && manifest.skipped.is_empty() { Exit::Success } else { Exit::Failures })
}

pub fn list(workspace: &Workspace, json: bool) -> anyhow::Result<Exit> {
    let root = workspace.root().join("corpora");
    let mut rows = Vec::new();
    if let Ok(entries) = std::fs::read_dir(&root) {
        for entry in entries.flatten() {
            let manifest_path = entry.path().join("manifest.json");
            let stats_path = entry.path().join("stats.json");
            if let (Ok(manifest), Ok(stats)) =
                (read_json::<Manifest>(&manifest_path), read_json::<CorpusStats>(&stats_path))
            {
                rows.push((manifest, stats));
            }
        }
    }
    rows.sort_by(|a, b| a.0.name.cmp(&b.0.name));
    if json {
        let list: Vec<_> = rows
            .iter()
            .map(|(m, s)| {
                serde_json::json!({
                    "name": m.name, "documents": m.documents.len(), "skipped": m.skipped.len(),
                    "train_chars": s.train.chars, "val_chars": s.val.chars,
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&list)?);
    } else if rows.is_empty() {
        println!("no corpora yet; `reel corpus add NAME PATH...` builds one");
    } else {
        println!("{:<20} {:>9} {:>12} {:>10} {:>8}", "name", "documents", "train chars", "val chars", "skipped");
        for (m, s) in &rows {
            println!(
                "{:<20} {:>9} {:>12} {:>10} {:>8}",
                m.name,
                m.documents.len(),
                s.train.chars,
                s.val.chars,
                m.skipped.len()
            );
        }
    }
    Ok(Exit::Success)
}

pub fn stats(workspace: &Workspace, name: &Slug, json: bool) -> anyhow::Result<Exit> {
    let dir = workspace.root().join(stage::dir(name));
    let manifest: Manifest = read_json(&dir.join("manifest.json"))
        .with_context(|| format!("no built corpus named {name:?} (see `reel corpus list`)"))?;
    let stats: CorpusStats = read_json(&dir.join("stats.json"))?;
    if json {
        println!("{}", serde_json::to_string_pretty(&stats)?);
        return Ok(Exit::Success);
    }
    println!("{}", describe(name, &manifest, &stats));
    println!("{:<12} {:>12} {:>12}", "", "train", "val");
    for (label, t, v) in [
        ("documents", stats.train.documents, stats.val.documents),
        ("chars", stats.train.chars, stats.val.chars),
        ("lines", stats.train.lines, stats.val.lines),
        ("turns", stats.train.turns, stats.val.turns),
        ("directions", stats.train.directions, stats.val.directions),
        ("headings", stats.train.headings, stats.val.headings),
        ("scene breaks", stats.train.scene_breaks, stats.val.scene_breaks),
    ] {
        println!("{label:<12} {t:>12} {v:>12}");
    }
    let mut vocab: Vec<(char, u64)> = stats.train.vocabulary.iter().map(|(c, n)| (*c, *n)).collect();
    vocab.sort_by_key(|&(_, n)| std::cmp::Reverse(n));
    let shown: Vec<String> = vocab.iter().take(40).map(|(c, n)| format!("{c:?} {n}")).collect();
    println!("vocabulary: {} characters; most common: {}", vocab.len(), shown.join(", "));
    Ok(Exit::Success)
}

fn describe(name: &Slug, manifest: &Manifest, stats: &CorpusStats) -> String {
    format!(
        "corpus {name}: {} documents ({} train, {} val), {} train chars, {} val chars, vocabulary {}; \
         {} files skipped, {} duplicates dropped",
        manifest.documents.len(),
        stats.train.documents,
        stats.val.documents,
        stats.train.chars,
        stats.val.chars,
        stats.train.vocabulary.len(),
        manifest.skipped.len(),
        manifest.duplicates
    )
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> anyhow::Result<T> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    serde_json::from_slice(&bytes).with_context(|| format!("{} is damaged", path.display()))
}

fn display_paths(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", ")
}

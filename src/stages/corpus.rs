//! The corpus stage as jobs: one `corpus.ingest` job per source file, then one `corpus.build` job that
//! de-duplicates, splits by document and writes the training files.
//!
//! ```text
//! corpus/<name>/ingest/<id>  ──▶  corpora/<name>/docs/<id>.json      (documents + diagnostics, or the file's error)
//!            ... one per file ...
//! corpus/<name>/build        ──▶  corpora/<name>/{train.txt, val.txt, manifest.json, stats.json}
//! ```
//! A bad file never fails its job: its error is recorded in its output and the build lists it as skipped, so one
//! bad file never stops a corpus.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{read_json, write_json};
use crate::corpus::{self, Document, IngestOptions, SourceKind, Stats};
use crate::name::Slug;
use crate::plan::{JobSpec, Plan, PlanError};
use crate::scheduler::{JobContext, JobError, Registry};

pub const INGEST: &str = "corpus.ingest";
pub const BUILD: &str = "corpus.build";

pub fn register(registry: &mut Registry) {
    registry.register(INGEST, ingest);
    registry.register(BUILD, build);
}

/// The folder of a corpus, relative to the workspace.
pub fn dir(name: &Slug) -> PathBuf {
    Path::new("corpora").join(name.as_str())
}

/// The job-name namespace of a corpus.
pub fn namespace(name: &Slug) -> String {
    format!("corpus/{name}/")
}

/// What a corpus is made from, kept in `corpora/<name>/sources.json` so that `reel corpus add` adds to it.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Sources {
    pub files: BTreeSet<PathBuf>,
    pub val_fraction: f64,
    pub turn_gap_ms: u64,
    pub scene_gap_ms: u64,
}

impl Sources {
    pub fn new(val_fraction: f64, options: IngestOptions) -> Sources {
        Sources {
            files: BTreeSet::new(),
            val_fraction,
            turn_gap_ms: options.turn_gap_ms,
            scene_gap_ms: options.scene_gap_ms,
        }
    }
}

/// The files under `paths` that reel can read as corpus sources (see [`super::find_sources`]).
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    super::find_sources(paths, &|path| sniff(path).is_some())
}

fn sniff(path: &Path) -> Option<SourceKind> {
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path).and_then(|mut f| f.read(&mut head)).ok()?;
    corpus::detect_kind(path, &head[..n])
}

/// The jobs that build corpus `name` from `sources`.
pub fn plan(name: &Slug, sources: &Sources) -> Result<Plan, PlanError> {
    let ns = namespace(name);
    let out = dir(name);
    let params = serde_json::json!({ "turn_gap_ms": sources.turn_gap_ms, "scene_gap_ms": sources.scene_gap_ms });
    let mut jobs = Vec::with_capacity(sources.files.len() + 1);
    let mut build = JobSpec::new(format!("{ns}build"), BUILD)
        .stage("corpus")
        .params(serde_json::json!({ "name": name.as_str(), "val_fraction": sources.val_fraction }))
        .output(out.join("train.txt"))
        .output(out.join("val.txt"))
        .output(out.join("manifest.json"))
        .output(out.join("stats.json"));
    for file in &sources.files {
        let id = &crate::hash::bytes(file.to_string_lossy().as_bytes())[..16];
        let job = format!("{ns}ingest/{id}");
        jobs.push(
            JobSpec::new(&job, INGEST)
                .stage("corpus")
                .params(params.clone())
                .input(file)
                .output(out.join("docs").join(format!("{id}.json"))),
        );
        build = build.dep(job);
    }
    jobs.push(build);
    Plan::new(jobs)
}

#[derive(Debug, Deserialize)]
struct IngestParams {
    turn_gap_ms: u64,
    scene_gap_ms: u64,
}

/// What one source file gave.
#[derive(Debug, Serialize, Deserialize)]
struct Ingested {
    source: PathBuf,
    /// Why the whole file could not be read; it is then skipped.
    error: Option<String>,
    documents: Vec<Document>,
    /// `file:line: severity: message` for each record that was skipped or repaired.
    diagnostics: Vec<String>,
}

fn ingest(ctx: &JobContext) -> Result<(), JobError> {
    let p: IngestParams = ctx.params()?;
    let source = ctx.inputs.first().ok_or_else(|| JobError::fatal("corpus.ingest needs one input file"))?;
    let options = IngestOptions { turn_gap_ms: p.turn_gap_ms, scene_gap_ms: p.scene_gap_ms };
    let ingested = match corpus::ingest_file(source, &options) {
        Ok((documents, diagnostics)) => Ingested {
            source: source.clone(),
            error: None,
            documents,
            diagnostics: diagnostics.iter().map(|d| d.with_file(source)).collect(),
        },
        Err(e) => {
            Ingested { source: source.clone(), error: Some(e.to_string()), documents: vec![], diagnostics: vec![] }
        }
    };
    write_json(ctx, 0, &ingested)
}

/// `corpora/<name>/manifest.json`: where every document came from and where it went.
#[derive(Debug, Serialize, Deserialize)]
pub struct Manifest {
    pub name: String,
    pub val_fraction: f64,
    pub documents: Vec<ManifestDocument>,
    /// Files that gave no document, and why.
    pub skipped: Vec<Skipped>,
    /// Documents dropped because an earlier one had the same text.
    pub duplicates: usize,
    /// The first diagnostics (bad records skipped or repaired), `file:line: severity: message`.
    pub diagnostics: Vec<String>,
    pub diagnostics_total: usize,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ManifestDocument {
    pub source: PathBuf,
    pub kind: SourceKind,
    pub title: Option<String>,
    pub hash: String,
    pub chars: usize,
    pub lines: usize,
    pub split: Split,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Split {
    Train,
    Val,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct Skipped {
    pub source: PathBuf,
    pub reason: String,
}

/// `corpora/<name>/stats.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CorpusStats {
    pub train: Stats,
    pub val: Stats,
}

#[derive(Debug, Deserialize)]
struct BuildParams {
    name: String,
    val_fraction: f64,
}

const MAX_DIAGNOSTICS: usize = 1000;

fn build(ctx: &JobContext) -> Result<(), JobError> {
    let p: BuildParams = ctx.params()?;
    let mut documents = Vec::new();
    let mut skipped = Vec::new();
    let mut diagnostics = Vec::new();
    let mut diagnostics_total = 0;
    for dep in &ctx.deps {
        let path = dep.outputs.first().ok_or_else(|| JobError::fatal(format!("{} has no output", dep.name)))?;
        let ingested: Ingested = read_json(path)?;
        diagnostics_total += ingested.diagnostics.len();
        let room = MAX_DIAGNOSTICS.saturating_sub(diagnostics.len());
        diagnostics.extend(ingested.diagnostics.into_iter().take(room));
        match ingested.error {
            Some(reason) => skipped.push(Skipped { source: ingested.source, reason }),
            None if ingested.documents.is_empty() => {
                skipped.push(Skipped { source: ingested.source, reason: "no usable text in it".into() })
            }
            None => documents.extend(ingested.documents),
        }
    }
    let (documents, duplicates) = corpus::dedupe(documents);
    let (train, val) = corpus::split(&documents, p.val_fraction);
    let val_hashes: BTreeSet<&str> = val.iter().map(|d| d.hash.as_str()).collect();
    let manifest = Manifest {
        name: p.name,
        val_fraction: p.val_fraction,
        documents: documents
            .iter()
            .map(|d| ManifestDocument {
                source: d.source.clone(),
                kind: d.kind,
                title: d.title.clone(),
                hash: d.hash.clone(),
                chars: d.text.chars().count(),
                lines: d.text.lines().count(),
                split: if val_hashes.contains(d.hash.as_str()) { Split::Val } else { Split::Train },
            })
            .collect(),
        skipped,
        duplicates: duplicates.len(),
        diagnostics,
        diagnostics_total,
    };
    std::fs::write(ctx.output(0), join(&train)).map_err(JobError::retryable)?;
    std::fs::write(ctx.output(1), join(&val)).map_err(JobError::retryable)?;
    write_json(ctx, 2, &manifest)?;
    write_json(ctx, 3, &CorpusStats { train: corpus::stats(&train), val: corpus::stats(&val) })
}

/// Documents one after another, a scene break (blank line) between them: the text the model trains on.
fn join(documents: &[&Document]) -> String {
    documents.iter().map(|d| d.text.as_str()).collect::<Vec<_>>().join("\n")
}

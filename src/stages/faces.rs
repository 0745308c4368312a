//! Face sets as jobs: `reel cast add NAME --from ...` is one `faces.extract` job in the library namespace
//! `cast/<name>/`, which extracts the star's face set into `cast/<name>/` (crops, `faces.json`, `sheet.png`).
//!
//! ```text
//! cast/<name>/extract ──▶ cast/<name>/faces.json   (the manifest; the crops and sheet.png beside it)
//! ```
//! The set is written whole into a temp folder and renamed into place by `faces::set::write`; the job's declared
//! output is the manifest, so the job is done only when the whole set is. A source that cannot be read is recorded in
//! the manifest and the rest of the set is still made.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::faces::set::{self, ExtractSettings, IMAGE_EXTENSIONS, SetSource};
use crate::name::Slug;
use crate::plan::{Cost, JobSpec, Plan, PlanError};
use crate::scheduler::{JobContext, JobError, Registry};

pub const EXTRACT: &str = "faces.extract";

/// Video extensions taken from folders (a file named directly is always tried).
const VIDEO_EXTENSIONS: &[&str] = &["mp4", "m4v", "mkv", "webm", "avi", "mov", "mpg", "mpeg", "ts", "ogv", "3gp"];

pub fn register(registry: &mut Registry) {
    registry.register(EXTRACT, extract);
}

pub fn namespace(name: &Slug) -> String {
    format!("cast/{name}/")
}

/// `cast/<name>`, relative to the workspace.
pub fn dir(name: &Slug) -> PathBuf {
    Path::new("cast").join(name.as_str())
}

/// The videos and pictures under `paths` (folders searched recursively), and a note for each path that cannot be
/// used.
pub fn expand(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<String>) {
    let wanted = |p: &Path| {
        p.extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| VIDEO_EXTENSIONS.iter().chain(IMAGE_EXTENSIONS).any(|x| e.eq_ignore_ascii_case(x)))
    };
    super::find_sources(paths, &wanted)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct ExtractParams {
    name: String,
    settings: ExtractSettings,
    /// The parts of the inputs to read, in the inputs' order; empty reads every input whole.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    ranges: Vec<Option<(f64, f64)>>,
}

/// The plan that extracts the face set `name` from `sources` (absolute paths, sorted).
pub fn plan(name: &Slug, sources: &[PathBuf], settings: &ExtractSettings) -> Result<Plan, PlanError> {
    let sources: Vec<SetSource> = sources.iter().map(SetSource::whole).collect();
    Plan::new(vec![extract_job(format!("{}extract", namespace(name)), name.as_str(), &dir(name), &sources, settings)])
}

/// The job `name` that extracts the face set `label` from `sources` (each a file, whole or a time range of it) into
/// the folder `target` (relative to the workspace).
pub fn extract_job(
    name: String,
    label: &str,
    target: &Path,
    sources: &[SetSource],
    settings: &ExtractSettings,
) -> JobSpec {
    let ranges = if sources.iter().all(|s| s.range_s.is_none()) {
        Vec::new()
    } else {
        sources.iter().map(|s| s.range_s).collect()
    };
    let params = ExtractParams { name: label.to_string(), settings: *settings, ranges };
    let mut job = JobSpec::new(name, EXTRACT)
        .stage("faces")
        .params(serde_json::to_value(&params).unwrap_or_default())
        .output(target.join(set::MANIFEST))
        .cost(Cost::All)
        .max_attempts(2);
    for source in sources {
        job = job.input(&source.path);
    }
    job
}

fn extract(ctx: &JobContext) -> Result<(), JobError> {
    let p: ExtractParams = ctx.params()?;
    let sources: Vec<SetSource> = ctx
        .inputs
        .iter()
        .enumerate()
        .map(|(i, path)| SetSource { path: path.clone(), range_s: p.ranges.get(i).copied().flatten() })
        .collect();
    let cancelled = std::cell::Cell::new(false);
    let mut progress = |source: usize, sources: usize, done: u64, total: u64| {
        let within = if total > 0 { done as f32 / total as f32 } else { 0.0 };
        let fraction = (source as f32 + within.min(1.0)) / sources.max(1) as f32;
        ctx.progress_with(fraction, &format!("source {} of {sources}, frame {done}", (source + 1).min(sources)));
        if ctx.is_cancelled() {
            cancelled.set(true);
            ControlFlow::Break(())
        } else {
            ControlFlow::Continue(())
        }
    };
    let extracted = set::extract(&sources, &p.settings, &mut progress).map_err(JobError::fatal)?;
    if cancelled.get() {
        return Err(JobError::Cancelled);
    }
    if extracted.crops.is_empty() {
        let why: Vec<String> = extracted
            .manifest
            .sources
            .iter()
            .map(|s| match &s.error {
                Some(e) => e.clone(),
                None => format!(
                    "{}: {} frames searched, {} faces detected",
                    s.path.display(),
                    s.frames_searched,
                    s.detections
                ),
            })
            .collect();
        return Err(JobError::fatal(format!(
            "no usable face in the sources of face set {}: {}",
            p.name,
            why.join("; ")
        )));
    }
    let target = ctx.output_target(0).parent().ok_or_else(|| JobError::fatal("no cast folder"))?.to_path_buf();
    set::write(&target, &extracted).map_err(JobError::retryable)?;
    // The declared output: the manifest just written, through the scheduler's temp so it is hashed and recorded.
    let manifest = std::fs::read(target.join(set::MANIFEST)).map_err(JobError::retryable)?;
    std::fs::write(ctx.output(0), manifest)
        .map_err(|e| JobError::retryable(format!("cannot write {}: {e}", ctx.output_target(0).display())))
}

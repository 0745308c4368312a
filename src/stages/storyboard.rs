//! The storyboard as a job: after every shot is rendered, a still from the middle of each segment, captioned with
//! the shot's number, kind, character, length and text, on one PNG; and each still as a JPEG for the production
//! report.
//!
//! ```text
//! shot/<k> ──▶ shots/<k>.mp4 ──┐
//!                              ├──▶ storyboard ──▶ storyboard.png, stills/<k>.jpg
//! shot/<k+1> ──▶ …          ───┘
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::plan::JobSpec;
use crate::render::{DEFAULT_FONT, Font, Panel, still, storyboard};
use crate::scheduler::{JobContext, JobError, Registry};
use crate::stages::film::{CutShot, shot_name};

pub const STORYBOARD: &str = "film.storyboard";

/// Width of the stills kept for the report.
const STILL_W: u32 = 384;
const COLUMNS: usize = 5;

pub fn register(registry: &mut Registry) {
    registry.register(STORYBOARD, board);
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoryboardParams {
    pub title: String,
    pub panels: Vec<PanelParams>,
    /// Each panel's segment, relative to the workspace; empty means the outputs of the job's dependencies, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<PathBuf>,
}

/// What is written under one shot's still.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PanelParams {
    pub position: usize,
    pub heading: String,
    pub text: String,
    pub duration_s: f64,
}

impl StoryboardParams {
    /// The storyboard of a cut.
    pub fn of(title: &str, shots: &[CutShot]) -> StoryboardParams {
        let panels = shots
            .iter()
            .map(|s| {
                let who = s.character.as_deref().map(|c| format!("  {c}")).unwrap_or_default();
                PanelParams {
                    position: s.position,
                    heading: format!("{}  {}{who}  {:.1} s", s.position, s.kind, s.duration_s),
                    text: if s.card.is_empty() { s.text.clone() } else { s.card[0].0.clone() },
                    duration_s: s.duration_s,
                }
            })
            .collect();
        StoryboardParams { title: title.to_string(), panels, segments: Vec::new() }
    }

    /// The same, with each panel's segment named (for a cut whose segments come from more than one namespace).
    pub fn with_segments(mut self, segments: Vec<PathBuf>) -> StoryboardParams {
        self.segments = segments;
        self
    }
}

/// Where the still of the shot at `position` goes (relative to the workspace).
pub fn still_path(dir: &Path, position: usize) -> PathBuf {
    dir.join("stills").join(format!("{position:03}.jpg"))
}

/// The job drawing `dir/storyboard.png` after every shot of `params` is rendered.
pub fn storyboard_job(namespace: &str, dir: &Path, params: &StoryboardParams) -> JobSpec {
    let mut job = storyboard_job_of(format!("{namespace}storyboard"), dir, params);
    for panel in &params.panels {
        job = job.dep(shot_name(namespace, panel.position));
    }
    job
}

/// The storyboard job `name` writing into `dir`, without dependencies: for params that name their segments, whose
/// caller adds the jobs or input files they come from.
pub fn storyboard_job_of(name: String, dir: &Path, params: &StoryboardParams) -> JobSpec {
    let mut job = JobSpec::new(name, STORYBOARD)
        .stage("assemble")
        .params(serde_json::to_value(params).unwrap_or_default())
        .output(dir.join("storyboard.png"));
    for panel in &params.panels {
        job = job.output(still_path(dir, panel.position));
    }
    job
}

fn board(ctx: &JobContext) -> Result<(), JobError> {
    let p: StoryboardParams = ctx.params()?;
    let segments = super::segment_files(ctx, &p.segments);
    if segments.len() != p.panels.len() {
        return Err(JobError::fatal(format!("{} shots rendered of {}", segments.len(), p.panels.len())));
    }
    let font = Font::load(Path::new(DEFAULT_FONT)).map_err(JobError::fatal)?;
    let mut panels = Vec::with_capacity(p.panels.len());
    for (i, (panel, segment)) in p.panels.iter().zip(&segments).enumerate() {
        if ctx.is_cancelled() {
            return Err(JobError::Cancelled);
        }
        let picture = still(segment, panel.duration_s / 2.0, STILL_W).map_err(JobError::fatal)?;
        let out = ctx.output(1 + i);
        picture
            .save_with_format(out, image::ImageFormat::Jpeg)
            .map_err(|e| JobError::retryable(format!("cannot write {}: {e}", ctx.output_target(1 + i).display())))?;
        panels.push(Panel { still: Some(picture), heading: panel.heading.clone(), text: panel.text.clone() });
    }
    let picture = storyboard(&font, &p.title, &panels, COLUMNS);
    picture
        .save_with_format(ctx.output(0), image::ImageFormat::Png)
        .map_err(|e| JobError::retryable(format!("cannot write {}: {e}", ctx.output_target(0).display())))
}

//! Training as a job: `train/<model>/run` (kind `lm.train`) reads a corpus's train and validation text (or one plain
//! text file, split 90/10 by position as nanoGPT does) and trains a model into `models/<model>/`, holding every core
//! while it runs.
//!
//! The trainer checkpoints as it goes (weights, optimizer state, step and RNG state, each written atomically). A
//! `.job-key` file beside the checkpoints says which job wrote them: when the same job runs again after a kill or a
//! Ctrl-C, it resumes from the last checkpoint instead of starting over. The job's declared output is
//! `report.json`, written last, so the job is done only when training finished.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::write_json;
use crate::lm::{self, Arch, LmError, Preset, TokenizerKind, TrainConfig};
use crate::name::Slug;
use crate::plan::{Cost, JobSpec, Plan, PlanError};
use crate::scheduler::{JobContext, JobError, Registry};

pub const TRAIN: &str = "lm.train";

pub fn register(registry: &mut Registry) {
    registry.register(TRAIN, run);
}

pub fn namespace(model: &Slug) -> String {
    format!("train/{model}/")
}

/// `models/<model>`, relative to the workspace.
pub fn dir(model: &Slug) -> PathBuf {
    super::model_dir(model)
}

/// What `reel train` asks for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct TrainParams {
    pub model: String,
    /// The corpus's name, or the plain text file's name when `text` is given.
    pub corpus: String,
    /// A plain text file to train on instead of a built corpus: the first 90% trains, the rest validates.
    #[serde(default)]
    pub text: Option<PathBuf>,
    pub arch: Arch,
    pub preset: Preset,
    pub steps: Option<u64>,
    pub minutes: Option<f64>,
    pub batch: Option<usize>,
    /// Peak learning rate (default: the architecture's).
    #[serde(default)]
    pub lr: Option<f64>,
    #[serde(default)]
    pub tokenizer: TokenizerKind,
    /// BPE vocabulary size (default [`lm::DEFAULT_BPE_VOCAB`]).
    #[serde(default)]
    pub vocab: Option<usize>,
    pub seed: u64,
    /// Continue from the checkpoints in the model folder even if another run wrote them.
    pub resume: bool,
}

pub fn plan(params: &TrainParams) -> Result<Plan, PlanError> {
    let corpus = Path::new("corpora").join(&params.corpus);
    let model = Path::new("models").join(&params.model);
    let job = JobSpec::new(format!("train/{}/run", params.model), TRAIN)
        .stage("train")
        .params(serde_json::to_value(params).unwrap_or_default());
    let job = match &params.text {
        Some(text) => job.input(text.clone()),
        None => job.input(corpus.join("train.txt")).input(corpus.join("val.txt")),
    };
    let job = job.output(model.join("report.json")).cost(Cost::All).max_attempts(2);
    Plan::new(vec![job])
}

/// `models/<model>/report.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub model: String,
    pub corpus: String,
    pub arch: Arch,
    pub preset: Preset,
    pub steps: u64,
    pub last_val_loss: Option<f32>,
    pub best_val_loss: Option<f32>,
    pub tokens_per_s: f64,
    pub elapsed_secs: f64,
}

fn run(ctx: &JobContext) -> Result<(), JobError> {
    let p: TrainParams = ctx.params()?;
    let (dir, resume) = super::training_folder(ctx, p.resume, lm::checkpoint::STATE)?;
    let read = |i: usize| {
        let path = &ctx.inputs[i];
        std::fs::read_to_string(path).map_err(|e| JobError::fatal(format!("cannot read {}: {e}", path.display())))
    };
    let texts = if p.text.is_some() { (read(0)?, String::new()) } else { (read(0)?, read(1)?) };
    let (train_text, val_text) = match p.text {
        Some(_) => lm::split_text(&texts.0),
        None => (texts.0.as_str(), texts.1.as_str()),
    };
    let mut cfg = TrainConfig::new(p.arch, p.preset);
    cfg.steps = p.steps.or(cfg.steps);
    cfg.minutes = p.minutes;
    if p.minutes.is_some() && p.steps.is_none() {
        cfg.steps = None;
    }
    if let Some(batch) = p.batch {
        cfg.batch = batch;
    }
    cfg.seed = p.seed;
    cfg.lr = p.lr.unwrap_or(cfg.lr);
    cfg.tokenizer = p.tokenizer;
    cfg.vocab = p.vocab.unwrap_or(cfg.vocab);
    let started = std::time::Instant::now();
    let mut observer = Observer { ctx };
    let report = lm::train(train_text, val_text, &cfg, &dir, resume, &mut observer).map_err(classify)?;
    if ctx.is_cancelled() {
        return Err(JobError::Cancelled);
    }
    write_json(
        ctx,
        0,
        &Report {
            model: p.model,
            corpus: p.corpus,
            arch: p.arch,
            preset: p.preset,
            steps: report.step,
            last_val_loss: report.last_val_loss,
            best_val_loss: report.best_val_loss,
            tokens_per_s: report.tokens_per_s,
            elapsed_secs: started.elapsed().as_secs_f64(),
        },
    )
}

/// Bad data or a mismatched checkpoint will fail again; a failed read or write may not.
fn classify(e: LmError) -> JobError {
    match e {
        LmError::Io { .. } => JobError::retryable(e),
        _ => JobError::fatal(e),
    }
}

/// Forwards training progress to the scheduler's reporter, and stops cleanly (after a checkpoint) on Ctrl-C.
struct Observer<'a> {
    ctx: &'a JobContext,
}

impl lm::Observer for Observer<'_> {
    fn step(&mut self, p: &lm::Progress) -> ControlFlow<()> {
        let fraction = p.total_steps.map_or(0.0, |t| p.step as f32 / t.max(1) as f32);
        let detail = format!("step {} loss {:.3} {:.0} tok/s", p.step, p.loss, p.tokens_per_s);
        self.ctx.progress_with(fraction, &detail);
        if self.ctx.is_cancelled() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    }
}

//! Face-swap training as a job: `faces/train/<model>/run` (kind `faces.train`) trains a shared-encoder,
//! two-decoder model on two face sets into `models/<model>/`, holding every core while it runs.
//!
//! As with `lm.train` (`stages/train.rs`), the trainer checkpoints as it goes (weights, both optimizers' state,
//! step and RNG state, each written atomically), and the same job run again after a kill or a Ctrl-C resumes from
//! the last checkpoint instead of starting over (`stages::training_folder`). Every crop of both face sets is an input, so changing a set re-runs the job. The declared output
//! is `report.json`, written last, so the job is done only when training finished.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::write_json;
use crate::faceswap::config::Arch;
use crate::faceswap::{self, Config, Eval, FaceswapError, TrainConfig};
use crate::name::Slug;
use crate::plan::{Cost, JobSpec, Plan, PlanError};
use crate::scheduler::{JobContext, JobError, Registry};

pub const TRAIN: &str = "faces.train";

pub fn register(registry: &mut Registry) {
    registry.register(TRAIN, run);
}

pub fn namespace(model: &Slug) -> String {
    format!("faces/train/{model}/")
}

/// `models/<model>`, relative to the workspace.
pub fn dir(model: &Slug) -> PathBuf {
    super::model_dir(model)
}

/// What `reel faces train` asks for.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct FacesTrainParams {
    pub model: String,
    /// Face-set folders, relative to the workspace or absolute: A is the star, B the footage's identity.
    pub a: PathBuf,
    pub b: PathBuf,
    pub resolution: u32,
    /// Left out when DF, so the parameters (and keys) of DF jobs are what they were before LIAE.
    #[serde(default, skip_serializing_if = "Arch::is_df")]
    pub arch: Arch,
    pub steps: Option<u64>,
    pub minutes: Option<f64>,
    pub gan_weight: f64,
    /// Absent in the parameters of jobs planned before the code discriminator.
    #[serde(default)]
    pub code_weight: f64,
    /// Absent in the parameters of jobs planned before the face-weighted loss.
    #[serde(default)]
    pub face_weight: f64,
    /// Absent in the parameters of jobs planned before the detail-weighted loss.
    #[serde(default)]
    pub detail_weight: f64,
    pub preview_every: u64,
    pub seed: u64,
    /// Continue from the checkpoints in the model folder even if another run wrote them.
    pub resume: bool,
}

/// One job whose inputs are every crop of both sets (`a_crops`, `b_crops`, as `faceswap::faceset::crop_files`
/// lists them).
pub fn plan(params: &FacesTrainParams, a_crops: &[PathBuf], b_crops: &[PathBuf]) -> Result<Plan, PlanError> {
    let name = format!("faces/train/{}/run", params.model);
    let model = Path::new("models").join(&params.model);
    Plan::new(vec![job(name, &model, params, &[a_crops, b_crops].concat())])
}

/// The training job `name`, writing the model into `dir` (relative to the workspace), with `inputs` (the crops it
/// trains on that no dependency of the job stands for).
pub fn job(name: String, dir: &Path, params: &FacesTrainParams, inputs: &[PathBuf]) -> JobSpec {
    let mut job = JobSpec::new(name, TRAIN)
        .stage("faces")
        .params(serde_json::to_value(params).unwrap_or_default())
        .output(dir.join(faceswap::checkpoint::REPORT))
        .cost(Cost::All)
        .max_attempts(2);
    for crop in inputs {
        job = job.input(crop);
    }
    job
}

/// `models/<model>/report.json`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub model: String,
    pub a: PathBuf,
    pub b: PathBuf,
    pub resolution: u32,
    #[serde(default)]
    pub arch: Arch,
    pub gan_weight: f64,
    #[serde(default)]
    pub code_weight: f64,
    pub steps: u64,
    pub crops_a: usize,
    pub crops_b: usize,
    pub held_out_a: usize,
    pub held_out_b: usize,
    /// Held-out reconstruction SSIM and sharpness at the last step.
    pub held_out: Option<Eval>,
    /// Step and training seconds when both identities' held-out SSIM first reached 0.75.
    pub ssim_075: Option<(u64, f64)>,
    pub steps_per_s: f64,
    /// Training time across resumes.
    pub elapsed_secs: f64,
}

fn run(ctx: &JobContext) -> Result<(), JobError> {
    let p: FacesTrainParams = ctx.params()?;
    let (dir, resume) = super::training_folder(ctx, p.resume, faceswap::checkpoint::STATE)?;
    let model = Config { arch: p.arch, ..Config::for_resolution(p.resolution).map_err(JobError::fatal)? };
    let mut cfg = TrainConfig::new(model);
    cfg.steps = p.steps.or(cfg.steps);
    cfg.minutes = p.minutes;
    if p.minutes.is_some() && p.steps.is_none() {
        cfg.steps = None;
    }
    cfg.gan_weight = p.gan_weight;
    cfg.code_weight = p.code_weight;
    cfg.face_weight = p.face_weight;
    cfg.detail_weight = p.detail_weight;
    // A checkpoint with every preview, so a killed run loses at most what the last preview shows.
    cfg.preview_every = p.preview_every;
    cfg.checkpoint_every = p.preview_every;
    cfg.seed = p.seed;
    let mut observer = Observer { ctx };
    let (a, b) = (ctx.workspace.join(&p.a), ctx.workspace.join(&p.b));
    let report = faceswap::train(&a, &b, &cfg, &dir, resume, &mut observer).map_err(classify)?;
    if ctx.is_cancelled() {
        return Err(JobError::Cancelled);
    }
    write_json(
        ctx,
        0,
        &Report {
            model: p.model,
            a: p.a,
            b: p.b,
            resolution: p.resolution,
            arch: p.arch,
            gan_weight: p.gan_weight,
            code_weight: p.code_weight,
            steps: report.step,
            crops_a: report.crops_a,
            crops_b: report.crops_b,
            held_out_a: report.held_out_a,
            held_out_b: report.held_out_b,
            held_out: report.last_eval,
            ssim_075: report.ssim_075,
            steps_per_s: report.steps_per_s,
            elapsed_secs: report.elapsed_secs,
        },
    )
}

/// Bad face sets or a mismatched checkpoint will fail again; a failed read or write may not.
fn classify(e: FaceswapError) -> JobError {
    match e {
        FaceswapError::Io { .. } => JobError::retryable(e),
        _ => JobError::fatal(e),
    }
}

/// Forwards training progress to the scheduler's reporter, and stops cleanly (after a checkpoint) on Ctrl-C.
struct Observer<'a> {
    ctx: &'a JobContext,
}

impl faceswap::Observer for Observer<'_> {
    fn step(&mut self, p: &faceswap::Progress) -> ControlFlow<()> {
        let fraction = p.total_steps.map_or_else(
            || p.eta.map_or(0.0, |eta| p.elapsed.as_secs_f32() / (p.elapsed + eta).as_secs_f32().max(1e-6)),
            |t| p.step as f32 / t.max(1) as f32,
        );
        let detail = format!("step {} loss a {:.3} b {:.3} {:.2} steps/s", p.step, p.loss_a, p.loss_b, p.steps_per_s);
        self.ctx.progress_with(fraction, &detail);
        if self.ctx.is_cancelled() { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    }
}

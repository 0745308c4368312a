//! The training loop, short and linear: read both face sets and split off held-out crops, build or resume the
//! model, then per step augment a batch of each identity → reconstruct each through its own decoder → L1 + SSIM (+
//! the adversarial loss) → update the generator → update the discriminators; every N steps evaluate held-out SSIM,
//! draw the preview grid, checkpoint, and write `loss.csv` and `loss.png`. Progress goes to an [`Observer`]; this
//! module must not print.

use std::fs;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant};

use candle_core::backprop::GradStore;
use candle_core::{DType, Device, Module, Tensor};
use candle_nn::{VarBuilder, VarMap};
use image::RgbImage;
use serde::{Deserialize, Serialize};

use super::augment::{self, Strength};
use super::checkpoint::{self, ModelFile, Optimizers, TrainState, Vars};
use super::config::Config;
use super::crops;
use super::discriminator::{CodeCritic, Discriminators, PatchGan};
use super::error::{FaceswapError, Result};
use super::eval::{self, Eval, convert};
use super::faceset::FaceSet;
use super::layers;
use super::loss;
use super::model::{Autoencoder, Side};
use super::preview;
use crate::faces::colour;
use crate::lm::optim::{self, AdamW};
use crate::lm::plot::{self, Series};
use crate::lm::rng::Rng;
use crate::lm::schedule::{Budget, Schedule};

const CLIP_NORM: f64 = 1.0;
/// Held-out SSIM that counts as "reached" for the benchmark's time-to-quality figure.
pub const SSIM_TARGET: f32 = 0.75;
/// Crops per row of the preview grid: half held out, half from training.
const PREVIEW_COLUMNS: usize = 10;
/// Smallest side a preview cell is drawn at: 64-px crops are magnified ×2 (nearest neighbour, so no blur is added
/// that the model did not make) for a person to judge them.
const PREVIEW_CELL: u32 = 128;
/// Limits of the std scale when a star's crop is recoloured like a footage crop: down to no chroma at all (a
/// black-and-white film), up to 4× (never blowing a flat crop's noise up further).
const RECOLOUR_GAINS: (f32, f32) = (0.0, 4.0);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub model: Config,
    /// Stop after this many optimizer steps (also the length of the cosine schedule).
    pub steps: Option<u64>,
    /// Stop after this many minutes of training, counted across resumes.
    pub minutes: Option<f64>,
    /// Crops of each identity per step.
    pub batch: usize,
    pub lr: f64,
    pub lr_discriminator: f64,
    pub warmup: u64,
    /// Weight of the adversarial loss against the reconstruction loss; 0 trains no discriminator.
    pub gan_weight: f64,
    pub eval_every: u64,
    pub preview_every: u64,
    pub checkpoint_every: u64,
    pub seed: u64,
    pub augment: Strength,
    /// The chance that a training crop of the star (A) is recoloured like a random training crop of the footage
    /// (B), by mean and std per YCbCr channel, before augmentation: DeepFaceLab's colour transfer of the source
    /// set. Without it the encoder tells the identities apart by colour alone (a colour star and a black-and-white
    /// film), and the footage's faces reach decoder A as codes it never learnt to draw. Off by default: 15 minutes
    /// on carphone vs Chaplin with a chance of 0.5 gave held-out SSIM A 0.710, B 0.624 against 0.735, 0.620
    /// without, and a B→A preview no more recognisable (BENCHMARKS.md).
    #[serde(default)]
    pub colour_transfer: f64,
    /// The last fraction of the schedule trains without the random warp, so the model ends on the crops as they
    /// are (DeepFaceLab's "random warp off" finishing phase). 0 (the default) warps to the end: a 10-minute run
    /// (900 steps) with the last 20 % unwarped and the learning rate decayed was no better on held-out SSIM (A
    /// 0.670 vs 0.690, B 0.580 vs 0.584).
    #[serde(default)]
    pub unwarped_fraction: f64,
    /// Weight of the code discriminator's loss ([`CodeCritic`], DeepFaceLab's "true face power"): the encoder is
    /// pushed to give the star's crops codes the critic cannot tell from the footage's, so that decoder A learns
    /// to draw from the codes a swap will hand it. 0 trains no code discriminator.
    #[serde(default)]
    pub code_weight: f64,
    /// How much more the face counts than the crop's background in the reconstruction loss: pixel weights
    /// `1 + face_weight · alpha` of the swap's blend mask ([`loss::Reconstruction::new`]). 0 (the default)
    /// weights every pixel the same.
    #[serde(default)]
    pub face_weight: f64,
    /// How much more the face's most detailed pixels (eyes, brows, mouth) count in the reconstruction loss
    /// ([`super::detail::DetailWeights`]). 0 (the default) adds no detail weight.
    #[serde(default)]
    pub detail_weight: f64,
}

impl TrainConfig {
    /// Defaults for `model`, bounded at 3000 steps.
    pub fn new(model: Config) -> TrainConfig {
        TrainConfig {
            model,
            steps: Some(3000),
            minutes: None,
            batch: 8,
            lr: 5e-4,
            lr_discriminator: 2e-4,
            warmup: 50,
            gan_weight: 0.1,
            eval_every: 100,
            preview_every: 100,
            checkpoint_every: 100,
            seed: 0,
            augment: Strength::default(),
            unwarped_fraction: 0.0,
            colour_transfer: 0.0,
            code_weight: 0.0,
            face_weight: 0.0,
            detail_weight: 0.0,
        }
    }

    /// The augmentation of the update made at `step` of a run of `total` steps: without the warp in the last
    /// [`TrainConfig::unwarped_fraction`] of them (a run of unknown length warps throughout). Only the strength
    /// changes, never the draws, so the random stream is the same either way.
    pub fn strength_at(&self, step: u64, total: Option<u64>) -> Strength {
        let unwarped_from = total.map(|t| t as f64 * (1.0 - self.unwarped_fraction));
        match unwarped_from {
            Some(from) if self.unwarped_fraction > 0.0 && step as f64 >= from => {
                Strength { warp_sigma: 0.0, ..self.augment }
            }
            _ => self.augment,
        }
    }

    fn validate(&self) -> Result<()> {
        let bad = |field, value: String, reason| Err(FaceswapError::InvalidConfig { field, value, reason });
        self.model.validate()?;
        if self.steps.is_none() && self.minutes.is_none() {
            return bad("steps/minutes", "none".into(), "give a step or time budget");
        }
        if self.batch == 0 {
            return bad("batch", "0".into(), "must be positive");
        }
        if self.eval_every == 0 || self.preview_every == 0 || self.checkpoint_every == 0 {
            return bad("eval_every/preview_every/checkpoint_every", "0".into(), "must be positive");
        }
        for (field, lr) in [("lr", self.lr), ("lr_discriminator", self.lr_discriminator)] {
            if !(lr.is_finite() && lr > 0.0) {
                return bad(field, lr.to_string(), "must be a positive number");
            }
        }
        if !(0.0..=1.0).contains(&self.colour_transfer) {
            return bad("colour_transfer", self.colour_transfer.to_string(), "must be between 0 and 1");
        }
        if !(0.0..=1.0).contains(&self.unwarped_fraction) {
            return bad("unwarped_fraction", self.unwarped_fraction.to_string(), "must be between 0 and 1");
        }
        let weights = [
            ("gan_weight", self.gan_weight),
            ("code_weight", self.code_weight),
            ("face_weight", self.face_weight),
            ("detail_weight", self.detail_weight),
        ];
        for (field, w) in weights {
            if !(w.is_finite() && w >= 0.0) {
                return bad(field, w.to_string(), "must be a number ≥ 0");
            }
        }
        Ok(())
    }
}

/// One step's progress, for a reporter to draw.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub step: u64,
    pub total_steps: Option<u64>,
    /// Reconstruction loss of each identity.
    pub loss_a: f32,
    pub loss_b: f32,
    pub steps_per_s: f64,
    /// Training time across resumes.
    pub elapsed: Duration,
    pub eta: Option<Duration>,
}

/// Receives progress. Returning `Break` from `step` stops training cleanly after a checkpoint (as Ctrl-C would).
pub trait Observer {
    fn step(&mut self, _progress: &Progress) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
    fn eval(&mut self, _step: u64, _eval: &Eval) {}
    fn checkpoint(&mut self, _step: u64) {}
}

/// Observes nothing.
impl Observer for () {}

/// What a run did.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Steps done in total, across resumes.
    pub step: u64,
    /// `(step, reconstruction loss A, reconstruction loss B)` for every step of this run.
    pub losses: Vec<(u64, f32, f32)>,
    pub last_eval: Option<Eval>,
    pub crops_a: usize,
    pub crops_b: usize,
    pub held_out_a: usize,
    pub held_out_b: usize,
    pub elapsed_secs: f64,
    pub steps_per_s: f64,
    /// Step and training seconds when both held-out SSIMs first reached [`SSIM_TARGET`].
    pub ssim_075: Option<(u64, f64)>,
}

/// One line of `loss.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub step: u64,
    pub loss_a: f32,
    pub loss_b: f32,
    /// Adversarial losses (generator, discriminator); absent without a GAN weight.
    pub gan: Option<(f32, f32)>,
    /// Code discriminator losses (generator, discriminator); absent without a code weight.
    pub code: Option<(f32, f32)>,
    pub ssim: Option<(f32, f32)>,
    pub lr: f64,
    pub elapsed_secs: f64,
}

/// An identity's crops, split into training and held-out.
struct Identity {
    set: FaceSet,
    train: Vec<usize>,
    held_out: Vec<usize>,
}

impl Identity {
    fn load(dir: &Path, res: u32) -> Result<Identity> {
        let set = FaceSet::load(dir, res)?;
        let (train, held_out) = set.split()?;
        Ok(Identity { set, train, held_out })
    }

    /// A batch of augmented training crops: `(input, target)` tensors. With `recolour`, each crop is first
    /// recoloured like a random training crop of the other identity, with the given chance.
    fn batch(
        &self,
        n: usize,
        strength: &Strength,
        recolour: Option<(&Identity, f64)>,
        rng: &mut Rng,
        dev: &Device,
    ) -> Result<(Tensor, Tensor)> {
        let res = self.set.crops[0].width() as usize;
        let (mut inputs, mut targets) = (Vec::with_capacity(n), Vec::with_capacity(n));
        for _ in 0..n {
            let crop = &self.set.crops[self.train[rng.below(self.train.len())]];
            let recoloured = recolour.and_then(|(other, chance)| {
                let like = &other.set.crops[other.train[rng.below(other.train.len())]];
                (f64::from(rng.next_f32()) < chance)
                    .then(|| colour::match_colour_within(crop, like, None, RECOLOUR_GAINS))
            });
            let ex = augment::augment(recoloured.as_ref().unwrap_or(crop), strength, rng);
            inputs.push(ex.input);
            targets.push(ex.target);
        }
        Ok((crops::batch(&inputs, res, dev)?, crops::batch(&targets, res, dev)?))
    }

    fn held_out_crops(&self) -> Vec<RgbImage> {
        self.held_out.iter().map(|&i| self.set.crops[i].clone()).collect()
    }

    /// `n` crops for the preview: up to half of them held out, then training crops, each group spread evenly over
    /// its part of the set (held-out crops show what the model generalises to, training crops the poses it knows).
    fn preview_crops(&self, n: usize) -> Vec<RgbImage> {
        let spread = |from: &[usize], k: usize| -> Vec<usize> {
            if from.is_empty() { Vec::new() } else { (0..k).map(|i| from[i * from.len() / k]).collect() }
        };
        let held = self.held_out.len().min(n / 2);
        let mut picks = spread(&self.held_out, held);
        picks.extend(spread(&self.train, n - held));
        picks.into_iter().map(|i| self.set.crops[i].clone()).collect()
    }
}

/// Trains a model in `out_dir` with identity A (the star) from face set `a_dir` and B from `b_dir`. With
/// `resume`, continues exactly from the checkpoint in `out_dir` (which must have been made with the same model,
/// batch and seed).
pub fn train(
    a_dir: &Path,
    b_dir: &Path,
    cfg: &TrainConfig,
    out_dir: &Path,
    resume: bool,
    observer: &mut dyn Observer,
) -> Result<TrainReport> {
    let dev = crate::device::device();
    cfg.validate()?;
    fs::create_dir_all(out_dir).map_err(FaceswapError::io(out_dir))?;
    crate::lm::checkpoint::remove_stale_temps(out_dir)?;
    let res = cfg.model.resolution;
    let a = Identity::load(a_dir, res)?;
    let b = Identity::load(b_dir, res)?;
    // The sets say how their crops were cut, and the model keeps it for the swap; both must be cut the same way.
    if a.set.upright != b.set.upright {
        let (upright, not) = if a.set.upright { (a_dir, b_dir) } else { (b_dir, a_dir) };
        return Err(FaceswapError::MixedUpright { upright: upright.to_path_buf(), not: not.to_path_buf() });
    }
    let cfg = &TrainConfig { model: Config { upright: a.set.upright, ..cfg.model.clone() }, ..cfg.clone() };

    let mut state = if resume {
        check_resumable(out_dir, &checkpoint::load_config(out_dir)?, cfg)?;
        checkpoint::load_state(out_dir)?
    } else {
        TrainState { step: 0, rng: Rng::new(cfg.seed), elapsed_secs: 0.0, ssim_075: None, planned_steps: None }
    };
    let file = ModelFile {
        model: cfg.model.clone(),
        train: cfg.clone(),
        a: a_dir.display().to_string(),
        b: b_dir.display().to_string(),
    };

    let (g_vars, d_vars) = (VarMap::new(), VarMap::new());
    let model = Autoencoder::load(VarBuilder::from_varmap(&g_vars, DType::F32, &dev), &cfg.model)?;
    let with_code = cfg.code_weight > 0.0;
    let disc = Discriminators::load(VarBuilder::from_varmap(&d_vars, DType::F32, &dev), &cfg.model, with_code)?;
    let mut opt_g = adam(&g_vars, 0.9)?;
    // A lower β1 for the discriminators, as GANs usually train them (Radford et al. 2015).
    let mut opt_d = adam(&d_vars, 0.5)?;
    let vars = Vars { generator: &g_vars, discriminator: &d_vars };
    let mut history = Vec::new();
    if resume {
        checkpoint::load_into(out_dir, &vars, &mut opt_g, &mut opt_d)?;
        history = read_csv(&out_dir.join(checkpoint::LOSS_CSV)).into_iter().filter(|r| r.step <= state.step).collect();
    } else {
        layers::init_params(&g_vars, cfg.seed.wrapping_add(1))?;
        layers::init_params(&d_vars, cfg.seed.wrapping_add(2))?;
    }

    let rec_loss = loss::Reconstruction::new(res as usize, cfg.face_weight, cfg.detail_weight, &dev)?;
    let g_list = g_vars.all_vars();
    let d_list = d_vars.all_vars();
    let mut report = TrainReport {
        step: state.step,
        losses: Vec::new(),
        last_eval: None,
        crops_a: a.set.len(),
        crops_b: b.set.len(),
        held_out_a: a.held_out.len(),
        held_out_b: b.held_out.len(),
        elapsed_secs: state.elapsed_secs,
        steps_per_s: 0.0,
        ssim_075: state.ssim_075,
    };
    let started = Instant::now();
    let prior = Duration::from_secs_f64(state.elapsed_secs.max(0.0));
    // `last` is decided once per step, so the step that ends the run is always evaluated and checkpointed.
    let budget = Budget { steps: cfg.steps, minutes: cfg.minutes };
    let mut last = budget.spent(state.step, prior);
    while !last {
        let total = cfg.steps.or(state.planned_steps);
        let lr = Schedule { peak: cfg.lr, warmup: cfg.warmup, total }.lr(state.step);
        let strength = cfg.strength_at(state.step, total);
        // Without colour transfer nothing is drawn for it, so the random stream is the one it always was.
        let recolour = (cfg.colour_transfer > 0.0).then_some((&b, cfg.colour_transfer));
        let (xa, ya) = a.batch(cfg.batch, &strength, recolour, &mut state.rng, &dev)?;
        let (xb, yb) = b.batch(cfg.batch, &strength, None, &mut state.rng, &dev)?;
        let weights = Weights { gan: cfg.gan_weight, code: cfg.code_weight };
        let mut step = generator_step(&model, &disc, &rec_loss, [(&xa, &ya), (&xb, &yb)], weights)?;
        optim::clip_grad_norm(&mut step.grads, &g_list, CLIP_NORM)?;
        opt_g.step(&step.grads, lr)?;
        let (mut gan_row, mut code_row) = (None, None);
        if let Some(mut d) = discriminator_step(&disc, &step, [&ya, &yb])? {
            optim::clip_grad_norm(&mut d.grads, &d_list, CLIP_NORM)?;
            opt_d.step(&d.grads, cfg.lr_discriminator * lr / cfg.lr)?;
            let pair = |g: &Option<Tensor>, d: Option<Tensor>| -> Result<Option<(f32, f32)>> {
                Ok(match (g, d) {
                    (Some(g), Some(d)) => Some((g.to_scalar::<f32>()?, d.to_scalar::<f32>()?)),
                    _ => None,
                })
            };
            gan_row = pair(&step.adversarial, d.patch)?;
            code_row = pair(&step.code, d.code)?;
        }
        let (loss_a, loss_b) = (&step.loss_a, &step.loss_b);
        let (la, lb) = (loss_a.to_scalar::<f32>()?, loss_b.to_scalar::<f32>()?);
        state.step += 1;

        let run_secs = started.elapsed().as_secs_f64();
        report.losses.push((state.step, la, lb));
        report.steps_per_s = report.losses.len() as f64 / run_secs.max(1e-9);
        let elapsed = prior + started.elapsed();
        let progress = Progress {
            step: state.step,
            total_steps: cfg.steps,
            loss_a: la,
            loss_b: lb,
            steps_per_s: report.steps_per_s,
            elapsed,
            eta: budget.eta(state.step, elapsed, run_secs / report.losses.len() as f64),
        };
        let stopped = observer.step(&progress).is_break();
        last = budget.spent(state.step, elapsed) || stopped;

        let mut row = Row {
            step: state.step,
            loss_a: la,
            loss_b: lb,
            gan: gan_row,
            code: code_row,
            ssim: None,
            lr,
            elapsed_secs: elapsed.as_secs_f64(),
        };
        if state.step % cfg.eval_every == 0 || last {
            let e = eval::evaluate(&model, rec_loss.ssim(), &a.held_out_crops(), &b.held_out_crops(), &dev)?;
            row.ssim = Some((e.ssim_a, e.ssim_b));
            if state.ssim_075.is_none() && e.ssim_a.min(e.ssim_b) >= SSIM_TARGET {
                state.ssim_075 = Some((state.step, elapsed.as_secs_f64()));
            }
            report.last_eval = Some(e);
            observer.eval(state.step, &e);
        }
        history.push(row);
        if state.step % cfg.preview_every == 0 || last {
            write_preview(&out_dir.join(checkpoint::PREVIEW), &model, &a, &b, &dev)?;
        }
        if state.step % cfg.checkpoint_every == 0 || last {
            state.elapsed_secs = (prior + started.elapsed()).as_secs_f64();
            if let (None, None, Some(minutes)) = (cfg.steps, state.planned_steps, cfg.minutes) {
                let secs_per_step = started.elapsed().as_secs_f64() / report.losses.len() as f64;
                state.planned_steps = Some(plan_steps(state.step, state.elapsed_secs, minutes, secs_per_step));
            }
            // The log goes first: `state.json` commits the checkpoint, and a resume drops log rows past its step.
            write_csv(&out_dir.join(checkpoint::LOSS_CSV), &history)?;
            let opts = Optimizers { generator: &opt_g, discriminator: &opt_d };
            checkpoint::save(out_dir, &file, &vars, &opts, &state)?;
            plot::write_png(&out_dir.join(checkpoint::LOSS_PNG), loss_plot(&history))?;
            observer.checkpoint(state.step);
        }
    }
    report.step = state.step;
    report.elapsed_secs = (prior + started.elapsed()).as_secs_f64();
    report.ssim_075 = state.ssim_075;
    Ok(report)
}

/// The steps a run of `minutes` will make in all, at `secs_per_step`, having made `step` in `elapsed_secs`.
fn plan_steps(step: u64, elapsed_secs: f64, minutes: f64, secs_per_step: f64) -> u64 {
    let left = (minutes * 60.0 - elapsed_secs).max(0.0);
    step + (left / secs_per_step.max(1e-6)).round() as u64
}

/// How much the adversarial losses count against the reconstruction loss (0: that discriminator is not used).
#[derive(Debug, Clone, Copy)]
struct Weights {
    gan: f64,
    code: f64,
}

/// The generator's side of one step: both reconstructions, their codes and losses, and the gradient of the total.
struct GeneratorStep {
    rec_a: Tensor,
    rec_b: Tensor,
    code_a: Tensor,
    code_b: Tensor,
    loss_a: Tensor,
    loss_b: Tensor,
    /// Both identities' adversarial losses, summed (without a GAN weight: none).
    adversarial: Option<Tensor>,
    /// The code discriminator's opinion of A's codes, as the generator's loss (without a code weight: none).
    code: Option<Tensor>,
    /// The gradient of `loss_a + loss_b + gan · adversarial + code_weight · code`.
    grads: GradStore,
}

/// One identity's share of a generator step.
struct SideStep {
    rec: Tensor,
    code: Tensor,
    loss: Tensor,
    adversarial: Option<Tensor>,
    code_loss: Option<Tensor>,
    grads: GradStore,
}

/// Reconstructs each identity's warped crops through its own decoder and scores them against the unwarped ones
/// (`[(input A, target A), (input B, target B)]`), plus the PatchGAN's opinion when `weights.gan > 0` and the code
/// discriminator's opinion of A's codes when `weights.code > 0`.
///
/// The two identities' losses meet only in the shared encoder's weights, so each side runs its forward and
/// backward pass on its own core and the gradients are summed: a step takes the time of one side on two cores.
fn generator_step(
    model: &Autoencoder,
    disc: &Discriminators,
    rec_loss: &loss::Reconstruction,
    [(xa, ya), (xb, yb)]: [(&Tensor, &Tensor); 2],
    weights: Weights,
) -> Result<GeneratorStep> {
    let side = |x: &Tensor, y: &Tensor, side: Side, code_critic: Option<&CodeCritic>| -> Result<SideStep> {
        let (code, rec) = model.draw(x, side)?;
        let loss = rec_loss.loss(&rec, y)?;
        let mut total = loss.clone();
        let adversarial = if weights.gan > 0.0 {
            let adv = loss::generator(&disc.get(side).forward(&rec)?)?;
            total = (total + (&adv * weights.gan)?)?;
            Some(adv)
        } else {
            None
        };
        let code_loss = match code_critic {
            Some(critic) if weights.code > 0.0 => {
                let l = loss::generator(&critic.forward(&code)?)?;
                total = (total + (&l * weights.code)?)?;
                Some(l)
            }
            _ => None,
        };
        let grads = total.backward()?;
        Ok(SideStep { rec, code, loss, adversarial, code_loss, grads })
    };
    // Only the star's codes are pushed toward the footage's, as DeepFaceLab does: the footage's codes are what a
    // swap feeds decoder A, so they are the target, not something to move.
    let (a, b) = rayon::join(|| side(xa, ya, Side::A, disc.code.as_ref()), || side(xb, yb, Side::B, None));
    let (a, b) = (a?, b?);
    let mut grads = a.grads;
    grads.extend(b.grads)?;
    let adversarial = match (a.adversarial, b.adversarial) {
        (Some(x), Some(y)) => Some((x + y)?),
        _ => None,
    };
    Ok(GeneratorStep {
        rec_a: a.rec,
        rec_b: b.rec,
        code_a: a.code,
        code_b: b.code,
        loss_a: a.loss,
        loss_b: b.loss,
        adversarial,
        code: a.code_loss,
        grads,
    })
}

/// The discriminators' losses of one step and the gradient of their sum.
struct DiscriminatorStep {
    /// Both PatchGANs' losses, summed.
    patch: Option<Tensor>,
    code: Option<Tensor>,
    grads: GradStore,
}

/// Each PatchGAN on its identity's real crops (`[target A, target B]`) against the generator step's (detached)
/// reconstructions, and the code discriminator on B's codes (real) against A's; `None` when the generator step used
/// neither. The PatchGANs have no parameter in common, so each runs on its own core.
fn discriminator_step(
    disc: &Discriminators,
    step: &GeneratorStep,
    [ya, yb]: [&Tensor; 2],
) -> Result<Option<DiscriminatorStep>> {
    let (patch, mut grads) = match step.adversarial {
        Some(_) => {
            let side = |critic: &PatchGan, real: &Tensor, fake: &Tensor| -> Result<(Tensor, GradStore)> {
                let loss = loss::discriminator(&critic.forward(real)?, &critic.forward(&fake.detach())?)?;
                let grads = loss.backward()?;
                Ok((loss, grads))
            };
            let (a, b) = rayon::join(|| side(&disc.a, ya, &step.rec_a), || side(&disc.b, yb, &step.rec_b));
            let ((loss_a, mut grads), (loss_b, grads_b)) = (a?, b?);
            grads.extend(grads_b)?;
            (Some((loss_a + loss_b)?), Some(grads))
        }
        None => (None, None),
    };
    let code = match (&disc.code, &step.code) {
        (Some(critic), Some(_)) => {
            let real = critic.forward(&step.code_b.detach())?;
            let loss = loss::discriminator(&real, &critic.forward(&step.code_a.detach())?)?;
            let code_grads = loss.backward()?;
            match &mut grads {
                Some(g) => g.extend(code_grads)?,
                None => grads = Some(code_grads),
            }
            Some(loss)
        }
        _ => None,
    };
    Ok(grads.map(|grads| DiscriminatorStep { patch, code, grads }))
}

fn adam(vars: &VarMap, beta1: f64) -> Result<AdamW> {
    let mut opt = AdamW::new(vars, 0.0)?;
    opt.beta1 = beta1;
    opt.beta2 = 0.999;
    Ok(opt)
}

fn write_preview(path: &Path, model: &Autoencoder, a: &Identity, b: &Identity, dev: &Device) -> Result<()> {
    let (ca, cb) = (a.preview_crops(PREVIEW_COLUMNS), b.preview_crops(PREVIEW_COLUMNS));
    let rows = [
        ("a", ca.clone()),
        ("a>a", convert(model, &ca, Side::A, dev)?),
        ("a>b", convert(model, &ca, Side::B, dev)?),
        ("b", cb.clone()),
        ("b>b", convert(model, &cb, Side::B, dev)?),
        ("b>a", convert(model, &cb, Side::A, dev)?),
    ];
    let scale = (PREVIEW_CELL / model.config.resolution).max(1);
    let rows = rows.map(|(label, crops)| (label, crops.iter().map(|c| preview::magnify(c, scale)).collect()));
    preview::write_png(path, &preview::grid(&rows))
}

/// Reconstruction loss of each identity per step, and held-out SSIM at each evaluation.
fn loss_plot(rows: &[Row]) -> Vec<u8> {
    let line = |f: &dyn Fn(&Row) -> Option<f32>| -> Vec<(f64, f64)> {
        rows.iter().filter_map(|r| Some((r.step as f64, f(r)? as f64))).collect()
    };
    plot::render_series(
        &[
            Series { name: "loss a", color: plot::BLUE, points: line(&|r| Some(r.loss_a)), markers: false },
            Series { name: "loss b", color: plot::GREEN, points: line(&|r| Some(r.loss_b)), markers: false },
            Series { name: "ssim a", color: plot::RED, points: line(&|r| Some(r.ssim?.0)), markers: true },
            Series { name: "ssim b", color: plot::ORANGE, points: line(&|r| Some(r.ssim?.1)), markers: true },
        ],
        "loss",
    )
}

fn check_resumable(dir: &Path, file: &ModelFile, cfg: &TrainConfig) -> Result<()> {
    let path = dir.join(checkpoint::CONFIG);
    let mismatch = |field, checkpoint: String, requested: String| {
        Err(FaceswapError::ConfigMismatch { path: path.clone(), field, checkpoint, requested })
    };
    if file.model != cfg.model {
        let show = |c: &Config| {
            format!("{} {} px {:?}{}", c.arch.name(), c.resolution, c.encoder, if c.upright { " upright" } else { "" })
        };
        return mismatch("model", show(&file.model), show(&cfg.model));
    }
    let t = &file.train;
    if (t.code_weight > 0.0) != (cfg.code_weight > 0.0) {
        // The checkpoint's discriminator variables hold a code critic or they don't.
        return mismatch("code_weight", t.code_weight.to_string(), cfg.code_weight.to_string());
    }
    for (field, was, now) in [("batch", t.batch as u64, cfg.batch as u64), ("seed", t.seed, cfg.seed)] {
        if was != now {
            return mismatch(field, was.to_string(), now.to_string());
        }
    }
    Ok(())
}

fn write_csv(path: &Path, rows: &[Row]) -> Result<()> {
    let mut out = String::from("step,loss_a,loss_b,gan_g,gan_d,ssim_a,ssim_b,lr,elapsed_s,code_g,code_d\n");
    let opt = |v: Option<f32>| v.map_or(String::new(), |v| format!("{v:.6}"));
    for r in rows {
        out.push_str(&format!(
            "{},{:.6},{:.6},{},{},{},{},{:.3e},{:.2},{},{}\n",
            r.step,
            r.loss_a,
            r.loss_b,
            opt(r.gan.map(|g| g.0)),
            opt(r.gan.map(|g| g.1)),
            opt(r.ssim.map(|s| s.0)),
            opt(r.ssim.map(|s| s.1)),
            r.lr,
            r.elapsed_secs,
            opt(r.code.map(|c| c.0)),
            opt(r.code.map(|c| c.1)),
        ));
    }
    Ok(crate::lm::checkpoint::write_atomic(path, out.as_bytes())?)
}

/// Reads `loss.csv` back, skipping lines it cannot parse (the file is a log, not a source of truth).
pub fn read_csv(path: &Path) -> Vec<Row> {
    let Ok(text) = fs::read_to_string(path) else { return Vec::new() };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            let num = |i: usize| f.get(i).and_then(|v| v.parse::<f32>().ok());
            let pair = |i: usize| Some((num(i)?, num(i + 1)?));
            Some(Row {
                step: f.first()?.parse().ok()?,
                loss_a: num(1)?,
                loss_b: num(2)?,
                gan: pair(3),
                // Logs written before the code discriminator have no columns 9 and 10.
                code: pair(9),
                ssim: pair(5),
                lr: f.get(7)?.parse().ok()?,
                elapsed_secs: f.get(8)?.parse().ok()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faceswap::config::Arch;

    /// A colour star's crops recoloured like a grey film's: the batch A trains on turns grey with the chance
    /// `colour_transfer`, and the footage's own crops are never recoloured.
    #[test]
    fn colour_transfer_recolours_the_star_like_the_footage() {
        let dir = tempfile::tempdir().unwrap();
        let write = |name: &str, f: &dyn Fn(u32, u32) -> [u8; 3]| {
            let set = dir.path().join(name);
            fs::create_dir_all(&set).unwrap();
            for i in 0..6u32 {
                let img = RgbImage::from_fn(32, 32, |x, y| image::Rgb(f(x + i, y)));
                img.save(set.join(format!("{i:06}.png"))).unwrap();
            }
            Identity::load(&set, 32).unwrap()
        };
        let star = write("star", &|x, y| [200, 40 + (x * 3) as u8, 60 + (y * 2) as u8]);
        let film = write("film", &|x, y| [(x * 5 + y) as u8; 3]);
        let none = Strength::none();
        let dev = Device::Cpu;
        // Mean |R − G| of a batch's targets: 0 for grey crops.
        let tint = |chance: f64, who: &Identity, other: Option<&Identity>| {
            let (_, y) = who.batch(16, &none, other.map(|o| (o, chance)), &mut Rng::new(3), &dev).unwrap();
            let (r, g) = (y.narrow(1, 0, 1).unwrap(), y.narrow(1, 1, 1).unwrap());
            (r - g).unwrap().abs().unwrap().mean_all().unwrap().to_scalar::<f32>().unwrap()
        };
        let (never, half, always) =
            (tint(0.0, &star, Some(&film)), tint(0.5, &star, Some(&film)), tint(1.0, &star, Some(&film)));
        assert!(never > 0.3, "the star is red: {never}");
        assert!(always < 0.05 * never, "recoloured like the film, the star is grey: {always} vs {never}");
        assert!(always < half && half < never, "{always} < {half} < {never}");
        assert!(tint(1.0, &film, None) < 1e-6, "the film is not recoloured");
    }

    #[test]
    fn a_minutes_budget_plans_its_steps_and_ends_unwarped() {
        // 100 steps in 60 s of a 10-minute run: 900 more at the same speed.
        assert_eq!(plan_steps(100, 60.0, 10.0, 0.6), 1000);
        assert_eq!(plan_steps(100, 700.0, 10.0, 0.6), 100, "a spent budget plans no more steps");
        let cfg = TrainConfig { unwarped_fraction: 0.2, ..TrainConfig::new(Config::tiny()) };
        let warp = cfg.augment.warp_sigma;
        assert!(warp > 0.0);
        assert_eq!(cfg.strength_at(799, Some(1000)).warp_sigma, warp);
        assert_eq!(cfg.strength_at(800, Some(1000)).warp_sigma, 0.0);
        assert_eq!(cfg.strength_at(800, Some(1000)).max_rotate_deg, cfg.augment.max_rotate_deg);
        assert_eq!(cfg.strength_at(5000, None).warp_sigma, warp, "a run of unknown length warps throughout");
        let always = TrainConfig { unwarped_fraction: 0.0, ..cfg.clone() };
        assert_eq!(always.strength_at(1000, Some(1000)).warp_sigma, warp);
        assert!(TrainConfig { unwarped_fraction: 1.5, ..cfg }.validate().is_err());
    }

    /// candle has ops without a backward pass that silently cut gradients; every generator parameter must get one
    /// from the generator's loss and every discriminator parameter from the discriminator's.
    #[test]
    fn every_generator_and_discriminator_parameter_gets_a_gradient() {
        for arch in [Arch::Df, Arch::Liae] {
            every_parameter_gets_a_gradient(Config { arch, ..Config::tiny() });
        }
    }

    fn every_parameter_gets_a_gradient(cfg: Config) {
        let dev = crate::device::device();
        let (g_vars, d_vars) = (VarMap::new(), VarMap::new());
        let model = Autoencoder::load(VarBuilder::from_varmap(&g_vars, DType::F32, &dev), &cfg).unwrap();
        let disc = Discriminators::load(VarBuilder::from_varmap(&d_vars, DType::F32, &dev), &cfg, true).unwrap();
        layers::init_params(&g_vars, 1).unwrap();
        layers::init_params(&d_vars, 2).unwrap();
        let rec_loss = loss::Reconstruction::new(32, 2.0, 0.0, &dev).unwrap();
        let x = |seed: u64| {
            let mut rng = Rng::new(seed);
            let v: Vec<f32> = (0..2 * 3 * 32 * 32).map(|_| rng.next_f32()).collect();
            Tensor::from_vec(v, (2, 3, 32, 32), &dev).unwrap()
        };
        let (xa, ya, xb, yb) = (x(1), x(2), x(3), x(4));
        let weights = Weights { gan: 0.1, code: 0.1 };
        let step = generator_step(&model, &disc, &rec_loss, [(&xa, &ya), (&xb, &yb)], weights).unwrap();
        assert!(step.adversarial.is_some() && step.code.is_some());
        let check = |vars: &VarMap, grads: &candle_core::backprop::GradStore, what: &str| {
            let data = vars.data().lock().unwrap();
            assert!(data.len() >= 8, "{what}: only {} variables", data.len());
            for (name, var) in data.iter() {
                let g = grads.get(var).unwrap_or_else(|| panic!("{what}: no gradient for {name}"));
                let norm = g.sqr().unwrap().sum_all().unwrap().to_scalar::<f32>().unwrap();
                assert!(norm > 0.0 && norm.is_finite(), "{what}: gradient of {name} has norm {norm}");
            }
        };
        check(&g_vars, &step.grads, "generator");
        let d = discriminator_step(&disc, &step, [&ya, &yb]).unwrap().expect("both discriminators train");
        assert!(d.patch.is_some() && d.code.is_some());
        let d_grads = d.grads;
        assert!(d_vars.data().lock().unwrap().keys().any(|k| k.starts_with("disc_code.")), "no code critic variables");
        check(&d_vars, &d_grads, "discriminator");
        let leaked = g_vars.all_vars().iter().filter(|v| d_grads.get(v).is_some()).count();
        assert_eq!(leaked, 0, "the discriminator's loss must not reach the generator");
    }
}

//! The face swapper's speed: per-crop forward time (encoder + decoder A) one crop at a time, as a renderer swapping a
//! single face per frame calls it, and in batches of 8; and, without a model folder, the same for a freshly
//! initialised model of the preset (the speed does not depend on the weights).

use std::path::Path;
use std::time::Instant;

use candle_core::DType;
use candle_nn::{VarBuilder, VarMap};
use image::RgbImage;
use reel::faces::FaceConverter;
use reel::faceswap::augment::Strength;
use reel::faceswap::config::Arch;
use reel::faceswap::{Autoencoder, Config, Side, Swapper, layers, train};
use serde_json::{Value, json};

/// Converts a batch of crops and drops the result.
type Convert = Box<dyn FnMut(&[RgbImage]) -> anyhow::Result<()>>;

pub fn forward(model: Option<&Path>, res: u32, crops: usize) -> anyhow::Result<Value> {
    let dev = reel::device::device();
    let varmap = VarMap::new();
    let (mut run, res): (Convert, u32) = match model {
        Some(dir) => {
            let mut swapper = Swapper::load(dir)?;
            let res = swapper.resolution();
            (Box::new(move |c: &[RgbImage]| Ok(swapper.convert(c).map(|_| ())?)), res)
        }
        None => {
            let cfg = Config::for_resolution(res)?;
            let model = Autoencoder::load(VarBuilder::from_varmap(&varmap, DType::F32, &dev), &cfg)?;
            layers::init_params(&varmap, 1)?;
            (
                Box::new(
                    move |c: &[RgbImage]| Ok(reel::faceswap::eval::convert(&model, c, Side::A, &dev).map(|_| ())?),
                ),
                res,
            )
        }
    };
    let crop = RgbImage::from_fn(res, res, |x, y| image::Rgb([(x * 3) as u8, (y * 3) as u8, 128]));
    let batch: Vec<RgbImage> = vec![crop.clone(); 8];
    run(std::slice::from_ref(&crop))?; // warm up
    let started = Instant::now();
    for _ in 0..crops {
        run(std::slice::from_ref(&crop))?;
    }
    let single_ms = started.elapsed().as_secs_f64() * 1000.0 / crops as f64;
    let started = Instant::now();
    let batches = crops.div_ceil(8);
    for _ in 0..batches {
        run(&batch)?;
    }
    let batched_ms = started.elapsed().as_secs_f64() * 1000.0 / (batches * 8) as f64;
    Ok(json!({
        "resolution": res,
        "crops": crops,
        "ms_per_crop_single": single_ms,
        "ms_per_crop_batch8": batched_ms,
        "threads": candle_core::utils::get_num_threads(),
    }))
}

/// Seconds per training step at `res` (batch 8 per identity), over `steps` steps of a fresh model on face sets
/// `a` and `b`, with and without the adversarial loss.
pub fn train_step(a: &Path, b: &Path, res: u32, steps: u64) -> anyhow::Result<Value> {
    let mut out = serde_json::Map::new();
    for gan in [0.0, 0.1] {
        let dir = std::env::temp_dir().join(format!("reel-bench-train-step-{}", std::process::id()));
        let cfg = train::TrainConfig {
            steps: Some(steps),
            gan_weight: gan,
            eval_every: 1000,
            preview_every: 1000,
            checkpoint_every: 1000,
            ..train::TrainConfig::new(Config::for_resolution(res)?)
        };
        let report = train::train(a, b, &cfg, &dir, false, &mut ());
        let _ = std::fs::remove_dir_all(&dir);
        let report = report?;
        out.insert(format!("s_per_step_gan_{gan}"), json!(1.0 / report.steps_per_s));
    }
    out.insert("resolution".into(), json!(res));
    out.insert("batch".into(), json!(8));
    Ok(Value::Object(out))
}

/// One training run of the benchmark: the library's defaults except where a field says otherwise.
#[derive(clap::Args)]
pub struct Run {
    #[arg(long, default_value_t = 64)]
    pub res: u32,
    #[arg(long, default_value_t = 10.0)]
    pub minutes: f64,
    #[arg(long, default_value_t = 0.1)]
    pub gan_weight: f64,
    #[arg(long, default_value_t = 50)]
    pub eval_every: u64,
    /// Bound the run by steps too (the learning rate then decays over them).
    #[arg(long)]
    pub steps: Option<u64>,
    #[arg(long)]
    pub lr: Option<f64>,
    #[arg(long)]
    pub batch: Option<usize>,
    /// The last fraction of the run trained without the random warp.
    #[arg(long)]
    pub unwarped: Option<f64>,
    /// The chance that a crop of A is recoloured like one of B.
    #[arg(long)]
    pub colour_transfer: Option<f64>,
    /// The weight of the code discriminator that pulls A's codes toward B's.
    #[arg(long)]
    pub code_weight: Option<f64>,
    /// How much more the face counts than the background in the reconstruction loss.
    #[arg(long)]
    pub face_weight: Option<f64>,
    /// How much more the face's detail (eyes, brows, mouth) counts in the reconstruction loss.
    #[arg(long)]
    pub detail_weight: Option<f64>,
    /// Scales the geometric augmentation (rotation, scale, shift and warp) by this factor.
    #[arg(long, default_value_t = 1.0)]
    pub augment: f32,
    /// The model's architecture: df (a decoder per identity) or liae (shared decoder, two bottlenecks).
    #[arg(long, default_value = "df", value_parser = ["df", "liae"])]
    pub arch: String,
}

/// Trains a model on face sets `a` and `b` into `out` for `run.minutes`, evaluating held-out SSIM every
/// `run.eval_every` steps, and reports when both identities first reached SSIM 0.75.
pub fn train_run(a: &Path, b: &Path, out: &Path, run: &Run) -> anyhow::Result<Value> {
    let model = Config { arch: Arch::parse(&run.arch)?, ..Config::for_resolution(run.res)? };
    let defaults = train::TrainConfig::new(model);
    let cfg = train::TrainConfig {
        steps: run.steps,
        minutes: Some(run.minutes),
        gan_weight: run.gan_weight,
        eval_every: run.eval_every,
        preview_every: run.eval_every,
        checkpoint_every: run.eval_every,
        lr: run.lr.unwrap_or(defaults.lr),
        batch: run.batch.unwrap_or(defaults.batch),
        unwarped_fraction: run.unwarped.unwrap_or(defaults.unwarped_fraction),
        colour_transfer: run.colour_transfer.unwrap_or(defaults.colour_transfer),
        code_weight: run.code_weight.unwrap_or(defaults.code_weight),
        face_weight: run.face_weight.unwrap_or(defaults.face_weight),
        detail_weight: run.detail_weight.unwrap_or(defaults.detail_weight),
        augment: Strength {
            max_rotate_deg: defaults.augment.max_rotate_deg * run.augment,
            max_scale: defaults.augment.max_scale * run.augment,
            max_shift: defaults.augment.max_shift * run.augment,
            warp_sigma: defaults.augment.warp_sigma * run.augment,
            ..defaults.augment
        },
        ..defaults
    };
    let resume = out.join("state.json").is_file();
    let report = train::train(a, b, &cfg, out, resume, &mut ())?;
    Ok(json!({
        "steps": report.step,
        "elapsed_s": report.elapsed_secs,
        "steps_per_s": report.steps_per_s,
        "gan_weight": run.gan_weight,
        "colour_transfer": cfg.colour_transfer,
        "code_weight": cfg.code_weight,
        "face_weight": cfg.face_weight,
        "detail_weight": cfg.detail_weight,
        "augment": run.augment,
        "arch": run.arch,
        "eval": report.last_eval,
        "ssim_075": report.ssim_075,
        "crops": [report.crops_a, report.crops_b],
        "held_out": [report.held_out_a, report.held_out_b],
    }))
}

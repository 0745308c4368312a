//! Face-swap throughput: every frame of FILE decoded into memory first (decode and encode are not timed), then the
//! per-frame swap (`FrameSwapper::swap_frame`) over all of them, with detection, model and crop/colour/blend time
//! measured separately. The model is reel's 64-px architecture (`faceswap::Config::res64`) trained for a few steps on
//! a face set extracted from FILE itself: inference costs the same whatever the weights are, so the timing stands for
//! a fully trained model's.

use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use reel::faces::frames::VideoFrames;
use reel::faces::set::{self, ExtractSettings, SetSource};
use reel::faces::{FaceDetector, FrameSwapper, Settings, SwapSettings};
use reel::faceswap::{Config, Swapper, TrainConfig};
use serde_json::{Value, json};

pub fn run(file: &Path, detect_every: u32, upscale: u32, train_steps: u64, upright: bool) -> anyhow::Result<Value> {
    let mut decoded = Vec::new();
    let mut frames = VideoFrames::open(file)?;
    while let Some(frame) = frames.next_frame()? {
        decoded.push(frame);
    }
    let (w, h) = decoded.first().map(|(_, p)| p.dimensions()).context("no frames")?;

    let work = std::env::temp_dir().join(format!("reel-bench-faces-{}", std::process::id()));
    let result = measure(file, &decoded, &work, detect_every, upscale, train_steps, upright);
    let _ = std::fs::remove_dir_all(&work);
    let mut value = result?;
    value["width"] = json!(w);
    value["height"] = json!(h);
    Ok(value)
}

fn measure(
    file: &Path,
    decoded: &[(reel::archive::analysis::FrameInfo, image::RgbImage)],
    work: &Path,
    detect_every: u32,
    upscale: u32,
    train_steps: u64,
    upright: bool,
) -> anyhow::Result<Value> {
    let set_dir = work.join("set");
    let mut settings = ExtractSettings { upright, ..ExtractSettings::default() };
    settings.detector.upscale = upscale;
    let extracted = set::extract(&[SetSource::whole(file)], &settings, &mut |_, _, _, _| ControlFlow::Continue(()))?;
    anyhow::ensure!(!extracted.crops.is_empty(), "no faces in {}", file.display());
    set::write(&set_dir, &extracted)?;
    let model_dir = work.join("model");
    let mut cfg = TrainConfig::new(Config::res64());
    cfg.steps = Some(train_steps);
    cfg.batch = 4;
    cfg.eval_every = train_steps.max(1);
    cfg.preview_every = train_steps.max(1);
    cfg.checkpoint_every = train_steps.max(1);
    reel::faceswap::train(&set_dir, &set_dir, &cfg, &model_dir, false, &mut ())?;
    let model = Swapper::load(&model_dir)?;

    let detector = FaceDetector::with_settings(Settings { upscale, ..Settings::default() })?;
    let swap_settings = SwapSettings { detect_every, upright: model.upright(), ..SwapSettings::default() };
    let mut swapper = FrameSwapper::new(detector, Box::new(model), swap_settings)?;
    let started = Instant::now();
    for (info, picture) in decoded {
        let mut picture = picture.clone();
        swapper.swap_frame(info.index, info.time_s, &mut picture)?;
    }
    let wall = started.elapsed().as_secs_f64();
    let (report, _) = swapper.finish();
    let n = report.frames as f64;
    let ms = |s: f64| 1000.0 * s / n;
    Ok(json!({
        "file": file.display().to_string(),
        "frames": report.frames,
        "faces_swapped": report.faces_swapped,
        "detect_every": detect_every,
        "upright": upright,
        "upscale": upscale,
        "detect_ms": ms(report.detect_s),
        "model_ms": ms(report.convert_s),
        "blend_ms": ms(report.blend_s),
        "model_ms_per_face": 1000.0 * report.convert_s / (report.faces_swapped.max(1) as f64),
        "fps": n / wall,
        "wall_s": wall,
    }))
}

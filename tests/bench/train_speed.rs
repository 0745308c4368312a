//! Training throughput of reel's language models: `lm::train` on the first 90% of a text for a few warm-up steps,
//! then timed steps (forward, backward, clipping, AdamW), reported as tokens/s. The same loop `reel train` runs;
//! evaluation and checkpoints fall outside the timed steps.

use std::ops::ControlFlow;
use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use reel::lm::{self, Arch, Preset, Progress, TrainConfig};
use serde_json::{Value, json};

/// Notes the time at the end of the warm-up and of the last step.
struct Clock {
    warmup: u64,
    start: Option<Instant>,
    end: Option<Instant>,
}

impl lm::Observer for Clock {
    fn step(&mut self, p: &Progress) -> ControlFlow<()> {
        if p.step == self.warmup {
            self.start = Some(Instant::now());
        }
        self.end = Some(Instant::now());
        ControlFlow::Continue(())
    }
}

pub struct Shape {
    pub arch: Arch,
    pub preset: Preset,
    pub batch: usize,
    pub seq: Option<usize>,
    pub steps: u64,
    pub warmup: u64,
}

pub fn run(text: &Path, shape: &Shape) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(text).with_context(|| format!("reading {}", text.display()))?;
    let (train_text, val_text) = lm::split_text(&text);
    let mut cfg = TrainConfig::new(shape.arch, shape.preset);
    cfg.batch = shape.batch;
    cfg.seq = shape.seq.unwrap_or(cfg.seq);
    cfg.steps = Some(shape.warmup + shape.steps);
    cfg.eval_every = u64::MAX;
    cfg.eval_batches = 1;
    cfg.checkpoint_every = u64::MAX;
    let dir = std::env::temp_dir().join(format!("reel-bench-train-{}", std::process::id()));
    let mut clock = Clock { warmup: shape.warmup.max(1), start: None, end: None };
    let result = lm::train(train_text, val_text, &cfg, &dir, false, &mut clock);
    let params = result.is_ok().then(|| parameters(&dir.join(lm::checkpoint::MODEL))).transpose();
    let _ = std::fs::remove_dir_all(&dir);
    result?;
    let (start, end) = clock.start.zip(clock.end).context("no steps were timed")?;
    let seconds = (end - start).as_secs_f64();
    let timed = (shape.warmup + shape.steps).saturating_sub(shape.warmup.max(1));
    Ok(json!({
        "impl": "reel",
        "arch": shape.arch.to_string(),
        "preset": shape.preset.to_string(),
        "params": params?,
        "batch": cfg.batch,
        "seq": cfg.seq,
        "threads": candle_core::utils::get_num_threads(),
        "steps": timed,
        "seconds": seconds,
        "tokens_per_s": (timed as usize * cfg.batch * cfg.seq) as f64 / seconds,
    }))
}

fn parameters(path: &Path) -> anyhow::Result<usize> {
    let tensors = candle_core::safetensors::load(path, &candle_core::Device::Cpu)?;
    Ok(tensors.values().map(|t| t.elem_count()).sum())
}

//! The training loop, short and linear: build or resume the model, then step → log → evaluate → checkpoint, and
//! finally write `loss.csv` and `loss.png`. Progress goes to an [`Observer`]; this module must not print.

use std::fs;
use std::ops::ControlFlow;
use std::path::Path;
use std::time::{Duration, Instant};

use candle_core::{DType, Tensor};
use candle_nn::{VarBuilder, VarMap};
use serde::{Deserialize, Serialize};

use super::bpe::{self, Bpe};
use super::checkpoint::{self, CheckpointConfig, TrainState};
use super::config::{Arch, ModelConfig, Preset};
use super::data::{self, Batcher};
use super::error::{LmError, Result};
use super::model::{self, Model};
use super::optim::{self, AdamW};
use super::plot;
use super::rng::Rng;
use super::schedule::{Budget, Schedule};
use super::tokenizer::{Tokenizer, TokenizerKind};
use super::vocab::Vocab;

pub const LOSS_CSV: &str = "loss.csv";
pub const LOSS_PNG: &str = "loss.png";
const CLIP_NORM: f64 = 1.0;
const WEIGHT_DECAY: f64 = 0.1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainConfig {
    pub arch: Arch,
    pub preset: Preset,
    /// Stop after this many optimizer steps (also the length of the cosine schedule).
    pub steps: Option<u64>,
    /// Stop after this many minutes of training, counted across resumes.
    pub minutes: Option<f64>,
    pub batch: usize,
    /// Window length: BPTT steps for the LSTM, context used for the GPT (at most its `ctx`).
    pub seq: usize,
    pub lr: f64,
    pub warmup: u64,
    pub eval_every: u64,
    pub eval_batches: usize,
    pub checkpoint_every: u64,
    pub seed: u64,
    /// Characters, or a byte-level BPE vocabulary of `vocab` ids learned from the training text.
    #[serde(default)]
    pub tokenizer: TokenizerKind,
    #[serde(default = "default_bpe_vocab")]
    pub vocab: usize,
}

fn default_bpe_vocab() -> usize {
    DEFAULT_BPE_VOCAB
}

/// The BPE vocabulary size when none is asked for.
pub const DEFAULT_BPE_VOCAB: usize = 512;

impl TrainConfig {
    /// Sensible defaults for `arch` at `preset`, bounded at 2000 steps.
    pub fn new(arch: Arch, preset: Preset) -> TrainConfig {
        let ctx = match ModelConfig::preset(arch, preset, 2) {
            ModelConfig::Gpt(c) => c.ctx,
            ModelConfig::Lstm(_) => 64,
        };
        TrainConfig {
            arch,
            preset,
            steps: Some(2000),
            minutes: None,
            batch: 32,
            seq: ctx,
            lr: if arch == Arch::Lstm { 2e-3 } else { 1e-3 },
            warmup: 100,
            eval_every: 200,
            eval_batches: 8,
            checkpoint_every: 500,
            seed: 0,
            tokenizer: TokenizerKind::Char,
            vocab: DEFAULT_BPE_VOCAB,
        }
    }

    fn validate(&self, model: &ModelConfig) -> Result<()> {
        let bad = |field, value: String, reason| Err(LmError::InvalidConfig { field, value, reason });
        if self.steps.is_none() && self.minutes.is_none() {
            return bad("steps/minutes", "none".into(), "give a step or time budget");
        }
        if self.batch == 0 || self.seq == 0 {
            return bad("batch/seq", format!("{}/{}", self.batch, self.seq), "must be positive");
        }
        if self.eval_every == 0 || self.checkpoint_every == 0 || self.eval_batches == 0 {
            return bad("eval_every/checkpoint_every/eval_batches", "0".into(), "must be positive");
        }
        if !(self.lr.is_finite() && self.lr > 0.0) {
            return bad("lr", self.lr.to_string(), "must be a positive number");
        }
        if let ModelConfig::Gpt(c) = model
            && self.seq > c.ctx
        {
            return bad("seq", self.seq.to_string(), "exceeds the GPT context window");
        }
        Ok(())
    }
}

/// One step's progress, for a reporter to draw.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub step: u64,
    pub total_steps: Option<u64>,
    pub loss: f32,
    pub lr: f64,
    /// Training tokens per second, averaged over this run.
    pub tokens_per_s: f64,
    /// Training time across resumes.
    pub elapsed: Duration,
    pub eta: Option<Duration>,
}

/// Receives progress. Returning `Break` from `step` stops training cleanly after a checkpoint (as Ctrl-C would).
pub trait Observer {
    fn step(&mut self, _progress: &Progress) -> ControlFlow<()> {
        ControlFlow::Continue(())
    }
    fn eval(&mut self, _step: u64, _val_loss: f32) {}
    fn checkpoint(&mut self, _step: u64) {}
}

/// Observes nothing.
impl Observer for () {}

/// What a run did.
#[derive(Debug, Clone)]
pub struct TrainReport {
    /// Steps done in total, across resumes.
    pub step: u64,
    /// `(step, train loss)` for every step of this run.
    pub losses: Vec<(u64, f32)>,
    pub last_val_loss: Option<f32>,
    pub best_val_loss: Option<f32>,
    pub tokens_per_s: f64,
}

/// One line of `loss.csv`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Row {
    pub step: u64,
    pub train_loss: f32,
    pub val_loss: Option<f32>,
    pub lr: f64,
    pub tokens_per_s: f64,
}

/// Trains a model in `out_dir` on `train_text`, evaluating on `val_text`. With `resume`, continues exactly from
/// the checkpoint in `out_dir` (which must have been made with the same arch, preset, batch, seq and seed).
pub fn train(
    train_text: &str,
    val_text: &str,
    cfg: &TrainConfig,
    out_dir: &Path,
    resume: bool,
    observer: &mut dyn Observer,
) -> Result<TrainReport> {
    let dev = super::device();
    fs::create_dir_all(out_dir).map_err(LmError::io(out_dir))?;
    checkpoint::remove_stale_temps(out_dir)?;

    let (ck_config, tokenizer, state) = if resume {
        let ck = checkpoint::load_config(out_dir)?;
        check_resumable(out_dir, &ck, cfg)?;
        let tokenizer = checkpoint::load_tokenizer(out_dir, &ck)?;
        (CheckpointConfig { train: Some(cfg.clone()), ..ck }, tokenizer, checkpoint::load_state(out_dir)?)
    } else {
        let vocab = Vocab::from_text(train_text)?;
        let tokenizer = match cfg.tokenizer {
            TokenizerKind::Char => Tokenizer::Chars(vocab.clone()),
            TokenizerKind::Bpe => {
                let bpe = Bpe::train(train_text, cfg.vocab)?;
                bpe.save(&out_dir.join(bpe::FILE))?;
                Tokenizer::Bpe(Box::new(bpe))
            }
        };
        let model = ModelConfig::preset(cfg.arch, cfg.preset, tokenizer.len());
        let ck = CheckpointConfig {
            arch: cfg.arch,
            preset: Some(cfg.preset),
            model,
            vocab,
            tokenizer: cfg.tokenizer,
            train: Some(cfg.clone()),
        };
        let state = TrainState {
            step: 0,
            data_rng: Rng::new(cfg.seed),
            dropout_rng: Rng::new(cfg.seed ^ 0xD5A6_1266_F0C9_392C),
            best_val_loss: None,
            elapsed_secs: 0.0,
        };
        (ck, tokenizer, state)
    };
    cfg.validate(&ck_config.model)?;
    ck_config.model.validate()?;
    if val_text.is_empty() {
        return Err(LmError::EmptyCorpus { what: "validation" });
    }

    let varmap = VarMap::new();
    let model = Model::load(VarBuilder::from_varmap(&varmap, DType::F32, &dev), &ck_config.model)?;
    let mut opt = AdamW::new(&varmap, WEIGHT_DECAY)?;
    let mut history = Vec::new();
    if resume {
        checkpoint::load_weights_into(out_dir, &varmap)?;
        checkpoint::load_optimizer_into(out_dir, &mut opt)?;
        history = read_csv(&out_dir.join(LOSS_CSV)).into_iter().filter(|r| r.step <= state.step).collect();
    } else {
        model::init_params(&varmap, &ck_config.model, cfg.seed.wrapping_add(1))?;
    }

    let mut batcher = Batcher::new(tokenizer.encode(train_text)?, cfg.batch, cfg.seq, state.data_rng)?;
    let val = data::fixed_batches(&tokenizer.encode(val_text)?, cfg.batch, cfg.seq, cfg.eval_batches, &dev)?;
    let schedule = Schedule { peak: cfg.lr, warmup: cfg.warmup, total: cfg.steps };
    let vars = varmap.all_vars();

    let mut state = state;
    let mut dropout_rng = state.dropout_rng;
    let mut report = TrainReport {
        step: state.step,
        losses: Vec::new(),
        last_val_loss: None,
        best_val_loss: state.best_val_loss,
        tokens_per_s: 0.0,
    };
    let started = Instant::now();
    let prior = Duration::from_secs_f64(state.elapsed_secs.max(0.0));
    let tokens_per_step = (cfg.batch * cfg.seq) as f64;
    // `last` is decided once per step, so the step that ends the run is always evaluated and checkpointed.
    let budget = Budget { steps: cfg.steps, minutes: cfg.minutes };
    let mut last = budget.spent(state.step, prior);
    while !last {
        let lr = schedule.lr(state.step);
        let (xs, ys) = batcher.next_batch(&dev)?;
        let loss = model.loss(&xs, &ys, Some(&mut dropout_rng))?;
        let mut grads = loss.backward()?;
        optim::clip_grad_norm(&mut grads, &vars, CLIP_NORM)?;
        opt.step(&grads, lr)?;
        let loss = loss.to_scalar::<f32>()?;
        state.step += 1;

        let run_secs = started.elapsed().as_secs_f64();
        report.losses.push((state.step, loss));
        report.tokens_per_s = report.losses.len() as f64 * tokens_per_step / run_secs.max(1e-9);
        let elapsed = prior + started.elapsed();
        let progress = Progress {
            step: state.step,
            total_steps: cfg.steps,
            loss,
            lr,
            tokens_per_s: report.tokens_per_s,
            elapsed,
            eta: budget.eta(state.step, elapsed, run_secs / report.losses.len() as f64),
        };
        let stopped = observer.step(&progress).is_break();

        let mut row = Row { step: state.step, train_loss: loss, val_loss: None, lr, tokens_per_s: report.tokens_per_s };
        last = budget.spent(state.step, elapsed) || stopped;
        if state.step % cfg.eval_every == 0 || last {
            let v = evaluate(&model, &val)?;
            row.val_loss = Some(v);
            report.last_val_loss = Some(v);
            if state.best_val_loss.is_none_or(|b| v < b) {
                state.best_val_loss = Some(v);
            }
            observer.eval(state.step, v);
        }
        history.push(row);
        if state.step % cfg.checkpoint_every == 0 || last {
            state.data_rng = batcher.rng;
            state.dropout_rng = dropout_rng;
            state.elapsed_secs = (prior + started.elapsed()).as_secs_f64();
            // The log goes first: `state.json` commits the checkpoint, and a resume drops log rows past its step.
            write_csv(&out_dir.join(LOSS_CSV), &history)?;
            checkpoint::save(out_dir, &ck_config, &varmap, &opt, &state)?;
            plot::write_loss_png(&out_dir.join(LOSS_PNG), &history)?;
            observer.checkpoint(state.step);
        }
    }
    report.step = state.step;
    report.best_val_loss = state.best_val_loss;
    Ok(report)
}

/// Mean loss over the fixed validation batches, without dropout.
pub fn evaluate(model: &Model, batches: &[(Tensor, Tensor)]) -> Result<f32> {
    let mut sum = 0f32;
    for (xs, ys) in batches {
        sum += model.loss(xs, ys, None)?.to_scalar::<f32>()?;
    }
    Ok(sum / batches.len().max(1) as f32)
}

fn check_resumable(dir: &Path, ck: &CheckpointConfig, cfg: &TrainConfig) -> Result<()> {
    let path = dir.join(checkpoint::CONFIG);
    let mismatch = |field, checkpoint: String, requested: String| {
        Err(LmError::ConfigMismatch { path: path.clone(), field, checkpoint, requested })
    };
    if ck.arch != cfg.arch {
        return mismatch("arch", ck.arch.to_string(), cfg.arch.to_string());
    }
    if ck.preset != Some(cfg.preset) {
        let was = ck.preset.map_or("custom".to_string(), |p| p.to_string());
        return mismatch("preset", was, cfg.preset.to_string());
    }
    if ck.tokenizer != cfg.tokenizer {
        return mismatch("tokenizer", ck.tokenizer.to_string(), cfg.tokenizer.to_string());
    }
    if let Some(t) = &ck.train {
        for (field, was, now) in
            [("batch", t.batch, cfg.batch), ("seq", t.seq, cfg.seq), ("seed", t.seed as usize, cfg.seed as usize)]
        {
            if was != now {
                return mismatch(field, was.to_string(), now.to_string());
            }
        }
    }
    Ok(())
}

fn write_csv(path: &Path, rows: &[Row]) -> Result<()> {
    let mut out = String::from("step,train_loss,val_loss,lr,tokens_per_s\n");
    for r in rows {
        let val = r.val_loss.map_or(String::new(), |v| format!("{v:.6}"));
        out.push_str(&format!("{},{:.6},{val},{:.3e},{:.1}\n", r.step, r.train_loss, r.lr, r.tokens_per_s));
    }
    checkpoint::write_atomic(path, out.as_bytes())
}

/// Reads `loss.csv` back, skipping lines it cannot parse (the file is a log, not a source of truth).
pub fn read_csv(path: &Path) -> Vec<Row> {
    let Ok(text) = fs::read_to_string(path) else { return Vec::new() };
    text.lines()
        .skip(1)
        .filter_map(|line| {
            let f: Vec<&str> = line.split(',').collect();
            Some(Row {
                step: f.first()?.parse().ok()?,
                train_loss: f.get(1)?.parse().ok()?,
                val_loss: f.get(2).and_then(|v| v.parse().ok()),
                lr: f.get(3)?.parse().ok()?,
                tokens_per_s: f.get(4)?.parse().ok()?,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::lm::testdata;

    fn tiny(arch: Arch, steps: u64) -> TrainConfig {
        TrainConfig {
            steps: Some(steps),
            batch: 8,
            seq: 32,
            lr: 3e-3,
            warmup: 3,
            eval_every: 4,
            eval_batches: 2,
            checkpoint_every: 100,
            seed: 11,
            ..TrainConfig::new(arch, Preset::Tiny)
        }
    }

    /// Breaks after `at` steps, as an interrupted run would.
    struct StopAt(u64);

    impl Observer for StopAt {
        fn step(&mut self, p: &Progress) -> ControlFlow<()> {
            if p.step >= self.0 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
        }
    }

    fn loss_drops(arch: Arch) {
        let text = testdata::corpus(200_000);
        let (train_text, val_text) = text.split_at(180_000);
        let dir = tempfile::tempdir().unwrap();
        let cfg = TrainConfig { batch: 16, seq: 64, eval_every: 40, eval_batches: 4, ..tiny(arch, 40) };
        let started = Instant::now();
        let report = train(train_text, val_text, &cfg, dir.path(), false, &mut ()).unwrap();
        let mean = |xs: &[(u64, f32)]| xs.iter().map(|x| x.1).sum::<f32>() / xs.len() as f32;
        let (first, last) = (mean(&report.losses[..5]), mean(&report.losses[35..]));
        let val = report.last_val_loss.unwrap();
        println!(
            "{arch} tiny: loss {first:.3} -> {last:.3}, val {val:.3}, {:.0} tok/s, {:.1}s",
            report.tokens_per_s,
            started.elapsed().as_secs_f64()
        );
        assert!(last < first - 0.5, "{arch}: loss {first} -> {last}");
        assert!(val < 3.6, "{arch}: val loss {val}");
        let rows = read_csv(&dir.path().join(LOSS_CSV));
        assert_eq!(rows.len(), 40);
        assert!(rows[39].val_loss.is_some() && rows[0].val_loss.is_none());
        assert!(dir.path().join(LOSS_PNG).exists());
    }

    #[test]
    fn lstm_tiny_loss_drops() {
        loss_drops(Arch::Lstm);
    }

    #[test]
    fn gpt_tiny_loss_drops() {
        loss_drops(Arch::Gpt);
    }

    fn resume_is_exact(arch: Arch) {
        let text = testdata::corpus(60_000);
        let (train_text, val_text) = text.split_at(50_000);
        let cfg = tiny(arch, 12);
        let straight = tempfile::tempdir().unwrap();
        let full = train(train_text, val_text, &cfg, straight.path(), false, &mut ()).unwrap();

        let split = tempfile::tempdir().unwrap();
        let first = train(train_text, val_text, &cfg, split.path(), false, &mut StopAt(6)).unwrap();
        assert_eq!(first.step, 6);
        let second = train(train_text, val_text, &cfg, split.path(), true, &mut ()).unwrap();
        assert_eq!(second.step, 12);
        let resumed: Vec<(u64, f32)> = first.losses.iter().chain(&second.losses).copied().collect();
        assert_eq!(resumed.len(), full.losses.len());
        for (a, b) in full.losses.iter().zip(&resumed) {
            assert_eq!(a.0, b.0);
            assert!((a.1 - b.1).abs() < 1e-4, "{arch} step {}: straight {} vs resumed {}", a.0, a.1, b.1);
        }
        let val = |r: &TrainReport| r.last_val_loss.unwrap();
        assert!((val(&full) - val(&second)).abs() < 1e-4);
        let rows = read_csv(&split.path().join(LOSS_CSV));
        assert_eq!(rows.iter().map(|r| r.step).collect::<Vec<_>>(), (1..=12).collect::<Vec<_>>());
    }

    #[test]
    fn lstm_resume_is_exact() {
        resume_is_exact(Arch::Lstm);
    }

    #[test]
    fn gpt_resume_is_exact() {
        resume_is_exact(Arch::Gpt);
    }

    #[test]
    fn checkpoints_leave_no_temps_and_damage_is_named() {
        let text = testdata::corpus(20_000);
        let dir = tempfile::tempdir().unwrap();
        let cfg = tiny(Arch::Lstm, 2);
        train(&text[..15_000], &text[15_000..], &cfg, dir.path(), false, &mut ()).unwrap();
        let mut names: Vec<String> =
            fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(
            names,
            ["config.json", "loss.csv", "loss.png", "model.safetensors", "optimizer.safetensors", "state.json"]
        );

        let mismatch = train(&text, &text, &TrainConfig { batch: 4, ..cfg.clone() }, dir.path(), true, &mut ());
        assert!(matches!(mismatch, Err(LmError::ConfigMismatch { field: "batch", .. })), "{mismatch:?}");

        let model = dir.path().join(checkpoint::MODEL);
        let bytes = fs::read(&model).unwrap();
        fs::write(&model, &bytes[..bytes.len() / 2]).unwrap();
        let err = train(&text, &text, &cfg, dir.path(), true, &mut ()).unwrap_err();
        match &err {
            LmError::CorruptCheckpoint { path, .. } => assert_eq!(path, &model),
            other => panic!("expected CorruptCheckpoint, got {other}"),
        }
        assert!(err.to_string().contains("model.safetensors"), "{err}");
    }

    #[test]
    fn gpt_over_bpe_trains_resumes_and_samples() {
        let text = testdata::corpus(120_000);
        let (train_text, val_text) = text.split_at(100_000);
        let dir = tempfile::tempdir().unwrap();
        let cfg = TrainConfig {
            tokenizer: TokenizerKind::Bpe,
            vocab: 320,
            batch: 8,
            seq: 32,
            eval_every: 30,
            ..tiny(Arch::Gpt, 30)
        };
        let report = train(train_text, val_text, &cfg, dir.path(), false, &mut ()).unwrap();
        let mean = |xs: &[(u64, f32)]| xs.iter().map(|x| x.1).sum::<f32>() / xs.len() as f32;
        let (first, last) = (mean(&report.losses[..5]), mean(&report.losses[25..]));
        println!("gpt tiny over bpe 320: loss {first:.3} -> {last:.3}");
        assert!(last < first - 0.5, "loss {first} -> {last}");
        assert!(dir.path().join(bpe::FILE).is_file());
        let ck = checkpoint::load_config(dir.path()).unwrap();
        assert_eq!((ck.tokenizer, ck.model.vocab_size()), (TokenizerKind::Bpe, 320));

        let more = TrainConfig { steps: Some(32), ..cfg.clone() };
        assert_eq!(train(train_text, val_text, &more, dir.path(), true, &mut ()).unwrap().step, 32);
        let chars = TrainConfig { tokenizer: TokenizerKind::Char, ..more };
        let err = train(train_text, val_text, &chars, dir.path(), true, &mut ()).unwrap_err();
        assert!(matches!(err, LmError::ConfigMismatch { field: "tokenizer", .. }), "{err}");

        let sampler = crate::lm::Sampler::load(dir.path()).unwrap();
        let opts = crate::lm::SampleOptions { max_chars: 80, seed: 3, ..Default::default() };
        let a = sampler.sample("ROMEO:\n", &opts).unwrap();
        assert_eq!(a.chars().count(), 80);
        assert_eq!(a, sampler.sample("ROMEO:\n", &opts).unwrap());
    }

    #[test]
    fn time_budget_checkpoints_the_last_step() {
        let text = testdata::corpus(20_000);
        let dir = tempfile::tempdir().unwrap();
        let cfg = TrainConfig { steps: None, minutes: Some(0.002), checkpoint_every: 1000, ..tiny(Arch::Gpt, 0) };
        let report = train(&text[..15_000], &text[15_000..], &cfg, dir.path(), false, &mut ()).unwrap();
        assert!(report.step >= 1);
        assert_eq!(checkpoint::load_state(dir.path()).unwrap().step, report.step);
        assert!(report.last_val_loss.is_some());
    }

    #[test]
    fn bad_inputs_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = tiny(Arch::Gpt, 2);
        let check = |train_text: &str, val_text: &str, cfg: &TrainConfig| {
            train(train_text, val_text, cfg, dir.path(), false, &mut ()).unwrap_err()
        };
        assert!(matches!(check("", "abc", &cfg), LmError::EmptyCorpus { what: "training" }));
        assert!(matches!(check("abcdef", "abc", &cfg), LmError::TextTooShort { what: "training", .. }));
        let long = "ab".repeat(100);
        assert!(matches!(check(&long, "ab", &cfg), LmError::TextTooShort { what: "validation", .. }));
        assert!(matches!(
            check(&long, &long, &TrainConfig { seq: 65, ..cfg.clone() }),
            LmError::InvalidConfig { field: "seq", .. }
        ));
        assert!(matches!(
            check(&long, &long, &TrainConfig { steps: None, ..cfg.clone() }),
            LmError::InvalidConfig { .. }
        ));
        let missing = train(&long, &long, &cfg, &dir.path().join("nothing"), true, &mut ()).unwrap_err();
        assert!(matches!(missing, LmError::Io { .. }) && missing.to_string().contains("config.json"), "{missing}");
    }
}

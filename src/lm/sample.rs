//! Sampling text from a trained model directory. The prompt is run through the model first (the continuation is
//! conditioned on it), then characters are drawn one at a time with temperature and nucleus (top-p) sampling from
//! our own seeded [`Rng`], so the same seed gives the same text. Decoding is incremental: the LSTM carries its
//! state, the GPT keeps a KV cache and, when the window fills, re-primes on the last half of it. This module must
//! not train or write files.

use std::path::Path;

use candle_core::Tensor;

use super::checkpoint::{self, CheckpointConfig};
use super::error::{LmError, Result};
use super::gpt::KvCache;
use super::lstm::LstmState;
use super::model::Model;
use super::rng::Rng;
use super::tokenizer::Tokenizer;
use super::vocab::UNK;

#[derive(Debug, Clone, Copy)]
pub struct SampleOptions {
    /// Softmax temperature; 0 picks the most likely character.
    pub temperature: f32,
    /// Nucleus mass in (0, 1]: draw only from the most likely characters whose probabilities sum to this.
    pub top_p: f32,
    pub max_chars: usize,
    pub seed: u64,
    /// Stops early once this returns true for the text generated so far.
    pub stop: Option<fn(&str) -> bool>,
}

impl Default for SampleOptions {
    fn default() -> Self {
        SampleOptions { temperature: 0.8, top_p: 0.95, max_chars: 500, seed: 0, stop: None }
    }
}

pub struct Sampler {
    model: Model,
    tokenizer: Tokenizer,
    config: CheckpointConfig,
}

/// Where decoding stands: the LSTM's state, or the GPT's cache and the ids it holds.
enum Decoder {
    Lstm(Option<LstmState>),
    Gpt { cache: KvCache, history: Vec<u32> },
}

impl Sampler {
    pub fn load(dir: &Path) -> Result<Sampler> {
        let (config, tokenizer, model) = checkpoint::load_model(dir)?;
        Ok(Sampler { model, tokenizer, config })
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn config(&self) -> &CheckpointConfig {
        &self.config
    }

    /// Continues `prompt` with up to `max_chars` characters; returns the continuation only.
    pub fn sample(&self, prompt: &str, opts: &SampleOptions) -> Result<String> {
        let valid = opts.top_p > 0.0 && opts.top_p <= 1.0 && opts.temperature >= 0.0 && opts.temperature.is_finite();
        if !valid {
            return Err(LmError::InvalidConfig {
                field: "temperature/top_p",
                value: format!("{}/{}", opts.temperature, opts.top_p),
                reason: "temperature must be ≥ 0 and top_p in (0, 1]",
            });
        }
        let mut ids = self.tokenizer.encode(prompt)?;
        if ids.is_empty() {
            // Nothing to condition on: start as a new line would.
            ids = self.tokenizer.encode("\n")?;
            if ids.is_empty() || (ids == [UNK] && matches!(self.tokenizer, Tokenizer::Chars(_))) {
                ids = vec![1];
            }
        }
        let mut decoder = match &self.model {
            Model::Lstm(_) => Decoder::Lstm(None),
            Model::Gpt(g) => Decoder::Gpt { cache: g.new_cache(), history: Vec::new() },
        };
        // `<unk>` (id 0 of a character vocabulary) is never drawn; every BPE id is real text.
        let chars_only = matches!(self.tokenizer, Tokenizer::Chars(_));
        let skip = if chars_only { UNK as usize + 1 } else { 0 };
        let mut rng = Rng::new(opts.seed);
        let mut logits = self.feed(&mut decoder, &ids)?;
        let mut out = String::new();
        let mut chars = 0;
        // BPE ids whose bytes do not yet end on a character boundary wait here.
        let mut pending: Vec<u32> = Vec::new();
        while chars < opts.max_chars {
            let id = pick(&logits, opts.temperature, opts.top_p, skip, &mut rng);
            pending.push(id);
            let piece = self.tokenizer.decode(&pending);
            if chars_only || !piece.ends_with('\u{FFFD}') || pending.len() >= 4 {
                pending.clear();
                for c in piece.chars().take(opts.max_chars - chars) {
                    out.push(c);
                    chars += 1;
                }
                if opts.stop.is_some_and(|stop| stop(&out)) {
                    break;
                }
            }
            logits = self.feed(&mut decoder, &[id])?;
        }
        Ok(out)
    }

    /// Runs `ids` through the model from the decoder's state; returns the logits after the last one.
    fn feed(&self, decoder: &mut Decoder, ids: &[u32]) -> Result<Vec<f32>> {
        let dev = super::device();
        let logits = match (&self.model, decoder) {
            (Model::Lstm(m), Decoder::Lstm(state)) => {
                let xs = Tensor::new(ids, &dev)?.unsqueeze(0)?;
                let (logits, next) = m.forward(&xs, state.as_ref(), None)?;
                *state = Some(next);
                logits
            }
            (Model::Gpt(m), Decoder::Gpt { cache, history }) => {
                history.extend_from_slice(ids);
                let ctx = m.config().ctx;
                if cache.len() + ids.len() <= ctx {
                    m.forward(&Tensor::new(ids, &dev)?.unsqueeze(0)?, Some(cache), None)?
                } else {
                    // The window is full: start a fresh cache on the most recent text (half a window when
                    // generating, so that re-priming happens once per ctx/2 characters, not every step).
                    let keep = if ids.len() > 1 { ctx } else { (ctx / 2).max(1) };
                    let recent = &history[history.len().saturating_sub(keep)..];
                    *cache = m.new_cache();
                    m.forward(&Tensor::new(recent, &dev)?.unsqueeze(0)?, Some(cache), None)?
                }
            }
            _ => return Err(candle_core::Error::Msg("decoder does not match the model".into()).into()),
        };
        let (_, t, _) = logits.dims3()?;
        Ok(logits.get(0)?.get(t - 1)?.to_vec1::<f32>()?)
    }
}

/// Draws an id from `logits` with temperature and top-p; the first `skip` ids are never drawn.
fn pick(logits: &[f32], temperature: f32, top_p: f32, skip: usize, rng: &mut Rng) -> u32 {
    let candidates = || logits.iter().enumerate().skip(skip);
    if temperature == 0.0 {
        return candidates().max_by(|a, b| a.1.total_cmp(b.1)).map_or(1, |(i, _)| i as u32);
    }
    let max = candidates().map(|(_, &l)| l).fold(f32::NEG_INFINITY, f32::max);
    let mut probs: Vec<(u32, f32)> = candidates().map(|(i, &l)| (i as u32, ((l - max) / temperature).exp())).collect();
    probs.sort_by(|a, b| b.1.total_cmp(&a.1));
    let total: f32 = probs.iter().map(|p| p.1).sum();
    let mut kept = 0f32;
    let mut cut = probs.len();
    for (n, p) in probs.iter().enumerate() {
        kept += p.1;
        if kept >= top_p * total {
            cut = n + 1;
            break;
        }
    }
    probs.truncate(cut);
    let mut r = rng.next_f32() * kept;
    for &(id, p) in &probs {
        if r < p {
            return id;
        }
        r -= p;
    }
    probs.last().map_or(1, |p| p.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(logits: &[f32], temperature: f32, top_p: f32, allowed: &[u32]) {
        let mut rng = Rng::new(1);
        for _ in 0..200 {
            let id = pick(logits, temperature, top_p, 1, &mut rng);
            assert!(allowed.contains(&id), "t {temperature} p {top_p}: drew {id}, allowed {allowed:?}");
        }
    }

    #[test]
    fn picks_respect_temperature_and_top_p() {
        check(&[9.0, 1.0, 3.0, 2.0], 0.0, 1.0, &[2]);
        check(&[9.0, 1.0, 3.0, 2.0], 1.0, 0.5, &[2]);
        check(&[9.0, 1.0, 3.0, 2.0], 1.0, 1.0, &[1, 2, 3]);
        check(&[0.0, 5.0, 5.0, -50.0], 1.0, 0.9, &[1, 2]);
    }
}

#[cfg(test)]
mod model_tests {
    use super::*;
    use crate::lm::config::{Arch, Preset};
    use crate::lm::testdata;
    use crate::lm::train::{TrainConfig, train};

    fn trained(arch: Arch) -> tempfile::TempDir {
        let text = testdata::corpus(40_000);
        let dir = tempfile::tempdir().unwrap();
        let cfg = TrainConfig {
            steps: Some(15),
            batch: 8,
            seq: 32,
            lr: 3e-3,
            warmup: 2,
            eval_every: 15,
            eval_batches: 1,
            checkpoint_every: 15,
            ..TrainConfig::new(arch, Preset::Tiny)
        };
        train(&text[..35_000], &text[35_000..], &cfg, dir.path(), false, &mut ()).unwrap();
        dir
    }

    fn sampling_is_seeded_and_conditioned(arch: Arch) {
        let dir = trained(arch);
        let sampler = Sampler::load(dir.path()).unwrap();
        let opts = SampleOptions { max_chars: 300, seed: 42, ..SampleOptions::default() };
        let started = std::time::Instant::now();
        let a = sampler.sample("ROMEO:\n", &opts).unwrap();
        let secs = started.elapsed().as_secs_f64();
        println!("{arch} tiny sampling: {:.0} chars/s", a.chars().count() as f64 / secs);
        assert_eq!(a.chars().count(), 300);
        assert_eq!(sampler.sample("ROMEO:\n", &opts).unwrap(), a, "{arch}: same seed, different text");
        assert_ne!(sampler.sample("ROMEO:\n", &SampleOptions { seed: 43, ..opts }).unwrap(), a);
        assert_ne!(sampler.sample("First Citizen, speak!\n", &opts).unwrap(), a, "{arch}: prompt ignored");
        let line = sampler.sample("", &SampleOptions { stop: Some(|s| s.ends_with('\n')), ..opts }).unwrap();
        assert!(line.chars().count() == 300 || line.ends_with('\n'));
        assert!(matches!(
            sampler.sample("x", &SampleOptions { top_p: 0.0, ..opts }),
            Err(LmError::InvalidConfig { .. })
        ));
    }

    #[test]
    fn lstm_sampling_is_seeded_and_conditioned() {
        sampling_is_seeded_and_conditioned(Arch::Lstm);
    }

    #[test]
    fn gpt_sampling_is_seeded_and_conditioned() {
        sampling_is_seeded_and_conditioned(Arch::Gpt);
    }

    #[test]
    fn missing_model_dir_is_an_error_naming_the_file() {
        let err = Sampler::load(Path::new("/nonexistent/model")).err().unwrap();
        assert!(err.to_string().contains("/nonexistent/model/config.json"), "{err}");
    }
}

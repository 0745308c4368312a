//! The Piper neural backend: a VITS voice run with ONNX Runtime (loaded dynamically from the path the caller gives,
//! never downloaded), fed phoneme ids from [`super::phonemes`].
//!
//! One neural voice plays many characters: a voice spec's pitch becomes a duration-preserving pitch shift
//! ([`super::pitch`]) and its rate becomes the model's `length_scale`. This file must not touch the output file or
//! loudness; it returns raw samples at the voice's own rate.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ndarray::{Array1, Array2};
use ort::session::Session;
use ort::session::builder::GraphOptimizationLevel;
use ort::value::TensorRef;
use serde::Deserialize;

use super::espeak::Espeak;
use super::loudness::db_to_gain;
use super::phonemes::{PhonemeIds, phonemize};
use super::{Audio, Backend, Prosody, VoiceError, VoiceSpec, pitch};

/// The parts of a Piper `.onnx.json` this backend reads.
#[derive(Debug, Clone, Deserialize)]
pub struct PiperConfig {
    pub audio: AudioConfig,
    pub espeak: EspeakConfig,
    pub inference: InferenceConfig,
    pub phoneme_id_map: HashMap<String, Vec<i64>>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AudioConfig {
    pub sample_rate: u32,
}

#[derive(Debug, Clone, Deserialize)]
pub struct EspeakConfig {
    /// The espeak-ng voice whose IPA the model was trained on (`en-us`).
    pub voice: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct InferenceConfig {
    pub noise_scale: f32,
    pub length_scale: f32,
    // The config's noise_w is not read: see DURATION_NOISE.
}

/// A loaded Piper voice.
pub struct Piper {
    // `Session::run` needs `&mut`; the mutex lets one loaded voice serve `&self` callers on several threads.
    session: Mutex<Session>,
    config: PiperConfig,
    ids: PhonemeIds,
    espeak: Espeak,
}

/// ONNX Runtime allows one environment per process; every `Piper` shares it. The first library path wins.
static ENVIRONMENT: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();

fn environment(onnxruntime: &Path) -> Result<ort::environment::Environment, VoiceError> {
    ENVIRONMENT
        .get_or_init(|| {
            let builder = ort::init_from(onnxruntime).map_err(|e| e.to_string())?;
            builder.with_name("reel-voice").build().map_err(|e| e.to_string())
        })
        .clone()
        .map_err(|message| onnx_error(format!("loading {}", onnxruntime.display()), message))
}

fn onnx_error(context: String, message: impl ToString) -> VoiceError {
    VoiceError::Onnx { context, message: message.to_string() }
}

/// The duration predictor's noise (Piper's `noise_w`): 0 for lines whose length does not change from run to run.
const DURATION_NOISE: f32 = 0.0;

impl Piper {
    /// Loads the voice at `model` (with its `model.json` beside it, named `<model>.json`) using the ONNX Runtime
    /// library at `onnxruntime`, running the model on `threads` threads.
    pub fn load(model: &Path, onnxruntime: &Path, espeak: Espeak, threads: usize) -> Result<Self, VoiceError> {
        let config_path = PathBuf::from(format!("{}.json", model.display()));
        let config = read_config(&config_path)?;
        let ids = PhonemeIds::from_map(&config.phoneme_id_map)
            .map_err(|reason| VoiceError::BadModelConfig { path: config_path.clone(), reason })?;
        std::fs::metadata(model).map_err(|source| VoiceError::ModelUnreadable { path: model.to_owned(), source })?;
        if !onnxruntime.is_file() {
            return Err(VoiceError::ModelUnreadable {
                path: onnxruntime.to_owned(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "ONNX Runtime library not found"),
            });
        }
        let env = environment(onnxruntime)?;
        let context = || format!("opening {}", model.display());
        let session = Session::builder(&env)
            .map_err(|e| onnx_error(context(), e))?
            .with_optimization_level(GraphOptimizationLevel::Level3)
            .map_err(|e| onnx_error(context(), e))?
            .with_intra_threads(threads.max(1))
            .map_err(|e| onnx_error(context(), e))?
            // Idle pool threads sleep instead of spinning. Spinning bought nothing here and cost a core: on the
            // shared 2-core machine it made 50 lines take 9.5 s of CPU and 22-25 s instead of 5.5 s and 12-14 s
            // (BENCHMARKS.md, voices), and the scheduler runs other jobs beside the voice.
            .with_intra_op_spinning(false)
            .map_err(|e| onnx_error(context(), e))?
            .commit_from_file(model)
            .map_err(|e| onnx_error(context(), e))?;
        Ok(Piper { session: Mutex::new(session), config, ids, espeak })
    }

    /// The voice's native sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.config.audio.sample_rate
    }

    /// Runs the model on phoneme ids with the given length scale.
    fn infer(&self, ids: Vec<i64>, length_scale: f32) -> Result<Vec<f32>, VoiceError> {
        let context = || "running the voice model".to_owned();
        let len = ids.len();
        let input = Array2::from_shape_vec((1, len), ids).map_err(|e| onnx_error(context(), e))?;
        let lengths = Array1::from_vec(vec![len as i64]);
        let inference = &self.config.inference;
        // The model draws its noise from ONNX Runtime's RandomNormalLike, seeded from the clock when the session is
        // made, so no seed can be given. With noise_w at 0 the duration predictor takes its mean, so a line is
        // always the same length: a production's shot lengths, and so its cut, come out the same on every run and
        // after every resume. noise_scale stays as the voice was trained: it varies the timbre, not the timing.
        let scales = Array1::from_vec(vec![inference.noise_scale, length_scale, DURATION_NOISE]);
        // A poisoned lock only means another thread panicked mid-run; the session itself is still usable.
        let mut session = self.session.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let outputs = session
            .run(ort::inputs![
                "input" => TensorRef::from_array_view(&input).map_err(|e| onnx_error(context(), e))?,
                "input_lengths" => TensorRef::from_array_view(&lengths).map_err(|e| onnx_error(context(), e))?,
                "scales" => TensorRef::from_array_view(&scales).map_err(|e| onnx_error(context(), e))?,
            ])
            .map_err(|e| onnx_error(context(), e))?;
        let output = outputs.values().next().ok_or_else(|| onnx_error(context(), "the model returned no output"))?;
        let (_, samples) = output.try_extract_tensor::<f32>().map_err(|e| onnx_error(context(), e))?;
        Ok(samples.to_vec())
    }
}

fn read_config(path: &Path) -> Result<PiperConfig, VoiceError> {
    let text = std::fs::read_to_string(path)
        .map_err(|source| VoiceError::ModelUnreadable { path: path.to_owned(), source })?;
    let config: PiperConfig = serde_json::from_str(&text)
        .map_err(|e| VoiceError::BadModelConfig { path: path.to_owned(), reason: e.to_string() })?;
    if config.audio.sample_rate == 0 {
        return Err(VoiceError::BadModelConfig { path: path.to_owned(), reason: "audio.sample_rate is 0".into() });
    }
    Ok(config)
}

impl Backend for Piper {
    fn synthesize(&self, text: &str, voice: &VoiceSpec, prosody: &Prosody) -> Result<Audio, VoiceError> {
        let sample_rate = self.sample_rate();
        let phonemes = phonemize(&self.espeak, text, &self.config.espeak.voice)?;
        if phonemes.trim().is_empty() {
            return Ok(Audio { samples: Vec::new(), sample_rate });
        }
        let rate = (voice.rate_factor() * prosody.rate).clamp(0.3, 3.0);
        let mut samples = self.infer(self.ids.ids(&phonemes), self.config.inference.length_scale / rate)?;
        // A model fed odd ids could emit NaN; silence is the safe reading of that.
        samples.iter_mut().filter(|s| !s.is_finite()).for_each(|s| *s = 0.0);
        samples = pitch::shift_pitch(&samples, sample_rate, voice.semitones() + prosody.pitch_semitones)?;
        let gain = db_to_gain(f64::from(prosody.gain_db)) as f32;
        samples.iter_mut().for_each(|s| *s *= gain);
        Ok(Audio { samples, sample_rate })
    }
}

//! The voice module's one error type.
//!
//! Every variant names what a user needs to fix the problem: the program, the file or the value. This file owns no
//! logic beyond formatting; it must not decide retry policy for the scheduler.

use std::io;
use std::path::PathBuf;

/// Everything that can go wrong while voicing a line.
#[derive(Debug, thiserror::Error)]
pub enum VoiceError {
    /// The espeak-ng program could not be found.
    #[error("espeak-ng is not installed (could not run `{program}`); install it with `apt-get install espeak-ng`")]
    EspeakMissing { program: PathBuf },
    /// A program could be found but not run.
    #[error("could not run `{program}`: {source}")]
    Spawn { program: PathBuf, source: io::Error },
    /// espeak-ng ran but reported failure.
    #[error("espeak-ng failed with voice `{voice}` ({status}): {stderr}")]
    EspeakFailed { voice: String, status: String, stderr: String },
    /// A voice spec string did not parse.
    #[error("bad voice spec `{spec}`: {reason}")]
    BadSpec { spec: String, reason: String },
    /// The neural voice's model or config could not be read.
    #[error("cannot read voice model file {path}: {source}")]
    ModelUnreadable { path: PathBuf, source: io::Error },
    /// The neural voice's config was read but is not usable.
    #[error("voice config {path} is invalid: {reason}")]
    BadModelConfig { path: PathBuf, reason: String },
    /// ONNX Runtime failed to load, to open the model, or to run it.
    #[error("ONNX Runtime failed while {context}: {message}")]
    Onnx { context: String, message: String },
    /// A spec asks for the neural voice, but this `Voices` has none loaded.
    #[error("voice `{voice}` needs the neural voice, which is not loaded")]
    NeuralVoiceUnavailable { voice: String },
    /// A WAV stream could not be decoded.
    #[error("cannot decode WAV from {what}: {source}")]
    WavRead { what: String, source: hound::Error },
    /// The output WAV could not be written.
    #[error("cannot write {path}: {message}")]
    Write { path: PathBuf, message: String },
    /// Resampling failed (bad rates or an internal rubato error).
    #[error("resampling {from} Hz to {to} Hz failed: {message}")]
    Resample { from: u32, to: u32, message: String },
    /// EBU R128 measurement failed.
    #[error("loudness measurement failed: {0}")]
    Loudness(String),
}

//! The voice stage as jobs: one `voice.line` job per line of dialogue of a production, writing the mastered WAV
//! (48 kHz, -20 LUFS) and a small report with its length, which sets the length of the line's shot.
//!
//! ```text
//! productions/<name>/voice/<n> ──▶ productions/<name>/voices/<n>.wav
//!                                  productions/<name>/voices/<n>.json   ({"duration_ms", "voice", "notes"})
//! ```

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::{read_json, write_json};
use crate::plan::JobSpec;
use crate::scheduler::{JobContext, JobError, Registry};
use crate::voice::{Line, Settings, VoiceAssets, VoiceSpec, Voices};

pub const LINE: &str = "voice.line";

pub fn register(registry: &mut Registry) {
    registry.register(LINE, line);
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineParams {
    pub text: String,
    pub parenthetical: Option<String>,
    /// A voice spec (`piper:joe pitch=+2st`), as cast for the character.
    pub voice: String,
}

/// What a voiced line came to.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LineReport {
    pub duration_ms: u64,
    pub voice: String,
    pub notes: Vec<String>,
}

/// The job that voices line `n` of a production whose folder is `dir` (relative to the workspace).
pub fn job(namespace: &str, dir: &Path, n: usize, params: &LineParams) -> JobSpec {
    let base = dir.join("voices").join(format!("{n:03}"));
    JobSpec::new(format!("{namespace}voice/{n:03}"), LINE)
        .stage("voices")
        .params(serde_json::to_value(params).unwrap_or_default())
        .output(base.with_extension("wav"))
        .output(base.with_extension("json"))
}

/// Where job `n`'s report is, to read the line's length after the run.
pub fn report_path(workspace: &Path, dir: &Path, n: usize) -> PathBuf {
    workspace.join(dir).join("voices").join(format!("{n:03}.json"))
}

pub fn read_report(path: &Path) -> Result<LineReport, JobError> {
    read_json(path)
}

/// The voices every `voice.line` job of this process shares. Loading the neural voice takes about a second (longer
/// than speaking a short line), ONNX Runtime allows one environment per process, and the loaded session serves
/// several worker threads, so it is loaded once, by the first job that needs it.
fn voices() -> Result<&'static Voices, JobError> {
    static VOICES: OnceLock<Result<Voices, String>> = OnceLock::new();
    VOICES
        .get_or_init(|| Voices::new(&VoiceAssets::discover(), Settings::default()).map_err(|e| e.to_string()))
        .as_ref()
        .map_err(|e| JobError::fatal(e.clone()))
}

fn line(ctx: &JobContext) -> Result<(), JobError> {
    let p: LineParams = ctx.params()?;
    let spec: VoiceSpec = p.voice.parse().map_err(JobError::fatal)?;
    let voices = voices()?;
    let line = Line { text: &p.text, parenthetical: p.parenthetical.as_deref(), voice: &spec, lang: None };
    let audio = voices.render(&line, ctx.output(0)).map_err(JobError::fatal)?;
    let mut notes: Vec<String> = voices.notes().to_vec();
    notes.extend(audio.notes);
    write_json(ctx, 1, &LineReport { duration_ms: audio.duration_ms, voice: spec.to_string(), notes })
}

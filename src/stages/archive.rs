//! The archive stage as jobs: one `archive.ingest` job per video file, in its own namespace `archive/<id>/`, so
//! adding files never disturbs the jobs of files added before.
//!
//! ```text
//! archive/<id>/ingest ──▶ archive/<id>/analysis.json   (probe, shots, features, cues, warnings; or the file's error)
//!                         archive/<id>/thumbs/*.jpg     (keyframes, written in place as they are made)
//! ```
//! The handler never touches the database: after the run, [`to_import`] turns each analysis into rows that the CLI
//! imports (an import of an unchanged analysis is a no-op, so a killed run is finished by running it again).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::write_json;
use crate::archive::analysis::{self, Analysis, AnalysisOptions, StreamInfo, StreamKind, SubtitleKind};
use crate::archive::describe::describe;
use crate::plan::{JobSpec, Plan, PlanError};
use crate::scheduler::{JobContext, JobError, Registry};
use crate::store::{NewArchiveCue, NewArchiveFile, NewArchiveShot};
use crate::subtitle;

pub const INGEST: &str = "archive.ingest";

/// Extensions taken from folders; a file named directly is always tried.
const VIDEO_EXTENSIONS: &[&str] =
    &["mp4", "m4v", "mkv", "webm", "avi", "mov", "mpg", "mpeg", "ts", "mts", "m2ts", "wmv", "flv", "ogv", "3gp"];
const SUBTITLE_EXTENSIONS: &[&str] = &["srt", "vtt", "ass", "ssa"];

pub fn register(registry: &mut Registry) {
    registry.register(INGEST, ingest);
}

/// One file to ingest, with the subtitles that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub video: PathBuf,
    pub subs: Option<PathBuf>,
}

/// A stable id for a file path: names its job namespace and its folder under `archive/`.
pub fn file_id(video: &Path) -> String {
    crate::hash::bytes(video.to_string_lossy().as_bytes())[..16].to_string()
}

pub fn namespace(id: &str) -> String {
    format!("archive/{id}/")
}

/// The video files under `paths` (see [`super::find_sources`]; folders give the files with a video extension), each
/// with its sidecar subtitles (same name, with `.srt`, `.vtt`, `.ass` or `.ssa`), and a note for each path that
/// cannot be used.
pub fn expand(paths: &[PathBuf]) -> (Vec<Source>, Vec<String>) {
    let (videos, notes) = super::find_sources(paths, &|path| has_extension(path, VIDEO_EXTENSIONS));
    let sources = videos.into_iter().map(|video| Source { subs: sidecar(&video), video }).collect();
    (sources, notes)
}

fn has_extension(path: &Path, extensions: &[&str]) -> bool {
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
}

/// `film.srt` (or .vtt, .ass, .ssa) beside `film.mp4`.
pub fn sidecar(video: &Path) -> Option<PathBuf> {
    SUBTITLE_EXTENSIONS.iter().map(|ext| video.with_extension(ext)).find(|p| p.is_file())
}

/// The one-job plan that ingests `source`.
pub fn plan(source: &Source) -> Result<(String, Plan), PlanError> {
    let id = file_id(&source.video);
    let ns = namespace(&id);
    let mut job = JobSpec::new(format!("{ns}ingest"), INGEST)
        .stage("archive")
        .params(serde_json::json!({ "id": id }))
        .input(&source.video)
        .output(Path::new("archive").join(&id).join("analysis.json"));
    if let Some(subs) = &source.subs {
        job = job.input(subs);
    }
    Ok((ns, Plan::new(vec![job])?))
}

/// A subtitle cue of the file, in milliseconds.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Cue {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
    pub speaker: Option<String>,
}

/// What one ingest job learned, `archive/<id>/analysis.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Ingested {
    pub video: PathBuf,
    /// Why the file could not be analysed at all; it is then skipped.
    pub error: Option<String>,
    pub analysis: Option<Analysis>,
    pub subtitles: Option<PathBuf>,
    pub cues: Vec<Cue>,
    /// Subtitle records skipped or repaired, `file:line: severity: message`, and subtitle files that failed.
    pub diagnostics: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct IngestParams {
    id: String,
}

fn ingest(ctx: &JobContext) -> Result<(), JobError> {
    let p: IngestParams = ctx.params()?;
    let video = ctx.inputs.first().ok_or_else(|| JobError::fatal("archive.ingest needs a video input"))?.clone();
    let subtitles = ctx.inputs.get(1).cloned();
    let thumbs = ctx.workspace.join("archive").join(&p.id).join("thumbs");
    let mut diagnostics = Vec::new();
    let mut cues = Vec::new();
    if let Some(subs) = &subtitles {
        match subtitle::read_file(subs) {
            Ok(parsed) => {
                diagnostics.extend(parsed.diagnostics.iter().map(|d| d.with_file(subs)));
                cues = parsed
                    .cues
                    .into_iter()
                    .map(|c| Cue { start_ms: c.start_ms, end_ms: c.end_ms, text: c.text, speaker: c.speaker })
                    .collect();
            }
            Err(e) => diagnostics.push(e.to_string()),
        }
    }
    let (analysis, error) = match analysis::analyze(&video, &AnalysisOptions::default(), &thumbs) {
        Ok(a) => (Some(a), None),
        Err(e) => (None, Some(e.to_string())),
    };
    if ctx.is_cancelled() {
        return Err(JobError::Cancelled);
    }
    let mut subtitles = subtitles;
    if let (None, Some(analysis)) = (&subtitles, &analysis) {
        let (embedded, notes) = embedded_cues(&video, &analysis.probe.streams);
        diagnostics.extend(notes);
        if let Some((stream, stream_cues)) = embedded {
            subtitles = Some(PathBuf::from(format!("{}#stream{stream}", video.display())));
            cues = stream_cues;
        }
    }
    write_json(ctx, 0, &Ingested { video, error, analysis, subtitles, cues, diagnostics })
}

/// The cues of the container's best text subtitle stream (English first, then the first text stream), with notes
/// on the streams that cannot be read: bitmap subtitles (they would need OCR) and text streams that fail to decode.
fn embedded_cues(video: &Path, streams: &[StreamInfo]) -> (Option<(usize, Vec<Cue>)>, Vec<String>) {
    let mut notes = Vec::new();
    let mut text_streams = Vec::new();
    for stream in streams {
        match stream.kind {
            StreamKind::Subtitle(SubtitleKind::Text) => text_streams.push(stream),
            StreamKind::Subtitle(kind) => notes.push(format!(
                "{}: subtitle stream {} ({}) is {}; skipped",
                video.display(),
                stream.index,
                stream.codec,
                if kind == SubtitleKind::Bitmap { "a bitmap format that would need OCR" } else { "of an unknown kind" }
            )),
            _ => {}
        }
    }
    let english = |s: &&&StreamInfo| s.language.as_deref().is_some_and(|l| matches!(l, "eng" | "en"));
    let preferred = text_streams.iter().find(english).or(text_streams.first());
    let Some(stream) = preferred else { return (None, notes) };
    match analysis::read_subtitle_stream(video, stream.index) {
        Ok(read) => {
            if read.skipped_packets > 0 {
                notes.push(format!(
                    "{}: subtitle stream {}: {} packets without readable text skipped",
                    video.display(),
                    stream.index,
                    read.skipped_packets
                ));
            }
            let cues = read
                .cues
                .into_iter()
                .map(|c| Cue { start_ms: c.start_ms, end_ms: c.end_ms, text: c.text, speaker: c.speaker })
                .collect();
            (Some((stream.index, cues)), notes)
        }
        Err(e) => {
            notes.push(format!("subtitle stream {}: {e}", stream.index));
            (None, notes)
        }
    }
}

/// The rows to import for an ingested file, or `None` when it could not be analysed. `analysis_hash` is the hash of
/// the analysis file, so that importing it twice does nothing.
pub fn to_import(workspace: &Path, ingested: &Ingested, analysis_hash: &str) -> Option<NewArchiveFile> {
    let analysis = ingested.analysis.as_ref()?;
    let probe = &analysis.probe;
    let source = ingested.subtitles.as_ref().map(|p| p.display().to_string()).unwrap_or_default();
    let shots = analysis
        .shots
        .iter()
        .map(|info| {
            let (start_ms, end_ms) = ((info.shot.start_s * 1000.0) as u64, (info.shot.end_s * 1000.0) as u64);
            let dialogue: Vec<&str> = ingested
                .cues
                .iter()
                .filter(|c| c.start_ms < end_ms && c.end_ms > start_ms)
                .map(|c| c.text.as_str())
                .collect();
            let duration = info.shot.end_s - info.shot.start_s;
            NewArchiveShot {
                start_frame: info.shot.start_frame as i64,
                end_frame: info.shot.end_frame as i64,
                start_s: info.shot.start_s,
                end_s: info.shot.end_s,
                boundary: format!("{:?}", info.shot.boundary_kind).to_lowercase(),
                luma: f64::from(info.features.luma_mean),
                contrast: f64::from(info.features.contrast),
                motion: f64::from(info.features.motion),
                colours_json: serde_json::to_string(&info.features.dominant_colours).unwrap_or_default(),
                loudness_lufs: info.loudness_lufs,
                thumbnail: info.thumbnail.as_ref().map(|t| {
                    t.strip_prefix(workspace).map(Path::to_path_buf).unwrap_or_else(|_| t.clone()).display().to_string()
                }),
                description: describe(&info.features, duration, info.loudness_lufs, !dialogue.is_empty()),
                dialogue: dialogue.join(" "),
            }
        })
        .collect();
    Some(NewArchiveFile {
        path: ingested.video.display().to_string(),
        hash: probe.content_hash.clone(),
        analysis_hash: analysis_hash.to_string(),
        duration_s: probe.duration_s,
        fps: probe.fps,
        width: i64::from(probe.width),
        height: i64::from(probe.height),
        has_audio: probe.has_audio,
        streams_json: serde_json::to_string(&probe.streams).unwrap_or_default(),
        warnings_json: serde_json::to_string(&analysis.warnings).unwrap_or_default(),
        shots,
        cues: ingested
            .cues
            .iter()
            .map(|c| NewArchiveCue {
                start_ms: c.start_ms as i64,
                end_ms: c.end_ms as i64,
                text: c.text.clone(),
                speaker: c.speaker.clone(),
                source: source.clone(),
            })
            .collect(),
    })
}

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

use super::archive_embed::FileVectors;
use super::write_json;
use crate::archive::analysis::{self, Analysis, AnalysisOptions, Observer, StreamInfo, StreamKind, SubtitleKind};
use crate::archive::describe::{ShotFacts, describe};
use crate::faces::{Face, FaceDetector, ShotScale};
use crate::plan::{JobSpec, Plan, PlanError};
use crate::scheduler::{JobContext, JobError, Registry};
use crate::store::{NewArchiveCue, NewArchiveFile, NewArchiveShot};
use crate::subtitle;

pub const INGEST: &str = "archive.ingest";

/// The version of what an ingest job measures. It is part of the job's parameters, so raising it (when analysis
/// learns something new, as faces and container subtitles in version 2) re-analyses archives made by an older reel.
pub const ANALYSIS_VERSION: u32 = 2;

/// Extensions taken from folders; a file named directly is always tried.
const VIDEO_EXTENSIONS: &[&str] =
    &["mp4", "m4v", "mkv", "webm", "avi", "mov", "mpg", "mpeg", "ts", "mts", "m2ts", "wmv", "flv", "ogv", "3gp"];
const SUBTITLE_EXTENSIONS: &[&str] = &["srt", "vtt", "ass", "ssa"];

pub fn register(registry: &mut Registry) {
    registry.register(INGEST, ingest);
    registry.register(super::archive_embed::EMBED, super::archive_embed::embed);
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

/// The plan that ingests `source`: its analysis, then (when the embedding model in `model_dir` is installed) its
/// sentence embeddings.
pub fn plan(source: &Source, model_dir: Option<&Path>) -> Result<(String, Plan), PlanError> {
    let id = file_id(&source.video);
    let ns = namespace(&id);
    let ingest = format!("{ns}ingest");
    let mut job = JobSpec::new(&ingest, INGEST)
        .stage("archive")
        .params(serde_json::json!({ "id": id, "version": ANALYSIS_VERSION }))
        .input(&source.video)
        .output(Path::new("archive").join(&id).join("analysis.json"));
    if let Some(subs) = &source.subs {
        job = job.input(subs);
    }
    let mut jobs = vec![job];
    if let Some(model_dir) = model_dir {
        jobs.push(super::archive_embed::job(&ns, &id, &ingest, model_dir));
    }
    Ok((ns, Plan::new(jobs)?))
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
    /// Per shot, the faces found on its keyframe (`None` where it was not searched).
    #[serde(default)]
    pub faces: Vec<Option<KeyframeFaces>>,
}

/// The faces on one shot's keyframe and the keyframe's size, in pixels.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeyframeFaces {
    pub width: u32,
    pub height: u32,
    pub faces: Vec<Face>,
}

impl KeyframeFaces {
    pub fn scale(&self) -> ShotScale {
        ShotScale::from_faces(&self.faces, self.width, self.height)
    }

    /// The largest face's height ÷ the keyframe's height.
    pub fn largest(&self) -> Option<f64> {
        let tallest = self.faces.iter().map(|f| f.height).max()?;
        Some(f64::from(tallest) / f64::from(self.height.max(1)))
    }
}

/// Looks for faces on each keyframe as analysis decodes it.
struct FaceFinder {
    detector: Option<FaceDetector>,
    found: Vec<Option<KeyframeFaces>>,
    failures: Vec<String>,
}

impl Observer for FaceFinder {
    fn keyframe(&mut self, index: usize, _shot: &analysis::Shot, picture: &analysis::RgbFrame) {
        let Some(detector) = &mut self.detector else { return };
        let (Ok(width), Ok(height)) = (u32::try_from(picture.width), u32::try_from(picture.height)) else { return };
        if self.found.len() <= index {
            self.found.resize(index + 1, None);
        }
        match detector.detect(width, height, &picture.data) {
            Ok(faces) => self.found[index] = Some(KeyframeFaces { width, height, faces }),
            Err(e) => self.failures.push(format!("shot {index}: face detection failed: {e}")),
        }
    }
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
    remove_partial_thumbnails(&thumbs);
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
    let mut finder = FaceFinder { detector: None, found: Vec::new(), failures: Vec::new() };
    match FaceDetector::new() {
        Ok(detector) => finder.detector = Some(detector),
        Err(e) => diagnostics.push(format!("faces not searched: {e}")),
    }
    let (analysis, error) = match analysis::analyze_with(&video, &AnalysisOptions::default(), &thumbs, &mut finder) {
        Ok(a) => (Some(a), None),
        Err(e) => (None, Some(e.to_string())),
    };
    diagnostics.extend(finder.failures.iter().map(|f| format!("{}: {f}", video.display())));
    let mut faces = finder.found;
    if let Some(a) = &analysis {
        faces.resize(a.shots.len(), None);
    }
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
    write_json(ctx, 0, &Ingested { video, error, analysis, subtitles, cues, diagnostics, faces })
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

/// Puts `vectors` on the rows of `file` when they were made from this very analysis (same hash, same counts);
/// returns whether they were used.
pub fn attach_vectors(file: &mut NewArchiveFile, vectors: &FileVectors, analysis_hash: &str) -> bool {
    if vectors.analysis != analysis_hash
        || vectors.shots.len() != file.shots.len()
        || vectors.cues.len() != file.cues.len()
    {
        return false;
    }
    for (shot, v) in file.shots.iter_mut().zip(&vectors.shots) {
        shot.vector = Some(crate::embed::to_bytes(v));
    }
    for (cue, v) in file.cues.iter_mut().zip(&vectors.cues) {
        cue.vector = Some(crate::embed::to_bytes(v));
    }
    file.embedding_model = Some(vectors.model.clone());
    true
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
        .enumerate()
        .map(|(idx, info)| {
            let (start_ms, end_ms) = ((info.shot.start_s * 1000.0) as u64, (info.shot.end_s * 1000.0) as u64);
            let linked: Vec<usize> = ingested
                .cues
                .iter()
                .enumerate()
                .filter(|(_, c)| c.start_ms < end_ms && c.end_ms > start_ms)
                .map(|(i, _)| i)
                .collect();
            let dialogue: Vec<&str> = linked.iter().map(|&i| ingested.cues[i].text.as_str()).collect();
            let keyframe = ingested.faces.get(idx).and_then(Option::as_ref);
            let facts = ShotFacts {
                features: &info.features,
                duration_s: info.shot.end_s - info.shot.start_s,
                loudness_lufs: info.loudness_lufs,
                has_dialogue: !dialogue.is_empty(),
                faces: keyframe.map(|k| (k.faces.len(), k.scale())),
            };
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
                description: describe(&facts),
                dialogue: dialogue.join(" "),
                faces: keyframe.map(|k| k.faces.len() as i64),
                face_height: keyframe.and_then(KeyframeFaces::largest),
                scale: keyframe.map(|k| k.scale().to_string()),
                cues: linked,
                vector: None,
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
                vector: None,
            })
            .collect(),
        embedding_model: None,
    })
}

/// Removes the hidden temp files (`.NAME.tmp-…`) an earlier attempt of this file's ingest left in its thumbnail
/// folder when it was killed mid-write. Only this job writes there, and the scheduler runs one attempt at a time.
fn remove_partial_thumbnails(thumbs: &Path) {
    let Ok(entries) = std::fs::read_dir(thumbs) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

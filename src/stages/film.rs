//! Rendering and assembly as jobs: a `film.shot` job per shot of the cut (footage cut from the archive with its
//! voice mixed in, or a title or credits card), and one `film.assemble` job that joins them into the film with its
//! subtitles and interchange files.
//!
//! ```text
//! voice/<n> ──▶ shot/<k> ──▶ shots/<k>.mp4 ─┐
//!                                           ├──▶ assemble ──▶ <name>.mp4 .srt .vtt .edl .otio
//! card ──────▶ shot/<k> ──▶ shots/<k>.mp4 ─┘
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::write_json;
use crate::assemble::{Chapter, Clip, Dialogue, FilmMeta, SourceRange, Timeline, join, write_edl, write_otio};
use crate::assemble::{write_srt, write_vtt};
use crate::plan::JobSpec;
use crate::production::config::FormatConfig;
use crate::render::{CardLine, DEFAULT_FONT, Font, Format, ShotSpec, render_card, render_shot};
use crate::scheduler::{JobContext, JobError, Registry};

pub const SHOT: &str = "film.shot";
pub const ASSEMBLE: &str = "film.assemble";

pub fn register(registry: &mut Registry) {
    registry.register(SHOT, shot);
    registry.register(ASSEMBLE, assemble);
}

/// What one shot of the cut is made of.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CutShot {
    pub position: usize,
    pub scene: usize,
    /// `title`, `establishing`, `action`, `dialogue` or `credits`.
    pub kind: String,
    pub text: String,
    pub character: Option<String>,
    pub duration_s: f64,
    /// The archive footage, for all but cards.
    pub source: Option<PathBuf>,
    pub start_s: f64,
    /// The lines of a card (text, size in px).
    pub card: Vec<(String, f32)>,
    /// Name of the `voice.line` job whose WAV is mixed in, for dialogue...
    pub voice_job: Option<String>,
    /// ...and that WAV, relative to the workspace.
    pub voice_wav: Option<PathBuf>,
    /// The film's frame size and rate (production.toml's `[format]`).
    #[serde(default)]
    pub format: FormatConfig,
    /// The star's face swapped onto the faces of the footage, for the shots of a cast character.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub swap: Option<ShotSwap>,
}

/// A face swap in one shot: the trained model that draws the star's face, and how faces are found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShotSwap {
    /// The face-swap model's folder, relative to the workspace.
    pub model: PathBuf,
    /// The star whose face goes in, and the character the star plays (for the disclosure).
    pub star: String,
    pub character: String,
    /// Run the face detector on every n-th new picture; the tracker predicts between.
    pub detect_every: u32,
}

/// The job rendering `shot` into `dir/shots/<position>.mp4`.
pub fn shot_job(namespace: &str, dir: &Path, shot: &CutShot) -> JobSpec {
    let mut job = JobSpec::new(shot_name(namespace, shot.position), SHOT)
        .stage("render")
        .params(serde_json::to_value(shot).unwrap_or_default())
        .output(segment_path(dir, shot.position));
    if let Some(source) = &shot.source {
        job = job.input(source);
    }
    if let Some(voice) = &shot.voice_job {
        job = job.dep(voice);
    }
    job
}

pub fn shot_name(namespace: &str, position: usize) -> String {
    format!("{namespace}shot/{position:03}")
}

/// The film's metadata and the timeline the assemble job writes out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AssembleParams {
    pub title: String,
    /// The synthetic-media disclosure, also in the credits.
    pub disclosure: String,
    pub artist: String,
    pub shots: Vec<CutShot>,
    #[serde(default)]
    pub format: FormatConfig,
    /// Each shot's rendered segment, relative to the workspace, in the order of `shots`; empty means the outputs of
    /// the job's dependencies, in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<PathBuf>,
}

/// `dir/shots/<position>.mp4`: where the shot job of `position` renders it.
pub fn segment_path(dir: &Path, position: usize) -> PathBuf {
    dir.join("shots").join(format!("{position:03}.mp4"))
}

/// The assemble job: after every shot job of `namespace`, writing `out/<name>.{mp4,srt,vtt,edl,otio}` and
/// `out/cut.json`.
pub fn assemble_job(namespace: &str, out: &Path, name: &str, params: &AssembleParams) -> JobSpec {
    let mut job = JobSpec::new(format!("{namespace}assemble"), ASSEMBLE)
        .stage("assemble")
        .params(serde_json::to_value(params).unwrap_or_default());
    for shot in &params.shots {
        job = job.dep(shot_name(namespace, shot.position));
    }
    assemble_outputs(job, out, name)
}

/// The files an assemble job writes into `out`.
pub fn assemble_outputs(mut job: JobSpec, out: &Path, name: &str) -> JobSpec {
    for ext in ["mp4", "srt", "vtt", "edl", "otio"] {
        job = job.output(out.join(format!("{name}.{ext}")));
    }
    job.output(out.join("cut.json"))
}

fn shot(ctx: &JobContext) -> Result<(), JobError> {
    let shot: CutShot = ctx.params()?;
    let format = render_format(&shot.format);
    let out = ctx.output(0);
    let report = match &shot.source {
        None => {
            let font = Font::load(Path::new(DEFAULT_FONT)).map_err(JobError::fatal)?;
            let lines: Vec<CardLine> =
                shot.card.iter().map(|(text, size)| CardLine { text: text.clone(), size: *size }).collect();
            render_card(&font, &lines, shot.duration_s, &format, out)
        }
        Some(source) => {
            let voice = shot.voice_wav.as_ref().map(|wav| ctx.workspace.join(wav));
            let spec = ShotSpec {
                source: source.clone(),
                start_s: shot.start_s,
                duration_s: shot.duration_s,
                voice,
                voice_delay_s: 0.15,
                duck_db: -14.0,
                archive_gain_db: -6.0,
                fade_s: 0.02,
            };
            match &shot.swap {
                None => render_shot(&spec, &format, out),
                Some(swap) => return super::swap::render(ctx, &spec, &format, swap),
            }
        }
    };
    report.map(|_| ()).map_err(JobError::fatal)
}

/// The render format of a production's frame: its size and rate, with reel's sound and encoder settings.
pub fn render_format(frame: &FormatConfig) -> Format {
    Format {
        width: frame.width,
        height: frame.height,
        fps_num: frame.fps_num,
        fps_den: frame.fps_den,
        ..Format::default()
    }
}

fn assemble(ctx: &JobContext) -> Result<(), JobError> {
    let p: AssembleParams = ctx.params()?;
    let segments = super::segment_files(ctx, &p.segments);
    if segments.len() != p.shots.len() {
        return Err(JobError::fatal(format!("{} shots rendered of {}", segments.len(), p.shots.len())));
    }
    let (timeline, meta) = timeline(&p, &ctx.workspace);
    join(&segments, ctx.output(0), &meta).map_err(JobError::fatal)?;
    let write = |i: usize, text: String| {
        std::fs::write(ctx.output(i), text)
            .map_err(|e| JobError::retryable(format!("cannot write {}: {e}", ctx.output_target(i).display())))
    };
    write(1, write_srt(&timeline))?;
    write(2, write_vtt(&timeline))?;
    write(3, write_edl(&timeline))?;
    write(4, serde_json::to_string_pretty(&write_otio(&timeline)).map_err(JobError::fatal)?)?;
    write_json(ctx, 5, &p)
}

/// The cut as a timeline (record frames at 24 fps, each clip's source range and dialogue) and the film's metadata
/// with a chapter per scene. Voice paths are made absolute under `workspace`.
pub fn timeline(p: &AssembleParams, workspace: &Path) -> (Timeline, FilmMeta) {
    let fps = p.format.fps();
    let mut chapters = Vec::new();
    let mut clips = Vec::new();
    let mut film_s = 0.0;
    let mut frame = 0u64;
    for shot in &p.shots {
        if chapters.last().is_none_or(|c: &(usize, Chapter)| c.0 != shot.scene) {
            let title = match shot.kind.as_str() {
                "title" => "Title".to_string(),
                "credits" => "Credits".to_string(),
                _ => format!("Scene {}", shot.scene),
            };
            chapters.push((shot.scene, Chapter { title, start_s: film_s }));
        }
        let frames = (shot.duration_s * fps).round() as u64;
        let voice_path = shot.voice_wav.as_ref().map(|wav| workspace.join(wav));
        clips.push(Clip {
            name: format!("{}", shot.position),
            scene: shot.scene,
            record_start_frame: frame,
            frames,
            source: shot.source.as_ref().map(|path| SourceRange {
                path: path.clone(),
                start_frame: (shot.start_s * fps).round() as u64,
                fps,
                reel_name: format!("AX{:03}", shot.position),
            }),
            dialogue: (shot.kind == "dialogue").then(|| Dialogue {
                character: shot.character.clone().unwrap_or_default(),
                text: shot.text.clone(),
                start_s: film_s + 0.15,
                end_s: film_s + shot.duration_s,
                voice_path,
            }),
        });
        frame += frames;
        film_s = frame as f64 / fps;
    }
    let timeline = Timeline { title: p.title.clone(), fps_num: p.format.fps_num, fps_den: p.format.fps_den, clips };
    let meta = FilmMeta {
        title: p.title.clone(),
        comment: p.disclosure.clone(),
        artist: p.artist.clone(),
        chapters: chapters.into_iter().map(|(_, c)| c).collect(),
    };
    (timeline, meta)
}

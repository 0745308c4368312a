//! Face swaps in a production, as jobs in the namespace `swap/<name>/`, run after the rough cut is delivered. Per
//! star: the faces of the footage the star's shots use become a face set, a model learns to draw the star's face for
//! them, and those shots are rendered again with the star's face. The credits are redrawn with the disclosure, and
//! the film is cut again from the new shots and the rough cut's others.
//!
//! ```text
//! <star>/extract ──▶ faces/<star>/footage/ ──▶ <star>/train ──▶ faces/<star>/model/ ──▶ shot/<k> ──┐
//!            (the ranges of the star's shots)     (cast/<star>/ is A)                             ├──▶ assemble
//! shot/<credits> (the disclosure) ────────────────────────────────────────────────────────────────┘   (+ storyboard)
//! ```
//! The rough cut's own segments are inputs of the final jobs, not dependencies: they belong to the production's main
//! namespace, which is submitted and run on its own, before this one.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::faces::extract_job;
use super::faces_train::{self, FacesTrainParams};
use super::film::{self, ASSEMBLE, AssembleParams, CutShot, SHOT, ShotSwap, segment_path};
use super::storyboard::{self, StoryboardParams};
use crate::faces::set::{ExtractSettings, SetSource};
use crate::faces::{FaceDetector, FrameSwapper, Settings, SwapReport, SwapSettings};
use crate::faceswap::Swapper;
use crate::faceswap::config::Arch;
use crate::plan::{JobSpec, Plan, PlanError};
use crate::render::{Format, FrameFilter, ShotSpec, render_filtered};
use crate::scheduler::{JobContext, JobError};

/// Resolution of the production's face models.
pub const RESOLUTION: u32 = 64;
/// The detector looks at every n-th new picture of a swapped shot; the tracker predicts the ones between.
pub const DETECT_EVERY: u32 = 3;

pub fn namespace(production: &str) -> String {
    format!("swap/{production}/")
}

/// One star's part: the shots that get the star's face, and the star's face set.
#[derive(Debug, Clone)]
pub struct StarShots {
    pub star: String,
    /// `cast/<star>`, absolute, and its crops.
    pub set: PathBuf,
    pub crops: Vec<PathBuf>,
    pub positions: Vec<usize>,
    /// The star's set was cut upright: the footage's is cut the same way, so the pair can train one model.
    pub upright: bool,
}

/// What the face-swap plan is made from.
#[derive(Debug, Clone)]
pub struct SwapPlan<'a> {
    pub production: &'a str,
    /// `productions/<name>`, relative to the workspace: the final cut goes here.
    pub dir: &'a Path,
    /// The rough cut.
    pub rough: &'a AssembleParams,
    pub stars: Vec<StarShots>,
    /// Training time per star.
    pub minutes: f64,
    pub seed: u64,
    /// The final cut's credits and disclosure.
    pub credits: Vec<(String, f32)>,
    pub disclosure: String,
}

/// `productions/<name>/faces/<star>`: the footage's face set and the model of one star.
pub fn star_dir(dir: &Path, star: &str) -> PathBuf {
    dir.join("faces").join(star)
}

/// `productions/<name>/faces/shots/<k>.mp4`: the swapped segment of shot `position` (and the final credits).
pub fn segment(dir: &Path, position: usize) -> PathBuf {
    segment_path(&dir.join("faces"), position)
}

/// The swap report of shot `position`, beside its swapped segment.
pub fn report_path(dir: &Path, position: usize) -> PathBuf {
    segment(dir, position).with_extension("json")
}

/// The jobs of the face-swap pass and the final cut: a plan for [`namespace`].
pub fn plan(p: &SwapPlan) -> Result<Plan, PlanError> {
    let ns = namespace(p.production);
    let final_dir = p.dir.join("faces");
    let mut jobs = Vec::new();
    let mut shots: Vec<CutShot> = p.rough.shots.clone();
    // The rough cut's segments are the main namespace's, in `dir/shots/`.
    let mut segments: Vec<PathBuf> = shots.iter().map(|s| segment_path(p.dir, s.position)).collect();
    let mut made: Vec<String> = Vec::new();
    for star in &p.stars {
        let dir = star_dir(p.dir, &star.star);
        let footage = dir.join("footage");
        let sources: Vec<SetSource> = star
            .positions
            .iter()
            .filter_map(|&k| {
                let s = &shots[k];
                let path = s.source.clone()?;
                Some(SetSource { path, range_s: Some((s.start_s, s.start_s + s.duration_s)) })
            })
            .collect();
        // Every other frame: neighbours are near-duplicates the set would drop anyway, and a 720p search costs
        // about 0.2 s (the demo's footage set: 123 s on every frame).
        let settings = ExtractSettings {
            resolution: RESOLUTION,
            detect_every: 2,
            upright: star.upright,
            ..ExtractSettings::default()
        };
        let extract = format!("{ns}{}/extract", star.star);
        jobs.push(extract_job(
            extract.clone(),
            &format!("the footage of {}'s shots", star.star),
            &footage,
            &sources,
            &settings,
        ));
        let model = dir.join("model");
        let params = FacesTrainParams {
            model: format!("{}-{}", p.production, star.star),
            a: star.set.clone(),
            b: footage.clone(),
            resolution: RESOLUTION,
            arch: Arch::FOR_NEW_MODELS,
            steps: None,
            minutes: Some(p.minutes),
            gan_weight: 0.1,
            code_weight: 0.0,
            face_weight: 0.0,
            detail_weight: 0.0,
            preview_every: 50,
            seed: p.seed,
            resume: false,
        };
        // B's crops exist only once the extract job ran: its manifest (the dependency's result) stands for them.
        let train = format!("{ns}{}/train", star.star);
        jobs.push(faces_train::job(train.clone(), &model, &params, &star.crops).dep(&extract));
        for &k in &star.positions {
            let shot = &mut shots[k];
            shot.swap = Some(ShotSwap {
                model: model.clone(),
                star: star.star.clone(),
                character: shot.character.clone().unwrap_or_default(),
                detect_every: DETECT_EVERY,
            });
            let segment = segment(p.dir, k);
            let mut job = JobSpec::new(film::shot_name(&ns, k), SHOT)
                .stage("faces")
                .params(serde_json::to_value(&*shot).unwrap_or_default())
                .dep(&train)
                .output(&segment)
                .output(report_path(p.dir, k));
            job = job.inputs(shot.source.iter().chain(&shot.voice_wav));
            jobs.push(job);
            made.push(film::shot_name(&ns, k));
            segments[k] = segment;
        }
    }
    // The credits, with the faces in the disclosure.
    if let Some(credits) = shots.iter_mut().find(|s| s.kind == "credits") {
        credits.card = p.credits.clone();
        jobs.push(film::shot_job(&ns, &final_dir, credits));
        made.push(film::shot_name(&ns, credits.position));
        segments[credits.position] = segment(p.dir, credits.position);
    }
    let inputs: Vec<&PathBuf> = segments.iter().filter(|s| !s.starts_with(&final_dir)).collect();
    let params = AssembleParams {
        title: p.rough.title.clone(),
        disclosure: p.disclosure.clone(),
        artist: p.rough.artist.clone(),
        shots: shots.clone(),
        format: p.rough.format,
        segments: segments.clone(),
    };
    let mut assemble = JobSpec::new(format!("{ns}assemble"), ASSEMBLE)
        .stage("assemble")
        .params(serde_json::to_value(&params).unwrap_or_default());
    assemble = film::assemble_outputs(assemble, p.dir, p.production);
    let mut board = storyboard::storyboard_job_of(
        format!("{ns}storyboard"),
        p.dir,
        &StoryboardParams::of(&p.rough.title, &shots).with_segments(segments.clone()),
    );
    for name in &made {
        assemble = assemble.dep(name);
        board = board.dep(name);
    }
    assemble = assemble.inputs(inputs.iter().copied());
    board = board.inputs(inputs.iter().copied());
    jobs.push(assemble);
    jobs.push(board);
    Plan::new(jobs)
}

/// A shot job with a face swap: the shot rendered with every new picture passed through the star's model, and the
/// swap's report (`output(1)`).
pub(super) fn render(ctx: &JobContext, spec: &ShotSpec, format: &Format, swap: &ShotSwap) -> Result<(), JobError> {
    let model = ctx.workspace.join(&swap.model);
    let swapper = Swapper::load(&model).map_err(JobError::fatal)?;
    // The film's pictures are at least twice the archive's keyframes, so the detector needs no enlarging; faces under
    // 6 % of the picture height are too small to swap well.
    let detector = FaceDetector::with_settings(Settings { upscale: 1, min_face_fraction: 0.06, ..Settings::default() })
        .map_err(JobError::fatal)?;
    // The character is one person: the largest face in the picture (the speaker, in a dialogue shot's footage).
    let settings = SwapSettings {
        detect_every: swap.detect_every,
        max_faces: 1,
        upright: swapper.upright(),
        ..SwapSettings::default()
    };
    let swapper = FrameSwapper::new(detector, Box::new(swapper), settings).map_err(JobError::fatal)?;
    let mut filter = SwapFilter { swapper, cancelled: false, ctx };
    let started = std::time::Instant::now();
    let rendered = render_filtered(spec, format, ctx.output(0), Some(&mut filter));
    if filter.cancelled {
        return Err(JobError::Cancelled);
    }
    let rendered = rendered.map_err(JobError::fatal)?;
    let (report, tracks) = filter.swapper.finish();
    let out = ShotSwapReport {
        star: swap.star.clone(),
        character: swap.character.clone(),
        frames: rendered.frames,
        wall_s: started.elapsed().as_secs_f64(),
        tracks: tracks.len(),
        swap: report,
    };
    super::write_json(ctx, 1, &out)
}

/// What the swap did in one shot: `shots/<k>.json` beside the swapped segment.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ShotSwapReport {
    pub star: String,
    pub character: String,
    /// Frames of the shot.
    pub frames: u64,
    /// Seconds the whole render took, decode and encode included.
    pub wall_s: f64,
    /// Confirmed face tracks.
    pub tracks: usize,
    /// Pictures swapped, and the detector's, model's and blend's time.
    pub swap: SwapReport,
}

/// The face swap as the renderer's picture filter.
struct SwapFilter<'a> {
    swapper: FrameSwapper,
    cancelled: bool,
    ctx: &'a JobContext,
}

impl FrameFilter for SwapFilter<'_> {
    fn apply(&mut self, frame: u64, time_s: f64, picture: &mut image::RgbImage) -> Result<(), String> {
        if self.ctx.is_cancelled() {
            self.cancelled = true;
            return Err("cancelled".into());
        }
        self.swapper.swap_frame(frame, time_s, picture).map(|_| ()).map_err(|e| e.to_string())
    }
}

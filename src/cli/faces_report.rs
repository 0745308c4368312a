//! `reel faces report VIDEO|MODEL`: the tracker's jitter (and a swap's flicker) on a video, or a trained model's
//! held-out SSIM crop by crop.

use std::path::{Path, PathBuf};

use super::Exit;
use crate::faces::report::{FacesReport, measure};
use crate::faces::{DEFAULT_MARGIN, Settings, TrackSettings};
use crate::faceswap::checkpoint;
use crate::faceswap::eval::{self, IdentityReport, ModelReport};
use crate::workspace::Workspace;

/// Held-out crops listed per identity in the text report, worst first (`--json` has them all).
const WORST_SHOWN: usize = 10;

pub fn report(
    workspace: &Workspace,
    target: &Path,
    swapped: Option<&Path>,
    upscale: u32,
    json: bool,
) -> anyhow::Result<Exit> {
    match model_dir(workspace, target)? {
        Some(dir) => {
            if swapped.is_some() {
                anyhow::bail!("--swapped is for a video; {} is a face-swap model", target.display());
            }
            model_report(&dir, json)
        }
        None => video_report(target, swapped, upscale, json),
    }
}

/// The model folder `target` names: a folder holding a model's `config.json`, or the name of a model in the
/// workspace (`models/NAME/`). `None` when it is neither, and so is taken as a video.
fn model_dir(workspace: &Workspace, target: &Path) -> anyhow::Result<Option<PathBuf>> {
    let is_model = |dir: &Path| dir.join(checkpoint::CONFIG).is_file();
    if target.is_dir() {
        if !is_model(target) {
            anyhow::bail!(
                "{} is a folder but not a face-swap model (it has no {}); give a video or a model",
                target.display(),
                checkpoint::CONFIG
            );
        }
        return Ok(Some(target.to_path_buf()));
    }
    let named = workspace.root().join("models").join(target);
    let bare_name = target.components().count() == 1 && !target.exists();
    Ok((bare_name && is_model(&named)).then_some(named))
}

fn model_report(dir: &Path, json: bool) -> anyhow::Result<Exit> {
    let r: ModelReport = eval::inspect(dir)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(Exit::Success);
    }
    println!(
        "model {}: {} {} px{}, {} steps in {:.1} min of training (GAN weight {}, code weight {}, face weight {}, \
         detail weight {})",
        r.dir.display(),
        r.arch.name().to_uppercase(),
        r.resolution,
        if r.upright { " upright" } else { "" },
        r.step,
        r.elapsed_secs / 60.0,
        r.gan_weight,
        r.code_weight,
        r.face_weight,
        r.detail_weight
    );
    match r.ssim_075 {
        Some((step, secs)) => println!("  held-out SSIM reached 0.75 for both at step {step}, after {secs:.0} s"),
        None => println!("  held-out SSIM has not reached 0.75 for both"),
    }
    for id in [&r.a, &r.b] {
        print_identity(id);
    }
    Ok(Exit::Success)
}

fn print_identity(id: &IdentityReport) {
    println!(
        "{} ({}): {} crops, {} held out; SSIM held out {:.3} (face {:.3}), training crops {:.3} (face {:.3}); \
         sharpness {:.0} (the crops: {:.0})",
        id.side.name().to_uppercase(),
        id.set.display(),
        id.crops,
        id.held_out.len(),
        id.ssim,
        id.ssim_face,
        id.ssim_train,
        id.ssim_face_train,
        id.sharpness,
        id.sharpness_real
    );
    let mut worst: Vec<_> = id.held_out.iter().collect();
    worst.sort_by(|x, y| x.ssim.total_cmp(&y.ssim));
    for c in worst.iter().take(WORST_SHOWN) {
        let name = c.file.file_name().map_or_else(|| c.file.display().to_string(), |n| n.to_string_lossy().into());
        println!("  {name}  {:.3}  face {:.3}", c.ssim, c.ssim_face);
    }
    if worst.len() > WORST_SHOWN {
        println!("  … {} more (--json lists every crop)", worst.len() - WORST_SHOWN);
    }
}

fn video_report(video: &Path, swapped: Option<&Path>, upscale: u32, json: bool) -> anyhow::Result<Exit> {
    let detector = Settings { upscale, ..Settings::default() };
    let r: FacesReport = measure(video, swapped, detector, TrackSettings::default(), DEFAULT_MARGIN)?;
    if json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(Exit::Success);
    }
    println!(
        "{}: {}x{}, {} frames at {:.2} fps; faces on {} frames ({} detections, mean {:.0} px tall), {} tracks",
        r.tracked.display(),
        r.width,
        r.height,
        r.frames,
        r.fps,
        r.frames_with_faces,
        r.detections,
        r.mean_face_px,
        r.tracks
    );
    println!(
        "jitter (mean |second difference| of the box centre): raw {:.3} px/frame, smoothed {:.3} px/frame ({:.1}x less)",
        r.jitter.raw, r.jitter.smoothed, r.jitter.reduction
    );
    for t in &r.jitter.tracks {
        println!(
            "  track {}: {} frames, {:.0} px, raw {:.3}, smoothed {:.3}",
            t.track, t.frames, t.face_px, t.raw, t.smoothed
        );
    }
    if let (Some(f), Some(s)) = (r.flicker, &r.swapped) {
        println!(
            "flicker in the face regions of {} (mean |frame-to-frame difference|, 0-255): swapped {:.3}, original {:.3}, \
             added {:+.3}",
            s.display(),
            f.swapped,
            f.original,
            f.added
        );
    }
    println!("detection: {:.1} ms/frame", 1000.0 * r.detect_s / r.frames.max(1) as f64);
    Ok(Exit::Success)
}

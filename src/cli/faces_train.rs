//! `reel faces train`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::config::FacesTrainRequest;
use super::{Exit, run_jobs};
use crate::faceswap::faceset;
use crate::scheduler::{Registry, SchedulerConfig};
use crate::stages::faces_train::{self as stage, FacesTrainParams, Report};
use crate::store::{OpenMode, Scope, Store};
use crate::workspace::Workspace;

/// A face set given as a folder, or as the name of a cast member (`cast/NAME/` in the workspace).
fn resolve_set(workspace: &Workspace, flag: &str, given: &str) -> anyhow::Result<PathBuf> {
    let cast = workspace.root().join("cast").join(given);
    let dir = if Path::new(given).is_dir() {
        PathBuf::from(given)
    } else if !given.contains('/') && cast.is_dir() {
        cast
    } else {
        anyhow::bail!(
            "{flag} {given:?}: no such face-set folder, and no cast member {given:?} ({} is missing); make one \
             with `reel cast add`",
            cast.display()
        );
    };
    std::fs::canonicalize(&dir).with_context(|| format!("{flag}: cannot resolve {}", dir.display()))
}

pub async fn train(
    workspace: &Workspace,
    registry: Registry,
    request: FacesTrainRequest,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Exit> {
    let a = resolve_set(workspace, "--a", &request.a)?;
    let b = resolve_set(workspace, "--b", &request.b)?;
    let (a_crops, b_crops) = (faceset::crop_files(&a)?, faceset::crop_files(&b)?);
    for (flag, dir, crops) in [("--a", &a, &a_crops), ("--b", &b, &b_crops)] {
        if crops.is_empty() {
            anyhow::bail!("{flag}: face set {} has no PNG crops", dir.display());
        }
    }
    let model = request.model;
    let params = FacesTrainParams {
        model: model.to_string(),
        a,
        b,
        resolution: request.resolution,
        arch: request.arch,
        steps: request.steps,
        minutes: request.minutes,
        gan_weight: request.gan_weight,
        code_weight: request.code_weight,
        face_weight: request.face_weight,
        detail_weight: request.detail_weight,
        preview_every: request.preview_every,
        seed: request.seed,
        resume: request.resume,
    };
    let store = Store::open(workspace.db(), OpenMode::Create).await?;
    store.submit(None, &stage::namespace(&model), &stage::plan(&params, &a_crops, &b_crops)?).await?;
    let scope = Scope::library(&stage::namespace(&model));
    let summary = run_jobs(&store, registry, workspace, scheduler, scope.clone(), plain).await?;
    if summary.cancelled {
        eprintln!(
            "stopped; `reel faces train` with the same settings (or `reel resume`) continues from the last checkpoint"
        );
        return Ok(Exit::Interrupted);
    }
    if store.status(&scope).await?.total().failed > 0 {
        eprintln!("training failed; `reel status` shows why");
        return Ok(Exit::Failures);
    }
    let dir = workspace.root().join(stage::dir(&model));
    let path = dir.join("report.json");
    let report: Report =
        serde_json::from_slice(&std::fs::read(&path)?).with_context(|| format!("{} is damaged", path.display()))?;
    let ssim = report.held_out.map_or("n/a".to_string(), |e| format!("A {:.3}, B {:.3}", e.ssim_a, e.ssim_b));
    println!(
        "model {model}: {} {} px, {} steps on {} + {} crops (GAN weight {}); held-out SSIM {ssim}; {:.2} steps/s",
        report.arch.name().to_uppercase(),
        report.resolution,
        report.steps,
        report.crops_a,
        report.crops_b,
        report.gan_weight,
        report.steps_per_s
    );
    if let Some((step, secs)) = report.ssim_075 {
        println!("  held-out SSIM reached 0.75 for both at step {step}, after {:.0} s of training", secs);
    }
    println!(
        "  {}  (preview: {}, loss curve: {})",
        dir.display(),
        dir.join("preview.png").display(),
        dir.join("loss.png").display()
    );
    Ok(Exit::Success)
}

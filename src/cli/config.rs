//! The validated configuration: every value a user gave has been checked here, with an error that names it.

use std::time::Duration;

use super::args::{
    ArchArg, ArchiveCommand, BriefArgs, CastCommand, Cli, Command, CorpusCommand, ExtractArgs, FacesCommand,
    GlobalArgs, PresetArg, RunArgs, ScaleArg, ShotFilters, ShotsCommand, TokenizerArg, VoiceCommand,
};
use crate::archive::search::Ranking;
use crate::faces::ShotScale;
use crate::name::{NameError, ProductionName, Slug};
use crate::scheduler::SchedulerConfig;
use crate::workspace::Workspace;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error(transparent)]
    Name(#[from] NameError),
    #[error("--workers must be at least 1 (got {0})")]
    Workers(usize),
    #[error("--lease-secs must be at least 1")]
    Lease,
    #[error("--subs goes with exactly one video file (got {0} paths)")]
    SubsWithMany(usize),
    #[error(transparent)]
    Voice(#[from] crate::voice::VoiceError),
    #[error("--set {0:?} should be CHARACTER=SPEC, like --set \"ANN=espeak:en-us+f3\"")]
    BadSet(String),
    #[error("--temperature must be between 0 and 5, and --top-p above 0 and at most 1")]
    Sampling,
    #[error("--pages must be between 1 and 120")]
    Pages,
    #[error("--deadline {0:?} is not a duration such as 48h, 2h, 90m or 1h30m")]
    Duration(String),
    #[error("--minutes must be more than 0 (got {0})")]
    Minutes(f64),
    #[error("--steps and --batch must be at least 1")]
    Zero,
    #[error("--lr must be a positive number (got {0})")]
    LearningRate(f64),
    #[error("--text {}: no such file", .0.display())]
    TextFile(std::path::PathBuf),
    #[error("--limit must be at least 1 (got {0})")]
    Limit(i64),
    #[error("--face-minutes must be a number of minutes above 0 (got {0})")]
    FaceMinutes(f64),
    #[error("--star is empty: give a cast name, a video or a folder")]
    EmptyStar,
    #[error("{0} must be a number ≥ 0 (got {1})")]
    Weight(&'static str, f64),
    #[error("--res must be 64 or 128 (got {0})")]
    FaceResolution(u32),
    #[error("--preview-every must be at least 1")]
    PreviewEvery,
    #[error("--val-fraction must be between 0 and 0.5 (got {0})")]
    ValFraction(f64),
    #[error("--res must be 64 or 128, --detect-every and --min-track-faces at least 1, and --upscale between 1 and 4")]
    FaceSettings,
    #[error("cannot resolve the database path {path}: {source}")]
    DbPath {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Debug)]
pub struct Config {
    pub workspace: Workspace,
    pub log: String,
    pub plain: bool,
    pub action: Action,
}

#[derive(Debug)]
pub enum Action {
    Status {
        production: Option<ProductionName>,
        json: bool,
    },
    Resume {
        production: Option<ProductionName>,
        scheduler: SchedulerConfig,
    },
    Productions {
        json: bool,
    },
    CorpusAdd {
        name: Slug,
        paths: Vec<std::path::PathBuf>,
        settings: CorpusSettings,
        scheduler: SchedulerConfig,
    },
    CorpusList {
        json: bool,
    },
    ArchiveAdd {
        paths: Vec<std::path::PathBuf>,
        subs: Option<std::path::PathBuf>,
        scheduler: SchedulerConfig,
    },
    ArchiveStats {
        json: bool,
    },
    ArchiveList {
        json: bool,
    },
    VoiceSay {
        text: String,
        voice: crate::voice::VoiceSpec,
        parenthetical: Option<String>,
        output: std::path::PathBuf,
    },
    VoiceList,
    VoiceCast {
        production: ProductionName,
        /// (character, voice) pairs to write into production.toml.
        set: Vec<(String, crate::voice::VoiceSpec)>,
        script: Option<std::path::PathBuf>,
        json: bool,
    },
    Write {
        model: Slug,
        brief: crate::screenplay::Brief,
        options: crate::screenplay::WriteOptions,
        output: Option<std::path::PathBuf>,
    },
    Produce {
        name: ProductionName,
        script: std::path::PathBuf,
        star: StarRequest,
        scheduler: SchedulerConfig,
    },
    Challenge {
        name: ProductionName,
        model: Slug,
        brief: crate::screenplay::Brief,
        options: crate::screenplay::WriteOptions,
        deadline: Duration,
        archive: Vec<std::path::PathBuf>,
        star: StarRequest,
        scheduler: SchedulerConfig,
    },
    Demo {
        name: ProductionName,
        face_minutes: f64,
        scheduler: SchedulerConfig,
    },
    Train {
        params: crate::stages::train::TrainParams,
        scheduler: SchedulerConfig,
    },
    FacesTrain {
        request: FacesTrainRequest,
        scheduler: SchedulerConfig,
    },
    ShotsQuery {
        query: crate::store::ShotQuery,
        production: Option<ProductionName>,
        ranking: crate::archive::search::Ranking,
        format: Format,
    },
    ShotsShow {
        id: i64,
        json: bool,
    },
    ShotsList {
        production: ProductionName,
        json: bool,
    },
    ShotsExplain {
        production: ProductionName,
        position: i64,
        json: bool,
    },
    ShotsSheet {
        query: crate::store::ShotQuery,
        production: Option<ProductionName>,
        columns: usize,
        output: std::path::PathBuf,
    },
    CorpusStats {
        name: Slug,
        json: bool,
    },
    CastAdd {
        name: Slug,
        paths: Vec<std::path::PathBuf>,
        settings: crate::faces::set::ExtractSettings,
        scheduler: SchedulerConfig,
    },
    CastList {
        json: bool,
    },
    FacesExtract {
        source: String,
        output: std::path::PathBuf,
        limit: i64,
        settings: crate::faces::set::ExtractSettings,
    },
    FacesSwap {
        input: std::path::PathBuf,
        model: Slug,
        output: std::path::PathBuf,
        detect_every: u32,
        upscale: u32,
        json: bool,
    },
    FacesReport {
        target: std::path::PathBuf,
        swapped: Option<std::path::PathBuf>,
        upscale: u32,
        json: bool,
    },
}

/// `reel faces train` validated, with the face sets still as given (a folder or a cast name; `cli/faces.rs`
/// resolves them against the workspace).
#[derive(Debug, Clone)]
pub struct FacesTrainRequest {
    pub a: String,
    pub b: String,
    pub model: Slug,
    pub resolution: u32,
    pub arch: crate::faceswap::config::Arch,
    pub steps: Option<u64>,
    pub minutes: Option<f64>,
    pub gan_weight: f64,
    pub code_weight: f64,
    pub face_weight: f64,
    pub detail_weight: f64,
    pub preview_every: u64,
    pub seed: u64,
    pub resume: bool,
}

/// How a listing is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Csv,
}

/// Corpus settings given on the command line; `None` keeps the corpus's current value (or the default).
#[derive(Debug, Clone, Copy, Default)]
pub struct CorpusSettings {
    pub val_fraction: Option<f64>,
    pub turn_gap_ms: Option<u64>,
    pub scene_gap_ms: Option<u64>,
}

impl Config {
    pub fn from_cli(cli: Cli) -> Result<Config, ConfigError> {
        let Cli { global: GlobalArgs { db, log, plain }, command } = cli;
        let workspace = Workspace::for_db(&db).map_err(|source| ConfigError::DbPath { path: db.clone(), source })?;
        let action = match command {
            Command::Status { production, json } => Action::Status { production: parse_name(production)?, json },
            Command::Resume { production, run } => {
                Action::Resume { production: parse_name(production)?, scheduler: scheduler_config(&run)? }
            }
            Command::Productions { json } => Action::Productions { json },
            Command::Corpus { command } => corpus_action(command)?,
            Command::Archive { command: ArchiveCommand::Add { paths, subs, run } } => {
                if subs.is_some() && paths.len() != 1 {
                    return Err(ConfigError::SubsWithMany(paths.len()));
                }
                Action::ArchiveAdd { paths, subs, scheduler: scheduler_config(&run)? }
            }
            Command::Archive { command: ArchiveCommand::List { json } } => Action::ArchiveList { json },
            Command::Archive { command: ArchiveCommand::Stats { json } } => Action::ArchiveStats { json },
            Command::Shots { command } => shots_action(command)?,
            Command::Cast { command } => cast_action(command)?,
            Command::Voice { command: VoiceCommand::Say { text, voice, parenthetical, output } } => {
                Action::VoiceSay { text, voice: voice.parse()?, parenthetical, output }
            }
            Command::Voice { command: VoiceCommand::List } => Action::VoiceList,
            Command::Voice { command: VoiceCommand::Cast { production, set, script, json } } => {
                let set = set
                    .iter()
                    .map(|pair| match pair.split_once('=') {
                        Some((character, spec)) if !character.trim().is_empty() => {
                            Ok((character.trim().to_string(), spec.parse()?))
                        }
                        _ => Err(ConfigError::BadSet(pair.clone())),
                    })
                    .collect::<Result<_, ConfigError>>()?;
                Action::VoiceCast { production: ProductionName::parse(&production)?, set, script, json }
            }
            Command::Write { brief, output } => {
                let (model, brief, options) = brief_config(brief)?;
                Action::Write { model, brief, options, output }
            }
            Command::Challenge { name, brief, deadline, archive, faces, run } => {
                let (model, brief, options) = brief_config(brief)?;
                Action::Challenge {
                    name: ProductionName::parse(&name)?,
                    model,
                    brief,
                    options,
                    deadline: parse_duration(&deadline)?,
                    archive,
                    star: star_request(faces)?,
                    scheduler: scheduler_config(&run)?,
                }
            }
            Command::Demo { name, face_minutes, run } => Action::Demo {
                name: ProductionName::parse(&name)?,
                face_minutes: face_minutes_value(face_minutes)?,
                scheduler: scheduler_config(&run)?,
            },
            Command::Produce { name, script, faces, run } => Action::Produce {
                name: ProductionName::parse(&name)?,
                script,
                star: star_request(faces)?,
                scheduler: scheduler_config(&run)?,
            },
            Command::Faces { command } => faces_action(command)?,
            Command::Train {
                corpus,
                text,
                arch,
                preset,
                steps,
                minutes,
                model,
                seed,
                batch,
                lr,
                tokenizer,
                vocab,
                resume,
                run,
            } => {
                if let Some(m) = minutes.filter(|m| m.is_nan() || *m <= 0.0) {
                    return Err(ConfigError::Minutes(m));
                }
                if steps == Some(0) || batch == Some(0) {
                    return Err(ConfigError::Zero);
                }
                if let Some(lr) = lr.filter(|lr| !(lr.is_finite() && *lr > 0.0)) {
                    return Err(ConfigError::LearningRate(lr));
                }
                let (corpus, text) = match (corpus, text) {
                    (_, Some(path)) => {
                        let path = std::path::absolute(&path).map_err(|_| ConfigError::TextFile(path.clone()))?;
                        if !path.is_file() {
                            return Err(ConfigError::TextFile(path));
                        }
                        let stem = path.file_stem().map(|s| s.to_string_lossy().to_lowercase()).unwrap_or_default();
                        (stem, Some(path))
                    }
                    (Some(corpus), None) => (Slug::parse_for("corpus", &corpus)?.to_string(), None),
                    (None, None) => return Err(ConfigError::TextFile(std::path::PathBuf::new())),
                };
                let model = Slug::parse_for("model", model.as_deref().unwrap_or(corpus.as_str()))?;
                let params = crate::stages::train::TrainParams {
                    model: model.to_string(),
                    corpus,
                    text,
                    arch: match arch {
                        ArchArg::Lstm => crate::lm::Arch::Lstm,
                        ArchArg::Gpt => crate::lm::Arch::Gpt,
                    },
                    preset: match preset {
                        PresetArg::Tiny => crate::lm::Preset::Tiny,
                        PresetArg::Small => crate::lm::Preset::Small,
                        PresetArg::Base => crate::lm::Preset::Base,
                    },
                    steps,
                    minutes,
                    batch,
                    lr,
                    tokenizer: match tokenizer {
                        TokenizerArg::Char => crate::lm::TokenizerKind::Char,
                        TokenizerArg::Bpe => crate::lm::TokenizerKind::Bpe,
                    },
                    vocab,
                    seed,
                    resume,
                };
                Action::Train { params, scheduler: scheduler_config(&run)? }
            }
        };
        Ok(Config { workspace, log, plain, action })
    }
}

fn shots_action(command: ShotsCommand) -> Result<Action, ConfigError> {
    Ok(match command {
        ShotsCommand::Query { text, filters, semantic, bm25, limit, json, csv } => {
            let format = if json {
                Format::Json
            } else if csv {
                Format::Csv
            } else {
                Format::Text
            };
            let ranking = match (&semantic, bm25) {
                (Some(_), _) => Ranking::Semantic,
                (None, true) => Ranking::Bm25,
                (None, false) => Ranking::Hybrid,
            };
            let production = parse_name(filters.production.clone())?;
            let query = shot_query(semantic.or(text), filters, limit)?;
            Action::ShotsQuery { query, production, ranking, format }
        }
        ShotsCommand::Show { id, json } => Action::ShotsShow { id, json },
        ShotsCommand::Explain { production, shot, json } => {
            Action::ShotsExplain { production: ProductionName::parse(&production)?, position: shot, json }
        }
        ShotsCommand::List { production, json } => {
            Action::ShotsList { production: ProductionName::parse(&production)?, json }
        }
        ShotsCommand::Sheet { text, filters, limit, columns, output } => {
            let production = parse_name(filters.production.clone())?;
            let query = shot_query(text, filters, limit)?;
            Action::ShotsSheet { query, production, columns: columns.max(1), output }
        }
    })
}

/// The store's query for a search text, the shot filters and a limit.
fn shot_query(text: Option<String>, f: ShotFilters, limit: i64) -> Result<crate::store::ShotQuery, ConfigError> {
    if limit < 1 {
        return Err(ConfigError::Limit(limit));
    }
    let scale = f.scale.map(|s| {
        match s {
            ScaleArg::Close => ShotScale::Close,
            ScaleArg::Medium => ShotScale::Medium,
            ScaleArg::Wide => ShotScale::Wide,
        }
        .to_string()
    });
    Ok(crate::store::ShotQuery {
        text,
        min_dur: f.min_dur,
        max_dur: f.max_dur,
        dark: f.dark,
        bright: f.bright,
        source: f.source,
        min_faces: f.min_faces,
        scale,
        production: None,
        limit,
    })
}

fn corpus_action(command: CorpusCommand) -> Result<Action, ConfigError> {
    Ok(match command {
        CorpusCommand::Add { name, paths, val_fraction, turn_gap_ms, scene_gap_ms, run } => {
            if let Some(f) = val_fraction.filter(|f| !(0.0..=0.5).contains(f)) {
                return Err(ConfigError::ValFraction(f));
            }
            Action::CorpusAdd {
                name: Slug::parse_for("corpus", &name)?,
                paths,
                settings: CorpusSettings { val_fraction, turn_gap_ms, scene_gap_ms },
                scheduler: scheduler_config(&run)?,
            }
        }
        CorpusCommand::List { json } => Action::CorpusList { json },
        CorpusCommand::Stats { name, json } => Action::CorpusStats { name: Slug::parse_for("corpus", &name)?, json },
    })
}

/// The model, brief and writing options of `reel write` and `reel challenge`, checked.
fn brief_config(
    b: BriefArgs,
) -> Result<(Slug, crate::screenplay::Brief, crate::screenplay::WriteOptions), ConfigError> {
    if !((0.0..=5.0).contains(&b.temperature) && b.top_p > 0.0 && b.top_p <= 1.0) {
        return Err(ConfigError::Sampling);
    }
    if !(1..=120).contains(&b.pages) {
        return Err(ConfigError::Pages);
    }
    let model = Slug::parse_for("model", &b.model)?;
    let author = format!("reel (model {model})");
    let brief = crate::screenplay::Brief { title: b.title, line: b.line, prop: b.prop };
    let options = crate::screenplay::WriteOptions {
        seed: b.seed,
        temperature: b.temperature,
        top_p: b.top_p,
        pages: b.pages,
        author,
    };
    Ok((model, brief, options))
}

/// `48h`, `2h`, `90m`, `45s`, or a mix such as `1h30m`.
/// Who plays the lead, as asked on the command line; the star is resolved (and its face set made) when the command
/// runs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StarRequest {
    pub star: Option<String>,
    pub face_minutes: Option<f64>,
}

fn star_request(args: super::args::StarArgs) -> Result<StarRequest, ConfigError> {
    let face_minutes = args.face_minutes.map(face_minutes_value).transpose()?;
    if args.star.as_deref().is_some_and(|s| s.trim().is_empty()) {
        return Err(ConfigError::EmptyStar);
    }
    Ok(StarRequest { star: args.star, face_minutes })
}

fn face_minutes_value(minutes: f64) -> Result<f64, ConfigError> {
    if minutes.is_finite() && minutes > 0.0 && minutes <= 10_000.0 {
        Ok(minutes)
    } else {
        Err(ConfigError::FaceMinutes(minutes))
    }
}

pub fn parse_duration(text: &str) -> Result<Duration, ConfigError> {
    let bad = || ConfigError::Duration(text.to_string());
    let mut total = 0.0;
    let mut number = String::new();
    for c in text.trim().chars() {
        match c {
            '0'..='9' | '.' => number.push(c),
            'h' | 'm' | 's' => {
                let n: f64 = number.parse().map_err(|_| bad())?;
                total += n * match c {
                    'h' => 3600.0,
                    'm' => 60.0,
                    _ => 1.0,
                };
                number.clear();
            }
            _ => return Err(bad()),
        }
    }
    if !number.is_empty() || total <= 0.0 || !total.is_finite() {
        return Err(bad());
    }
    Ok(Duration::from_secs_f64(total))
}

fn cast_action(command: CastCommand) -> Result<Action, ConfigError> {
    Ok(match command {
        CastCommand::Add { name, from, extract, run } => Action::CastAdd {
            name: Slug::parse_for("cast member", &name)?,
            paths: from,
            settings: extract_settings(&extract)?,
            scheduler: scheduler_config(&run)?,
        },
        CastCommand::List { json } => Action::CastList { json },
    })
}

fn faces_action(command: FacesCommand) -> Result<Action, ConfigError> {
    Ok(match command {
        FacesCommand::Extract { source, output, limit, extract } => {
            if limit < 1 {
                return Err(ConfigError::Limit(limit));
            }
            Action::FacesExtract { source, output, limit, settings: extract_settings(&extract)? }
        }
        FacesCommand::Swap { input, model, output, detect_every, upscale, json } => {
            if detect_every == 0 || !(1..=4).contains(&upscale) {
                return Err(ConfigError::FaceSettings);
            }
            Action::FacesSwap { input, model: Slug::parse_for("model", &model)?, output, detect_every, upscale, json }
        }
        FacesCommand::Report { target, swapped, upscale, json } => {
            if !(1..=4).contains(&upscale) {
                return Err(ConfigError::FaceSettings);
            }
            Action::FacesReport { target, swapped, upscale, json }
        }
        FacesCommand::Train {
            a,
            b,
            name,
            res,
            arch,
            steps,
            minutes,
            gan_weight,
            code_weight,
            face_weight,
            detail_weight,
            preview_every,
            seed,
            resume,
            run,
        } => {
            if let Some(m) = minutes.filter(|m| m.is_nan() || *m <= 0.0) {
                return Err(ConfigError::Minutes(m));
            }
            if steps == Some(0) {
                return Err(ConfigError::Zero);
            }
            let weights = [
                ("--gan-weight", gan_weight),
                ("--code-weight", code_weight),
                ("--face-weight", face_weight),
                ("--detail-weight", detail_weight),
            ];
            for (flag, w) in weights {
                if !(w.is_finite() && w >= 0.0) {
                    return Err(ConfigError::Weight(flag, w));
                }
            }
            if preview_every == 0 {
                return Err(ConfigError::PreviewEvery);
            }
            if res != 64 && res != 128 {
                return Err(ConfigError::FaceResolution(res));
            }
            // The set's folder name made safe for a model name: lowercase, other characters as '-'.
            let default_name = || {
                let stem = std::path::Path::new(&a).file_name().map(|n| n.to_string_lossy().to_lowercase());
                let safe: String = stem
                    .unwrap_or_default()
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '-' })
                    .collect();
                let safe = safe.trim_matches('-');
                format!("{}-swap", if safe.is_empty() { "faces" } else { safe })
            };
            let model = Slug::parse_for("model", &name.unwrap_or_else(default_name))?;
            let request = FacesTrainRequest {
                a,
                b,
                model,
                resolution: res,
                arch: arch.into(),
                steps,
                minutes,
                gan_weight,
                code_weight,
                face_weight,
                detail_weight,
                preview_every,
                seed,
                resume,
            };
            Action::FacesTrain { request, scheduler: scheduler_config(&run)? }
        }
    })
}

fn extract_settings(args: &ExtractArgs) -> Result<crate::faces::set::ExtractSettings, ConfigError> {
    if ![64, 128].contains(&args.resolution)
        || args.detect_every == 0
        || !(1..=4).contains(&args.upscale)
        || args.min_track_faces == 0
    {
        return Err(ConfigError::FaceSettings);
    }
    let mut settings = crate::faces::set::ExtractSettings {
        resolution: args.resolution,
        detect_every: args.detect_every,
        min_track_faces: args.min_track_faces,
        upright: args.upright,
        ..Default::default()
    };
    settings.detector.upscale = args.upscale;
    Ok(settings)
}

fn parse_name(name: Option<String>) -> Result<Option<ProductionName>, NameError> {
    name.map(|n| ProductionName::parse(&n)).transpose()
}

pub fn scheduler_config(run: &RunArgs) -> Result<SchedulerConfig, ConfigError> {
    let mut config = SchedulerConfig::default();
    if let Some(workers) = run.workers {
        if workers == 0 {
            return Err(ConfigError::Workers(workers));
        }
        config.cores = workers;
    }
    if run.lease_secs == 0 {
        return Err(ConfigError::Lease);
    }
    config.lease = Duration::from_secs(run.lease_secs);
    config.backoff_base = Duration::from_millis(run.backoff_ms);
    Ok(config)
}

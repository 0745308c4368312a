//! The validated configuration: every value a user gave has been checked here, with an error that names it.

use std::time::Duration;

use super::args::{
    ArchArg, ArchiveCommand, Cli, Command, CorpusCommand, GlobalArgs, PresetArg, RunArgs, ScaleArg, ShotFilters,
    ShotsCommand, TokenizerArg, VoiceCommand,
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
    #[error("--temperature must be between 0 and 5, and --top-p above 0 and at most 1")]
    Sampling,
    #[error("--pages must be between 1 and 120")]
    Pages,
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
    #[error("--val-fraction must be between 0 and 0.5 (got {0})")]
    ValFraction(f64),
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
    Write {
        model: Slug,
        brief: crate::screenplay::Brief,
        options: crate::screenplay::WriteOptions,
        output: Option<std::path::PathBuf>,
    },
    Produce {
        name: ProductionName,
        script: std::path::PathBuf,
        scheduler: SchedulerConfig,
    },
    Train {
        params: crate::stages::train::TrainParams,
        scheduler: SchedulerConfig,
    },
    ShotsQuery {
        query: crate::store::ShotQuery,
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
    ShotsSheet {
        query: crate::store::ShotQuery,
        columns: usize,
        output: std::path::PathBuf,
    },
    CorpusStats {
        name: Slug,
        json: bool,
    },
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
            Command::Voice { command: VoiceCommand::Say { text, voice, parenthetical, output } } => {
                Action::VoiceSay { text, voice: voice.parse()?, parenthetical, output }
            }
            Command::Voice { command: VoiceCommand::List } => Action::VoiceList,
            Command::Write { model, title, line, prop, seed, temperature, top_p, pages, output } => {
                if !((0.0..=5.0).contains(&temperature) && top_p > 0.0 && top_p <= 1.0) {
                    return Err(ConfigError::Sampling);
                }
                if !(1..=120).contains(&pages) {
                    return Err(ConfigError::Pages);
                }
                let model = Slug::parse_for("model", &model)?;
                let author = format!("reel (model {model})");
                Action::Write {
                    model,
                    brief: crate::screenplay::Brief { title, line, prop },
                    options: crate::screenplay::WriteOptions { seed, temperature, top_p, pages, author },
                    output,
                }
            }
            Command::Produce { name, script, run } => {
                Action::Produce { name: ProductionName::parse(&name)?, script, scheduler: scheduler_config(&run)? }
            }
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
            let query = shot_query(semantic.or(text), filters, limit)?;
            Action::ShotsQuery { query, ranking, format }
        }
        ShotsCommand::Show { id, json } => Action::ShotsShow { id, json },
        ShotsCommand::List { production, json } => {
            Action::ShotsList { production: ProductionName::parse(&production)?, json }
        }
        ShotsCommand::Sheet { text, filters, limit, columns, output } => {
            let query = shot_query(text, filters, limit)?;
            Action::ShotsSheet { query, columns: columns.max(1), output }
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

//! The command line: raw args (clap) → validated [`config::Config`] → one command → an exit code.
//!
//! This is the one place that maps outcomes to exit codes (0 ok, 1 finished with failed items, 2 fatal or usage,
//! 130 interrupted), the only place that uses `anyhow`, and, with `report`, the only code that draws on a terminal.

mod archive;
pub mod args;
mod challenge;
pub mod config;
mod corpus;
mod faces;
mod faces_report;
mod faces_train;
mod page;
mod produce;
mod report;
mod show;
mod swaps;
mod train;
mod voice;
mod write;

use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::Parser;
use tokio_util::sync::CancellationToken;

use self::args::Cli;
use self::config::{Action, Config};
use crate::scheduler::{Registry, RunSummary, Scheduler, SchedulerConfig};
use crate::store::{OpenMode, Scope, Store};
use crate::workspace::Workspace;

/// How a command ended, short of a fatal error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// It finished, but some items failed (the rest of the batch went on).
    Failures,
    /// Stopped by Ctrl-C; what was in flight was finished or left pending.
    Interrupted,
}

impl Exit {
    pub fn code(self) -> ExitCode {
        match self {
            Exit::Success => ExitCode::SUCCESS,
            Exit::Failures => ExitCode::from(1),
            Exit::Interrupted => ExitCode::from(130),
        }
    }
}

/// Parses the process arguments and runs reel with the job handlers in `registry`.
pub fn main(registry: Registry) -> ExitCode {
    crate::device::configure_threads();
    let cli = Cli::parse();
    let config = match Config::from_cli(cli) {
        Ok(c) => c,
        Err(e) => return fatal(e.into()),
    };
    init_logging(&config.log);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => return fatal(anyhow::Error::new(e).context("cannot start the async runtime")),
    };
    match runtime.block_on(run(config, registry)) {
        Ok(exit) => exit.code(),
        Err(e) => fatal(e),
    }
}

fn fatal(e: anyhow::Error) -> ExitCode {
    eprintln!("error: {e:#}");
    ExitCode::from(2)
}

fn init_logging(filter: &str) {
    let filter = tracing_subscriber::EnvFilter::try_new(filter).unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr).try_init();
}

async fn run(config: Config, registry: Registry) -> anyhow::Result<Exit> {
    let Config { workspace, plain, action, .. } = config;
    match action {
        Action::Status { production, json } => {
            let store = Store::open(workspace.db(), OpenMode::Existing).await?;
            let scope = match &production {
                Some(name) => Scope::production(store.production(name).await?.id),
                None => Scope::all(),
            };
            let status = store.status(&scope).await?;
            let checks = match &production {
                Some(name) => store.checks(store.production(name).await?.id).await?,
                None => Vec::new(),
            };
            if json {
                let mut value = serde_json::to_value(&status)?;
                if production.is_some() {
                    value["brief_checks"] = serde_json::to_value(&checks)?;
                }
                println!("{}", serde_json::to_string_pretty(&value)?);
            } else {
                print!("{}", show::status(&status));
                print!("{}", show::checks(&checks));
            }
            Ok(Exit::Success)
        }
        Action::Productions { json } => {
            let store = Store::open(workspace.db(), OpenMode::Existing).await?;
            let list = store.productions().await?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                print!("{}", show::productions(&list));
            }
            Ok(Exit::Success)
        }
        Action::CorpusAdd { name, paths, settings, scheduler } => {
            corpus::add(&workspace, registry, &name, &paths, settings, scheduler, plain).await
        }
        Action::CorpusList { json } => corpus::list(&workspace, json),
        Action::ArchiveAdd { paths, subs, scheduler } => {
            archive::add(&workspace, registry, &paths, subs, scheduler, plain).await
        }
        Action::ArchiveList { json } => archive::list(&workspace, json).await,
        Action::ArchiveStats { json } => archive::stats(&workspace, json).await,
        Action::VoiceSay { text, voice, parenthetical, output } => {
            voice::say(&text, &voice, parenthetical.as_deref(), &output)
        }
        Action::VoiceList => voice::list(),
        Action::VoiceCast { production, set, script, json } => {
            voice::cast(&workspace, &production, &set, script.as_deref(), json).await
        }
        Action::Write { model, brief, options, output } => {
            write::write(&workspace, &model, &brief, &options, output.as_deref())
        }
        Action::Produce { name, script, star, scheduler } => {
            let options = produce::ProduceOptions {
                star: star.star,
                face_minutes: star.face_minutes.unwrap_or(produce::ProduceOptions::default().face_minutes),
            };
            Ok(produce::produce(&workspace, registry, &name, &script, &options, scheduler, plain).await?.exit)
        }
        Action::Challenge { name, model, brief, options, deadline, archive, star, scheduler } => {
            let c = challenge::Challenge { name, model, brief, options, deadline, archive, star };
            challenge::challenge(&workspace, registry, &c, scheduler, plain).await
        }
        Action::Demo { name, face_minutes, scheduler } => {
            challenge::demo(&workspace, registry, &name, face_minutes, scheduler, plain).await
        }
        Action::Train { params, scheduler } => train::train(&workspace, registry, params, scheduler, plain).await,
        Action::FacesTrain { request, scheduler } => {
            faces_train::train(&workspace, registry, request, scheduler, plain).await
        }
        Action::ShotsQuery { query, production, ranking, format } => {
            archive::query(&workspace, query, production.as_ref(), ranking, format).await
        }
        Action::ShotsList { production, json } => archive::list_shots(&workspace, &production, json).await,
        Action::ShotsShow { id, json } => archive::show(&workspace, id, json).await,
        Action::ShotsExplain { production, position, json } => {
            archive::explain(&workspace, &production, position, json).await
        }
        Action::ShotsSheet { query, production, columns, output } => {
            archive::sheet(&workspace, query, production.as_ref(), columns, &output).await
        }
        Action::CorpusStats { name, json } => corpus::stats(&workspace, &name, json),
        Action::CastAdd { name, paths, settings, scheduler } => {
            faces::cast_add(&workspace, registry, &name, &paths, settings, scheduler, plain).await
        }
        Action::CastList { json } => faces::cast_list(&workspace, json),
        Action::FacesExtract { source, output, limit, settings } => {
            faces::extract(&workspace, &source, &output, limit, settings).await
        }
        Action::FacesSwap { input, model, output, detect_every, upscale, json } => {
            faces::swap(&workspace, &input, &model, &output, detect_every, upscale, json)
        }
        Action::FacesReport { target, swapped, upscale, json } => {
            faces_report::report(&workspace, &target, swapped.as_deref(), upscale, json)
        }
        Action::Resume { production, scheduler } => {
            let store = Store::open(workspace.db(), OpenMode::Existing).await?;
            let scope = match &production {
                Some(name) => Scope::production(store.production(name).await?.id),
                None => Scope::all(),
            };
            let summary = run_jobs(&store, registry, &workspace, scheduler, scope.clone(), plain).await?;
            let status = store.status(&scope).await?.total();
            Ok(if summary.cancelled {
                Exit::Interrupted
            } else if status.failed + status.skipped > 0 {
                Exit::Failures
            } else {
                Exit::Success
            })
        }
    }
}

/// Runs the scheduler over `scope` with a progress reporter and Ctrl-C handling: the first Ctrl-C (or SIGTERM)
/// stops new claims and lets the jobs in flight end; a second one exits at once, leaving their leases to be
/// reclaimed by the next run.
pub async fn run_jobs(
    store: &Store,
    registry: Registry,
    workspace: &Workspace,
    config: SchedulerConfig,
    scope: Scope,
    plain: bool,
) -> anyhow::Result<RunSummary> {
    let cancel = CancellationToken::new();
    let watcher = tokio::spawn(watch_signals(cancel.clone()));
    let scheduler = Scheduler::new(store.clone(), registry, workspace.root().to_path_buf(), config);
    let reporter: Arc<dyn crate::progress::Reporter> = Arc::from(report::reporter(plain));
    let summary = scheduler.run(scope, reporter, cancel).await.context("the scheduler stopped")?;
    watcher.abort();
    eprintln!("{}", describe(&summary));
    Ok(summary)
}

async fn watch_signals(cancel: CancellationToken) {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let next = async |term: &mut Option<tokio::signal::unix::Signal>| {
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            Some(_) = async { match term { Some(t) => t.recv().await, None => std::future::pending().await } } => {}
        }
    };
    next(&mut term).await;
    eprintln!("stopping: finishing the jobs in flight (press Ctrl-C again to stop at once)");
    cancel.cancel();
    next(&mut term).await;
    std::process::exit(130);
}

fn describe(s: &RunSummary) -> String {
    let mut parts = vec![format!("{} ran", s.ran), format!("{} up to date", s.fresh)];
    for (n, what) in [(s.retried, "retried"), (s.failed, "failed"), (s.skipped, "skipped"), (s.reclaimed, "reclaimed")]
    {
        if n > 0 {
            parts.push(format!("{n} {what}"));
        }
    }
    if s.cancelled {
        parts.push("stopped early".to_string());
    }
    format!("jobs: {}", parts.join(", "))
}

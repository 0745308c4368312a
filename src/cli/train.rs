//! `reel train`.

use anyhow::Context;

use super::{Exit, run_jobs};
use crate::name::Slug;
use crate::scheduler::{Registry, SchedulerConfig};
use crate::stages::train::{self as stage, Report, TrainParams};
use crate::store::{OpenMode, Scope, Store};
use crate::workspace::Workspace;

pub async fn train(
    workspace: &Workspace,
    registry: Registry,
    params: TrainParams,
    scheduler: SchedulerConfig,
    plain: bool,
) -> anyhow::Result<Exit> {
    let corpus = workspace.root().join("corpora").join(&params.corpus);
    let built = corpus.join("train.txt").is_file() && corpus.join("val.txt").is_file();
    if params.text.is_none() && !built {
        anyhow::bail!(
            "no built corpus named {:?} in {}; build one with `reel corpus add {} PATH...`",
            params.corpus,
            workspace.root().display(),
            params.corpus
        );
    }
    let model = Slug::parse_for("model", &params.model)?;
    let store = Store::open(workspace.db(), OpenMode::Create).await?;
    store.submit(None, &stage::namespace(&model), &stage::plan(&params)?).await?;
    let scope = Scope::library(&stage::namespace(&model));
    let summary = run_jobs(&store, registry, workspace, scheduler, scope.clone(), plain).await?;
    if summary.cancelled {
        eprintln!("stopped; `reel train` with the same settings (or `reel resume`) continues from the last checkpoint");
        return Ok(Exit::Interrupted);
    }
    if store.status(&scope).await?.total().failed > 0 {
        eprintln!("training failed; `reel status` shows why");
        return Ok(Exit::Failures);
    }
    let dir = workspace.root().join(stage::dir(&model));
    let report: Report = serde_json::from_slice(&std::fs::read(dir.join("report.json"))?)
        .with_context(|| format!("{} is damaged", dir.join("report.json").display()))?;
    let val = report.best_val_loss.map_or("n/a".to_string(), |l| format!("{l:.3}"));
    println!(
        "model {model}: {} {} trained {} steps on {} {}; best val loss {val}; {:.0} tokens/s",
        report.arch,
        report.preset,
        report.steps,
        if params.text.is_some() { "text" } else { "corpus" },
        report.corpus,
        report.tokens_per_s
    );
    println!("  {}  (loss curve: {})", dir.display(), dir.join("loss.png").display());
    Ok(Exit::Success)
}

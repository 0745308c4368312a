//! `reel write`.

use std::path::{Path, PathBuf};

use anyhow::Context;

use super::Exit;
use crate::fountain;
use crate::name::Slug;
use crate::screenplay::{self, Brief, WriteOptions};
use crate::stages::screenplay::ModelWriter;
use crate::workspace::Workspace;

/// `models/NAME` in the workspace, else the model of that name shipped in reel's own `models/` folder.
pub fn model_dir(workspace: &Workspace, model: &Slug) -> anyhow::Result<PathBuf> {
    let local = workspace.root().join("models").join(model.as_str());
    let shipped = Path::new(env!("CARGO_MANIFEST_DIR")).join("models").join(model.as_str());
    [local.clone(), shipped]
        .into_iter()
        .find(|dir| dir.join("model.safetensors").is_file())
        .with_context(|| format!("no model named \"{model}\" in {}; train one with `reel train`", local.display()))
}

pub fn write(
    workspace: &Workspace,
    model: &Slug,
    brief: &Brief,
    options: &WriteOptions,
    output: Option<&Path>,
) -> anyhow::Result<Exit> {
    let dir = model_dir(workspace, model)?;
    let generator =
        ModelWriter::load(&dir, options).with_context(|| format!("cannot load the model in {}", dir.display()))?;
    let started = std::time::Instant::now();
    let script = screenplay::write(&generator, brief, options)?;
    let text = fountain::write(&script);
    let seconds = started.elapsed().as_secs_f64();
    match output {
        Some(path) => {
            crate::atomic::write(path, text.as_bytes()).with_context(|| format!("cannot write {}", path.display()))?;
            let scenes = script.scenes().len();
            let lines = script.dialogue().len();
            eprintln!(
                "{}: {scenes} scenes, {lines} lines of dialogue, {} characters in {seconds:.1} s ({:.0} chars/s)",
                path.display(),
                text.chars().count(),
                text.chars().count() as f64 / seconds.max(1e-9)
            );
        }
        None => print!("{text}"),
    }
    Ok(Exit::Success)
}

//! The screenplay as a job: `screenplay.write` samples a Fountain script around a challenge brief with a trained
//! model, so that a challenge killed after its script was written never writes it again (and the same brief,
//! seed and model give the same script, byte for byte).
//!
//! ```text
//! models/<model>/model.safetensors ──▶ challenge/<name>/write ──▶ productions/<name>/script.fountain
//! ```

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::fountain;
use crate::lm::{SampleOptions, Sampler};
use crate::plan::{Cost, JobSpec};
use crate::scheduler::{JobContext, JobError, Registry};
use crate::screenplay::{self, Brief, Generator, ScreenplayError, WriteOptions};

pub const WRITE: &str = "screenplay.write";

pub fn register(registry: &mut Registry) {
    registry.register(WRITE, write);
}

/// A trained model as the writer's generator.
pub struct ModelWriter {
    sampler: Sampler,
    temperature: f32,
    top_p: f32,
}

impl ModelWriter {
    /// Loads the model in `dir` to sample with the options' temperature and top-p.
    pub fn load(dir: &Path, options: &WriteOptions) -> Result<Self, crate::lm::LmError> {
        Ok(ModelWriter { sampler: Sampler::load(dir)?, temperature: options.temperature, top_p: options.top_p })
    }
}

impl Generator for ModelWriter {
    fn continue_text(&self, context: &str, max_chars: usize, seed: u64) -> Result<String, ScreenplayError> {
        let opts = SampleOptions { temperature: self.temperature, top_p: self.top_p, max_chars, seed, stop: None };
        self.sampler.sample(context, &opts).map_err(|e| ScreenplayError::Model(e.to_string()))
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WriteParams {
    pub title: String,
    pub line: Option<String>,
    pub prop: Option<String>,
    /// The model's folder (absolute, or relative to the workspace).
    pub model_dir: PathBuf,
    pub seed: u64,
    pub temperature: f32,
    pub top_p: f32,
    pub pages: u32,
    /// Credited on the title page.
    pub author: String,
}

impl WriteParams {
    pub fn brief(&self) -> Brief {
        Brief { title: self.title.clone(), line: self.line.clone(), prop: self.prop.clone() }
    }

    pub fn options(&self) -> WriteOptions {
        WriteOptions {
            seed: self.seed,
            temperature: self.temperature,
            top_p: self.top_p,
            pages: self.pages,
            author: self.author.clone(),
        }
    }
}

/// The job writing `script` (relative to the workspace) around the brief in `params`. Its key covers the model's
/// weights, so a retrained model writes the script again.
pub fn write_job(name: String, params: &WriteParams, script: &Path) -> JobSpec {
    JobSpec::new(name, WRITE)
        .stage("screenplay")
        .params(serde_json::to_value(params).unwrap_or_default())
        .input(params.model_dir.join("model.safetensors"))
        .input(params.model_dir.join("config.json"))
        .output(script)
        .cost(Cost::All)
}

fn write(ctx: &JobContext) -> Result<(), JobError> {
    let p: WriteParams = ctx.params()?;
    let dir = if p.model_dir.is_absolute() { p.model_dir.clone() } else { ctx.workspace.join(&p.model_dir) };
    let options = p.options();
    let writer = ModelWriter::load(&dir, &options)
        .map_err(|e| JobError::fatal(format!("cannot load the model in {}: {e}", dir.display())))?;
    let script = screenplay::write(&writer, &p.brief(), &options).map_err(JobError::fatal)?;
    std::fs::write(ctx.output(0), fountain::write(&script))
        .map_err(|e| JobError::retryable(format!("cannot write {}: {e}", ctx.output_target(0).display())))
}

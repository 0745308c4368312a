//! The archive's semantic half as a job: `archive/<id>/embed` reads the file's `analysis.json`, embeds every shot's
//! description and every cue with all-MiniLM-L6-v2, and writes `archive/<id>/vectors.safetensors`.
//!
//! ```text
//! archive/<id>/ingest ──▶ analysis.json ──▶ archive/<id>/embed ──▶ vectors.safetensors
//! ```
//! The vectors file names the analysis it was made from (the BLAKE3 of `analysis.json`, in its metadata), so the
//! import uses it only beside that very analysis. The job is planned only when the model is installed; without it
//! the archive still works, by words alone.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::archive::{Ingested, to_import};
use super::read_json;
use crate::embed::{DIM, Embedder, from_bytes, to_bytes};
use crate::plan::JobSpec;
use crate::scheduler::{JobContext, JobError};

pub const EMBED: &str = "archive.embed";

/// The name stored beside every vector.
pub const MODEL_NAME: &str = "all-MiniLM-L6-v2";

/// Where `make data` puts the model: `<cache>/minilm`, when its weights are there.
pub fn model_dir() -> Option<PathBuf> {
    crate::cache::dir().map(|cache| cache.join("minilm")).filter(|dir| dir.join("model.safetensors").is_file())
}

/// The embed job of file `id`, after its ingest job `ingest`.
pub fn job(namespace: &str, id: &str, ingest: &str, model_dir: &Path) -> JobSpec {
    JobSpec::new(format!("{namespace}embed"), EMBED)
        .stage("archive")
        .params(serde_json::json!({ "id": id }))
        .dep(ingest)
        .input(model_dir.join("model.safetensors"))
        .output(Path::new("archive").join(id).join("vectors.safetensors"))
}

/// The vectors of one file's shots and cues, in the order of its analysis.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FileVectors {
    /// BLAKE3 of the `analysis.json` they were made from.
    pub analysis: String,
    pub model: String,
    pub shots: Vec<Vec<f32>>,
    pub cues: Vec<Vec<f32>>,
}

#[derive(Debug, thiserror::Error)]
pub enum VectorsError {
    #[error("{path}: not a vectors file: {reason}")]
    Corrupt { path: PathBuf, reason: String },
}

pub(super) fn embed(ctx: &JobContext) -> Result<(), JobError> {
    let analysis_path = ctx
        .deps
        .first()
        .and_then(|d| d.outputs.first())
        .ok_or_else(|| JobError::fatal("archive.embed needs its ingest job's analysis"))?;
    let model_weights = ctx.inputs.first().ok_or_else(|| JobError::fatal("archive.embed needs the model"))?;
    let model_dir = model_weights.parent().unwrap_or(Path::new("."));
    let bytes = std::fs::read(analysis_path)
        .map_err(|e| JobError::retryable(format!("cannot read {}: {e}", analysis_path.display())))?;
    let ingested: Ingested = read_json(analysis_path)?;
    let analysis = crate::hash::bytes(&bytes);
    let mut vectors = FileVectors { analysis: analysis.clone(), model: MODEL_NAME.into(), ..Default::default() };
    if let Some(file) = to_import(&ctx.workspace, &ingested, &analysis) {
        let embedder = Embedder::load(model_dir).map_err(JobError::fatal)?;
        let descriptions: Vec<&str> = file.shots.iter().map(|s| s.description.as_str()).collect();
        let cues: Vec<&str> = file.cues.iter().map(|c| c.text.as_str()).collect();
        vectors.shots = embedder.embed(&descriptions).map_err(JobError::fatal)?;
        if ctx.is_cancelled() {
            return Err(JobError::Cancelled);
        }
        vectors.cues = embedder.embed(&cues).map_err(JobError::fatal)?;
    }
    let encoded = encode(&vectors).map_err(JobError::fatal)?;
    std::fs::write(ctx.output(0), encoded)
        .map_err(|e| JobError::retryable(format!("cannot write {}: {e}", ctx.output_target(0).display())))
}

/// The vectors as safetensors: `shots` and `cues`, each `[n, DIM]` f32 (left out when empty), with the analysis
/// hash and model name as metadata.
pub fn encode(vectors: &FileVectors) -> Result<Vec<u8>, safetensors::SafeTensorError> {
    let shots: Vec<u8> = vectors.shots.iter().flat_map(|v| to_bytes(v)).collect();
    let cues: Vec<u8> = vectors.cues.iter().flat_map(|v| to_bytes(v)).collect();
    let mut tensors = Vec::new();
    if !vectors.shots.is_empty() {
        tensors.push(("shots", TensorView::new(Dtype::F32, vec![vectors.shots.len(), DIM], &shots)?));
    }
    if !vectors.cues.is_empty() {
        tensors.push(("cues", TensorView::new(Dtype::F32, vec![vectors.cues.len(), DIM], &cues)?));
    }
    let metadata = HashMap::from([
        ("analysis".to_string(), vectors.analysis.clone()),
        ("model".to_string(), vectors.model.clone()),
    ]);
    safetensors::tensor::serialize(tensors, Some(metadata))
}

/// Reads what [`encode`] wrote; `path` is for the error message.
pub fn decode(bytes: &[u8], path: &Path) -> Result<FileVectors, VectorsError> {
    let corrupt = |reason: String| VectorsError::Corrupt { path: path.to_path_buf(), reason };
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| corrupt(e.to_string()))?;
    let tensors = SafeTensors::deserialize(bytes).map_err(|e| corrupt(e.to_string()))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let rows = |name: &str| -> Result<Vec<Vec<f32>>, VectorsError> {
        let Ok(view) = tensors.tensor(name) else { return Ok(Vec::new()) };
        if view.dtype() != Dtype::F32 || view.shape().len() != 2 || view.shape()[1] != DIM {
            return Err(corrupt(format!("{name} is {:?} {:?}, expected F32 [n, {DIM}]", view.dtype(), view.shape())));
        }
        let flat = from_bytes(view.data()).map_err(|e| corrupt(e.to_string()))?;
        Ok(flat.chunks_exact(DIM).map(<[f32]>::to_vec).collect())
    };
    Ok(FileVectors {
        analysis: meta.get("analysis").cloned().unwrap_or_default(),
        model: meta.get("model").cloned().unwrap_or_default(),
        shots: rows("shots")?,
        cues: rows("cues")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vectors_round_trip() {
        let unit = |i: usize| (0..DIM).map(|j| if j == i { 1.0 } else { 0.0 }).collect::<Vec<f32>>();
        let vectors = FileVectors {
            analysis: "abc".into(),
            model: MODEL_NAME.into(),
            shots: vec![unit(0), unit(5)],
            cues: Vec::new(),
        };
        let bytes = encode(&vectors).unwrap();
        assert_eq!(decode(&bytes, Path::new("v")).unwrap(), vectors);
        let err = decode(b"not safetensors", Path::new("x.safetensors")).unwrap_err();
        assert!(err.to_string().starts_with("x.safetensors: not a vectors file"), "{err}");
    }
}

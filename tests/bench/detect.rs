//! reel's shot detection alone, timed as a user would see it: probe, decode and measure, detect, refine.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use reel::archive::analysis::{AnalysisOptions, BoundaryKind, Quiet, probe, scan};
use serde_json::{Value, json};

pub fn run(file: &Path, full: bool) -> anyhow::Result<Value> {
    let started = Instant::now();
    let probe = probe(file).with_context(|| format!("probing {}", file.display()))?;
    let mut options = AnalysisOptions::default();
    options.decode.skip_bidir = !full;
    let (shots, pass) = scan(file, &probe, &options, &mut Quiet)?;
    let seconds = started.elapsed().as_secs_f64();
    let cuts: Vec<Value> = shots
        .iter()
        .filter(|s| s.boundary_kind != BoundaryKind::Start)
        .map(|s| {
            let kind = if s.boundary_kind == BoundaryKind::Fade { "fade" } else { "cut" };
            json!({ "frame": s.start_frame, "kind": kind })
        })
        .collect();
    if std::env::var_os("REEL_BENCH_TRACE").is_some() {
        for f in &pass.frames {
            eprintln!("{} luma {:.1} content {:.1}", f.index, f.luma_mean, f.content);
        }
    }
    Ok(json!({
        "detector": "reel",
        "frames": pass.report.frames,
        "decoded": pass.frames.len(),
        "coarse": pass.coarse,
        "seconds": seconds,
        "cuts": cuts,
    }))
}

//! reel's voices timed as the voice stage runs them: one `Voices` loaded once, then every line performed, mastered
//! (48 kHz, -20 LUFS, true-peak limit, fades) and written as a WAV, one after another.

use std::path::Path;
use std::time::Instant;

use anyhow::Context;
use reel::voice::{Engine, Line, Settings, VoiceAssets, VoiceSpec, Voices};
use serde_json::{Value, json};

/// Voices each non-empty line of `lines` with `voice` into `out/NNN.wav`, on `threads` ONNX Runtime threads.
pub fn run(lines: &Path, voice: &str, out: &Path, threads: usize) -> anyhow::Result<Value> {
    let text = std::fs::read_to_string(lines).with_context(|| format!("reading {}", lines.display()))?;
    let lines: Vec<&str> = text.lines().map(str::trim).filter(|l| !l.is_empty()).collect();
    let spec: VoiceSpec = voice.parse()?;
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))?;

    let started = Instant::now();
    let voices = Voices::new(&VoiceAssets::discover(), Settings { threads, ..Settings::default() })?;
    let load_s = started.elapsed().as_secs_f64();
    if spec.engine == Engine::Piper && !voices.has_neural_voice() {
        anyhow::bail!("{}", voices.notes().join("; "));
    }
    let mut per_line = Vec::with_capacity(lines.len());
    let mut audio_s = 0.0;
    let cpu_before = cpu_seconds();
    for (i, line) in lines.iter().enumerate() {
        let t = Instant::now();
        let info = voices.render(&Line::new(line, &spec), &out.join(format!("{i:03}.wav")))?;
        per_line.push(t.elapsed().as_secs_f64());
        audio_s += info.duration_ms as f64 / 1000.0;
    }
    let cpu_s = cpu_seconds() - cpu_before;
    let synth_s: f64 = per_line.iter().sum();
    Ok(json!({
        "voice": spec.to_string(),
        "threads": threads,
        "lines": lines.len(),
        "load_s": load_s,
        "synth_s": synth_s,
        "audio_s": audio_s,
        "rtf": synth_s / audio_s.max(1e-9),
        "cpu_s": cpu_s,
        "cpu_rtf": cpu_s / audio_s.max(1e-9),
        "per_line_s": per_line,
    }))
}

/// User and system CPU time of this process (every thread) and of the programs it ran (espeak-ng), in seconds.
fn cpu_seconds() -> f64 {
    let usage = |who| {
        // SAFETY: getrusage only writes the struct it is given.
        let mut r: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut r) };
        let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
        t(r.ru_utime) + t(r.ru_stime)
    };
    usage(libc::RUSAGE_SELF) + usage(libc::RUSAGE_CHILDREN)
}

//! `reel voice say|list`.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

use super::Exit;
use crate::voice::{Line, Settings, VoiceAssets, VoiceSpec, Voices};

pub fn say(text: &str, voice: &VoiceSpec, parenthetical: Option<&str>, output: &Path) -> anyhow::Result<Exit> {
    let voices = Voices::new(&VoiceAssets::discover(), Settings::default())?;
    for note in voices.notes() {
        eprintln!("note: {note}");
    }
    let line = Line { text, parenthetical, voice, lang: None };
    let audio =
        voices.render(&line, output).with_context(|| format!("cannot voice the line into {}", output.display()))?;
    for note in &audio.notes {
        eprintln!("note: {note}");
    }
    println!(
        "{}: {:.2} s at {} Hz, {:.1} LUFS, true peak {:.1} dBTP ({voice})",
        output.display(),
        audio.duration_ms as f64 / 1000.0,
        audio.sample_rate,
        audio.loudness_lufs,
        audio.true_peak_dbtp
    );
    Ok(Exit::Success)
}

pub fn list() -> anyhow::Result<Exit> {
    let assets = VoiceAssets::discover();
    println!("neural (Piper, VITS):");
    match (&assets.piper_model, &assets.onnxruntime) {
        (Some(model), Some(_)) => println!("  piper:joe   en-US, male, 22 kHz  ({})", model.display()),
        _ => println!("  none: `make data` fetches the Piper voice and ONNX Runtime into ~/.cache/reel"),
    }
    println!("  options: pitch=+2st (semitones, duration kept), rate=0.95");
    println!("espeak-ng (formant), as espeak:LANGUAGE[+VARIANT]:");
    let out = Command::new("espeak-ng")
        .arg("--voices")
        .output()
        .context("cannot run espeak-ng (apt-get install espeak-ng)")?;
    let table = String::from_utf8_lossy(&out.stdout);
    let languages: Vec<&str> = table.lines().skip(1).filter_map(|l| l.split_whitespace().nth(1)).collect();
    for chunk in languages.chunks(12) {
        println!("  {}", chunk.join(" "));
    }
    println!("  variants: +m1..+m7, +f1..+f5, +croak, +whisper...; options: pitch=0..99, rate=80..450 (words/min)");
    Ok(Exit::Success)
}

//! `reel voice say|list|cast`.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use anyhow::Context;

use super::Exit;
use crate::name::ProductionName;
use crate::production::config::{self, character_key};
use crate::production::{self, Timing};
use crate::store::{OpenMode, ShotKind, Store};
use crate::voice::{Engine, Line, Settings, VoiceAssets, VoiceSpec, Voices};
use crate::workspace::Workspace;

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

/// `reel voice cast`: writes each `set` pair into production.toml, then shows every speaker's voice.
pub async fn cast(
    workspace: &Workspace,
    name: &ProductionName,
    set: &[(String, VoiceSpec)],
    script: Option<&Path>,
    json: bool,
) -> anyhow::Result<Exit> {
    let lines = match script {
        Some(path) => speakers_in_script(path)?,
        None => speakers_in_plan(workspace, name).await?,
    };
    let path = workspace.root().join(Workspace::production_dir(name)).join(config::FILE_NAME);
    for (character, spec) in set {
        // Written as the script spells the name, when the script has it.
        let character = lines.keys().find(|c| character_key(c) == character_key(character)).unwrap_or(character);
        config::set_voice(&path, character, spec)?;
        eprintln!("{}: {character} = \"{spec}\"", path.display());
    }
    let config = config::load(&path)?;
    let (engine, voice) = production::automatic_voice(&VoiceAssets::discover());
    let speakers: Vec<&String> = lines.keys().collect();
    let casting = production::cast_voices(&speakers, &config, engine, voice);
    for warning in &casting.warnings {
        eprintln!("warning: {warning}");
    }
    if json {
        let rows: Vec<_> = casting
            .voices
            .iter()
            .map(|(character, v)| {
                serde_json::json!({
                    "character": character,
                    "lines": lines.get(character).copied().unwrap_or(0),
                    "voice": v.spec.to_string(),
                    "source": v.source,
                })
            })
            .collect();
        let out = serde_json::json!({ "seed": config.seed, "voices": rows, "warnings": casting.warnings });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(Exit::Success);
    }
    if casting.voices.is_empty() {
        println!("{name} has no speaking characters");
        return Ok(Exit::Success);
    }
    let width = casting.voices.keys().map(|c| c.chars().count()).max().unwrap_or(0).max("CHARACTER".len());
    println!("{:<width$}  {:>5}  {:<34}  from", "CHARACTER", "lines", "voice");
    for (character, v) in &casting.voices {
        let n = lines.get(character).copied().unwrap_or(0);
        println!("{character:<width$}  {n:>5}  {:<34}  {}", v.spec.to_string(), v.source);
    }
    let automatic = match engine {
        Engine::Piper => "the Piper voice joe",
        Engine::Espeak => "espeak-ng (the neural voice is not installed)",
    };
    println!(
        "{} characters; automatic voices from {automatic}, seed {}; choices in {}",
        casting.voices.len(),
        config.seed,
        path.strip_prefix(workspace.root()).unwrap_or(&path).display()
    );
    Ok(Exit::Success)
}

/// Each speaker of the screenplay at `path` with their number of lines, as `reel produce` would plan them.
fn speakers_in_script(path: &Path) -> anyhow::Result<BTreeMap<String, usize>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read the script {}", path.display()))?;
    let (script, diagnostics) = crate::fountain::parse(&text);
    for d in diagnostics.iter().take(5) {
        eprintln!("{}", d.with_file(path));
    }
    Ok(count_lines(
        production::plan(&script, "", &Timing::default())
            .into_iter()
            .filter(|s| s.kind == ShotKind::Dialogue)
            .filter_map(|s| s.character),
    ))
}

/// Each speaker of the production's shot plan (made by `reel produce`) with their number of lines.
async fn speakers_in_plan(workspace: &Workspace, name: &ProductionName) -> anyhow::Result<BTreeMap<String, usize>> {
    let store = Store::open(workspace.db(), OpenMode::Existing).await?;
    let production = store.production(name).await?;
    let shots = store.shots(production.id).await?;
    if shots.is_empty() {
        anyhow::bail!("{name} has no shot plan yet: run `reel produce {name} --script FILE`, or pass --script FILE");
    }
    Ok(count_lines(shots.into_iter().filter(|s| s.kind == ShotKind::Dialogue).filter_map(|s| s.character)))
}

fn count_lines(characters: impl Iterator<Item = String>) -> BTreeMap<String, usize> {
    let mut lines = BTreeMap::new();
    for character in characters {
        *lines.entry(character).or_insert(0) += 1;
    }
    lines
}

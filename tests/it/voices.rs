//! The voice stage through the real CLI: casting from the script and production.toml, distinct voices measured by
//! their pitch, and a killed voice stage that resumes without speaking a finished line again.
//!
//! `reel produce` in a workspace with no archive voices every line under the scheduler and then stops, because there
//! is no footage to cut: exactly the voice stage, without the render.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::common::Dir;

const SCRIPT: &str = "Title: The Lantern\n\nEXT. FIELD - NIGHT\n\nA lantern flickers in the dark.\n\nANN\n\
                      The lantern is failing.\n\nBEN\n(quietly)\nWe are not alone out here.\n\nANN\nThen run.\n";

fn write_script(dir: &Dir, name: &str, text: &str) -> PathBuf {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// Runs `reel produce NAME` over `script`: the voice stage runs, then the empty archive stops it.
fn voice_stage(dir: &Dir, name: &str, script: &Path, env: &[(&str, &str)]) -> crate::common::Run {
    let mut cmd = dir.reel().args(["produce", name, "--script"]).arg(script);
    for (k, v) in env {
        cmd = cmd.env(k, v);
    }
    let run = cmd.run();
    assert!(run.stderr().contains(&format!("productions/{name}/voice/")), "{}", run.stderr());
    assert!(!run.stderr().contains("failed"), "{}", run.stderr());
    run
}

/// The `voice.line` reports of a production: shot number → the JSON report.
fn reports(dir: &Dir, name: &str) -> BTreeMap<String, serde_json::Value> {
    let voices = dir.path().join("productions").join(name).join("voices");
    std::fs::read_dir(&voices)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .map(|p| {
            let report = serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
            (p.file_stem().unwrap().to_string_lossy().into_owned(), report)
        })
        .collect()
}

#[test]
fn voice_cast_shows_the_casting_and_writes_choices_into_production_toml() {
    let dir = Dir::new();
    let script = write_script(&dir, "lantern.fountain", SCRIPT);
    let show = dir.reel().args(["voice", "cast", "lantern", "--script"]).arg(&script).success().stdout();
    let rows: Vec<&str> = show.lines().filter(|l| l.starts_with("ANN") || l.starts_with("BEN")).collect();
    assert_eq!(rows.len(), 2, "{show}");
    assert!(rows[0].contains(" 2 ") && rows.iter().all(|r| r.ends_with("automatic")), "{show}");
    assert!(show.contains("seed 48"), "{show}");

    // A person's file with a comment and another section: --set keeps both and matches the script's spelling.
    let toml = dir.path().join("productions/lantern/production.toml");
    std::fs::create_dir_all(toml.parent().unwrap()).unwrap();
    std::fs::write(&toml, "# The Lantern, take 2\n[cast]\nANN = \"ada\"\n").unwrap();
    let set = dir
        .reel()
        .args(["voice", "cast", "lantern", "--script"])
        .arg(&script)
        .args(["--set", "ann=espeak:en-us+f3 pitch=60", "--set", "ZED=piper:joe", "--json"])
        .success();
    assert_eq!(
        std::fs::read_to_string(&toml).unwrap(),
        "# The Lantern, take 2\n[cast]\nANN = \"ada\"\n\n[voices]\nANN = \"espeak:en-us+f3 pitch=60\"\nZED = \"piper:joe\"\n"
    );
    let json: serde_json::Value = serde_json::from_str(&set.stdout()).unwrap();
    let voices = json["voices"].as_array().unwrap();
    assert_eq!(voices[0]["character"], "ANN");
    assert_eq!(
        (voices[0]["voice"].as_str(), voices[0]["source"].as_str()),
        (Some("espeak:en-us+f3 pitch=60"), Some("production_toml"))
    );
    assert_eq!((voices[0]["lines"].as_u64(), voices[1]["source"].as_str()), (Some(2), Some("automatic")));
    assert!(set.stderr().contains("ZED, who has no lines"), "{}", set.stderr());

    // A bad spec is refused before anything is written.
    let before = std::fs::read_to_string(&toml).unwrap();
    let bad = dir
        .reel()
        .args(["voice", "cast", "lantern", "--script"])
        .arg(&script)
        .args(["--set", "BEN=piper:joe pitch=+40st"])
        .code(2);
    assert!(bad.stderr().contains("pitch `+40st` is outside -12st..+12st"), "{}", bad.stderr());
    let bad = dir.reel().args(["voice", "cast", "lantern", "--set", "BEN"]).code(2);
    assert!(bad.stderr().contains("--set \"BEN\" should be CHARACTER=SPEC"), "{}", bad.stderr());
    assert_eq!(std::fs::read_to_string(&toml).unwrap(), before);

    // The production is voiced as cast: ANN by the file's espeak voice, BEN automatically; the unused entry warns.
    let run = voice_stage(&dir, "lantern", &script, &[]);
    assert!(run.stderr().contains("warning: production.toml gives a voice to ZED"), "{}", run.stderr());
    let reports = reports(&dir, "lantern");
    assert_eq!(reports.len(), 3, "{reports:?}");
    assert_eq!(reports["003"]["voice"], "espeak:en-us+f3 pitch=60");
    assert_eq!(reports["005"]["voice"], "espeak:en-us+f3 pitch=60");
    assert_eq!(reports["004"]["voice"].as_str(), voices[1]["voice"].as_str());
    // BEN's `(quietly)` is a whisper: mastered 8 LU under the -20 LUFS of the others.
    let loudness = |n: &str| {
        let wav = dir.path().join(format!("productions/lantern/voices/{n}.wav"));
        reel::voice::measure(&samples(&wav), 48_000).unwrap().lufs
    };
    let (ann, ben) = (loudness("003"), loudness("004"));
    assert!((ann + 20.0).abs() <= 1.0 && (ben + 28.0).abs() <= 1.0, "ANN {ann:.1} LUFS, BEN {ben:.1} LUFS");
    // Now the production has a shot plan, so the casting reads it without --script.
    let planned = dir.reel().args(["voice", "cast", "lantern"]).success().stdout();
    assert_eq!(planned, dir.reel().args(["voice", "cast", "lantern", "--script"]).arg(&script).success().stdout());

    // A broken production.toml stops the production with the file, line and value.
    std::fs::write(&toml, "[voices]\nANN = \"espeak:en-us+f3\"\nBEN = \"festival:kal\"\n").unwrap();
    let refused = dir.reel().args(["produce", "lantern", "--script"]).arg(&script).code(2);
    assert!(
        refused.stderr().contains("production.toml:3: voices.BEN = \"festival:kal\": unknown engine `festival`"),
        "{}",
        refused.stderr()
    );
    let unknown = dir.reel().args(["voice", "cast", "nobody"]).code(2);
    assert!(unknown.stderr().contains("nobody"), "{}", unknown.stderr());
}

/// A line's samples; every line is a 48 kHz mono WAV.
fn samples(path: &Path) -> Vec<f32> {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.sample_rate, spec.channels), (48_000, 1), "{}", path.display());
    match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => reader.samples::<i32>().map(|s| s.unwrap() as f32 / 32768.0).collect(),
    }
}

/// Median F0 of a WAV by normalised autocorrelation: 40 ms frames every 10 ms at 16 kHz, frames quieter than half
/// the file's RMS skipped, the shortest lag within 10% of the best correlation taken (against octave errors), and
/// frames that correlate below 0.6 treated as unvoiced.
fn median_f0(path: &Path) -> f64 {
    let samples = samples(path);
    let x: Vec<f64> =
        samples.chunks(3).map(|c| c.iter().map(|&s| f64::from(s)).sum::<f64>() / c.len() as f64).collect();
    let rate = 16_000.0;
    let rms = |s: &[f64]| (s.iter().map(|v| v * v).sum::<f64>() / s.len().max(1) as f64).sqrt();
    let loud = rms(&x);
    let (min_lag, max_lag) = ((rate / 400.0) as usize, (rate / 60.0) as usize);
    let frame = 640;
    let mut f0s = Vec::new();
    let mut start = 0;
    while start + frame + max_lag <= x.len() {
        let w = &x[start..start + frame + max_lag];
        start += 160;
        if rms(&w[..frame]) < loud * 0.5 {
            continue;
        }
        let corr: Vec<f64> = (0..=max_lag)
            .map(|lag| {
                let (a, b) = (&w[..frame], &w[lag..lag + frame]);
                let dot: f64 = a.iter().zip(b).map(|(p, q)| p * q).sum();
                let energy = (a.iter().map(|v| v * v).sum::<f64>() * b.iter().map(|v| v * v).sum::<f64>()).sqrt();
                if energy > 0.0 { dot / energy } else { 0.0 }
            })
            .collect();
        let best = corr[min_lag..=max_lag].iter().copied().fold(f64::MIN, f64::max);
        if best < 0.6 {
            continue;
        }
        let Some(mut lag) = (min_lag..=max_lag).find(|&l| corr[l] >= best * 0.9) else { continue };
        while lag < max_lag && corr[lag + 1] > corr[lag] {
            lag += 1;
        }
        // Parabolic interpolation around the peak.
        let (l, c, r) = (corr[lag - 1], corr[lag], corr.get(lag + 1).copied().unwrap_or(corr[lag]));
        let denom = l - 2.0 * c + r;
        let offset = if denom.abs() > 1e-12 { 0.5 * (l - r) / denom } else { 0.0 };
        f0s.push(rate / (lag as f64 + offset.clamp(-0.5, 0.5)));
    }
    assert!(f0s.len() >= 10, "{}: only {} voiced frames", path.display(), f0s.len());
    f0s.sort_by(f64::total_cmp);
    f0s[f0s.len() / 2]
}

/// Three characters cast automatically speak the same line through `reel produce`'s voice stage; every pair of
/// voices is at least 10% apart in median F0.
fn check_distinct_voices(env: &[(&str, &str)], engine: &str) {
    let dir = Dir::new();
    let line = "We should leave before the morning light reaches the valley below.";
    let script = format!("Title: Three\n\nINT. HALL - DAY\n\nANN\n{line}\n\nBEN\n{line}\n\nCARL\n{line}\n");
    let script = write_script(&dir, "three.fountain", &script);
    voice_stage(&dir, "three", &script, env);
    let reports = reports(&dir, "three");
    assert_eq!(reports.len(), 3, "{reports:?}");
    let voices = dir.path().join("productions/three/voices");
    let f0s: Vec<(String, f64)> = reports
        .iter()
        .map(|(n, report)| {
            let voice = report["voice"].as_str().unwrap().to_string();
            assert!(voice.starts_with(engine), "{voice}");
            (voice, median_f0(&voices.join(format!("{n}.wav"))))
        })
        .collect();
    eprintln!("{engine}: median F0 per voice {f0s:?}");
    for (i, (a, fa)) in f0s.iter().enumerate() {
        for (b, fb) in &f0s[i + 1..] {
            let gap = fa.max(*fb) / fa.min(*fb) - 1.0;
            assert!(gap >= 0.10, "`{a}` at {fa:.1} Hz and `{b}` at {fb:.1} Hz are only {:.1}% apart", gap * 100.0);
        }
    }
}

#[test]
fn automatic_espeak_voices_are_distinct_in_pitch() {
    // An empty cache: the neural voice is not found, so the casting and the voices are espeak-ng's.
    let cache = tempfile::tempdir().unwrap();
    check_distinct_voices(&[("REEL_CACHE", cache.path().to_str().unwrap())], "espeak:");
}

#[test]
fn automatic_neural_voices_are_distinct_in_pitch() {
    if reel::voice::VoiceAssets::discover().piper_model.is_none() {
        eprintln!("skipped the neural voice: its files are not in reel's cache (run `make data`)");
        return;
    }
    check_distinct_voices(&[], "piper:");
}

/// A voice stage killed with SIGKILL part-way and run again: the lines recorded as done are not spoken again (no
/// new run in the database, the same bytes and modification time on disk), and every line ends with one done run.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_voice_stage_resumes_without_speaking_finished_lines_again() {
    let dir = Dir::new();
    // Long enough that the stage is still running when a few lines are done, with either backend.
    let neural = reel::voice::VoiceAssets::discover().piper_model.is_some();
    let (lines, words) = if neural { (10, 14) } else { (16, 80) };
    let text = "the quick grey heron waits at the edge of the cold river for the light to change again ";
    let mut script = String::from("Title: Resume\n\nINT. HALL - NIGHT\n\n");
    for i in 0..lines {
        let speaker = ["ANN", "BEN", "CARL"][i % 3];
        let line: Vec<&str> = text.split_whitespace().cycle().skip(i).take(words).collect();
        script.push_str(&format!("{speaker}\nLine {i}, {}.\n\n", line.join(" ")));
    }
    let script = write_script(&dir, "resume.fountain", &script);
    let voices = dir.path().join("productions/resume/voices");
    let reports = || {
        std::fs::read_dir(&voices)
            .map(|d| d.flatten().filter(|e| e.path().extension().is_some_and(|x| x == "json")).count())
            .unwrap_or(0)
    };

    let mut child = dir.reel().args(["produce", "resume", "--script"]).arg(&script).command();
    let mut child = child.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null()).spawn().unwrap();
    let started = std::time::Instant::now();
    while reports() < 3 && started.elapsed() < std::time::Duration::from_secs(120) {
        assert!(child.try_wait().unwrap().is_none(), "the voice stage ended before it could be killed");
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();

    let states = crate::common::states(&dir.db()).await;
    let runs_before = crate::common::runs(&dir.db()).await;
    let done: Vec<&String> = states.iter().filter(|(_, (s, _))| s == "done").map(|(n, _)| n).collect();
    assert!(done.len() >= 2 && done.len() < lines, "{} of {lines} lines done at the kill: {states:?}", done.len());
    let file = |job: &str, ext: &str| voices.join(format!("{}.{ext}", job.rsplit('/').next().unwrap()));
    let snapshot = |job: &str| {
        ["wav", "json"].map(|ext| {
            let path = file(job, ext);
            (std::fs::read(&path).unwrap(), std::fs::metadata(&path).unwrap().modified().unwrap())
        })
    };
    let before: BTreeMap<&String, _> = done.iter().map(|job| (*job, snapshot(job))).collect();

    let rerun = voice_stage(&dir, "resume", &script, &[]);
    let fresh = format!("{} ran, {} up to date", lines - done.len(), done.len());
    assert!(rerun.stderr().contains(&fresh), "expected `{fresh}`:\n{}", rerun.stderr());
    let runs = crate::common::runs(&dir.db()).await;
    assert_eq!(runs.len(), lines, "{runs:?}");
    for (job, outcomes) in &runs {
        assert_eq!(outcomes.iter().filter(|o| *o == "done").count(), 1, "{job}: {outcomes:?}");
    }
    for (job, files) in &before {
        assert_eq!(runs[*job], runs_before[*job], "{job} ran again");
        assert!(snapshot(job) == *files, "{job}'s WAV or report was written again");
    }
    assert_eq!(reports(), lines);
    assert!(crate::common::temp_files(&voices).is_empty(), "{:?}", crate::common::temp_files(&voices));
    eprintln!(
        "voice stage killed with {} of {lines} lines done; the rerun spoke only the other {}",
        done.len(),
        lines - done.len()
    );
}

/// Lines a script could hold that a shell or an argument parser would take for something else: spoken, never run.
#[test]
fn hostile_lines_in_a_script_are_spoken_and_run_nothing() {
    let dir = Dir::new();
    let canary = dir.path().join("pwned");
    let lines = [
        format!("$(touch {})", canary.display()),
        format!("`touch {}` and then some", canary.display()),
        "-v xx --help".to_string(),
        "\"Quoted,\" she said; 'single' too.".to_string(),
        "\u{1F600}\u{1F600}".to_string(),
    ];
    let mut script = String::from("Title: Hostile\n\nINT. SHELL - NIGHT\n\n");
    for line in &lines {
        script.push_str(&format!("ANN\n{line}\n\n"));
    }
    let script = write_script(&dir, "hostile.fountain", &script);
    let run = voice_stage(&dir, "hostile", &script, &[]);
    assert!(!canary.exists(), "a line was executed");
    let reports = reports(&dir, "hostile");
    assert_eq!(reports.len(), lines.len(), "{reports:?}");
    let durations: Vec<u64> = reports.values().map(|r| r["duration_ms"].as_u64().unwrap()).collect();
    assert!(durations[..4].iter().all(|&ms| ms >= 900), "spoken in full: {durations:?}");
    // The emoji-only line has nothing to speak: a short silence, and the note reaches the person.
    assert_eq!(durations[4], 300, "{reports:?}");
    assert!(
        samples(&dir.path().join(format!("productions/hostile/voices/{}.wav", reports.keys().last().unwrap())))
            .iter()
            .all(|&s| s == 0.0)
    );
    assert!(
        run.stderr().contains("note: line has nothing to speak; wrote 300 ms of silence (script line 18)"),
        "{}",
        run.stderr()
    );

    // The same goes for the audition command, where a leading `-` follows `--`.
    let out = dir.path().join("dash.wav");
    let said = dir
        .reel()
        .args(["voice", "say", "--voice", "espeak:en-us", "-o"])
        .arg(&out)
        .args(["--", "-v xx --help"])
        .success();
    assert!(said.stdout().contains("LUFS"), "{}", said.stdout());
    assert!(samples(&out).len() > 48_000 / 2, "spoken, not taken as options");
}

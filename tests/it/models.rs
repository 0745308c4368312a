//! `reel train` and `reel voice`: real models trained for a few steps, real speech synthesised.

use std::path::{Path, PathBuf};

use crate::common::Dir;

fn data(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(rel)
}

#[test]
fn train_runs_as_a_resumable_job_and_writes_its_model() {
    let dir = Dir::new();
    dir.reel()
        .args(["corpus", "add", "small"])
        .arg(data("subtitle/TOS-en.vtt"))
        .arg(data("fountain/lantern.fountain"))
        .arg(data("subtitle/legacy.ssa"))
        .success();
    let run = dir
        .reel()
        .args(["train", "--corpus", "small", "--arch", "gpt", "--preset", "tiny", "--steps", "12", "--batch", "4"])
        .success();
    assert!(run.stdout().contains("model small: gpt tiny trained 12 steps on corpus small"), "{}", run.stdout());
    let model = dir.path().join("models/small");
    for file in [
        "config.json",
        "model.safetensors",
        "optimizer.safetensors",
        "state.json",
        "loss.csv",
        "loss.png",
        "report.json",
    ] {
        assert!(model.join(file).is_file(), "{file}");
    }
    let csv = std::fs::read_to_string(model.join("loss.csv")).unwrap();
    assert_eq!(csv.lines().count(), 13, "a header and one row per step: {csv}");
    let again = dir
        .reel()
        .args(["train", "--corpus", "small", "--arch", "gpt", "--preset", "tiny", "--steps", "12", "--batch", "4"])
        .success();
    assert!(again.stderr().contains("jobs: 0 ran, 1 up to date"), "{}", again.stderr());
    // More steps with --resume continue from step 12.
    let more = dir
        .reel()
        .args([
            "train", "--corpus", "small", "--arch", "gpt", "--preset", "tiny", "--steps", "16", "--batch", "4",
            "--resume",
        ])
        .success();
    assert!(more.stdout().contains("trained 16 steps"), "{}", more.stdout());
    let csv = std::fs::read_to_string(model.join("loss.csv")).unwrap();
    assert_eq!(csv.lines().count(), 17, "{csv}");
}

#[test]
fn train_needs_a_built_corpus() {
    let dir = Dir::new();
    let run = dir.reel().args(["train", "--corpus", "nothing"]).code(2);
    assert!(run.stderr().contains("no built corpus named \"nothing\""), "{}", run.stderr());
    let run = dir.reel().args(["train", "--corpus", "x", "--minutes", "0"]).code(2);
    assert!(run.stderr().contains("--minutes must be more than 0"), "{}", run.stderr());
}

#[test]
fn train_on_a_plain_text_with_bpe_then_write_with_it() {
    let Some(shared) = crate::common::shared_data() else { return };
    let dir = Dir::new();
    // The first 60 kB of tinyshakespeare as the plain file; its last 10% validates.
    let full = std::fs::read(shared.join("corpus/tinyshakespeare.txt")).unwrap();
    let text = dir.path().join("lantern.txt");
    std::fs::write(&text, &full[..60_000]).unwrap();
    let run = dir
        .reel()
        .args(["train", "--arch", "gpt", "--preset", "tiny", "--steps", "8", "--batch", "2", "--model", "b"])
        .args(["--tokenizer", "bpe", "--vocab", "300", "--lr", "3e-3", "--text"])
        .arg(&text)
        .success();
    assert!(run.stdout().contains("model b: gpt tiny trained 8 steps on text lantern"), "{}", run.stdout());
    let model = dir.path().join("models/b");
    assert!(model.join("tokenizer.json").is_file());
    let config = std::fs::read_to_string(model.join("config.json")).unwrap();
    assert!(config.contains("\"tokenizer\": \"bpe\"") && config.contains("\"vocab_size\": 300"), "{config}");
    let line = "In a future with mass unemployment, young people are forced to sell blood.";
    let write = ["write", "--model", "b", "--title", "Sunspring", "--line", line, "--seed", "7"];
    let script = dir.reel().args(write).success().stdout();
    assert!(script.contains(line) && script.contains("Sunspring"), "{script}");
    assert_eq!(dir.reel().args(write).success().stdout(), script, "the same seed writes the same script");

    let missing = dir.reel().args(["train", "--text", "nowhere.txt"]).code(2);
    assert!(missing.stderr().contains("nowhere.txt: no such file"), "{}", missing.stderr());
    let bad = dir.reel().args(["train", "--corpus", "x", "--lr", "0"]).code(2);
    assert!(bad.stderr().contains("--lr must be a positive number"), "{}", bad.stderr());
}

/// Reads a WAV's (sample rate, channels, seconds, RMS).
fn wav(path: &Path) -> (u32, u16, f64, f64) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let samples: Vec<f64> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(|s| f64::from(s.unwrap())).collect(),
        hound::SampleFormat::Int => reader.samples::<i32>().map(|s| f64::from(s.unwrap()) / 32768.0).collect(),
    };
    let rms = (samples.iter().map(|s| s * s).sum::<f64>() / samples.len().max(1) as f64).sqrt();
    (spec.sample_rate, spec.channels, samples.len() as f64 / f64::from(spec.sample_rate), rms)
}

#[test]
fn voice_say_writes_a_mastered_line_with_each_backend() {
    let dir = Dir::new();
    let text = "In a future with mass unemployment, young people are forced to sell blood.";
    let out = dir.path().join("espeak.wav");
    let run = dir.reel().args(["voice", "say", text, "--voice", "espeak:en-us+m3", "-o"]).arg(&out).success();
    assert!(run.stdout().contains("-20.0 LUFS"), "{}", run.stdout());
    let (rate, channels, seconds, rms) = wav(&out);
    assert_eq!((rate, channels), (48_000, 1));
    assert!((2.5..9.0).contains(&seconds), "13 words in {seconds:.2} s");
    assert!(rms > 0.02, "not silent: rms {rms}");

    if reel::voice::VoiceAssets::discover().piper_model.is_none() {
        eprintln!("skipped the neural voice: its files are not in ~/.cache/reel (run `make data`)");
        return;
    }
    let out = dir.path().join("piper.wav");
    let run = dir.reel().args(["voice", "say", text, "--voice", "piper:joe pitch=+3st", "-o"]).arg(&out).success();
    assert!(run.stdout().contains("piper:joe"), "{}", run.stdout());
    let (rate, _, seconds, rms) = wav(&out);
    assert_eq!(rate, 48_000);
    assert!((2.5..9.0).contains(&seconds) && rms > 0.02, "{seconds:.2} s, rms {rms}");
}

#[test]
fn voice_specs_are_checked() {
    let dir = Dir::new();
    let run = dir.reel().args(["voice", "say", "hi", "--voice", "bogus:x", "-o", "x.wav"]).code(2);
    assert!(run.stderr().contains("bad voice spec `bogus:x`"), "{}", run.stderr());
    let list = dir.reel().args(["voice", "list"]).success().stdout();
    assert!(list.contains("en-us"), "{list}");
}

#[test]
fn write_honours_the_brief_and_the_seed() {
    let dir = Dir::new();
    dir.reel()
        .args(["corpus", "add", "small"])
        .arg(data("fountain/lantern.fountain"))
        .arg(data("subtitle/TOS-en.vtt"))
        .success();
    dir.reel()
        .args(["train", "--corpus", "small", "--arch", "lstm", "--preset", "tiny", "--steps", "20", "--model", "w"])
        .success();
    let line = "In a future with mass unemployment, young people are forced to sell blood.";
    let prop = "a book pulled from a shelf";
    let brief = ["write", "--model", "w", "--title", "Sunspring", "--line", line, "--prop", prop, "--seed", "48"];
    let out = dir.path().join("script.fountain");
    dir.reel().args(brief).arg("-o").arg(&out).success();
    let text = std::fs::read_to_string(&out).unwrap();
    let (script, diagnostics) = reel::fountain::parse(&text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let check = reel::screenplay::check_brief(
        &script,
        &reel::screenplay::Brief { title: "Sunspring".into(), line: Some(line.into()), prop: Some(prop.into()) },
    );
    assert!(check.ok(), "{:?}\n{text}", check.problems);
    assert!(text.find("A book pulled from a shelf.").unwrap() < text.find(line).unwrap(), "prop, then the line");
    assert!(text.len() > text.find(line).unwrap() + line.len() + 200, "the model writes on after the line");
    let stdout = dir.reel().args(brief).success().stdout();
    assert_eq!(stdout, text, "the same seed writes the same script");
    let other = dir.reel().args(["write", "--model", "w", "--title", "Sunspring", "--seed", "49"]).success().stdout();
    assert_ne!(other, text);
    let missing = dir.reel().args(["write", "--model", "nope", "--title", "T"]).code(2);
    assert!(missing.stderr().contains("no model named \"nope\""), "{}", missing.stderr());
}

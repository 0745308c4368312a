//! The face swapper on real crops: carphone (identity A) and Chaplin (identity B), cut from the videos by reel's
//! decoder and face detector. A tiny model trains a few steps and its loss drops; a run stopped and resumed matches
//! an unbroken one; a checkpoint loads for inference; `reel faces train` runs as a resumable job, also after a
//! SIGKILL. Tests skip (saying why) when a video is missing.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use crate::common::{self, Dir};
use crate::faceset_crops;
use reel::faces::FaceConverter;
use reel::faceswap::config::Arch;
use reel::faceswap::{Config, Progress, Side, Swapper, TrainConfig, TrainReport, checkpoint, train};

/// Face sets at 64 px made once per test binary: `(carphone, chaplin)`, or `None` when a video is missing.
fn sets() -> Option<&'static (PathBuf, PathBuf)> {
    static SETS: OnceLock<Option<(PathBuf, PathBuf)>> = OnceLock::new();
    SETS.get_or_init(|| {
        let carphone = common::registry_data("footage/carphone_pristine.mp4")?;
        let chaplin = common::shared_data()?.join("footage/chaplin.mp4");
        if !chaplin.is_file() {
            eprintln!("skipped: {} is missing", chaplin.display());
            return None;
        }
        let root = std::env::temp_dir().join(format!("reel-it-facesets-{}", std::process::id()));
        let (a, b) = (root.join("carphone"), root.join("chaplin"));
        assert_eq!(faceset_crops::extract(&carphone, &a, 64, 4, 24).expect("carphone crops"), 24);
        assert_eq!(faceset_crops::extract(&chaplin, &b, 64, 4, 24).expect("chaplin crops"), 24);
        Some((a, b))
    })
    .as_ref()
}

fn tiny(steps: u64, gan_weight: f64) -> TrainConfig {
    TrainConfig {
        steps: Some(steps),
        batch: 4,
        lr: 2e-3,
        warmup: 2,
        gan_weight,
        eval_every: 1000,
        preview_every: 1000,
        checkpoint_every: 1000,
        seed: 5,
        ..TrainConfig::new(Config::tiny())
    }
}

/// Breaks after `at` steps, as an interrupted run would.
struct StopAt(u64);

impl reel::faceswap::Observer for StopAt {
    fn step(&mut self, p: &Progress) -> ControlFlow<()> {
        if p.step >= self.0 { ControlFlow::Break(()) } else { ControlFlow::Continue(()) }
    }
}

fn mean(losses: &[(u64, f32, f32)]) -> f32 {
    losses.iter().map(|l| l.1 + l.2).sum::<f32>() / losses.len() as f32
}

#[test]
fn tiny_model_trained_on_real_crops_has_its_loss_drop() {
    let Some((a, b)) = sets() else { return };
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let report = train(a, b, &tiny(60, 0.1), dir.path(), false, &mut ()).unwrap();
    let (first, last) = (mean(&report.losses[..5]), mean(&report.losses[55..]));
    let eval = report.last_eval.unwrap();
    println!(
        "tiny: loss {first:.3} -> {last:.3}, held-out SSIM A {:.3} B {:.3}, {:.1} steps/s, {:.1}s",
        eval.ssim_a,
        eval.ssim_b,
        report.steps_per_s,
        started.elapsed().as_secs_f64()
    );
    assert!(last < first - 0.1, "loss {first} -> {last}");
    assert_eq!((report.crops_a, report.held_out_a), (24, 2));
    let csv = train::read_csv(&dir.path().join(checkpoint::LOSS_CSV));
    assert_eq!(csv.len(), 60);
    assert!(csv.iter().all(|r| r.gan.is_some()), "the GAN losses are logged");
    assert!(csv[59].ssim.is_some() && csv[0].ssim.is_none());
}

fn resume_matches(cfg: TrainConfig) {
    let Some((a, b)) = sets() else { return };
    let straight = tempfile::tempdir().unwrap();
    let full = train(a, b, &cfg, straight.path(), false, &mut ()).unwrap();
    let split = tempfile::tempdir().unwrap();
    let first: TrainReport = train(a, b, &cfg, split.path(), false, &mut StopAt(4)).unwrap();
    assert_eq!(first.step, 4);
    let second = train(a, b, &cfg, split.path(), true, &mut ()).unwrap();
    assert_eq!(second.step, 8);
    let resumed: Vec<(u64, f32, f32)> = first.losses.iter().chain(&second.losses).copied().collect();
    assert_eq!(resumed.len(), full.losses.len());
    for (x, y) in full.losses.iter().zip(&resumed) {
        assert_eq!(x.0, y.0);
        assert!((x.1 - y.1).abs() < 1e-4 && (x.2 - y.2).abs() < 1e-4, "step {}: {x:?} vs resumed {y:?}", x.0);
    }
    let (e1, e2) = (full.last_eval.unwrap(), second.last_eval.unwrap());
    assert!((e1.ssim_a - e2.ssim_a).abs() < 1e-4 && (e1.ssim_b - e2.ssim_b).abs() < 1e-4, "{e1:?} vs {e2:?}");
    let steps: Vec<u64> = train::read_csv(&split.path().join(checkpoint::LOSS_CSV)).iter().map(|r| r.step).collect();
    assert_eq!(steps, (1..=8).collect::<Vec<_>>());
}

#[test]
fn stopped_and_resumed_training_matches_an_unbroken_run() {
    resume_matches(tiny(8, 0.1));
}

#[test]
fn resume_is_exact_without_the_gan_too() {
    resume_matches(tiny(8, 0.0));
}

/// LIAE: the shared decoder and two bottlenecks train on real crops (the loss drops), resume exactly, and a
/// checkpoint swaps: the footage's crops drawn as the star differ from the same crops drawn as themselves.
#[test]
fn liae_trains_resumes_exactly_and_swaps() {
    let Some((a, b)) = sets() else { return };
    let liae = |steps| TrainConfig { model: Config { arch: Arch::Liae, ..Config::tiny() }, ..tiny(steps, 0.1) };
    resume_matches(liae(8));
    let dir = tempfile::tempdir().unwrap();
    let report = train(a, b, &liae(60), dir.path(), false, &mut ()).unwrap();
    let (first, last) = (mean(&report.losses[..5]), mean(&report.losses[55..]));
    assert!(last < first - 0.1, "loss {first} -> {last}");
    let set = reel::faceswap::FaceSet::load(b, 32).unwrap();
    let mut star = Swapper::load(dir.path()).unwrap();
    let mut own = Swapper::load(dir.path()).unwrap().with_side(Side::B);
    let (swapped, drawn) = (star.convert(&set.crops[..4]).unwrap(), own.convert(&set.crops[..4]).unwrap());
    assert_eq!(swapped.len(), 4);
    assert_ne!(swapped, drawn, "the star's code and the footage's must draw different faces");
    let file: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join(checkpoint::CONFIG)).unwrap()).unwrap();
    assert_eq!(file["model"]["arch"], "liae", "{file}");
}

#[test]
fn a_checkpoint_loads_for_inference_and_converts_crops() {
    let Some((a, b)) = sets() else { return };
    let dir = tempfile::tempdir().unwrap();
    train(a, b, &tiny(3, 0.1), dir.path(), false, &mut ()).unwrap();
    let mut names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into()).collect();
    names.sort();
    assert_eq!(
        names,
        [
            "config.json",
            "discriminator.safetensors",
            "loss.csv",
            "loss.png",
            "model.safetensors",
            "optimizer.safetensors",
            "optimizer_d.safetensors",
            "preview.png",
            "state.json"
        ]
    );
    // The preview grid: six rows of ten 32-px crops, magnified to 128 px, beside a label column.
    let preview = image::open(dir.path().join(checkpoint::PREVIEW)).unwrap();
    assert_eq!(preview.height(), 6 * 130 + 2);
    assert_eq!(preview.width(), 44 + 10 * 130 + 2);

    let set = reel::faceswap::FaceSet::load(a, 32).unwrap();
    let mut swapper = Swapper::load(dir.path()).unwrap();
    assert_eq!((swapper.resolution(), swapper.side()), (32, Side::A));
    let out = swapper.convert(&set.crops[..3]).unwrap();
    assert_eq!(out.len(), 3);
    assert!(out.iter().all(|c| c.dimensions() == (32, 32)));
    assert_eq!(swapper.convert(&set.crops[..3]).unwrap(), out, "conversion is deterministic");
    let mut other = Swapper::load(dir.path()).unwrap().with_side(Side::B);
    assert_ne!(other.convert(&set.crops[..3]).unwrap(), out, "decoder B draws something else");
    let wrong = image::RgbImage::new(64, 64);
    let err = swapper.convert(&[wrong]).unwrap_err();
    assert!(err.to_string().contains("64x64") && err.to_string().contains("32x32"), "{err}");
    let missing = Swapper::load(&dir.path().join("nothing")).err().unwrap();
    assert!(missing.to_string().contains("config.json"), "{missing}");
}

#[test]
fn faces_train_runs_as_a_job_resumes_and_refuses_bad_sets() {
    let Some((a, b)) = sets() else { return };
    let dir = Dir::new();
    let args = |steps: &str| -> Vec<String> {
        ["faces", "train", "--a", &a.display().to_string(), "--b", &b.display().to_string()]
            .into_iter()
            .map(String::from)
            .chain(["--name", "star", "--steps", steps, "--preview-every", "2"].map(String::from))
            .collect()
    };
    let run = dir.reel().args(args("3")).success();
    assert!(run.stdout().contains("model star: LIAE 64 px, 3 steps on 24 + 24 crops"), "{}", run.stdout());
    let model = dir.path().join("models/star");
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(model.join("report.json")).unwrap()).unwrap();
    assert_eq!(report["steps"], 3);
    let ssim = report["held_out"]["ssim_a"].as_f64().unwrap();
    assert!((0.0..=1.0).contains(&ssim), "{report}");
    let again = dir.reel().args(args("3")).success();
    assert!(again.stderr().contains("jobs: 0 ran, 1 up to date"), "{}", again.stderr());
    let more = dir.reel().args(args("5")).arg("--resume").success();
    assert!(more.stdout().contains("5 steps"), "{}", more.stdout());
    assert_eq!(train::read_csv(&model.join("loss.csv")).len(), 5);

    // `reel faces report MODEL` scores each held-out crop again; their mean is what training last measured.
    let trained: serde_json::Value =
        serde_json::from_slice(&std::fs::read(model.join("report.json")).unwrap()).unwrap();
    let scored = dir.reel().args(["faces", "report", "star", "--json"]).success();
    let scored: serde_json::Value = serde_json::from_str(&scored.stdout()).unwrap();
    assert_eq!(scored["step"], 5);
    for (side, key) in [("a", "ssim_a"), ("b", "ssim_b")] {
        let crops = scored[side]["held_out"].as_array().unwrap();
        assert_eq!(crops.len(), 2, "24 crops hold out 2: {scored}");
        assert!(crops.iter().all(|c| c["file"].as_str().unwrap().ends_with(".png")), "{scored}");
        let per_crop: Vec<f64> = crops.iter().map(|c| c["ssim"].as_f64().unwrap()).collect();
        let mean = per_crop.iter().sum::<f64>() / 2.0;
        let measured = trained["held_out"][key].as_f64().unwrap();
        assert!((mean - measured).abs() < 1e-4, "{side}: crops {per_crop:?} against {measured} in training");
        assert!((0.0..=1.0).contains(&scored[side]["ssim_train"].as_f64().unwrap()), "{scored}");
        // Over the face alone, each crop and their mean.
        let faces: Vec<f64> = crops.iter().map(|c| c["ssim_face"].as_f64().unwrap()).collect();
        assert!(faces.iter().all(|s| (-1.0..=1.0).contains(s)) && faces != per_crop, "{faces:?} vs {per_crop:?}");
        let face_mean = scored[side]["ssim_face"].as_f64().unwrap();
        assert!((face_mean - faces.iter().sum::<f64>() / 2.0).abs() < 1e-5, "{scored}");
    }
    let text = dir.reel().arg("faces").arg("report").arg(&model).success();
    assert!(text.stdout().contains("24 crops, 2 held out"), "{}", text.stdout());
    let not_model = dir.reel().arg("faces").arg("report").arg(a).code(2);
    assert!(not_model.stderr().contains("not a face-swap model"), "{}", not_model.stderr());

    let empty = tempfile::tempdir().unwrap();
    let bad = dir.reel().args(["faces", "train", "--a"]).arg(empty.path()).arg("--b").arg(b).code(2);
    assert!(bad.stderr().contains("has no PNG crops"), "{}", bad.stderr());
    let nobody = dir.reel().args(["faces", "train", "--a", "nobody", "--b"]).arg(b).code(2);
    assert!(nobody.stderr().contains("no cast member \"nobody\""), "{}", nobody.stderr());
    let res = dir.reel().args(["faces", "train", "--a"]).arg(a).arg("--b").arg(b).args(["--res", "96"]).code(2);
    assert!(res.stderr().contains("--res must be 64 or 128"), "{}", res.stderr());
}

/// SIGKILL in the middle of training, then the same command: it resumes from the last checkpoint (the loss log
/// continues without a gap or a repeat) instead of starting over.
#[test]
fn faces_train_killed_mid_run_resumes_from_its_checkpoint() {
    let Some((a, b)) = sets() else { return };
    let dir = Dir::new();
    let cmd = || {
        dir.reel().args(["faces", "train", "--a"]).arg(a).arg("--b").arg(b).args([
            "--name",
            "killed",
            "--steps",
            "400",
            "--preview-every",
            "1",
        ])
    };
    let state = dir.path().join("models/killed/state.json");
    let mut child = cmd().command().spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while state_step(&state).is_none_or(|s| s < 2) {
        assert!(Instant::now() < deadline, "no checkpoint after 120 s");
        std::thread::sleep(Duration::from_millis(100));
    }
    child.kill().unwrap();
    child.wait().unwrap();
    let killed_at = state_step(&state).unwrap();
    assert!(killed_at < 400);
    // Continue with a shorter budget so the test stays short: --resume, from the killed run's checkpoint.
    let steps = (killed_at + 2).to_string();
    let run = dir
        .reel()
        .args(["faces", "train", "--a"])
        .arg(a)
        .arg("--b")
        .arg(b)
        .args(["--name", "killed", "--steps", &steps, "--resume"])
        .success();
    assert!(run.stdout().contains(&format!("{steps} steps")), "{}", run.stdout());
    let rows: Vec<u64> = train::read_csv(&dir.path().join("models/killed/loss.csv")).iter().map(|r| r.step).collect();
    assert_eq!(rows, (1..=killed_at + 2).collect::<Vec<_>>(), "the log continues from step {killed_at}");
}

fn state_step(path: &Path) -> Option<u64> {
    let state: serde_json::Value = serde_json::from_slice(&std::fs::read(path).ok()?).ok()?;
    state["step"].as_u64()
}

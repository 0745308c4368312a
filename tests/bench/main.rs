//! `reel-bench`: measurement helpers that `make bench` drives (see `tests/bench/README.md`). Each prints one JSON
//! line for the runner to score and tabulate; none of this ships in the product.
//!
//! - `reel-bench detect FILE`: reel's shot detection alone (probe, scan, boundaries), timed.
//! - `reel-bench fill DB --shots N --cues M`: an archive database of the given size, its dialogue drawn from real
//!   text, for the query-latency benchmark.
//! - `reel-bench faces FILE`: face-swap throughput at 64 px, decode and encode excluded, detection, model and blend
//!   timed separately.
//! - `reel-bench latency DB --runs N -- ARGS...`: p50 and p99 wall time of `reel ARGS...` against DB.
//! - `reel-bench faceset VIDEO DIR --res 64`: a face set (square PNG crops of the largest face) from a video.
//! - `reel-bench forward [--model DIR] --res 64`: per-crop forward time of the face swapper.
//! - `reel-bench train-speed TEXT --arch A --preset P --batch N`: training tokens/s of a language model.
//! - `reel-bench voice LINES --voice SPEC --out DIR`: every line of LINES voiced as the voice stage does, timed.

mod detect;
mod faces;
mod faceset;
mod faceswap;
mod fill;
mod latency;
mod train_speed;
mod voice;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

// The product's allocator (src/main.rs), so that timings match what `reel` does.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "reel-bench", about = "Benchmark helpers for reel (make bench)")]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Detect the shots of FILE and print {"frames", "seconds", "cuts"} as JSON.
    Detect {
        file: PathBuf,
        /// Decode every frame instead of the coarse scan (reference frames, then refinement near boundaries).
        #[arg(long)]
        full: bool,
    },
    /// Fill an archive database with N shots and M cues of real dialogue.
    Fill {
        db: PathBuf,
        #[arg(long, default_value_t = 100_000)]
        shots: usize,
        #[arg(long, default_value_t = 300_000)]
        cues: usize,
        /// Text files whose lines become the dialogue.
        #[arg(long, required = true, num_args = 1..)]
        text: Vec<PathBuf>,
    },
    /// Swap the faces of every frame of FILE (decoded first, not timed) and print frames/s and the time per frame
    /// of detection, model and blend.
    Faces {
        file: PathBuf,
        #[arg(long, default_value_t = 1)]
        detect_every: u32,
        #[arg(long, default_value_t = 2)]
        upscale: u32,
        /// Training steps for the benchmark's model (inference time does not depend on them).
        #[arg(long, default_value_t = 2)]
        train_steps: u64,
        /// Cut the faces upright (the set and the swap): each face's roll is read and its window turned.
        #[arg(long)]
        upright: bool,
    },
    /// Run `reel ARGS...` RUNS times per query against DB and print latency percentiles.
    Latency {
        db: PathBuf,
        #[arg(long, default_value_t = 50)]
        runs: usize,
        #[arg(long, default_value = "target/release/reel")]
        reel: PathBuf,
        /// Each query is one `reel shots query` argument string, split on whitespace ('single quotes' group).
        #[arg(long = "query", required = true)]
        queries: Vec<String>,
    },
    /// Write a face set (000000.png, ...: the largest face of every EVERY-th frame) from VIDEO into DIR.
    Faceset {
        video: PathBuf,
        dir: PathBuf,
        #[arg(long, default_value_t = 64)]
        res: u32,
        #[arg(long, default_value_t = 1)]
        every: u64,
        #[arg(long, default_value_t = 1000)]
        max: usize,
    },
    /// Time the face swapper's forward pass per crop (a trained model folder, or a fresh model of --res).
    Forward {
        #[arg(long)]
        model: Option<PathBuf>,
        #[arg(long, default_value_t = 64)]
        res: u32,
        #[arg(long, default_value_t = 200)]
        crops: usize,
    },
    /// Train a face-swap model on face sets A and B into OUT for M minutes (resuming OUT if it has a checkpoint).
    Train {
        a: PathBuf,
        b: PathBuf,
        out: PathBuf,
        #[command(flatten)]
        run: faceswap::Run,
    },
    /// Time training steps of a fresh face-swap model on face sets A and B.
    TrainStep {
        a: PathBuf,
        b: PathBuf,
        #[arg(long, default_value_t = 64)]
        res: u32,
        #[arg(long, default_value_t = 5)]
        steps: u64,
    },
    /// Train a language model on the first 90% of TEXT for WARMUP + STEPS steps; print the timed steps' tokens/s.
    TrainSpeed {
        text: PathBuf,
        #[arg(long, value_parser = ["lstm", "gpt"])]
        arch: String,
        #[arg(long, value_parser = ["tiny", "small", "base"])]
        preset: String,
        #[arg(long, default_value_t = 32)]
        batch: usize,
        /// Window length (default: the preset's context, 64 for the LSTM).
        #[arg(long)]
        seq: Option<usize>,
        #[arg(long, default_value_t = 10)]
        steps: u64,
        #[arg(long, default_value_t = 2)]
        warmup: u64,
    },
    /// Voice each line of LINES (a text file, one line each) into DIR/NNN.wav and print the real-time factor.
    Voice {
        lines: PathBuf,
        /// A voice spec: `piper:joe`, `espeak:en-us`.
        #[arg(long)]
        voice: String,
        #[arg(long)]
        out: PathBuf,
        /// ONNX Runtime threads for the neural voice.
        #[arg(long, default_value_t = 2)]
        threads: usize,
    },
}

fn main() -> ExitCode {
    reel::device::configure_threads();
    let args = Args::parse();
    let result = match args.command {
        Command::Detect { file, full } => detect::run(&file, full),
        Command::Fill { db, shots, cues, text } => fill::run(&db, shots, cues, &text),
        Command::Faces { file, detect_every, upscale, train_steps, upright } => {
            faces::run(&file, detect_every, upscale, train_steps, upright)
        }
        Command::Latency { db, runs, reel, queries } => latency::run(&db, runs, &reel, &queries),
        Command::Faceset { video, dir, res, every, max } => faceset::extract(&video, &dir, res, every, max)
            .map(|n| serde_json::json!({ "video": video, "dir": dir, "crops": n }))
            .map_err(anyhow::Error::msg),
        Command::Forward { model, res, crops } => faceswap::forward(model.as_deref(), res, crops),
        Command::TrainStep { a, b, res, steps } => faceswap::train_step(&a, &b, res, steps),
        Command::Train { a, b, out, run } => faceswap::train_run(&a, &b, &out, &run),
        Command::TrainSpeed { text, arch, preset, batch, seq, steps, warmup } => {
            let arch = if arch == "gpt" { reel::lm::Arch::Gpt } else { reel::lm::Arch::Lstm };
            let preset = match preset.as_str() {
                "tiny" => reel::lm::Preset::Tiny,
                "small" => reel::lm::Preset::Small,
                _ => reel::lm::Preset::Base,
            };
            train_speed::run(&text, &train_speed::Shape { arch, preset, batch, seq, steps, warmup })
        }
        Command::Voice { lines, voice, out, threads } => voice::run(&lines, &voice, &out, threads),
    };
    match result {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

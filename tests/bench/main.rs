//! `reel-bench`: measurement helpers that `make bench` drives (see `tests/bench/README.md`). Each prints one JSON
//! line for the runner to score and tabulate; none of this ships in the product.
//!
//! - `reel-bench detect FILE`: reel's shot detection alone (probe, scan, boundaries), timed.
//! - `reel-bench fill DB --shots N --cues M`: an archive database of the given size, its dialogue drawn from real
//!   text, for the query-latency benchmark.
//! - `reel-bench latency DB --runs N -- ARGS...`: p50 and p99 wall time of `reel ARGS...` against DB.
//! - `reel-bench voice LINES --voice SPEC --out DIR`: every line of LINES voiced as the voice stage does, timed.

mod detect;
mod fill;
mod latency;
mod voice;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

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
    let args = Args::parse();
    let result = match args.command {
        Command::Detect { file, full } => detect::run(&file, full),
        Command::Fill { db, shots, cues, text } => fill::run(&db, shots, cues, &text),
        Command::Latency { db, runs, reel, queries } => latency::run(&db, runs, &reel, &queries),
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

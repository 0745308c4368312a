//! The raw command line, as clap derives it. [`super::config`] turns it into a validated `Config`.

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "reel",
    version,
    about = "A command-line film studio: from a 48-hour challenge brief to a finished short film",
    long_about = "reel writes a screenplay with a model trained on film subtitles, plans its shots into a SQLite \
                  shot database, matches them to archival footage, swaps faces, voices the lines and cuts the film. \
                  Every step is a job in the database, so a production stopped at any moment resumes where it \
                  stopped."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// The database file; its folder is the workspace where productions, models and corpora live.
    #[arg(long, global = true, env = "REEL_DB", default_value = "reel.db", value_name = "PATH")]
    pub db: PathBuf,

    /// Log filter for diagnostics on stderr (e.g. `info`, `reel=debug`).
    #[arg(long, global = true, env = "REEL_LOG", default_value = "warn", value_name = "FILTER")]
    pub log: String,

    /// Plain progress lines instead of a progress bar, even on a terminal.
    #[arg(long, global = true, env = "REEL_PLAIN", value_parser = BoolishValueParser::new())]
    pub plain: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show each stage's job counts (pending, running, done, failed) and every failure, from the database alone.
    Status {
        /// Only this production.
        production: Option<String>,
        /// Machine-readable output.
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
    /// Run whatever is not done: reclaim jobs of stopped workers, re-check finished work, run the rest.
    Resume {
        /// Only this production (default: every production and library job).
        production: Option<String>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// List productions with their progress.
    Productions {
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
    /// Ingest footage into the archive, and list it.
    Archive {
        #[command(subcommand)]
        command: ArchiveCommand,
    },
    /// Search and inspect the shot database.
    Shots {
        #[command(subcommand)]
        command: ShotsCommand,
    },
    /// Make a film from a Fountain screenplay: voice every line, plan the shots, match archive footage to each,
    /// render them and cut the film (productions/NAME/NAME.mp4, with .srt, .vtt, .edl and .otio beside it).
    /// Stopped at any moment, the same command goes on where it stopped.
    Produce {
        /// The production's name; its files go to productions/NAME/.
        name: String,
        /// The screenplay (Fountain).
        #[arg(long, value_name = "FILE.fountain")]
        script: PathBuf,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Train a screenplay model (a Benjamin-style character LSTM, or a small GPT) on a corpus. It runs as a job:
    /// stopped at any moment, it resumes from its last checkpoint.
    Train {
        /// The corpus to train on (see `reel corpus list`).
        #[arg(long, env = "REEL_CORPUS", required_unless_present = "text", conflicts_with = "text")]
        corpus: Option<String>,
        /// Train on one plain text file instead: its first 90% trains, the last 10% validates (as nanoGPT does).
        #[arg(long, value_name = "FILE")]
        text: Option<std::path::PathBuf>,
        #[arg(long, env = "REEL_ARCH", value_enum, default_value_t = ArchArg::Lstm)]
        arch: ArchArg,
        #[arg(long, env = "REEL_PRESET", value_enum, default_value_t = PresetArg::Small)]
        preset: PresetArg,
        /// Optimizer steps (default 2000), also the length of the cosine learning-rate decay. With --minutes too,
        /// training stops at whichever comes first.
        #[arg(long, value_name = "N")]
        steps: Option<u64>,
        /// Train for this many minutes (the learning rate stays at its peak after warmup unless --steps is given).
        #[arg(long, value_name = "M")]
        minutes: Option<f64>,
        /// The model's name; it lives in models/NAME/ (default: the corpus's name).
        #[arg(long, env = "REEL_MODEL", value_name = "NAME")]
        model: Option<String>,
        #[arg(long, env = "REEL_SEED", default_value_t = 1337)]
        seed: u64,
        /// Sequences per step (default: the preset's).
        #[arg(long, value_name = "N")]
        batch: Option<usize>,
        /// Peak learning rate (default 2e-3 for the LSTM, 1e-3 for the GPT).
        #[arg(long, value_name = "LR")]
        lr: Option<f64>,
        /// How text becomes token ids: characters, or a byte-level BPE vocabulary learned from the training text
        /// (saved as tokenizer.json beside the weights).
        #[arg(long, env = "REEL_TOKENIZER", value_enum, default_value_t = TokenizerArg::Char)]
        tokenizer: TokenizerArg,
        /// BPE vocabulary size, the 256 byte symbols included (with --tokenizer bpe; default 512).
        #[arg(long, value_name = "N", requires = "tokenizer")]
        vocab: Option<usize>,
        /// Continue from the checkpoints in models/NAME/, even from a run with other settings.
        #[arg(long)]
        resume: bool,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Write a Fountain screenplay around a challenge brief with a trained model: the title is on the title page,
    /// the line is spoken verbatim, the prop appears in an action line, and the model writes around them.
    Write {
        /// The model (models/NAME/; `default` is the one shipped with reel).
        #[arg(long, env = "REEL_MODEL", default_value = "default")]
        model: String,
        #[arg(long)]
        title: String,
        /// A line of dialogue that must be spoken.
        #[arg(long)]
        line: Option<String>,
        /// A prop or action that must appear.
        #[arg(long)]
        prop: Option<String>,
        /// The same seed writes the same script.
        #[arg(long, env = "REEL_SEED", default_value_t = 2016)]
        seed: u64,
        #[arg(long, default_value_t = 0.8)]
        temperature: f32,
        #[arg(long, default_value_t = 0.95)]
        top_p: f32,
        /// About how many pages to write.
        #[arg(long, default_value_t = 2)]
        pages: u32,
        /// Where to write the script (default: standard output).
        #[arg(long, short = 'o', value_name = "FILE.fountain")]
        output: Option<PathBuf>,
    },
    /// Audition and list the voices that speak the lines (espeak-ng, and the neural Piper voice).
    Voice {
        #[command(subcommand)]
        command: VoiceCommand,
    },
    /// Build and inspect training corpora from subtitles, OPUS XML, Fountain screenplays and plays.
    Corpus {
        #[command(subcommand)]
        command: CorpusCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum VoiceCommand {
    /// Speak TEXT with a voice into a 48 kHz WAV, loudness-normalised: the way each line of a film is voiced.
    Say {
        text: String,
        /// `piper:joe pitch=+2st rate=0.95`, or `espeak:en-us+f3 pitch=60 rate=170`.
        #[arg(long, env = "REEL_VOICE", default_value = "piper:joe")]
        voice: String,
        /// A Fountain parenthetical that changes the delivery: whispering, shouting, beat...
        #[arg(long, value_name = "WORDS")]
        parenthetical: Option<String>,
        #[arg(long, short = 'o', value_name = "FILE.wav")]
        output: PathBuf,
    },
    /// List the voices this machine can use.
    List,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum TokenizerArg {
    Char,
    Bpe,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ArchArg {
    Lstm,
    Gpt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PresetArg {
    Tiny,
    Small,
    Base,
}

#[derive(Debug, Subcommand)]
pub enum ArchiveCommand {
    /// Add video files or folders to the archive: shots, features, faces, thumbnails, loudness, dialogue (from
    /// sidecar subtitles such as film.srt beside film.mp4, or text subtitle streams inside the file) and sentence
    /// embeddings for semantic search. Files already analysed are not read again unless they changed.
    Add {
        /// Video files, or folders searched recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Subtitles for the (single) video given, when they are not a sidecar file.
        #[arg(long, env = "REEL_SUBS", value_name = "FILE")]
        subs: Option<PathBuf>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Totals over the archive: files, running time, shots (by boundary, scale, light), faces, dialogue, and how
    /// much of it semantic search covers.
    Stats {
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
    /// List the files in the archive with their shots and cues.
    List {
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
}

/// The filters of `reel shots query` and `reel shots sheet`.
#[derive(Debug, Args)]
pub struct ShotFilters {
    /// Shortest shot, in seconds.
    #[arg(long, value_name = "S")]
    pub min_dur: Option<f64>,
    /// Longest shot, in seconds.
    #[arg(long, value_name = "S")]
    pub max_dur: Option<f64>,
    /// Only dark shots (mean luma below 70 of 255).
    #[arg(long, conflicts_with = "bright")]
    pub dark: bool,
    /// Only bright shots (mean luma above 150 of 255).
    #[arg(long)]
    pub bright: bool,
    /// Only shots from files whose path matches this glob, e.g. '*chaplin*'.
    #[arg(long, value_name = "GLOB")]
    pub source: Option<String>,
    /// Only shots with at least MIN faces on their keyframe.
    #[arg(long = "faces", value_name = "MIN")]
    pub min_faces: Option<i64>,
    /// Only shots of this scale (from the size of the largest face; no face counts as wide).
    #[arg(long, value_enum)]
    pub scale: Option<ScaleArg>,
}

/// Shot scale, as `reel shots query --scale` takes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ScaleArg {
    Close,
    Medium,
    Wide,
}

#[derive(Debug, Subcommand)]
pub enum ShotsCommand {
    /// Find archive shots by their dialogue and description, ranked by BM25 (FTS5 query syntax: words, "a phrase",
    /// OR, NOT, prefix*), and filter them.
    Query {
        /// What to search for; without it every shot passing the filters is listed.
        text: Option<String>,
        #[command(flatten)]
        filters: ShotFilters,
        /// Rank by meaning alone: cosine similarity of sentence embeddings (all-MiniLM-L6-v2) of TEXT and of each
        /// shot's description and dialogue.
        #[arg(long, value_name = "TEXT", conflicts_with_all = ["text", "bm25"])]
        semantic: Option<String>,
        /// Rank by words alone (FTS5 BM25), without the semantic half of the default hybrid ranking.
        #[arg(long)]
        bm25: bool,
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: i64,
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new(), conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
    },
    /// Write a contact sheet PNG of the matching shots' thumbnails, labelled with shot id and time range.
    Sheet {
        /// What to search for (as in `reel shots query`); without it, every shot.
        text: Option<String>,
        #[command(flatten)]
        filters: ShotFilters,
        #[arg(long, default_value_t = 48, value_name = "N")]
        limit: i64,
        #[arg(long, default_value_t = 6, value_name = "N")]
        columns: usize,
        #[arg(long, short = 'o', value_name = "FILE.png")]
        output: PathBuf,
    },
    /// List a production's shots in cut order: scene, kind, character, length and text.
    List {
        /// The production (see `reel productions`).
        production: String,
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
    /// Show one archive shot: its file, times, features, dialogue and thumbnail.
    Show {
        id: i64,
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum CorpusCommand {
    /// Add files or folders (SRT, WebVTT, ASS/SSA, OPUS .xml/.xml.gz, .fountain, Gutenberg plays) to a corpus and
    /// build it. Files already in the corpus are not read again unless they changed.
    Add {
        /// The corpus, e.g. `films`; it lives in corpora/NAME/.
        name: String,
        /// Files and folders to add; folders are searched recursively.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Share of documents held out for validation (default 0.1, or the corpus's current value).
        #[arg(long, env = "REEL_VAL_FRACTION", value_name = "F")]
        val_fraction: Option<f64>,
        /// A silence longer than this between subtitle cues starts a new speaker's turn (default 1200).
        #[arg(long, env = "REEL_TURN_GAP_MS", value_name = "MS")]
        turn_gap_ms: Option<u64>,
        /// A silence longer than this between subtitle cues is a scene break (default 12000).
        #[arg(long, env = "REEL_SCENE_GAP_MS", value_name = "MS")]
        scene_gap_ms: Option<u64>,
        #[command(flatten)]
        run: RunArgs,
    },
    /// List corpora with their sizes.
    List {
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
    /// Show a corpus's counts (characters, lines, turns, documents) and its vocabulary.
    Stats {
        name: String,
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Cores to fill with jobs (default: one per core).
    #[arg(long, env = "REEL_WORKERS", value_name = "N")]
    pub workers: Option<usize>,

    /// Seconds a claimed job's lease lasts without a heartbeat.
    #[arg(long, env = "REEL_LEASE_SECS", default_value_t = 30, value_name = "SECS", hide = true)]
    pub lease_secs: u64,

    /// First retry delay in milliseconds; it doubles with each attempt.
    #[arg(long, env = "REEL_BACKOFF_MS", default_value_t = 1000, value_name = "MS", hide = true)]
    pub backoff_ms: u64,
}

//! The raw command line, as clap derives it. [`super::config`] turns it into a validated `Config`.

use std::path::PathBuf;

use clap::builder::BoolishValueParser;
use clap::{Args, Parser, Subcommand};

use crate::faceswap::config::Arch;

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
        faces: StarArgs,
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
        #[command(flatten)]
        brief: BriefArgs,
        /// Where to write the script (default: standard output).
        #[arg(long, short = 'o', value_name = "FILE.fountain")]
        output: Option<PathBuf>,
    },
    /// Run a 48-hour-challenge brief through to the final cut: write the script with a trained model, voice it,
    /// match archive footage, render and cut the film, then check that the cut honours the brief. A complete rough
    /// cut is written as early as possible. Stopped at any moment, the same command goes on where it stopped.
    Challenge {
        /// The production's name; its files go to productions/NAME/.
        name: String,
        #[command(flatten)]
        brief: BriefArgs,
        /// The time the team has, e.g. 48h, 2h, 90m: the budget the stages plan around.
        #[arg(long, env = "REEL_DEADLINE", default_value = "48h", value_name = "DURATION")]
        deadline: String,
        /// Footage to add to the archive first (files or folders); without it the archive as it is.
        #[arg(long, value_name = "PATH", num_args = 1..)]
        archive: Vec<PathBuf>,
        #[command(flatten)]
        faces: StarArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// The challenge on embedded defaults: the Sunspring brief, the shipped model and the registry archive (make
    /// data). It ends by printing the film's path and a summary.
    Demo {
        /// The production's name.
        #[arg(long, default_value = "sunspring")]
        name: String,
        /// Minutes of face-swap training, where the demo has two face identities (see README).
        #[arg(long, env = "REEL_FACE_MINUTES", default_value_t = 5.0, value_name = "M")]
        face_minutes: f64,
        #[command(flatten)]
        run: RunArgs,
    },
    /// Audition and list the voices that speak the lines (espeak-ng, and the neural Piper voice), and cast them.
    Voice {
        #[command(subcommand)]
        command: VoiceCommand,
    },
    /// Build and inspect training corpora from subtitles, OPUS XML, Fountain screenplays and plays.
    Corpus {
        #[command(subcommand)]
        command: CorpusCommand,
    },
    /// The stars: extract a star's face set from video or pictures (cast/NAME/), and list them.
    Cast {
        #[command(subcommand)]
        command: CastCommand,
    },
    /// Faces: extract face sets, train the swapper that puts the star's face onto the footage's, swap faces in a
    /// video, and measure tracking jitter and swap flicker.
    Faces {
        #[command(subcommand)]
        command: FacesCommand,
    },
}

/// How faces are extracted into a face set.
#[derive(Debug, Args)]
pub struct ExtractArgs {
    /// Side of the square crops in pixels (the model's resolution).
    #[arg(long = "res", env = "REEL_FACE_RES", default_value_t = 64, value_parser = clap::value_parser!(u32).range(64..=128))]
    pub resolution: u32,
    /// Run the face detector on every N-th frame only; the tracker predicts the frames between.
    #[arg(long, env = "REEL_DETECT_EVERY", default_value_t = 1, value_name = "N")]
    pub detect_every: u32,
    /// Enlarge frames this many times before detection (1-4): the detector cannot see faces under 40 px, so small
    /// faces (wide shots, old films) need 2 or more.
    #[arg(long, env = "REEL_FACE_UPSCALE", default_value_t = 2, value_name = "N")]
    pub upscale: u32,
    /// Drop every track of a video that keeps fewer than N crops: a face seen for a few frames is most often a
    /// false detection (a hat, the back of a head) or a passer-by. 1 keeps them all.
    #[arg(long, env = "REEL_MIN_TRACK_FACES", default_value_t = 5, value_name = "N")]
    pub min_track_faces: usize,
    /// Cut each face upright: read its roll (in-plane tilt) from its mirror symmetry and turn the crop by it
    /// (`false` cuts square to the frame, as sets made before this option were). A model's two sets must agree;
    /// its swaps then cut faces the same way.
    #[arg(long, env = "REEL_FACE_UPRIGHT", default_value_t = true, action = clap::ArgAction::Set, value_name = "BOOL")]
    pub upright: bool,
}

#[derive(Debug, Subcommand)]
pub enum CastCommand {
    /// Extract the face set of a star from videos and picture folders into cast/NAME/: square crops
    /// (000000.png, ...), faces.json (where each crop came from) and sheet.png (a contact sheet to check it by eye).
    /// It runs as a job: a set whose sources and settings are unchanged is not extracted again.
    Add {
        /// The star's name, e.g. `carphone`.
        name: String,
        /// Video files, pictures, or folders of them (searched recursively).
        #[arg(long = "from", required = true, num_args = 1.., value_name = "VIDEO|IMAGE_DIR")]
        from: Vec<PathBuf>,
        #[command(flatten)]
        extract: ExtractArgs,
        #[command(flatten)]
        run: RunArgs,
    },
    /// List the cast: each face set with its crops, tracks and sources.
    List {
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FacesCommand {
    /// Extract a face set into DIR from a video, a folder of pictures, or the archive shots a query finds (the
    /// faces in the shots' time ranges).
    Extract {
        /// A video file, a picture folder, or a `reel shots query` text (when no such file exists).
        source: String,
        #[arg(long, short = 'o', value_name = "DIR")]
        output: PathBuf,
        /// With a query: how many shots to take.
        #[arg(long, default_value_t = 20, value_name = "N")]
        limit: i64,
        #[command(flatten)]
        extract: ExtractArgs,
    },
    /// Swap the faces of INPUT_VIDEO for the star of a trained face-swap model (decoder A): every tracked face is
    /// cropped around its smoothed box, converted, colour-matched and blended back with a sigmoid mask. The output
    /// is H.264 with the original audio copied, and says in its comment/description tags which faces are synthetic.
    Swap {
        input: PathBuf,
        /// The model, models/NAME/ (see `reel faces train`).
        #[arg(long, env = "REEL_FACE_MODEL", value_name = "NAME")]
        model: String,
        #[arg(long, short = 'o', value_name = "OUTPUT.mp4")]
        output: PathBuf,
        /// Run the face detector on every N-th frame only; the tracker predicts the frames between.
        #[arg(long, env = "REEL_DETECT_EVERY", default_value_t = 1, value_name = "N")]
        detect_every: u32,
        #[arg(long, env = "REEL_FACE_UPSCALE", default_value_t = 2, value_name = "N")]
        upscale: u32,
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
    /// Track the faces of VIDEO and report how many were found and the box jitter, raw and smoothed; with
    /// --swapped, also the flicker the swapped video adds inside the face regions. Given a face-swap MODEL (its
    /// folder, or its name in models/), score its held-out crops instead: SSIM of each identity, crop by crop.
    Report {
        #[arg(value_name = "VIDEO|MODEL")]
        target: PathBuf,
        /// A swapped version of VIDEO (same frames) to measure flicker in.
        #[arg(long, value_name = "SWAPPED.mp4")]
        swapped: Option<PathBuf>,
        #[arg(long, env = "REEL_FACE_UPSCALE", default_value_t = 2, value_name = "N")]
        upscale: u32,
        #[arg(long, env = "REEL_JSON", value_parser = BoolishValueParser::new())]
        json: bool,
    },
    /// Train a face swapper (a shared encoder and decoder with two bottlenecks, or a decoder per identity; PatchGAN
    /// discriminators) on two face sets: A, the star whose face goes in, and B, the faces of the footage. It runs
    /// as a job: stopped at any moment, it resumes from its last checkpoint. Writes models/NAME/ (weights, optimizer
    /// state, loss.csv, loss.png, a preview.png grid of A, A→A, A→B, B, B→B, B→A, and report.json with held-out
    /// SSIM).
    Train {
        /// The star's face set: a folder of square PNG crops, or a cast name (cast/NAME/).
        #[arg(long, value_name = "SET")]
        a: String,
        /// The other identity's face set: a folder, or a cast name.
        #[arg(long, value_name = "SET")]
        b: String,
        /// The model's name; it lives in models/NAME/ (default: A's name, then "-swap").
        #[arg(long, env = "REEL_MODEL", value_name = "NAME")]
        name: Option<String>,
        /// Crop size in pixels: 64 or 128.
        #[arg(long, env = "REEL_FACE_RES", default_value_t = 64)]
        res: u32,
        /// The model: liae (one shared decoder, a bottleneck both identities share and one for the footage's: the
        /// swap keeps the footage's pose and expression and takes the star's likeness from the shared bottleneck)
        /// or df (one decoder per identity: the star's decoder draws only what it has seen of the star). LIAE
        /// held out B's unseen poses better in the benchmark (BENCHMARKS.md).
        #[arg(long, env = "REEL_FACE_ARCH", value_enum, default_value_t = FaceArchArg::from(Arch::FOR_NEW_MODELS))]
        arch: FaceArchArg,
        /// Optimizer steps (default 3000).
        #[arg(long, conflicts_with = "minutes", value_name = "N")]
        steps: Option<u64>,
        /// Train for this many minutes instead of a number of steps (the learning rate decays over the steps that
        /// the speed up to the first checkpoint predicts).
        #[arg(long, value_name = "M")]
        minutes: Option<f64>,
        /// Weight of the adversarial (PatchGAN) loss against L1 + SSIM; 0 trains without a discriminator.
        #[arg(long, env = "REEL_GAN_WEIGHT", default_value_t = 0.1, value_name = "W")]
        gan_weight: f64,
        /// Weight of the code discriminator that pulls the star's encodings toward the footage's (DeepFaceLab's
        /// "true face"); 0 trains without one.
        #[arg(long, env = "REEL_CODE_WEIGHT", default_value_t = 0.0, value_name = "W")]
        code_weight: f64,
        /// How much more the face counts than the crop's background in the reconstruction loss (pixel weights
        /// 1 + W × the blend mask); 0 weights every pixel the same.
        #[arg(long, env = "REEL_FACE_WEIGHT", default_value_t = 0.0, value_name = "W")]
        face_weight: f64,
        /// How much more the face's most detailed pixels (eyes, brows, mouth, found by local contrast) count in
        /// the reconstruction loss; 0 adds no detail weight.
        #[arg(long, env = "REEL_DETAIL_WEIGHT", default_value_t = 0.0, value_name = "W")]
        detail_weight: f64,
        /// Redraw preview.png every N steps.
        #[arg(long, default_value_t = 100, value_name = "N")]
        preview_every: u64,
        #[arg(long, env = "REEL_SEED", default_value_t = 1337)]
        seed: u64,
        /// Continue from the checkpoints in models/NAME/, even from a run with other settings.
        #[arg(long)]
        resume: bool,
        #[command(flatten)]
        run: RunArgs,
    },
}

/// A challenge brief and how the screenplay is written around it (`reel write`, `reel challenge`).
#[derive(Debug, clap::Args)]
pub struct BriefArgs {
    /// The model (models/NAME/; `default` is the one shipped with reel).
    #[arg(long, env = "REEL_MODEL", default_value = "default")]
    pub model: String,
    /// The film's title.
    #[arg(long)]
    pub title: String,
    /// A line of dialogue that must be spoken.
    #[arg(long)]
    pub line: Option<String>,
    /// A prop or action that must appear.
    #[arg(long)]
    pub prop: Option<String>,
    /// The same seed writes the same script.
    #[arg(long, env = "REEL_SEED", default_value_t = 2016)]
    pub seed: u64,
    #[arg(long, default_value_t = 0.8)]
    pub temperature: f32,
    #[arg(long, default_value_t = 0.95)]
    pub top_p: f32,
    /// About how many pages to write.
    #[arg(long, default_value_t = 2)]
    pub pages: u32,
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
    /// Show who speaks each character of a production (the voice, and whether it is automatic or chosen in
    /// productions/NAME/production.toml), and choose voices by hand with --set.
    Cast {
        /// The production (its characters come from its shot plan, or from --script).
        production: String,
        /// Give CHARACTER the voice SPEC, written into production.toml's [voices] (other settings and comments are
        /// kept); repeat for more characters. `--set "ANN=espeak:en-us+f3 pitch=60"`.
        #[arg(long = "set", value_name = "CHARACTER=SPEC")]
        set: Vec<String>,
        /// Read the characters from this screenplay instead of the production's shot plan (before `reel produce`).
        #[arg(long, value_name = "FILE.fountain")]
        script: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
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
pub enum FaceArchArg {
    Df,
    Liae,
}

impl From<Arch> for FaceArchArg {
    fn from(arch: Arch) -> FaceArchArg {
        match arch {
            Arch::Df => FaceArchArg::Df,
            Arch::Liae => FaceArchArg::Liae,
        }
    }
}

impl From<FaceArchArg> for Arch {
    fn from(arch: FaceArchArg) -> Arch {
        match arch {
            FaceArchArg::Df => Arch::Df,
            FaceArchArg::Liae => Arch::Liae,
        }
    }
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
    /// Only the archive shots that this production's cut uses.
    #[arg(long, value_name = "NAME")]
    pub production: Option<String>,
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
    /// Why a production's shot got its footage: the search, the winner's score and every candidate it beat.
    Explain {
        /// The production (see `reel productions`).
        production: String,
        /// The shot's position in the cut (the # column of `reel shots list`).
        shot: i64,
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

/// Who plays whom: a star's face for the lead, and the time to learn it.
#[derive(Debug, Args)]
pub struct StarArgs {
    /// The star who plays the lead (the character with the most lines): a cast name (`reel cast list`), or a video
    /// or picture folder to make that star's face set from, named after it or as NAME=PATH says. production.toml's
    /// [cast] chooses for other characters.
    #[arg(long, env = "REEL_STAR", value_name = "NAME|PATH|NAME=PATH")]
    pub star: Option<String>,
    /// Minutes of face-swap training per star (default: a tenth of the deadline for a challenge, 10 for produce).
    #[arg(long, env = "REEL_FACE_MINUTES", value_name = "M")]
    pub face_minutes: Option<f64>,
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

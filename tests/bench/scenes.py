#!/usr/bin/env python3
"""Shot detection, reel against PySceneDetect, side by side on the same files.

  python3 tests/bench/scenes.py FILE... [--reel-cmd 'target/release/reel-bench detect {file}']

For each FILE runs, in one process run:
  * PySceneDetect ContentDetector() and AdaptiveDetector(), default settings, OpenCV backend
    (open_video + SceneManager; SceneManager's defaults: auto_downscale on, so a 1280-wide frame is
    analysed at 1280/256 = 5x smaller; no frame skipping; min_scene_len 15 frames);
  * reel, by running --reel-cmd, which must print one JSON line
    {"frames": N, "seconds": S, "cuts": [{"frame": n, "kind": "cut"|"fade"}]}.
frames/s = frames decoded / wall seconds of the whole detection as a user sees it (for PySceneDetect from
open_video to the scene list; for reel the wall time of the command, process start included).

If FILE has a FILE-without-.mp4 + ".truth.json" next to it (see splice.py), each detector is scored:
precision, recall and F1 of cut positions, a detection matching a true cut at most --tolerance frames
away (one-to-one, greedy nearest first; a fade's true frame is the middle of its black run).
"lenient F1" accepts a detection anywhere in a fade transition (fade-out start to fade-in end, ± tolerance)
for that fade, since detectors differ in where they put a fade's boundary (PySceneDetect: near the start
of the black run). "hard" repeats the scores for hard cuts only: truth restricted to kind "cut", and
detections that fall inside a fade transition ignored.
Without truth (e.g. Big Buck Bunny) only the number of cuts and the matches with reel's cuts are given.

The script re-executes itself inside a venv (--venv, default $REEL_BENCH_VENV or
$REEL_CACHE/bench-venv, REEL_CACHE defaulting to ~/.cache/reel), creating it and installing the pinned packages only if it is missing.
"""
import argparse
import json
import os
import shlex
import subprocess
import sys
import time

# scenedetect 0.7.2 declares a dependency on opencv-python (the GUI build); installing that next to
# opencv-python-headless puts two copies of cv2 in one folder, so scenedetect is installed with --no-deps
# and its other dependencies are pinned here.
SCENEDETECT = "scenedetect==0.7.2"
DEPENDENCIES = ["opencv-python-headless==5.0.0.93", "numpy==2.4.6", "click==8.5.1", "platformdirs==4.14.7",
                "tqdm==4.70.1"]
MARKER = ".reel-bench-pins"
CACHE = os.environ.get("REEL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "reel")
DEFAULT_VENV = os.environ.get("REEL_BENCH_VENV", os.path.join(CACHE, "bench-venv"))
PYSCENEDETECT = ["content", "adaptive"]


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("files", nargs="+", help="video files")
    p.add_argument("--reel-cmd", default="target/release/reel-bench detect {file}",
                   help="reel's detector command; {file} is replaced by the (quoted) path, else it is appended")
    p.add_argument("--venv", default=DEFAULT_VENV)
    p.add_argument("--repeat", type=int, default=1, help="runs per detector and file; the fastest is kept")
    p.add_argument("--tolerance", type=int, default=1, help="frames a detection may be off")
    p.add_argument("--detectors", default="reel,content,adaptive", help="comma-separated subset")
    p.add_argument("--json", default="scenes-results.json", help="where to write the raw results")
    return p.parse_args()


# ---------------------------------------------------------------- venv

def pins():
    return "\n".join([SCENEDETECT, *DEPENDENCIES]) + "\n"


def ensure_venv(venv):
    """Create the venv and install the pins unless it already has them (then this is a no-op)."""
    marker = os.path.join(venv, MARKER)
    python = os.path.join(venv, "bin", "python")
    if os.path.exists(python) and os.path.exists(marker) and open(marker).read() == pins():
        return python
    print(f"setting up {venv} ...", file=sys.stderr)
    subprocess.run([sys.executable, "-m", "venv", venv], check=True)
    pip = [python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    subprocess.run([*pip, "--no-deps", SCENEDETECT], check=True)
    subprocess.run([*pip, *DEPENDENCIES], check=True)
    with open(marker, "w") as f:
        f.write(pins())
    return python


def in_venv(venv):
    return os.path.realpath(sys.prefix) == os.path.realpath(venv)


# ---------------------------------------------------------------- detectors

def run_pyscenedetect(path, which):
    from scenedetect import AdaptiveDetector, ContentDetector, SceneManager, open_video
    from scenedetect.scene_manager import compute_downscale_factor
    start = time.perf_counter()
    video = open_video(path, backend="opencv")
    manager = SceneManager()
    manager.add_detector(ContentDetector() if which == "content" else AdaptiveDetector())
    frames = manager.detect_scenes(video, show_progress=False)
    scenes = manager.get_scene_list()
    seconds = time.perf_counter() - start
    cuts = [{"frame": begin.frame_num, "kind": "cut"} for begin, _ in scenes[1:]]
    width = video.frame_size[0]
    downscale = compute_downscale_factor(width) if manager.auto_downscale else manager.downscale
    return {"frames": frames, "seconds": seconds, "cuts": cuts, "width": width, "downscale": downscale}


def run_reel(path, template):
    if "{file}" in template:
        cmd = template.replace("{file}", shlex.quote(path))
    else:
        cmd = f"{template} {shlex.quote(path)}"
    start = time.perf_counter()
    done = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{cmd} failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
    lines = [line for line in done.stdout.splitlines() if line.strip().startswith("{")]
    if not lines:
        raise RuntimeError(f"{cmd} printed no JSON line")
    out = json.loads(lines[-1])
    return {"frames": out["frames"], "seconds": seconds, "reported_seconds": out["seconds"], "cuts": out["cuts"],
            "command": cmd}


def run_detector(name, path, args):
    best = None
    for _ in range(args.repeat):
        result = run_reel(path, args.reel_cmd) if name == "reel" else run_pyscenedetect(path, name)
        if best is None or result["seconds"] < best["seconds"]:
            best = result
    best["fps"] = best["frames"] / best["seconds"] if best["seconds"] > 0 else float("inf")
    return best


# ---------------------------------------------------------------- scoring

def match(detected, truth, tolerance, windows=None):
    """One-to-one matches (greedy, nearest first) of detected to true frames within tolerance.

    `windows` optionally maps a true frame to its own accepted [a, b] range instead of ±tolerance."""
    windows = windows or {}

    def accepts(t, d):
        a, b = windows.get(t, (t - tolerance, t + tolerance))
        return a <= d <= b

    pairs = sorted((abs(d - t), t, d) for d in set(detected) for t in set(truth) if accepts(t, d))
    used_d, used_t, matched = set(), set(), []
    for _, t, d in pairs:
        if d not in used_d and t not in used_t:
            used_d.add(d)
            used_t.add(t)
            matched.append((t, d))
    return matched


def prf(n_detected, n_truth, n_matched):
    p = n_matched / n_detected if n_detected else (1.0 if n_truth == 0 else 0.0)
    r = n_matched / n_truth if n_truth else 1.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": p, "recall": r, "f1": f, "detected": n_detected, "truth": n_truth, "matched": n_matched}


def fade_ranges(truth, tolerance):
    """{true frame: [a, b]} covering each fade transition (fade-out start to fade-in end, ± tolerance)."""
    out = {}
    for c in truth["cuts"]:
        if c["kind"] != "fade":
            continue
        if "black_start" in c:
            out[c["frame"]] = (c["black_start"] - c["fade_out"] + 1 - tolerance,
                               c["black_start"] + c["black_frames"] + c["fade_in"] - 2 + tolerance)
        else:
            out[c["frame"]] = (c["frame"] - tolerance, c["frame"] + tolerance)
    return out


def score(cuts, truth, tolerance):
    """P/R/F1 for all cuts (fade at the middle of its black run ± tolerance), for all cuts with a fade
    matched anywhere in its transition ("lenient"), and for hard cuts only."""
    detected = sorted({c["frame"] for c in cuts})
    true_all = sorted({c["frame"] for c in truth["cuts"]})
    fades = fade_ranges(truth, tolerance)
    all_cuts = prf(len(detected), len(true_all), len(match(detected, true_all, tolerance)))
    lenient = prf(len(detected), len(true_all), len(match(detected, true_all, tolerance, fades)))
    true_hard = sorted({c["frame"] for c in truth["cuts"] if c["kind"] == "cut"})
    outside = [d for d in detected if not any(a <= d <= b for a, b in fades.values())]
    hard = prf(len(outside), len(true_hard), len(match(outside, true_hard, tolerance)))
    return {"all": all_cuts, "lenient": lenient, "hard": hard}


def load_truth(path):
    stem = path[:-4] if path.endswith(".mp4") else path
    truth_path = stem + ".truth.json"
    if os.path.exists(truth_path):
        with open(truth_path) as f:
            return json.load(f)
    return None


# ---------------------------------------------------------------- report

def fmt(x, digits=3):
    return "—" if x is None else f"{x:.{digits}f}"


def table(results):
    head = ("| file | detector | frames | seconds | frames/s | reel ÷ it | cuts | ±1 with reel "
            "| P | R | F1 | lenient F1 | hard P | hard R | hard F1 |")
    rows = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in results:
        s = r.get("score") or {}
        a, h, l = s.get("all", {}), s.get("hard", {}), s.get("lenient", {})
        rows.append(
            f"| {os.path.basename(r['file'])} | {r['detector']} | {r['frames']} | {r['seconds']:.2f} "
            f"| {r['fps']:.0f} | {fmt(r.get('reel_speedup'), 2)} | {len(r['cuts'])} "
            f"| {'—' if r.get('reel_matches') is None else r['reel_matches']} "
            f"| {fmt(a.get('precision'))} | {fmt(a.get('recall'))} | {fmt(a.get('f1'))} | {fmt(l.get('f1'))} "
            f"| {fmt(h.get('precision'))} | {fmt(h.get('recall'))} | {fmt(h.get('f1'))} |")
    return "\n".join(rows)


def summary(results, detectors):
    """Totals over all files with truth: frames/s over all frames, micro-averaged P/R/F1."""
    lines = []
    for name in detectors:
        rs = [r for r in results if r["detector"] == name]
        frames, seconds = sum(r["frames"] for r in rs), sum(r["seconds"] for r in rs)
        scored = [r["score"] for r in rs if r.get("score")]
        parts = [f"{name}: {frames} frames in {seconds:.2f} s = {frames / seconds:.0f} frames/s"]
        for key in ("all", "lenient", "hard"):
            if scored:
                d, t, m = (sum(s[key][k] for s in scored) for k in ("detected", "truth", "matched"))
                p = prf(d, t, m)
                parts.append(f"{key} P {p['precision']:.3f} R {p['recall']:.3f} F1 {p['f1']:.3f}")
        lines.append("- " + "; ".join(parts))
    return "\n".join(lines)


def main():
    args = parse_args()
    if not in_venv(args.venv):
        python = ensure_venv(args.venv)
        os.execv(python, [python, os.path.abspath(__file__), *sys.argv[1:]])
    import scenedetect
    detectors = [d for d in args.detectors.split(",") if d]
    results = []
    for path in args.files:
        truth = load_truth(path)
        per_file = {}
        for name in detectors:
            print(f"{os.path.basename(path)}: {name} ...", file=sys.stderr)
            r = run_detector(name, path, args)
            r.update(file=path, detector=name)
            if truth:
                r["score"] = score(r["cuts"], truth, args.tolerance)
            per_file[name] = r
            results.append(r)
        reel = per_file.get("reel")
        if reel:
            reel_frames = [c["frame"] for c in reel["cuts"]]
            for r in per_file.values():
                r["reel_speedup"] = reel["fps"] / r["fps"]
                r["reel_matches"] = len(match([c["frame"] for c in r["cuts"]], reel_frames, args.tolerance))
    print(f"PySceneDetect {scenedetect.__version__}, tolerance ±{args.tolerance} frames, best of {args.repeat}\n")
    print(table(results))
    print()
    print(summary(results, detectors))
    with open(args.json, "w") as f:
        json.dump({"scenedetect": scenedetect.__version__, "pins": pins().split(), "tolerance": args.tolerance,
                   "repeat": args.repeat, "results": results}, f, indent=1)


if __name__ == "__main__":
    main()

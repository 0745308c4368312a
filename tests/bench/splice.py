#!/usr/bin/env python3
"""Build a shot-detection ground-truth set by splicing real footage at known frames.

Uses only the Python standard library and the ffmpeg/ffprobe command-line tools.

For every source the script first scans the frames with ffmpeg's scene score (`select` filter's `scene`)
and mean luma (`signalstats`), caching the scan in OUT/.scan/. A "span" is a run of frames with no scene
score above --span-threshold and no dark frame; segments are cut only from inside spans, with a margin,
so that they never contain an unlabelled cut or fade of the source itself.

Each output video is a sequence of segments (1280x720, 24 fps; smaller sources are scaled up and padded,
sources at other rates are conformed frame for frame, i.e. played at 24 fps) joined by either

* a hard cut: the truth frame is the first frame of the new segment, or
* a fade through black: the last N frames of the outgoing segment ramp down to black (its last frame is
  black), then K fully black frames, then the first M frames of the incoming segment ramp up from black
  (its first frame is black). The black run is therefore K + 2 frames long, starting at frame b; the truth
  frame is its middle, b + (K + 2) // 2, the same convention reel uses for fade boundaries.

Writes OUT/<name>.mp4 (libx264, crf 20, GOP 48, 2 B-frames, yuv420p) and OUT/<name>.truth.json:
  {"frames": total, "fps": 24, "cuts": [{"frame": n, "kind": "cut"|"fade", ...details}], "segments": [...]}
Everything is deterministic given --seed.
"""
import argparse
import json
import os
import random
import subprocess
import sys

WIDTH, HEIGHT, FPS = 1280, 720, 24
FRAME_BYTES = WIDTH * HEIGHT * 3 // 2
Y_BYTES = WIDTH * HEIGHT
NORMALIZE = (
    f"scale={WIDTH}:{HEIGHT}:force_original_aspect_ratio=decrease:flags=bicubic,"
    f"pad={WIDTH}:{HEIGHT}:(ow-iw)/2:(oh-ih)/2:black,setsar=1,format=yuv420p"
)

CACHE = os.environ.get("REEL_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "reel")
REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DEFAULT_SOURCES = {
    "bbb": os.path.join(CACHE, "footage", "bbb.mp4"),
    "chaplin": os.path.join(REPO, "..", "shared", "data", "footage", "chaplin.mp4"),
    "bikes": os.path.join(CACHE, "footage", "bikes.mp4"),
    "carphone": os.path.join(CACHE, "footage", "carphone_pristine.mp4"),
}
# Segments per video taken from each small source (BBB fills the rest of the duration).
SMALL_PER_VIDEO = {"chaplin": 1, "bikes": 2, "carphone": 1}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("out", help="output folder")
    p.add_argument("--seed", type=int, default=20261122)
    p.add_argument("--videos", type=int, default=3)
    p.add_argument("--seconds", type=float, default=48.0, help="approximate length of each video")
    p.add_argument("--fade-share", type=float, default=0.4, help="share of transitions that are fades")
    p.add_argument("--span-threshold", type=float, default=0.08, help="scene score that ends a span")
    p.add_argument("--dark-yavg", type=float, default=40.0, help="limited-range mean luma below which a frame is dark")
    p.add_argument("--margin", type=int, default=8, help="frames kept clear of each BBB span edge")
    p.add_argument("--small-margin", type=int, default=3, help="the same for the short sources")
    p.add_argument("--min-seg", type=int, default=40)
    p.add_argument("--max-seg", type=int, default=120)
    p.add_argument("--preset", default="medium", help="libx264 preset")
    for name, path in DEFAULT_SOURCES.items():
        p.add_argument(f"--{name}", default=path, help=f"path of the {name} source")
    return p.parse_args()


def probe_fps(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "stream=r_frame_rate",
         "-of", "csv=p=0", path], check=True, capture_output=True, text=True).stdout.strip()
    num, den = out.split("/")
    return int(num) / int(den)


def scan(path, cache):
    """Per-frame (scene score, limited-range mean luma) from ffmpeg, cached in `cache`."""
    if not os.path.exists(cache):
        tmp = cache + ".tmp"
        subprocess.run(
            ["ffmpeg", "-v", "error", "-nostdin", "-i", path, "-an", "-vf",
             f"scale=320:180,select='gte(scene\\,0)',signalstats,metadata=print:file={tmp}", "-f", "null", "-"],
            check=True)
        os.replace(tmp, cache)
    scores, yavg = [], []
    with open(cache) as f:
        for line in f:
            if line.startswith("lavfi.scene_score="):
                scores.append(float(line.split("=")[1]))
            elif line.startswith("lavfi.signalstats.YAVG="):
                yavg.append(float(line.split("=")[1]))
    assert len(scores) == len(yavg), cache
    return scores, yavg


def find_spans(scores, yavg, threshold, dark, margin):
    """Usable [start, end) frame ranges inside single shots, shrunk by `margin` on each side."""
    spans, start = [], None
    for i, (s, y) in enumerate(zip(scores, yavg)):
        breaks = (s > threshold and i > 0) or y < dark
        if breaks:
            if start is not None:
                spans.append((start, i))
            start = None if y < dark else i
        elif start is None:
            start = i
    if start is not None:
        spans.append((start, len(scores)))
    return [(a + margin, b - margin) for a, b in spans if b - a - 2 * margin > 0]


def pick_in_span(rng, span, min_seg, max_seg):
    a, b = span
    length = rng.randint(min_seg, min(max_seg, b - a))
    start = rng.randint(a, b - length)
    return start, length


def plan_video(rng, index, count, spans, target_frames, args):
    """Choose segments (each source's in increasing frame order) and the transitions between them."""
    segs = {}
    for name, n in SMALL_PER_VIDEO.items():
        usable = [s for s in spans[name] if s[1] - s[0] >= args.min_seg]
        chosen = sorted(rng.sample(usable, min(n, len(usable))))
        segs[name] = [pick_in_span(rng, s, args.min_seg, args.max_seg) for s in chosen]
    # BBB: spans from this video's share of the film, so every span is used by one video at most.
    lo, hi = index * len(spans["bbb_frames"]) // count, (index + 1) * len(spans["bbb_frames"]) // count
    pool = [s for s in spans["bbb"] if s[0] >= lo and s[1] <= hi and s[1] - s[0] >= args.min_seg]
    rng.shuffle(pool)
    total = sum(length for v in segs.values() for _, length in v)
    bbb = []
    while total < target_frames and pool:
        seg = pick_in_span(rng, pool.pop(), args.min_seg, args.max_seg)
        bbb.append(seg)
        total += seg[1]
    segs["bbb"] = sorted(bbb)
    # Random interleaving that keeps each source's segments in order (one decoder pass per source).
    tags = [name for name, v in segs.items() for _ in v]
    rng.shuffle(tags)
    cursor = {name: 0 for name in segs}
    order = []
    for tag in tags:
        start, length = segs[tag][cursor[tag]]
        cursor[tag] += 1
        order.append({"source": tag, "start": start, "length": length})
    transitions = []
    for _ in order[1:]:
        if rng.random() < args.fade_share:
            transitions.append({"kind": "fade", "out": rng.randint(6, 12), "black": rng.randint(0, 6),
                                "in": rng.randint(6, 12)})
        else:
            transitions.append({"kind": "cut"})
    return order, transitions


class Decoder:
    """Streams the wanted frames of one source, normalised to 1280x720 yuv420p, in frame order."""

    def __init__(self, path, fps, ranges):
        first = min(a for a, _ in ranges)
        seek = max(0.0, first / fps - 3.0)
        if seek > 0:  # seek, keep source timestamps and select by time
            terms = "+".join(f"between(t\\,{(a - 0.5) / fps:.6f}\\,{(a + n - 0.5) / fps:.6f})" for a, n in ranges)
            pre = ["-ss", f"{seek:.3f}", "-copyts"]
        else:
            terms = "+".join(f"between(n\\,{a}\\,{a + n - 1})" for a, n in ranges)
            pre = []
        self.expected = sum(n for _, n in ranges)
        self.read = 0
        self.proc = subprocess.Popen(
            ["ffmpeg", "-v", "error", "-nostdin", *pre, "-i", path, "-an", "-vf", f"select='{terms}',{NORMALIZE}",
             "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "yuv420p", "pipe:"],
            stdout=subprocess.PIPE)

    def frame(self):
        buf = bytearray(FRAME_BYTES)
        view, got = memoryview(buf), 0
        while got < FRAME_BYTES:
            n = self.proc.stdout.readinto(view[got:])
            if not n:
                raise RuntimeError(f"decoder ended after {self.read} of {self.expected} frames")
            got += n
        self.read += 1
        return bytes(buf)

    def close(self):
        rest = self.proc.stdout.read()
        self.proc.wait()
        if rest or self.read != self.expected:
            raise RuntimeError(f"decoder frame count mismatch: read {self.read}, expected {self.expected}, "
                               f"{len(rest)} bytes left")


_TABLES = {}


def fade(frame, alpha):
    """Scale a yuv420p frame towards black (Y 16, U/V 128) by `alpha` in [0, 1]."""
    if alpha >= 1.0:
        return frame
    if alpha not in _TABLES:
        y = bytes(max(0, min(255, round(16 + (v - 16) * alpha))) for v in range(256))
        c = bytes(max(0, min(255, round(128 + (v - 128) * alpha))) for v in range(256))
        _TABLES[alpha] = (y, c)
    y, c = _TABLES[alpha]
    return frame[:Y_BYTES].translate(y) + frame[Y_BYTES:].translate(c)


def black_frame():
    return bytes([16]) * Y_BYTES + bytes([128]) * (FRAME_BYTES - Y_BYTES)


def encoder(path, preset):
    return subprocess.Popen(
        ["ffmpeg", "-v", "error", "-nostdin", "-y", "-f", "rawvideo", "-pix_fmt", "yuv420p", "-s",
         f"{WIDTH}x{HEIGHT}", "-framerate", str(FPS), "-i", "pipe:", "-c:v", "libx264", "-preset", preset,
         "-crf", "20", "-g", "48", "-keyint_min", "48", "-bf", "2", "-pix_fmt", "yuv420p", "-threads", "2",
         "-movflags", "+faststart", "-fflags", "+bitexact", "-flags:v", "+bitexact", path],
        stdin=subprocess.PIPE)


def alpha_at(j, length, before, after):
    """Fade factor of frame j of a segment given the transitions before and after it."""
    alpha = 1.0
    if before and before["kind"] == "fade" and j < before["in"]:
        alpha = min(alpha, j / before["in"])
    if after and after["kind"] == "fade" and j >= length - after["out"]:
        alpha = min(alpha, 1.0 - (j - (length - after["out"]) + 1) / after["out"])
    return alpha


def render(order, transitions, sources, fps, out_path, preset):
    """Encode the video and return the truth cuts and the segment table."""
    decoders = {}
    for name in {s["source"] for s in order}:
        ranges = [(s["start"], s["length"]) for s in order if s["source"] == name]
        decoders[name] = Decoder(sources[name], fps[name], ranges)
    enc = encoder(out_path, preset)
    frame_no, cuts, table = 0, [], []
    for i, seg in enumerate(order):
        before = transitions[i - 1] if i > 0 else None
        after = transitions[i] if i < len(transitions) else None
        if before and before["kind"] == "cut":
            cuts.append({"frame": frame_no, "kind": "cut"})
        table.append({**seg, "out_start": frame_no})
        dec = decoders[seg["source"]]
        for j in range(seg["length"]):
            enc.stdin.write(fade(dec.frame(), alpha_at(j, seg["length"], before, after)))
            frame_no += 1
        if after and after["kind"] == "fade":
            black_start = frame_no - 1  # the outgoing segment's last frame is black
            for _ in range(after["black"]):
                enc.stdin.write(black_frame())
                frame_no += 1
            run = after["black"] + 2  # + the incoming segment's first frame
            cuts.append({"frame": black_start + run // 2, "kind": "fade", "black_start": black_start,
                         "black_frames": run, "fade_out": after["out"], "fade_in": after["in"]})
    enc.stdin.close()
    if enc.wait() != 0:
        raise RuntimeError("encoder failed")
    for dec in decoders.values():
        dec.close()
    return frame_no, cuts, table


def count_frames(path):
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "v:0", "-count_packets", "-show_entries",
         "stream=nb_read_packets", "-of", "csv=p=0", path], check=True, capture_output=True, text=True)
    return int(out.stdout.strip())


def main():
    args = parse_args()
    os.makedirs(os.path.join(args.out, ".scan"), exist_ok=True)
    sources = {name: getattr(args, name) for name in DEFAULT_SOURCES}
    fps, spans = {}, {}
    for name, path in sources.items():
        fps[name] = probe_fps(path)
        scores, yavg = scan(path, os.path.join(args.out, ".scan", f"{name}.txt"))
        margin = args.margin if name == "bbb" else args.small_margin
        spans[name] = find_spans(scores, yavg, args.span_threshold, args.dark_yavg, margin)
        if name == "bbb":
            spans["bbb_frames"] = scores
        print(f"{name}: {len(scores)} frames at {fps[name]:.3f} fps, {len(spans[name])} usable spans", file=sys.stderr)
    rng = random.Random(args.seed)
    for index in range(args.videos):
        name = f"splice{index + 1}"
        order, transitions = plan_video(rng, index, args.videos, spans, round(args.seconds * FPS), args)
        mp4 = os.path.join(args.out, f"{name}.mp4")
        frames, cuts, table = render(order, transitions, sources, fps, mp4, args.preset)
        if count_frames(mp4) != frames:
            raise RuntimeError(f"{mp4}: frame count differs from {frames}")
        truth = {"frames": frames, "fps": FPS, "cuts": cuts, "segments": table, "seed": args.seed,
                 "convention": "cut: first frame of the new shot; fade: middle (b + len // 2) of the black run"}
        with open(os.path.join(args.out, f"{name}.truth.json"), "w") as f:
            json.dump(truth, f, indent=1)
        kinds = [c["kind"] for c in cuts]
        print(f"{name}: {frames} frames ({frames / FPS:.1f} s), {kinds.count('cut')} cuts, "
              f"{kinds.count('fade')} fades", file=sys.stderr)


if __name__ == "__main__":
    main()

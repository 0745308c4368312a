//! A CMX 3600 edit decision list of the cut.
//!
//! Layout: `TITLE:` and `FCM: NON-DROP FRAME`, then one cut event per clip in record order — reel, channel `V`,
//! transition `C`, source in/out, record in/out — followed by `* FROM CLIP NAME:` with the source file's name.
//! Cards (clips without a source) are `BL` (black) events named after the clip. Voice clips follow as audio events
//! on channel `A` with reel `AX` (an auxiliary source, i.e. a file), named after the voice file.
//!
//! Timecodes are non-drop at the nominal integer rate (23.976 counts as 24): source timecodes in the source's own
//! rate (a clip's length converted to it and rounded), record timecodes in the timeline's rate, with the film
//! starting at `00:00:00:00` so record timecodes equal film time.

use std::fmt::Write;
use std::path::Path;

use super::Timeline;

/// One EDL event line plus its comment.
struct Event {
    reel: String,
    channel: &'static str,
    src: (u64, u64),
    src_rate: u64,
    rec: (u64, u64),
    clip_name: String,
}

/// The timeline as CMX 3600 text (`\n` line ends).
pub fn write_edl(timeline: &Timeline) -> String {
    let film_fps = timeline.fps();
    let film_rate = nominal(film_fps);
    let mut clips: Vec<_> = timeline.clips.iter().collect();
    clips.sort_by_key(|c| c.record_start_frame);

    let mut events = Vec::new();
    for clip in &clips {
        let rec = (clip.record_start_frame, clip.record_start_frame + clip.frames);
        events.push(match &clip.source {
            Some(src) => {
                let src_frames = (clip.frames as f64 * src.fps / film_fps).round() as u64;
                Event {
                    reel: reel_name(&src.reel_name),
                    channel: "V",
                    src: (src.start_frame, src.start_frame + src_frames),
                    src_rate: nominal(src.fps),
                    rec,
                    clip_name: file_name(&src.path),
                }
            }
            None => Event {
                reel: "BL".into(),
                channel: "V",
                src: (0, clip.frames),
                src_rate: film_rate,
                rec,
                clip_name: clip.name.clone(),
            },
        });
    }
    let mut voices: Vec<_> = clips
        .iter()
        .filter_map(|c| c.dialogue.as_ref())
        .filter_map(|d| d.voice_path.as_ref().map(|p| (d, p)))
        .map(|(d, p)| {
            let start = (d.start_s.max(0.0) * film_fps).round() as u64;
            let end = ((d.end_s.max(0.0) * film_fps).round() as u64).max(start + 1);
            (start, end, file_name(p))
        })
        .collect();
    voices.sort_by_key(|v| v.0);
    for (start, end, name) in voices {
        events.push(Event {
            reel: "AX".into(),
            channel: "A",
            src: (0, end - start),
            src_rate: film_rate,
            rec: (start, end),
            clip_name: name,
        });
    }

    let mut out = format!("TITLE: {}\nFCM: NON-DROP FRAME\n\n", timeline.title.trim());
    for (n, e) in events.iter().enumerate() {
        let _ = writeln!(
            out,
            "{:03}  {:<8} {:<5} {:<8} {} {} {} {}",
            n + 1,
            e.reel,
            e.channel,
            "C",
            timecode(e.src.0, e.src_rate),
            timecode(e.src.1, e.src_rate),
            timecode(e.rec.0, film_rate),
            timecode(e.rec.1, film_rate)
        );
        let _ = writeln!(out, "* FROM CLIP NAME: {}\n", e.clip_name);
    }
    out
}

/// The integer rate non-drop timecode counts at: 23.976 -> 24, 29.97 -> 30; never 0.
fn nominal(fps: f64) -> u64 {
    if fps.is_finite() && fps >= 1.0 { fps.round() as u64 } else { 1 }
}

/// `HH:MM:SS:FF` for `frame` at `rate` frames per second, non-drop.
fn timecode(frame: u64, rate: u64) -> String {
    let (ff, secs) = (frame % rate, frame / rate);
    format!("{:02}:{:02}:{:02}:{ff:02}", secs / 3600, secs / 60 % 60, secs % 60)
}

/// At most 8 characters of `[A-Za-z0-9_]`; anything else becomes `_`; empty becomes `AX`.
fn reel_name(name: &str) -> String {
    let reel: String =
        name.trim().chars().take(8).map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    if reel.is_empty() { "AX".into() } else { reel }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned())
}

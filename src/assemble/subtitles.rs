//! SubRip (SRT) and WebVTT subtitles from the timeline's dialogue.
//!
//! Cue policy, shared by both formats:
//! - one cue per clip with non-empty dialogue, ordered by start time (then end time, then timeline order);
//! - times are rounded to milliseconds and clamped at 0;
//! - overlaps are avoided by ending a cue where the next one starts; a cue left with no length keeps 1 ms and
//!   pushes the next cue's start back by the same amount;
//! - blank lines inside the text are dropped (a blank line ends a cue in both formats).
//!
//! Speakers: WebVTT marks them with a voice span `<v Name>`, which players use for styling but do not print. SRT
//! has no speaker markup, so the SRT shows the text only, like the VTT on screen. A "NAME: " prefix is the
//! hard-of-hearing convention and would make the two files show different things.

use std::fmt::Write;

use super::Timeline;

/// A cue after ordering and overlap removal.
struct Cue<'a> {
    start_ms: u64,
    end_ms: u64,
    speaker: &'a str,
    lines: Vec<&'a str>,
}

fn cues(timeline: &Timeline) -> Vec<Cue<'_>> {
    let to_ms = |s: f64| if s.is_finite() && s > 0.0 { (s * 1000.0).round() as u64 } else { 0 };
    let mut cues: Vec<Cue<'_>> = timeline
        .clips
        .iter()
        .filter_map(|c| c.dialogue.as_ref())
        .map(|d| Cue {
            start_ms: to_ms(d.start_s),
            end_ms: to_ms(d.end_s),
            speaker: d.character.trim(),
            lines: d.text.lines().map(str::trim).filter(|l| !l.is_empty()).collect(),
        })
        .filter(|c| !c.lines.is_empty())
        .collect();
    cues.sort_by_key(|c| (c.start_ms, c.end_ms)); // stable: ties keep timeline order
    for i in 0..cues.len() {
        if let Some(next_start) = cues.get(i + 1).map(|n| n.start_ms) {
            cues[i].end_ms = cues[i].end_ms.min(next_start);
        }
        if cues[i].end_ms <= cues[i].start_ms {
            cues[i].end_ms = cues[i].start_ms + 1;
        }
        let end = cues[i].end_ms;
        if let Some(next) = cues.get_mut(i + 1) {
            next.start_ms = next.start_ms.max(end);
        }
    }
    cues
}

fn timestamp(ms: u64, separator: char) -> String {
    let (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{f:03}")
}

/// The dialogue as SubRip text: numbered cues, `00:00:01,000 --> 00:00:02,500`, CRLF-free (`\n`) line ends.
pub fn write_srt(timeline: &Timeline) -> String {
    let mut out = String::new();
    for (n, cue) in cues(timeline).iter().enumerate() {
        let _ = writeln!(out, "{}\n{} --> {}", n + 1, timestamp(cue.start_ms, ','), timestamp(cue.end_ms, ','));
        for line in &cue.lines {
            let _ = writeln!(out, "{line}");
        }
        out.push('\n');
    }
    out
}

/// The dialogue as WebVTT text: a `WEBVTT` header, then cues `00:00:01.000 --> 00:00:02.500` whose text starts with
/// a voice span `<v Name>` (no span when the speaker is empty). `&`, `<` and `>` in text and names are escaped.
pub fn write_vtt(timeline: &Timeline) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for cue in cues(timeline) {
        let _ = writeln!(out, "{} --> {}", timestamp(cue.start_ms, '.'), timestamp(cue.end_ms, '.'));
        for (i, line) in cue.lines.iter().enumerate() {
            if i == 0 && !cue.speaker.is_empty() {
                let _ = write!(out, "<v {}>", escape(cue.speaker));
            }
            let _ = writeln!(out, "{}", escape(line));
        }
        out.push('\n');
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

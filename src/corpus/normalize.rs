//! Text clean-up shared by every source kind, and the subtitle-specific rules that turn a cue's text into
//! speaker segments.
//!
//! This file owns what a piece of text looks like once it reaches the corpus: single-line, whitespace
//! collapsed, ASCII quotes and ellipses, no markup, hearing-impaired annotations or music marks. It must not
//! group text into turns or scenes (that is `subtitles.rs`) nor know about files.

use super::line::{is_speaker_name, speaker_name};

/// One speaker's piece of a cue after clean-up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Segment {
    pub text: String,
    /// A `JOHN:` label that opened the line, as a speaker name.
    pub speaker: Option<String>,
    /// The line opened with a speaker dash (`- `, `– `, `— `), so it is a turn of its own.
    pub dash: bool,
}

/// Makes `text` one tidy line: ASCII quotes and ellipses, no control or zero-width characters, whitespace
/// (newlines included) collapsed to single spaces, trimmed.
pub(crate) fn tidy(text: &str) -> String {
    let mut mapped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => mapped.push('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' => mapped.push('"'),
            '\u{2026}' => mapped.push_str("..."),
            '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{FFFD}' => {}
            c if c.is_whitespace() => mapped.push(' '),
            c if c.is_control() => {}
            c => mapped.push(c),
        }
    }
    mapped.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Splits a subtitle cue's text (lines joined with `\n`) into segments: markup, annotations and music
/// removed, a speaker dash or a `NAME:` label starting a new segment, other lines joined to the one before.
pub(crate) fn cue_segments(text: &str) -> Vec<Segment> {
    let text = remove_groups(&strip_markup(text), '[', ']');
    if is_whole_group(text.trim(), '(', ')') {
        return Vec::new();
    }
    let mut segments: Vec<Segment> = Vec::new();
    for raw in text.lines() {
        let Some(segment) = clean_cue_line(raw) else { continue };
        match segments.last_mut() {
            Some(last) if !segment.dash && segment.speaker.is_none() => {
                last.text.push(' ');
                last.text.push_str(&segment.text);
            }
            _ => segments.push(segment),
        }
    }
    segments
}

/// Cleans one line of a cue; `None` when nothing is left.
fn clean_cue_line(raw: &str) -> Option<Segment> {
    let line = tidy(&strip_annotations(&strip_music(raw)));
    let (dash, line) = take_dash(&line);
    let (speaker, line) = take_label(line);
    let (dash_after_label, line) = take_dash(line);
    let text = tidy(line);
    (!text.is_empty()).then_some(Segment { text, speaker, dash: dash || dash_after_label })
}

/// Removes `<...>` tags and `{...}` override blocks. An opening mark without its closing one is kept.
pub(crate) fn strip_markup(text: &str) -> String {
    remove_groups(&remove_groups(text, '<', '>'), '{', '}')
}

/// Removes every `open ... close` group; an unclosed `open` and what follows it are kept.
fn remove_groups(text: &str, open: char, close: char) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len_utf8()..];
        let Some(end) = after.find(close) else { break };
        out.push_str(&rest[..start]);
        out.push(' ');
        rest = &after[end + close.len_utf8()..];
    }
    out.push_str(rest);
    out
}

/// Removes music marks: note characters anywhere, `#` at either end of the line.
pub(crate) fn strip_music(line: &str) -> String {
    let without_notes: String = line.chars().filter(|c| !matches!(c, '♪' | '♫' | '♬' | '♩')).collect();
    without_notes.trim().trim_matches('#').to_string()
}

/// Removes hearing-impaired annotations: `[...]` anywhere; a line that is one `(...)` or `*...*` group; and
/// at the start or end of the line an ALL-CAPS `(...)` group or a `*...*` group. Parentheses in mixed case
/// inside or around a sentence, such as "(the other one)", are kept.
pub(crate) fn strip_annotations(line: &str) -> String {
    let mut line = tidy(&remove_groups(line, '[', ']'));
    if is_whole_group(&line, '(', ')') || is_whole_group(&line, '*', '*') {
        return String::new();
    }
    loop {
        let before = line.len();
        line = strip_leading_group(&line);
        line = strip_trailing_group(&line);
        if line.len() == before {
            return line;
        }
    }
}

/// Whether `line` is exactly one `open ... close` group.
fn is_whole_group(line: &str, open: char, close: char) -> bool {
    line.len() >= 2
        && line.starts_with(open)
        && line.ends_with(close)
        && !line[open.len_utf8()..line.len() - close.len_utf8()].contains([open, close])
}

fn strip_leading_group(line: &str) -> String {
    let group_end = if line.starts_with('(') {
        line.find(')').filter(|&end| is_all_caps(&line[1..end]))
    } else if let Some(rest) = line.strip_prefix('*') {
        rest.find('*').map(|end| end + 1)
    } else {
        None
    };
    match group_end {
        Some(end) => tidy(&line[end + 1..]),
        None => line.to_string(),
    }
}

fn strip_trailing_group(line: &str) -> String {
    let group_start = if line.ends_with(')') {
        line.rfind('(').filter(|&start| is_all_caps(&line[start + 1..line.len() - 1]))
    } else if line.ends_with('*') && line.len() > 1 {
        line[..line.len() - 1].rfind('*')
    } else {
        None
    };
    match group_start {
        Some(start) => tidy(&line[..start]),
        None => line.to_string(),
    }
}

/// Has a letter and no lowercase letter.
fn is_all_caps(text: &str) -> bool {
    text.chars().any(char::is_alphabetic) && !text.chars().any(char::is_lowercase)
}

/// Takes a leading speaker dash (`-`, `–` or `—` followed by a space or an uppercase letter) off a tidy line.
fn take_dash(line: &str) -> (bool, &str) {
    for dash in ["- ", "\u{2013} ", "\u{2014} "] {
        if let Some(rest) = line.strip_prefix(dash) {
            return (true, rest);
        }
    }
    let mut chars = line.chars();
    match (chars.next(), chars.next()) {
        (Some('-' | '\u{2013}' | '\u{2014}'), None) => (true, ""),
        (Some(dash @ ('-' | '\u{2013}' | '\u{2014}')), Some(next)) if next.is_uppercase() => {
            (true, &line[dash.len_utf8()..])
        }
        _ => (false, line),
    }
}

/// Takes a leading `NAME:` label (an uppercase speaker name followed by a colon and a space) off a line.
fn take_label(line: &str) -> (Option<String>, &str) {
    let Some((name, rest)) = line.split_once(':') else { return (None, line) };
    let is_label =
        is_speaker_name(name) && name.chars().any(char::is_alphabetic) && (rest.is_empty() || rest.starts_with(' '));
    match is_label.then(|| speaker_name(name)).flatten() {
        Some(speaker) => (Some(speaker), rest),
        None => (None, line),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the segments as `[SPEAKER] text` with `-` for dash segments, joined by ` | `.
    fn check(cue: &str, expected: &str) {
        let rendered: Vec<String> = cue_segments(cue)
            .into_iter()
            .map(|s| {
                let dash = if s.dash { "-" } else { "" };
                let speaker = s.speaker.map(|name| format!("[{name}] ")).unwrap_or_default();
                format!("{dash}{speaker}{}", s.text)
            })
            .collect();
        assert_eq!(rendered.join(" | "), expected, "cue {cue:?}");
    }

    #[test]
    fn markup_is_stripped() {
        check("<i>Hello</i> there", "Hello there");
        check("{\\an8}Up here", "Up here");
        check("<font color=\"red\">Red</font>", "Red");
        check("a < b", "a < b");
    }

    #[test]
    fn annotations_are_removed() {
        check("[door slams]", "");
        check("[door slams] Who's there?", "Who's there?");
        check("Who's there? [door\nslams]", "Who's there?");
        check("(LAUGHS)", "");
        check("(laughs)", "");
        check("(LAUGHS) That's good.", "That's good.");
        check("That's good. (LAUGHS)", "That's good.");
        check("*sighs*", "");
        check("*sighs* Fine.", "Fine.");
        check("Take the (other one) please.", "Take the (other one) please.");
        check("(quietly) Not now.", "(quietly) Not now.");
        check("I said so (LOUDLY) twice.", "I said so (LOUDLY) twice.");
    }

    #[test]
    fn music_is_removed() {
        check("♪ La la la ♪", "La la la");
        check("♪ ♫", "");
        check("# Singing in the rain #", "Singing in the rain");
        check("♪ [MUSIC PLAYING] ♪", "");
        check("I'm number #1", "I'm number #1");
    }

    #[test]
    fn dashes_and_labels_split_speakers() {
        check("- Hi.\n- Hello.", "-Hi. | -Hello.");
        check("\u{2013} Ready?\n\u{2013} Yes.", "-Ready? | -Yes.");
        check("JOHN: Come here.", "[JOHN] Come here.");
        check("- MARY: Go.\n- JOHN: No.", "-[MARY] Go. | -[JOHN] No.");
        check("Ten to 12: late.", "Ten to 12: late.");
        check("12: late.", "12: late.");
        check("Note: lowercase.", "Note: lowercase.");
        check("-", "");
        check("-Hi\n-Yo", "-Hi | -Yo");
        check("-ish words", "-ish words");
    }

    #[test]
    fn continuation_lines_join() {
        check("I have nightmares\nthat I'm being chased...", "I have nightmares that I'm being chased...");
        check("- Hi,\nyou.\n- Me?", "-Hi, you. | -Me?");
        check("  spaced \t out  ", "spaced out");
    }

    #[test]
    fn quotes_and_ellipsis_become_ascii() {
        check("\u{201C}Don\u{2019}t\u{201D}\u{2026}", "\"Don't\"...");
        check("zero\u{200B}width", "zerowidth");
    }
}

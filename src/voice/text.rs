//! Dialogue text preparation: cleaning what no backend can speak, finding pauses (`...`, `…`, inline `(beat)`),
//! splitting long lines at sentence boundaries, and crude script detection for language fallback.
//!
//! Everything here is pure string work on untrusted text: it never panics and never runs anything.

/// Pause for an ellipsis or an inline `(beat)` / `(pause)`.
pub const BEAT_MS: u32 = 400;
/// Pause between sentences of a long line.
pub const SENTENCE_GAP_MS: u32 = 250;
/// Longest piece handed to a backend in one call; longer sentences are cut at commas or spaces.
pub const MAX_PIECE_CHARS: usize = 300;

/// One step of a line's performance.
#[derive(Debug, Clone, PartialEq)]
pub enum Segment {
    /// Text to speak.
    Speech(String),
    /// Silence, in milliseconds.
    Pause(u32),
}

/// Removes what neither backend can speak (emoji, symbols, control characters) and normalises typographic quotes
/// and dashes. Returns the cleaned text and how many characters were dropped.
pub fn clean(text: &str) -> (String, usize) {
    let mut out = String::with_capacity(text.len());
    let mut dropped = 0;
    for c in text.chars() {
        let mapped = match c {
            '\u{2018}' | '\u{2019}' | '\u{201B}' | '\u{2032}' => Some('\''),
            '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{00AB}' | '\u{00BB}' => Some('"'),
            '\u{2013}' | '\u{2014}' | '\u{2015}' => Some(','),
            '\u{2026}' => Some('\u{2026}'),
            c if c.is_control() || c.is_whitespace() => Some(' '),
            c if c.is_alphanumeric() || c.is_ascii_punctuation() => Some(c),
            // Combining marks keep accented letters in decomposed text intact.
            '\u{0300}'..='\u{036F}' | '\u{00A1}' | '\u{00BF}' => Some(c),
            _ => None,
        };
        match mapped {
            Some(' ') if out.is_empty() || out.ends_with(' ') => {}
            Some(m) => out.push(m),
            None => dropped += 1,
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    (out, dropped)
}

/// Splits cleaned text into speech and pauses: ellipses and inline `(beat)`/`(pause)` become [`BEAT_MS`] pauses,
/// sentence ends become [`SENTENCE_GAP_MS`] pauses, and over-long sentences are cut into pieces.
pub fn segments(text: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    for (i, chunk) in split_beats(text).into_iter().enumerate() {
        if i > 0 {
            push_pause(&mut out, BEAT_MS);
        }
        for (j, sentence) in sentences(&chunk).into_iter().enumerate() {
            if j > 0 {
                push_pause(&mut out, SENTENCE_GAP_MS);
            }
            for piece in pieces(&sentence, MAX_PIECE_CHARS) {
                out.push(Segment::Speech(piece));
            }
        }
    }
    // Leading and trailing pauses belong to the line, not to the text.
    while matches!(out.last(), Some(Segment::Pause(_))) {
        out.pop();
    }
    let first_speech = out.iter().position(|s| matches!(s, Segment::Speech(_))).unwrap_or(out.len());
    out.drain(..first_speech);
    out
}

fn push_pause(out: &mut Vec<Segment>, ms: u32) {
    match out.last_mut() {
        Some(Segment::Pause(existing)) => *existing = (*existing).max(ms),
        _ => out.push(Segment::Pause(ms)),
    }
}

/// Splits at `...`, `…`, `(beat)` and `(pause)`, dropping empty chunks between them.
fn split_beats(text: &str) -> Vec<String> {
    // ASCII lowercasing keeps every byte offset (and so every char boundary) of `text`; full Unicode lowercasing
    // does not, and slicing `text` at its offsets could panic.
    let lowered = text.to_ascii_lowercase();
    let haystack = lowered.as_str();
    let mut chunks = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < haystack.len() {
        let rest = &haystack[i..];
        let marker = ["...", "\u{2026}", "(beat)", "(pause)"].iter().find(|m| rest.starts_with(**m));
        if let Some(m) = marker {
            chunks.push(text[start..i].to_owned());
            i += m.len();
            while haystack[i..].starts_with('.') {
                i += 1;
            }
            start = i;
        } else {
            i += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    chunks.push(text[start..].to_owned());
    chunks.into_iter().map(|c| c.trim().to_owned()).filter(|c| c.chars().any(char::is_alphanumeric)).collect()
}

const ABBREVIATIONS: [&str; 8] = ["mr.", "mrs.", "ms.", "dr.", "st.", "jr.", "sr.", "vs."];

/// Splits after `.`, `!` or `?` followed by whitespace, except after common abbreviations.
pub fn sentences(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        current.push(c);
        let at_end = matches!(c, '.' | '!' | '?') && chars.peek().is_some_and(|n| n.is_whitespace());
        if at_end {
            let last_word = current.rsplit(' ').next().unwrap_or("").to_lowercase();
            if !ABBREVIATIONS.contains(&last_word.as_str()) {
                out.push(std::mem::take(&mut current).trim().to_owned());
            }
        }
    }
    out.push(current.trim().to_owned());
    out.retain(|s| s.chars().any(char::is_alphanumeric));
    out
}

/// Cuts a sentence longer than `max` characters at the last comma (else space) before the limit.
fn pieces(sentence: &str, max: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = sentence.trim();
    while rest.chars().count() > max {
        let limit = rest.char_indices().nth(max).map_or(rest.len(), |(i, _)| i);
        let head = &rest[..limit];
        let cut = head.rfind(',').map(|i| i + 1).or_else(|| head.rfind(' ')).filter(|&i| i > 0).unwrap_or(limit);
        out.push(rest[..cut].trim().to_owned());
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_owned());
    }
    out
}

/// Guesses an espeak-ng language for text written mostly in a non-Latin script, by Unicode block. `None` means
/// Latin script (or no letters): the English voices can read it.
pub fn detect_language(text: &str) -> Option<&'static str> {
    let mut counts: Vec<(&'static str, usize)> = Vec::new();
    let mut latin = 0;
    for c in text.chars().filter(|c| c.is_alphabetic()) {
        let lang = match u32::from(c) {
            0x0370..=0x03FF | 0x1F00..=0x1FFF => "el",
            0x0400..=0x052F => "ru",
            0x0590..=0x05FF => "he",
            0x0600..=0x06FF => "ar",
            0x0900..=0x097F => "hi",
            0x0E00..=0x0E7F => "th",
            0x3040..=0x30FF => "ja",
            0xAC00..=0xD7AF | 0x1100..=0x11FF => "ko",
            0x3400..=0x4DBF | 0x4E00..=0x9FFF => "cmn",
            _ => {
                latin += 1;
                continue;
            }
        };
        match counts.iter_mut().find(|(l, _)| *l == lang) {
            Some((_, n)) => *n += 1,
            None => counts.push((lang, 1)),
        }
    }
    // Kana beside kanji is Japanese, not Chinese.
    let kana = counts.iter().any(|(l, _)| *l == "ja");
    let (lang, n) = counts.into_iter().max_by_key(|(_, n)| *n)?;
    let lang = if lang == "cmn" && kana { "ja" } else { lang };
    (n > latin).then_some(lang)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_clean(input: &str, expected: &str, dropped: usize) {
        assert_eq!(clean(input), (expected.to_owned(), dropped), "input: {input:?}");
    }

    #[test]
    fn cleans_unspeakable_text() {
        check_clean("Hello, world!", "Hello, world!", 0);
        check_clean("I \u{2764}\u{FE0F} you \u{1F600}", "I you", 3);
        check_clean("tab\there\nnew\u{7}line", "tab here new line", 0);
        check_clean("\u{201C}Don\u{2019}t\u{201D} \u{2014} go", "\"Don't\" , go", 0);
        check_clean("   ", "", 0);
        check_clean("$(touch /tmp/x) `id`; --help", "$(touch /tmp/x) `id`; --help", 0);
        check_clean("\u{2605}\u{2605}\u{2605}", "", 3);
    }

    fn check_segments(input: &str, expected: &[Segment]) {
        assert_eq!(segments(input), expected, "input: {input:?}");
    }

    fn say(s: &str) -> Segment {
        Segment::Speech(s.to_owned())
    }

    #[test]
    fn finds_pauses_and_sentences() {
        check_segments("Hello.", &[say("Hello.")]);
        check_segments("Wait... what?", &[say("Wait"), Segment::Pause(BEAT_MS), say("what?")]);
        check_segments("Wait\u{2026}what", &[say("Wait"), Segment::Pause(BEAT_MS), say("what")]);
        check_segments("I see. (beat) No.", &[say("I see."), Segment::Pause(BEAT_MS), say("No.")]);
        check_segments(
            "Go. Now! Why? Mr. Smith.",
            &[
                say("Go."),
                Segment::Pause(SENTENCE_GAP_MS),
                say("Now!"),
                Segment::Pause(SENTENCE_GAP_MS),
                say("Why?"),
                Segment::Pause(SENTENCE_GAP_MS),
                say("Mr. Smith."),
            ],
        );
        check_segments("...", &[]);
        check_segments("... so.", &[say("so.")]);
        check_segments("", &[]);
        // Regression: Unicode lowercasing moves byte offsets ('İ' grows, 'ẞ' shrinks); splitting must not panic.
        check_segments("\u{130}\u{1E9E} (BEAT) ok", &[say("\u{130}\u{1E9E}"), Segment::Pause(BEAT_MS), say("ok")]);
    }

    #[test]
    fn cuts_long_sentences() {
        let long = "word ".repeat(200);
        let parts = pieces(&long, MAX_PIECE_CHARS);
        assert!(parts.len() >= 3);
        assert!(parts.iter().all(|p| p.chars().count() <= MAX_PIECE_CHARS && !p.is_empty()));
        assert_eq!(parts.join(" "), long.trim());
        let unbroken = "x".repeat(700);
        assert_eq!(pieces(&unbroken, MAX_PIECE_CHARS).concat(), unbroken);
    }

    fn check_lang(input: &str, expected: Option<&str>) {
        assert_eq!(detect_language(input), expected, "input: {input:?}");
    }

    #[test]
    fn detects_scripts() {
        check_lang("Hello there", None);
        check_lang("Привет, как дела?", Some("ru"));
        check_lang("Καλημέρα", Some("el"));
        check_lang("你好，世界", Some("cmn"));
        check_lang("こんにちは世界", Some("ja"));
        check_lang("OK, да", None);
        check_lang("12345 !!!", None);
    }
}

//! WebVTT (`.vtt`) parsing.
//!
//! Owns the WebVTT layout (the `WEBVTT` header and its metadata, `NOTE`, `STYLE` and `REGION` blocks, optional cue
//! identifiers, cue settings) and WebVTT cue text: tags (`<c.x>`, `<i>`, `<b>`, `<u>`, `<ruby>`/`<rt>`,
//! `<lang>`, inline `<00:00:01.500>` timestamps), voice tags that name the speaker, and character references.
//! It must not decode bytes or sort cues, and never stops at a bad cue: it reports it and goes on.

use super::Cue;
use super::cues::{Collector, RawCue, split_block};
use super::format::is_webvtt_header;
use super::lines::{Line, blocks};
use super::text::tidy;
use super::timing::is_timing_line;
use crate::diagnostic::Diagnostic;

/// First words of blocks that hold no cue.
const SKIPPED_BLOCKS: [&str; 3] = ["NOTE", "STYLE", "REGION"];

/// Named character references WebVTT text uses, with `&quot;` and `&apos;` from HTML.
const ENTITIES: [(&str, &str); 8] = [
    ("&amp;", "&"),
    ("&lt;", "<"),
    ("&gt;", ">"),
    ("&nbsp;", "\u{a0}"),
    ("&lrm;", "\u{200e}"),
    ("&rlm;", "\u{200f}"),
    ("&quot;", "\""),
    ("&apos;", "'"),
];

/// Parses WebVTT text into cues in file order.
pub(crate) fn parse(text: &str) -> (Vec<Cue>, Vec<Diagnostic>) {
    let mut out = Collector::default();
    let blocks = blocks(text);
    let body = match blocks.split_first() {
        Some((first, rest)) if is_header(first) => {
            // A cue may follow the header without the blank line it should have.
            if let Some(timing) = first.iter().position(|line| is_timing_line(line.text)) {
                add_block(&mut out, &first[timing..]);
            }
            rest
        }
        Some((first, _)) => {
            let line = first.first().map_or(1, |line| line.number);
            out.warning(line, "missing `WEBVTT` header; read as WebVTT anyway");
            &blocks[..]
        }
        None => &blocks[..],
    };
    for block in body {
        add_block(&mut out, block);
    }
    out.finish()
}

fn is_header(block: &[Line<'_>]) -> bool {
    block.first().is_some_and(|line| is_webvtt_header(line.text))
}

fn add_block(out: &mut Collector, block: &[Line<'_>]) {
    let Some(first) = block.first() else { return };
    if SKIPPED_BLOCKS.iter().any(|keyword| starts_with_keyword(first.text, keyword)) {
        return;
    }
    let split = split_block(block);
    out.orphans(&split.orphans);
    for raw in &split.cues {
        add_cue(out, raw);
    }
}

/// Whether `line` is `keyword` alone or followed by a space or a tab.
fn starts_with_keyword(line: &str, keyword: &str) -> bool {
    line.strip_prefix(keyword).is_some_and(|rest| rest.is_empty() || rest.starts_with([' ', '\t']))
}

fn add_cue(out: &mut Collector, raw: &RawCue<'_>) {
    let Some(timing) = out.timing(&raw.timing) else { return };
    let (text, speaker) = plain_text(&raw.joined_text());
    out.cue(raw.first_line, timing.start_ms, timing.end_ms, text, speaker);
}

/// Cue text without markup, and the speaker named by its first voice tag.
fn plain_text(raw: &str) -> (String, Option<String>) {
    let (text, speaker) = strip_tags(raw);
    (tidy(&decode_entities(&text)), speaker.map(|name| decode_entities(&name)))
}

/// What a `<...>` tag means for plain text.
#[derive(Debug, PartialEq, Eq)]
enum Tag<'a> {
    /// `<v Name>` or `<v.class Name>`: the name, if any.
    Voice(Option<&'a str>),
    /// `<rt>`: ruby text follows, a reading aid that plain text leaves out.
    RubyTextStart,
    /// `</rt>` or `</ruby>`.
    RubyTextEnd,
    /// Any other tag, a class span or an inline timestamp: dropped, its text kept.
    Other,
}

impl<'a> Tag<'a> {
    /// Reads the inside of `<...>`.
    fn parse(inner: &'a str) -> Tag<'a> {
        if let Some(closing) = inner.strip_prefix('/') {
            return match tag_name(closing) {
                "rt" | "ruby" => Tag::RubyTextEnd,
                _ => Tag::Other,
            };
        }
        match tag_name(inner) {
            "v" => {
                let annotation = inner.split_once([' ', '\t']).map(|(_, name)| name.trim());
                Tag::Voice(annotation.filter(|name| !name.is_empty()))
            }
            "rt" => Tag::RubyTextStart,
            _ => Tag::Other,
        }
    }
}

/// The tag name: everything before the first class (`.`) or annotation (whitespace).
fn tag_name(inner: &str) -> &str {
    inner.split(['.', ' ', '\t', '\n']).next().unwrap_or_default()
}

/// Removes tags, returning the text and the first voice's name. A `<` that starts no tag (followed by
/// whitespace, or with no `>` before the next `<`) is kept as text.
fn strip_tags(text: &str) -> (String, Option<String>) {
    let mut plain = String::with_capacity(text.len());
    let mut speaker = None;
    let mut in_ruby_text = false;
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        let (before, tag) = (&rest[..open], &rest[open + 1..]);
        if !in_ruby_text {
            plain.push_str(before);
        }
        let Some(inner) = tag_inner(tag) else {
            if !in_ruby_text {
                plain.push('<');
            }
            rest = tag;
            continue;
        };
        match Tag::parse(inner) {
            Tag::Voice(name) => speaker = speaker.or(name.map(str::to_owned)),
            Tag::RubyTextStart => in_ruby_text = true,
            Tag::RubyTextEnd => in_ruby_text = false,
            Tag::Other => {}
        }
        rest = &tag[inner.len() + 1..];
    }
    if !in_ruby_text {
        plain.push_str(rest);
    }
    (plain, speaker)
}

/// The inside of a tag that starts just after a `<`, if it is one.
fn tag_inner(after_open: &str) -> Option<&str> {
    let inner = &after_open[..after_open.find('>')?];
    let starts_well = !inner.starts_with(char::is_whitespace);
    (starts_well && !inner.contains('<')).then_some(inner)
}

/// Replaces character references (`&amp;`, `&lrm;`, `&#233;`, `&#xE9;` ...); unknown ones stay as written.
fn decode_entities(text: &str) -> String {
    let mut decoded = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        decoded.push_str(&rest[..amp]);
        let reference = &rest[amp..];
        match entity(reference) {
            Some((value, len)) => {
                decoded.push(value);
                rest = &reference[len..];
            }
            None => {
                decoded.push('&');
                rest = &reference[1..];
            }
        }
    }
    decoded.push_str(rest);
    decoded
}

/// The character a reference at the start of `text` stands for, and the reference's length in bytes.
fn entity(text: &str) -> Option<(char, usize)> {
    if let Some((name, value)) = ENTITIES.iter().find(|(name, _)| text.starts_with(name)) {
        return value.chars().next().map(|value| (value, name.len()));
    }
    let body = text.strip_prefix("&#")?;
    let end = body.find(';')?;
    let digits = &body[..end];
    let code = match digits.strip_prefix(['x', 'X']) {
        Some(hex) => u32::from_str_radix(hex, 16).ok()?,
        None => digits.parse().ok()?,
    };
    char::from_u32(code).map(|value| (value, "&#".len() + end + 1))
}

#[cfg(test)]
mod tests {
    use super::super::test_util;
    use super::*;

    fn check(input: &str, expected: &str) {
        test_util::check(parse, input, expected);
    }

    fn check_with(input: &str, expected: &str, diagnostics: &[&str]) {
        test_util::check_with(parse, input, expected, diagnostics);
    }

    /// Checks the plain text (and speaker) of one cue's raw text.
    fn text(raw: &str, expected: &str, speaker: Option<&str>) {
        let (plain, found) = plain_text(raw);
        assert_eq!((plain.as_str(), found.as_deref()), (expected, speaker), "{raw:?}");
    }

    #[test]
    fn header_and_cues() {
        check("WEBVTT\n\n00:00:01.000 --> 00:00:02.500\nHello", "3: 1000-2500 Hello");
        check(
            "WEBVTT - A title\nKind: captions\nLanguage: en\n\n00:01.000 --> 00:02.000\nA\nB\n\n00:03.000 --> 00:04.000\nC\n",
            "5: 1000-2000 A|B # 9: 3000-4000 C",
        );
        check(
            "WEBVTT\n\nintro\n00:00:01.000 --> 00:00:02.000\nWith id\n\n2\n00:00:03.000 --> 00:00:04.000\nNumeric id",
            "3: 1000-2000 With id # 7: 3000-4000 Numeric id",
        );
        check("WEBVTT\n00:00:01.000 --> 00:00:02.000\nNo blank after header", "2: 1000-2000 No blank after header");
        check("WEBVTT", "");
        check("WEBVTT\n\n", "");
    }

    #[test]
    fn timestamps_and_settings() {
        check("WEBVTT\n\n01:02.345 --> 01:03.000\nNo hours", "3: 62345-63000 No hours");
        check("WEBVTT\n\n123:00:00.000 --> 123:00:01.000\nBig hours", "3: 442800000-442801000 Big hours");
        check(
            "WEBVTT\n\n00:00:01.000 --> 00:00:02.000 align:start position:10% line:0\nSettings",
            "3: 1000-2000 Settings",
        );
        check("WEBVTT\n\n00:00:01.000 --> 00:00:02.000\talign:end\nTab settings", "3: 1000-2000 Tab settings");
    }

    #[test]
    fn skipped_blocks() {
        check("WEBVTT\n\nNOTE a comment\nover two lines\n\n00:01.000 --> 00:02.000\nA", "6: 1000-2000 A");
        check(
            "WEBVTT\n\nNOTE\nalone\n\n00:01.000 --> 00:02.000\nA\n\nNOTE after\n\n00:03.000 --> 00:04.000\nB",
            "6: 1000-2000 A # 11: 3000-4000 B",
        );
        check(
            "WEBVTT\n\nSTYLE\n::cue {\n  color: yellow;\n}\n\nREGION\nid:fred\nwidth:40%\n\n00:01.000 --> 00:02.000\nA",
            "12: 1000-2000 A",
        );
        check("WEBVTT\n\nNOTES are not notes\n00:01.000 --> 00:02.000\nA", "3: 1000-2000 A");
    }

    #[test]
    fn line_endings() {
        check(
            "WEBVTT\r\n\r\n00:01.000 --> 00:02.000\r\nA\r\nB\r\n\r\nNOTE x\r\n\r\n00:03.000 --> 00:04.000\r\nC",
            "3: 1000-2000 A|B # 9: 3000-4000 C",
        );
        check(
            "WEBVTT\r\r00:01.000 --> 00:02.000\rA\rB\r\r00:03.000 --> 00:04.000\rC\r",
            "3: 1000-2000 A|B # 7: 3000-4000 C",
        );
        check(
            "WEBVTT  \n \n00:01.000 --> 00:02.000  \nA  \n\n\n\n00:03.000 --> 00:04.000\nC",
            "3: 1000-2000 A # 8: 3000-4000 C",
        );
    }

    #[test]
    fn tags() {
        text("<i>Italic</i> <b>bold</b> <u>under</u>", "Italic bold under", None);
        text("<c>plain class</c> <c.yellow.bg_blue>two classes</c>", "plain class two classes", None);
        text("<lang en>Hello</lang> <lang fr-CA>bonjour</lang>", "Hello bonjour", None);
        text("<ruby>漢字<rt>かんじ</rt></ruby>です", "漢字です", None);
        text("<ruby>base<rt>reading</ruby> after", "base after", None);
        text("<i>across\nlines</i>", "across\nlines", None);
        text("Hello<00:00:01.500><c> world</c><00:00:02.000><c> again</c>", "Hello world again", None);
        text("a < b and c > d", "a < b and c > d", None);
        text("a <b and c", "a <b and c", None);
        text("x <<i>y</i>", "x <y", None);
    }

    #[test]
    fn voices() {
        text("<v Bob>Hello", "Hello", Some("Bob"));
        text("<v.loud Bob>Hey!</v>", "Hey!", Some("Bob"));
        text("<v.loud.angry Mary Jane>Out!", "Out!", Some("Mary Jane"));
        text("<v Bob>Hi\n<v Alice>Hello", "Hi\nHello", Some("Bob"));
        text("<v>Nobody</v>", "Nobody", None);
        text("<v Tom &amp; Jerry>Chase", "Chase", Some("Tom & Jerry"));
        text("<vx Bob>Not a voice", "Not a voice", None);
        check(
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Roger Bingham>We are in New York City",
            "3: 1000-2000 [Roger Bingham] We are in New York City",
        );
    }

    #[test]
    fn entities() {
        text("Tom &amp; Jerry", "Tom & Jerry", None);
        text("&lt;i&gt; is a tag", "<i> is a tag", None);
        text("a&nbsp;b", "a\u{a0}b", None);
        text("&lrm;left&rlm;right", "\u{200e}left\u{200f}right", None);
        text("&quot;q&quot; &apos;a&apos;", "\"q\" 'a'", None);
        text("caf&#233; caf&#xE9; caf&#Xe9;", "café café café", None);
        text("&amp;lt; stays &lt;", "&lt; stays <", None);
        text("AT&T &unknown; &#; &#xZZ; &#1114112; &", "AT&T &unknown; &#; &#xZZ; &#1114112; &", None);
    }

    #[test]
    fn bad_cues_are_skipped_and_reported() {
        check_with(
            "WEBVTT\n\n00:01.000 --> 00:0x.000\nBad\n\n00:03.000 --> 00:04.000\nGood",
            "6: 3000-4000 Good",
            &["3: error: bad end time `00:0x.000` (expected hh:mm:ss.mmm)"],
        );
        check_with(
            "WEBVTT\n\nid\n00:05.000 --> 00:04.000\nBackwards\n\nid only\nno timing\n\n00:06.000 --> 00:07.000\nGood",
            "10: 6000-7000 Good",
            &[
                "4: error: end time `00:04.000` is before start time `00:05.000`",
                "7: error: missing timing line `start --> end`; skipped 2 lines starting `id only`",
            ],
        );
        check_with(
            "00:01.000 --> 00:02.000\nNo header",
            "1: 1000-2000 No header",
            &["1: warning: missing `WEBVTT` header; read as WebVTT anyway"],
        );
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let inputs = [
            "WEBVTT\n\n-->",
            "<",
            "<v",
            "<v >",
            "<rt>",
            "&#",
            "&#x",
            "&#99999999999;",
            "WEBVTT\n\n00:01.000 --> 00:02.000\n<rt><",
        ];
        for input in inputs {
            let _ = parse(input);
            let _ = plain_text(input);
        }
    }
}

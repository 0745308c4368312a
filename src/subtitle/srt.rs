//! SubRip (`.srt`) parsing.
//!
//! Owns the SRT cue layout (optional index, `start --> end` line, text until a blank line) and SRT markup:
//! `<i>`, `<b>`, `<u>`, `<s>`, `<font ...>` tags and leaked `{\an8}`-style override tags. It must not decode
//! bytes or sort cues, and never stops at a bad cue: it reports it and goes on.

use super::Cue;
use super::cues::{Collector, RawCue, split_block};
use super::lines::blocks;
use super::text::{strip_override_blocks, tidy};
use crate::diagnostic::Diagnostic;

/// Formatting tags SRT players understand; any other `<...>` is kept as text.
const FORMATTING_TAGS: [&str; 5] = ["i", "b", "u", "s", "font"];

/// Parses SRT text into cues in file order.
pub(crate) fn parse(text: &str) -> (Vec<Cue>, Vec<Diagnostic>) {
    let mut out = Collector::default();
    for block in blocks(text) {
        let split = split_block(&block);
        out.orphans(&split.orphans);
        for raw in &split.cues {
            add_cue(&mut out, raw);
        }
    }
    out.finish()
}

fn add_cue(out: &mut Collector, raw: &RawCue<'_>) {
    let Some(timing) = out.timing(&raw.timing) else { return };
    let text = plain_text(&raw.joined_text());
    out.cue(raw.first_line, timing.start_ms, timing.end_ms, text, None);
}

/// Cue text without markup.
fn plain_text(raw: &str) -> String {
    tidy(&strip_formatting_tags(&strip_override_blocks(raw)))
}

/// Removes the formatting tags SRT allows and keeps every other `<`.
fn strip_formatting_tags(text: &str) -> String {
    let mut plain = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('<') {
        plain.push_str(&rest[..open]);
        let tag = &rest[open..];
        match tag.find('>') {
            Some(close) if is_formatting_tag(&tag[1..close]) => rest = &tag[close + 1..],
            _ => {
                plain.push('<');
                rest = &tag[1..];
            }
        }
    }
    plain.push_str(rest);
    plain
}

/// Whether the inside of `<...>` is an opening or closing formatting tag, such as `/i` or `font color="red"`.
fn is_formatting_tag(inner: &str) -> bool {
    let inner = inner.strip_prefix('/').unwrap_or(inner);
    let name = inner.split_whitespace().next().unwrap_or_default();
    FORMATTING_TAGS.iter().any(|tag| name.eq_ignore_ascii_case(tag))
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

    #[test]
    fn basic_cues() {
        check("1\n00:00:01,000 --> 00:00:02,500\nHello\n", "1: 1000-2500 Hello");
        check(
            "1\n00:00:01,000 --> 00:00:02,500\nHello\nworld\n\n2\n00:00:03,000 --> 00:00:04,000\nBye\n",
            "1: 1000-2500 Hello|world # 6: 3000-4000 Bye",
        );
        check("1\n00:00:01,000 --> 00:00:02,000\nNo final newline", "1: 1000-2000 No final newline");
        check("1\n00:00:01,000 --> 00:00:02,000\n", "1: 1000-2000 ");
        check("", "");
        check("\n\n  \n", "");
    }

    #[test]
    fn line_endings_and_whitespace() {
        check(
            "1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\nB\r\n\r\n2\r\n00:00:03,000 --> 00:00:04,000\r\nC\r\n",
            "1: 1000-2000 A|B # 6: 3000-4000 C",
        );
        check(
            "1\r00:00:01,000 --> 00:00:02,000\rA\rB\r\r2\r00:00:03,000 --> 00:00:04,000\rC\r",
            "1: 1000-2000 A|B # 6: 3000-4000 C",
        );
        check(
            "1  \n00:00:01,000 --> 00:00:02,000   \nA  \t\n \t \n2\n00:00:03,000 --> 00:00:04,000\nC",
            "1: 1000-2000 A # 5: 3000-4000 C",
        );
        check(
            "\n\n\n1\n00:00:01,000 --> 00:00:02,000\nA\n\n\n\n\n2\n00:00:03,000 --> 00:00:04,000\nC\n\n\n",
            "4: 1000-2000 A # 11: 3000-4000 C",
        );
    }

    #[test]
    fn indexes_are_tolerated() {
        check("00:00:01,000 --> 00:00:02,000\nNo index", "1: 1000-2000 No index");
        check("abc\n00:00:01,000 --> 00:00:02,000\nWord index", "1: 1000-2000 Word index");
        check(
            "7\n00:00:01,000 --> 00:00:02,000\nA\n\n3\n00:00:03,000 --> 00:00:04,000\nB",
            "1: 1000-2000 A # 5: 3000-4000 B",
        );
        check(
            "1\n00:00:01,000 --> 00:00:02,000\nA\n2\n00:00:03,000 --> 00:00:04,000\nB",
            "1: 1000-2000 A # 4: 3000-4000 B",
        );
        check("00:00:01,000 --> 00:00:02,000\nA\n00:00:03,000 --> 00:00:04,000\nB", "1: 1000-2000 A # 3: 3000-4000 B");
        check("1\n00:00:01,000 --> 00:00:02,000\n42\n", "1: 1000-2000 42");
    }

    #[test]
    fn timestamps() {
        check("1\n00:00:01.000 --> 00:00:02.500\nDots", "1: 1000-2500 Dots");
        check("1\n100:00:00,000 --> 100:00:01,000\nLong", "1: 360000000-360001000 Long");
        check("1\n00:01,000 --> 00:02,000\nNo hours", "1: 1000-2000 No hours");
        check("1\n0:0:1,5 --> 0:0:2,25\nShort", "1: 1500-2250 Short");
        check("1\n00:00:01,000-->00:00:02,000\nTight", "1: 1000-2000 Tight");
        check("1\n00:00:01,000 --> 00:00:02,000 X1:100 X2:600 Y1:20 Y2:50\nCoords", "1: 1000-2000 Coords");
        check("1\n00:00:02,000 --> 00:00:02,000\nZero", "1: 2000-2000 Zero");
    }

    #[test]
    fn markup_is_stripped() {
        check(
            "1\n00:00:01,000 --> 00:00:02,000\n<i>Italic</i> and <b>bold</b> <u>u</u> <s>s</s>",
            "1: 1000-2000 Italic and bold u s",
        );
        check(
            "1\n00:00:01,000 --> 00:00:02,000\n<I>Up</I> <font color=\"#ff0000\" face=\"Arial\">red</font>",
            "1: 1000-2000 Up red",
        );
        check("1\n00:00:01,000 --> 00:00:02,000\n<i>two\nlines</i>", "1: 1000-2000 two|lines");
        check("1\n00:00:01,000 --> 00:00:02,000\n{\\an8}Top {\\i1}x{\\i0}", "1: 1000-2000 Top x");
        check("1\n00:00:01,000 --> 00:00:02,000\na < b, 3 > 2, <3 {braces}", "1: 1000-2000 a < b, 3 > 2, <3 {braces}");
        check("1\n00:00:01,000 --> 00:00:02,000\n<b><i></i></b>\nText", "1: 1000-2000 Text");
        check("1\n00:00:01,000 --> 00:00:02,000\nTom &amp; Jerry", "1: 1000-2000 Tom &amp; Jerry");
    }

    #[test]
    fn bad_cues_are_skipped_and_reported() {
        check_with(
            "1\n00:00:0x,000 --> 00:00:02,000\nBad start\n\n2\n00:00:03,000 --> 00:00:04,000\nGood",
            "5: 3000-4000 Good",
            &["2: error: bad start time `00:00:0x,000` (expected hh:mm:ss.mmm)"],
        );
        check_with(
            "1\n00:00:01,000 --> 00:00:02,000\nGood\n\n2\n00:00:05,000 --> 00:00:04,000\nBackwards\n\n3\n00:00:06,000 --> 00:00:07,000\nAlso good",
            "1: 1000-2000 Good # 9: 6000-7000 Also good",
            &["6: error: end time `00:00:04,000` is before start time `00:00:05,000`"],
        );
        check_with(
            "1\n00:00:01,000 --> nonsense\nBad end\n\n2\n00:00:03,000 --> 00:00:04,000\nGood",
            "5: 3000-4000 Good",
            &["2: error: bad end time `nonsense` (expected hh:mm:ss.mmm)"],
        );
        check_with(
            "1\nHello without timing\n\n2\n00:00:03,000 --> 00:00:04,000\nGood",
            "4: 3000-4000 Good",
            &["1: error: missing timing line `start --> end`; skipped 2 lines starting `1`"],
        );
        check_with(
            "garbage\n\n\x01\x02 more garbage\n\n1\n00:00:03,000 --> 00:00:04,000\nGood",
            "5: 3000-4000 Good",
            &[
                "1: error: missing timing line `start --> end`; skipped 1 line starting `garbage`",
                "3: error: missing timing line `start --> end`; skipped 1 line starting `\x01\x02 more garbage`",
            ],
        );
        check_with(
            "stray\n1\n00:00:01,000 --> 00:00:02,000\nA",
            "2: 1000-2000 A",
            &["1: error: missing timing line `start --> end`; skipped 1 line starting `stray`"],
        );
        check_with(
            "1\r\n00:00:01,000 --> 00:00:02,000\r\nA\r\n\r\n2\r\n00:61:00,000 --> 00:62:00,000\r\nB\r\n\r\n3\r\n00:00:05,000 --> 00:00:06,000\r\nC\r\n",
            "1: 1000-2000 A # 9: 5000-6000 C",
            &["6: error: bad start time `00:61:00,000` (expected hh:mm:ss.mmm)"],
        );
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let inputs = ["-->", " --> ", "\u{0}\n-->\n\u{0}", "<", "<font", "{\\", "1\n-->\n<\n{", "é --> ü\n<é>"];
        for input in inputs {
            let (cues, _) = parse(input);
            assert!(cues.is_empty(), "{input:?}");
        }
    }
}

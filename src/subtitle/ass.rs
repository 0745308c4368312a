//! Advanced SubStation Alpha (`.ass`, v4.00+) and SubStation Alpha (`.ssa`, v4) parsing.
//!
//! Owns the `[Events]` section: its `Format:` line (the field order, always read, never assumed when present),
//! `Dialogue:` lines (the last field, the text, may hold commas) and ASS text markup: `{...}` override blocks,
//! drawing-mode vector commands, `\N`, `\n` and `\h`. Other sections and event kinds (`Comment:`, `Picture:`,
//! ...) are skipped. It must not decode bytes or sort cues, and never stops at a bad event: it reports it and
//! goes on.

use super::Cue;
use super::cues::Collector;
use super::lines::lines;
use super::text::{Braces, Segment, split_braces, tidy};
use super::timing::{check_order, parse_timestamp};
use crate::diagnostic::Diagnostic;

/// Where the fields of a `Dialogue:` line are, from the `[Events]` `Format:` line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Fields {
    count: usize,
    start: usize,
    end: usize,
    text: usize,
    name: Option<usize>,
}

/// The field order of both v4.00+ (`Layer, Start, End, Style, Name, ...`) and v4 (`Marked, Start, ...`) scripts,
/// used only when a `Dialogue:` line comes before any `Format:` line.
const STANDARD_FIELDS: Fields = Fields { count: 10, start: 1, end: 2, text: 9, name: Some(4) };

/// What is known about the field order in the current `[Events]` section.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum FieldOrder {
    /// No `Format:` line yet.
    Missing,
    /// The `Format:` line at this line number lacks a required field.
    Unusable(usize),
    Known(Fields),
}

/// Parses ASS or SSA text into cues in file order.
pub(crate) fn parse(text: &str) -> (Vec<Cue>, Vec<Diagnostic>) {
    let mut out = Collector::default();
    let mut in_events = false;
    let mut saw_events = false;
    let mut order = FieldOrder::Missing;
    for line in lines(text) {
        let content = line.text.trim();
        if let Some(section) = section_name(content) {
            in_events = section.eq_ignore_ascii_case("Events");
            saw_events |= in_events;
            order = FieldOrder::Missing;
            continue;
        }
        let Some((key, value)) = content.split_once(':').filter(|_| in_events) else { continue };
        match key.trim().to_ascii_lowercase().as_str() {
            "format" => order = read_format(&mut out, line.number, value),
            "dialogue" => add_dialogue(&mut out, &mut order, line.number, value),
            _ => {}
        }
    }
    if !saw_events {
        out.warning(1, "no [Events] section, so no dialogue");
    }
    out.finish()
}

/// The name inside a `[Section]` header line.
fn section_name(line: &str) -> Option<&str> {
    line.strip_prefix('[')?.strip_suffix(']').map(str::trim)
}

/// Reads a `Format:` line, reporting one that lacks `Start`, `End` or `Text`.
fn read_format(out: &mut Collector, line: usize, value: &str) -> FieldOrder {
    let names: Vec<String> = value.split(',').map(|name| name.trim().to_ascii_lowercase()).collect();
    let find = |wanted: &[&str]| names.iter().position(|name| wanted.contains(&name.as_str()));
    let (start, end, text) = (find(&["start"]), find(&["end"]), find(&["text"]));
    let name = find(&["name", "actor"]);
    let (Some(start), Some(end), Some(text)) = (start, end, text) else {
        let missing: Vec<&str> = [("Start", start), ("End", end), ("Text", text)]
            .into_iter()
            .filter_map(|(field, at)| at.is_none().then_some(field))
            .collect();
        out.error(line, format!("Format line `{}` has no {} field", value.trim(), missing.join(", ")));
        return FieldOrder::Unusable(line);
    };
    FieldOrder::Known(Fields { count: names.len(), start, end, text, name })
}

/// Turns one `Dialogue:` line into a cue, or reports why it cannot.
fn add_dialogue(out: &mut Collector, order: &mut FieldOrder, line: usize, value: &str) {
    let fields = match *order {
        FieldOrder::Known(fields) => fields,
        FieldOrder::Unusable(format_line) => {
            out.error(line, format!("Dialogue skipped: the Format line at line {format_line} is unusable"));
            return;
        }
        FieldOrder::Missing => {
            out.warning(line, "Dialogue before any Format line in [Events]; assuming the standard field order");
            *order = FieldOrder::Known(STANDARD_FIELDS);
            STANDARD_FIELDS
        }
    };
    let parts: Vec<&str> = value.splitn(fields.count, ',').collect();
    if parts.len() < fields.count {
        let message =
            format!("Dialogue has {} fields where Format has {}: `{}`", parts.len(), fields.count, value.trim());
        out.error(line, message);
        return;
    }
    let field = |at: usize| parts.get(at).map_or("", |part| part.trim());
    let Some((start_ms, end_ms)) = times(out, line, field(fields.start), field(fields.end)) else { return };
    let speaker = fields.name.map(field).filter(|name| !name.is_empty()).map(str::to_owned);
    out.cue(line, start_ms, end_ms, plain_text(field(fields.text)), speaker);
}

/// Parses the Start and End fields, reporting a bad one.
fn times(out: &mut Collector, line: usize, start: &str, end: &str) -> Option<(u64, u64)> {
    let parse = |which: &str, value: &str| {
        parse_timestamp(value).ok_or_else(|| format!("bad {which} time `{value}` (expected h:mm:ss.cc)"))
    };
    let checked = parse("start", start).and_then(|start_ms| {
        let end_ms = parse("end", end)?;
        check_order(start_ms, end_ms, start, end).map(|()| (start_ms, end_ms))
    });
    match checked {
        Ok(times) => Some(times),
        Err(message) => {
            out.error(line, message);
            None
        }
    }
}

/// Event text without override blocks or drawings, with `\N`, `\n` as line breaks and `\h` as a space.
pub(crate) fn plain_text(raw: &str) -> String {
    let mut shown = String::with_capacity(raw.len());
    let mut drawing = false;
    for segment in split_braces(raw, Braces::All) {
        match segment {
            Segment::Block(overrides) => drawing = drawing_mode(overrides).unwrap_or(drawing),
            Segment::Text(text) if !drawing => shown.push_str(text),
            Segment::Text(_) => {}
        }
    }
    tidy(&replace_escapes(&shown))
}

/// The drawing mode a block sets with its last `\p<scale>` tag: on for a non-zero scale. `None` if it has none.
fn drawing_mode(overrides: &str) -> Option<bool> {
    overrides
        .split('\\')
        .filter_map(|tag| tag.strip_prefix('p'))
        .filter(|scale| scale.starts_with(|c: char| c.is_ascii_digit()))
        .map(|scale| scale.trim_start_matches('0').starts_with(|c: char| c.is_ascii_digit()))
        .next_back()
}

/// Replaces the `\N`, `\n` and `\h` escapes; any other backslash stays.
fn replace_escapes(text: &str) -> String {
    let mut replaced = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let escaped = match (c, chars.peek()) {
            ('\\', Some('N' | 'n')) => '\n',
            ('\\', Some('h')) => ' ',
            _ => {
                replaced.push(c);
                continue;
            }
        };
        chars.next();
        replaced.push(escaped);
    }
    replaced
}

#[cfg(test)]
mod tests {
    use super::super::test_util;
    use super::*;

    const ASS_HEAD: &str = "[Script Info]\nScriptType: v4.00+\n\n[V4+ Styles]\nFormat: Name, Fontname, Fontsize\nStyle: Default,Arial,20\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n";

    fn check(input: &str, expected: &str) {
        test_util::check(parse, input, expected);
    }

    fn check_with(input: &str, expected: &str, diagnostics: &[&str]) {
        test_util::check_with(parse, input, expected, diagnostics);
    }

    /// Checks one event's text after [`ASS_HEAD`] (the event is on line 10).
    fn event(dialogue: &str, expected: &str) {
        check(&format!("{ASS_HEAD}{dialogue}"), &format!("10: {expected}"));
    }

    #[test]
    fn dialogue_fields() {
        event("Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,Hello", "1000-2500 Hello");
        event("Dialogue: 0,0:00:01.00,0:00:02.50,Default,Bob,0,0,0,,Hello", "1000-2500 [Bob] Hello");
        event("Dialogue: 0,0:00:01.00,0:00:02.50,Default,  ,0,0,0,,Blank name", "1000-2500 Blank name");
        event(
            "Dialogue: 0,0:00:01.00,0:00:02.50,Default,,0,0,0,,Commas, in, the text,",
            "1000-2500 Commas, in, the text,",
        );
        event("Dialogue: 0,1:02:03.45,10:00:00.00,Default,,0,0,0,,Hours", "3723450-36000000 Hours");
        event("dialogue:0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Lower-case key", "1000-2000 Lower-case key");
        event("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,", "1000-2000 ");
    }

    #[test]
    fn format_line_gives_the_order() {
        check(
            "[Events]\nFormat: End, Start, Text\nDialogue: 0:00:02.00,0:00:01.00,Reversed, with comma",
            "3: 1000-2000 Reversed, with comma",
        );
        check(
            "[Events]\nFormat: Start, End, Name, Text\nDialogue: 0:00:01.00,0:00:02.00,Ann,Short format, with comma",
            "3: 1000-2000 [Ann] Short format, with comma",
        );
        check(
            "[Events]\nFormat: Layer,Start,End,Actor,Text\nDialogue: 0,0:00:01.00,0:00:02.00,Bob,Actor field",
            "3: 1000-2000 [Bob] Actor field",
        );
        check(
            "[Events]\nFormat: Marked, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\nDialogue: Marked=0,0:00:01.00,0:00:02.00,*Default,Al,0000,0000,0000,,SSA v4",
            "3: 1000-2000 [Al] SSA v4",
        );
        check(
            "[events]\r\nformat: START, END, TEXT\r\nDialogue: 0:00:01.00, 0:00:02.00, Spaced",
            "3: 1000-2000 Spaced",
        );
    }

    #[test]
    fn skipped_lines() {
        check(
            &format!(
                "{ASS_HEAD}Comment: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Not shown\n; a comment\nPicture: x\nDialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,Shown"
            ),
            "13: 3000-4000 Shown",
        );
        check(
            "[Script Info]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Not in Events\n[Events]\nFormat: Start, End, Text\nDialogue: 0:00:03.00,0:00:04.00,In Events",
            "5: 3000-4000 In Events",
        );
        check(
            "[Events]\nFormat: Start, End, Text\nDialogue: 0:00:01.00,0:00:02.00,A\n[Fonts]\nDialogue: 0:00:03.00,0:00:04.00,After Events",
            "3: 1000-2000 A",
        );
    }

    #[test]
    fn markup() {
        event(
            "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\i1}Italic{\\i0} {\\pos(10,20)\\c&H00FF00&}green",
            "1000-2000 Italic green",
        );
        event("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,One\\NTwo\\nThree", "1000-2000 One|Two|Three");
        event("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,Hard\\hspace", "1000-2000 Hard space");
        event(
            "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,C:\\path\\to {a comment}file",
            "1000-2000 C:\\path\\to file",
        );
        event("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\an8}Top {unclosed", "1000-2000 Top {unclosed");
        event(
            "Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\p1}m 0 0 l 100 0 100 100{\\p0}Caption",
            "1000-2000 Caption",
        );
        event("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\pos(1,2)\\p2}m 0 0 l 1 1", "1000-2000 ");
        event("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\pbo5}Not a drawing", "1000-2000 Not a drawing");
        event("Dialogue: 0,0:00:01.00,0:00:02.00,Default,,0,0,0,,{\\k20}Ka{\\k30}ra{\\kf40}oke", "1000-2000 Karaoke");
    }

    #[test]
    fn line_endings() {
        let lf = "[Events]\nFormat: Start, End, Text\nDialogue: 0:00:01.00,0:00:02.00,A\n\nDialogue: 0:00:03.00,0:00:04.00,B";
        check(lf, "3: 1000-2000 A # 5: 3000-4000 B");
        check(&lf.replace('\n', "\r\n"), "3: 1000-2000 A # 5: 3000-4000 B");
        check(&lf.replace('\n', "\r"), "3: 1000-2000 A # 5: 3000-4000 B");
        check(&lf.replace('\n', "  \n"), "3: 1000-2000 A # 5: 3000-4000 B");
    }

    #[test]
    fn bad_events_are_skipped_and_reported() {
        check_with(
            &format!(
                "{ASS_HEAD}Dialogue: 0,0:00:0x.00,0:00:02.00,Default,,0,0,0,,Bad\nDialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,Good"
            ),
            "11: 3000-4000 Good",
            &["10: error: bad start time `0:00:0x.00` (expected h:mm:ss.cc)"],
        );
        check_with(
            &format!(
                "{ASS_HEAD}Dialogue: 0,0:00:05.00,0:00:04.00,Default,,0,0,0,,Backwards\nDialogue: 0,0:00:01.00,nope,Default,,0,0,0,,Bad end\nDialogue: 0,0:00:06.00,0:00:07.00,Default,,0,0,0,,Good"
            ),
            "12: 6000-7000 Good",
            &[
                "10: error: end time `0:00:04.00` is before start time `0:00:05.00`",
                "11: error: bad end time `nope` (expected h:mm:ss.cc)",
            ],
        );
        check_with(
            &format!(
                "{ASS_HEAD}Dialogue: 0,0:00:01.00,0:00:02.00,Default\nDialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,Good"
            ),
            "11: 3000-4000 Good",
            &["10: error: Dialogue has 4 fields where Format has 10: `0,0:00:01.00,0:00:02.00,Default`"],
        );
        check_with(
            "[Events]\nFormat: Layer, Style, Text\nDialogue: 0,Default,Lost\nFormat: Start, End, Text\nDialogue: 0:00:01.00,0:00:02.00,Found",
            "5: 1000-2000 Found",
            &[
                "2: error: Format line `Layer, Style, Text` has no Start, End field",
                "3: error: Dialogue skipped: the Format line at line 2 is unusable",
            ],
        );
        check_with(
            "[Events]\nDialogue: 0,0:00:01.00,0:00:02.00,Default,Bob,0,0,0,,No format\nDialogue: 0,0:00:03.00,0:00:04.00,Default,,0,0,0,,Again",
            "2: 1000-2000 [Bob] No format # 3: 3000-4000 Again",
            &["2: warning: Dialogue before any Format line in [Events]; assuming the standard field order"],
        );
        check_with("[Script Info]\nTitle: nothing\n", "", &["1: warning: no [Events] section, so no dialogue"]);
    }

    #[test]
    fn hostile_input_does_not_panic() {
        let inputs = [
            "[Events]\nFormat:\nDialogue:",
            "[Events]\nDialogue:",
            "[Events]\nFormat: Text\nDialogue: {\\p",
            "[",
            "[]",
            "[Events]\nFormat: Start, End, Text\nDialogue: ,,\\",
        ];
        for input in inputs {
            let _ = parse(input);
        }
    }
}

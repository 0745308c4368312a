//! Reads one non-blank body line in its context and says which element it is. This file owns the Fountain
//! recognition rules: page breaks, forcing marks, scene heading prefixes and numbers, transitions, character
//! cues and parentheticals.
//!
//! It must not keep state between lines or assemble paragraphs; `parse.rs` does that. `write.rs` calls it too,
//! to learn whether a line written plainly would be read back as the element it came from.

use super::element::ElementKind;

/// What surrounds a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Context {
    /// The line starts a paragraph: a blank line, the start of the body, or a standalone element is before it.
    pub prev_blank: bool,
    /// A blank line or the end of the input follows.
    pub next_blank: bool,
    /// The line is inside a dialogue block (after a cue, with no blank line since).
    pub in_dialogue: bool,
}

impl Context {
    /// A line with blank lines on both sides, outside dialogue.
    pub const ALONE: Context = Context { prev_blank: true, next_blank: true, in_dialogue: false };
}

/// Something wrong with a line that was read anyway.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Issue {
    HeadingWithoutBlankBefore,
    HeadingWithoutLocation,
    CueWithoutName,
    CueWithoutDialogue,
    ParentheticalOutsideDialogue,
}

impl Issue {
    pub fn message(self) -> &'static str {
        match self {
            Issue::HeadingWithoutBlankBefore => "scene heading without a blank line before it",
            Issue::HeadingWithoutLocation => "empty scene heading (no location)",
            Issue::CueWithoutName => "`@` character cue without a name; read as action",
            Issue::CueWithoutDialogue => "character cue with no dialogue after it; read as action",
            Issue::ParentheticalOutsideDialogue => "parenthetical outside dialogue; read as action",
        }
    }
}

/// How a line was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Reading {
    pub kind: ElementKind,
    pub issues: Vec<Issue>,
}

impl Reading {
    pub fn clean(kind: ElementKind) -> Self {
        Reading { kind, issues: Vec::new() }
    }

    fn with(kind: ElementKind, issue: Issue) -> Self {
        Reading { kind, issues: vec![issue] }
    }
}

/// Reads one line. `line` is the line as written, without its line break; a blank line reads as empty action.
pub(crate) fn classify(line: &str, context: Context) -> Reading {
    let trimmed = line.trim();
    if is_page_break(trimmed) {
        return Reading::clean(ElementKind::PageBreak);
    }
    if let Some(reading) = forced(trimmed) {
        return reading;
    }
    if context.in_dialogue { in_dialogue(trimmed) } else { outside_dialogue(line, trimmed, context) }
}

/// Three or more `=` and nothing else.
pub(crate) fn is_page_break(trimmed: &str) -> bool {
    trimmed.len() >= 3 && trimmed.chars().all(|c| c == '=')
}

/// Lines whose first character decides what they are, wherever they stand.
fn forced(trimmed: &str) -> Option<Reading> {
    let mut chars = trimmed.chars();
    let first = chars.next()?;
    let rest = chars.as_str();
    let reading = match first {
        '!' => Reading::clean(ElementKind::Action(rest.to_string())),
        '@' => forced_cue(trimmed, rest),
        '~' => Reading::clean(ElementKind::Lyric(rest.trim().to_string())),
        '=' => Reading::clean(ElementKind::Synopsis(rest.trim().to_string())),
        '#' => section(trimmed),
        '>' => Reading::clean(centered_or_transition(rest)),
        '.' if is_forced_heading(rest) => heading(rest, Vec::new()),
        _ => return None,
    };
    Some(reading)
}

fn forced_cue(trimmed: &str, rest: &str) -> Reading {
    let cue = Cue::read(rest);
    if cue.name.is_empty() {
        return Reading::with(ElementKind::Action(trimmed.to_string()), Issue::CueWithoutName);
    }
    Reading::clean(cue.into_kind())
}

fn section(trimmed: &str) -> Reading {
    let text = trimmed.trim_start_matches('#');
    let depth = trimmed.len() - text.len();
    Reading::clean(ElementKind::Section { depth, text: text.trim().to_string() })
}

/// `>text<` is centered; any other line starting with `>` is a forced transition.
fn centered_or_transition(rest: &str) -> ElementKind {
    match rest.strip_suffix('<') {
        Some(inner) => ElementKind::Centered(inner.trim().to_string()),
        None => ElementKind::Transition(rest.trim().to_string()),
    }
}

/// A single leading `.` forces a heading when it is followed by something other than a dot or a space, so that
/// `...` and `. . .` stay action.
fn is_forced_heading(rest: &str) -> bool {
    rest.chars().next().is_some_and(|c| c != '.' && !c.is_whitespace())
}

fn in_dialogue(trimmed: &str) -> Reading {
    if let Some(inner) = parenthetical(trimmed) {
        return Reading::clean(ElementKind::Parenthetical(inner.to_string()));
    }
    if heading_prefix(trimmed).is_some() && is_upper_text(trimmed) {
        return heading(trimmed, vec![Issue::HeadingWithoutBlankBefore]);
    }
    Reading::clean(ElementKind::Dialogue(trimmed.to_string()))
}

fn outside_dialogue(line: &str, trimmed: &str, context: Context) -> Reading {
    if heading_prefix(trimmed).is_some() && (context.prev_blank || is_upper_text(trimmed)) {
        let issues = if context.prev_blank { Vec::new() } else { vec![Issue::HeadingWithoutBlankBefore] };
        return heading(trimmed, issues);
    }
    if context.prev_blank && context.next_blank && is_upper_text(trimmed) && trimmed.ends_with("TO:") {
        return Reading::clean(ElementKind::Transition(trimmed.to_string()));
    }
    let action = ElementKind::Action(line.trim_end().to_string());
    if context.prev_blank && is_cue_shaped(trimmed) {
        let cue = Cue::read(trimmed);
        if is_upper_text(&cue.name) {
            if !context.next_blank {
                return Reading::clean(cue.into_kind());
            }
            if cue.extension.is_some() {
                return Reading::with(action, Issue::CueWithoutDialogue);
            }
        }
    }
    if parenthetical(trimmed).is_some() {
        return Reading::with(action, Issue::ParentheticalOutsideDialogue);
    }
    Reading::clean(action)
}

/// A plain cue is a name, optionally followed by parenthesised extensions and `^`: nothing may follow the last
/// `)`, so that `KEPLER (30s) floats in.` stays action.
fn is_cue_shaped(trimmed: &str) -> bool {
    let (text, _) = strip_carets(trimmed);
    !text.contains('(') || text.ends_with(')')
}

/// The inside of a `(...)` line, trimmed.
fn parenthetical(trimmed: &str) -> Option<&str> {
    let inner = trimmed.strip_prefix('(')?.strip_suffix(')')?;
    Some(inner.trim())
}

/// Builds a heading from its line (without a forcing dot).
fn heading(text: &str, mut issues: Vec<Issue>) -> Reading {
    let (text, scene_number) = split_scene_number(text);
    if location(&text).is_empty() {
        issues.push(Issue::HeadingWithoutLocation);
    }
    Reading { kind: ElementKind::SceneHeading { text, scene_number }, issues }
}

/// The heading text without its prefix and the punctuation after it.
fn location(text: &str) -> &str {
    let rest = heading_prefix(text).and_then(|length| text.get(length..)).unwrap_or(text);
    rest.trim_matches(|c: char| c == '.' || c == '/' || c == '-' || c.is_whitespace())
}

/// Scene heading prefixes, longest first; each must be followed by a dot or a space.
const HEADING_PREFIXES: [&str; 6] = ["INT./EXT", "INT/EXT", "I/E", "INT", "EXT", "EST"];

/// The length of the scene heading prefix `text` starts with, ignoring case.
pub(crate) fn heading_prefix(text: &str) -> Option<usize> {
    HEADING_PREFIXES.iter().find_map(|prefix| {
        let head = text.get(..prefix.len())?;
        let next = text.get(prefix.len()..)?.chars().next()?;
        (head.eq_ignore_ascii_case(prefix) && (next == '.' || next == ' ')).then_some(prefix.len())
    })
}

/// Splits a trailing `#1A#` scene number (letters, digits, `.` and `-`) off a heading.
pub(crate) fn split_scene_number(text: &str) -> (String, Option<String>) {
    let text = text.trim();
    let number = text.strip_suffix('#').and_then(|body| {
        let open = body.rfind('#')?;
        let number = &body[open + 1..];
        let valid = !number.is_empty() && number.chars().all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        valid.then(|| (body[..open].trim().to_string(), number.to_string()))
    });
    match number {
        Some((text, number)) => (text, Some(number)),
        None => (text.to_string(), None),
    }
}

/// Has an uppercase letter and no lowercase one.
pub(crate) fn is_upper_text(text: &str) -> bool {
    text.chars().any(char::is_uppercase) && !text.chars().any(char::is_lowercase)
}

/// A character cue split into its parts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Cue {
    pub name: String,
    pub extension: Option<String>,
    pub dual: bool,
}

impl Cue {
    /// Reads `NAME (EXT) ^` (without a forcing `@`). Several parenthesised groups are joined with `", "`. A `^`
    /// at the end of the line or of the name marks dual dialogue, so a name never ends with `^`.
    pub fn read(text: &str) -> Cue {
        let (text, caret_after) = strip_carets(text);
        let (name, extension) = match text.find('(') {
            Some(open) => (&text[..open], extension(&text[open + 1..])),
            None => (text, None),
        };
        let (name, caret_in_name) = strip_carets(name);
        Cue { name: name.trim().to_string(), extension, dual: caret_after || caret_in_name }
    }

    /// Writes the cue back as `NAME (EXT) ^`.
    pub fn render(name: &str, extension: Option<&str>, dual: bool) -> String {
        let mut cue = name.trim().to_string();
        if let Some(extension) = extension {
            cue.push_str(&format!(" ({})", extension.trim()));
        }
        if dual {
            cue.push_str(" ^");
        }
        cue
    }

    fn into_kind(self) -> ElementKind {
        ElementKind::Character { name: self.name, extension: self.extension, dual: self.dual }
    }
}

/// `text` trimmed and without trailing `^` marks, and whether there were any.
fn strip_carets(text: &str) -> (&str, bool) {
    let text = text.trim();
    let stripped = text.trim_end_matches(|c: char| c == '^' || c.is_whitespace());
    (stripped, stripped.len() != text.len())
}

/// The text after the first `(` of a cue: the closing `)` is dropped and `) (` between groups becomes `, `.
fn extension(after_open: &str) -> Option<String> {
    let inner = after_open.trim_end();
    let mut rest = inner.strip_suffix(')').unwrap_or(inner);
    let mut out = String::with_capacity(rest.len());
    while let Some(close) = rest.find(')') {
        let after = &rest[close + 1..];
        match after.trim_start().strip_prefix('(') {
            Some(next_group) => {
                out.push_str(&rest[..close]);
                out.push_str(", ");
                rest = next_group;
            }
            None => {
                out.push_str(&rest[..=close]);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    let out = out.trim();
    (!out.is_empty()).then(|| out.to_string())
}

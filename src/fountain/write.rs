//! The Fountain writer: turns a `Script` into canonical Fountain text that `parse` reads back to the same
//! title page and element kinds.
//!
//! Each element is written plainly when `classify` would read that plain line back as the same element, and
//! with its forcing mark otherwise. All-caps action is always forced with `!`. This file must not parse text
//! beyond asking `classify` and `title_page::key_value` how a line would be read.

use super::classify::{Context, Cue, Reading, classify, is_upper_text};
use super::element::ElementKind;
use super::script::Script;
use super::title_page::key_value;

/// Writes `script` as Fountain: the title page, a blank line, then the elements, with a blank line between
/// paragraphs and none inside a dialogue block.
///
/// For any script returned by [`parse`](super::parse) the output parses back to the same title page and
/// element kinds. A built script round-trips when its texts look like parsed ones: trimmed, no notes or
/// boneyard marks, no blank lines in title values, dialogue lines that do not read as another element.
pub fn write(script: &Script) -> String {
    let mut writer = Writer { out: String::new(), in_block: false, at_top: script.title_page.is_empty() };
    writer.title_page(&script.title_page);
    let kinds = script.kinds();
    for (index, kind) in kinds.iter().enumerate() {
        writer.element(kind, kinds.get(index + 1).copied());
    }
    if !writer.out.is_empty() {
        writer.out.push('\n');
    }
    writer.out
}

struct Writer {
    out: String,
    /// The last element written belongs to a dialogue block.
    in_block: bool,
    /// Nothing has been written and there is no title page: a line that looks like `key: value` here would be
    /// read as a title page.
    at_top: bool,
}

impl Writer {
    fn title_page(&mut self, entries: &[(String, String)]) {
        let lines: Vec<String> = entries.iter().map(|(key, value)| title_entry(key, value)).collect();
        self.out.push_str(&lines.join("\n"));
    }

    fn element(&mut self, kind: &ElementKind, next: Option<&ElementKind>) {
        let in_block = match kind {
            ElementKind::Character { .. } => true,
            kind if kind.continues_dialogue() => self.in_block,
            _ => false,
        };
        if !self.out.is_empty() {
            self.out.push_str(if in_block && !matches!(kind, ElementKind::Character { .. }) { "\n" } else { "\n\n" });
        }
        let text = self.render(kind, next);
        self.out.push_str(&text);
        self.in_block = in_block;
        self.at_top = false;
    }

    fn render(&self, kind: &ElementKind, next: Option<&ElementKind>) -> String {
        match kind {
            ElementKind::SceneHeading { text, scene_number } => self.heading(text, scene_number.as_deref()),
            ElementKind::Action(text) => self.action(text),
            ElementKind::Character { name, extension, dual } => {
                let speaks = next.is_some_and(ElementKind::continues_dialogue);
                self.character(name, extension.as_deref(), *dual, speaks)
            }
            ElementKind::Parenthetical(text) => format!("({})", text.trim()),
            ElementKind::Dialogue(text) => dialogue(text),
            ElementKind::Lyric(text) => format!("~{}", text.trim()),
            ElementKind::Transition(text) => self.plain_or_forced(text.trim(), kind, Context::ALONE, '>'),
            ElementKind::Centered(text) => format!(">{}<", text.trim()),
            ElementKind::Section { depth, text } => with_mark(&"#".repeat((*depth).max(1)), text),
            ElementKind::Synopsis(text) => with_mark("=", text),
            ElementKind::PageBreak => "===".to_string(),
        }
    }

    fn heading(&self, text: &str, scene_number: Option<&str>) -> String {
        let text = text.trim();
        let line = match scene_number {
            Some(number) if text.is_empty() => format!("#{number}#"),
            Some(number) => format!("{text} #{number}#"),
            None => text.to_string(),
        };
        let kind = ElementKind::SceneHeading { text: text.to_string(), scene_number: scene_number.map(str::to_string) };
        self.plain_or_forced(&line, &kind, Context::ALONE, '.')
    }

    /// Each line of an action paragraph is forced with `!` when it is all caps, empty, or would be read as
    /// something other than this paragraph's action.
    fn action(&self, text: &str) -> String {
        let lines: Vec<&str> = text.split('\n').map(str::trim_end).collect();
        let last = lines.len().saturating_sub(1);
        let written: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(index, line)| {
                let context = Context { prev_blank: index == 0, next_blank: index == last, in_dialogue: false };
                let shouting = is_upper_text(line);
                let looks_like_title = index == 0 && self.at_top && key_value(line).is_some();
                let plain = !line.trim().is_empty()
                    && !shouting
                    && !looks_like_title
                    && classify(line, context) == Reading::clean(ElementKind::Action(line.to_string()));
                if plain { line.to_string() } else { format!("!{line}") }
            })
            .collect();
        written.join("\n")
    }

    /// A cue is forced with `@` when no dialogue follows it or when its plain form is not an all-caps cue.
    fn character(&self, name: &str, extension: Option<&str>, dual: bool, speaks: bool) -> String {
        let cue = Cue::render(name, extension, dual);
        if !speaks {
            return format!("@{cue}");
        }
        let kind = ElementKind::Character {
            name: name.trim().to_string(),
            extension: extension.map(|extension| extension.trim().to_string()),
            dual,
        };
        let context = Context { prev_blank: true, next_blank: false, in_dialogue: false };
        self.plain_or_forced(&cue, &kind, context, '@')
    }

    /// `line` itself when it reads back as `kind` without issues in `context`, else `line` after `mark`.
    fn plain_or_forced(&self, line: &str, kind: &ElementKind, context: Context, mark: char) -> String {
        let looks_like_title = self.at_top && key_value(line).is_some();
        if !looks_like_title && classify(line, context) == Reading::clean(kind.clone()) {
            line.to_string()
        } else {
            format!("{mark}{line}")
        }
    }
}

/// `Key: value`, or `Key:` followed by indented lines when the value spans lines. Empty value lines are
/// skipped: a blank line would end the title page.
fn title_entry(key: &str, value: &str) -> String {
    let lines: Vec<&str> = value.lines().map(str::trim).filter(|line| !line.is_empty()).collect();
    match lines.as_slice() {
        [] => format!("{}:", key.trim()),
        [single] => format!("{}: {single}", key.trim()),
        many => format!("{}:\n    {}", key.trim(), many.join("\n    ")),
    }
}

/// Dialogue lines, trimmed; an empty line becomes two spaces so that it keeps the block going.
fn dialogue(text: &str) -> String {
    let lines: Vec<&str> =
        text.split('\n').map(|line| if line.trim().is_empty() { "  " } else { line.trim() }).collect();
    lines.join("\n")
}

/// `mark text`, or just `mark` when the text is empty.
fn with_mark(mark: &str, text: &str) -> String {
    let text = text.trim();
    if text.is_empty() { mark.to_string() } else { format!("{mark} {text}") }
}

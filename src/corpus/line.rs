//! One line of corpus text (format v1): what it is, how it reads back and how it is written.
//!
//! This file owns the line grammar documented in the module root, [`parse_line`] (used by the writer on model
//! output) and the speaker-name rules. It must not clean or normalise text: callers hand it text that
//! [`super::normalize`] already tidied.

use std::fmt;

/// The longest speaker name a dialogue turn may carry, in characters.
pub const MAX_SPEAKER_CHARS: usize = 24;

/// What one line of corpus text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorpusLine {
    /// `NAME: text`, a line of dialogue.
    Turn { speaker: String, text: String },
    /// `(text)`, a stage direction or an action line, stored without the parentheses.
    Direction(String),
    /// `INT. ...` or `EXT. ...`, a scene heading, stored whole.
    Heading(String),
    /// The empty line.
    SceneBreak,
    /// Anything else: never produced by ingest, but model output may hold it.
    Other(String),
}

/// Reads one line of corpus text. Surrounding whitespace is ignored; the line must not hold a newline. A turn
/// needs a valid name, then a colon and a space, then non-empty text.
pub fn parse_line(line: &str) -> CorpusLine {
    let line = line.trim();
    if line.is_empty() {
        return CorpusLine::SceneBreak;
    }
    if is_heading(line) {
        return CorpusLine::Heading(line.to_string());
    }
    if let Some(inner) = line.strip_prefix('(').and_then(|rest| rest.strip_suffix(')')) {
        return CorpusLine::Direction(inner.trim().to_string());
    }
    if let Some((name, text)) = line.split_once(": ") {
        let text = text.trim();
        if is_speaker_name(name) && !text.is_empty() {
            return CorpusLine::Turn { speaker: name.to_string(), text: text.to_string() };
        }
    }
    CorpusLine::Other(line.to_string())
}

/// Whether `line` starts like a scene heading of the corpus format.
pub fn is_heading(line: &str) -> bool {
    line.starts_with("INT. ") || line.starts_with("EXT. ")
}

/// Whether `name` is a speaker name as written in a turn: 1 to 24 characters, uppercase letters, digits,
/// apostrophes and single inner spaces, with at least one letter or digit.
pub fn is_speaker_name(name: &str) -> bool {
    let count = name.chars().count();
    (1..=MAX_SPEAKER_CHARS).contains(&count)
        && name == name.trim()
        && !name.contains("  ")
        && name.chars().any(char::is_alphanumeric)
        && name.chars().all(|c| is_name_char(c) || c == ' ' || c == '\'')
}

/// Turns a raw name (`Ham.`, `Lady Macbeth`, `<v Mary-Jane>`'s voice) into a speaker name, or `None` when
/// nothing usable is left. Letters are uppercased, `-`, `.`, `_` and whitespace become single spaces, other
/// punctuation is dropped and the result is cut to [`MAX_SPEAKER_CHARS`].
pub fn speaker_name(raw: &str) -> Option<String> {
    let mapped: String = raw
        .chars()
        .flat_map(char::to_uppercase)
        .filter_map(|c| match c {
            '-' | '.' | '_' => Some(' '),
            c if c.is_whitespace() => Some(' '),
            '\'' | '\u{2019}' => Some('\''),
            c if is_name_char(c) => Some(c),
            _ => None,
        })
        .collect();
    let collapsed = mapped.split_whitespace().collect::<Vec<_>>().join(" ");
    let cut: String = collapsed.chars().take(MAX_SPEAKER_CHARS).collect();
    let name = cut.trim_end().trim_matches('\'').trim().to_string();
    is_speaker_name(&name).then_some(name)
}

/// An uppercase (or caseless) letter, or a digit.
fn is_name_char(c: char) -> bool {
    c.is_numeric() || (c.is_alphabetic() && !c.is_lowercase())
}

impl fmt::Display for CorpusLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CorpusLine::Turn { speaker, text } => write!(f, "{speaker}: {text}"),
            CorpusLine::Direction(text) => write!(f, "({text})"),
            CorpusLine::Heading(text) | CorpusLine::Other(text) => f.write_str(text),
            CorpusLine::SceneBreak => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected: &str) {
        let rendered = match parse_line(line) {
            CorpusLine::Turn { speaker, text } => format!("turn {speaker}|{text}"),
            CorpusLine::Direction(text) => format!("direction {text}"),
            CorpusLine::Heading(text) => format!("heading {text}"),
            CorpusLine::SceneBreak => "break".to_string(),
            CorpusLine::Other(text) => format!("other {text}"),
        };
        assert_eq!(rendered, expected, "line {line:?}");
    }

    #[test]
    fn lines_parse_by_kind() {
        check("HAMLET: To be, or not to be", "turn HAMLET|To be, or not to be");
        check("A: Hi.", "turn A|Hi.");
        check("FIRST WITCH: When shall we three meet again?", "turn FIRST WITCH|When shall we three meet again?");
        check("O'BRIEN: Yes: no.", "turn O'BRIEN|Yes: no.");
        check("R2D2: beep", "turn R2D2|beep");
        check("(Enter HAMLET.)", "direction Enter HAMLET.");
        check("INT. LANTERN - COCKPIT", "heading INT. LANTERN - COCKPIT");
        check("EXT. DEBRIS FIELD", "heading EXT. DEBRIS FIELD");
        check("", "break");
        check("   ", "break");
        check("Note: lowercase is no name", "other Note: lowercase is no name");
        check("HAMLET:", "other HAMLET:");
        check("A VERY LONG NAME THAT IS TOO LONG: x", "other A VERY LONG NAME THAT IS TOO LONG: x");
        check("12:30 was late", "other 12:30 was late");
        check("INT.HOUSE", "other INT.HOUSE");
        check("just words", "other just words");
        check("(unclosed", "other (unclosed");
    }

    fn check_name(raw: &str, expected: Option<&str>) {
        assert_eq!(speaker_name(raw).as_deref(), expected, "name {raw:?}");
    }

    #[test]
    fn speaker_names_are_sanitised() {
        check_name("Ham.", Some("HAM"));
        check_name("Lady Macbeth", Some("LADY MACBETH"));
        check_name("Mary-Jane", Some("MARY JANE"));
        check_name("o\u{2019}brien", Some("O'BRIEN"));
        check_name("  ", None);
        check_name("...", None);
        check_name("Ghost of Hamlet's Father, the king", Some("GHOST OF HAMLET'S FATHER"));
        check_name("Бабушка", Some("БАБУШКА"));
    }

    #[test]
    fn display_writes_what_parse_reads() {
        for line in ["ROMEO: O, she doth teach the torches!", "(Exeunt.)", "INT. HOUSE - DAY", "", "free text"] {
            assert_eq!(parse_line(line).to_string(), line);
        }
    }
}

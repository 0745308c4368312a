//! The title page: `key: value` lines at the very top, values continued on indented lines, ended by the first
//! blank line.
//!
//! This file owns recognising a key line (shared with the writer, which must not start a script without title
//! page on a line that looks like one) and reading the title page block. It must not read the body.

use super::classify::{heading_prefix, is_upper_text};
use super::source::SourceLine;
use crate::diagnostic::Diagnostic;

/// The longest key accepted, in characters, and the most words in it: enough for `Draft date` and short
/// custom keys, while `As the girl runs: a truck turns.` stays action.
const MAX_KEY_CHARS: usize = 30;
const MAX_KEY_WORDS: usize = 3;

/// The keys the Fountain spec names, compared without case. A title page must hold one of them; other keys are
/// accepted beside them unless they are all caps, which is how `FADE IN:` or `BOB: Hi.` look.
const KNOWN_KEYS: [&str; 10] =
    ["title", "credit", "author", "authors", "source", "draft date", "date", "contact", "copyright", "notes"];

/// Splits a title page line `Key: value` into its trimmed key and value.
///
/// A key starts at the first column with a letter, has at most three words of letters, digits, `-`, `_` or
/// `'`, comes before the first colon, and is a known key or not all caps. A scene heading such as
/// `INT HOUSE: NIGHT` is never a key line.
pub(crate) fn key_value(line: &str) -> Option<(&str, &str)> {
    if !line.chars().next().is_some_and(char::is_alphabetic) || heading_prefix(line.trim()).is_some() {
        return None;
    }
    let (key, value) = line.split_once(':')?;
    let key = key.trim_end();
    (is_key_shaped(key) && (is_known(key) || !is_upper_text(key))).then(|| (key, value.trim()))
}

fn is_key_shaped(key: &str) -> bool {
    let word_ok =
        |word: &str| !word.is_empty() && word.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '\''));
    key.chars().count() <= MAX_KEY_CHARS && key.split(' ').count() <= MAX_KEY_WORDS && key.split(' ').all(word_ok)
}

/// Reads the title page at the top of `lines`, if there is one. Returns its entries and the index of the first
/// line of the body.
///
/// A title page starts with a key line and holds at least one key the spec names, so that an opening action
/// line such as `He says: run.` is not taken for one. It ends at the first blank line, or, with a warning, at
/// the first line that is neither a key line nor indented.
pub(crate) fn read(lines: &[SourceLine], diagnostics: &mut Vec<Diagnostic>) -> (Vec<(String, String)>, usize) {
    let Some(start) = lines.iter().position(|line| !line.is_blank()) else {
        return (Vec::new(), lines.len());
    };
    let first = &lines[start];
    let end = block_end(lines, start);
    let block = lines.get(start..end).unwrap_or_default();
    let keys: Vec<&str> = block.iter().filter_map(|line| key_value(&line.text)).map(|(key, _)| key).collect();
    if key_value(&first.text).is_none() || !keys.iter().any(|key| is_known(key)) {
        return (Vec::new(), 0);
    }
    if let Some(stray) = lines.get(end).filter(|line| !line.is_blank()) {
        diagnostics.push(Diagnostic::warning(stray.number, "title page not ended by a blank line"));
    }
    if !keys.iter().any(|key| key.eq_ignore_ascii_case("title")) {
        diagnostics.push(Diagnostic::warning(first.number, "title page has no Title"));
    }
    (entries(block), end)
}

/// The index of the first line after the title page block that starts at `start`.
fn block_end(lines: &[SourceLine], start: usize) -> usize {
    let in_block = |line: &SourceLine| {
        !line.is_blank() && (key_value(&line.text).is_some() || line.text.starts_with(char::is_whitespace))
    };
    lines.iter().skip(start).position(|line| !in_block(line)).map_or(lines.len(), |offset| start + offset)
}

/// The entries of a title page block: key lines start one, indented lines continue its value.
fn entries(block: &[SourceLine]) -> Vec<(String, String)> {
    let mut entries: Vec<(String, String)> = Vec::new();
    for line in block {
        match key_value(&line.text) {
            Some((key, value)) => entries.push((key.to_string(), value.to_string())),
            None => continue_value(&mut entries, line.text.trim()),
        }
    }
    entries
}

fn is_known(key: &str) -> bool {
    KNOWN_KEYS.iter().any(|known| known.eq_ignore_ascii_case(key))
}

/// Adds an indented line to the value of the last entry.
fn continue_value(entries: &mut [(String, String)], text: &str) {
    if let Some((_, value)) = entries.last_mut() {
        if !value.is_empty() {
            value.push('\n');
        }
        value.push_str(text);
    }
}

//! Text to Piper phoneme ids: espeak-ng IPA (via the program, never linked) mapped through the voice's
//! `phoneme_id_map`.
//!
//! Piper's convention: `^` (BOS) then `_` (PAD), then each phoneme's ids followed by PAD, then `$` (EOS). espeak-ng
//! drops punctuation from IPA, so clauses are phonemised separately and their punctuation (`,` `.` `?` `!` `;` `:`)
//! is put back, as piper-phonemize does, because the voice uses it for intonation and pauses. This file must not
//! run the model.

use std::collections::HashMap;

use super::VoiceError;
use super::espeak::Espeak;

/// Clause punctuation that Piper voices know.
const CLAUSE_PUNCTUATION: [char; 6] = [',', '.', '?', '!', ';', ':'];

/// A voice's phoneme-to-id table.
#[derive(Debug, Clone)]
pub struct PhonemeIds {
    map: HashMap<char, Vec<i64>>,
    pad: Vec<i64>,
    bos: Vec<i64>,
    eos: Vec<i64>,
}

impl PhonemeIds {
    /// Builds the table from the `.onnx.json` `phoneme_id_map`; the error names a missing special symbol.
    pub fn from_map(map: &HashMap<String, Vec<i64>>) -> Result<Self, String> {
        let special =
            |symbol: &str| map.get(symbol).cloned().ok_or_else(|| format!("phoneme_id_map has no `{symbol}` entry"));
        let single: HashMap<char, Vec<i64>> = map
            .iter()
            .filter_map(|(k, v)| {
                let mut chars = k.chars();
                match (chars.next(), chars.next()) {
                    (Some(c), None) => Some((c, v.clone())),
                    _ => None,
                }
            })
            .collect();
        Ok(PhonemeIds { map: single, pad: special("_")?, bos: special("^")?, eos: special("$")? })
    }

    /// Maps phonemes to ids with BOS/PAD/EOS; characters the voice lacks (like espeak's zero-width joiners) are
    /// skipped.
    pub fn ids(&self, phonemes: &str) -> Vec<i64> {
        let mut ids = self.bos.clone();
        ids.extend(&self.pad);
        for c in phonemes.chars() {
            if let Some(id) = self.map.get(&c) {
                ids.extend(id);
                ids.extend(&self.pad);
            }
        }
        ids.extend(&self.eos);
        ids
    }
}

/// Phonemises `text` with espeak-ng `voice`, keeping clause punctuation. One espeak-ng run serves the whole text
/// when its clause lines line up with ours; otherwise each clause is phonemised on its own.
pub fn phonemize(espeak: &Espeak, text: &str, voice: &str) -> Result<String, VoiceError> {
    let clauses = clauses(text);
    if clauses.is_empty() {
        return Ok(String::new());
    }
    let joined: Vec<&str> = clauses.iter().map(|(c, _)| c.as_str()).collect();
    let lines = ipa_lines(&espeak.ipa(&joined.join(", "), voice)?);
    let per_clause = if lines.len() == clauses.len() {
        lines
    } else {
        clauses.iter().map(|(c, _)| espeak.ipa(c, voice).map(|o| ipa_lines(&o).join(" "))).collect::<Result<_, _>>()?
    };
    let mut out = String::new();
    for ((_, punctuation), ipa) in clauses.iter().zip(per_clause) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&ipa);
        if let Some(p) = punctuation {
            out.push(*p);
        }
    }
    Ok(out)
}

fn ipa_lines(output: &str) -> Vec<String> {
    output
        .lines()
        .map(|l| {
            l.chars().filter(|c| *c != '\u{200D}').collect::<String>().split_whitespace().collect::<Vec<_>>().join(" ")
        })
        .filter(|l| !l.is_empty())
        .collect()
}

/// Splits text at clause punctuation into (clause, punctuation) pairs, dropping clauses without letters or digits.
fn clauses(text: &str) -> Vec<(String, Option<char>)> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        if CLAUSE_PUNCTUATION.contains(&c) {
            if current.chars().any(char::is_alphanumeric) {
                out.push((std::mem::take(&mut current).trim().to_owned(), Some(c)));
            } else {
                current.clear();
            }
        } else {
            current.push(c);
        }
    }
    if current.chars().any(char::is_alphanumeric) {
        out.push((current.trim().to_owned(), None));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> PhonemeIds {
        let map: HashMap<String, Vec<i64>> = [("_", 0), ("^", 1), ("$", 2), (" ", 3), ("a", 14), ("b", 15), (",", 8)]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), vec![v]))
            .collect();
        PhonemeIds::from_map(&map).expect("complete table")
    }

    #[test]
    fn maps_with_piper_padding() {
        assert_eq!(table().ids("ab"), vec![1, 0, 14, 0, 15, 0, 2]);
        assert_eq!(table().ids("a\u{200D}, b"), vec![1, 0, 14, 0, 8, 0, 3, 0, 15, 0, 2]);
        assert_eq!(table().ids(""), vec![1, 0, 2]);
    }

    #[test]
    fn needs_special_symbols() {
        let err = PhonemeIds::from_map(&HashMap::new()).expect_err("incomplete");
        assert_eq!(err, "phoneme_id_map has no `_` entry");
    }

    fn check_clauses(input: &str, expected: &[(&str, Option<char>)]) {
        let expected: Vec<(String, Option<char>)> = expected.iter().map(|(c, p)| (c.to_string(), *p)).collect();
        assert_eq!(clauses(input), expected, "input: {input:?}");
    }

    #[test]
    fn splits_clauses() {
        check_clauses("Hello, world.", &[("Hello", Some(',')), ("world", Some('.'))]);
        check_clauses("No punctuation", &[("No punctuation", None)]);
        check_clauses("?!", &[]);
        check_clauses("Wait; what?", &[("Wait", Some(';')), ("what", Some('?'))]);
    }

    #[test]
    fn phonemizes_with_punctuation() {
        let ipa = phonemize(&Espeak::default(), "Hello there, my friend.", "en-us").expect("espeak-ng runs");
        assert!(ipa.contains(',') && ipa.ends_with('.'), "{ipa}");
        assert!(ipa.contains('ð') && !ipa.contains('\u{200D}'), "{ipa}");
    }
}

//! The character vocabulary: id 0 is `<unk>` (any character not seen in training), ids 1.. are the training text's
//! unique characters in sorted order. It is saved as JSON inside `config.json`. It must not depend on the model.

use serde::{Deserialize, Serialize};

use super::error::{LmError, Result};

pub const UNK: u32 = 0;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Vocab {
    /// Sorted, unique; the id of `chars[i]` is `i + 1`.
    chars: Vec<char>,
}

impl Vocab {
    pub fn from_text(text: &str) -> Result<Vocab> {
        if text.is_empty() {
            return Err(LmError::EmptyCorpus { what: "training" });
        }
        let mut chars: Vec<char> = text.chars().collect();
        chars.sort_unstable();
        chars.dedup();
        Ok(Vocab { chars })
    }

    /// Checks the invariant after deserialising (sorted, unique, non-empty).
    pub fn is_valid(&self) -> bool {
        !self.chars.is_empty() && self.chars.windows(2).all(|w| w[0] < w[1])
    }

    /// Number of ids, `<unk>` included.
    pub fn len(&self) -> usize {
        self.chars.len() + 1
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn id(&self, c: char) -> u32 {
        self.chars.binary_search(&c).map_or(UNK, |i| i as u32 + 1)
    }

    pub fn encode(&self, text: &str) -> Vec<u32> {
        text.chars().map(|c| self.id(c)).collect()
    }

    /// The character for `id`; `<unk>` and out-of-range ids decode to U+FFFD.
    pub fn char(&self, id: u32) -> char {
        (id as usize).checked_sub(1).and_then(|i| self.chars.get(i)).copied().unwrap_or('\u{FFFD}')
    }

    pub fn decode(&self, ids: &[u32]) -> String {
        ids.iter().map(|&id| self.char(id)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(train: &str, text: &str, ids: &[u32], decoded: &str) {
        let v = Vocab::from_text(train).unwrap();
        assert_eq!(v.encode(text), ids, "encode {text:?}");
        assert_eq!(v.decode(ids), decoded, "decode {ids:?}");
    }

    #[test]
    fn encodes_and_decodes() {
        check("abc", "cab", &[3, 1, 2], "cab");
        check("ba", "ab", &[1, 2], "ab");
        check("abc", "axc", &[1, 0, 3], "a\u{FFFD}c");
        check("héllo", "é", &[4], "é");
        check("hello", "é", &[0], "\u{FFFD}");
        check("a\nb", "\n", &[1], "\n");
    }

    #[test]
    fn rejects_empty_and_round_trips_json() {
        assert!(matches!(Vocab::from_text(""), Err(LmError::EmptyCorpus { .. })));
        let v = Vocab::from_text("hello").unwrap();
        assert_eq!(v.len(), 5);
        let back: Vocab = serde_json::from_str(&serde_json::to_string(&v).unwrap()).unwrap();
        assert_eq!(back, v);
        assert!(back.is_valid());
        let bad: Vocab = serde_json::from_str(r#"{"chars":["b","a"]}"#).unwrap();
        assert!(!bad.is_valid());
    }
}

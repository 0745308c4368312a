//! Splits decoded text into numbered lines and blank-line separated blocks.
//!
//! Owns line-ending handling (CRLF, LF and lone CR) and 1-based line numbering for every format. It must not know
//! anything about a subtitle format: no timestamps, no markup, no diagnostics.

/// One line of input with its 1-based number. Trailing whitespace (and so any stray `\r`) is already removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Line<'a> {
    pub number: usize,
    pub text: &'a str,
}

impl Line<'_> {
    pub fn is_blank(&self) -> bool {
        self.text.trim().is_empty()
    }
}

/// Iterates over the lines of `text`, treating `\r\n`, `\n` and a lone `\r` each as one line break.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = Line<'_>> {
    Lines { rest: Some(text), number: 0 }
}

struct Lines<'a> {
    /// What is left to split; `None` once the last line has been yielded.
    rest: Option<&'a str>,
    number: usize,
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let rest = self.rest?;
        self.number += 1;
        let (text, after) = match rest.find(['\r', '\n']) {
            Some(at) => {
                let break_len = if rest[at..].starts_with("\r\n") { 2 } else { 1 };
                (&rest[..at], Some(&rest[at + break_len..]))
            }
            None => (rest, None),
        };
        // A final line break does not start another (empty) line.
        self.rest = after.filter(|after| !after.is_empty());
        if rest.is_empty() {
            return None;
        }
        Some(Line { number: self.number, text: text.trim_end() })
    }
}

/// Groups the lines of `text` into blocks: maximal runs of non-blank lines. Blank lines only separate.
pub(crate) fn blocks(text: &str) -> Vec<Vec<Line<'_>>> {
    let mut blocks = Vec::new();
    let mut current = Vec::new();
    for line in lines(text) {
        if line.is_blank() {
            if !current.is_empty() {
                blocks.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line);
        }
    }
    if !current.is_empty() {
        blocks.push(current);
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Renders the lines as `number:text` joined by `|`.
    fn split(text: &str) -> String {
        lines(text).map(|l| format!("{}:{}", l.number, l.text)).collect::<Vec<_>>().join("|")
    }

    #[test]
    fn line_endings() {
        assert_eq!(split("a\nb\nc"), "1:a|2:b|3:c");
        assert_eq!(split("a\r\nb\r\nc\r\n"), "1:a|2:b|3:c");
        assert_eq!(split("a\rb\rc\r"), "1:a|2:b|3:c");
        assert_eq!(split("a\r\n\rb\n\nc"), "1:a|2:|3:b|4:|5:c");
        assert_eq!(split("a  \t\nb "), "1:a|2:b");
        assert_eq!(split(""), "");
        assert_eq!(split("\n"), "1:");
        assert_eq!(split("\n\n"), "1:|2:");
    }

    #[test]
    fn blocks_are_separated_by_blank_lines() {
        let text = "\n\na\nb\n \t\n\nc\r\n\r\nd";
        let numbers: Vec<Vec<usize>> = blocks(text).iter().map(|b| b.iter().map(|l| l.number).collect()).collect();
        assert_eq!(numbers, vec![vec![3, 4], vec![7], vec![9]]);
    }
}

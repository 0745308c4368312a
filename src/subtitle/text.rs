//! Plain-text clean-up shared by the format parsers.
//!
//! Owns the steps that more than one format needs to turn cue text into plain text: removing `{...}` override
//! blocks (ASS, and the `{\an8}` tags that leak into SRT) and tidying whitespace. Format-specific markup (HTML-like
//! tags, WebVTT entities, ASS escapes) belongs to the format's own file; this file must not parse timing or lines.

/// Which `{...}` blocks [`split_braces`] takes out of the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Braces {
    /// Only blocks that start with a backslash, `{\an8}`: a brace in SRT text is otherwise literal.
    Overrides,
    /// Every block: in ASS anything in braces is an override or a comment, never shown.
    All,
}

/// Splits `text` into plain text and the `{...}` blocks to remove, in order. An unclosed `{` is kept as text.
pub(crate) fn split_braces(text: &str, which: Braces) -> Vec<Segment<'_>> {
    let mut segments = Vec::new();
    let mut rest = text;
    while let Some(open) = rest.find('{') {
        let inner_start = open + 1;
        let Some(close) = rest[inner_start..].find('}').map(|at| inner_start + at) else { break };
        let inner = &rest[inner_start..close];
        if which == Braces::All || inner.starts_with('\\') {
            segments.push(Segment::Text(&rest[..open]));
            segments.push(Segment::Block(inner));
        } else {
            segments.push(Segment::Text(&rest[..=close]));
        }
        rest = &rest[close + 1..];
    }
    segments.push(Segment::Text(rest));
    segments
}

/// A piece of text split by [`split_braces`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Segment<'a> {
    Text(&'a str),
    /// The inside of a removed `{...}` block.
    Block(&'a str),
}

/// Removes `{\...}` override blocks and keeps everything else.
pub(crate) fn strip_override_blocks(text: &str) -> String {
    split_braces(text, Braces::Overrides)
        .into_iter()
        .filter_map(|segment| match segment {
            Segment::Text(text) => Some(text),
            Segment::Block(_) => None,
        })
        .collect()
}

/// Trims every line and drops blank lines at the start and the end; blank lines inside are kept.
pub(crate) fn tidy(text: &str) -> String {
    let lines: Vec<&str> = text.split('\n').map(str::trim).collect();
    let first = lines.iter().position(|line| !line.is_empty());
    let last = lines.iter().rposition(|line| !line.is_empty());
    match (first, last) {
        (Some(first), Some(last)) => lines[first..=last].join("\n"),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_blocks() {
        let cases = [
            (r"{\an8}Top", "Top"),
            (r"{\i1}a{\i0} b", "a b"),
            (r"a {not a tag} b", "a {not a tag} b"),
            (r"unclosed {\an8", r"unclosed {\an8"),
            (r"{}x{\b1}", "{}x"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(strip_override_blocks(input), expected, "{input:?}");
        }
    }

    #[test]
    fn all_braces() {
        let segments = split_braces(r"a{comment}b{\p1}c", Braces::All);
        let expected = [
            Segment::Text("a"),
            Segment::Block("comment"),
            Segment::Text("b"),
            Segment::Block(r"\p1"),
            Segment::Text("c"),
        ];
        assert_eq!(segments, expected);
    }

    #[test]
    fn tidy_lines() {
        let cases = [("  a  \n b ", "a\nb"), ("\n\na\n\nb\n\n", "a\n\nb"), (" \n ", ""), ("", "")];
        for (input, expected) in cases {
            assert_eq!(tidy(input), expected, "{input:?}");
        }
    }
}

//! Fountain emphasis: `*italics*`, `**bold**`, `***bold italics***`, `_underline_`, with `\*` and `\_` for
//! literal marks.
//!
//! The parser keeps these marks in element texts; this file only strips them for plain-text consumers (subtitles,
//! prompts, speech). It must not change anything else in the text.

/// `text` without emphasis marks. A mark only counts when it pairs with another on the same line, opens before
/// a non-space and closes after one, so `5 * 3` and lone underscores stay as they are. Escaped marks lose
/// their backslash.
pub fn plain(text: &str) -> String {
    text.split('\n').map(plain_line).collect::<Vec<_>>().join("\n")
}

/// One character of a line; `literal` marks an escaped `*` or `_`, which never pairs.
#[derive(Debug, Clone, Copy)]
struct Token {
    c: char,
    literal: bool,
}

/// Marks in the order they are paired: longer runs of `*` first, so `***a***` is not read as `*` pairs.
const MARKS: [(char, usize); 4] = [('*', 3), ('*', 2), ('*', 1), ('_', 1)];

fn plain_line(line: &str) -> String {
    let mut tokens = tokenize(line);
    for (mark, length) in MARKS {
        tokens = remove_pairs(tokens, mark, length);
    }
    tokens.into_iter().map(|token| token.c).collect()
}

fn tokenize(line: &str) -> Vec<Token> {
    let mut tokens = Vec::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match chars.peek() {
            Some(&next) if c == '\\' && (next == '*' || next == '_') => {
                tokens.push(Token { c: next, literal: true });
                chars.next();
            }
            _ => tokens.push(Token { c, literal: false }),
        }
    }
    tokens
}

/// Removes paired runs of exactly `length` unescaped `mark` characters.
fn remove_pairs(tokens: Vec<Token>, mark: char, length: usize) -> Vec<Token> {
    let is_mark = |token: &Token| token.c == mark && !token.literal;
    let is_space = |index: Option<usize>| index.and_then(|i| tokens.get(i)).is_none_or(|t| t.c.is_whitespace());
    let mut remove = vec![false; tokens.len()];
    let mut pending: Option<usize> = None;
    let mut start = 0;
    while start < tokens.len() {
        let end = (start..tokens.len()).find(|&i| !is_mark(&tokens[i])).unwrap_or(tokens.len());
        if end == start {
            start += 1;
            continue;
        }
        if end - start == length {
            let opens = !is_space(Some(end));
            let closes = !is_space(start.checked_sub(1));
            match pending {
                Some(open) if closes => {
                    remove[open..open + length].iter_mut().for_each(|flag| *flag = true);
                    remove[start..end].iter_mut().for_each(|flag| *flag = true);
                    pending = None;
                }
                _ if opens => pending = Some(start),
                _ => {}
            }
        }
        start = end;
    }
    tokens.into_iter().zip(remove).filter(|(_, removed)| !removed).map(|(token, _)| token).collect()
}

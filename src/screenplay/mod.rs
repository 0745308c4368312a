//! The screenplay writer: a trained model writes a Fountain script *around* a challenge brief.
//!
//! The brief (title, a line of dialogue, a prop or action) is guaranteed, and the model is conditioned on it: the
//! script is generated in three parts, and the brief's pieces are written into the text the model continues from.
//!
//! 1. The model opens a scene from a blank line (a scene break in corpus text v1).
//! 2. The prop is written in as a direction, `(A book pulled from a shelf.)`, and the model continues from it.
//! 3. The required line is written in as the next speaker's turn (turn-taking decides who), and the model
//!    continues from it to the end.
//!
//! The corpus text the model writes (`NAME: text`, `(direction)`, `INT./EXT.` headings, blank-line scene breaks)
//! is then assembled into Fountain by [`assemble`]: speakers become Sunspring-style names (H, H2, C, C2) in order of
//! appearance; each scene gets a heading, the model's own when it wrote one, else a place taken from the scene's
//! first direction (plays name their places: "Elsinore. A room in the castle."), else one chosen by the seed; a
//! turn that opens with `(…)` keeps it as a parenthetical. Pure: the model is reached through [`Generator`].

mod assemble;

pub use assemble::{BriefCheck, assemble, check_brief};

use crate::fountain::Script;

/// The 48-hour challenge brief.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brief {
    pub title: String,
    /// A line of dialogue that must be spoken verbatim.
    pub line: Option<String>,
    /// A prop or action that must appear in an action line.
    pub prop: Option<String>,
}

/// How to write.
#[derive(Debug, Clone, PartialEq)]
pub struct WriteOptions {
    pub seed: u64,
    pub temperature: f32,
    pub top_p: f32,
    /// Roughly how long the script is: one page is about 1,400 characters of corpus text.
    pub pages: u32,
    /// Credited on the title page.
    pub author: String,
}

impl Default for WriteOptions {
    fn default() -> Self {
        WriteOptions { seed: 2016, temperature: 0.8, top_p: 0.95, pages: 2, author: "reel".into() }
    }
}

/// Continues text: a trained model behind a small interface, so the writer can be tested with any generator.
pub trait Generator {
    fn continue_text(&self, context: &str, max_chars: usize, seed: u64) -> Result<String, ScreenplayError>;
}

#[derive(Debug, thiserror::Error)]
pub enum ScreenplayError {
    #[error("the model could not write: {0}")]
    Model(String),
    #[error("the brief's title is empty")]
    EmptyTitle,
    #[error("the brief's {what} is empty; leave it out instead")]
    EmptyPart { what: &'static str },
    #[error("the written script does not honour the brief: {0}")]
    Brief(String),
}

/// Characters of corpus text per page.
const CHARS_PER_PAGE: usize = 1400;
/// How much of the text so far the model is shown when it continues (the LSTM's state is rebuilt from it).
const CONTEXT_CHARS: usize = 1200;

/// Writes a screenplay around `brief`.
pub fn write(generator: &dyn Generator, brief: &Brief, opts: &WriteOptions) -> Result<Script, ScreenplayError> {
    validate(brief)?;
    let total = CHARS_PER_PAGE * opts.pages.max(1) as usize;
    let mut text = String::from("\n");
    let mut seed = opts.seed;
    let mut part = |text: &mut String, share: usize| -> Result<(), ScreenplayError> {
        seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        let generated = generator.continue_text(tail(text, CONTEXT_CHARS), total * share / 100, seed)?;
        text.push_str(whole_lines(&generated));
        Ok(())
    };
    part(&mut text, 30)?;
    if let Some(prop) = &brief.prop {
        ensure_newline(&mut text);
        text.push_str(&format!("({})\n", sentence(prop)));
    }
    part(&mut text, 35)?;
    if let Some(line) = &brief.line {
        ensure_newline(&mut text);
        let speaker = next_speaker(&text);
        text.push_str(&format!("{speaker}: {}\n", line.trim()));
    }
    part(&mut text, 35)?;
    let script = assemble(&text, brief, opts);
    let check = check_brief(&script, brief);
    if !check.ok() {
        return Err(ScreenplayError::Brief(check.problems.join("; ")));
    }
    Ok(script)
}

fn validate(brief: &Brief) -> Result<(), ScreenplayError> {
    if brief.title.trim().is_empty() {
        return Err(ScreenplayError::EmptyTitle);
    }
    if brief.line.as_ref().is_some_and(|l| l.trim().is_empty()) {
        return Err(ScreenplayError::EmptyPart { what: "line" });
    }
    if brief.prop.as_ref().is_some_and(|p| p.trim().is_empty()) {
        return Err(ScreenplayError::EmptyPart { what: "prop" });
    }
    Ok(())
}

/// The last `n` characters of `text`, starting at a line boundary when there is one.
fn tail(text: &str, n: usize) -> &str {
    let start = text.char_indices().rev().nth(n).map_or(0, |(i, _)| i);
    let tail = &text[start..];
    match tail.find('\n') {
        Some(i) if start > 0 => &tail[i + 1..],
        _ => tail,
    }
}

/// Generated text up to its last complete line.
fn whole_lines(generated: &str) -> &str {
    generated.rfind('\n').map_or("", |i| &generated[..=i])
}

fn ensure_newline(text: &mut String) {
    if !text.ends_with('\n') {
        text.push('\n');
    }
}

/// `a book pulled from a shelf` → `A book pulled from a shelf.`
fn sentence(words: &str) -> String {
    let words = words.trim();
    let mut s: String = words.chars().take(1).flat_map(char::to_uppercase).chain(words.chars().skip(1)).collect();
    if !s.ends_with(['.', '!', '?']) {
        s.push('.');
    }
    s
}

/// Who speaks next by turn-taking: the speaker before the last one in the current scene, or `B` after `A`.
fn next_speaker(text: &str) -> String {
    let mut speakers: Vec<String> = Vec::new();
    for line in text.lines().rev() {
        match crate::corpus::parse_line(line) {
            crate::corpus::CorpusLine::Turn { speaker, .. } => {
                if !speakers.contains(&speaker) {
                    speakers.push(speaker);
                }
                if speakers.len() == 2 {
                    break;
                }
            }
            crate::corpus::CorpusLine::SceneBreak => break,
            _ => {}
        }
    }
    match speakers.as_slice() {
        [_, other] => other.clone(),
        [last] if last == "A" => "B".into(),
        _ => "A".into(),
    }
}

#[cfg(test)]
mod tests;

//! The Fountain parser: cleans the input, reads the title page, then walks the body line by line, joining lines
//! into paragraphs and dialogue blocks.
//!
//! It never fails and never panics: whatever the input, it returns the script it could read and a diagnostic
//! for each repair. It must not decide what a single line is (that is `classify.rs`) nor write text.

use super::classify::{Context, classify};
use super::element::{Element, ElementKind};
use super::script::Script;
use super::source::{SourceLine, clean_lines, expand_tabs};
use super::title_page;
use crate::diagnostic::Diagnostic;

/// Parses a Fountain screenplay. Diagnostics are sorted by line.
pub fn parse(text: &str) -> (Script, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let lines = clean_lines(text, &mut diagnostics);
    let (title_page, body_start) = title_page::read(&lines, &mut diagnostics);
    let mut body = lines.get(body_start..).unwrap_or_default().to_vec();
    for line in &mut body {
        expand_tabs(line, &mut diagnostics);
    }
    let elements = Body::new(&body, &mut diagnostics).read();
    check_scenes(&elements, &mut diagnostics);
    diagnostics.sort_by_key(|diagnostic| diagnostic.line);
    (Script { title_page, elements }, diagnostics)
}

/// Warns about a body with no elements or no scene heading, which a film cannot be planned from.
fn check_scenes(elements: &[Element], diagnostics: &mut Vec<Diagnostic>) {
    match elements.first() {
        None => diagnostics.push(Diagnostic::warning(1, "script has no elements")),
        Some(first) => {
            if !elements.iter().any(|element| matches!(element.kind, ElementKind::SceneHeading { .. })) {
                diagnostics.push(Diagnostic::warning(first.line, "script has no scene headings"));
            }
        }
    }
}

/// The paragraph that the next line may continue.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    None,
    Action,
    Dialogue,
}

/// The dialogue block being read: where its cue is and whether anything was said in it yet.
#[derive(Debug, Clone, Copy)]
struct Block {
    cue_line: usize,
    spoken: bool,
}

/// The state of the walk over the body.
struct Body<'a> {
    lines: &'a [SourceLine],
    diagnostics: &'a mut Vec<Diagnostic>,
    elements: Vec<Element>,
    open: Open,
    block: Option<Block>,
    prev_blank: bool,
    /// Lines of two or more spaces seen inside the current dialogue block since its last line.
    gap: usize,
}

impl<'a> Body<'a> {
    fn new(lines: &'a [SourceLine], diagnostics: &'a mut Vec<Diagnostic>) -> Self {
        Body { lines, diagnostics, elements: Vec::new(), open: Open::None, block: None, prev_blank: true, gap: 0 }
    }

    fn read(mut self) -> Vec<Element> {
        for (index, line) in self.lines.iter().enumerate() {
            if line.is_blank() {
                self.blank(line);
                continue;
            }
            let next_blank = self.lines.get(index + 1).is_none_or(SourceLine::is_blank);
            let context = Context { prev_blank: self.prev_blank, next_blank, in_dialogue: self.block.is_some() };
            let reading = classify(&line.text, context);
            for issue in reading.issues {
                self.diagnostics.push(Diagnostic::warning(line.number, issue.message()));
            }
            self.accept(reading.kind, line.number, next_blank);
        }
        self.end_block();
        self.elements
    }

    /// A blank line ends the paragraph and the dialogue block, except a line of two or more spaces inside
    /// dialogue, which stands for an empty line of speech.
    fn blank(&mut self, line: &SourceLine) {
        if self.block.is_some() && line.text.chars().count() >= 2 {
            self.gap += 1;
            return;
        }
        self.end_block();
        self.open = Open::None;
        self.prev_blank = true;
        self.gap = 0;
    }

    fn accept(&mut self, kind: ElementKind, number: usize, next_blank: bool) {
        let standalone = matches!(
            kind,
            ElementKind::SceneHeading { .. }
                | ElementKind::Transition(_)
                | ElementKind::Centered(_)
                | ElementKind::Section { .. }
                | ElementKind::Synopsis(_)
                | ElementKind::PageBreak
        );
        if matches!(kind, ElementKind::SceneHeading { .. }) && !next_blank {
            self.diagnostics.push(Diagnostic::warning(number, "scene heading without a blank line after it"));
        }
        match kind {
            ElementKind::Action(text) => self.action(text, number),
            ElementKind::Dialogue(text) => self.dialogue(text, number),
            ElementKind::Parenthetical(_) => self.push(kind, number),
            ElementKind::Lyric(_) => {
                if let Some(block) = &mut self.block {
                    block.spoken = true;
                }
                self.push(kind, number);
            }
            ElementKind::Character { .. } => {
                self.end_block();
                self.block = Some(Block { cue_line: number, spoken: false });
                self.push(kind, number);
            }
            _ => {
                self.end_block();
                self.push(kind, number);
            }
        }
        self.gap = 0;
        // A standalone element is a paragraph of its own, so the next line reads as if after a blank line.
        self.prev_blank = standalone;
    }

    fn push(&mut self, kind: ElementKind, number: usize) {
        self.elements.push(Element::new(kind, number));
        self.open = Open::None;
    }

    fn action(&mut self, text: String, number: usize) {
        self.end_block();
        if self.open == Open::Action
            && let Some(ElementKind::Action(paragraph)) = self.elements.last_mut().map(|element| &mut element.kind)
        {
            paragraph.push('\n');
            paragraph.push_str(&text);
            return;
        }
        self.push(ElementKind::Action(text), number);
        self.open = Open::Action;
    }

    fn dialogue(&mut self, text: String, number: usize) {
        if let Some(block) = &mut self.block {
            block.spoken = true;
        }
        if self.open == Open::Dialogue
            && let Some(ElementKind::Dialogue(paragraph)) = self.elements.last_mut().map(|element| &mut element.kind)
        {
            paragraph.push_str(&"\n".repeat(self.gap + 1));
            paragraph.push_str(&text);
            return;
        }
        self.push(ElementKind::Dialogue(text), number);
        self.open = Open::Dialogue;
    }

    /// Closes the dialogue block, warning when its cue was never followed by speech.
    fn end_block(&mut self) {
        if let Some(block) = self.block.take()
            && !block.spoken
        {
            self.diagnostics.push(Diagnostic::warning(block.cue_line, "character cue with no dialogue after it"));
        }
    }
}

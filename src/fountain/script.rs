//! A whole screenplay: its title page and elements, a small builder for generated scripts, and read-only views
//! (scenes, spoken lines) for planning shots.
//!
//! This file must not parse or write Fountain text; it only arranges elements that already exist.

use super::element::{Element, ElementKind};

/// A parsed or built screenplay.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// `key: value` pairs of the title page, in order. A value that spans lines joins them with `'\n'`.
    pub title_page: Vec<(String, String)>,
    pub elements: Vec<Element>,
}

/// The elements under one scene heading. Elements before the first heading form a scene whose `heading` is
/// `None`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scene {
    pub heading: Option<String>,
    /// The heading's scene number (`#12A#`), if it had one.
    pub number: Option<String>,
    /// The line of the heading, or of the first element of a scene without heading.
    pub line: usize,
    /// The scene's elements, not counting the heading itself.
    pub elements: Vec<Element>,
}

/// One spoken paragraph of dialogue with the cue it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub character: String,
    /// The cue's extension (`V.O.`, `O.S.`, ...), which tells whether the speaker is on screen.
    pub extension: Option<String>,
    /// The parenthetical right before this paragraph in the same block, if any.
    pub parenthetical: Option<String>,
    pub text: String,
    pub line: usize,
}

impl Script {
    pub fn new() -> Self {
        Script::default()
    }

    /// Adds a title page entry.
    pub fn push_title(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.title_page.push((key.into(), value.into()));
        self
    }

    /// Adds an element at line 0 (built, not read from a file).
    pub fn push(&mut self, kind: ElementKind) -> &mut Self {
        self.elements.push(Element::new(kind, 0));
        self
    }

    /// The value of the first `Title` entry of the title page (key compared without case).
    pub fn title(&self) -> Option<&str> {
        self.title_page.iter().find(|(key, _)| key.eq_ignore_ascii_case("title")).map(|(_, value)| value.as_str())
    }

    /// The element kinds in order, without their lines.
    pub fn kinds(&self) -> Vec<&ElementKind> {
        self.elements.iter().map(|element| &element.kind).collect()
    }

    /// Groups the elements by scene heading.
    pub fn scenes(&self) -> Vec<Scene> {
        let mut scenes: Vec<Scene> = Vec::new();
        for element in &self.elements {
            match &element.kind {
                ElementKind::SceneHeading { text, scene_number } => scenes.push(Scene {
                    heading: Some(text.clone()),
                    number: scene_number.clone(),
                    line: element.line,
                    elements: Vec::new(),
                }),
                _ => match scenes.last_mut() {
                    Some(scene) => scene.elements.push(element.clone()),
                    None => scenes.push(Scene {
                        heading: None,
                        number: None,
                        line: element.line,
                        elements: vec![element.clone()],
                    }),
                },
            }
        }
        scenes
    }

    /// Every dialogue paragraph with its speaker and the parenthetical before it.
    pub fn dialogue(&self) -> Vec<Line> {
        let mut lines = Vec::new();
        let mut speaker: Option<(&str, Option<&str>)> = None;
        let mut parenthetical: Option<&str> = None;
        for element in &self.elements {
            match &element.kind {
                ElementKind::Character { name, extension, .. } => {
                    speaker = Some((name, extension.as_deref()));
                    parenthetical = None;
                }
                ElementKind::Parenthetical(text) => parenthetical = Some(text),
                ElementKind::Lyric(_) => parenthetical = None,
                ElementKind::Dialogue(text) => {
                    if let Some((name, extension)) = speaker {
                        lines.push(Line {
                            character: name.to_string(),
                            extension: extension.map(str::to_string),
                            parenthetical: parenthetical.take().map(str::to_string),
                            text: text.clone(),
                            line: element.line,
                        });
                    }
                }
                _ => {
                    speaker = None;
                    parenthetical = None;
                }
            }
        }
        lines
    }
}

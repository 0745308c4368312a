//! The screenplay elements a Fountain body is made of, and where each one starts.
//!
//! This file owns the element data types only. It must not parse or write text: `parse.rs` builds elements
//! from lines and `write.rs` turns them back into lines.

/// What a screenplay element is, with its text.
///
/// Texts are stored without their Fountain markup: no forcing marks (`!`, `@`, `.`, `>`, `~`, `=`, `#`), no
/// surrounding parentheses on parentheticals or extensions, and no notes or boneyard. Emphasis markers (`*`,
/// `**`, `_`) are kept; [`plain`](super::plain) removes them. A text that spans several lines (action,
/// dialogue) joins them with `'\n'`; an empty line inside dialogue is an empty line of its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ElementKind {
    /// A slug line such as `INT. HOUSE - DAY`, with the optional `#1A#` scene number taken off its end.
    SceneHeading { text: String, scene_number: Option<String> },
    /// Description. Leading indentation of each line is kept.
    Action(String),
    /// The cue above a dialogue block. `extension` is what followed the name in parentheses (`V.O.`, `O.S.`,
    /// `CONT'D`; several groups are joined with `", "`), `dual` is the `^` mark of dual dialogue.
    Character { name: String, extension: Option<String>, dual: bool },
    /// A direction inside a dialogue block, without its parentheses.
    Parenthetical(String),
    /// One paragraph of speech.
    Dialogue(String),
    /// A sung line (`~`).
    Lyric(String),
    /// A transition such as `CUT TO:`.
    Transition(String),
    /// Centered text (`>THE END<`).
    Centered(String),
    /// An outline section (`#`, `##`, ...): `depth` is the number of `#`.
    Section { depth: usize, text: String },
    /// An outline synopsis (`=`).
    Synopsis(String),
    /// A forced page break (`===`).
    PageBreak,
}

/// One element and the 1-based line of the input it starts on (0 for elements built in code).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Element {
    pub kind: ElementKind,
    pub line: usize,
}

impl Element {
    pub fn new(kind: ElementKind, line: usize) -> Self {
        Element { kind, line }
    }
}

impl ElementKind {
    /// Whether this element belongs inside a dialogue block when it follows a cue.
    pub fn continues_dialogue(&self) -> bool {
        matches!(self, ElementKind::Parenthetical(_) | ElementKind::Dialogue(_) | ElementKind::Lyric(_))
    }
}

//! Fountain screenplays (<https://fountain.io>): a parser that never fails and a writer whose output parses back
//! to the same script.
//!
//! This module owns the Fountain text format and the `Script` data model. It must not do file IO, generation or
//! shot planning; callers read the text, and print the diagnostics with the file name.
//!
//! ```text
//! parse(text) -> (Script, Vec<Diagnostic>)     write(&Script) -> String
//! ```
//!
//! Reading rules, beyond the spec's letter, chosen so that raw model output reads as well as it can:
//! - notes `[[...]]` and boneyard `/*...*/` are removed (also across lines); a line that held only a comment
//!   disappears instead of becoming blank; an unclosed one is kept as text with a warning;
//! - the title page starts only at a `Key: value` line at the top (key: up to three words, not all caps unless
//!   the spec names it), must hold a key the spec names (`Title`, `Author`, ...), and ends at the first blank
//!   line or the first line that is neither a key nor indented;
//! - an all-caps `INT.`/`EXT.` line is a scene heading even without a blank line before it (with a warning); a
//!   heading, transition, centered text, section, synopsis or page break counts as a paragraph of its own;
//! - forcing marks (`!`, `@`, `.`, `>`, `~`, `=`, `#`) are obeyed wherever the line stands;
//! - a plain cue is an all-caps name, optionally followed by `(...)` groups and `^`, with nothing after the last
//!   `)`; followed by a blank line it is action, as in the spec, and reported when it has an extension;
//! - tabs become four spaces; CR/CRLF become LF; control characters, U+FFFD and stray BOMs are dropped;
//! - action keeps each line's indentation; other elements are trimmed.

mod classify;
mod element;
mod emphasis;
mod parse;
mod script;
mod source;
mod title_page;
mod write;

#[cfg(test)]
mod tests;

pub use element::{Element, ElementKind};
pub use emphasis::plain;
pub use parse::parse;
pub use script::{Line, Scene, Script};
pub use write::write;

//! Helpers for the subtitle unit tests: compact, comparable renderings of cues and diagnostics.
//!
//! Owns only test code; it must not be used outside `#[cfg(test)]`.

use super::Cue;
use crate::diagnostic::Diagnostic;

/// A parser under test.
pub(crate) type Parse = fn(&str) -> (Vec<Cue>, Vec<Diagnostic>);

/// Renders cues as `line: start-end [speaker] text`, text lines joined by `|`, cues joined by ` # `. Also checks
/// that every cue's index is its position.
pub(crate) fn render_cues(cues: &[Cue]) -> String {
    let render = |(position, cue): (usize, &Cue)| {
        assert_eq!(cue.index, position, "cue index is not its position: {cue:?}");
        let speaker = cue.speaker.as_ref().map(|s| format!("[{s}] ")).unwrap_or_default();
        format!("{}: {}-{} {speaker}{}", cue.line, cue.start_ms, cue.end_ms, cue.text.replace('\n', "|"))
    };
    cues.iter().enumerate().map(render).collect::<Vec<_>>().join(" # ")
}

/// Renders diagnostics as `line: severity: message`.
pub(crate) fn render_diagnostics(diagnostics: &[Diagnostic]) -> Vec<String> {
    diagnostics.iter().map(|d| format!("{}: {d}", d.line)).collect()
}

/// Parses `input` and checks the cues, expecting no diagnostics at all.
pub(crate) fn check(parse: Parse, input: &str, expected: &str) {
    check_with(parse, input, expected, &[]);
}

/// Parses `input` and checks the cues and the exact diagnostics.
pub(crate) fn check_with(parse: Parse, input: &str, expected: &str, diagnostics: &[&str]) {
    let (cues, found) = parse(input);
    assert_eq!(render_cues(&cues), expected, "cues of {input:?}");
    assert_eq!(render_diagnostics(&found), diagnostics, "diagnostics of {input:?}");
}

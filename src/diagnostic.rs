//! Diagnostics that parsers return beside what they could read.
//!
//! Parsers in reel never fail on a bad record: they return `(T, Vec<Diagnostic>)`, skip the record and say
//! where it was. The caller knows the file and prefixes it when it prints them (`file:line: message`).

use std::fmt;

/// How bad a diagnostic is. A `Warning` means the input was read with a repair; an `Error` means a record was
/// skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem found while parsing, at a 1-based line of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub line: usize,
    pub severity: Severity,
    pub message: String,
}

impl Diagnostic {
    pub fn warning(line: usize, message: impl Into<String>) -> Self {
        Diagnostic { line, severity: Severity::Warning, message: message.into() }
    }

    pub fn error(line: usize, message: impl Into<String>) -> Self {
        Diagnostic { line, severity: Severity::Error, message: message.into() }
    }

    /// Formats the diagnostic with the file it came from, as `file:line: severity: message`.
    pub fn with_file(&self, file: &std::path::Path) -> String {
        format!("{}:{}: {}", file.display(), self.line, self)
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Warning => "warning",
            Severity::Error => "error",
        };
        write!(f, "{level}: {}", self.message)
    }
}

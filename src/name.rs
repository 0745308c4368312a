//! Names of productions, corpora and models: validated slugs that are safe to use as a directory name.
//!
//! A name becomes `productions/<name>/`, `corpora/<name>/` or `models/<name>/`, so it must never be able to leave
//! that folder: no separators, no `..`, nothing hidden. Every name a user types passes through [`Slug::parse`]
//! before anything touches disk or the database.

use std::fmt;
use std::str::FromStr;

/// Why a production name was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid {what} name {value:?}: {reason}; use 1 to 64 lowercase letters, digits, '-', '_' or '.', \
     starting with a letter or digit"
)]
pub struct NameError {
    /// What the name was for: "production", "corpus", "model".
    pub what: &'static str,
    pub value: String,
    pub reason: &'static str,
}

/// A name known to be a safe single path component.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Slug(String);

/// Debug-prints as the quoted name, so that `{name:?}` in a message reads `"sunspring"`.
impl fmt::Debug for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

/// A production's name.
pub type ProductionName = Slug;

impl Slug {
    pub const MAX_LEN: usize = 64;

    /// Parses a production name.
    pub fn parse(value: &str) -> Result<Self, NameError> {
        Slug::parse_for("production", value)
    }

    /// Parses the name of a `what` ("corpus", "model"), which the error names.
    pub fn parse_for(what: &'static str, value: &str) -> Result<Self, NameError> {
        let refuse = |reason| Err(NameError { what, value: value.to_string(), reason });
        if value.is_empty() {
            return refuse("it is empty");
        }
        if value.len() > Self::MAX_LEN {
            return refuse("it is longer than 64 characters");
        }
        if value.contains('/') || value.contains('\\') {
            return refuse("it contains a path separator");
        }
        if value.contains("..") {
            return refuse("it contains '..'");
        }
        let first = value.as_bytes()[0];
        if !(first.is_ascii_lowercase() || first.is_ascii_digit()) {
            return refuse("it must start with a lowercase letter or a digit");
        }
        let allowed = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '-' | '_' | '.');
        if let Some(bad) = value.chars().find(|&c| !allowed(c)) {
            return Err(NameError {
                what,
                value: value.to_string(),
                reason: if bad.is_ascii_uppercase() {
                    "it contains an uppercase letter"
                } else {
                    "it contains a character that is not allowed"
                },
            });
        }
        Ok(Slug(value.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl FromStr for Slug {
    type Err = NameError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Slug::parse(s)
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(input: &str, ok: bool) {
        assert_eq!(ProductionName::parse(input).is_ok(), ok, "{input:?}");
    }

    #[test]
    fn names() {
        check("sunspring", true);
        check("zone-out_2018.v2", true);
        check("48h", true);
        check("", false);
        check("../etc", false);
        check("a/b", false);
        check("a\\b", false);
        check("..", false);
        check("a..b", false);
        check(".hidden", false);
        check("-flag", false);
        check("Sunspring", false);
        check("spaced name", false);
        check("naïve", false);
        check(&"a".repeat(64), true);
        check(&"a".repeat(65), false);
    }

    #[test]
    fn error_names_the_value_and_reason() {
        let err = ProductionName::parse("../x").unwrap_err().to_string();
        assert!(err.contains("\"../x\""), "{err}");
        assert!(err.contains("path separator"), "{err}");
        let err = Slug::parse_for("corpus", "A B").unwrap_err().to_string();
        assert!(err.starts_with("invalid corpus name \"A B\""), "{err}");
    }
}

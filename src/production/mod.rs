//! Productions: from a screenplay to the shots of its cut and the archive footage each one is made from.
//!
//! `plan` breaks a script into shots with their first lengths; `matching` chooses footage for each through the
//! archive's retrieval. Rendering and assembly build on these. Pure apart from `matching`, which reads the archive
//! through a [`crate::archive::retrieve::Retriever`].

pub mod constraints;
pub mod matching;
pub mod plan;
pub mod report;

pub use matching::{Candidate, Choice, MatchError, match_shots};
pub use plan::{PlannedShot, Timing, plan, voiced_ms};

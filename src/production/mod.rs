//! Productions: from a screenplay to the shots of its cut and the archive footage each one is made from.
//!
//! `config` reads the production's own settings (`production.toml`: voices, cast, format, seed); `casting` gives each
//! speaking character a voice from them; `faces` chooses the shots that get a star's face; `plan` breaks a script into shots with their first lengths; `matching`
//! chooses footage for each through the archive's retrieval. Rendering and assembly build on these. Pure apart from
//! `config`, which reads and edits production.toml, and `matching`, which reads the archive through a
//! [`crate::archive::retrieve::Retriever`].

pub mod casting;
pub mod config;
pub mod constraints;
pub mod faces;
pub mod matching;
pub mod plan;
pub mod report;

pub use casting::{CastVoice, Casting, VoiceSource, automatic_voice, cast_voices};
pub use config::{ConfigError, FormatConfig, ProductionConfig};
pub use matching::{Candidate, Choice, MatchError, match_shots};
pub use plan::{PlannedShot, Timing, plan, voiced_ms};

//! The last step of making a film: joining per-shot segments into one MP4 and writing the film's interchange files.
//!
//! This module owns:
//! - [`join`]: concatenating MP4 segments that were all encoded with identical parameters (H.264 + AAC) into one MP4
//!   by remuxing packets — never re-encoding — with metadata tags and chapters;
//! - [`write_srt`] / [`write_vtt`]: subtitles from the clips' dialogue;
//! - [`write_edl`]: a CMX 3600 edit decision list;
//! - [`write_otio`]: an OpenTimelineIO JSON timeline;
//! - [`Timeline`]: the film's cut as plain data, shared by every writer.
//!
//! It must not touch the database, print anything, or render/encode media: callers hand it finished segments and a
//! timeline, and get files or strings back. Every failure is an [`AssembleError`] naming the file involved.

mod edl;
mod error;
mod join;
mod otio;
mod subtitles;
mod timeline;

pub use edl::write_edl;
pub use error::AssembleError;
pub use join::{Chapter, FilmMeta, JoinReport, film_duration, join};
pub use otio::write_otio;
pub use subtitles::{write_srt, write_vtt};
pub use timeline::{Clip, Dialogue, SourceRange, Timeline};

//! The archive: footage that productions draw their shots from.
//!
//! `analysis` reads one video file with ffmpeg-next (probe, shot boundaries, per-shot features, keyframe
//! thumbnails, loudness) as a pure library. The shot database and search over it come with the archive stage.

pub mod analysis;
pub mod describe;
pub mod search;
pub mod sheet;

//! The archive: footage that productions draw their shots from.
//!
//! `analysis` reads one video file with ffmpeg-next (probe, shot boundaries, per-shot features, keyframe
//! thumbnails, loudness) as a pure library; `describe` puts a shot's features into words; `search` ranks (BM25,
//! cosine, reciprocal rank fusion) and `retrieve` answers queries against the shot database with it; `sheet` draws
//! contact sheets.

pub mod analysis;
pub mod describe;
pub mod retrieve;
pub mod search;
pub mod sheet;

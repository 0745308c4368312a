//! Damage found while reading a file that did not stop the analysis: the shots before (and around) the damage are
//! still returned, and each problem is reported once, with where it happened. Warnings are data; nothing prints them
//! here.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Warning {
    /// The demuxer kept failing to read packets; reading stopped at `at_s` (the last frame decoded).
    ReadError { at_s: f64, message: String },
    /// Packets the decoder refused; each was skipped.
    SkippedPackets { count: u64 },
    /// Frames the decoder flagged as damaged (it concealed the damage and they were still analysed).
    CorruptFrames { count: u64 },
    /// Frames missing from the timeline (lost to damage).
    MissingFrames { count: u64 },
    /// Video packets the container marked as damaged (their frames may be concealed or missing).
    CorruptPackets { count: u64 },
    /// The video ended well before the container said it would: the file is probably cut short.
    Truncated { decoded_frames: u64, expected_frames: u64, last_time_s: f64 },
    /// The audio stream could not be (fully) decoded; loudness is missing or partial.
    Audio { message: String },
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Warning::ReadError { at_s, message } => write!(f, "read error at {at_s:.2}s: {message}"),
            Warning::SkippedPackets { count } => write!(f, "{count} undecodable video packet(s) skipped"),
            Warning::CorruptFrames { count } => write!(f, "{count} frame(s) decoded with damage"),
            Warning::MissingFrames { count } => write!(f, "{count} frame(s) missing"),
            Warning::CorruptPackets { count } => write!(f, "{count} damaged video packet(s) in the container"),
            Warning::Truncated { decoded_frames, expected_frames, last_time_s } => write!(
                f,
                "video ends early: {decoded_frames} of {expected_frames} frames decoded (last at {last_time_s:.2}s)"
            ),
            Warning::Audio { message } => write!(f, "audio: {message}"),
        }
    }
}

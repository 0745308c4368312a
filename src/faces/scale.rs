//! Shot scale (close-up, medium, wide) from the size of the largest face in the frame.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::Face;

/// Largest face height / frame height at or above which a shot is a close-up. A close-up's head fills roughly a
/// third of the frame or more; 0.25 keeps a tight medium close-up on the close side.
pub const CLOSE_MIN_FACE_FRACTION: f64 = 0.25;

/// Largest face height / frame height at or above which a shot is medium (a waist-up framing puts the head near a
/// tenth to a quarter of the height). Below it, or with no face, the shot is wide.
pub const MEDIUM_MIN_FACE_FRACTION: f64 = 0.1;

/// How tightly a shot frames its subject, judged from face size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShotScale {
    /// The largest face is at least [`CLOSE_MIN_FACE_FRACTION`] of the frame height.
    Close,
    /// The largest face is at least [`MEDIUM_MIN_FACE_FRACTION`] of the frame height.
    Medium,
    /// Smaller faces, or none.
    Wide,
}

impl ShotScale {
    /// Every scale, closest first.
    pub const ALL: [ShotScale; 3] = [ShotScale::Close, ShotScale::Medium, ShotScale::Wide];

    /// The lowercase name used in the database, JSON and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            ShotScale::Close => "close",
            ShotScale::Medium => "medium",
            ShotScale::Wide => "wide",
        }
    }

    /// Classifies a frame by the height of its largest face relative to `frame_height`. No face, or a zero frame
    /// height, is [`ShotScale::Wide`]. `frame_width` is accepted for a future aspect-aware rule and unused now.
    pub fn from_faces(faces: &[Face], frame_width: u32, frame_height: u32) -> ShotScale {
        let _ = frame_width;
        let Some(tallest) = faces.iter().map(|face| face.height).max() else {
            return ShotScale::Wide;
        };
        if frame_height == 0 {
            return ShotScale::Wide;
        }
        let fraction = f64::from(tallest) / f64::from(frame_height);
        if fraction >= CLOSE_MIN_FACE_FRACTION {
            ShotScale::Close
        } else if fraction >= MEDIUM_MIN_FACE_FRACTION {
            ShotScale::Medium
        } else {
            ShotScale::Wide
        }
    }
}

impl fmt::Display for ShotScale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A string that names no [`ShotScale`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown shot scale {0:?}: expected one of close, medium, wide")]
pub struct ParseShotScaleError(pub String);

impl FromStr for ShotScale {
    type Err = ParseShotScaleError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ShotScale::ALL.into_iter().find(|scale| scale.as_str() == s).ok_or_else(|| ParseShotScaleError(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn face(height: u32) -> Face {
        Face { x: 0, y: 0, width: height, height, score: 5.0 }
    }

    fn check(heights: &[u32], frame_height: u32, expected: ShotScale) {
        let faces: Vec<Face> = heights.iter().map(|&h| face(h)).collect();
        assert_eq!(ShotScale::from_faces(&faces, 320, frame_height), expected, "faces {heights:?} in {frame_height}");
    }

    #[test]
    fn from_faces_thresholds() {
        check(&[], 180, ShotScale::Wide);
        check(&[17], 180, ShotScale::Wide);
        check(&[18], 180, ShotScale::Medium);
        check(&[44], 180, ShotScale::Medium);
        check(&[45], 180, ShotScale::Close);
        check(&[120], 180, ShotScale::Close);
        check(&[10, 50, 20], 180, ShotScale::Close);
        check(&[10, 30], 180, ShotScale::Medium);
        check(&[40], 0, ShotScale::Wide);
    }

    #[test]
    fn names_round_trip() {
        for scale in ShotScale::ALL {
            assert_eq!(scale.as_str().parse::<ShotScale>(), Ok(scale));
            assert_eq!(scale.to_string(), scale.as_str());
            assert_eq!(serde_json::to_string(&scale).ok(), Some(format!("\"{scale}\"")));
        }
    }

    #[test]
    fn parse_error_names_value_and_choices() {
        let err = "Closeup".parse::<ShotScale>().err().map(|err| err.to_string());
        assert_eq!(err.as_deref(), Some("unknown shot scale \"Closeup\": expected one of close, medium, wide"));
    }
}

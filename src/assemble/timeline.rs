//! The film's cut as data: the single input shared by the subtitle, EDL and OTIO writers.

use std::path::PathBuf;

/// The film's cut: clips laid end to end on the record (film) timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Timeline {
    /// The film's title (EDL `TITLE:`, OTIO `name`).
    pub title: String,
    /// Numerator of the film's frame rate, e.g. 24 or 30000.
    pub fps_num: u32,
    /// Denominator of the film's frame rate, e.g. 1 or 1001.
    pub fps_den: u32,
    /// Clips in record order.
    pub clips: Vec<Clip>,
}

/// One shot (or card) on the record timeline.
#[derive(Debug, Clone, PartialEq)]
pub struct Clip {
    /// Shot name, e.g. `"1A"`.
    pub name: String,
    /// Scene number the shot belongs to.
    pub scene: usize,
    /// First frame on the record timeline, in the film's frame rate.
    pub record_start_frame: u64,
    /// Length in the film's frame rate.
    pub frames: u64,
    /// Where the picture comes from; `None` for title and end cards (black in the EDL, a gap in OTIO).
    pub source: Option<SourceRange>,
    /// The line spoken over this clip, if any.
    pub dialogue: Option<Dialogue>,
}

/// The part of a source media file a clip uses.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRange {
    /// The source media file.
    pub path: PathBuf,
    /// First frame used, in the source's own frame rate.
    pub start_frame: u64,
    /// The source's frame rate.
    pub fps: f64,
    /// Reel name for the EDL: at most 8 characters (longer names are cut, spaces become `_`).
    pub reel_name: String,
}

/// A line of dialogue, timed in film seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Dialogue {
    /// The speaker, e.g. `"MARA"`.
    pub character: String,
    /// What is said (may contain newlines).
    pub text: String,
    /// Start in film time, seconds.
    pub start_s: f64,
    /// End in film time, seconds.
    pub end_s: f64,
    /// The rendered voice file, if any (an audio event in the EDL and an audio clip in OTIO).
    pub voice_path: Option<PathBuf>,
}

impl Timeline {
    /// The film's frame rate as a float.
    pub fn fps(&self) -> f64 {
        f64::from(self.fps_num) / f64::from(self.fps_den.max(1))
    }

    /// The frame just after the last clip.
    pub fn end_frame(&self) -> u64 {
        self.clips.iter().map(|c| c.record_start_frame + c.frames).max().unwrap_or(0)
    }
}

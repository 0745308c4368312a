//! Shot boundary detection over per-frame statistics: hard cuts (a content detector confirmed by an adaptive one,
//! after PySceneDetect's `ContentDetector` and `AdaptiveDetector`) and fades through black (after its
//! `ThresholdDetector`: the boundary sits in the middle of the black run).
//!
//! Owns the decision of where shots begin. Must not touch pixels or FFmpeg: it reads [`FrameStats`] only, so it is
//! cheap to re-run with other thresholds and easy to test with synthetic numbers.

use serde::{Deserialize, Serialize};

use super::features::FrameStats;

/// Thresholds, on PySceneDetect's scales so that its documented values carry over.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DetectorConfig {
    /// Content score (mean |ΔH|,|ΔS|,|ΔV|) at or above which a frame is a cut (ContentDetector's `threshold`).
    pub content_threshold: f32,
    /// The content detector's cut also needs its score to be this many times the mean score of its neighbours, so a
    /// fast pan or film grain that scores high on every frame is not cut to pieces.
    pub content_min_ratio: f32,
    /// Score ÷ mean score of the `window` frames on each side at or above which a frame is a cut on its own
    /// (AdaptiveDetector's `adaptive_threshold`)...
    pub adaptive_threshold: f32,
    /// ...provided the score itself reaches this (AdaptiveDetector's `min_content_val`).
    pub min_content: f32,
    /// Neighbours on each side for the adaptive ratio (AdaptiveDetector's `window_width`).
    pub window: usize,
    /// Shortest shot, in frames: a boundary closer than this to the previous one is dropped.
    pub min_shot_frames: u64,
    /// Mean full-range luma (0..255) below which a frame counts as black (ThresholdDetector's `threshold`).
    pub black_threshold: f32,
}

impl Default for DetectorConfig {
    fn default() -> Self {
        DetectorConfig {
            content_threshold: 27.0,
            content_min_ratio: 1.5,
            adaptive_threshold: 3.0,
            min_content: 15.0,
            window: 2,
            min_shot_frames: 15,
            black_threshold: 12.0,
        }
    }
}

/// How a shot begins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BoundaryKind {
    /// The first shot of the film.
    Start,
    /// A hard cut.
    Cut,
    /// A fade through black; the boundary is the middle of the black frames.
    Fade,
}

/// A run of frames between two boundaries.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Shot {
    pub start_frame: u64,
    /// Exclusive.
    pub end_frame: u64,
    pub start_s: f64,
    /// Time of the frame after the shot (for the last shot: its last frame's time plus one frame).
    pub end_s: f64,
    pub boundary_kind: BoundaryKind,
}

impl Shot {
    pub fn frame_count(&self) -> u64 {
        self.end_frame - self.start_frame
    }
}

/// Splits `frames` (decoded frames in order: every frame, or from a coarse scan only some) into shots. Boundaries
/// fall on frames present in `frames`; frame numbers are [`FrameStats::index`].
pub fn detect_shots(frames: &[FrameStats], config: &DetectorConfig) -> Vec<Shot> {
    let Some(last) = frames.last() else { return Vec::new() };
    let index = |pos: usize| frames.get(pos).map_or(last.index + 1, |f| f.index);
    let mut boundaries: Vec<(usize, BoundaryKind)> = cut_candidates(frames, config)
        .into_iter()
        .map(|i| (i, BoundaryKind::Cut))
        .chain(fade_candidates(frames, config).into_iter().map(|i| (i, BoundaryKind::Fade)))
        .collect();
    boundaries.sort_by_key(|&(i, _)| i);

    let mut accepted = vec![(0usize, BoundaryKind::Start)];
    for (i, kind) in boundaries {
        let (previous, previous_kind) = accepted.last().copied().unwrap_or((0, BoundaryKind::Start));
        if index(i) - index(previous) >= config.min_shot_frames {
            accepted.push((i, kind));
        } else if kind == BoundaryKind::Fade && previous_kind == BoundaryKind::Cut {
            // A fast fade-out can score as a cut on its way down; the fade is the real boundary. Replace the cut
            // if the fade stays far enough from the boundary before it.
            let before = accepted.len().checked_sub(2).map_or(0, |k| accepted[k].0);
            if accepted.len() >= 2 && index(i) - index(before) >= config.min_shot_frames {
                accepted.pop();
                accepted.push((i, kind));
            }
        }
    }

    let span = last.index.saturating_sub(frames[0].index);
    let frame_duration = if span > 0 { (last.time_s - frames[0].time_s) / span as f64 } else { 0.0 };
    let end_of_film = last.time_s + frame_duration.max(0.0);
    accepted
        .iter()
        .enumerate()
        .map(|(k, &(start, kind))| {
            let end = accepted.get(k + 1).map_or(frames.len(), |&(e, _)| e);
            Shot {
                start_frame: index(start),
                end_frame: index(end),
                start_s: frames[start].time_s,
                end_s: frames.get(end).map_or(end_of_film, |f| f.time_s),
                boundary_kind: kind,
            }
        })
        .collect()
}

fn is_black(frame: &FrameStats, config: &DetectorConfig) -> bool {
    frame.luma_mean < config.black_threshold
}

/// Frames that begin a hard cut: the content detector confirmed by a modest adaptive ratio, or the adaptive detector
/// alone. Changes into or out of black are left to the fade detector.
fn cut_candidates(frames: &[FrameStats], config: &DetectorConfig) -> Vec<usize> {
    (1..frames.len())
        .filter(|&i| {
            let score = frames[i].content;
            if score < config.min_content || is_black(&frames[i], config) || is_black(&frames[i - 1], config) {
                return false;
            }
            let ratio = adaptive_ratio(frames, i, config.window);
            ratio >= config.adaptive_threshold
                || (score >= config.content_threshold && ratio >= config.content_min_ratio)
        })
        .collect()
}

/// `frames[i].content` over the mean content score of up to `window` frames each side (frame 0, which has no
/// score, is not a neighbour).
fn adaptive_ratio(frames: &[FrameStats], i: usize, window: usize) -> f32 {
    let lo = i.saturating_sub(window).max(1);
    let hi = (i + window).min(frames.len() - 1);
    let neighbours: Vec<f32> = (lo..=hi).filter(|&j| j != i).map(|j| frames[j].content).collect();
    if neighbours.is_empty() {
        return f32::INFINITY;
    }
    let mean = neighbours.iter().sum::<f32>() / neighbours.len() as f32;
    if mean <= f32::EPSILON { f32::INFINITY } else { frames[i].content / mean }
}

/// Luma within this much of a black run's darkest frame is the run's core: the frames the fade rests on, without
/// the last steps of the ramps into and out of it (which an asymmetric fade would make lopsided).
const BLACK_CORE: f32 = 2.0;

/// The middle frame of the black core of each run of black frames that has picture on both sides (by frame number:
/// the decoded frame nearest the middle when a coarse scan skipped some).
fn fade_candidates(frames: &[FrameStats], config: &DetectorConfig) -> Vec<usize> {
    let mut candidates = Vec::new();
    let mut run_start = None;
    for (i, frame) in frames.iter().enumerate() {
        match (is_black(frame, config), run_start) {
            (true, None) => run_start = Some(i),
            (false, Some(start)) => {
                if start > 0 {
                    candidates.push(core_middle(frames, start, i));
                }
                run_start = None;
            }
            _ => {}
        }
    }
    candidates
}

/// The position of the frame in the middle of the core of the black run `frames[start..end]`. The core ends where
/// the next frame begins (the frame after it, or the run's end), so a core of n frames has its middle at n / 2.
fn core_middle(frames: &[FrameStats], start: usize, end: usize) -> usize {
    let darkest = frames[start..end].iter().map(|f| f.luma_mean).fold(f32::INFINITY, f32::min);
    let in_core = |j: &usize| frames[*j].luma_mean <= darkest + BLACK_CORE;
    let first = (start..end).find(in_core).unwrap_or(start);
    let last = (start..end).rev().find(in_core).unwrap_or(end - 1);
    let after = frames.get(last + 1).map_or(frames[last].index + 1, |f| f.index);
    let middle = (frames[first].index + after) / 2;
    (first..=last).min_by_key(|&j| frames[j].index.abs_diff(middle)).unwrap_or(first)
}

#[cfg(test)]
mod tests {
    use super::super::features::HUE_BINS;
    use super::*;

    /// Frames from a compact description: one character per frame. `.` still picture, `~` steady motion (score 20,
    /// as grain or a pan gives), `|` a cut (score 60), `_` black, `/` a slow change (score 5).
    fn frames(script: &str) -> Vec<FrameStats> {
        script
            .chars()
            .enumerate()
            .map(|(i, c)| {
                let (content, luma) = match c {
                    '.' => (1.0, 100.0),
                    '~' => (20.0, 100.0),
                    '|' => (60.0, 100.0),
                    '/' => (5.0, 100.0),
                    '_' => (3.0, 2.0),
                    ',' => (3.0, 9.0),
                    other => panic!("bad script char {other}"),
                };
                FrameStats {
                    index: i as u64,
                    time_s: i as f64 / 25.0,
                    pts: None,
                    key: false,
                    luma_mean: luma,
                    luma_std: 0.0,
                    motion: 0.0,
                    content: if i == 0 { 0.0 } else { content },
                    saturation: 0.0,
                    hue: [0.0; HUE_BINS],
                }
            })
            .collect()
    }

    fn check(script: &str, expected: &[(u64, BoundaryKind)]) {
        let config = DetectorConfig { min_shot_frames: 4, ..DetectorConfig::default() };
        let shots = detect_shots(&frames(script), &config);
        let got: Vec<(u64, BoundaryKind)> = shots.iter().map(|s| (s.start_frame, s.boundary_kind)).collect();
        assert_eq!(got, expected, "{script}");
        let end = shots.last().map_or(0, |s| s.end_frame);
        assert_eq!(end, script.len() as u64, "{script}");
    }

    use BoundaryKind::*;

    #[test]
    fn boundaries() {
        check("", &[]);
        check("........", &[(0, Start)]);
        check("........|.......", &[(0, Start), (8, Cut)]);
        check("....|...|.......", &[(0, Start), (4, Cut), (8, Cut)]);
        // Too close to the previous boundary.
        check("........|.|.....", &[(0, Start), (8, Cut)]);
        // Steady motion everywhere is not a cut; a cut inside it still is.
        check("~~~~~~~~~~~~~~~~", &[(0, Start)]);
        check("~~~~~~~~|~~~~~~~", &[(0, Start), (8, Cut)]);
        // A slow change is no cut.
        check("..////////////..", &[(0, Start)]);
        // Fade through black: boundary in the middle of the black run.
        check("........______........", &[(0, Start), (11, Fade)]);
        // A fade-out fast enough to score as a cut just before the black: the fade wins.
        check("........|____.......", &[(0, Start), (11, Fade)]);
        // An uneven fade: the ramp's last dark steps (`,` dark grey) are not part of the black core.
        check("........,,,,____,.......", &[(0, Start), (14, Fade)]);
        // Black at the very start or end is no boundary.
        check("____............", &[(0, Start)]);
        check("............____", &[(0, Start)]);
    }

    #[test]
    fn shot_times_follow_frames() {
        let shots = detect_shots(&frames("....................|........."), &DetectorConfig::default());
        assert_eq!(shots.len(), 2);
        assert_eq!(shots[1].start_s, 20.0 / 25.0);
        assert_eq!(shots[0].end_s, shots[1].start_s);
        assert!((shots[1].end_s - 30.0 / 25.0).abs() < 1e-9);
    }
}

//! Face tracking: detections of consecutive frames are associated into tracks by IoU (greedy, best overlap first,
//! above a threshold), short misses are bridged by predicting the box from its recent motion, and a track ends after a
//! longer miss. Every track point carries the raw box and the one-euro smoothed box.
//!
//! Owns association, prediction and track life. It must not detect (callers pass boxes) or touch pixels.

use serde::{Deserialize, Serialize};

use super::rect::FaceBox;
use super::smooth::{BoxSmoother, SmoothSettings};

/// Tracker tuning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackSettings {
    /// Smallest IoU between a track's predicted box and a detection for the two to be associated.
    pub iou_threshold: f32,
    /// Frames a track may go undetected and still continue (its box predicted meanwhile); one more ends it.
    pub max_bridge: u32,
    /// Detections a track needs before it is reported as active (a lone false detection is never swapped).
    pub min_hits: u32,
    pub smooth: SmoothSettings,
}

impl Default for TrackSettings {
    fn default() -> Self {
        TrackSettings { iou_threshold: 0.3, max_bridge: 5, min_hits: 2, smooth: SmoothSettings::default() }
    }
}

/// One frame of a track.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TrackPoint {
    /// Frame number in the source.
    pub frame: u64,
    /// Seconds from the source's start.
    pub time_s: f64,
    /// The detector's box, or the predicted box on a bridged frame.
    pub raw: FaceBox,
    pub smoothed: FaceBox,
    /// False on a bridged frame (no detection matched; `raw` is the prediction).
    pub detected: bool,
}

/// A face followed across frames.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Track {
    /// Unique among the tracks of one tracker, from 1, in order of first appearance.
    pub id: u32,
    pub points: Vec<TrackPoint>,
}

impl Track {
    /// Frames where the detector found the face.
    pub fn detections(&self) -> usize {
        self.points.iter().filter(|p| p.detected).count()
    }

    pub fn first_frame(&self) -> Option<u64> {
        self.points.first().map(|p| p.frame)
    }

    pub fn last_frame(&self) -> Option<u64> {
        self.points.last().map(|p| p.frame)
    }
}

/// A track present in the frame just given to [`Tracker::update`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Active {
    pub id: u32,
    pub raw: FaceBox,
    pub smoothed: FaceBox,
    pub detected: bool,
}

#[derive(Debug, Clone)]
struct Live {
    track: Track,
    smoother: BoxSmoother,
    /// The last detected box and its frame.
    last: (FaceBox, u64),
    /// Per-frame change of (cx, cy, width, height), smoothed over detections.
    velocity: [f32; 4],
    misses: u32,
    hits: u32,
}

impl Live {
    fn predict(&self, frame: u64) -> FaceBox {
        let (b, at) = self.last;
        let k = frame.saturating_sub(at) as f32;
        let (cx, cy) = b.centre();
        let v = self.velocity;
        let width = (b.width + v[2] * k).max(1.0);
        let height = (b.height + v[3] * k).max(1.0);
        FaceBox::centred(cx + v[0] * k, cy + v[1] * k, width, height)
    }
}

/// Online tracker: call [`Tracker::update`] once per frame in order, then [`Tracker::finish`] for every track.
#[derive(Debug, Clone)]
pub struct Tracker {
    settings: TrackSettings,
    live: Vec<Live>,
    done: Vec<Track>,
    next_id: u32,
    last_time_s: Option<f64>,
}

impl Tracker {
    pub fn new(settings: TrackSettings) -> Tracker {
        Tracker { settings, live: Vec::new(), done: Vec::new(), next_id: 1, last_time_s: None }
    }

    pub fn settings(&self) -> &TrackSettings {
        &self.settings
    }

    /// Takes the detections of frame `frame` (at `time_s` seconds) and returns the confirmed tracks present in it.
    /// `None` means the detector did not run on this frame: tracks are predicted without counting a miss.
    pub fn update(&mut self, frame: u64, time_s: f64, detections: Option<&[FaceBox]>) -> Vec<Active> {
        let dt = self.last_time_s.map_or(0.04, |t| (time_s - t).max(1e-3));
        self.last_time_s = Some(time_s);
        let predicted: Vec<FaceBox> = self.live.iter().map(|l| l.predict(frame)).collect();
        let mut matched_det = vec![None; self.live.len()];
        let mut used = vec![false; detections.map_or(0, <[FaceBox]>::len)];
        if let Some(detections) = detections {
            let mut pairs: Vec<(f32, usize, usize)> = Vec::new();
            for (t, p) in predicted.iter().enumerate() {
                for (d, det) in detections.iter().enumerate() {
                    let iou = p.iou(det);
                    if iou >= self.settings.iou_threshold {
                        pairs.push((iou, t, d));
                    }
                }
            }
            pairs.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));
            for (_, t, d) in pairs {
                if matched_det[t].is_none() && !used[d] {
                    matched_det[t] = Some(d);
                    used[d] = true;
                }
            }
        }

        let mut ended = Vec::new();
        for (t, live) in self.live.iter_mut().enumerate() {
            let (raw, detected) = match (matched_det[t], detections) {
                (Some(d), Some(dets)) => (dets[d], true),
                _ => (predicted[t], false),
            };
            if detected {
                let (prev, at) = live.last;
                let gap = frame.saturating_sub(at).max(1) as f32;
                let (pcx, pcy) = prev.centre();
                let (cx, cy) = raw.centre();
                let step = [
                    (cx - pcx) / gap,
                    (cy - pcy) / gap,
                    (raw.width - prev.width) / gap,
                    (raw.height - prev.height) / gap,
                ];
                let first = live.hits == 1;
                for (v, s) in live.velocity.iter_mut().zip(step) {
                    *v = if first { s } else { 0.5 * *v + 0.5 * s };
                }
                live.last = (raw, frame);
                live.misses = 0;
                live.hits += 1;
            } else if detections.is_some() {
                live.misses += 1;
                if live.misses > self.settings.max_bridge {
                    ended.push(t);
                    continue;
                }
            }
            let smoothed = live.smoother.smooth(&raw, dt);
            live.track.points.push(TrackPoint { frame, time_s, raw, smoothed, detected });
        }
        for t in ended.into_iter().rev() {
            let live = self.live.remove(t);
            self.retire(live);
        }
        if let Some(detections) = detections {
            for (d, det) in detections.iter().enumerate().filter(|(d, _)| !used[*d]) {
                let _ = d;
                let mut smoother = BoxSmoother::new(&self.settings.smooth);
                let smoothed = smoother.smooth(det, dt);
                let id = self.next_id;
                self.next_id += 1;
                self.live.push(Live {
                    track: Track {
                        id,
                        points: vec![TrackPoint { frame, time_s, raw: *det, smoothed, detected: true }],
                    },
                    smoother,
                    last: (*det, frame),
                    velocity: [0.0; 4],
                    misses: 0,
                    hits: 1,
                });
            }
        }
        self.live
            .iter()
            .filter(|l| l.hits >= self.settings.min_hits)
            .filter_map(|l| l.track.points.last().filter(|p| p.frame == frame).map(|p| (l.track.id, p)))
            .map(|(id, p)| Active { id, raw: p.raw, smoothed: p.smoothed, detected: p.detected })
            .collect()
    }

    /// Ends a track: drops its trailing predicted points (the face had gone), and keeps it if it was confirmed.
    fn retire(&mut self, mut live: Live) {
        while live.track.points.last().is_some_and(|p| !p.detected) {
            live.track.points.pop();
        }
        if live.hits >= self.settings.min_hits {
            self.done.push(live.track);
        }
    }

    /// Ends every track and returns all confirmed tracks, by id.
    pub fn finish(mut self) -> Vec<Track> {
        for live in std::mem::take(&mut self.live) {
            self.retire(live);
        }
        let mut tracks = self.done;
        tracks.sort_by_key(|t| t.id);
        tracks
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::faces::metrics::{jitter, track_jitter};
    use crate::lm::rng::Rng;

    const FPS: f64 = 25.0;

    /// Ground truth of one synthetic face: at rest for 50 frames, then a fast linear move of `speed` px/frame for
    /// 50 frames, then at rest again; 80 px tall.
    fn truth(frame: u64, speed: f32) -> FaceBox {
        let moved = (frame.saturating_sub(50).min(50)) as f32 * speed;
        FaceBox::centred(100.0 + moved, 120.0, 80.0, 80.0)
    }

    /// Detections: the truth plus Gaussian jitter (centre σ 1.5 px, size σ 2 px), missing on `misses` frames.
    fn detect(frame: u64, speed: f32, rng: &mut Rng, misses: &[u64]) -> Vec<FaceBox> {
        if misses.contains(&frame) {
            return Vec::new();
        }
        let t = truth(frame, speed);
        let (cx, cy) = t.centre();
        let s = 80.0 + 2.0 * rng.normal();
        vec![FaceBox::centred(cx + 1.5 * rng.normal(), cy + 1.5 * rng.normal(), s, s)]
    }

    fn run(speed: f32, misses: &[u64], seed: u64) -> Vec<Track> {
        let mut rng = Rng::new(seed);
        let mut tracker = Tracker::new(TrackSettings::default());
        for frame in 0..150 {
            let dets = detect(frame, speed, &mut rng, misses);
            tracker.update(frame, frame as f64 / FPS, Some(&dets));
        }
        tracker.finish()
    }

    #[test]
    fn smoothing_cuts_jitter_at_least_twice_and_bridges_misses() {
        let misses = [20, 21, 22, 70, 120];
        for seed in [1, 2, 3] {
            let tracks = run(6.0, &misses, seed);
            assert_eq!(tracks.len(), 1, "one face, one track despite misses: {:?}", tracks.len());
            let track = &tracks[0];
            assert_eq!(track.points.len(), 150, "every frame has a point");
            assert_eq!(track.detections(), 150 - misses.len());
            let report = track_jitter(&tracks);
            eprintln!("seed {seed}: raw {:.3} smoothed {:.3} ×{:.2}", report.raw, report.smoothed, report.reduction);
            assert!(report.reduction >= 2.0, "seed {seed}: {report:?}");
            // At rest (frames 115..150, 15 frames after the move stops) the smoothed centre is nearer the truth than the detections are.
            let error = |pick: fn(&TrackPoint) -> FaceBox| {
                let points = &track.points[115..];
                let sum: f32 = points
                    .iter()
                    .map(|p| {
                        let (a, b) = (pick(p).centre(), truth(p.frame, 6.0).centre());
                        (a.0 - b.0).hypot(a.1 - b.1)
                    })
                    .sum();
                sum / points.len() as f32
            };
            let (raw_err, smooth_err) = (error(|p| p.raw), error(|p| p.smoothed));
            eprintln!("seed {seed}: at rest, mean error raw {raw_err:.2} px, smoothed {smooth_err:.2} px");
            assert!(smooth_err < 1.0 && smooth_err < raw_err / 1.5, "seed {seed}: {smooth_err} vs {raw_err}");
        }
    }

    #[test]
    fn fast_linear_move_lags_little() {
        // Noise-free detections: what is left is the filter's lag. 12 px/frame is 0.15 face heights per frame,
        // 3.75 heights per second at 25 fps, a fast pan.
        for speed in [3.0f32, 12.0] {
            let mut tracker = Tracker::new(TrackSettings::default());
            let mut lags = Vec::new();
            for frame in 0..150 {
                let t = truth(frame, speed);
                let active = tracker.update(frame, frame as f64 / FPS, Some(&[t]));
                if (60..100).contains(&frame) {
                    lags.push((t.centre().0 - active[0].smoothed.centre().0).abs());
                }
            }
            let mean = lags.iter().sum::<f32>() / lags.len() as f32;
            let max = lags.iter().copied().fold(0.0f32, f32::max);
            eprintln!("speed {speed}: lag mean {mean:.2} max {max:.2} px");
            // The lag of a one-euro filter in steady motion is bounded by height / (2π beta) whatever the speed.
            // 4 % of the face height is well inside the crop's 25 % margin.
            assert!(
                mean < 0.04 * 80.0 && max < 0.055 * 80.0,
                "speed {speed}: lag mean {mean} max {max} px, 80-px face"
            );
            if speed >= 12.0 {
                assert!(mean < 0.3 * speed, "speed {speed}: mean lag {mean} px is over 0.3 frames of motion");
            }
        }
    }

    #[test]
    fn long_miss_ends_a_track_and_two_faces_keep_their_ids() {
        let mut tracker = Tracker::new(TrackSettings::default());
        let left = |f: u64| FaceBox::centred(50.0 + f as f32, 60.0, 40.0, 40.0);
        let right = |f: u64| FaceBox::centred(250.0 - f as f32, 60.0, 40.0, 40.0);
        for frame in 0..40u64 {
            // The right face disappears for 10 frames (longer than max_bridge) from frame 20.
            let mut dets = vec![left(frame)];
            if !(20..30).contains(&frame) {
                dets.push(right(frame));
            }
            let active = tracker.update(frame, frame as f64 / FPS, Some(&dets));
            if frame >= 1 {
                assert!(active.iter().any(|a| a.id == 1), "frame {frame}: {active:?}");
            }
        }
        let tracks = tracker.finish();
        let ids: Vec<u32> = tracks.iter().map(|t| t.id).collect();
        assert_eq!(ids, vec![1, 2, 3], "left, right, right again after the long miss");
        assert_eq!(tracks[0].points.len(), 40);
        assert_eq!(tracks[1].last_frame(), Some(19), "trailing predictions are dropped");
        assert_eq!(tracks[2].first_frame(), Some(30));
        assert!(jitter(&tracks[0].points.iter().map(|p| p.smoothed.centre()).collect::<Vec<_>>()).unwrap() < 0.2);
    }

    #[test]
    fn a_single_false_detection_is_never_a_track() {
        let mut tracker = Tracker::new(TrackSettings::default());
        let ghost = FaceBox::centred(10.0, 10.0, 30.0, 30.0);
        let active = tracker.update(0, 0.0, Some(&[ghost]));
        assert!(active.is_empty());
        for frame in 1..10 {
            assert!(tracker.update(frame, frame as f64 / FPS, Some(&[])).is_empty());
        }
        assert!(tracker.finish().is_empty());
    }
}

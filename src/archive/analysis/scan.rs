//! The detection pass: decodes the video once, measures each decoded frame at analysis size, finds the shots, and
//! (after a coarse scan that skipped B-frames) refines each cut to its exact frame by decoding just the frames
//! around it.
//!
//! Owns the order of decode → measure → detect → refine. Must not write files or measure sound. Pictures are dropped
//! as soon as they are measured; only the small [`FrameStats`] are kept for the whole film.

use std::path::Path;

use super::decode::{DecodeOptions, DecodeReport, FrameInfo, RgbFrame, VideoDecoder};
use super::detect::{BoundaryKind, Shot, detect_shots};
use super::error::AnalysisError;
use super::features::{FrameAnalyzer, FrameStats};
use super::probe::Probe;
use super::{AnalysisOptions, Observer};

/// Per-frame statistics of a video stream and the damage met reading it.
#[derive(Debug, Clone, PartialEq)]
pub struct FramePass {
    /// Every decoded frame (all frames, or only reference frames after a coarse scan), in order.
    pub frames: Vec<FrameStats>,
    pub report: DecodeReport,
    /// Whether this was a coarse scan (B-frames skipped).
    pub coarse: bool,
}

/// Decodes the video of `path` once, measuring each decoded frame at `options.analysis_width`.
pub fn measure_frames(
    path: &Path,
    probe: &Probe,
    options: &AnalysisOptions,
    observer: &mut dyn Observer,
) -> Result<FramePass, AnalysisError> {
    let mut decoder = VideoDecoder::open(path, probe, &options.decode)?;
    let mut analyzer = FrameAnalyzer::new();
    let mut picture = RgbFrame::default();
    let mut frames = Vec::with_capacity(probe.frame_count.min(1 << 20) as usize);
    let mut reported = 0;
    while let Some(info) = decoder.next_frame() {
        decoder.scale_rgb(options.analysis_width, &mut picture)?;
        frames.push(analyzer.measure(info, &picture));
        if info.index >= reported + 25 {
            reported = info.index;
            observer.progress(info.index + 1, probe.frame_count);
        }
    }
    let mut report = decoder.report();
    // After a coarse scan the decoded count has gaps; what matters for truncation is how far the video got.
    report.frames = frames.last().map_or(0, |f| f.index + 1);
    observer.progress(report.frames, probe.frame_count);
    let coarse = options.decode.skip_bidir && probe.constant_frame_rate;
    Ok(FramePass { frames, report, coarse })
}

/// Detects the shots of `path`: one decode pass (coarse if `options.decode.skip_bidir`), then exact cut refinement
/// where the pass skipped frames.
pub fn scan(
    path: &Path,
    probe: &Probe,
    options: &AnalysisOptions,
    observer: &mut dyn Observer,
) -> Result<(Vec<Shot>, FramePass), AnalysisError> {
    let coarse = options.decode.skip_bidir && probe.constant_frame_rate;
    let mut pass = measure_frames(path, probe, options, observer)?;
    if coarse && pass.report.frames_without_pts > 0 {
        // Skipped frames can only be numbered from real timestamps (raw streams and AVI have none): decode all.
        let full = AnalysisOptions {
            decode: DecodeOptions { skip_bidir: false, ..options.decode.clone() },
            ..options.clone()
        };
        pass = measure_frames(path, probe, &full, observer)?;
        let shots = detect_shots(&pass.frames, &options.detector);
        return Ok((shots, pass));
    }
    let mut shots = detect_shots(&pass.frames, &options.detector);
    if coarse {
        refine_boundaries(path, probe, options, &pass, &mut shots)?;
    }
    Ok((shots, pass))
}

/// Moves each boundary that a coarse scan placed between two decoded frames with skipped frames between them onto
/// its exact frame: a cut onto the frame that differs most from the one before it (or drops it when no frame differs
/// enough from its predecessor), a fade onto the middle of the exact black run. Only the spans around boundaries are
/// decoded again.
fn refine_boundaries(
    path: &Path,
    probe: &Probe,
    options: &AnalysisOptions,
    pass: &FramePass,
    shots: &mut Vec<Shot>,
) -> Result<(), AnalysisError> {
    let frames = &pass.frames;
    let single = DecodeOptions { threads: 1, skip_bidir: false, ..options.decode.clone() };
    let mut refiner =
        Refiner { decoder: None, path, probe, options: single, width: options.analysis_width, pass, last_end: None };
    let black = |f: &FrameStats| f.luma_mean < options.detector.black_threshold;
    let mut false_cuts = Vec::new();
    for k in 1..shots.len() {
        let Ok(p) = frames.binary_search_by_key(&shots[k].start_frame, |f| f.index) else { continue };
        let refined = match shots[k].boundary_kind {
            BoundaryKind::Cut => {
                let span = p.checked_sub(1).map(|q| (&frames[q], &frames[p]));
                match span {
                    Some(span) => match refiner.sharpest_change(span)? {
                        // Frame to frame, nothing changes enough: the coarse score was motion summed over the
                        // skipped frames, not a cut.
                        Some(f) if f.content < options.detector.min_content => {
                            false_cuts.push(k);
                            None
                        }
                        found => found.map(|f| (f.index, f.time_s)),
                    },
                    None => None,
                }
            }
            BoundaryKind::Fade => {
                // The black run as decoded: first black frame `s`, first picture after it `e`.
                let s = frames[..=p].iter().rposition(|f| !black(f)).map_or(0, |q| q + 1);
                let e = frames[p..].iter().position(|f| !black(f)).map_or(frames.len(), |q| p + q);
                let (Some(s_before), Some(e_before)) = (s.checked_sub(1), e.checked_sub(1)) else { continue };
                let (Some(first_black), Some(first_picture)) = (frames.get(s), frames.get(e)) else { continue };
                let start = refiner.first_where((&frames[s_before], first_black), black)?;
                let end = refiner.first_where((&frames[e_before], first_picture), |f| !black(f))?;
                let start = start.map_or(first_black.index, |f| f.index);
                let end = end.map_or(first_picture.index, |f| f.index);
                let middle = start + (end - start) / 2;
                let time_s = first_black.time_s + (middle as f64 - first_black.index as f64) / probe.fps;
                Some((middle, time_s))
            }
            BoundaryKind::Start => None,
        };
        if let Some((index, time_s)) = refined {
            let lower = shots[k - 1].start_frame;
            let upper = shots[k].end_frame;
            if index > lower && index < upper {
                shots[k].start_frame = index;
                shots[k].start_s = time_s;
                shots[k - 1].end_frame = index;
                shots[k - 1].end_s = time_s;
            }
        }
    }
    for k in false_cuts.into_iter().rev() {
        let removed = shots.remove(k);
        shots[k - 1].end_frame = removed.end_frame;
        shots[k - 1].end_s = removed.end_s;
    }
    Ok(())
}

/// Decodes short spans in full with its own single-threaded decoder, opened on first use.
struct Refiner<'a> {
    decoder: Option<VideoDecoder>,
    path: &'a Path,
    probe: &'a Probe,
    options: DecodeOptions,
    width: u32,
    /// The coarse scan: where its keyframes are, and the origin of its frame numbers.
    pass: &'a FramePass,
    /// Frame number where the last span ended.
    last_end: Option<u64>,
}

impl Refiner<'_> {
    /// Measures every frame from `span.0` to `span.1` (inclusive), in order; `None` when nothing lies between them.
    fn measure_span(&mut self, span: (&FrameStats, &FrameStats)) -> Result<Vec<FrameStats>, AnalysisError> {
        let (Some(from_pts), Some(to_pts)) = (span.0.pts, span.1.pts) else { return Ok(Vec::new()) };
        if span.1.index < span.0.index + 2 {
            return Ok(Vec::new());
        }
        let decoder = match &mut self.decoder {
            Some(decoder) => decoder,
            slot => {
                let mut decoder = VideoDecoder::open(self.path, self.probe, &self.options)?;
                decoder.set_origin_pts(self.pass.report.origin_pts);
                slot.insert(decoder)
            }
        };
        let mut analyzer = FrameAnalyzer::new();
        let mut picture = RgbFrame::default();
        // Decode on from the last span unless a keyframe lies between: then seeking there is cheaper (encoders
        // often put one at a cut).
        let resume = self.last_end.is_some_and(|end| {
            let frames = &self.pass.frames;
            let lo = frames.partition_point(|f| f.index <= end);
            let hi = frames.partition_point(|f| f.index <= span.0.index);
            end < span.0.index && !frames[lo..hi].iter().any(|f| f.key)
        });
        self.last_end = Some(span.1.index);
        let mut measured = Vec::new();
        let width = self.width;
        decoder.decode_span(from_pts, to_pts, resume, |decoder, info: FrameInfo| {
            decoder.scale_rgb(width, &mut picture)?;
            measured.push(analyzer.measure(info, &picture));
            Ok(())
        })?;
        Ok(measured)
    }

    /// The frame after `span.0` up to `span.1` that differs most from the frame before it.
    fn sharpest_change(&mut self, span: (&FrameStats, &FrameStats)) -> Result<Option<FrameStats>, AnalysisError> {
        let measured = self.measure_span(span)?;
        Ok(measured.into_iter().skip(1).reduce(|best, f| if f.content > best.content { f } else { best }))
    }

    /// The first frame after `span.0` up to `span.1` for which `test` holds.
    fn first_where(
        &mut self,
        span: (&FrameStats, &FrameStats),
        test: impl Fn(&FrameStats) -> bool,
    ) -> Result<Option<FrameStats>, AnalysisError> {
        Ok(self.measure_span(span)?.into_iter().skip(1).find(|f| test(f)))
    }
}

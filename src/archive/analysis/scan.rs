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
    /// Every decoded frame, in order: all frames, or after a coarse scan the reference frames plus every frame of
    /// the spans decoded again in full.
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
    if coarse {
        densify_dark_spans(path, probe, options, &mut pass)?;
    }
    let mut shots = detect_shots(&pass.frames, &options.detector);
    if coarse {
        refine_cuts(path, probe, options, &pass, &mut shots)?;
    }
    Ok((shots, pass))
}

/// After a coarse scan, decodes in full every span where the picture goes dark: around each black frame, and around
/// each dark frame that is darker than its decoded neighbours. An encoder often makes the black frames of a fade
/// B-frames, which the coarse scan skips; once they are measured, the fade detector sees the whole black run and
/// puts the boundary exactly in its middle. A steady dark scene is no dip, so it is not decoded twice.
fn densify_dark_spans(
    path: &Path,
    probe: &Probe,
    options: &AnalysisOptions,
    pass: &mut FramePass,
) -> Result<(), AnalysisError> {
    let spans = dark_spans(&pass.frames, options.detector.black_threshold);
    if spans.is_empty() {
        return Ok(());
    }
    let single = DecodeOptions { threads: 1, skip_bidir: false, ..options.decode.clone() };
    let mut measured_spans = Vec::with_capacity(spans.len());
    {
        let mut refiner = Refiner {
            decoder: None,
            path,
            probe,
            options: single,
            width: options.analysis_width,
            pass,
            last_end: None,
        };
        for &(lo, hi) in &spans {
            let measured = refiner.measure_span((&pass.frames[lo], &pass.frames[hi]))?;
            measured_spans.push(measured);
        }
    }
    // Rebuild the frame list: each span's frames after its first replace the coarse ones (the span's last frame is
    // measured again, now against its true predecessor).
    let mut frames = Vec::with_capacity(pass.frames.len() + measured_spans.iter().map(Vec::len).sum::<usize>());
    let mut next = 0;
    for (&(lo, hi), measured) in spans.iter().zip(&measured_spans) {
        let complete = measured.last().is_some_and(|f| f.index == pass.frames[hi].index);
        if !complete || measured.len() < 2 {
            continue;
        }
        frames.extend_from_slice(&pass.frames[next..=lo]);
        frames.extend(measured.iter().skip(1).copied());
        next = hi + 1;
    }
    frames.extend_from_slice(&pass.frames[next..]);
    pass.frames = frames;
    Ok(())
}

/// Luma a dip must fall below, in multiples of the black threshold, to be decoded in full.
const DIP_DARKNESS: f32 = 3.0;
/// How much brighter than a dip a decoded neighbour must be (full-range luma).
const DIP_DEPTH: f32 = 8.0;

/// Spans `(lo, hi)` of positions in `frames` (decoded frames) to decode in full: one around each black frame and
/// each dark dip, merged where they overlap, and only where frames were skipped.
fn dark_spans(frames: &[FrameStats], black_threshold: f32) -> Vec<(usize, usize)> {
    let mut spans: Vec<(usize, usize)> = Vec::new();
    for i in 1..frames.len().saturating_sub(1) {
        let (before, here, after) = (frames[i - 1].luma_mean, frames[i].luma_mean, frames[i + 1].luma_mean);
        let dip = here < black_threshold * DIP_DARKNESS
            && here <= before
            && here <= after
            && before.max(after) >= here + DIP_DEPTH;
        if here >= black_threshold && !dip {
            continue;
        }
        match spans.last_mut() {
            Some(last) if last.1 >= i - 1 => last.1 = i + 1,
            _ => spans.push((i - 1, i + 1)),
        }
    }
    spans.retain(|&(lo, hi)| frames[hi].index - frames[lo].index > (hi - lo) as u64);
    spans
}

/// Moves each cut that a coarse scan placed between two decoded frames with skipped frames between them onto its
/// exact frame: the frame that differs most from the one before it, or drops the cut when no frame differs enough
/// from its predecessor. Only the spans around cuts are decoded again. (Fades are exact already: their dark spans
/// were decoded in full by [`densify_dark_spans`].)
fn refine_cuts(
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
    let mut false_cuts = Vec::new();
    for k in 1..shots.len() {
        if shots[k].boundary_kind != BoundaryKind::Cut {
            continue;
        }
        let Ok(p) = frames.binary_search_by_key(&shots[k].start_frame, |f| f.index) else { continue };
        let Some(q) = p.checked_sub(1) else { continue };
        let refined = match refiner.sharpest_change((&frames[q], &frames[p]))? {
            // Frame to frame, nothing changes enough: the coarse score was motion summed over the skipped frames,
            // not a cut.
            Some(f) if f.content < options.detector.min_content => {
                false_cuts.push(k);
                None
            }
            found => found.map(|f| (f.index, f.time_s)),
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
}

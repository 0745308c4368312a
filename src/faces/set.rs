//! Face sets: the crops of one identity that a face-swap model trains on, extracted from videos or pictures.
//!
//! A face set is a folder holding square PNG crops named `000000.png`, `000001.png`, … at the set's resolution (64 by
//! default, or 128), a [`MANIFEST`] (`faces.json`: for each crop its source file, frame, time, track and raw and
//! smoothed boxes; per source what was found; what was dropped and why) and a [`SHEET`] (`sheet.png`), a contact sheet
//! for a person to check the set. The trainer reads every PNG in the folder sorted by name: keep that layout.
//!
//! Extraction decodes every frame (pictures are single frames), detects faces (on every k-th frame, with the tracker
//! predicting between), tracks and smooths them, crops around the smoothed box, and drops near-duplicates (a crop
//! that differs little from the last one kept of its track), near-empty crops (low contrast) and the crops of tracks
//! too short to be the identity (a few frames of a hat or a passer-by). A source that fails
//! is recorded in the manifest and the others go on. A set is written to a temp folder beside its place and renamed
//! into place, so a reader sees the old set or the new one whole. Owns no database and prints nothing.

use std::ops::ControlFlow;
use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage, imageops};
use serde::{Deserialize, Serialize};

use super::colour::rgb_to_ycbcr;
use super::crop::{self, DEFAULT_MARGIN, Window};
use super::error::FacesError;
use super::frames::VideoFrames;
use super::metrics::{JitterReport, track_jitter};
use super::rect::FaceBox;
use super::roll::{RollFilter, RollSettings};
use super::track::{Track, TrackSettings, Tracker};
use super::{FaceDetector, Settings};
use crate::picture::draw_text;

/// The manifest's file name inside a face set.
pub const MANIFEST: &str = "faces.json";
/// The contact sheet's file name inside a face set.
pub const SHEET: &str = "sheet.png";
/// Version of the manifest's layout.
pub const MANIFEST_VERSION: u32 = 1;
/// Extensions read as pictures (a folder of them is a source of single frames).
pub const IMAGE_EXTENSIONS: &[&str] = &["png", "jpg", "jpeg"];

/// How a set is extracted.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ExtractSettings {
    /// Side of the crops in pixels: 64 or 128.
    pub resolution: u32,
    /// Context around the face box (see [`DEFAULT_MARGIN`]).
    pub margin: f32,
    /// Detect on every n-th frame of a video (1 = every frame); the tracker predicts between.
    pub detect_every: u32,
    /// A crop whose mean absolute difference (0–255, all channels) to the last crop kept of its track is below this
    /// is a near-duplicate and dropped.
    pub duplicate_below: f32,
    /// A crop whose luma standard deviation is below this is near-empty (flat, black, blown out) and dropped.
    pub min_contrast: f32,
    /// Faces smaller than this many pixels tall in the source are dropped: too little detail to learn from.
    pub min_face_px: f32,
    /// A video track that keeps fewer crops than this is dropped whole: a face seen for a few frames is most often a
    /// false detection (the back of a head, a hat, foliage) or a passer-by, not the identity the set is for.
    /// Pictures are exempt (each face in one is a track of one crop).
    #[serde(default = "default_min_track_faces")]
    pub min_track_faces: usize,
    /// Cut each face upright: its roll is read from its mirror symmetry (`faces::roll`), smoothed along its track,
    /// and the crop window turned by it. A model trained on upright sets swaps with upright crops. On for new sets:
    /// an hour of training on the upright carphone set drew the footage's faces as the star far more coherently
    /// (BENCHMARKS.md, "cutting faces upright"). Manifests written before it say nothing, and were not upright.
    #[serde(default)]
    pub upright: bool,
    pub detector: DetectorSettings,
    pub track: TrackSettings,
}

/// The detector settings a set is extracted with (a serialisable mirror of [`Settings`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct DetectorSettings {
    pub min_face_fraction: f64,
    pub score_threshold: f64,
    pub upscale: u32,
}

impl Default for DetectorSettings {
    fn default() -> Self {
        let d = Settings::default();
        DetectorSettings {
            min_face_fraction: d.min_face_fraction,
            score_threshold: d.score_threshold,
            upscale: d.upscale,
        }
    }
}

impl DetectorSettings {
    pub fn settings(&self) -> Settings {
        Settings {
            min_face_fraction: self.min_face_fraction,
            score_threshold: self.score_threshold,
            upscale: self.upscale,
            ..Settings::default()
        }
    }
}

impl Default for ExtractSettings {
    fn default() -> Self {
        ExtractSettings {
            resolution: 64,
            margin: DEFAULT_MARGIN,
            detect_every: 1,
            duplicate_below: 3.0,
            min_contrast: 12.0,
            min_face_px: 24.0,
            min_track_faces: default_min_track_faces(),
            upright: true,
            detector: DetectorSettings::default(),
            track: TrackSettings::default(),
        }
    }
}

/// Five crops: a fifth of a second of detections at 25 frames/s.
fn default_min_track_faces() -> usize {
    5
}

impl ExtractSettings {
    pub fn check(&self) -> Result<(), FacesError> {
        if ![64, 128].contains(&self.resolution) {
            return Err(FacesError::Setting(format!("resolution {} must be 64 or 128", self.resolution)));
        }
        if self.detect_every == 0 {
            return Err(FacesError::Setting("detect_every must be at least 1".into()));
        }
        if !(0.0..=2.0).contains(&self.margin) {
            return Err(FacesError::Setting(format!("margin {} must be in 0..=2", self.margin)));
        }
        Ok(())
    }
}

/// One source of a set: a video (optionally only a time range of it) or a picture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetSource {
    pub path: PathBuf,
    /// Seconds `[from, to)` of a video to read; `None` reads all of it.
    pub range_s: Option<(f64, f64)>,
}

impl SetSource {
    pub fn whole(path: impl Into<PathBuf>) -> SetSource {
        SetSource { path: path.into(), range_s: None }
    }

    fn is_picture(&self) -> bool {
        self.path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| IMAGE_EXTENSIONS.iter().any(|x| e.eq_ignore_ascii_case(x)))
    }
}

/// One crop of the set, as the manifest lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CropRecord {
    /// File name inside the set (`000042.png`).
    pub file: String,
    pub source: PathBuf,
    pub frame: u64,
    pub time_s: f64,
    /// Track id, unique within the set (tracks of later sources are numbered after earlier ones').
    pub track: u32,
    pub raw: FaceBox,
    pub smoothed: FaceBox,
    /// The square cut out of the source, in source pixels.
    pub window: Window,
}

/// What one source gave.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SourceSummary {
    pub path: PathBuf,
    pub width: u32,
    pub height: u32,
    pub frames: u64,
    /// Frames the detector ran on.
    pub frames_searched: u64,
    /// Faces the detector found, over all frames searched.
    pub detections: u64,
    /// Confirmed tracks.
    pub tracks: usize,
    /// Crops kept from this source.
    pub kept: usize,
    /// Seconds spent detecting.
    pub detect_s: f64,
    pub jitter: JitterReport,
    /// Why the source could not be read (the rest of the set is still made).
    pub error: Option<String>,
}

/// Crops left out, by reason.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Dropped {
    pub duplicates: usize,
    pub low_contrast: usize,
    pub small: usize,
    /// Bridged frames (predicted box, no detection): never used for training.
    pub predicted: usize,
    /// Crops of video tracks shorter than [`ExtractSettings::min_track_faces`].
    #[serde(default)]
    pub short_tracks: usize,
}

/// `faces.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub version: u32,
    pub resolution: u32,
    pub margin: f32,
    pub settings: ExtractSettings,
    pub sources: Vec<SourceSummary>,
    pub faces: Vec<CropRecord>,
    pub dropped: Dropped,
}

/// An extracted set in memory: the manifest and its crops, in the manifest's order.
pub struct Extracted {
    pub manifest: Manifest,
    pub crops: Vec<RgbImage>,
}

/// Hears how far an extraction is; returning `Break` stops it (what was read so far is returned).
pub trait Progress {
    /// `done` of `total` frames of source `source` of `sources`.
    fn frames(&mut self, source: usize, sources: usize, done: u64, total: u64) -> ControlFlow<()>;
}

impl<F: FnMut(usize, usize, u64, u64) -> ControlFlow<()>> Progress for F {
    fn frames(&mut self, source: usize, sources: usize, done: u64, total: u64) -> ControlFlow<()> {
        self(source, sources, done, total)
    }
}

/// Extracts the faces of `sources`. Fails only on bad settings or when the detector cannot be built; a source that
/// cannot be read is noted in its summary.
pub fn extract(
    sources: &[SetSource],
    settings: &ExtractSettings,
    progress: &mut dyn Progress,
) -> Result<Extracted, FacesError> {
    settings.check()?;
    let mut detector = FaceDetector::with_settings(settings.detector.settings())?;
    let mut out = Extracted {
        manifest: Manifest {
            version: MANIFEST_VERSION,
            resolution: settings.resolution,
            margin: settings.margin,
            settings: *settings,
            sources: Vec::new(),
            faces: Vec::new(),
            dropped: Dropped::default(),
        },
        crops: Vec::new(),
    };
    let mut next_track = 0u32;
    for (i, source) in sources.iter().enumerate() {
        let mut summary = SourceSummary { path: source.path.clone(), ..SourceSummary::default() };
        let first = out.crops.len();
        let mut sink = Sink {
            settings,
            out: &mut out,
            last_kept: Vec::new(),
            track_offset: next_track,
            rolls: RollFilter::new(RollSettings::default()),
        };
        let result = if source.is_picture() {
            picture(source, &mut detector, &mut summary, &mut sink)
        } else {
            let read = video(source, settings, &mut detector, &mut summary, &mut sink, &mut |done, total| {
                progress.frames(i, sources.len(), done, total)
            });
            drop_short_tracks(&mut out, first, settings.min_track_faces);
            read
        };
        summary.kept = out.crops.len() - first;
        match result {
            Ok(tracks) => {
                next_track += tracks.iter().map(|t| t.id).max().unwrap_or(0);
                summary.tracks = tracks.len();
                summary.jitter = track_jitter(&tracks);
            }
            Err(e) => summary.error = Some(e.to_string()),
        }
        out.manifest.sources.push(summary);
        if progress.frames(i + 1, sources.len(), 0, 0).is_break() {
            break;
        }
    }
    Ok(out)
}

/// Drops the crops from index `first` on whose track kept fewer than `min` of them, and renumbers the files of
/// those left so the set stays `000000.png`, `000001.png`, … without gaps.
fn drop_short_tracks(out: &mut Extracted, first: usize, min: usize) {
    let mut counts = std::collections::HashMap::<u32, usize>::new();
    for record in &out.manifest.faces[first..] {
        *counts.entry(record.track).or_default() += 1;
    }
    let faces = out.manifest.faces.split_off(first);
    let crops = out.crops.split_off(first);
    for (mut record, crop) in faces.into_iter().zip(crops) {
        if counts[&record.track] < min {
            out.manifest.dropped.short_tracks += 1;
            continue;
        }
        record.file = format!("{:06}.png", out.crops.len());
        out.manifest.faces.push(record);
        out.crops.push(crop);
    }
}

/// Where kept crops go while a source is read.
struct Sink<'a> {
    settings: &'a ExtractSettings,
    out: &'a mut Extracted,
    /// Per track id (of this source), the last crop kept.
    last_kept: Vec<(u32, RgbImage)>,
    track_offset: u32,
    /// The smoothed roll of each track, when crops are cut upright.
    rolls: RollFilter,
}

impl Sink<'_> {
    /// Crops one face and keeps it unless it is too small, too flat or a near-duplicate.
    fn offer(&mut self, picture: &RgbImage, source: &Path, point: (&super::TrackPoint, u32)) {
        let (p, track) = point;
        let dropped = &mut self.out.manifest.dropped;
        if !p.detected {
            dropped.predicted += 1;
            return;
        }
        if p.raw.height < self.settings.min_face_px {
            dropped.small += 1;
            return;
        }
        let (margin, resolution) = (self.settings.margin, self.settings.resolution);
        let mut window = Window::around(&p.smoothed, margin);
        if self.settings.upright {
            window = self.rolls.turn(picture, window, resolution, margin, track, p.time_s);
        }
        let crop = crop::crop(picture, &window, self.settings.resolution);
        if luma_std(&crop) < self.settings.min_contrast {
            dropped.low_contrast += 1;
            return;
        }
        let last = self.last_kept.iter_mut().find(|(id, _)| *id == track);
        if let Some((_, last)) = &last
            && mean_abs_diff(last, &crop) < self.settings.duplicate_below
        {
            dropped.duplicates += 1;
            return;
        }
        match last {
            Some((_, slot)) => *slot = crop.clone(),
            None => self.last_kept.push((track, crop.clone())),
        }
        let n = self.out.crops.len();
        self.out.manifest.faces.push(CropRecord {
            file: format!("{n:06}.png"),
            source: source.to_path_buf(),
            frame: p.frame,
            time_s: p.time_s,
            track: track + self.track_offset,
            raw: p.raw,
            smoothed: p.smoothed,
            window,
        });
        self.out.crops.push(crop);
    }
}

fn picture(
    source: &SetSource,
    detector: &mut FaceDetector,
    summary: &mut SourceSummary,
    sink: &mut Sink<'_>,
) -> Result<Vec<Track>, FacesError> {
    let img =
        image::open(&source.path).map_err(|e| FacesError::Image { path: source.path.clone(), source: e })?.to_rgb8();
    let (w, h) = img.dimensions();
    summary.width = w;
    summary.height = h;
    summary.frames = 1;
    summary.frames_searched = 1;
    let started = std::time::Instant::now();
    let faces = detector.detect(w, h, img.as_raw())?;
    summary.detect_s = started.elapsed().as_secs_f64();
    summary.detections = faces.len() as u64;
    // A picture is one frame: each face is its own track, its box unsmoothed.
    let mut tracks = Vec::new();
    for (k, face) in faces.iter().enumerate() {
        let b = FaceBox::from(face);
        let point = super::TrackPoint { frame: 0, time_s: 0.0, raw: b, smoothed: b, detected: true };
        let id = k as u32 + 1;
        sink.offer(&img, &source.path, (&point, id));
        tracks.push(Track { id, points: vec![point] });
    }
    Ok(tracks)
}

fn video(
    source: &SetSource,
    settings: &ExtractSettings,
    detector: &mut FaceDetector,
    summary: &mut SourceSummary,
    sink: &mut Sink<'_>,
    progress: &mut dyn FnMut(u64, u64) -> ControlFlow<()>,
) -> Result<Vec<Track>, FacesError> {
    let mut frames = VideoFrames::open(&source.path)?;
    let probe = frames.probe().clone();
    summary.width = probe.width;
    summary.height = probe.height;
    let (from, to) = source.range_s.unwrap_or((0.0, f64::INFINITY));
    let total = match source.range_s {
        Some((a, b)) => ((b - a) * probe.fps).round().max(1.0) as u64,
        None => probe.frame_count,
    };
    frames.seek(from);
    let mut tracker = Tracker::new(settings.track);
    // Pictures are kept until their track's points are final: a frame's crop is cut around the smoothed box as it
    // is at that frame (online), which is what the swap will see, so crops can be taken at once.
    let mut read = 0u64;
    while let Some((info, picture)) = frames.next_frame()? {
        if info.time_s < from {
            continue;
        }
        if info.time_s >= to {
            break;
        }
        let detect = read.is_multiple_of(u64::from(settings.detect_every));
        read += 1;
        let detections = if detect {
            let started = std::time::Instant::now();
            let found = detector.detect(picture.width(), picture.height(), picture.as_raw())?;
            summary.detect_s += started.elapsed().as_secs_f64();
            summary.frames_searched += 1;
            summary.detections += found.len() as u64;
            Some(found.iter().map(FaceBox::from).collect::<Vec<_>>())
        } else {
            None
        };
        for active in tracker.update(info.index, info.time_s, detections.as_deref()) {
            let point = super::TrackPoint {
                frame: info.index,
                time_s: info.time_s,
                raw: active.raw,
                smoothed: active.smoothed,
                detected: active.detected,
            };
            sink.offer(&picture, &source.path, (&point, active.id));
        }
        summary.frames = read;
        if read.is_multiple_of(25) && progress(read, total.max(read)).is_break() {
            break;
        }
    }
    Ok(tracker.finish())
}

/// Standard deviation of the crop's luma.
fn luma_std(img: &RgbImage) -> f32 {
    let n = (img.width() * img.height()).max(1) as f64;
    let (mut sum, mut sq) = (0.0f64, 0.0f64);
    for p in img.pixels() {
        let y = f64::from(rgb_to_ycbcr(p.0)[0]);
        sum += y;
        sq += y * y;
    }
    let mean = sum / n;
    ((sq / n - mean * mean).max(0.0)).sqrt() as f32
}

/// Mean absolute difference of two same-size pictures over all channels, 0–255.
pub fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f32 {
    if a.dimensions() != b.dimensions() {
        return f32::INFINITY;
    }
    let total: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| u64::from(x.abs_diff(*y))).sum();
    total as f32 / a.as_raw().len().max(1) as f32
}

/// The contact sheet of a set: up to `max` crops (evenly spread over the set) in a grid of `columns`, each shown at
/// twice its size for sets of 64 px, labelled `track:frame`.
pub fn contact_sheet(extracted: &Extracted, columns: u32, max: usize) -> Option<RgbImage> {
    let n = extracted.crops.len();
    if n == 0 {
        return None;
    }
    let shown: Vec<usize> = if n <= max { (0..n).collect() } else { (0..max).map(|i| i * n / max).collect() };
    let res = extracted.manifest.resolution;
    let cell = if res < 100 { res * 2 } else { res };
    let (gap, label) = (4u32, 14u32);
    let columns = columns.clamp(1, shown.len() as u32);
    let rows = (shown.len() as u32).div_ceil(columns);
    let mut sheet =
        RgbImage::from_pixel(gap + columns * (cell + gap), gap + rows * (cell + label + gap), Rgb([24, 24, 24]));
    for (k, &i) in shown.iter().enumerate() {
        let (col, row) = (k as u32 % columns, k as u32 / columns);
        let (x, y) = (gap + col * (cell + gap), gap + row * (cell + label + gap));
        let big = imageops::resize(&extracted.crops[i], cell, cell, imageops::FilterType::Triangle);
        imageops::replace(&mut sheet, &big, i64::from(x), i64::from(y));
        let record = &extracted.manifest.faces[i];
        draw_text(&mut sheet, x + 1, y + cell + 3, &format!("{}:{}", record.track, record.frame), 2, [235, 235, 235]);
    }
    Some(sheet)
}

/// Writes `extracted` as a face set at `dir`: crops, manifest and contact sheet into a temp folder beside it, then
/// renamed over `dir` (an older set there is replaced whole).
pub fn write(dir: &Path, extracted: &Extracted) -> Result<(), FacesError> {
    let parent = dir.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| FacesError::io(parent, "creating the folder", e))?;
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "set".into());
    let tag = std::process::id();
    let temp = parent.join(format!(".{name}.tmp-{tag}"));
    let old = parent.join(format!(".{name}.old-{tag}"));
    let result = (|| {
        let _ = std::fs::remove_dir_all(&temp);
        std::fs::create_dir(&temp).map_err(|e| FacesError::io(&temp, "creating the temp folder", e))?;
        for (record, crop) in extracted.manifest.faces.iter().zip(&extracted.crops) {
            let path = temp.join(&record.file);
            crop.save_with_format(&path, image::ImageFormat::Png).map_err(|e| FacesError::Image { path, source: e })?;
        }
        let json = serde_json::to_vec_pretty(&extracted.manifest)
            .map_err(|e| FacesError::NotASet { path: temp.join(MANIFEST), reason: e.to_string() })?;
        std::fs::write(temp.join(MANIFEST), json).map_err(|e| FacesError::io(temp.join(MANIFEST), "writing", e))?;
        if let Some(sheet) = contact_sheet(extracted, 10, 120) {
            let path = temp.join(SHEET);
            sheet
                .save_with_format(&path, image::ImageFormat::Png)
                .map_err(|e| FacesError::Image { path, source: e })?;
        }
        if dir.exists() {
            std::fs::rename(dir, &old).map_err(|e| FacesError::io(dir, "moving the old set aside", e))?;
        }
        std::fs::rename(&temp, dir).map_err(|e| FacesError::io(dir, "renaming the new set into place", e))?;
        let _ = std::fs::remove_dir_all(&old);
        Ok(())
    })();
    if result.is_err() {
        let _ = std::fs::remove_dir_all(&temp);
        if old.exists() && !dir.exists() {
            let _ = std::fs::rename(&old, dir);
        }
    }
    result
}

/// Reads the manifest of the face set at `dir`.
pub fn read_manifest(dir: &Path) -> Result<Manifest, FacesError> {
    let path = dir.join(MANIFEST);
    let bytes = std::fs::read(&path)
        .map_err(|e| FacesError::NotASet { path: dir.to_path_buf(), reason: format!("{}: {e}", path.display()) })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| FacesError::NotASet { path: dir.to_path_buf(), reason: format!("{}: {e}", path.display()) })
}

/// Whether the set in `dir` was cut upright, as its manifest says. A folder without a manifest (crops made by other
/// means), or with one that does not say, was not. Only this field is read, so any manifest version answers.
pub fn is_upright(dir: &Path) -> bool {
    #[derive(Deserialize)]
    struct Head {
        #[serde(default)]
        settings: HeadSettings,
    }
    #[derive(Default, Deserialize)]
    struct HeadSettings {
        #[serde(default)]
        upright: bool,
    }
    std::fs::read(dir.join(MANIFEST))
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Head>(&bytes).ok())
        .is_some_and(|m| m.settings.upright)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(n: usize) -> CropRecord {
        let b = FaceBox { x: 0.0, y: 0.0, width: 10.0, height: 10.0 };
        CropRecord {
            file: format!("{n:06}.png"),
            source: "clip.mp4".into(),
            frame: n as u64,
            time_s: n as f64 / 25.0,
            track: 1,
            raw: b,
            smoothed: b,
            window: Window::around(&b, 0.25),
        }
    }

    fn extracted(n: usize) -> Extracted {
        let settings = ExtractSettings::default();
        Extracted {
            manifest: Manifest {
                version: MANIFEST_VERSION,
                resolution: 64,
                margin: settings.margin,
                settings,
                sources: Vec::new(),
                faces: (0..n).map(record).collect(),
                dropped: Dropped::default(),
            },
            crops: (0..n).map(|i| RgbImage::from_pixel(64, 64, Rgb([i as u8 * 20, 100, 50]))).collect(),
        }
    }

    #[test]
    fn write_makes_the_set_layout_and_replaces_an_old_set_whole() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("cast/star");
        write(&dir, &extracted(5)).unwrap();
        write(&dir, &extracted(3)).unwrap();
        let mut names: Vec<String> =
            std::fs::read_dir(&dir).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
        names.sort();
        assert_eq!(names, ["000000.png", "000001.png", "000002.png", "faces.json", "sheet.png"]);
        let leftovers: Vec<_> =
            std::fs::read_dir(dir.parent().unwrap()).unwrap().flatten().map(|e| e.file_name()).collect();
        assert_eq!(leftovers.len(), 1, "no temp or old folders left: {leftovers:?}");
        let manifest = read_manifest(&dir).unwrap();
        assert_eq!(manifest.faces.len(), 3);
        let png = image::open(dir.join("000002.png")).unwrap().to_rgb8();
        assert_eq!(png.dimensions(), (64, 64));
        assert_eq!(png.get_pixel(0, 0).0, [40, 100, 50]);
    }

    #[test]
    fn contact_sheet_spreads_a_large_set_evenly() {
        let e = extracted(12);
        let sheet = contact_sheet(&e, 4, 6).unwrap();
        // 6 cells in 4 columns: 2 rows of 128-px cells.
        assert_eq!(sheet.dimensions(), (4 + 4 * 132, 4 + 2 * (128 + 14 + 4)));
        // The second cell shows crop 2 (of 12, 6 shown).
        assert_eq!(sheet.get_pixel(4 + 132 + 10, 10).0, [40, 100, 50]);
        assert!(contact_sheet(&extracted(0), 4, 6).is_none());
    }

    #[test]
    fn short_tracks_are_dropped_and_the_files_renumbered() {
        let mut e = extracted(9);
        // Crops 0-1 came from an earlier source and stay whatever their track; of this source's, track 2 has three
        // crops and track 3 two.
        for (i, record) in e.manifest.faces.iter_mut().enumerate().skip(2) {
            record.track = if [3, 6].contains(&i) { 3 } else { 2 + u32::from(i > 6) * 10 };
        }
        // Tracks now: 2 → crops 2, 4, 5; 3 → 3, 6; 12 → 7, 8.
        drop_short_tracks(&mut e, 2, 3);
        let frames: Vec<u64> = e.manifest.faces.iter().map(|r| r.frame).collect();
        assert_eq!(frames, [0, 1, 2, 4, 5]);
        let files: Vec<&str> = e.manifest.faces.iter().map(|r| r.file.as_str()).collect();
        assert_eq!(files, ["000000.png", "000001.png", "000002.png", "000003.png", "000004.png"]);
        assert_eq!(e.crops.len(), 5);
        assert_eq!(e.crops[3].get_pixel(0, 0).0, [80, 100, 50], "crop 4 moved to slot 3 with its record");
        assert_eq!(e.manifest.dropped.short_tracks, 4);
    }

    #[test]
    fn differences_and_contrast() {
        let a = RgbImage::from_pixel(4, 4, Rgb([10, 10, 10]));
        let b = RgbImage::from_pixel(4, 4, Rgb([13, 10, 16]));
        assert_eq!(mean_abs_diff(&a, &b), 3.0);
        assert_eq!(luma_std(&a), 0.0);
        let checker =
            RgbImage::from_fn(4, 4, |x, y| if (x + y) % 2 == 0 { Rgb([0, 0, 0]) } else { Rgb([200, 200, 200]) });
        assert!((luma_std(&checker) - 100.0).abs() < 0.5);
    }
}

//! A face set made straight from a video, for the face-swap benchmark and tests: decode every `every`-th frame with
//! ffmpeg-next (reel's archive decoder), find the largest face with reel's SeetaFace detector, cut a square 1.5× the
//! box around its centre (edges repeated where it leaves the frame), resize to `res` and write `000000.png`, … into
//! `dir`. The product's face sets come from `reel cast add` / `reel faces extract`; this is the minimum the
//! trainer needs, kept out of the product. Included by `tests/it` through `#[path]`.

use std::path::Path;

use image::RgbImage;
use image::imageops::FilterType;
use reel::archive::analysis::{DecodeOptions, RgbFrame, VideoDecoder, probe};
use reel::faces::{FaceDetector, Settings};

/// Writes up to `max` crops; returns how many were written.
pub fn extract(video: &Path, dir: &Path, res: u32, every: u64, max: usize) -> Result<usize, String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let probe = probe(video).map_err(|e| e.to_string())?;
    let options = DecodeOptions { threads: 1, fast: false, skip_bidir: false };
    let mut decoder = VideoDecoder::open(video, &probe, &options).map_err(|e| e.to_string())?;
    // Faces in archive footage can be small (Chaplin's are ~35 px of 360): keep boxes down to 5% of the height.
    let settings = Settings { min_face_fraction: 0.05, ..Settings::default() };
    let mut detector = FaceDetector::with_settings(settings).map_err(|e| e.to_string())?;
    let mut frame = RgbFrame::default();
    let mut written = 0;
    let mut n = 0u64;
    while let Some(_info) = decoder.next_frame() {
        n += 1;
        if !(n - 1).is_multiple_of(every.max(1)) {
            continue;
        }
        decoder.scale_rgb(u32::MAX, &mut frame).map_err(|e| e.to_string())?;
        let (w, h) = (frame.width as u32, frame.height as u32);
        let faces = detector.detect(w, h, &frame.data).map_err(|e| e.to_string())?;
        let Some(face) = faces.first() else { continue };
        let picture = RgbImage::from_raw(w, h, frame.data.clone()).ok_or("short frame")?;
        let side = (f64::from(face.width.max(face.height)) * 1.5).round() as i64;
        let cx = i64::from(face.x) + i64::from(face.width) / 2;
        let cy = i64::from(face.y) + i64::from(face.height) / 2;
        let crop = RgbImage::from_fn(side as u32, side as u32, |x, y| {
            let sx = (cx - side / 2 + i64::from(x)).clamp(0, i64::from(w) - 1) as u32;
            let sy = (cy - side / 2 + i64::from(y)).clamp(0, i64::from(h) - 1) as u32;
            *picture.get_pixel(sx, sy)
        });
        let crop = image::imageops::resize(&crop, res, res, FilterType::CatmullRom);
        let path = dir.join(format!("{written:06}.png"));
        crop.save(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        written += 1;
        if written >= max {
            break;
        }
    }
    Ok(written)
}

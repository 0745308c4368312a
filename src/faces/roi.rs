//! Detection near known faces: between full-picture scans, the detector runs only on the regions around the boxes
//! found last, as trackers do. A region is the box grown by [`REGION_MARGIN`] of its size on every side; at 1280×720
//! with one face, that is about a twentieth of the pixels of a full scan.

use image::RgbImage;

use super::FaceDetector;
use super::error::FacesError;
use super::rect::FaceBox;

/// How far a region reaches beyond its box on every side, as a fraction of the box's larger side.
pub const REGION_MARGIN: f32 = 0.75;

/// The pixel rectangle `(x, y, width, height)` searched around `b` in a `width`×`height` picture.
pub fn region(b: &FaceBox, width: u32, height: u32) -> (u32, u32, u32, u32) {
    let grow = REGION_MARGIN * b.width.max(b.height);
    let x0 = (b.x - grow).floor().clamp(0.0, width as f32) as u32;
    let y0 = (b.y - grow).floor().clamp(0.0, height as f32) as u32;
    let x1 = (b.x + b.width + grow).ceil().clamp(0.0, width as f32) as u32;
    let y1 = (b.y + b.height + grow).ceil().clamp(0.0, height as f32) as u32;
    (x0, y0, x1.saturating_sub(x0), y1.saturating_sub(y0))
}

/// Faces found in the regions around `near`, in picture pixels, without repeats (a face seen from two overlapping
/// regions is kept once, the larger box).
pub fn detect_near(
    detector: &mut FaceDetector,
    picture: &RgbImage,
    near: &[FaceBox],
) -> Result<Vec<FaceBox>, FacesError> {
    let (w, h) = picture.dimensions();
    let mut found: Vec<FaceBox> = Vec::new();
    for b in near {
        let (x, y, rw, rh) = region(b, w, h);
        if rw == 0 || rh == 0 {
            continue;
        }
        let crop = image::imageops::crop_imm(picture, x, y, rw, rh).to_image();
        for face in detector.detect(rw, rh, crop.as_raw())? {
            let mut b = FaceBox::from(&face);
            b.x += x as f32;
            b.y += y as f32;
            match found.iter_mut().find(|f| f.iou(&b) > 0.5) {
                Some(f) if b.width * b.height > f.width * f.height => *f = b,
                Some(_) => {}
                None => found.push(b),
            }
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_region_grows_the_box_and_stays_inside_the_picture() {
        let b = FaceBox { x: 100.0, y: 50.0, width: 40.0, height: 48.0 };
        // 0.75 of 48 = 36 px each side.
        assert_eq!(region(&b, 640, 360), (64, 14, 112, 120));
        let corner = FaceBox { x: 2.0, y: 1.0, width: 40.0, height: 40.0 };
        assert_eq!(region(&corner, 60, 50), (0, 0, 60, 50));
        let outside = FaceBox { x: 700.0, y: 10.0, width: 20.0, height: 20.0 };
        assert_eq!(region(&outside, 640, 360).2, 0);
    }
}

//! A face box in picture pixels with sub-pixel precision: what the tracker associates, smooths and predicts, and what
//! crops are cut around. Plain geometry; it must not know about pictures or detectors.

use serde::{Deserialize, Serialize};

use super::Face;

/// An axis-aligned box, left/top corner and size, in picture pixels (fractions allowed).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct FaceBox {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

impl FaceBox {
    /// The box centred at `(cx, cy)` with the given size.
    pub fn centred(cx: f32, cy: f32, width: f32, height: f32) -> FaceBox {
        FaceBox { x: cx - width / 2.0, y: cy - height / 2.0, width, height }
    }

    pub fn centre(&self) -> (f32, f32) {
        (self.x + self.width / 2.0, self.y + self.height / 2.0)
    }

    pub fn area(&self) -> f32 {
        self.width.max(0.0) * self.height.max(0.0)
    }

    /// Intersection over union, 0 for disjoint or empty boxes.
    pub fn iou(&self, other: &FaceBox) -> f32 {
        let w = (self.x + self.width).min(other.x + other.width) - self.x.max(other.x);
        let h = (self.y + self.height).min(other.y + other.height) - self.y.max(other.y);
        if w <= 0.0 || h <= 0.0 {
            return 0.0;
        }
        let inter = w * h;
        let union = self.area() + other.area() - inter;
        if union <= 0.0 { 0.0 } else { inter / union }
    }
}

impl From<&Face> for FaceBox {
    fn from(face: &Face) -> FaceBox {
        FaceBox { x: face.x as f32, y: face.y as f32, width: face.width as f32, height: face.height as f32 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(a: FaceBox, b: FaceBox, expected: f32) {
        assert!((a.iou(&b) - expected).abs() < 1e-6, "{a:?} {b:?}: {} != {expected}", a.iou(&b));
        assert!((b.iou(&a) - expected).abs() < 1e-6, "symmetric");
    }

    #[test]
    fn iou_cases() {
        let unit = FaceBox { x: 0.0, y: 0.0, width: 10.0, height: 10.0 };
        check(unit, unit, 1.0);
        check(unit, FaceBox { x: 5.0, ..unit }, 50.0 / 150.0);
        check(unit, FaceBox { x: 10.0, ..unit }, 0.0);
        check(unit, FaceBox { x: 2.5, y: 2.5, width: 5.0, height: 5.0 }, 0.25);
        check(unit, FaceBox { width: 0.0, ..unit }, 0.0);
    }

    #[test]
    fn centred_round_trips() {
        let b = FaceBox::centred(30.0, 40.0, 20.0, 10.0);
        assert_eq!(b.centre(), (30.0, 40.0));
        assert_eq!((b.x, b.y), (20.0, 35.0));
    }
}

//! Face crops: the square window around a face box (with a context margin), cut out of a frame and resized to the
//! model's resolution, and the inverse: a crop warped back into the frame through an alpha mask.
//!
//! A window may be rolled (turned about its centre), so that a tilted face is cut out upright and pasted back
//! tilted. Where the window leaves the frame, the frame's edge pixels are repeated (border replication), so a face
//! at the edge still gives a full crop. Owns the window geometry and resampling; it must not detect, track or colour-match.

use image::{Rgb, RgbImage};
use serde::{Deserialize, Serialize};

use super::blend::Mask;
use super::rect::FaceBox;

/// Context around the face box, as a fraction of the box's larger side added on each side: 0.25 makes the crop 1.5×
/// the face. Default for face sets and the swap.
pub const DEFAULT_MARGIN: f32 = 0.25;

/// The fraction of a crop's side that the face box spans with `margin` on each side.
pub fn face_fraction(margin: f32) -> f32 {
    1.0 / (1.0 + 2.0 * margin)
}

/// A square region of a frame, in frame pixels, turned by `angle` about its centre.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Window {
    pub cx: f32,
    pub cy: f32,
    pub side: f32,
    /// Radians; positive turns the window clockwise on screen (x right, y down), which cuts a face that leans
    /// clockwise (its head towards the right of the picture) out upright. 0 is an axis-aligned window.
    #[serde(default)]
    pub angle: f32,
}

impl Window {
    /// The square around `face` with `margin` (see [`DEFAULT_MARGIN`]) on each side.
    pub fn around(face: &FaceBox, margin: f32) -> Window {
        let (cx, cy) = face.centre();
        Window { cx, cy, side: face.width.max(face.height).max(1.0) * (1.0 + 2.0 * margin), angle: 0.0 }
    }

    /// The same window turned to `angle` radians.
    pub fn rolled(self, angle: f32) -> Window {
        Window { angle, ..self }
    }

    /// The frame point at `(lx, ly)` window pixels from the centre, in the window's own (turned) axes.
    fn frame_point(&self, lx: f32, ly: f32) -> (f32, f32) {
        let (sin, cos) = self.angle.sin_cos();
        (self.cx + cos * lx - sin * ly, self.cy + sin * lx + cos * ly)
    }

    /// Half the side of the axis-aligned square that holds the turned window.
    fn reach(&self) -> f32 {
        let (sin, cos) = self.angle.sin_cos();
        self.side / 2.0 * (cos.abs() + sin.abs())
    }

    pub fn left(&self) -> f32 {
        self.cx - self.side / 2.0
    }

    pub fn top(&self) -> f32 {
        self.cy - self.side / 2.0
    }

    /// The window as a box (for a turned window, the axis-aligned box around it).
    pub fn rect(&self) -> FaceBox {
        let r = self.reach();
        FaceBox { x: self.cx - r, y: self.cy - r, width: 2.0 * r, height: 2.0 * r }
    }
}

/// Bilinear sample of `img` at continuous pixel coordinates (pixel centres at +0.5), edges replicated.
fn sample(img: &RgbImage, x: f32, y: f32) -> [f32; 3] {
    let (w, h) = (img.width() as i64, img.height() as i64);
    let fx = x - 0.5;
    let fy = y - 0.5;
    let x0 = fx.floor();
    let y0 = fy.floor();
    let (tx, ty) = (fx - x0, fy - y0);
    let clamp = |v: i64, len: i64| v.clamp(0, len - 1) as u32;
    let (xa, xb) = (clamp(x0 as i64, w), clamp(x0 as i64 + 1, w));
    let (ya, yb) = (clamp(y0 as i64, h), clamp(y0 as i64 + 1, h));
    let p = |x: u32, y: u32| img.get_pixel(x, y).0;
    let (a, b, c, d) = (p(xa, ya), p(xb, ya), p(xa, yb), p(xb, yb));
    let mut out = [0.0; 3];
    for k in 0..3 {
        let top = f32::from(a[k]) + (f32::from(b[k]) - f32::from(a[k])) * tx;
        let bottom = f32::from(c[k]) + (f32::from(d[k]) - f32::from(c[k])) * tx;
        out[k] = top + (bottom - top) * ty;
    }
    out
}

/// Cuts `window` out of `frame` as a `resolution`-square crop. Shrinking by more than 2× averages a grid of bilinear
/// samples per output pixel (so a 200-px face does not alias into 64 px).
pub fn crop(frame: &RgbImage, window: &Window, resolution: u32) -> RgbImage {
    let res = resolution.max(1);
    let step = window.side / res as f32;
    let taps = (step / 2.0).ceil().clamp(1.0, 8.0) as u32;
    let half = window.side / 2.0;
    RgbImage::from_fn(res, res, |u, v| {
        let mut acc = [0.0f32; 3];
        for j in 0..taps {
            for i in 0..taps {
                let lx = (u as f32 + (i as f32 + 0.5) / taps as f32) * step - half;
                let ly = (v as f32 + (j as f32 + 0.5) / taps as f32) * step - half;
                let (x, y) = window.frame_point(lx, ly);
                let s = sample(frame, x, y);
                for k in 0..3 {
                    acc[k] += s[k];
                }
            }
        }
        let n = (taps * taps) as f32;
        Rgb(acc.map(|c| (c / n).round().clamp(0.0, 255.0) as u8))
    })
}

/// Warps `face` (a crop of `window`, any square size) back into `frame`, mixing each frame pixel inside the window
/// with the crop by the mask's alpha there (bilinear in both). Pixels outside the frame are not touched.
pub fn paste(frame: &mut RgbImage, window: &Window, face: &RgbImage, mask: &Mask) {
    let res = face.width().max(1) as f32;
    let (w, h) = frame.dimensions();
    let reach = window.reach();
    let x0 = (window.cx - reach).floor().max(0.0) as u32;
    let y0 = (window.cy - reach).floor().max(0.0) as u32;
    let x1 = ((window.cx + reach).ceil().max(0.0) as u32).min(w);
    let y1 = ((window.cy + reach).ceil().max(0.0) as u32).min(h);
    let scale = res / window.side;
    let (sin, cos) = window.angle.sin_cos();
    let half = window.side / 2.0;
    for y in y0..y1 {
        for x in x0..x1 {
            // The frame pixel's centre in crop coordinates (crop pixel centres at +0.5): the window's turn undone.
            let (dx, dy) = (x as f32 + 0.5 - window.cx, y as f32 + 0.5 - window.cy);
            let u = (cos * dx + sin * dy + half) * scale;
            let v = (-sin * dx + cos * dy + half) * scale;
            if !(0.0..res).contains(&u) || !(0.0..res).contains(&v) {
                continue;
            }
            let alpha = mask.at(u / res, v / res);
            if alpha <= 0.0 {
                continue;
            }
            let src = sample(face, u, v);
            let dst = frame.get_pixel_mut(x, y);
            for (d, s) in dst.0.iter_mut().zip(src) {
                let mixed = alpha * s + (1.0 - alpha) * f32::from(*d);
                *d = mixed.round().clamp(0.0, 255.0) as u8;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A smooth, non-symmetric test picture.
    fn gradient(w: u32, h: u32) -> RgbImage {
        RgbImage::from_fn(w, h, |x, y| Rgb([(x * 2) as u8, (y * 3) as u8, ((x + y) % 256) as u8]))
    }

    #[test]
    fn window_is_square_with_margin_around_the_box_centre() {
        let w = Window::around(&FaceBox { x: 10.0, y: 20.0, width: 40.0, height: 30.0 }, 0.25);
        assert_eq!((w.cx, w.cy, w.side), (30.0, 35.0, 60.0));
        assert_eq!((w.left(), w.top()), (0.0, 5.0));
    }

    #[test]
    fn crop_at_native_scale_copies_pixels_exactly() {
        let frame = gradient(80, 60);
        let window = Window { cx: 40.0, cy: 30.0, side: 32.0, angle: 0.0 };
        let c = crop(&frame, &window, 32);
        for (u, v, px) in c.enumerate_pixels() {
            assert_eq!(px, frame.get_pixel(24 + u, 14 + v), "at {u},{v}");
        }
    }

    #[test]
    fn crop_then_paste_with_full_alpha_round_trips() {
        let frame = gradient(100, 80);
        // Native scale: exact.
        let window = Window { cx: 50.0, cy: 40.0, side: 40.0, angle: 0.0 };
        let c = crop(&frame, &window, 40);
        let mut back = RgbImage::from_pixel(100, 80, Rgb([0, 0, 0]));
        paste(&mut back, &window, &c, &Mask::full(40));
        for y in 20..60 {
            for x in 30..70 {
                assert_eq!(back.get_pixel(x, y), frame.get_pixel(x, y), "at {x},{y}");
            }
        }
        assert_eq!(back.get_pixel(10, 10).0, [0, 0, 0], "outside the window untouched");
        // Resampled (40 px of frame through a 64-px crop and back): within 2 levels on a smooth picture.
        let c = crop(&frame, &window, 64);
        let mut back = frame.clone();
        for px in back.pixels_mut() {
            *px = Rgb([0, 0, 0]);
        }
        paste(&mut back, &window, &c, &Mask::full(64));
        let worst = (22..58)
            .flat_map(|y| (32..68).map(move |x| (x, y)))
            .map(|(x, y)| {
                let (a, b) = (back.get_pixel(x, y).0, frame.get_pixel(x, y).0);
                (0..3).map(|k| a[k].abs_diff(b[k])).max().unwrap_or(0)
            })
            .max()
            .unwrap_or(0);
        assert!(worst <= 2, "worst difference {worst}");
    }

    #[test]
    fn a_window_turned_a_quarter_cuts_the_picture_turned_a_quarter() {
        let frame = gradient(80, 60);
        let window = Window { cx: 40.0, cy: 30.0, side: 32.0, angle: std::f32::consts::FRAC_PI_2 };
        let c = crop(&frame, &window, 32);
        // The window's x axis points down the frame and its y axis to the left.
        for (u, v, px) in c.enumerate_pixels() {
            assert_eq!(px, frame.get_pixel(55 - v, 14 + u), "at {u},{v}");
        }
        let r = window.rect();
        assert!((r.width - 32.0).abs() < 1e-3 && (r.x - 24.0).abs() < 1e-3, "{r:?}");
        assert!((Window { angle: 0.5, ..window }.rect().width - 32.0 * (0.5f32.cos() + 0.5f32.sin())).abs() < 1e-3);
    }

    #[test]
    fn a_turned_crop_pastes_back_where_it_came_from() {
        let frame = gradient(100, 80);
        let window = Window { cx: 50.0, cy: 40.0, side: 40.0, angle: 0.3 };
        let c = crop(&frame, &window, 64);
        let mut back = RgbImage::from_pixel(100, 80, Rgb([0, 0, 0]));
        paste(&mut back, &window, &c, &Mask::full(64));
        // Inside the turned square (a disc well within it), within 2 levels; its corners reach past the upright one.
        let mut worst = 0;
        for y in 0..80u32 {
            for x in 0..100u32 {
                let (dx, dy) = (x as f32 + 0.5 - 50.0, y as f32 + 0.5 - 40.0);
                if dx.hypot(dy) < 18.0 {
                    let (a, b) = (back.get_pixel(x, y).0, frame.get_pixel(x, y).0);
                    worst = worst.max((0..3).map(|k| a[k].abs_diff(b[k])).max().unwrap_or(0));
                }
            }
        }
        assert!(worst <= 2, "worst difference {worst}");
        // (62, 63) lies below the upright square but inside the turned one; (69, 21) the other way round.
        assert_ne!(back.get_pixel(62, 63).0, [0, 0, 0], "a corner of the turned window is written");
        assert_eq!(back.get_pixel(69, 21).0, [0, 0, 0], "outside the turned window untouched");
    }

    #[test]
    fn window_leaving_the_frame_replicates_the_border() {
        let frame = gradient(50, 40);
        let window = Window { cx: 2.0, cy: 2.0, side: 20.0, angle: 0.0 };
        let c = crop(&frame, &window, 20);
        // The top-left quarter lies outside: every pixel there repeats the frame's corner.
        assert_eq!(c.get_pixel(0, 0), frame.get_pixel(0, 0));
        assert_eq!(c.get_pixel(3, 5), frame.get_pixel(0, 0));
        assert_eq!(c.get_pixel(15, 15), frame.get_pixel(7, 7));
        // Pasting it back never writes outside the frame (no panic) and restores the inside.
        let mut back = frame.clone();
        paste(&mut back, &window, &c, &Mask::full(20));
        assert_eq!(back, frame);
    }
}

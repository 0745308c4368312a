//! Face roll (in-plane rotation) from mirror symmetry, so that crops can be cut upright: a tilted head in one set and
//! upright heads in the other otherwise ask the model to learn every tilt, and the eyes land in a different place in
//! every crop.
//!
//! SeetaFace gives boxes, not landmarks, so the roll is read off the crop itself. A face seen from the front is
//! close to mirror-symmetric about its vertical axis; the roll is the angle whose rotated crop is most symmetric.
//! Symmetry is scored on the gradient magnitude of the luma (edges of eyes, nose, mouth and jaw), not on the luma,
//! so a face lit from one side still scores as symmetric; the score is the normalised cross-correlation of the
//! left half with the mirrored right half, over the face box only (the margin's background is left out). The axis
//! may sit off the crop's centre (a head turned a little), so a small horizontal offset is searched too.
//!
//! A face in profile has no mirror symmetry to find: below [`MIN_SYMMETRY`] no roll is given, and the per-track
//! [`RollFilter`] keeps the last one. [`RollFilter::turn`] is the one way a window is turned upright, for face sets
//! and swaps alike, so both cut the same crops. Owns the estimate and its smoothing; it must not detect or track.

use std::collections::HashMap;

use image::RgbImage;

use super::colour::rgb_to_ycbcr;
use super::crop::{self, Window};
use super::smooth::OneEuro;

/// The largest roll searched, either way, in degrees. The carphone clip's head tilts by up to about 35°.
pub const MAX_ROLL_DEG: f32 = 45.0;
/// Below this symmetry score (a correlation, −1 to 1) a crop has no roll to give. Measured on upright crops: the
/// carphone close-up's best angles score a median 0.64 (110 of 116 crops reach 0.5), Chaplin's 40-px faces, often in
/// three-quarter view, a median 0.37 at angles that are plainly wrong (3 of 84 reach 0.5, at 5°–6°).
pub const MIN_SYMMETRY: f32 = 0.5;
/// Each degree of roll costs this much score, so that a crop symmetric at several angles is read as upright.
const ROLL_PENALTY_PER_DEG: f32 = 0.001;

/// A crop's roll.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Roll {
    /// Radians, in the sense of [`super::crop::Window::angle`]: cutting the crop's window at this angle gives the
    /// face upright.
    pub angle: f32,
    /// Correlation of the two halves at that angle.
    pub symmetry: f32,
}

/// The gradient magnitude of `crop`'s luma after a 3×3 box blur, row-major.
fn edges(crop: &RgbImage) -> Vec<f32> {
    let (w, h) = (crop.width() as usize, crop.height() as usize);
    let luma: Vec<f32> = crop.pixels().map(|p| rgb_to_ycbcr(p.0)[0]).collect();
    let at = |v: &[f32], x: isize, y: isize| {
        v[y.clamp(0, h as isize - 1) as usize * w + x.clamp(0, w as isize - 1) as usize]
    };
    let mut blurred = vec![0.0; w * h];
    for y in 0..h as isize {
        for x in 0..w as isize {
            let mut sum = 0.0;
            for dy in -1..=1 {
                for dx in -1..=1 {
                    sum += at(&luma, x + dx, y + dy);
                }
            }
            blurred[y as usize * w + x as usize] = sum / 9.0;
        }
    }
    let mut out = vec![0.0; w * h];
    for y in 0..h as isize {
        for x in 0..w as isize {
            let gx = at(&blurred, x + 1, y) - at(&blurred, x - 1, y);
            let gy = at(&blurred, x, y + 1) - at(&blurred, x, y - 1);
            out[y as usize * w + x as usize] = (gx * gx + gy * gy).sqrt();
        }
    }
    out
}

/// Bilinear sample of a `side`-square plane at continuous coordinates (pixel centres at +0.5), edges replicated.
fn sample(plane: &[f32], side: usize, x: f32, y: f32) -> f32 {
    let (fx, fy) = (x - 0.5, y - 0.5);
    let (x0, y0) = (fx.floor(), fy.floor());
    let (tx, ty) = (fx - x0, fy - y0);
    let clamp = |v: f32| (v as isize).clamp(0, side as isize - 1) as usize;
    let (xa, xb, ya, yb) = (clamp(x0), clamp(x0 + 1.0), clamp(y0), clamp(y0 + 1.0));
    let top = plane[ya * side + xa] + (plane[ya * side + xb] - plane[ya * side + xa]) * tx;
    let bottom = plane[yb * side + xa] + (plane[yb * side + xb] - plane[yb * side + xa]) * tx;
    top + (bottom - top) * ty
}

/// How symmetric `plane` is about the axis through (centre + offset, centre) at `angle`: the correlation of the
/// points left of it with their mirror images right of it, over a `half`-wide, `half`-tall-each-way region, on every
/// `row_step`-th row.
fn symmetry(plane: &[f32], side: usize, angle: f32, offset: f32, half: f32, row_step: usize) -> f32 {
    let c = side as f32 / 2.0;
    let (sin, cos) = angle.sin_cos();
    // Local (x, y) about the axis → crop coordinates: the window's rotation, so `angle` means what it means there.
    let at = |x: f32, y: f32| {
        let x = x + offset;
        sample(plane, side, c + cos * x - sin * y, c + sin * x + cos * y)
    };
    let (mut sa, mut sb, mut saa, mut sbb, mut sab, mut n) = (0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64, 0.0f64);
    let steps = half.floor() as i32;
    for j in (-steps..=steps).step_by(row_step.max(1)) {
        let y = j as f32;
        for i in 0..steps {
            let x = i as f32 + 0.5;
            let (a, b) = (f64::from(at(-x, y)), f64::from(at(x, y)));
            sa += a;
            sb += b;
            saa += a * a;
            sbb += b * b;
            sab += a * b;
            n += 1.0;
        }
    }
    if n < 2.0 {
        return 0.0;
    }
    let cov = sab - sa * sb / n;
    let va = saa - sa * sa / n;
    let vb = sbb - sb * sb / n;
    if va <= 1e-9 || vb <= 1e-9 {
        return 0.0;
    }
    (cov / (va * vb).sqrt()) as f32
}

/// The roll of the face in `crop`, an upright square crop whose face box spans `face_fraction` of its side (1 / (1
/// + 2 × margin)), or `None` when no angle within ±[`MAX_ROLL_DEG`] is symmetric enough (a profile, a blur).
pub fn estimate(crop: &RgbImage, face_fraction: f32) -> Option<Roll> {
    let side = crop.width() as usize;
    if side < 8 || crop.height() as usize != side {
        return None;
    }
    let plane = edges(crop);
    let half = side as f32 * face_fraction / 2.0;
    let score = |deg: f32, offset: f32, row_step: usize| {
        symmetry(&plane, side, deg.to_radians(), offset, half, row_step) - ROLL_PENALTY_PER_DEG * deg.abs()
    };
    // Coarse, on every other row: every 3° and every other pixel of offset within a tenth of the face. Then on
    // every row, every 0.5° and pixel about the best. (A fine search everywhere, every 2° then 0.5° on every row
    // and pixel, cost 11.7 ms a face in `reel-bench faces` against 2.6 ms; its smoothed carphone rolls differ
    // from these by 0.9° on average, 3.6° at most.)
    let reach = (half / 5.0).round() as i32;
    let mut coarse = (f32::MIN, 0.0f32, 0.0f32);
    let mut deg = -MAX_ROLL_DEG;
    while deg <= MAX_ROLL_DEG {
        for k in (-reach..=reach).step_by(2) {
            let s = score(deg, k as f32, 2);
            if s > coarse.0 {
                coarse = (s, deg, k as f32);
            }
        }
        deg += 3.0;
    }
    let mut best = (f32::MIN, 0.0f32, 0.0f32);
    for step in -3..=3 {
        let deg = (coarse.1 + step as f32 * 0.5).clamp(-MAX_ROLL_DEG, MAX_ROLL_DEG);
        for offset in [coarse.2 - 1.0, coarse.2, coarse.2 + 1.0] {
            let s = score(deg, offset, 1);
            if s > best.0 {
                best = (s, deg, offset);
            }
        }
    }
    let (s, deg, _) = best;
    let symmetry = s + ROLL_PENALTY_PER_DEG * deg.abs();
    (symmetry >= MIN_SYMMETRY).then_some(Roll { angle: deg.to_radians(), symmetry })
}

/// How rolls are smoothed along a track: a one-euro filter per track (see `smooth`), speeds in radians per second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RollSettings {
    /// Cutoff in Hz at rest.
    pub min_cutoff: f64,
    /// How fast the cutoff rises with the roll's speed, Hz per radian per second.
    pub beta: f64,
    pub d_cutoff: f64,
}

impl Default for RollSettings {
    fn default() -> Self {
        RollSettings { min_cutoff: 0.5, beta: 2.0, d_cutoff: 0.5 }
    }
}

/// The smoothed roll of each track: per-frame estimates are noisy (a blink, a hand), and a crop that turns a degree
/// each frame flickers after the swap.
#[derive(Debug, Clone)]
pub struct RollFilter {
    settings: RollSettings,
    /// Per track: its filter, the time of its last estimate, and its last smoothed roll.
    tracks: HashMap<u32, (OneEuro, f64, f32)>,
}

/// A track unseen this long is forgotten.
const FORGET_AFTER_S: f64 = 10.0;

impl RollFilter {
    pub fn new(settings: RollSettings) -> RollFilter {
        RollFilter { settings, tracks: HashMap::new() }
    }

    /// The smoothed roll of `track` at `time_s` given this frame's `estimate` (none: the last roll holds, or 0 for a
    /// new track).
    pub fn update(&mut self, track: u32, time_s: f64, estimate: Option<&Roll>) -> f32 {
        self.tracks.retain(|id, (_, last, _)| *id == track || time_s - *last < FORGET_AFTER_S);
        let s = self.settings;
        let entry =
            self.tracks.entry(track).or_insert_with(|| (OneEuro::new(s.min_cutoff, s.beta, s.d_cutoff), time_s, 0.0));
        let Some(roll) = estimate else {
            return entry.2;
        };
        let dt = time_s - entry.1;
        entry.1 = time_s;
        entry.2 = entry.0.filter(f64::from(roll.angle), dt, 1.0) as f32;
        entry.2
    }

    /// `window` (square to the frame, around the face of `track` with `margin`) turned by the track's smoothed roll
    /// at `time_s`, read from `picture` cut at `resolution`.
    pub fn turn(
        &mut self,
        picture: &RgbImage,
        window: Window,
        resolution: u32,
        margin: f32,
        track: u32,
        time_s: f64,
    ) -> Window {
        let square = crop::crop(picture, &window, resolution);
        let estimate = estimate(&square, crop::face_fraction(margin));
        window.rolled(self.update(track, time_s, estimate.as_ref()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::Rgb;

    /// A frame with a symmetric face-like pattern (two eyes, a nose, a mouth and an oval) rolled by `deg` about
    /// (cx, cy): drawn analytically, so the truth is exact.
    fn face_frame(deg: f32, cx: f32, cy: f32, radius: f32) -> RgbImage {
        let (sin, cos) = deg.to_radians().sin_cos();
        RgbImage::from_fn(200, 160, |x, y| {
            let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
            // Back into the face's upright frame (the inverse of the window's rotation).
            let (u, v) = ((cos * dx + sin * dy) / radius, (-sin * dx + cos * dy) / radius);
            let blob = |bx: f32, by: f32, rx: f32, ry: f32| ((u - bx) / rx).powi(2) + ((v - by) / ry).powi(2) < 1.0;
            let luma = if blob(-0.35, -0.2, 0.16, 0.08) || blob(0.35, -0.2, 0.16, 0.08) {
                30
            } else if blob(0.0, 0.45, 0.3, 0.07) {
                60
            } else if blob(0.0, 0.1, 0.06, 0.2) {
                110
            } else if blob(0.0, 0.0, 0.75, 1.0) {
                190
            } else {
                // An asymmetric background: a gradient and a bar, which the face-box region must keep out.
                (40 + x / 2 + if x > 170 { 60 } else { 0 }) as u8
            };
            Rgb([luma; 3])
        })
    }

    fn roll_of(frame: &RgbImage, cx: f32, cy: f32, radius: f32) -> Roll {
        let window = Window { cx, cy, side: radius * 3.0, angle: 0.0 };
        let c = crop::crop(frame, &window, 64);
        estimate(&c, 2.0 / 3.0).expect("the pattern is symmetric")
    }

    #[test]
    fn the_roll_of_a_rotated_symmetric_face_is_found_within_a_degree() {
        for deg in [-25.0f32, -12.0, -4.0, 0.0, 7.0, 18.0] {
            let frame = face_frame(deg, 100.0, 80.0, 30.0);
            let roll = roll_of(&frame, 100.0, 80.0, 30.0);
            assert!((roll.angle.to_degrees() - deg).abs() <= 1.0, "{deg}° read as {:.2}°", roll.angle.to_degrees());
            assert!(roll.symmetry > 0.8, "{deg}°: symmetry {}", roll.symmetry);
            // Cutting the window at that angle gives the face upright: symmetric with no further roll.
            let window = Window { cx: 100.0, cy: 80.0, side: 90.0, angle: roll.angle };
            let upright = estimate(&crop::crop(&frame, &window, 64), 2.0 / 3.0).unwrap();
            assert!(upright.angle.to_degrees().abs() <= 1.0, "{deg}°: left {:.2}°", upright.angle.to_degrees());
        }
    }

    #[test]
    fn an_off_centre_face_still_gives_its_roll() {
        // The face sits 4 px right of the window's centre: the axis offset absorbs it.
        let frame = face_frame(10.0, 104.0, 80.0, 30.0);
        let roll = roll_of(&frame, 100.0, 80.0, 30.0);
        assert!((roll.angle.to_degrees() - 10.0).abs() <= 1.5, "read {:.2}°", roll.angle.to_degrees());
    }

    #[test]
    fn a_crop_without_symmetry_gives_no_roll() {
        // A diagonal ramp: every mirror pair differs.
        let ramp = RgbImage::from_fn(64, 64, |x, y| Rgb([((x * 3 + y) % 256) as u8, (x * 4) as u8, (y * 2) as u8]));
        let noise = RgbImage::from_fn(64, 64, |x, y| {
            let h = (x.wrapping_mul(2_654_435_761) ^ y.wrapping_mul(40_503)).wrapping_mul(2_246_822_519);
            Rgb([(h >> 24) as u8; 3])
        });
        assert_eq!(estimate(&noise, 2.0 / 3.0), None);
        assert!(estimate(&ramp, 2.0 / 3.0).is_none_or(|r| r.symmetry < 0.9));
        assert_eq!(estimate(&RgbImage::new(4, 4), 2.0 / 3.0), None, "too small");
    }

    #[test]
    fn the_filter_holds_the_last_roll_through_misses_and_smooths_noise() {
        let mut f = RollFilter::new(RollSettings::default());
        let r = |deg: f32| Roll { angle: deg.to_radians(), symmetry: 0.9 };
        assert_eq!(f.update(1, 0.0, None), 0.0, "a new track without an estimate is upright");
        assert!((f.update(1, 0.04, Some(&r(10.0))).to_degrees() - 10.0).abs() < 1e-4, "the first estimate passes");
        let held = f.update(1, 0.08, None);
        assert!((held.to_degrees() - 10.0).abs() < 1e-4);
        // ±3° of alternating noise about 10° comes out well inside ±3°.
        let mut worst = 0.0f32;
        for k in 0..50 {
            let noisy = if k % 2 == 0 { 13.0 } else { 7.0 };
            let out = f.update(1, 0.12 + 0.04 * f64::from(k), Some(&r(noisy))).to_degrees();
            worst = worst.max((out - 10.0).abs());
        }
        assert!(worst < 1.5, "smoothed noise reaches {worst:.2}°");
        // Tracks are independent.
        assert!((f.update(2, 2.0, Some(&r(-5.0))).to_degrees() + 5.0).abs() < 1e-4);
    }
}

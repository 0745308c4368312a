//! The blend mask: how much of the swapped face replaces the frame at each point of the crop. Alpha falls off from
//! the face centre with a 2D sigmoid (radially, on elliptical rings), as in the Mona Lisa effect project's blending:
//! 1 at the centre, 0 at the crop's border, ½ at the inflection radius, the steepness set by the slope. So the seam
//! is spread over the cheeks and forehead instead of drawn as an edge.
//!
//! Owns the mask's shape only. It must not know pixels or where the crop came from.

use serde::{Deserialize, Serialize};

/// Parameters of the sigmoid mask. Radii are fractions of the crop's half side, measured from `midpoint`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BlendSettings {
    /// Steepness of the fall-off: alpha goes from 0.73 to 0.27 over 2/slope of the half side around the inflection.
    pub slope: f32,
    /// Radius at which alpha is one half (the sigmoid's inflection point).
    pub inflection: f32,
    /// Centre of the face in the crop, as fractions of its width and height (0.5, 0.5 is the middle).
    pub midpoint: (f32, f32),
    /// Horizontal radius ÷ vertical radius of the rings: faces are taller than wide, so below 1.
    pub aspect: f32,
}

impl Default for BlendSettings {
    fn default() -> Self {
        // With the default crop margin (face = 2/3 of the crop) the face box's edge lies at radius 0.67: alpha is
        // about 0.4 there and falls to 0 by the crop's border.
        BlendSettings { slope: 10.0, inflection: 0.62, midpoint: (0.5, 0.5), aspect: 0.85 }
    }
}

/// Per-pixel alpha in 0..=1 of a square crop, row-major.
#[derive(Debug, Clone, PartialEq)]
pub struct Mask {
    side: u32,
    alpha: Vec<f32>,
}

impl Mask {
    /// Alpha 1 everywhere (a hard paste; for tests and for measuring without blending).
    pub fn full(side: u32) -> Mask {
        Mask { side, alpha: vec![1.0; (side * side) as usize] }
    }

    /// The sigmoid mask of `settings` on a `side`-square crop.
    pub fn sigmoid(side: u32, settings: &BlendSettings) -> Mask {
        let alpha = (0..side * side)
            .map(|i| {
                let (u, v) = ((i % side) as f32 + 0.5, (i / side) as f32 + 0.5);
                settings.alpha(u / side as f32, v / side as f32)
            })
            .collect();
        Mask { side, alpha }
    }

    pub fn side(&self) -> u32 {
        self.side
    }

    /// The alpha values, row-major.
    pub fn values(&self) -> &[f32] {
        &self.alpha
    }

    /// Bilinear alpha at crop fractions `(fx, fy)` in 0..1 (pixel centres at (i + 0.5) / side).
    pub fn at(&self, fx: f32, fy: f32) -> f32 {
        let n = self.side as f32;
        let (x, y) = (fx * n - 0.5, fy * n - 0.5);
        let (x0, y0) = (x.floor(), y.floor());
        let (tx, ty) = (x - x0, y - y0);
        let last = self.side as i64 - 1;
        let get = |xx: f32, yy: f32| {
            let (xi, yi) = ((xx as i64).clamp(0, last), (yy as i64).clamp(0, last));
            self.alpha[(yi * (last + 1) + xi) as usize]
        };
        let top = get(x0, y0) + (get(x0 + 1.0, y0) - get(x0, y0)) * tx;
        let bottom = get(x0, y0 + 1.0) + (get(x0 + 1.0, y0 + 1.0) - get(x0, y0 + 1.0)) * tx;
        top + (bottom - top) * ty
    }
}

impl BlendSettings {
    /// Elliptical radius of crop fractions `(fx, fy)`: 0 at the midpoint, 1 at the crop's edge straight above or
    /// below it (and at `aspect` of the half width straight beside it).
    pub fn radius(&self, fx: f32, fy: f32) -> f32 {
        let dx = (fx - self.midpoint.0) / (0.5 * self.aspect.max(1e-3));
        let dy = (fy - self.midpoint.1) / 0.5;
        dx.hypot(dy)
    }

    /// Alpha at crop fractions `(fx, fy)`: the logistic of the radius, rescaled so that it is exactly 1 at the
    /// midpoint and 0 from radius 1 on (the crop's border), and clamped there.
    pub fn alpha(&self, fx: f32, fy: f32) -> f32 {
        let r = self.radius(fx, fy);
        if r >= 1.0 {
            return 0.0;
        }
        let s = |r: f32| 1.0 / (1.0 + (self.slope * (r - self.inflection)).exp());
        let (s0, s1) = (s(0.0), s(1.0));
        ((s(r) - s1) / (s0 - s1)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sigmoid_shape_one_at_centre_zero_at_border_half_at_inflection() {
        let settings = BlendSettings { slope: 10.0, inflection: 0.5, midpoint: (0.5, 0.5), aspect: 1.0 };
        assert!((settings.alpha(0.5, 0.5) - 1.0).abs() < 1e-6);
        assert_eq!(settings.alpha(0.5, 0.0), 0.0);
        assert_eq!(settings.alpha(0.0, 0.0), 0.0, "corners are outside radius 1");
        // Symmetric logistic around r = 0.5: exactly one half there.
        assert!((settings.alpha(0.5, 0.25) - 0.5).abs() < 1e-5, "{}", settings.alpha(0.5, 0.25));
        // The default (inflection 0.62) is one half within 0.02 at its inflection radius.
        let d = BlendSettings::default();
        assert!((d.alpha(0.5, 0.5 - 0.5 * d.inflection) - 0.5).abs() < 0.02);
    }

    #[test]
    fn mask_falls_monotonically_from_the_centre_along_every_ray() {
        let mask = Mask::sigmoid(64, &BlendSettings::default());
        let v = mask.values();
        assert!(v.iter().all(|a| (0.0..=1.0).contains(a)));
        // Along the middle row from the centre outward, and along the diagonal.
        for ray in [(1i32, 0i32), (0, 1), (-1, 0), (0, -1), (1, 1), (-1, -1)] {
            let mut last = f32::INFINITY;
            for k in 0..32 {
                let (x, y) = (32 + ray.0 * k, 32 + ray.1 * k);
                if !(0..64).contains(&x) || !(0..64).contains(&y) {
                    break;
                }
                let a = v[(y * 64 + x) as usize];
                assert!(a <= last + 1e-6, "ray {ray:?} step {k}: {a} after {last}");
                last = a;
            }
        }
        let border = (0..64).flat_map(|i| [v[i], v[63 * 64 + i], v[i * 64], v[i * 64 + 63]]);
        assert!(border.fold(0.0f32, f32::max) < 0.01, "border is ~0");
        assert!(v[32 * 64 + 32] > 0.99, "centre is ~1");
    }

    #[test]
    fn steeper_slope_gives_a_harder_edge() {
        let soft = BlendSettings { slope: 4.0, ..BlendSettings::default() };
        let hard = BlendSettings { slope: 30.0, ..BlendSettings::default() };
        // Inside the inflection radius the hard mask is nearer 1, outside nearer 0.
        assert!(hard.alpha(0.5, 0.5 - 0.5 * 0.4) > soft.alpha(0.5, 0.5 - 0.5 * 0.4));
        assert!(hard.alpha(0.5, 0.5 - 0.5 * 0.8) < soft.alpha(0.5, 0.5 - 0.5 * 0.8));
    }

    #[test]
    fn bilinear_lookup_matches_the_grid_at_pixel_centres() {
        let mask = Mask::sigmoid(16, &BlendSettings::default());
        for (i, a) in mask.values().iter().enumerate() {
            let (x, y) = ((i % 16) as f32 + 0.5, (i / 16) as f32 + 0.5);
            assert!((mask.at(x / 16.0, y / 16.0) - a).abs() < 1e-5);
        }
    }
}

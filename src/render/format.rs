//! The production format every segment is conformed to, and the geometry of fitting a picture into it.

/// The production format: picture size, frame rate, sound rate and encoder settings. Segments rendered with the same
/// `Format` share identical codec parameters, so they can be joined by remuxing.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    /// Frame width in pixels (even).
    pub width: u32,
    /// Frame height in pixels (even).
    pub height: u32,
    /// Frame rate numerator.
    pub fps_num: u32,
    /// Frame rate denominator.
    pub fps_den: u32,
    /// Audio sample rate in Hz.
    pub sample_rate: u32,
    /// x264 constant rate factor.
    pub crf: u8,
    /// x264 preset (`veryfast`, `medium`, ...).
    pub preset: String,
}

impl Default for Format {
    fn default() -> Self {
        Format {
            width: 1280,
            height: 720,
            fps_num: 24,
            fps_den: 1,
            sample_rate: 48_000,
            crf: 20,
            preset: "veryfast".into(),
        }
    }
}

impl Format {
    /// Frames per second.
    pub fn fps(&self) -> f64 {
        f64::from(self.fps_num) / f64::from(self.fps_den.max(1))
    }

    /// Number of output frames for `duration_s` seconds.
    pub fn frame_count(&self, duration_s: f64) -> u64 {
        (duration_s * self.fps()).round().max(0.0) as u64
    }

    /// Number of output samples for `duration_s` seconds.
    pub fn sample_count(&self, duration_s: f64) -> u64 {
        (duration_s * f64::from(self.sample_rate)).round().max(0.0) as u64
    }

    /// Frames in one GOP (two seconds).
    pub fn gop(&self) -> u32 {
        ((2.0 * self.fps()).round() as u32).max(1)
    }

    /// Why this format cannot be encoded, if it cannot.
    pub fn problem(&self) -> Option<String> {
        if self.width < 16 || self.height < 16 || !self.width.is_multiple_of(2) || !self.height.is_multiple_of(2) {
            return Some(format!("frame size {}x{} must be even and at least 16x16", self.width, self.height));
        }
        if self.fps_num == 0 || self.fps_den == 0 {
            return Some(format!("frame rate {}/{} is not positive", self.fps_num, self.fps_den));
        }
        if self.sample_rate == 0 {
            return Some("sample rate is zero".into());
        }
        None
    }
}

/// Where a picture goes inside the frame: the scaled size and its offset, all even (4:2:0 chroma).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Placement {
    pub width: u32,
    pub height: u32,
    pub x: u32,
    pub y: u32,
}

/// Fits a `width`×`height` picture with sample aspect ratio `sar` (1.0 for square pixels) inside `frame_w`×`frame_h`
/// keeping its display aspect, centred (the rest is letterbox or pillarbox).
pub fn fit(width: u32, height: u32, sar: f64, frame_w: u32, frame_h: u32) -> Placement {
    let sar = if sar.is_finite() && sar > 0.0 { sar } else { 1.0 };
    let display_aspect = f64::from(width.max(1)) * sar / f64::from(height.max(1));
    let frame_aspect = f64::from(frame_w) / f64::from(frame_h);
    let even = |v: f64, max: u32| ((v.round() as u32) & !1).clamp(2, max);
    let (w, h) = if display_aspect > frame_aspect {
        (frame_w, even(f64::from(frame_w) / display_aspect, frame_h))
    } else {
        (even(f64::from(frame_h) * display_aspect, frame_w), frame_h)
    };
    Placement { width: w, height: h, x: ((frame_w - w) / 2) & !1, y: ((frame_h - h) / 2) & !1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fits_wide_and_narrow_pictures() {
        assert_eq!(fit(1280, 720, 1.0, 1280, 720), Placement { width: 1280, height: 720, x: 0, y: 0 });
        assert_eq!(fit(640, 480, 1.0, 1280, 720), Placement { width: 960, height: 720, x: 160, y: 0 });
        assert_eq!(fit(640, 272, 1.0, 1280, 720), Placement { width: 1280, height: 544, x: 0, y: 88 });
        // Anamorphic 720x576 with 16:15 SAR is 4:3.
        assert_eq!(fit(720, 576, 16.0 / 15.0, 1280, 720), Placement { width: 960, height: 720, x: 160, y: 0 });
    }

    #[test]
    fn counts_frames_and_samples() {
        let f = Format::default();
        assert_eq!(f.frame_count(2.0), 48);
        assert_eq!(f.sample_count(2.0), 96_000);
        assert_eq!(f.gop(), 48);
        assert!(f.problem().is_none());
    }
}

//! Text cards (title card, end credits): white text centred on black, wrapped to the frame width, fading in and out,
//! with a silent sound track so every segment has the same streams. Text is rasterised with `fontdue`.

use std::path::{Path, PathBuf};

use super::RenderReport;
use super::encode::SegmentWriter;
use super::error::RenderError;
use super::format::Format;
use super::video::black_frame;

/// Where Debian's fonts-dejavu-core puts DejaVu Sans.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf";
/// Fraction of the frame width kept clear on each side.
const MARGIN: f32 = 0.08;
/// Line spacing as a multiple of the text size.
const LINE_SPACING: f32 = 1.3;
/// Longest fade in (and out), seconds; short cards fade over a quarter of their length each way.
const FADE_S: f64 = 0.5;

/// A TrueType font, loaded once and used for many cards.
pub struct Font {
    font: fontdue::Font,
    path: PathBuf,
}

impl Font {
    /// Loads a TTF/OTF file (see [`DEFAULT_FONT`]).
    pub fn load(path: &Path) -> Result<Self, RenderError> {
        let fail = |reason: String| RenderError::Font { path: path.into(), reason };
        let bytes = std::fs::read(path).map_err(|e| fail(e.to_string()))?;
        let font =
            fontdue::Font::from_bytes(bytes, fontdue::FontSettings::default()).map_err(|e| fail(e.to_string()))?;
        Ok(Font { font, path: path.into() })
    }

    /// The file the font came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn advance(&self, text: &str, size: f32) -> f32 {
        text.chars().map(|c| self.font.metrics(c, size).advance_width).sum()
    }

    /// Draws `text` in `color` onto an RGB picture, its baseline at `baseline`, starting at `x` (pixels).
    pub fn draw(&self, img: &mut image::RgbImage, text: &str, x: f32, baseline: f32, size: f32, color: [u8; 3]) {
        let mut pen = x;
        for c in text.chars() {
            let (metrics, bitmap) = self.font.rasterize(c, size);
            let gx = (pen + metrics.xmin as f32).round() as i64;
            let gy = (baseline - metrics.height as f32 - metrics.ymin as f32).round() as i64;
            for row in 0..metrics.height {
                for col in 0..metrics.width {
                    let (px, py) = (gx + col as i64, gy + row as i64);
                    if px < 0 || py < 0 || px >= i64::from(img.width()) || py >= i64::from(img.height()) {
                        continue;
                    }
                    let a = f32::from(bitmap[row * metrics.width + col]) / 255.0;
                    let pixel = img.get_pixel_mut(px as u32, py as u32);
                    for (channel, ink) in pixel.0.iter_mut().zip(color) {
                        *channel = (f32::from(*channel) * (1.0 - a) + f32::from(ink) * a).round() as u8;
                    }
                }
            }
            pen += metrics.advance_width;
        }
    }

    /// Splits `text` into lines no wider than `width` pixels (a word wider than that gets a line of its own).
    pub fn wrap(&self, text: &str, size: f32, width: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split_whitespace() {
            let candidate = if line.is_empty() { word.to_string() } else { format!("{line} {word}") };
            if !line.is_empty() && self.advance(&candidate, size) > width {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        if !line.is_empty() || lines.is_empty() {
            lines.push(line);
        }
        lines
    }
}

/// One line of a card.
#[derive(Debug, Clone, PartialEq)]
pub struct CardLine {
    pub text: String,
    /// Text size in pixels.
    pub size: f32,
}

/// Renders a card of `lines` (white on black, centred, wrapped) lasting `duration_s` seconds into `out`.
/// On error no partial file is left at `out`.
pub fn render_card(
    font: &Font,
    lines: &[CardLine],
    duration_s: f64,
    format: &Format,
    out: &Path,
) -> Result<RenderReport, RenderError> {
    let result = card(font, lines, duration_s, format, out);
    if result.is_err() {
        let _ = std::fs::remove_file(out);
    }
    result
}

fn card(
    font: &Font,
    lines: &[CardLine],
    duration_s: f64,
    format: &Format,
    out: &Path,
) -> Result<RenderReport, RenderError> {
    if !(duration_s.is_finite() && duration_s > 0.0) {
        return Err(RenderError::Spec { path: out.into(), reason: format!("bad card duration {duration_s} s") });
    }
    let luma = rasterise(font, lines, format.width, format.height);
    let frames = format.frame_count(duration_s);
    let samples = format.sample_count(duration_s) as usize;
    let fade_frames = ((FADE_S.min(duration_s / 4.0)) * format.fps()).round() as u64;
    let mut writer = SegmentWriter::create(out, format)?;
    let mut frame = black_frame(format.width, format.height);
    let mut last_level = None;
    let silence = vec![0.0f32; 2 * samples];
    let mut audio_written = 0usize;
    for k in 0..frames {
        let level = if fade_frames == 0 {
            1.0
        } else {
            let edge = k.min(frames - 1 - k);
            (edge as f32 / fade_frames as f32).min(1.0)
        };
        if last_level != Some(level) {
            frame = black_frame(format.width, format.height);
            paint(&mut frame, &luma, format.width as usize, level);
            last_level = Some(level);
        }
        writer.push_video(&mut frame, k as i64)?;
        let until = ((((k + 1) as f64) / format.fps() * f64::from(format.sample_rate)).round() as usize).min(samples);
        if until > audio_written {
            writer.push_audio(&silence[2 * audio_written..2 * until])?;
            audio_written = until;
        }
    }
    if audio_written < samples {
        writer.push_audio(&silence[2 * audio_written..])?;
    }
    writer.finish()?;
    Ok(RenderReport { frames, samples: samples as u64, held_frames: 0, duration_s: frames as f64 / format.fps() })
}

/// Text coverage (0–255) for the whole frame, `width * height`, text centred as a block.
fn rasterise(font: &Font, lines: &[CardLine], width: u32, height: u32) -> Vec<u8> {
    let (w, h) = (width as usize, height as usize);
    let mut coverage = vec![0u8; w * h];
    let max_width = width as f32 * (1.0 - 2.0 * MARGIN);
    let wrapped: Vec<(String, f32)> = lines
        .iter()
        .flat_map(|l| {
            let size = l.size.max(1.0);
            font.wrap(&l.text, size, max_width).into_iter().map(move |t| (t, size))
        })
        .collect();
    let block: f32 = wrapped.iter().map(|(_, size)| size * LINE_SPACING).sum();
    let mut top = (height as f32 - block) / 2.0;
    for (text, size) in &wrapped {
        let ascent = font.font.horizontal_line_metrics(*size).map_or(*size * 0.8, |m| m.ascent);
        let line_height = size * LINE_SPACING;
        // Baseline: the text's ascent below the top of its line, with the extra spacing split above and below.
        let baseline = top + (line_height - size) / 2.0 + ascent * (size / size.max(ascent));
        let mut x = (width as f32 - font.advance(text, *size)) / 2.0;
        for c in text.chars() {
            let (metrics, bitmap) = font.font.rasterize(c, *size);
            let gx = (x + metrics.xmin as f32).round() as i64;
            let gy = (baseline - metrics.height as f32 - metrics.ymin as f32).round() as i64;
            for row in 0..metrics.height {
                for col in 0..metrics.width {
                    let (px, py) = (gx + col as i64, gy + row as i64);
                    if px >= 0 && py >= 0 && (px as usize) < w && (py as usize) < h {
                        let cell = &mut coverage[py as usize * w + px as usize];
                        *cell = (*cell).max(bitmap[row * metrics.width + col]);
                    }
                }
            }
            x += metrics.advance_width;
        }
        top += line_height;
    }
    coverage
}

/// Paints white text of `coverage` at `level` (0–1) into the luma plane of a black yuv420p frame.
fn paint(frame: &mut ffmpeg_next::frame::Video, coverage: &[u8], width: usize, level: f32) {
    let stride = frame.stride(0);
    let luma = frame.data_mut(0);
    for (y, row) in coverage.chunks_exact(width).enumerate() {
        let line = &mut luma[y * stride..y * stride + width];
        for (out, &c) in line.iter_mut().zip(row) {
            // Limited range: 16 is black, 235 white.
            *out = 16 + (f32::from(c) * level * 219.0 / 255.0).round() as u8;
        }
    }
}

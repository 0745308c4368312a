//! The loss-curve picture: train loss (blue) and validation loss (red) against step (or any set of named curves), with axes, a few tick labels
//! in a built-in 3×5 bitmap font, and a legend, written as an RGB PNG. It must not read files or know about models.

use std::path::Path;

use crate::picture::glyph;

use super::checkpoint::write_atomic;
use super::error::{LmError, Result};
use super::train::Row;

const W: usize = 640;
const H: usize = 400;
const LEFT: usize = 60;
const RIGHT: usize = 20;
const TOP: usize = 20;
const BOTTOM: usize = 40;
const SCALE: usize = 2;

const WHITE: [u8; 3] = [255, 255, 255];
const BLACK: [u8; 3] = [0, 0, 0];
const GREY: [u8; 3] = [220, 220, 220];
pub const BLUE: [u8; 3] = [40, 90, 200];
pub const RED: [u8; 3] = [210, 50, 40];
pub const GREEN: [u8; 3] = [30, 150, 60];
pub const ORANGE: [u8; 3] = [230, 140, 20];

struct Canvas {
    pixels: Vec<u8>,
}

impl Canvas {
    fn new() -> Canvas {
        Canvas { pixels: WHITE.repeat(W * H) }
    }

    fn set(&mut self, x: i64, y: i64, color: [u8; 3]) {
        if (0..W as i64).contains(&x) && (0..H as i64).contains(&y) {
            let i = (y as usize * W + x as usize) * 3;
            self.pixels[i..i + 3].copy_from_slice(&color);
        }
    }

    fn line(&mut self, (x0, y0): (i64, i64), (x1, y1): (i64, i64), color: [u8; 3]) {
        let (dx, dy) = ((x1 - x0).abs(), -(y1 - y0).abs());
        let (sx, sy) = (if x0 < x1 { 1 } else { -1 }, if y0 < y1 { 1 } else { -1 });
        let (mut x, mut y, mut err) = (x0, y0, dx + dy);
        loop {
            self.set(x, y, color);
            if x == x1 && y == y1 {
                break;
            }
            let e2 = 2 * err;
            if e2 >= dy {
                err += dy;
                x += sx;
            }
            if e2 <= dx {
                err += dx;
                y += sy;
            }
        }
    }

    /// Draws `text` with its top-left corner at `(x, y)`; characters without a glyph are left blank.
    fn text(&mut self, x: i64, y: i64, text: &str, color: [u8; 3]) {
        for (n, c) in text.chars().enumerate() {
            let Some(rows) = glyph(c) else { continue };
            for (r, bits) in rows.iter().enumerate() {
                for col in 0..3 {
                    if bits & (0b100 >> col) != 0 {
                        for (px, py) in (0..SCALE).flat_map(|a| (0..SCALE).map(move |b| (a, b))) {
                            let gx = x + (n * 4 * SCALE + col * SCALE + px) as i64;
                            self.set(gx, y + (r * SCALE + py) as i64, color);
                        }
                    }
                }
            }
        }
    }
}

fn text_width(text: &str) -> i64 {
    (text.chars().count() * 4 * SCALE) as i64
}

/// Three or so round tick values covering `lo..=hi`.
fn ticks(lo: f64, hi: f64) -> Vec<f64> {
    let span = (hi - lo).max(1e-9);
    let raw = span / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let mut t = (lo / step).ceil() * step;
    let mut out = Vec::new();
    while t <= hi + step * 1e-9 && out.len() < 12 {
        out.push(t);
        t += step;
    }
    out
}

/// Formats tick `v` with as many decimals as the tick spacing needs, so one axis reads uniformly.
fn label(v: f64, spacing: f64) -> String {
    let decimals = if spacing >= 1.0 { 0 } else { (-spacing.log10()).ceil() as usize };
    format!("{v:.decimals$}")
}

fn spacing(ticks: &[f64]) -> f64 {
    match ticks {
        [a, b, ..] => b - a,
        _ => 1.0,
    }
}

/// One curve of a plot: its legend name, colour and `(x, y)` points; `markers` draws a dot at each point (for sparse
/// evaluations, so that a single point still shows).
pub struct Series<'a> {
    pub name: &'a str,
    pub color: [u8; 3],
    pub points: Vec<(f64, f64)>,
    pub markers: bool,
}

/// Renders the train (blue) and validation (red) loss curves as PNG bytes.
pub fn render(rows: &[Row]) -> Vec<u8> {
    let train: Vec<(f64, f64)> = rows.iter().map(|r| (r.step as f64, r.train_loss as f64)).collect();
    let val: Vec<(f64, f64)> = rows.iter().filter_map(|r| Some((r.step as f64, r.val_loss? as f64))).collect();
    render_series(
        &[
            Series { name: "train", color: BLUE, points: train, markers: false },
            Series { name: "val", color: RED, points: val, markers: true },
        ],
        "loss",
    )
}

/// Renders any number of curves against step on one pair of axes, with `y_label` over the y axis, as PNG bytes.
pub fn render_series(series: &[Series], y_label: &str) -> Vec<u8> {
    let mut canvas = Canvas::new();
    let all = series.iter().flat_map(|s| &s.points).filter(|p| p.1.is_finite());
    let (mut x0, mut x1, mut y0, mut y1) = (f64::MAX, f64::MIN, f64::MAX, f64::MIN);
    for &(x, y) in all {
        (x0, x1, y0, y1) = (x0.min(x), x1.max(x), y0.min(y), y1.max(y));
    }
    if x0 > x1 {
        (x0, x1, y0, y1) = (0.0, 1.0, 0.0, 1.0);
    }
    if x1 - x0 < 1.0 {
        x1 = x0 + 1.0;
    }
    let pad = ((y1 - y0) * 0.05).max(0.01);
    (y0, y1) = ((y0 - pad).max(0.0), y1 + pad);
    let (pw, ph) = ((W - LEFT - RIGHT) as f64, (H - TOP - BOTTOM) as f64);
    let px = |x: f64| LEFT as i64 + ((x - x0) / (x1 - x0) * pw).round() as i64;
    let py = |y: f64| (TOP as f64 + (1.0 - (y - y0) / (y1 - y0)) * ph).round() as i64;
    let (left, right, top, bottom) = (LEFT as i64, (W - RIGHT) as i64, TOP as i64, (H - BOTTOM) as i64);

    let y_ticks = ticks(y0, y1);
    for &t in &y_ticks {
        let y = py(t);
        canvas.line((left, y), (right, y), GREY);
        canvas.line((left - 4, y), (left, y), BLACK);
        let s = label(t, spacing(&y_ticks));
        canvas.text(left - 8 - text_width(&s), y - 5, &s, BLACK);
    }
    let x_ticks = ticks(x0, x1);
    for &t in &x_ticks {
        let x = px(t);
        canvas.line((x, bottom), (x, bottom + 4), BLACK);
        let s = label(t, spacing(&x_ticks));
        canvas.text(x - text_width(&s) / 2, bottom + 8, &s, BLACK);
    }
    canvas.line((left, top), (left, bottom), BLACK);
    canvas.line((left, bottom), (right, bottom), BLACK);
    canvas.text(right - text_width("step"), bottom + 24, "step", BLACK);
    canvas.text(4, top - 14, y_label, BLACK);

    for s in series {
        for w in s.points.windows(2) {
            canvas.line((px(w[0].0), py(w[0].1)), (px(w[1].0), py(w[1].1)), s.color);
        }
        if s.markers {
            for &(x, y) in &s.points {
                for (dx, dy) in (-2..=2).flat_map(|a| (-2..=2).map(move |b| (a, b))) {
                    canvas.set(px(x) + dx, py(y) + dy, s.color);
                }
            }
        }
    }
    let legend_x = right - 40 - series.iter().map(|s| text_width(s.name)).max().unwrap_or(0);
    for (n, s) in series.iter().enumerate() {
        let y = top + 8 + 16 * n as i64;
        canvas.line((legend_x - 30, y + 4), (legend_x - 10, y + 4), s.color);
        canvas.line((legend_x - 30, y + 5), (legend_x - 10, y + 5), s.color);
        canvas.text(legend_x, y, s.name, BLACK);
    }
    encode_png(&canvas.pixels)
}

fn encode_png(pixels: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut encoder = png::Encoder::new(&mut out, W as u32, H as u32);
    encoder.set_color(png::ColorType::Rgb);
    encoder.set_depth(png::BitDepth::Eight);
    // Writing to memory fails only on a size mismatch, which the canvas rules out.
    if let Ok(mut writer) = encoder.write_header() {
        let _ = writer.write_image_data(pixels);
    }
    out
}

pub fn write_loss_png(path: &Path, rows: &[Row]) -> Result<()> {
    write_png(path, render(rows))
}

/// Writes PNG bytes made by [`render`] or [`render_series`] atomically.
pub fn write_png(path: &Path, bytes: Vec<u8>) -> Result<()> {
    if bytes.is_empty() {
        return Err(LmError::InvalidConfig {
            field: "plot",
            value: path.display().to_string(),
            reason: "PNG encoding failed",
        });
    }
    write_atomic(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_and_cover_the_range() {
        let check = |lo, hi, expected: &[f64]| assert_eq!(ticks(lo, hi), expected, "{lo}..{hi}");
        assert_eq!(label(3.5, 0.5), "3.5");
        assert_eq!(label(4.0, 0.5), "4.0");
        assert_eq!(label(150.0, 50.0), "150");
        check(0.0, 100.0, &[0.0, 50.0, 100.0]);
        check(1.3, 4.2, &[2.0, 3.0, 4.0]);
        check(1.0, 2.0, &[1.0, 1.5, 2.0]);
    }

    #[test]
    fn renders_a_decodable_png_with_both_curves() {
        let rows: Vec<Row> = (1..=50)
            .map(|s| Row {
                step: s,
                train_loss: 4.0 / (s as f32).sqrt(),
                val_loss: (s % 10 == 0).then(|| 4.2 / (s as f32).sqrt()),
                lr: 1e-3,
                tokens_per_s: 1.0,
            })
            .collect();
        let bytes = render(&rows);
        let decoder = png::Decoder::new(bytes.as_slice());
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size()];
        let info = reader.next_frame(&mut buf).unwrap();
        assert_eq!((info.width, info.height), (W as u32, H as u32));
        let count = |c: [u8; 3]| buf.chunks(3).filter(|p| *p == c).count();
        assert!(count(BLUE) > 100 && count(RED) > 50, "blue {} red {}", count(BLUE), count(RED));
        assert!(!render(&[]).is_empty());
    }
}

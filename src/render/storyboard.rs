//! Storyboards: one still per shot of the cut in a grid, each captioned with its number, kind, length and text, so
//! a person can read the film at a glance. Text is set in the cards' TrueType font.

use image::{Rgb, RgbImage, imageops};

use super::card::Font;

/// Width and height of a still on the board (16:9).
pub const PANEL_W: u32 = 320;
pub const PANEL_H: u32 = 180;
const CAPTION_H: u32 = 64;
const GAP: u32 = 10;
const HEADER_H: u32 = 44;
const BACKGROUND: [u8; 3] = [18, 18, 18];
const MISSING: [u8; 3] = [60, 60, 60];
const INK: [u8; 3] = [235, 235, 235];
const DIM: [u8; 3] = [150, 150, 150];

/// One shot on the board.
#[derive(Debug, Clone)]
pub struct Panel {
    /// The still, any size (fitted into the panel); `None` leaves a grey panel.
    pub still: Option<RgbImage>,
    /// First caption line, e.g. `3  dialogue  H  4.2 s`.
    pub heading: String,
    /// The shot's text, wrapped onto the lines below.
    pub text: String,
}

/// Lays out `panels` in rows of `columns` under a `title`.
pub fn storyboard(font: &Font, title: &str, panels: &[Panel], columns: usize) -> RgbImage {
    let columns = columns.clamp(1, panels.len().max(1)) as u32;
    let rows = (panels.len() as u32).div_ceil(columns).max(1);
    let width = GAP + columns * (PANEL_W + GAP);
    let height = HEADER_H + GAP + rows * (PANEL_H + CAPTION_H + GAP);
    let mut board = RgbImage::from_pixel(width, height, Rgb(BACKGROUND));
    font.draw(&mut board, title, GAP as f32, 30.0, 26.0, INK);
    for (i, panel) in panels.iter().enumerate() {
        let (col, row) = (i as u32 % columns, i as u32 / columns);
        let (x, y) = (GAP + col * (PANEL_W + GAP), HEADER_H + GAP + row * (PANEL_H + CAPTION_H + GAP));
        match &panel.still {
            Some(still) => {
                let fitted = fit(still);
                let (dx, dy) = ((PANEL_W - fitted.width()) / 2, (PANEL_H - fitted.height()) / 2);
                imageops::replace(&mut board, &fitted, i64::from(x + dx), i64::from(y + dy));
            }
            None => {
                let grey = RgbImage::from_pixel(PANEL_W, PANEL_H, Rgb(MISSING));
                imageops::replace(&mut board, &grey, i64::from(x), i64::from(y));
            }
        }
        let top = (y + PANEL_H) as f32;
        font.draw(&mut board, &panel.heading, x as f32, top + 16.0, 14.0, INK);
        for (k, line) in font.wrap(&panel.text, 12.0, PANEL_W as f32).iter().take(3).enumerate() {
            font.draw(&mut board, line, x as f32, top + 32.0 + 14.0 * k as f32, 12.0, DIM);
        }
    }
    board
}

/// `still` resized to fit inside the panel, its aspect kept.
fn fit(still: &RgbImage) -> RgbImage {
    let (w, h) = (still.width().max(1) as f32, still.height().max(1) as f32);
    let scale = (PANEL_W as f32 / w).min(PANEL_H as f32 / h);
    let (fw, fh) = (((w * scale).round() as u32).clamp(1, PANEL_W), ((h * scale).round() as u32).clamp(1, PANEL_H));
    imageops::resize(still, fw, fh, imageops::FilterType::Triangle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::DEFAULT_FONT;

    #[test]
    fn panels_sit_in_a_grid_with_their_captions() {
        let Ok(font) = Font::load(std::path::Path::new(DEFAULT_FONT)) else {
            eprintln!("skipped: {DEFAULT_FONT} is missing (make deps installs fonts-dejavu-core)");
            return;
        };
        let red = RgbImage::from_pixel(64, 36, Rgb([200, 0, 0]));
        let panels = vec![
            Panel { still: Some(red), heading: "0  title  3.0 s".into(), text: "Sunspring".into() },
            Panel { still: None, heading: "1  action  4.0 s".into(), text: "A book pulled from a shelf.".into() },
            Panel { still: None, heading: "2".into(), text: String::new() },
        ];
        let board = storyboard(&font, "Sunspring", &panels, 2);
        assert_eq!(board.width(), GAP + 2 * (PANEL_W + GAP));
        assert_eq!(board.height(), HEADER_H + GAP + 2 * (PANEL_H + CAPTION_H + GAP));
        let at = |x: u32, y: u32| board.get_pixel(x, y).0;
        assert_eq!(at(GAP + PANEL_W / 2, HEADER_H + GAP + PANEL_H / 2), [200, 0, 0]);
        assert_eq!(at(2 * GAP + PANEL_W + 5, HEADER_H + GAP + 5), MISSING);
        // The caption under the first panel has ink in it.
        let caption = HEADER_H + GAP + PANEL_H;
        let inked = (GAP..GAP + PANEL_W).any(|x| (caption..caption + CAPTION_H).any(|y| at(x, y)[0] > 120));
        assert!(inked);
    }
}

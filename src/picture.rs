//! Small drawing helpers shared by the pictures reel makes (loss curves, contact sheets): a 3×5 bitmap font that
//! needs no font files, and text drawn with it onto an RGB image.

use image::{Rgb, RgbImage};

/// 3×5 glyphs, one row per entry, high bit on the left.
pub fn glyph(c: char) -> Option<[u8; 5]> {
    Some(match c {
        '0' => [7, 5, 5, 5, 7],
        '1' => [2, 6, 2, 2, 7],
        '2' => [7, 1, 7, 4, 7],
        '3' => [7, 1, 7, 1, 7],
        '4' => [5, 5, 7, 1, 1],
        '5' => [7, 4, 7, 1, 7],
        '6' => [7, 4, 7, 5, 7],
        '7' => [7, 1, 1, 2, 2],
        '8' => [7, 5, 7, 5, 7],
        '9' => [7, 5, 7, 1, 7],
        '.' => [0, 0, 0, 0, 2],
        ':' => [0, 2, 0, 2, 0],
        '-' => [0, 0, 7, 0, 0],
        '>' => [4, 2, 1, 2, 4],
        'a' => [0, 6, 1, 7, 7],
        'b' => [4, 6, 5, 5, 6],
        'd' => [1, 3, 5, 5, 3],
        'e' => [7, 5, 7, 4, 7],
        'h' => [4, 6, 5, 5, 5],
        'i' => [2, 0, 2, 2, 2],
        'k' => [4, 5, 6, 5, 5],
        'l' => [6, 2, 2, 2, 7],
        'm' => [0, 7, 7, 5, 5],
        'n' => [0, 6, 5, 5, 5],
        'o' => [0, 7, 5, 5, 7],
        'p' => [7, 5, 7, 4, 4],
        'r' => [0, 7, 4, 4, 4],
        's' => [7, 4, 7, 1, 7],
        't' => [4, 7, 4, 4, 3],
        'v' => [0, 5, 5, 5, 2],
        _ => return None,
    })
}

/// Draws `text` with its top-left corner at `(x, y)`, each font pixel `scale` pixels wide; characters without a
/// glyph are left blank.
pub fn draw_text(img: &mut RgbImage, x: u32, y: u32, text: &str, scale: u32, color: [u8; 3]) {
    for (n, c) in text.chars().enumerate() {
        let Some(rows) = glyph(c) else { continue };
        for (r, bits) in rows.iter().enumerate() {
            for col in 0..3u32 {
                if bits & (0b100 >> col) == 0 {
                    continue;
                }
                for (px, py) in (0..scale).flat_map(|a| (0..scale).map(move |b| (a, b))) {
                    let gx = x + (n as u32 * 4 + col) * scale + px;
                    let gy = y + r as u32 * scale + py;
                    if gx < img.width() && gy < img.height() {
                        img.put_pixel(gx, gy, Rgb(color));
                    }
                }
            }
        }
    }
}

//! The preview grid a person looks at while a model trains: one row per label (A, A→A, A→B, B, B→B, B→A), the same
//! crops in every column (the trainer puts held-out crops in the left half, training crops in the right), labels
//! drawn on the left in the shared bitmap font, written as a PNG atomically. It must not run models.

use std::io::Cursor;
use std::path::Path;

use image::{Rgb, RgbImage};

use super::error::{FaceswapError, Result};
use crate::picture::draw_text;

const LABEL_W: u32 = 44;
const GAP: u32 = 2;
const BACKGROUND: [u8; 3] = [32, 32, 32];
const INK: [u8; 3] = [240, 240, 240];

/// Lays out `rows` (label, crops of one size) as a grid. Rows may have different lengths; empty cells stay dark.
pub fn grid(rows: &[(&str, Vec<RgbImage>)]) -> RgbImage {
    let side = rows.iter().flat_map(|r| r.1.first()).map(|c| c.width()).next().unwrap_or(1);
    let cols = rows.iter().map(|r| r.1.len()).max().unwrap_or(0) as u32;
    let width = LABEL_W + cols * (side + GAP) + GAP;
    let height = rows.len() as u32 * (side + GAP) + GAP;
    let mut out = RgbImage::from_pixel(width, height, Rgb(BACKGROUND));
    for (r, (label, crops)) in rows.iter().enumerate() {
        let top = GAP + r as u32 * (side + GAP);
        draw_text(&mut out, 4, top + side / 2 - 5, label, 2, INK);
        for (c, crop) in crops.iter().enumerate() {
            image::imageops::replace(&mut out, crop, i64::from(LABEL_W + c as u32 * (side + GAP)), i64::from(top));
        }
    }
    out
}

/// `img` drawn `factor` times larger, each pixel a `factor × factor` block.
pub fn magnify(img: &RgbImage, factor: u32) -> RgbImage {
    if factor <= 1 {
        return img.clone();
    }
    image::imageops::resize(img, img.width() * factor, img.height() * factor, image::imageops::FilterType::Nearest)
}

/// Encodes `img` as PNG and writes it to `path` atomically.
pub fn write_png(path: &Path, img: &RgbImage) -> Result<()> {
    let mut bytes = Vec::new();
    img.write_to(&mut Cursor::new(&mut bytes), image::ImageFormat::Png)
        .map_err(|e| FaceswapError::Io { path: path.to_path_buf(), source: std::io::Error::other(e) })?;
    crate::atomic::write(path, &bytes).map_err(FaceswapError::io(path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_and_columns_land_where_expected() {
        let red = RgbImage::from_pixel(8, 8, Rgb([255, 0, 0]));
        let blue = RgbImage::from_pixel(8, 8, Rgb([0, 0, 255]));
        let img = grid(&[("a", vec![red.clone(), red]), ("b->a", vec![blue])]);
        assert_eq!(img.dimensions(), (LABEL_W + 2 * 10 + GAP, 2 * 10 + GAP));
        assert_eq!(img.get_pixel(LABEL_W + 10 + 3, GAP + 3).0, [255, 0, 0]);
        assert_eq!(img.get_pixel(LABEL_W + 3, GAP + 10 + 3).0, [0, 0, 255]);
        assert_eq!(img.get_pixel(LABEL_W + 10 + 3, GAP + 10 + 3).0, BACKGROUND);
        assert!(img.pixels().any(|p| p.0 == INK), "labels are drawn");
        let checker = RgbImage::from_fn(2, 2, |x, y| Rgb([((x + y) % 2 * 255) as u8, 0, 0]));
        let big = magnify(&checker, 3);
        assert_eq!(big.dimensions(), (6, 6));
        assert_eq!((big.get_pixel(2, 2).0, big.get_pixel(3, 2).0), ([0, 0, 0], [255, 0, 0]), "blocks, no blur");
        let dir = tempfile::tempdir().unwrap();
        write_png(&dir.path().join("p.png"), &img).unwrap();
        assert_eq!(image::open(dir.path().join("p.png")).unwrap().to_rgb8(), img);
    }
}

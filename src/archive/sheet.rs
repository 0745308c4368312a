//! Contact sheets: the thumbnails of a set of shots in a grid, each labelled with its shot id and time range, so a
//! person can look at what a query found instead of reading it.

use std::path::{Path, PathBuf};

use image::{Rgb, RgbImage, imageops};

use crate::picture::draw_text;

const CELL_W: u32 = 192;
const CELL_H: u32 = 108;
const LABEL_H: u32 = 16;
const GAP: u32 = 6;
const BACKGROUND: [u8; 3] = [24, 24, 24];
const MISSING: [u8; 3] = [70, 70, 70];
const INK: [u8; 3] = [235, 235, 235];

/// One picture on the sheet.
#[derive(Debug, Clone)]
pub struct SheetEntry {
    /// The keyframe; a missing or unreadable file leaves a grey cell.
    pub thumbnail: Option<PathBuf>,
    /// Drawn under the picture: digits, `.`, `:` and `-` (e.g. `12 3.00-6.00`).
    pub label: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("nothing to put on the contact sheet")]
    Empty,
    #[error("cannot write the contact sheet {path}: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: image::ImageError,
    },
}

/// Lays out `entries` in rows of `columns`, letterboxing each thumbnail into its cell.
pub fn contact_sheet(entries: &[SheetEntry], columns: usize) -> Result<RgbImage, SheetError> {
    if entries.is_empty() {
        return Err(SheetError::Empty);
    }
    let columns = columns.clamp(1, entries.len()) as u32;
    let rows = (entries.len() as u32).div_ceil(columns);
    let width = GAP + columns * (CELL_W + GAP);
    let height = GAP + rows * (CELL_H + LABEL_H + GAP);
    let mut sheet = RgbImage::from_pixel(width, height, Rgb(BACKGROUND));
    for (i, entry) in entries.iter().enumerate() {
        let (col, row) = (i as u32 % columns, i as u32 / columns);
        let (x, y) = (GAP + col * (CELL_W + GAP), GAP + row * (CELL_H + LABEL_H + GAP));
        match entry.thumbnail.as_deref().and_then(|p| image::open(p).ok()) {
            Some(picture) => {
                let fitted = picture.thumbnail(CELL_W, CELL_H).to_rgb8();
                let (dx, dy) = ((CELL_W - fitted.width()) / 2, (CELL_H - fitted.height()) / 2);
                imageops::replace(&mut sheet, &fitted, i64::from(x + dx), i64::from(y + dy));
            }
            None => {
                let grey = RgbImage::from_pixel(CELL_W, CELL_H, Rgb(MISSING));
                imageops::replace(&mut sheet, &grey, i64::from(x), i64::from(y));
            }
        }
        draw_text(&mut sheet, x + 2, y + CELL_H + 3, &entry.label, 2, INK);
    }
    Ok(sheet)
}

/// Writes `sheet` as a PNG, atomically.
pub fn write_png(sheet: &RgbImage, path: &Path) -> Result<(), SheetError> {
    let temp = crate::atomic::temp_path(path, &std::process::id().to_string());
    let written = sheet
        .save_with_format(&temp, image::ImageFormat::Png)
        .and_then(|()| crate::atomic::commit(&temp, path).map_err(image::ImageError::IoError));
    written.map_err(|source| {
        let _ = std::fs::remove_file(&temp);
        SheetError::Write { path: path.to_path_buf(), source }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_a_grid_with_grey_cells_for_missing_pictures() {
        let entries: Vec<SheetEntry> =
            (0..5).map(|i| SheetEntry { thumbnail: None, label: format!("{i} 0.00-1.00") }).collect();
        let sheet = contact_sheet(&entries, 3).unwrap();
        assert_eq!((sheet.width(), sheet.height()), (GAP + 3 * (CELL_W + GAP), GAP + 2 * (CELL_H + LABEL_H + GAP)));
        assert_eq!(sheet.get_pixel(GAP + 1, GAP + 1).0, MISSING);
        assert_eq!(sheet.get_pixel(0, 0).0, BACKGROUND);
        let label_row = GAP + CELL_H + 3;
        let inked = (GAP..GAP + CELL_W).any(|x| (label_row..label_row + 10).any(|y| sheet.get_pixel(x, y).0 == INK));
        assert!(inked, "the label is drawn");
        assert!(matches!(contact_sheet(&[], 3), Err(SheetError::Empty)));
    }
}

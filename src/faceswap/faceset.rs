//! Reading a face set: a folder of square PNG crops (`000000.png`, …, written by `faces`), beside its `faces.json`
//! and contact sheet `sheet.png` (which is not a crop and is skipped). Crops are read in name order and resized to
//! the model's resolution when theirs differs. A crop that cannot be used is skipped and noted, never fatal; a set
//! with no usable crop is an error naming the folder. The deterministic held-out split lives here too. It must not
//! detect, extract or augment.

use std::fs;
use std::path::{Path, PathBuf};

use image::RgbImage;
use image::imageops::FilterType;

use super::error::{FaceswapError, Result};

/// The contact sheet `faces` writes beside the crops.
pub const SHEET: &str = "sheet.png";

/// The crops of one identity at one resolution.
#[derive(Debug, Clone)]
pub struct FaceSet {
    pub dir: PathBuf,
    /// The crop files, in name order, one per entry of `crops`.
    pub files: Vec<PathBuf>,
    pub crops: Vec<RgbImage>,
    /// Files that were skipped, with why.
    pub skipped: Vec<(PathBuf, String)>,
    /// The crops were cut upright, as the set's manifest says (a folder without one is not).
    pub upright: bool,
}

/// The PNG crop files of a face-set folder, in name order (the contact sheet and hidden files excluded).
pub fn crop_files(dir: &Path) -> Result<Vec<PathBuf>> {
    let not = |reason: String| FaceswapError::NotAFaceSet { dir: dir.to_path_buf(), reason };
    if !dir.is_dir() {
        return Err(not("no such folder".into()));
    }
    let entries = fs::read_dir(dir).map_err(|e| not(e.to_string()))?;
    let mut files: Vec<PathBuf> = entries
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            p.extension().is_some_and(|e| e.eq_ignore_ascii_case("png")) && name != SHEET && !name.starts_with('.')
        })
        .collect();
    files.sort();
    Ok(files)
}

impl FaceSet {
    /// Reads every crop of `dir` at `res`×`res`.
    pub fn load(dir: &Path, res: u32) -> Result<FaceSet> {
        let mut set = FaceSet {
            dir: dir.to_path_buf(),
            files: Vec::new(),
            crops: Vec::new(),
            skipped: Vec::new(),
            upright: crate::faces::set::is_upright(dir),
        };
        for path in crop_files(dir)? {
            match read_crop(&path, res) {
                Ok(img) => {
                    set.files.push(path);
                    set.crops.push(img);
                }
                Err(why) => set.skipped.push((path, why)),
            }
        }
        if set.crops.is_empty() {
            let skipped = match set.skipped.first() {
                Some((path, why)) => format!(" ({} skipped; first: {}: {why})", set.skipped.len(), path.display()),
                None => " (no *.png files)".to_string(),
            };
            return Err(FaceswapError::EmptyFaceSet { dir: dir.to_path_buf(), skipped });
        }
        Ok(set)
    }

    pub fn len(&self) -> usize {
        self.crops.len()
    }

    pub fn is_empty(&self) -> bool {
        self.crops.is_empty()
    }

    /// Splits off the held-out crops: the last `max(2, n / 10)` in name order (a contiguous stretch, so held-out
    /// frames are not neighbours of training frames except at one end). Returns `(train, held_out)` indices.
    /// Needs at least 4 crops so that each side keeps 2.
    pub fn split(&self) -> Result<(Vec<usize>, Vec<usize>)> {
        let n = self.len();
        if n < 4 {
            return Err(FaceswapError::TooFewCrops { dir: self.dir.clone(), count: n, need: 4 });
        }
        let held = (n / 10).max(2);
        Ok(((0..n - held).collect(), (n - held..n).collect()))
    }
}

fn read_crop(path: &Path, res: u32) -> std::result::Result<RgbImage, String> {
    let img = image::open(path).map_err(|e| e.to_string())?.to_rgb8();
    if img.width() != img.height() {
        return Err(format!("not square ({}x{})", img.width(), img.height()));
    }
    if img.width() == res {
        return Ok(img);
    }
    Ok(image::imageops::resize(&img, res, res, FilterType::CatmullRom))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn save(dir: &Path, name: &str, w: u32, h: u32) {
        RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7])).save(dir.join(name)).unwrap();
    }

    #[test]
    fn reads_crops_in_order_resizes_and_skips_what_it_cannot_use() {
        let dir = tempfile::tempdir().unwrap();
        for i in [2, 0, 1, 3] {
            save(dir.path(), &format!("{i:06}.png"), 64, 64);
        }
        save(dir.path(), "000004.png", 128, 128);
        save(dir.path(), "000005.png", 64, 32);
        save(dir.path(), SHEET, 256, 256);
        fs::write(dir.path().join("000006.png"), b"not a png").unwrap();
        fs::write(dir.path().join("faces.json"), b"{}").unwrap();
        let set = FaceSet::load(dir.path(), 32).unwrap();
        assert!(!set.upright, "a manifest that does not say is not upright");
        let names: Vec<String> = set.files.iter().map(|p| p.file_name().unwrap().to_string_lossy().into()).collect();
        assert_eq!(names, ["000000.png", "000001.png", "000002.png", "000003.png", "000004.png"]);
        assert!(set.crops.iter().all(|c| c.dimensions() == (32, 32)));
        let skipped: Vec<&str> = set.skipped.iter().map(|(_, why)| why.as_str()).collect();
        assert_eq!(skipped.len(), 2, "{skipped:?}");
        assert!(skipped[0].contains("not square"), "{skipped:?}");
        assert_eq!(set.split().unwrap(), (vec![0, 1, 2], vec![3, 4]));
    }

    #[test]
    fn the_manifest_says_whether_the_crops_are_upright() {
        let dir = tempfile::tempdir().unwrap();
        for i in 0..4 {
            save(dir.path(), &format!("{i:06}.png"), 32, 32);
        }
        assert!(!FaceSet::load(dir.path(), 32).unwrap().upright, "no manifest");
        let manifest = r#"{"version": 1, "settings": {"resolution": 32, "upright": true}}"#;
        fs::write(dir.path().join("faces.json"), manifest).unwrap();
        assert!(FaceSet::load(dir.path(), 32).unwrap().upright);
        fs::write(dir.path().join("faces.json"), manifest.replace("true", "false")).unwrap();
        assert!(!FaceSet::load(dir.path(), 32).unwrap().upright);
    }

    #[test]
    fn an_empty_or_missing_set_is_an_error_naming_it() {
        let dir = tempfile::tempdir().unwrap();
        let err = FaceSet::load(dir.path(), 64).unwrap_err();
        assert!(matches!(err, FaceswapError::EmptyFaceSet { .. }), "{err}");
        assert!(err.to_string().contains(&dir.path().display().to_string()), "{err}");
        let missing = dir.path().join("nobody");
        let err = FaceSet::load(&missing, 64).unwrap_err();
        assert!(err.to_string().contains("nobody") && err.to_string().contains("no such folder"), "{err}");
        save(dir.path(), "000000.png", 8, 8);
        let err = FaceSet::load(dir.path(), 8).unwrap().split().unwrap_err();
        assert!(matches!(err, FaceswapError::TooFewCrops { count: 1, .. }), "{err}");
    }
}

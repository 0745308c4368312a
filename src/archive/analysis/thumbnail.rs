//! Keyframe thumbnails: encodes a shot's middle frame as a JPEG and writes it atomically (temp file beside the
//! target, then rename), so a reader never sees half a picture.
//!
//! Owns image encoding and the file write. Must not decode video or choose which frame is the keyframe (that is
//! `mod.rs`, which knows the shots).

use std::fs::{self, File};
use std::io::{self, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use image::ExtendedColorType;
use image::codecs::jpeg::JpegEncoder;

use super::decode::RgbFrame;
use super::error::AnalysisError;

/// Thumbnail width in pixels (height keeps the aspect).
pub const THUMBNAIL_WIDTH: u32 = 320;
const JPEG_QUALITY: u8 = 85;

/// File name of the thumbnail of shot `shot_index` of the file with `content_hash`: stable across runs, distinct
/// across films sharing one folder.
pub fn thumbnail_name(content_hash: &str, shot_index: usize) -> String {
    let prefix = content_hash.get(..16).unwrap_or(content_hash);
    format!("{prefix}-shot{shot_index:04}.jpg")
}

/// Writes `picture` as JPEG to `dir/name` atomically and returns the path.
pub fn write_thumbnail(picture: &RgbFrame, dir: &Path, name: &str) -> Result<PathBuf, AnalysisError> {
    let target = dir.join(name);
    let fail = |source: io::Error| AnalysisError::Thumbnail { path: target.clone(), source };
    fs::create_dir_all(dir).map_err(fail)?;
    let (width, height) = (u32::try_from(picture.width), u32::try_from(picture.height));
    let (Ok(width), Ok(height)) = (width, height) else {
        return Err(fail(io::Error::new(io::ErrorKind::InvalidInput, "picture too large")));
    };

    // Unique per writer, so two analyses of one file in one process (parallel workers) never share a temp file.
    static WRITERS: AtomicU64 = AtomicU64::new(0);
    let writer = WRITERS.fetch_add(1, Ordering::Relaxed);
    let temp = dir.join(format!(".{name}.tmp-{}-{writer}", std::process::id()));
    let result = (|| {
        let mut out = BufWriter::new(File::create(&temp)?);
        JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY)
            .encode(&picture.data, width, height, ExtendedColorType::Rgb8)
            .map_err(io::Error::other)?;
        out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        fs::rename(&temp, &target)
    })();
    if let Err(e) = result {
        let _ = fs::remove_file(&temp);
        return Err(fail(e));
    }
    Ok(target)
}

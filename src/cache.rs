//! reel's cache of registry data (`make data` fills it): `$REEL_CACHE`, else `~/.cache/reel`. Models and voices are
//! looked up here at run time; nothing is ever downloaded by reel itself.

use std::path::PathBuf;

/// The cache folder, or `None` when neither `$REEL_CACHE` nor `$HOME` is set.
pub fn dir() -> Option<PathBuf> {
    std::env::var_os("REEL_CACHE")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cache/reel")))
}

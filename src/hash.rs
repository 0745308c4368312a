//! Content hashes: BLAKE3 over files and over the parts of a job key.
//!
//! Hashes are written as lowercase hex everywhere (database, logs, JSON).

use std::fs::File;
use std::io;
use std::path::Path;

/// A BLAKE3 digest as lowercase hex.
pub type Digest = String;

/// Hashes a file's content, streaming it in large blocks.
pub fn file(path: &Path) -> io::Result<Digest> {
    let mut hasher = blake3::Hasher::new();
    let mut file = File::open(path)?;
    io::copy(&mut file, &mut hasher)?;
    Ok(hasher.finalize().to_hex().to_string())
}

/// Hashes a byte string.
pub fn bytes(data: &[u8]) -> Digest {
    blake3::hash(data).to_hex().to_string()
}

/// Builds a hash from typed parts, each length-prefixed so that no two different part lists collide.
#[derive(Default)]
pub struct KeyHasher(blake3::Hasher);

impl KeyHasher {
    pub fn new(domain: &str) -> Self {
        let mut h = KeyHasher(blake3::Hasher::new());
        h.part(domain.as_bytes());
        h
    }

    pub fn part(&mut self, data: &[u8]) -> &mut Self {
        self.0.update(&(data.len() as u64).to_le_bytes());
        self.0.update(data);
        self
    }

    pub fn finish(&self) -> Digest {
        self.0.finalize().to_hex().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_are_length_prefixed() {
        let a = KeyHasher::new("t").part(b"ab").part(b"c").finish();
        let b = KeyHasher::new("t").part(b"a").part(b"bc").finish();
        assert_ne!(a, b);
        assert_eq!(a, KeyHasher::new("t").part(b"ab").part(b"c").finish());
    }

    #[test]
    fn file_hash_matches_bytes_hash() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        std::fs::write(&path, b"reel").unwrap();
        assert_eq!(file(&path).unwrap(), bytes(b"reel"));
    }
}

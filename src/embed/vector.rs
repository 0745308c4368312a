//! Vector helpers: similarity and the byte encoding used for SQLite BLOB storage.

use super::EmbedError;

/// Cosine similarity of two vectors of equal length.
///
/// This is the plain dot product: vectors from [`super::Embedder::embed`] are already
/// L2-normalised, so their dot product equals their cosine. For vectors that are not normalised
/// the result is *not* a cosine. If the lengths differ, only the common prefix is used.
pub fn cosine(a: &[f32], b: &[f32]) -> f32 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Encodes a vector as little-endian `f32`s, 4 bytes per element.
pub fn to_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// Decodes little-endian `f32`s written by [`to_bytes`].
///
/// Fails with [`EmbedError::BadBytes`] if the length is not a multiple of 4.
pub fn from_bytes(bytes: &[u8]) -> Result<Vec<f32>, EmbedError> {
    if !bytes.len().is_multiple_of(4) {
        return Err(EmbedError::BadBytes { len: bytes.len() });
    }
    Ok(bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip() {
        let v = vec![0.0, -1.5, f32::MIN_POSITIVE, 3.25e7];
        let b = to_bytes(&v);
        assert_eq!(b.len(), 16);
        assert_eq!(&b[4..8], &(-1.5f32).to_le_bytes());
        assert_eq!(from_bytes(&b).unwrap(), v);
    }

    #[test]
    fn bad_length_is_rejected() {
        assert!(matches!(from_bytes(&[0, 0, 0]), Err(EmbedError::BadBytes { len: 3 })));
    }

    #[test]
    fn cosine_of_unit_vectors() {
        assert_eq!(cosine(&[1.0, 0.0], &[0.0, 1.0]), 0.0);
        assert_eq!(cosine(&[0.6, 0.8], &[0.6, 0.8]), 1.0);
    }
}

//! The train/validation split: by whole document, never by line, and deterministic from each document's
//! content hash, so adding a document never moves another one.
//!
//! This file owns that rule. It must not copy, reorder or write documents.

use super::Document;

/// The share of documents that goes to validation unless told otherwise.
pub const DEFAULT_VAL_FRACTION: f64 = 0.1;

/// Maps a hex hash to `[0, 1)` from its first 16 hex digits (64 bits). A hash that is not hex maps through
/// BLAKE3 of its text, so every string has a place.
pub fn hash_to_unit_interval(hash: &str) -> f64 {
    let prefix = hash.get(..16).and_then(|head| u64::from_str_radix(head, 16).ok());
    let bits = prefix.unwrap_or_else(|| {
        let digest = blake3::hash(hash.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&digest.as_bytes()[..8]);
        u64::from_be_bytes(first)
    });
    // The top 53 bits fill an f64 mantissa exactly, so the result stays below 1.
    (bits >> 11) as f64 / (1u64 << 53) as f64
}

/// Splits documents into `(train, validation)`, keeping their order. A document goes to validation when
/// `hash_to_unit_interval(hash) < val_fraction` (clamped to `[0, 1]`, NaN read as 0). When `val_fraction` is
/// above 0 and there are at least two documents, validation gets at least one: the document with the lowest
/// hash value.
pub fn split(documents: &[Document], val_fraction: f64) -> (Vec<&Document>, Vec<&Document>) {
    let fraction = if val_fraction.is_nan() { 0.0 } else { val_fraction.clamp(0.0, 1.0) };
    let unit = |document: &Document| hash_to_unit_interval(&document.hash);
    let mut to_val: Vec<bool> = documents.iter().map(|document| unit(document) < fraction).collect();
    if fraction > 0.0 && documents.len() >= 2 && !to_val.contains(&true) {
        let lowest = (0..documents.len()).min_by(|&a, &b| unit(&documents[a]).total_cmp(&unit(&documents[b])));
        if let Some(index) = lowest {
            to_val[index] = true;
        }
    }
    let (val, train): (Vec<_>, Vec<_>) = documents.iter().zip(to_val).partition(|(_, val)| *val);
    (train.into_iter().map(|(document, _)| document).collect(), val.into_iter().map(|(document, _)| document).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::SourceKind;

    fn documents(count: usize) -> Vec<Document> {
        (0..count)
            .map(|i| Document::new(format!("{i}.srt").into(), SourceKind::Subtitles, None, format!("A: line {i}\n")))
            .collect()
    }

    fn check_unit(hash: &str, expected: f64) {
        assert_eq!(hash_to_unit_interval(hash), expected, "hash {hash:?}");
    }

    #[test]
    fn hashes_map_into_the_unit_interval() {
        check_unit("0000000000000000ffff", 0.0);
        check_unit("8000000000000000", 0.5);
        check_unit("ffffffffffffffff", 1.0 - 2f64.powi(-53));
        let odd = hash_to_unit_interval("not hex at all");
        assert!((0.0..1.0).contains(&odd));
        assert!((0.0..1.0).contains(&hash_to_unit_interval("")));
    }

    #[test]
    fn split_is_by_document_and_deterministic() {
        let docs = documents(200);
        let (train, val) = split(&docs, 0.1);
        assert_eq!(train.len() + val.len(), docs.len());
        assert!((10..=30).contains(&val.len()), "val holds {} of 200", val.len());
        assert!(val.iter().all(|doc| hash_to_unit_interval(&doc.hash) < 0.1));
        assert!(train.iter().all(|doc| !val.iter().any(|v| v.hash == doc.hash)));
        let again = split(&docs, 0.1);
        assert_eq!((train.clone(), val.clone()), again);
        // Another document changes nobody else's side.
        let mut more = docs.clone();
        more.extend(documents(201).pop());
        let (_, val_more) = split(&more, 0.1);
        assert!(val.iter().all(|doc| val_more.contains(doc)));
    }

    #[test]
    fn validation_gets_at_least_one_document() {
        let docs = documents(2);
        for fraction in [1e-9, 0.1] {
            let (train, val) = split(&docs, fraction);
            assert_eq!((train.len(), val.len()), (1, 1), "fraction {fraction}");
        }
        assert_eq!(split(&docs, 0.0).1.len(), 0);
        assert_eq!(split(&docs, f64::NAN).1.len(), 0);
        assert_eq!(split(&docs, 7.0).1.len(), 2);
        assert_eq!(split(&documents(1), 1e-9).1.len(), 0);
        assert_eq!(split(&[], 0.5), (vec![], vec![]));
    }
}

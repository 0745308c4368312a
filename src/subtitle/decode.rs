//! Turns the raw bytes of a subtitle file into text.
//!
//! Owns encoding detection: a byte-order mark (UTF-8, UTF-16 LE/BE), BOM-less UTF-16 recognised by where its NUL
//! bytes fall, plain UTF-8, and Windows-1252 as the legacy fallback. Every guess or repair is reported as a
//! warning. It must not look at the text's content beyond that: no line splitting, no format sniffing.

use encoding_rs::{Encoding, UTF_8, UTF_16BE, UTF_16LE, WINDOWS_1252};

use crate::diagnostic::Diagnostic;

/// How many leading bytes the BOM-less UTF-16 check looks at.
const SNIFF_LEN: usize = 4096;

/// Decodes `bytes` to text without a BOM. Returns the text, the name of the encoding used (`"UTF-8"`,
/// `"UTF-16LE"`, `"UTF-16BE"` or `"windows-1252"`) and warnings about guesses and repairs.
pub fn decode(bytes: &[u8]) -> (String, &'static str, Vec<Diagnostic>) {
    let mut diagnostics = Vec::new();
    let (encoding, body) = detect(bytes, &mut diagnostics);
    let text = decode_strict_or_lossy(encoding, body, &mut diagnostics);
    (text, encoding.name(), diagnostics)
}

/// Picks the encoding and returns the bytes to decode with it (without the BOM).
fn detect<'a>(bytes: &'a [u8], diagnostics: &mut Vec<Diagnostic>) -> (&'static Encoding, &'a [u8]) {
    if let Some((encoding, bom_len)) = Encoding::for_bom(bytes) {
        return (encoding, &bytes[bom_len..]);
    }
    if let Some(encoding) = bomless_utf16(bytes) {
        let message = format!("no byte-order mark; read as {} from the pattern of NUL bytes", encoding.name());
        diagnostics.push(Diagnostic::warning(1, message));
        return (encoding, bytes);
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => (UTF_8, bytes),
        Err(error) => {
            let at = error.valid_up_to();
            let byte = bytes.get(at).copied().unwrap_or_default();
            let message = format!("not valid UTF-8 (byte 0x{byte:02X}); read the file as Windows-1252 instead");
            diagnostics.push(Diagnostic::warning(line_of_offset(bytes, at), message));
            (WINDOWS_1252, bytes)
        }
    }
}

/// Decodes with `encoding`, replacing malformed sequences with U+FFFD and warning once if there were any.
fn decode_strict_or_lossy(encoding: &'static Encoding, bytes: &[u8], diagnostics: &mut Vec<Diagnostic>) -> String {
    let (text, had_errors) = encoding.decode_without_bom_handling(bytes);
    if had_errors {
        diagnostics
            .push(Diagnostic::warning(1, format!("malformed {} sequences were replaced with U+FFFD", encoding.name())));
    }
    text.into_owned()
}

/// Recognises UTF-16 without a BOM: text that is mostly ASCII (digits, arrows and line breaks in any subtitle)
/// puts a NUL in the high byte of most code units, and UTF-8 text has no NULs at all.
fn bomless_utf16(bytes: &[u8]) -> Option<&'static Encoding> {
    let sample = &bytes[..bytes.len().min(SNIFF_LEN) & !1];
    let units = sample.len() / 2;
    if units == 0 {
        return None;
    }
    let count_nuls = |offset: usize| sample.iter().skip(offset).step_by(2).filter(|b| **b == 0).count();
    let (even, odd) = (count_nuls(0), count_nuls(1));
    let enough = |nuls: usize| nuls * 4 >= units;
    let only = |nuls: usize, other: usize| other * 10 <= nuls;
    if enough(odd) && only(odd, even) {
        Some(UTF_16LE)
    } else if enough(even) && only(even, odd) {
        Some(UTF_16BE)
    } else {
        None
    }
}

/// The 1-based line on which byte `offset` falls, counting `\n` and lone `\r` line breaks.
fn line_of_offset(bytes: &[u8], offset: usize) -> usize {
    let before = &bytes[..offset.min(bytes.len())];
    let breaks = before
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' || (b == b'\r' && before.get(i + 1) != Some(&b'\n')))
        .count();
    breaks + 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Severity;

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
        units.flat_map(|unit| if big_endian { unit.to_be_bytes() } else { unit.to_le_bytes() }).collect()
    }

    /// Decodes `bytes` and checks the text, the encoding name and the rendered diagnostics.
    fn check(bytes: &[u8], text: &str, encoding: &str, diagnostics: &[&str]) {
        let (decoded, name, found) = decode(bytes);
        let found: Vec<String> = found.iter().map(|d| format!("{}: {d}", d.line)).collect();
        assert_eq!((decoded.as_str(), name), (text, encoding), "{bytes:02X?}");
        assert_eq!(found, diagnostics, "{bytes:02X?}");
    }

    #[test]
    fn utf8() {
        check(b"", "", "UTF-8", &[]);
        check("h\u{e9}llo".as_bytes(), "h\u{e9}llo", "UTF-8", &[]);
        check(b"\xEF\xBB\xBFhi", "hi", "UTF-8", &[]);
        check("\u{feff}\u{442}\u{44b}".as_bytes(), "\u{442}\u{44b}", "UTF-8", &[]);
        check(
            b"\xEF\xBB\xBFbad \xE9",
            "bad \u{fffd}",
            "UTF-8",
            &["1: warning: malformed UTF-8 sequences were replaced with U+FFFD"],
        );
    }

    #[test]
    fn utf16_with_bom() {
        let text = "1\n00:00:01,000 --> 00:00:02,000\nПривет\n";
        check(&utf16(text, false, true), text, "UTF-16LE", &[]);
        check(&utf16(text, true, true), text, "UTF-16BE", &[]);
        check(&utf16("\u{1F3AC}", false, true), "\u{1F3AC}", "UTF-16LE", &[]);
    }

    #[test]
    fn utf16_without_bom() {
        let text = "1\r\n00:00:01,000 --> 00:00:02,000\r\nCaf\u{e9} \u{442}\u{44b}\r\n";
        check(
            &utf16(text, false, false),
            text,
            "UTF-16LE",
            &["1: warning: no byte-order mark; read as UTF-16LE from the pattern of NUL bytes"],
        );
        check(
            &utf16(text, true, false),
            text,
            "UTF-16BE",
            &["1: warning: no byte-order mark; read as UTF-16BE from the pattern of NUL bytes"],
        );
    }

    #[test]
    fn odd_utf16_length_is_repaired() {
        let mut bytes = utf16("hi", false, true);
        bytes.push(b'x');
        check(
            &bytes,
            "hi\u{fffd}",
            "UTF-16LE",
            &["1: warning: malformed UTF-16LE sequences were replaced with U+FFFD"],
        );
    }

    #[test]
    fn windows_1252_fallback() {
        check(
            b"caf\xE9",
            "caf\u{e9}",
            "windows-1252",
            &["1: warning: not valid UTF-8 (byte 0xE9); read the file as Windows-1252 instead"],
        );
        check(
            b"1\r\n00:00:01,000 --> 00:00:02,000\r\n\x93Quoted\x94 na\xEFve \x80\r\n",
            "1\r\n00:00:01,000 --> 00:00:02,000\r\n\u{201c}Quoted\u{201d} na\u{ef}ve \u{20ac}\r\n",
            "windows-1252",
            &["3: warning: not valid UTF-8 (byte 0x93); read the file as Windows-1252 instead"],
        );
        check(
            b"a\rb\nc\r\n\xFF",
            "a\rb\nc\r\n\u{ff}",
            "windows-1252",
            &["4: warning: not valid UTF-8 (byte 0xFF); read the file as Windows-1252 instead"],
        );
    }

    #[test]
    fn warnings_are_warnings() {
        let (_, _, diagnostics) = decode(b"\xE9");
        assert!(diagnostics.iter().all(|d| d.severity == Severity::Warning));
    }

    #[test]
    fn ascii_with_a_stray_nul_stays_utf8() {
        check(b"abc\0def ghi jkl", "abc\0def ghi jkl", "UTF-8", &[]);
    }
}

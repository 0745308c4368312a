//! Robustness: thousands of pseudo-random inputs built from screenplay-like fragments and stray characters.
//! None may panic, and `write(parse(x))` must parse back to the same script and write back to the same text.
//!
//! Uses a fixed-seed xorshift generator so failures reproduce; it must not depend on `rand`.

use super::*;

/// xorshift64*: small, deterministic, good enough to pick fragments.
struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn below(&mut self, bound: usize) -> usize {
        (self.next() % bound as u64) as usize
    }
}

#[rustfmt::skip]
const FRAGMENTS: &[&str] = &[
    "\n", "\n", "\n", "\n\n", "\n\n", "\r\n", "\r", "  \n", " ", "  ", "\t", "INT. ", "EXT. ", "int ", "EST ",
    "INT./EXT. ", "I/E ", "HOUSE - DAY", "ROOF", " #1A#", "#", "##", ".", "..", "!", "@", "~", "=", "===", ">",
    "<", "^", " ^", "(", ")", "(beat)", "(V.O.)", " (O.S.)", "(CONT'D)", "BOB", "ALICE", "R2D2", "McCLANE",
    "CUT TO:", "FADE IN:", "TO:", "Title:", "Title: Sunspring", "Author: ", "Draft date: 1", "Contact:", "   ",
    "He walks in.", "she said", "Hello there.", "WHAT?", "...", "*", "**", "_", "\\", "*bold*", "[[", "]]",
    "[[note]]", "/*", "*/", "/* cut */", ":", "-", "é", "ß", "Σ", "日本", "\u{0}", "\u{7}", "\u{fffd}", "\u{feff}",
    "\u{a0}", "\u{2028}", "0", "42", "x", "Y", "The end", ">THE END<", "==", "# Act", "= synopsis", "~la la",
];

fn random_input(rng: &mut XorShift) -> String {
    let pieces = rng.below(64);
    let mut text = String::new();
    for _ in 0..pieces {
        match rng.below(10) {
            0 => text.push(char::from_u32(rng.below(0x3000) as u32).unwrap_or('?')),
            _ => text.push_str(FRAGMENTS[rng.below(FRAGMENTS.len())]),
        }
    }
    text
}

fn assert_idempotent(input: &str) {
    let (script, _) = parse(input);
    let written = write(&script);
    let (again, _) = parse(&written);
    assert_eq!(again.title_page, script.title_page, "title page\ninput:   {input:?}\nwritten: {written:?}");
    assert_eq!(again.kinds(), script.kinds(), "elements\ninput:   {input:?}\nwritten: {written:?}");
    assert_eq!(write(&again), written, "second write differs\ninput: {input:?}");
}

#[test]
fn random_fragments_parse_and_round_trip() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    for _ in 0..4000 {
        let input = random_input(&mut rng);
        assert_idempotent(&input);
    }
}

#[test]
fn hostile_inputs() {
    let long_line = "*".repeat(20_000) + &"[[".repeat(5_000) + &"/*".repeat(5_000);
    let many_lines = "BOB\n(\n".repeat(5_000);
    for input in
        ["", "\n", "\r\n\r\n", "\u{feff}", "@", "^", "()", "#", ".#", ">", "<", "=\n==\n===", &long_line, &many_lines]
    {
        assert_idempotent(input);
    }
}

//! Casting: giving every character a stable, distinct voice, chosen deterministically from a seed.
//!
//! Names are sorted and shuffled by the seed, then take voice slots in an order that makes the first characters
//! differ most in pitch: for the neural voice pitch shifts of 0, ±4 and ±2 semitones (then rate changes), for
//! espeak-ng variant and base pitch pairs whose measured F0 are far apart. This file only picks specs; it must not synthesise.

use std::collections::{BTreeMap, BTreeSet};

use super::spec::{Engine, Pitch, Rate, VoiceSpec};

/// Piper pitch slots in semitones, in casting order: the first three are four semitones (26%) apart, the rest fill in
/// two semitones (12%) from their neighbours. The seed may mirror them.
const PIPER_PITCHES: [f32; 5] = [0.0, 4.0, -4.0, 2.0, -2.0];
/// Rate variations layered on top once the pitch slots are used up.
const RATES: [f32; 3] = [1.0, 0.92, 1.08];
/// espeak-ng slots as (variant, base pitch 0-99), in casting order. Their measured median F0 with `en-us` (78, 142,
/// 262, 95, 163, 112, 225 Hz) puts every pair at least 15% apart, and any three consecutive slots (the order is
/// rotated by the seed) at least 18% apart.
const ESPEAK_SLOTS: [(&str, u8); 7] =
    [("m3", 0), ("m7", 80), ("f4", 85), ("m1", 50), ("f5", 25), ("m7", 50), ("f3", 55)];
/// espeak-ng voice the English slots use.
const ESPEAK_LANGUAGE: &str = "en-us";

/// Casts `characters` (duplicates ignored) for `engine` (`voice` names the Piper voice; it is ignored for
/// espeak-ng). The same names and seed always give the same voices; different characters get different voices
/// (for up to 15 Piper or 21 espeak-ng characters; beyond that voices are reused with a small pitch offset).
pub fn cast<S: AsRef<str>>(characters: &[S], seed: u64, engine: Engine, voice: &str) -> BTreeMap<String, VoiceSpec> {
    let mut rng = SplitMix64(seed);
    let mut names: Vec<&str> = characters.iter().map(AsRef::as_ref).collect::<BTreeSet<_>>().into_iter().collect();
    shuffle(&mut names, &mut rng);
    let mut rates = RATES;
    shuffle(&mut rates[1..], &mut rng);
    match engine {
        Engine::Piper => {
            let mirror = if rng.next() & 1 == 0 { 1.0 } else { -1.0 };
            let pitches = PIPER_PITCHES.map(|p| p * mirror);
            let slots = pitches.len();
            names
                .into_iter()
                .enumerate()
                .map(|(i, name)| {
                    let round = i / slots;
                    let semitones = pitches[i % slots] + if round >= RATES.len() { 1.0 } else { 0.0 };
                    let spec = VoiceSpec {
                        engine,
                        voice: voice.to_owned(),
                        pitch: (semitones != 0.0).then_some(Pitch::Semitones(semitones)),
                        rate: (!round.is_multiple_of(RATES.len())).then_some(Rate::Factor(rates[round % RATES.len()])),
                    };
                    (name.to_owned(), spec)
                })
                .collect()
        }
        Engine::Espeak => {
            let mut slots = ESPEAK_SLOTS;
            slots.rotate_left((rng.next() % ESPEAK_SLOTS.len() as u64) as usize);
            names
                .into_iter()
                .enumerate()
                .map(|(i, name)| {
                    let round = i / slots.len();
                    let (variant, pitch) = slots[i % slots.len()];
                    let pitch = pitch.saturating_add(if round >= RATES.len() { 8 } else { 0 }).min(99);
                    let spec = VoiceSpec {
                        engine,
                        voice: format!("{ESPEAK_LANGUAGE}+{variant}"),
                        pitch: Some(Pitch::Espeak(pitch)),
                        rate: (!round.is_multiple_of(RATES.len()))
                            .then_some(Rate::WordsPerMinute((175.0 * rates[round % RATES.len()]).round() as u16)),
                    };
                    (name.to_owned(), spec)
                })
                .collect()
        }
    }
}

/// A tiny deterministic generator (SplitMix64), so casting does not depend on a crate's RNG stream staying stable.
struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

/// Fisher-Yates shuffle.
fn shuffle<T>(items: &mut [T], rng: &mut SplitMix64) {
    for i in (1..items.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        items.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAMES: [&str; 4] = ["ALICE", "BOB", "CAROL", "DAVE"];

    #[test]
    fn same_seed_same_cast() {
        for engine in [Engine::Piper, Engine::Espeak] {
            assert_eq!(cast(&NAMES, 7, engine, "joe"), cast(&NAMES, 7, engine, "joe"));
            // Order and duplicates in the input do not matter.
            assert_eq!(
                cast(&NAMES, 7, engine, "joe"),
                cast(&["DAVE", "CAROL", "BOB", "ALICE", "BOB"], 7, engine, "joe")
            );
        }
    }

    #[test]
    fn seeds_change_the_cast() {
        let casts: BTreeSet<String> =
            (0..8).map(|seed| format!("{:?}", cast(&NAMES, seed, Engine::Piper, "joe"))).collect();
        assert!(casts.len() > 1);
    }

    #[test]
    fn voices_are_distinct() {
        let many: Vec<String> = (0..15).map(|i| format!("EXTRA {i}")).collect();
        for (engine, count) in [(Engine::Piper, 15), (Engine::Espeak, 15)] {
            let specs: BTreeSet<String> =
                cast(&many[..count], 3, engine, "joe").values().map(ToString::to_string).collect();
            assert_eq!(specs.len(), count, "{engine:?}");
        }
    }

    #[test]
    fn piper_pitches_are_two_semitones_apart() {
        let specs = cast(&NAMES, 11, Engine::Piper, "joe");
        let pitches: BTreeSet<i32> = specs.values().map(|s| s.semitones() as i32).collect();
        assert_eq!(pitches.len(), NAMES.len());
        assert!(specs.values().all(|s| s.to_string().starts_with("piper:joe")));
    }
}

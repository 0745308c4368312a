//! Delivery: how a Fountain parenthetical (`(whispering)`, `(shouting)`, `(beat)`) changes the way a line is
//! spoken.
//!
//! This file only interprets words; backends decide how to realise a [`Prosody`]. Unknown parentheticals (`(to
//! Mary)`, `(O.S.)`) leave the delivery neutral: they are stage directions, not performance notes.

/// How to deliver one line, relative to the voice's normal delivery.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Prosody {
    /// Multiplier on the speaking rate (below 1 is slower).
    pub rate: f32,
    /// Pitch change in semitones.
    pub pitch_semitones: f32,
    /// Level change in dB; also offsets the loudness target, so a whisper stays quieter than a shout after
    /// normalisation.
    pub gain_db: f32,
    /// Silence before the line, in milliseconds (`(beat)`).
    pub lead_pause_ms: u32,
}

impl Default for Prosody {
    fn default() -> Self {
        Prosody { rate: 1.0, pitch_semitones: 0.0, gain_db: 0.0, lead_pause_ms: 0 }
    }
}

impl Prosody {
    /// A whisper: softer and slower.
    pub const WHISPER: Prosody = Prosody { rate: 0.85, pitch_semitones: -1.0, gain_db: -8.0, lead_pause_ms: 0 };
    /// A shout: louder, higher and faster.
    pub const SHOUT: Prosody = Prosody { rate: 1.12, pitch_semitones: 2.0, gain_db: 4.0, lead_pause_ms: 0 };

    /// Reads a parenthetical (with or without its brackets). Several cues may combine: `(beat, then shouting)`.
    pub fn from_parenthetical(parenthetical: Option<&str>) -> Prosody {
        let mut prosody = Prosody::default();
        let Some(text) = parenthetical else { return prosody };
        let lowered = text.to_lowercase();
        for word in lowered.split(|c: char| !c.is_alphabetic()).filter(|w| !w.is_empty()) {
            match word {
                "whispering" | "whispers" | "whisper" | "whispered" | "quietly" | "softly" | "hushed" => {
                    prosody = Prosody { lead_pause_ms: prosody.lead_pause_ms, ..Prosody::WHISPER };
                }
                "shouting" | "shouts" | "shout" | "yelling" | "yells" | "yell" | "angry" | "angrily" | "screaming" => {
                    prosody = Prosody { lead_pause_ms: prosody.lead_pause_ms, ..Prosody::SHOUT };
                }
                "beat" | "pause" | "pausing" => prosody.lead_pause_ms = super::text::BEAT_MS,
                _ => {}
            }
        }
        prosody
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: Option<&str>, expected: Prosody) {
        assert_eq!(Prosody::from_parenthetical(input), expected, "input: {input:?}");
    }

    #[test]
    fn reads_parentheticals() {
        let beat = Prosody { lead_pause_ms: 400, ..Prosody::default() };
        check(None, Prosody::default());
        check(Some("(to Mary)"), Prosody::default());
        check(Some("(whispering)"), Prosody::WHISPER);
        check(Some("quietly"), Prosody::WHISPER);
        check(Some("(Whispers)"), Prosody::WHISPER);
        check(Some("(shouting)"), Prosody::SHOUT);
        check(Some("(YELLING)"), Prosody::SHOUT);
        check(Some("(angry)"), Prosody::SHOUT);
        check(Some("(beat)"), beat);
        check(Some("(a long pause)"), beat);
        check(Some("(beat; then, shouting)"), Prosody { lead_pause_ms: 400, ..Prosody::SHOUT });
        check(Some("(😀)"), Prosody::default());
    }
}

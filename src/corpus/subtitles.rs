//! Timed text (subtitle cues, OPUS sentences) grouped into turns and scenes by the gaps between them, with
//! speakers assigned by turn-taking.
//!
//! This file owns the turn and scene rules of [`IngestOptions`] and speaker alternation. It must not parse a
//! format itself: [`ingest`] reads cues through `crate::subtitle`, and `opus.rs` hands in its sentences.

use std::path::Path;

use super::document::TextBuilder;
use super::normalize::{Segment, cue_segments};
use super::{CorpusError, IngestOptions};
use crate::diagnostic::Diagnostic;
use crate::subtitle::{self, Cue};

/// A piece of text with its times, when known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Timed {
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
    /// Raw text, lines joined with `\n`.
    pub text: String,
    /// A real speaker name from the source (WebVTT voice, ASS Name).
    pub speaker: Option<String>,
}

impl From<&Cue> for Timed {
    fn from(cue: &Cue) -> Self {
        Timed {
            start_ms: Some(cue.start_ms),
            end_ms: Some(cue.end_ms),
            text: cue.text.clone(),
            speaker: cue.speaker.clone(),
        }
    }
}

/// Reads a subtitle file into corpus text, with the subtitle parser's diagnostics.
pub(crate) fn ingest(path: &Path, opts: &IngestOptions) -> Result<(String, Vec<Diagnostic>), CorpusError> {
    let parsed = subtitle::read_file(path).map_err(|source| CorpusError::Subtitle { path: path.to_owned(), source })?;
    let mut cues = parsed.cues;
    subtitle::sort_by_time(&mut cues);
    let timed: Vec<Timed> = cues.iter().map(Timed::from).collect();
    Ok((group(&timed, opts), parsed.diagnostics))
}

/// Groups timed text into turns and scenes and writes it as corpus text.
///
/// A turn ends when the gap from the previous item's end exceeds `turn_gap_ms` (or is unknown), before a
/// speaker-dash line, and when a named speaker (label, voice) changes; a gap over `scene_gap_ms` is a scene break. A segment
/// equal to the one before it, and a turn equal to the turn before it, are subtitle repeats and dropped. Turns
/// without a named speaker alternate `A`, `B`, `A`, ... from `A` at the start of each scene.
pub(crate) fn group(items: &[Timed], opts: &IngestOptions) -> String {
    let mut grouper = Grouper::default();
    let mut previous_end: Option<u64> = None;
    for item in items {
        let gap = previous_end.zip(item.start_ms).map(|(end, start)| start.saturating_sub(end));
        if gap.is_some_and(|gap| gap > opts.scene_gap_ms) {
            grouper.scene_break();
        }
        let mut new_turn = gap.is_none_or(|gap| gap > opts.turn_gap_ms);
        for segment in cue_segments(&item.text) {
            let speaker = segment.speaker.clone().or_else(|| item.speaker.clone());
            grouper.push(segment, speaker, new_turn);
            new_turn = false;
        }
        previous_end = item.end_ms.or(item.start_ms).or(previous_end);
    }
    grouper.finish()
}

/// The turn being collected and the text written so far.
#[derive(Debug, Default)]
struct Grouper {
    builder: TextBuilder,
    current: Option<Turn>,
    /// The last segment's speaker and text, to drop a repeat of it.
    last_segment: Option<(Option<String>, String)>,
    /// The last turn written, to drop a repeat of it.
    last_turn: Option<Turn>,
    /// Anonymous turns written in this scene, for the `A`/`B` alternation.
    anonymous_turns: usize,
    /// A dropped repeat would have started a turn.
    pending_new_turn: bool,
}

#[derive(Debug, PartialEq, Eq)]
struct Turn {
    speaker: Option<String>,
    text: String,
}

impl Grouper {
    /// Adds a segment. A repeat of the segment before is dropped, but a turn it would have started still starts
    /// at the next segment.
    fn push(&mut self, segment: Segment, speaker: Option<String>, new_turn: bool) {
        let new_turn = new_turn || std::mem::take(&mut self.pending_new_turn);
        let key = (speaker.clone(), segment.text.clone());
        if self.last_segment.as_ref() == Some(&key) {
            self.pending_new_turn = new_turn;
            return;
        }
        self.last_segment = Some(key);
        let speaker_changed = speaker.is_some() && self.current.as_ref().is_some_and(|turn| turn.speaker != speaker);
        match self.current.as_mut() {
            Some(turn) if !new_turn && !segment.dash && !speaker_changed => {
                turn.text.push(' ');
                turn.text.push_str(&segment.text);
            }
            _ => {
                self.flush();
                self.current = Some(Turn { speaker, text: segment.text });
            }
        }
    }

    fn scene_break(&mut self) {
        self.flush();
        self.builder.scene_break();
        self.anonymous_turns = 0;
        self.last_segment = None;
        self.last_turn = None;
    }

    fn flush(&mut self) {
        let Some(turn) = self.current.take() else { return };
        if self.last_turn.as_ref() == Some(&turn) {
            return;
        }
        let speaker = turn.speaker.clone().unwrap_or_else(|| {
            let letter = if self.anonymous_turns.is_multiple_of(2) { "A" } else { "B" };
            self.anonymous_turns += 1;
            letter.to_string()
        });
        self.builder.turn(&speaker, &turn.text);
        self.last_turn = Some(turn);
    }

    fn finish(mut self) -> String {
        self.flush();
        self.builder.finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Cues written as `start-end text` (seconds, `|` for a new line of the cue), separated by ` # `.
    fn check(cues: &str, expected: &str) {
        let items: Vec<Timed> = cues
            .split(" # ")
            .map(|cue| {
                let (times, text) = cue.split_once(' ').unwrap_or((cue, ""));
                let (start, end) = times.split_once('-').expect("test cue has start-end");
                let ms = |s: &str| (s.parse::<f64>().expect("test time is a number") * 1000.0).round() as u64;
                Timed { start_ms: Some(ms(start)), end_ms: Some(ms(end)), text: text.replace('|', "\n"), speaker: None }
            })
            .collect();
        let text = group(&items, &IngestOptions::default());
        assert_eq!(text.trim_end().replace('\n', " / "), expected, "cues {cues:?}");
    }

    #[test]
    fn close_cues_form_one_turn() {
        check("1-2 I have nightmares # 2.5-3 that I'm chased.", "A: I have nightmares that I'm chased.");
        check("1-2 One. # 3.2-4 Two.", "A: One. Two.");
        check("1-2 One. # 3.3-4 Two.", "A: One. / B: Two.");
    }

    #[test]
    fn dashes_start_turns() {
        check("1-2 - Hi.|- Hello.", "A: Hi. / B: Hello.");
        check("1-2 - Hi.|- Hello. # 2.1-3 How are you?", "A: Hi. / B: Hello. How are you?");
        check("1-2 Well. # 2.1-3 - Yes?", "A: Well. / B: Yes?");
    }

    #[test]
    fn long_gaps_break_scenes_and_restart_alternation() {
        check("1-2 One. # 4-5 Two. # 20-21 Three.", "A: One. / B: Two. /  / A: Three.");
        check("1-2 One. # 14-15 Two.", "A: One. / B: Two.");
        check("1-2 One. # 14.1-15 Two.", "A: One. /  / A: Two.");
    }

    #[test]
    fn labels_name_speakers() {
        check("1-2 JOHN: Come. # 2.1-3 Now.", "JOHN: Come. Now.");
        check("1-2 JOHN: Come. # 2.1-3 MARY: No.", "JOHN: Come. / MARY: No.");
        check("1-2 JOHN: Come. # 5-6 Who?", "JOHN: Come. / A: Who?");
    }

    #[test]
    fn repeats_are_dropped() {
        check("1-2 Hello. # 2-3 Hello.", "A: Hello.");
        check("1-2 Hello. # 5-6 Hello. # 9-10 Bye.", "A: Hello. / B: Bye.");
        check("1-2 [door slams] # 5-6 Who?", "A: Who?");
        check("1-2 Cut! # 2.1-3 Whoa! # 5-6 Whoa! # 6.1-7 No!", "A: Cut! Whoa! / B: No!");
    }

    #[test]
    fn voices_are_speakers() {
        let items = [
            Timed { start_ms: Some(0), end_ms: Some(1000), text: "Hi.".into(), speaker: Some("Esme".into()) },
            Timed { start_ms: Some(5000), end_ms: Some(6000), text: "Yes?".into(), speaker: None },
        ];
        assert_eq!(group(&items, &IngestOptions::default()), "ESME: Hi.\nA: Yes?\n");
        let voice = |start: u64, text: &str, name: &str| Timed {
            start_ms: Some(start),
            end_ms: Some(start + 500),
            text: text.into(),
            speaker: Some(name.into()),
        };
        let items = [voice(0, "Hi.", "Esme"), voice(600, "Hey.", "Tom"), voice(1200, "Again.", "Tom")];
        assert_eq!(group(&items, &IngestOptions::default()), "ESME: Hi.\nTOM: Hey. Again.\n");
        let items = [voice(0, "Hi.", "Esme"), voice(3000, "Hi.", "Tom")];
        assert_eq!(group(&items, &IngestOptions::default()), "ESME: Hi.\nTOM: Hi.\n", "another voice is no repeat");
    }

    #[test]
    fn unknown_times_start_turns() {
        let items: Vec<Timed> = ["One.", "Two."]
            .iter()
            .map(|text| Timed { start_ms: None, end_ms: None, text: text.to_string(), speaker: None })
            .collect();
        assert_eq!(group(&items, &IngestOptions::default()), "A: One.\nB: Two.\n");
    }
}

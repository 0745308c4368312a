//! The shot plan: a screenplay broken into the shots of its cut. A title card, then per scene an establishing shot
//! for its heading, a shot per action paragraph and a shot per spoken paragraph, then the end credits.
//!
//! Owns the rules of that breakdown and the first estimate of each shot's length (reading time for action, speaking
//! time for dialogue until the voice stage measures the real line). Pure: no I/O.

use serde::{Deserialize, Serialize};

use crate::fountain::{ElementKind, Script, plain};
use crate::store::ShotKind;

/// How long shots run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    pub title_ms: u64,
    pub credits_ms: u64,
    pub establishing_ms: u64,
    /// Reading speed for action, words per second.
    pub read_wps: f64,
    pub action_min_ms: u64,
    pub action_max_ms: u64,
    /// Speaking speed for a line not yet voiced, words per second.
    pub speak_wps: f64,
    pub dialogue_min_ms: u64,
    /// Air after a voiced line before the cut.
    pub dialogue_tail_ms: u64,
}

impl Default for Timing {
    fn default() -> Self {
        Timing {
            title_ms: 4_000,
            credits_ms: 8_000,
            establishing_ms: 3_000,
            read_wps: 3.0,
            action_min_ms: 2_000,
            action_max_ms: 8_000,
            speak_wps: 2.6,
            dialogue_min_ms: 1_500,
            dialogue_tail_ms: 400,
        }
    }
}

/// One shot of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedShot {
    /// 0 for the title card, 1.. per scene, then one more for the credits.
    pub scene: usize,
    pub kind: ShotKind,
    /// The speaker of a dialogue shot.
    pub character: Option<String>,
    /// The parenthetical before the line, for the voice.
    pub parenthetical: Option<String>,
    /// What the shot shows or says, without Fountain markup.
    pub text: String,
    /// The scene heading the shot belongs to, which steers the footage (night or day, inside or out).
    pub heading: Option<String>,
    pub target_ms: u64,
    /// 1-based line in the script; 0 for the cards.
    pub script_line: usize,
}

impl PlannedShot {
    /// The kind as stored and shown: `title`, `establishing`, `action`, `dialogue`, `credits`.
    pub fn kind_name(&self) -> &'static str {
        match self.kind {
            ShotKind::Title => "title",
            ShotKind::Establishing => "establishing",
            ShotKind::Action => "action",
            ShotKind::Dialogue => "dialogue",
            ShotKind::Credits => "credits",
        }
    }
}

/// Plans the shots of `script`, titled `title`.
pub fn plan(script: &Script, title: &str, timing: &Timing) -> Vec<PlannedShot> {
    let card = |scene, kind, text: &str, ms| PlannedShot {
        scene,
        kind,
        character: None,
        parenthetical: None,
        text: text.to_string(),
        heading: None,
        target_ms: ms,
        script_line: 0,
    };
    let mut shots = vec![card(0, ShotKind::Title, title, timing.title_ms)];
    let mut scene = 0;
    let mut heading: Option<String> = None;
    let mut speaker: Option<String> = None;
    let mut parenthetical: Option<String> = None;
    for element in &script.elements {
        let line = element.line;
        match &element.kind {
            ElementKind::SceneHeading { text, .. } => {
                scene += 1;
                heading = Some(text.clone());
                speaker = None;
                shots.push(PlannedShot {
                    heading: heading.clone(),
                    script_line: line,
                    ..card(scene, ShotKind::Establishing, text, timing.establishing_ms)
                });
            }
            ElementKind::Action(text) => {
                speaker = None;
                let text = plain(text).split_whitespace().collect::<Vec<_>>().join(" ");
                if text.is_empty() {
                    continue;
                }
                scene = scene.max(1);
                let ms = words_ms(&text, timing.read_wps).clamp(timing.action_min_ms, timing.action_max_ms);
                shots.push(PlannedShot {
                    heading: heading.clone(),
                    script_line: line,
                    ..card(scene, ShotKind::Action, &text, ms)
                });
            }
            ElementKind::Character { name, .. } => {
                speaker = Some(name.clone());
                parenthetical = None;
            }
            ElementKind::Parenthetical(text) => parenthetical = Some(text.clone()),
            ElementKind::Dialogue(text) | ElementKind::Lyric(text) => {
                let text = plain(text).split_whitespace().collect::<Vec<_>>().join(" ");
                let Some(character) = speaker.clone().filter(|_| !text.is_empty()) else { continue };
                scene = scene.max(1);
                let ms = dialogue_ms(&text, timing);
                shots.push(PlannedShot {
                    character: Some(character),
                    parenthetical: parenthetical.take(),
                    heading: heading.clone(),
                    script_line: line,
                    ..card(scene, ShotKind::Dialogue, &text, ms)
                });
            }
            _ => {}
        }
    }
    shots.push(card(scene + 1, ShotKind::Credits, "", timing.credits_ms));
    shots
}

/// The length of a dialogue shot whose line, as voiced, lasts `voice_ms`.
pub fn voiced_ms(voice_ms: u64, timing: &Timing) -> u64 {
    (voice_ms + timing.dialogue_tail_ms).max(timing.dialogue_min_ms)
}

/// The estimate for a line not yet voiced.
fn dialogue_ms(text: &str, timing: &Timing) -> u64 {
    voiced_ms(words_ms(text, timing.speak_wps), timing)
}

fn words_ms(text: &str, words_per_second: f64) -> u64 {
    let words = text.split_whitespace().count() as f64;
    (words / words_per_second * 1000.0).round() as u64
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "Title: Sunspring\n\nINT. SHIP - NIGHT\n\nH pulls a book from a shelf.\n\nH\n(quietly)\n\
                          In a future with mass unemployment, young people are forced to sell blood.\n\nC\nWhat?\n\n\
                          EXT. FIELD - DAY\n\nWind.\n";

    #[test]
    fn a_script_becomes_title_scenes_and_credits() {
        let (script, _) = crate::fountain::parse(SCRIPT);
        let shots = plan(&script, "Sunspring", &Timing::default());
        let kinds: Vec<(usize, ShotKind)> = shots.iter().map(|s| (s.scene, s.kind)).collect();
        use ShotKind::*;
        assert_eq!(
            kinds,
            [
                (0, Title),
                (1, Establishing),
                (1, Action),
                (1, Dialogue),
                (1, Dialogue),
                (2, Establishing),
                (2, Action),
                (3, Credits)
            ]
        );
        let line = &shots[3];
        assert_eq!(line.character.as_deref(), Some("H"));
        assert_eq!(line.parenthetical.as_deref(), Some("quietly"));
        assert_eq!(line.heading.as_deref(), Some("INT. SHIP - NIGHT"));
        assert_eq!(line.script_line, 9);
        // 13 words at 2.6 words/s, plus the tail.
        assert_eq!(line.target_ms, 5000 + 400);
        // "What?" is short: the minimum holds.
        assert_eq!(shots[4].target_ms, 1500);
        // "Wind." reads in a third of a second: the action minimum holds.
        assert_eq!(shots[6].target_ms, 2000);
        assert_eq!(shots[0].text, "Sunspring");
    }

    #[test]
    fn voiced_lines_set_the_length() {
        let timing = Timing::default();
        assert_eq!(voiced_ms(3000, &timing), 3400);
        assert_eq!(voiced_ms(500, &timing), 1500);
    }
}

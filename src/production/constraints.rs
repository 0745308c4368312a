//! The challenge brief, checked at the end against what was made: the title card is in the cut, the required line
//! is spoken (its voice clip exists and sits in the timeline), and the prop appears in an action line of the script.
//!
//! The script side is `screenplay::check_brief`; this adds the cut side from plain facts the caller gathers (what
//! the cut's cards say, where its dialogue clips sit, whether each voice file exists, how long the film file is).
//! Pure: it reads no files and no database.

use serde::{Deserialize, Serialize};

use crate::fountain::Script;
use crate::screenplay::{Brief, check_brief};

/// What the cut is made of, as far as the brief cares.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CutFacts {
    /// The text of the title card, when the cut has one.
    pub title_card: Option<String>,
    /// Every spoken line of the cut.
    pub lines: Vec<SpokenLine>,
    /// The length of the film file as read back, in seconds (None when there is no film yet).
    pub film_s: Option<f64>,
}

/// One dialogue clip of the cut.
#[derive(Debug, Clone, PartialEq)]
pub struct SpokenLine {
    pub character: Option<String>,
    pub text: String,
    /// Where the clip sits in the cut.
    pub start_s: f64,
    pub end_s: f64,
    /// Length of its voice file, when that file exists.
    pub voice_ms: Option<u64>,
}

/// One constraint of the brief and what was found.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Constraint {
    /// `title_card`, `line_spoken` or `prop_in_action`.
    pub name: String,
    pub ok: bool,
    pub detail: String,
}

/// Checks the brief in the script and in the cut.
pub fn check(script: &Script, brief: &Brief, cut: &CutFacts) -> Vec<Constraint> {
    let in_script = check_brief(script, brief);
    let mut out = Vec::new();

    let title = brief.title.trim();
    let (ok, detail) = match (&cut.title_card, in_script.title) {
        (Some(card), true) if card.trim() == title => (true, format!("title page and title card read {title:?}")),
        (Some(card), _) if card.trim() != title => (false, format!("the title card reads {card:?}, not {title:?}")),
        (None, _) => (false, "the cut has no title card".to_string()),
        _ => (false, format!("the script's title page does not carry {title:?}")),
    };
    out.push(Constraint { name: "title_card".into(), ok, detail });

    if let Some(line) = brief.line.as_deref().map(str::trim) {
        let spoken = cut.lines.iter().find(|l| l.text.trim() == line);
        let (ok, detail) = match spoken {
            _ if !in_script.line => (false, format!("nobody says {line:?} in the script")),
            None => (false, format!("the script has {line:?}, but no shot of the cut speaks it")),
            Some(l) if l.voice_ms.is_none_or(|ms| ms == 0) => {
                (false, format!("the shot speaking {line:?} has no voice clip"))
            }
            Some(l) if cut.film_s.is_none_or(|film| l.end_s > film + 0.05) => (
                false,
                format!(
                    "the line is placed at {:.1}-{:.1} s, outside the film ({})",
                    l.start_s,
                    l.end_s,
                    cut.film_s.map_or("not made".to_string(), |s| format!("{s:.1} s"))
                ),
            ),
            Some(l) => (
                true,
                format!(
                    "{} says it at {} ({:.1} s of voice)",
                    l.character.as_deref().unwrap_or("a character"),
                    clock(l.start_s),
                    l.voice_ms.unwrap_or(0) as f64 / 1000.0
                ),
            ),
        };
        out.push(Constraint { name: "line_spoken".into(), ok, detail });
    }

    if let Some(prop) = brief.prop.as_deref().map(str::trim) {
        let (ok, detail) = if in_script.prop {
            (true, format!("an action line holds {prop:?}"))
        } else {
            (false, format!("no action line of the script holds {prop:?}"))
        };
        out.push(Constraint { name: "prop_in_action".into(), ok, detail });
    }
    out
}

/// `75.5` → `1:15.5`.
fn clock(s: f64) -> String {
    format!("{}:{:04.1}", (s / 60.0).floor() as u64, s % 60.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LINE: &str = "In a future with mass unemployment, young people are forced to sell blood.";

    fn script() -> Script {
        let text = format!(
            "Title: Sunspring\n\nINT. SHIP - NIGHT\n\nH pulls a book from a shelf. A book pulled from a shelf.\n\n\
             H\n{LINE}\n"
        );
        crate::fountain::parse(&text).0
    }

    fn brief() -> Brief {
        Brief { title: "Sunspring".into(), line: Some(LINE.into()), prop: Some("a book pulled from a shelf".into()) }
    }

    fn cut() -> CutFacts {
        CutFacts {
            title_card: Some("Sunspring".into()),
            lines: vec![SpokenLine {
                character: Some("H".into()),
                text: LINE.into(),
                start_s: 12.0,
                end_s: 17.0,
                voice_ms: Some(4600),
            }],
            film_s: Some(40.0),
        }
    }

    fn verdicts(cut: &CutFacts) -> Vec<(String, bool)> {
        check(&script(), &brief(), cut).into_iter().map(|c| (c.name, c.ok)).collect()
    }

    #[test]
    fn a_cut_that_honours_the_brief_passes_every_check() {
        let all = check(&script(), &brief(), &cut());
        assert!(all.iter().all(|c| c.ok), "{all:?}");
        assert_eq!(all.len(), 3);
        assert!(all[1].detail.contains("H says it at 0:12.0"), "{}", all[1].detail);
    }

    #[test]
    fn each_missing_piece_fails_its_own_check() {
        let mut no_card = cut();
        no_card.title_card = None;
        assert_eq!(verdicts(&no_card)[0], ("title_card".into(), false));

        let mut wrong_card = cut();
        wrong_card.title_card = Some("Zone Out".into());
        assert_eq!(verdicts(&wrong_card)[0], ("title_card".into(), false));

        let mut silent = cut();
        silent.lines[0].voice_ms = None;
        assert_eq!(verdicts(&silent)[1], ("line_spoken".into(), false));

        let mut cut_short = cut();
        cut_short.film_s = Some(10.0);
        assert_eq!(verdicts(&cut_short)[1], ("line_spoken".into(), false));

        let mut unspoken = cut();
        unspoken.lines.clear();
        assert_eq!(verdicts(&unspoken)[1], ("line_spoken".into(), false));
        // The other checks are not disturbed by one failing.
        assert!(verdicts(&unspoken)[0].1 && verdicts(&unspoken)[2].1);
    }

    #[test]
    fn a_prop_missing_from_the_action_fails() {
        let other = Brief { prop: Some("a red balloon".into()), ..brief() };
        let all = check(&script(), &other, &cut());
        assert_eq!((all[2].name.as_str(), all[2].ok), ("prop_in_action", false));
    }
}

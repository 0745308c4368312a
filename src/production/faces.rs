//! Who is face-swapped where: the stars a production casts (production.toml's `[cast]`, or one star given on the
//! command line for the lead), and the shots whose footage gets the star's face. Pure: the caller says which
//! archive footage has faces.
//!
//! A shot is swapped when it is a dialogue shot of a cast character and its footage showed a face when the archive
//! was analysed. Action and establishing shots are never swapped: nobody in them is known to be the character.

use std::collections::BTreeMap;

use super::PlannedShot;
use super::config::{ProductionConfig, character_key};
use crate::name::Slug;
use crate::store::ShotKind;

/// One shot that gets a star's face.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SwapTarget {
    /// Position of the shot in the cut.
    pub position: usize,
    /// The character, as the script writes it.
    pub character: String,
    pub star: Slug,
}

/// The speaker with the most dialogue shots; the first to speak among equals.
pub fn lead(shots: &[PlannedShot]) -> Option<String> {
    let mut lines: BTreeMap<String, (usize, usize)> = BTreeMap::new();
    for (i, shot) in shots.iter().enumerate() {
        if let (ShotKind::Dialogue, Some(c)) = (shot.kind, &shot.character) {
            lines.entry(character_key(c)).or_insert((0, i)).0 += 1;
        }
    }
    let (key, _) = lines.into_iter().max_by(|a, b| a.1.0.cmp(&b.1.0).then(b.1.1.cmp(&a.1.1)))?;
    shots.iter().filter_map(|s| s.character.clone()).find(|c| character_key(c) == key)
}

/// The star playing `character`: production.toml's `[cast]` entry, else `star` when the character is `lead`.
pub fn star_for(config: &ProductionConfig, star: Option<&(String, Slug)>, character: &str) -> Option<Slug> {
    config
        .star_for(character)
        .cloned()
        .or_else(|| star.filter(|(lead, _)| character_key(lead) == character_key(character)).map(|(_, s)| s.clone()))
}

/// The shots to swap: dialogue shots of a cast character whose footage (`has_face(position)`) shows a face.
pub fn targets(
    shots: &[PlannedShot],
    config: &ProductionConfig,
    star: Option<&(String, Slug)>,
    has_face: &dyn Fn(usize) -> bool,
) -> Vec<SwapTarget> {
    shots
        .iter()
        .enumerate()
        .filter(|(_, s)| s.kind == ShotKind::Dialogue)
        .filter_map(|(position, s)| {
            let character = s.character.clone()?;
            let star = star_for(config, star, &character)?;
            has_face(position).then_some(SwapTarget { position, character, star })
        })
        .collect()
}

/// The disclosure of swapped faces, one clause per star: "the face of H is carphone's, drawn by a face-swap model
/// over archival footage in shots 4, 9".
pub fn disclosure(targets: &[SwapTarget]) -> Option<String> {
    let mut by: BTreeMap<(String, String), Vec<usize>> = BTreeMap::new();
    for t in targets {
        by.entry((t.character.clone(), t.star.to_string())).or_default().push(t.position);
    }
    if by.is_empty() {
        return None;
    }
    let clauses: Vec<String> = by
        .into_iter()
        .map(|((character, star), positions)| {
            let shots = positions.iter().map(usize::to_string).collect::<Vec<_>>().join(", ");
            let noun = if positions.len() == 1 { "shot" } else { "shots" };
            format!("the face of {character} is {star}'s, drawn by a face-swap model over archival footage in {noun} {shots}")
        })
        .collect();
    Some(clauses.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shot(kind: ShotKind, character: Option<&str>) -> PlannedShot {
        PlannedShot {
            scene: 1,
            kind,
            character: character.map(str::to_string),
            parenthetical: None,
            text: "words".into(),
            heading: None,
            target_ms: 2000,
            script_line: 1,
        }
    }

    fn slug(s: &str) -> Slug {
        Slug::parse_for("star", s).unwrap()
    }

    #[test]
    fn the_lead_has_the_most_lines_and_ties_go_to_the_first_speaker() {
        let d = |c| shot(ShotKind::Dialogue, Some(c));
        let shots = vec![shot(ShotKind::Action, None), d("C"), d("H"), d("h "), d("C")];
        // C and H both speak twice (names compare by case); C spoke first.
        assert_eq!(lead(&shots).as_deref(), Some("C"));
        let shots = vec![d("C"), d("H"), d("H")];
        assert_eq!(lead(&shots).as_deref(), Some("H"));
        assert_eq!(lead(&[shot(ShotKind::Action, None)]), None);
    }

    #[test]
    fn only_dialogue_of_cast_characters_with_faces_is_swapped() {
        let shots = vec![
            shot(ShotKind::Title, None),
            shot(ShotKind::Dialogue, Some("H")),
            shot(ShotKind::Dialogue, Some("C")),
            shot(ShotKind::Action, None),
            shot(ShotKind::Dialogue, Some("H")),
            shot(ShotKind::Dialogue, Some("H")),
        ];
        let mut config = ProductionConfig::default();
        config.cast.insert("c".into(), slug("ann"));
        let lead = ("H".to_string(), slug("carphone"));
        let faces = |p: usize| p != 4;
        let got = targets(&shots, &config, Some(&lead), &faces);
        let got: Vec<(usize, &str, &str)> =
            got.iter().map(|t| (t.position, t.character.as_str(), t.star.as_str())).collect();
        assert_eq!(got, vec![(1, "H", "carphone"), (2, "C", "ann"), (5, "H", "carphone")]);
        // production.toml wins over the command line's star.
        config.cast.insert("H".into(), slug("bob"));
        assert_eq!(targets(&shots, &config, Some(&lead), &faces)[0].star.as_str(), "bob");
        assert!(targets(&shots, &ProductionConfig::default(), None, &faces).is_empty());
    }

    #[test]
    fn the_disclosure_names_every_character_star_and_shot() {
        let t =
            |position, character: &str, star| SwapTarget { position, character: character.into(), star: slug(star) };
        let text = disclosure(&[t(4, "H", "carphone"), t(9, "H", "carphone"), t(7, "C", "ann")]).unwrap();
        assert_eq!(
            text,
            "the face of C is ann's, drawn by a face-swap model over archival footage in shot 7; the face of H is \
             carphone's, drawn by a face-swap model over archival footage in shots 4, 9"
        );
        assert_eq!(disclosure(&[]), None);
    }
}

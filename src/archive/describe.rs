//! Words for a shot, built from its measured features, so that text search (and later semantic search) can find
//! "a dark, still shot" or "bright, fast, loud". Pure: no I/O.

use super::analysis::ShotFeatures;
use crate::faces::ShotScale;

/// What is known about a shot, for [`describe`].
#[derive(Debug, Clone, Copy)]
pub struct ShotFacts<'a> {
    pub features: &'a ShotFeatures,
    pub duration_s: f64,
    pub loudness_lufs: Option<f64>,
    pub has_dialogue: bool,
    /// Faces found on the keyframe, and the scale they give; `None` when faces were not looked for.
    pub faces: Option<(usize, ShotScale)>,
}

/// A short description of a shot: light, contrast, motion, length, scale, faces, colours, sound and dialogue.
pub fn describe(facts: &ShotFacts) -> String {
    let ShotFacts { features, duration_s, loudness_lufs, has_dialogue, faces } = *facts;
    let mut words: Vec<&str> = Vec::new();
    words.push(match features.luma_mean {
        l if l < 50.0 => "dark night",
        l if l < 100.0 => "dim",
        l if l > 170.0 => "bright day",
        _ => "lit",
    });
    if features.contrast < 25.0 {
        words.push("flat low-contrast");
    } else if features.contrast > 70.0 {
        words.push("high-contrast");
    }
    words.push(match features.motion {
        m if m < 1.5 => "still static",
        m if m < 6.0 => "moving",
        _ => "fast action",
    });
    words.push(match duration_s {
        d if d < 2.0 => "short",
        d if d > 8.0 => "long",
        _ => "medium-length",
    });
    if let Some((_, scale)) = faces {
        words.push(match scale {
            ShotScale::Close => "close-up",
            ShotScale::Medium => "medium",
            ShotScale::Wide => "wide",
        });
    }
    words.push("shot");
    let colours: Vec<&str> = features.dominant_colours.iter().map(|c| colour_name(*c)).collect();
    let mut named: Vec<&str> = Vec::new();
    for c in colours {
        if !named.contains(&c) {
            named.push(c);
        }
    }
    let mut text = words.join(" ");
    match faces {
        Some((0, _)) => text.push_str(", no faces"),
        Some((1, _)) => text.push_str(", one face person"),
        Some((2, _)) => text.push_str(", two faces people"),
        Some((n, _)) => text.push_str(&format!(", {n} faces people group")),
        None => {}
    }
    if !named.is_empty() {
        text.push_str(", ");
        text.push_str(&named.join(" and "));
    }
    text.push_str(match loudness_lufs {
        None => ", silent",
        Some(l) if l > -20.0 => ", loud",
        Some(l) if l < -40.0 => ", quiet",
        Some(_) => "",
    });
    if has_dialogue {
        text.push_str(", dialogue");
    }
    text
}

/// The nearest everyday colour name.
pub fn colour_name([r, g, b]: [u8; 3]) -> &'static str {
    let (r, g, b) = (f32::from(r), f32::from(g), f32::from(b));
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let chroma = max - min;
    if chroma < 24.0 {
        return match max {
            m if m < 50.0 => "black",
            m if m > 200.0 => "white",
            _ => "grey",
        };
    }
    let hue = if max == r {
        60.0 * (((g - b) / chroma).rem_euclid(6.0))
    } else if max == g {
        60.0 * ((b - r) / chroma + 2.0)
    } else {
        60.0 * ((r - g) / chroma + 4.0)
    };
    match hue {
        h if !(15.0..345.0).contains(&h) => {
            if max < 120.0 {
                "brown"
            } else {
                "red"
            }
        }
        h if h < 45.0 => {
            if max < 140.0 {
                "brown"
            } else {
                "orange"
            }
        }
        h if h < 70.0 => "yellow",
        h if h < 165.0 => "green",
        h if h < 200.0 => "cyan",
        h if h < 255.0 => "blue",
        h if h < 290.0 => "purple",
        _ => "pink",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[track_caller]
    fn check(rgb: [u8; 3], expected: &str) {
        assert_eq!(colour_name(rgb), expected, "{rgb:?}");
    }

    #[test]
    fn colour_names() {
        check([0, 0, 0], "black");
        check([250, 250, 250], "white");
        check([128, 128, 128], "grey");
        check([220, 20, 20], "red");
        check([100, 40, 20], "brown");
        check([240, 140, 20], "orange");
        check([230, 220, 30], "yellow");
        check([30, 200, 40], "green");
        check([30, 200, 210], "cyan");
        check([40, 60, 220], "blue");
        check([130, 40, 210], "purple");
        check([230, 60, 180], "pink");
    }

    fn features(luma: f32, contrast: f32, motion: f32, colours: Vec<[u8; 3]>) -> ShotFeatures {
        ShotFeatures {
            frame_count: 100,
            luma_mean: luma,
            contrast,
            motion,
            hue_histogram: Default::default(),
            dominant_colours: colours,
        }
    }

    #[test]
    fn descriptions() {
        let dark = features(30.0, 10.0, 0.5, vec![[0, 0, 0], [40, 60, 220]]);
        let facts =
            ShotFacts { features: &dark, duration_s: 9.0, loudness_lufs: None, has_dialogue: false, faces: None };
        assert_eq!(describe(&facts), "dark night flat low-contrast still static long shot, black and blue, silent");
        let bright = features(200.0, 80.0, 12.0, vec![[250, 250, 250]]);
        let facts = ShotFacts {
            features: &bright,
            duration_s: 1.0,
            loudness_lufs: Some(-12.0),
            has_dialogue: true,
            faces: Some((1, ShotScale::Close)),
        };
        assert_eq!(
            describe(&facts),
            "bright day high-contrast fast action short close-up shot, one face person, white, loud, dialogue"
        );
        let crowd = ShotFacts { faces: Some((4, ShotScale::Medium)), ..facts };
        assert!(describe(&crowd).contains("medium shot, 4 faces people group"), "{}", describe(&crowd));
    }
}

//! Words for a shot, built from its measured features, so that text search (and later semantic search) can find
//! "a dark, still shot" or "bright, fast, loud". Pure: no I/O.

use super::analysis::ShotFeatures;

/// A short description of a shot: light, contrast, motion, colours, length, sound and dialogue.
pub fn describe(features: &ShotFeatures, duration_s: f64, loudness_lufs: Option<f64>, has_dialogue: bool) -> String {
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
    words.push("shot");
    let colours: Vec<&str> = features.dominant_colours.iter().map(|c| colour_name(*c)).collect();
    let mut named: Vec<&str> = Vec::new();
    for c in colours {
        if !named.contains(&c) {
            named.push(c);
        }
    }
    let mut text = words.join(" ");
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
        let d = describe(&features(30.0, 10.0, 0.5, vec![[0, 0, 0], [40, 60, 220]]), 9.0, None, false);
        assert_eq!(d, "dark night flat low-contrast still static long shot, black and blue, silent");
        let d = describe(&features(200.0, 80.0, 12.0, vec![[250, 250, 250]]), 1.0, Some(-12.0), true);
        assert_eq!(d, "bright day high-contrast fast action short shot, white, loud, dialogue");
    }
}

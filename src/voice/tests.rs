//! End-to-end tests with real synthesis: both backends, hostile text, distinct voices, delivery and fallback.
//!
//! They need espeak-ng installed; the neural-voice tests also need the assets in reel's cache (`make` fetches them)
//! and are skipped with a message when those are missing. Nothing here is mocked.

use std::path::Path;
use std::sync::OnceLock;

use super::*;

/// One `Voices` for the whole test binary: ONNX Runtime allows one environment per process.
fn voices() -> &'static Voices {
    static VOICES: OnceLock<Voices> = OnceLock::new();
    VOICES.get_or_init(|| Voices::new(&VoiceAssets::discover(), Settings::default()).expect("espeak-ng is installed"))
}

fn piper_spec() -> Option<VoiceSpec> {
    if voices().has_neural_voice() {
        Some(VoiceSpec::new(Engine::Piper, "joe"))
    } else {
        eprintln!("skipping neural-voice checks: {:?}", voices().notes());
        None
    }
}

fn espeak_spec() -> VoiceSpec {
    VoiceSpec::new(Engine::Espeak, "en-us")
}

fn both_specs() -> Vec<VoiceSpec> {
    let mut specs = vec![espeak_spec()];
    specs.extend(piper_spec());
    specs
}

fn rms(x: &[f32]) -> f32 {
    (x.iter().map(|s| s * s).sum::<f32>() / x.len().max(1) as f32).sqrt()
}

/// Median F0 over voiced frames.
fn median_f0(audio: &Audio) -> f32 {
    let mut f0s: Vec<f32> = frame_f0s(audio).into_iter().flatten().collect();
    assert!(f0s.len() >= 5, "too few voiced frames ({})", f0s.len());
    median(&mut f0s)
}

fn median(x: &mut [f32]) -> f32 {
    x.sort_by(f32::total_cmp);
    x[x.len() / 2]
}

/// F0 of each half-overlapping frame by YIN (cumulative mean normalised difference), 60-400 Hz; `None` for frames
/// that are quiet or unvoiced. Frames sit at fixed times, so two signals of one length give comparable lists.
fn frame_f0s(audio: &Audio) -> Vec<Option<f32>> {
    let rate = audio.sample_rate as usize;
    // Decimate to ~16 kHz by averaging; plenty for a 400 Hz ceiling and three times cheaper.
    let step = (rate / 16_000).max(1);
    let x: Vec<f32> = audio.samples.chunks(step).map(|c| c.iter().sum::<f32>() / c.len() as f32).collect();
    let rate = (rate / step) as f32;
    let (min_lag, max_lag) = ((rate / 400.0) as usize, (rate / 60.0) as usize);
    let window = max_lag * 2;
    let loud = rms(&x);
    let mut f0s = Vec::new();
    let mut start = 0;
    while start + window + max_lag < x.len() {
        let frame = &x[start..start + window + max_lag];
        start += window / 2;
        if rms(&frame[..window]) < loud * 0.5 {
            f0s.push(None);
            continue;
        }
        let diff: Vec<f32> =
            (0..=max_lag).map(|lag| (0..window).map(|i| (frame[i] - frame[i + lag]).powi(2)).sum::<f32>()).collect();
        let mut running = 0.0;
        let cmnd: Vec<f32> = diff
            .iter()
            .enumerate()
            .map(|(lag, d)| {
                if lag == 0 {
                    return 1.0;
                }
                running += d;
                d * lag as f32 / running.max(1e-9)
            })
            .collect();
        let Some(mut lag) = (min_lag..max_lag).find(|&l| cmnd[l] < 0.15) else {
            f0s.push(None);
            continue;
        };
        while lag + 1 < max_lag && cmnd[lag + 1] < cmnd[lag] {
            lag += 1;
        }
        f0s.push(Some(rate / lag as f32));
    }
    f0s
}

fn read(path: &Path) -> (Audio, hound::WavSpec) {
    let reader = hound::WavReader::open(path).expect("output WAV opens");
    let spec = reader.spec();
    let audio = wav::decode(std::fs::File::open(path).expect("open"), "test output").expect("decodes");
    (audio, spec)
}

#[test]
fn both_backends_write_loud_plausible_48k_mono() {
    let dir = tempfile::tempdir().expect("temp dir");
    let text = "I never thought I would see the ocean again, not after everything that happened.";
    let words = text.split_whitespace().count() as u64;
    for spec in both_specs() {
        let path = dir.path().join(format!("{}.wav", spec.engine.name()));
        let info = voices().render(&Line::new(text, &spec), &path).expect("renders");
        let (audio, wav) = read(&path);
        assert_eq!((wav.sample_rate, wav.channels), (48_000, 1), "{spec}");
        assert!(rms(&audio.samples) > 0.01, "{spec}: silent output");
        let ms = audio.duration_ms();
        // 100 to 400 words a minute.
        assert!((150 * words..=600 * words).contains(&ms), "{spec}: {ms} ms for {words} words");
        assert_eq!(info.duration_ms, ms);
        let measured = measure(&audio.samples, 48_000).expect("measures");
        assert!((measured.lufs + 20.0).abs() <= 1.0, "{spec}: {} LUFS", measured.lufs);
        assert!(measured.true_peak_dbtp <= -0.9, "{spec}: {} dBTP", measured.true_peak_dbtp);
        assert!((info.loudness_lufs + 20.0).abs() <= 1.0 && info.notes.is_empty(), "{spec}: {info:?}");
        // Fades: the file starts and ends at (near) zero.
        assert!(audio.samples[0].abs() < 1e-3 && audio.samples[audio.samples.len() - 1].abs() < 1e-3);
    }
}

#[test]
fn hostile_text_is_spoken_and_runs_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    let canary = dir.path().join("pwned");
    let canary2 = dir.path().join("pwned2");
    let long = "All work and no play makes Jack a dull boy. ".repeat(50);
    let hostile = [
        format!("$(touch {})", canary.display()),
        format!("`touch {}`; echo hi", canary2.display()),
        "--help".to_owned(),
        "-v xx -w /tmp/evil.wav".to_owned(),
        "\"Quoted,\" she said, 'and single-quoted'.".to_owned(),
        "I love you \u{1F600}\u{2764}\u{FE0F}!".to_owned(),
        "line one\nline two\r\0 three".to_owned(),
        long[..2_000].to_owned(),
    ];
    for spec in both_specs() {
        for (i, text) in hostile.iter().enumerate() {
            let path = dir.path().join(format!("{}-{i}.wav", spec.engine.name()));
            let info = voices().render(&Line::new(text, &spec), &path).expect("hostile text still renders");
            let (audio, _) = read(&path);
            assert!(rms(&audio.samples) > 0.01, "{spec}: {text:?} was not spoken");
            // Spoken as written: at least as long as its words take at 400 words a minute, so not swallowed as
            // options or cut short at a quote or newline.
            let words = text.split_whitespace().count().max(1) as u64;
            assert!(info.duration_ms >= 150 * words, "{spec}: {text:?} too short: {info:?}");
            if text.len() == 2_000 {
                // Split at its sentences, and still no longer than 100 words a minute with the pauses.
                assert!(info.duration_ms <= 600 * words, "{spec}: {words} words: {info:?}");
            }
        }
        assert!(!canary.exists() && !canary2.exists(), "{spec}: text was executed");
        assert!(!Path::new("/tmp/evil.wav").exists());
    }
}

#[test]
fn unspeakable_and_empty_lines_give_silence_and_a_warning() {
    let dir = tempfile::tempdir().expect("temp dir");
    for spec in both_specs() {
        for text in ["", "   ", "\u{1F600}\u{1F600}", "..."] {
            let path = dir.path().join("empty.wav");
            let info = voices().render(&Line::new(text, &spec), &path).expect("renders silence");
            assert!((290..=310).contains(&info.duration_ms), "{spec} {text:?}: {info:?}");
            assert!(info.notes.iter().any(|n| n.contains("nothing to speak")), "{spec} {text:?}: {info:?}");
            let (audio, wav) = read(&path);
            assert_eq!(wav.sample_rate, 48_000);
            assert!(audio.samples.iter().all(|&s| s == 0.0));
        }
    }
}

#[test]
fn emoji_are_cleaned_with_a_note() {
    let spec = espeak_spec();
    let (_, info) = voices().perform(&Line::new("Hello \u{1F600} there", &spec)).expect("renders");
    assert_eq!(info.notes, vec!["removed 1 character(s) no voice can speak".to_owned()]);
}

/// Casts three characters from one backend, voices the same line for each, and checks that every pair of median F0s
/// is at least 10% apart.
fn check_distinct_voices(engine: Engine) -> Vec<(String, f32)> {
    let text = "We should leave before the morning light reaches the valley below.";
    let cast = cast(&["ALICE", "BOB", "CAROL"], 2018, engine, "joe");
    let f0s: Vec<(String, f32)> = cast
        .iter()
        .map(|(name, spec)| {
            let (audio, _) = voices().perform(&Line::new(text, spec)).expect("renders");
            (format!("{name} ({spec})"), median_f0(&audio))
        })
        .collect();
    eprintln!("median F0 per voice: {f0s:?}");
    for (i, (a, fa)) in f0s.iter().enumerate() {
        for (b, fb) in &f0s[i + 1..] {
            let gap = (fa / fb).max(fb / fa) - 1.0;
            assert!(gap >= 0.10, "{a} at {fa:.1} Hz and {b} at {fb:.1} Hz are only {:.1}% apart", gap * 100.0);
        }
    }
    f0s
}

#[test]
fn espeak_cast_voices_have_distinct_pitch() {
    check_distinct_voices(Engine::Espeak);
}

#[test]
fn neural_cast_voices_have_distinct_pitch() {
    if piper_spec().is_some() {
        check_distinct_voices(Engine::Piper);
    }
}

#[test]
fn pitch_shift_keeps_duration_and_moves_f0() {
    let Some(spec) = piper_spec() else { return };
    let Some(piper) = &voices().piper else { return };
    let original =
        piper.synthesize("Keep the same length, but sing it higher.", &spec, &Prosody::default()).expect("speaks");
    // Piper's timbre noise is drawn afresh on every call and its F0 wanders over the line, so medians of two
    // renders (or of one render's frames before and after) can sit a semitone apart by chance. Compare frame by
    // frame instead: the shift keeps every frame where it was, so each voiced frame's F0 ratio measures the shift.
    let base = frame_f0s(&original);
    for semitones in [-4.0_f32, 3.0] {
        let shifted = shift_pitch(&original.samples, original.sample_rate, semitones).expect("shifts");
        let ratio = shifted.len() as f32 / original.samples.len() as f32;
        assert!((ratio - 1.0).abs() <= 0.03, "{semitones} st changed the duration by {ratio}");
        let moved = frame_f0s(&Audio { samples: shifted, sample_rate: original.sample_rate });
        let mut ratios: Vec<f32> = base.iter().zip(&moved).filter_map(|(a, b)| Some((*b)? / (*a)?)).collect();
        assert!(ratios.len() >= 5, "{semitones} st: only {} frames voiced in both", ratios.len());
        let got = median(&mut ratios);
        let expected = 2f32.powf(semitones / 12.0);
        assert!(
            (got / expected - 1.0).abs() < 0.03,
            "{semitones} st: median frame F0 ratio {got:.3}, expected {expected:.3} over {} frames",
            ratios.len()
        );
    }
}

#[test]
fn whispering_is_slower_and_quieter_before_normalisation() {
    let text = "Do not wake the guards, they sleep lightly.";
    let whisper = Prosody::from_parenthetical(Some("(whispering)"));
    for spec in both_specs() {
        let backend: &dyn Backend = match (&spec.engine, &voices().piper) {
            (Engine::Piper, Some(piper)) => piper,
            _ => &voices().espeak,
        };
        let normal = backend.synthesize(text, &spec, &Prosody::default()).expect("speaks");
        let soft = backend.synthesize(text, &spec, &whisper).expect("whispers");
        assert!(soft.duration_ms() > normal.duration_ms(), "{spec}: whisper not slower");
        assert!(rms(&soft.samples) < rms(&normal.samples) * 0.7, "{spec}: whisper not quieter");
        // The mastered line keeps the difference: its target is offset by the delivery's gain.
        let (_, info) =
            voices().perform(&Line { parenthetical: Some("whispers"), ..Line::new(text, &spec) }).expect("renders");
        assert!((info.loudness_lufs - (-28.0)).abs() <= 1.0, "{spec}: {info:?}");
    }
}

#[test]
fn shouting_is_louder_faster_and_higher() {
    let text = "Get out of my house right now and never come back here.";
    for spec in both_specs() {
        let (calm, _) = voices().perform(&Line::new(text, &spec)).expect("renders");
        let (loud, info) =
            voices().perform(&Line { parenthetical: Some("(shouting)"), ..Line::new(text, &spec) }).expect("renders");
        assert!(loud.duration_ms() < calm.duration_ms(), "{spec}");
        let (f_loud, f_calm) = (median_f0(&loud), median_f0(&calm));
        assert!(f_loud > f_calm * 1.05, "{spec}: shouted {f_loud:.1} Hz, calm {f_calm:.1} Hz");
        // Mastered 4 LU above a neutral line (-20 LUFS), under the same true-peak ceiling.
        assert!((info.loudness_lufs - (-16.0)).abs() <= 1.0, "{spec}: {info:?}");
        assert!(info.true_peak_dbtp <= -0.9, "{spec}: {info:?}");
    }
}

#[test]
fn beats_add_pauses() {
    let spec = espeak_spec();
    let plain = voices().perform(&Line::new("I know. You know.", &spec)).expect("renders").1.duration_ms;
    let beat = voices().perform(&Line { parenthetical: Some("(beat)"), ..Line::new("I know. You know.", &spec) });
    assert!(beat.expect("renders").1.duration_ms >= plain + 300);
    for ellipsis in ["I know... You know.", "I know\u{2026} You know."] {
        let inline = voices().perform(&Line::new(ellipsis, &spec)).expect("renders").1.duration_ms;
        assert!(
            inline >= plain + 100,
            "an ellipsis pause (400 ms) replaces a sentence gap (250 ms): {inline} vs {plain}"
        );
    }
    let inline_beat = voices().perform(&Line::new("I know (beat) you know.", &spec)).expect("renders").1.duration_ms;
    let no_beat = voices().perform(&Line::new("I know you know.", &spec)).expect("renders").1.duration_ms;
    assert!(inline_beat >= no_beat + 300, "{inline_beat} vs {no_beat}");
}

#[test]
fn foreign_scripts_fall_back_to_espeak_languages() {
    let specs = [VoiceSpec::new(Engine::Piper, "joe"), "espeak:en-us+f3".parse().expect("spec")];
    for spec in &specs {
        for (text, lang, voice) in [
            ("Привет, как твои дела сегодня?", None, "ru"),
            ("Καλημέρα, τι κάνεις σήμερα;", None, "el"),
            ("你好，今天天气很好。", None, "cmn"),
            ("Bonjour tout le monde", Some("fr"), "fr"),
        ] {
            let (audio, info) = voices().perform(&Line { lang, ..Line::new(text, spec) }).expect("renders");
            assert!(rms(&audio.samples) > 0.01, "{text}: silent");
            let note = info.notes.iter().find(|n| n.contains("espeak-ng voice")).expect("a language note");
            assert!(note.contains(&format!("`{voice}")), "{note}");
        }
    }
}

#[test]
fn missing_neural_voice_falls_back_with_one_note() {
    let assets = VoiceAssets {
        piper_model: Some("/nonexistent/voice.onnx".into()),
        onnxruntime: Some("/nonexistent/libonnxruntime.so".into()),
    };
    let fallback = Voices::new(&assets, Settings::default()).expect("espeak-ng still works");
    assert!(!fallback.has_neural_voice());
    assert_eq!(fallback.notes().len(), 1, "{:?}", fallback.notes());
    assert!(fallback.notes()[0].contains("/nonexistent/voice.onnx.json"), "{:?}", fallback.notes());
    let spec = VoiceSpec::new(Engine::Piper, "joe");
    let dir = tempfile::tempdir().expect("temp dir");
    let info = fallback.render(&Line::new("Can anyone hear me?", &spec), &dir.path().join("a.wav")).expect("renders");
    assert!(info.notes.is_empty(), "the fallback is noted once, not per line: {info:?}");
    assert!(info.duration_ms > 500);

    let none = Voices::new(&VoiceAssets::default(), Settings::default()).expect("espeak-ng still works");
    assert_eq!(none.notes().len(), 1, "{:?}", none.notes());
}

#[test]
fn missing_espeak_is_a_clear_error() {
    let err = Voices::with_espeak(
        Espeak::with_program("/nonexistent/espeak-ng"),
        &VoiceAssets::default(),
        Settings::default(),
    )
    .err()
    .expect("fails");
    assert!(matches!(err, VoiceError::EspeakMissing { .. }) && err.to_string().contains("apt-get install espeak-ng"));
}

#[test]
fn bad_espeak_voice_is_an_error_not_a_panic() {
    let spec: VoiceSpec = "espeak:xx-nonexistent".parse().expect("syntactically fine");
    let err = voices().perform(&Line::new("Hello", &spec)).expect_err("unknown voice");
    assert!(err.to_string().contains("xx-nonexistent"), "{err}");
}

#[test]
fn voices_can_be_shared_between_worker_threads() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<Voices>();
}

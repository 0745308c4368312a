//! `reel archive add` and `reel shots`: footage in, a searchable shot database out.

use std::path::Path;

use super::fixtures::ffmpeg;
use crate::common::{self, Dir};

/// Two shots (testsrc2, then mandelbrot after two seconds of black) with a sidecar SRT, plus a fake video.
fn footage(dir: &Path) {
    ffmpeg(&[
        "-f",
        "lavfi",
        "-i",
        "testsrc2=size=320x240:rate=25:d=2",
        "-f",
        "lavfi",
        "-i",
        "color=c=black:size=320x240:rate=25:d=2",
        "-f",
        "lavfi",
        "-i",
        "mandelbrot=size=320x240:rate=25,trim=duration=2",
        "-filter_complex",
        "[0][1][2]concat=n=3:v=1:a=0",
        "-pix_fmt",
        "yuv420p",
        dir.join("cuts.mp4").to_str().unwrap(),
    ]);
    std::fs::write(
        dir.join("cuts.srt"),
        "1\n00:00:00,500 --> 00:00:01,500\nThe lantern is failing.\n\n2\n00:00:04,200 --> 00:00:05,500\nWe are not alone out here.\n",
    )
    .unwrap();
    std::fs::write(dir.join("fake.mp4"), b"this is not a video").unwrap();
}

#[test]
fn archive_add_builds_a_searchable_shot_database() {
    let dir = Dir::new();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    footage(&media);
    let run = dir.reel().args(["archive", "add"]).arg(&media).code(1);
    assert!(run.stdout().contains("cuts.mp4: 2 shots, 2 dialogue cues"), "{}", run.stdout());
    assert!(run.stderr().contains("fake.mp4: not a media file"), "the bad file is named: {}", run.stderr());

    let hits: serde_json::Value =
        serde_json::from_str(&dir.reel().args(["shots", "query", "lantern", "--json"]).success().stdout()).unwrap();
    assert_eq!(hits.as_array().unwrap().len(), 1, "{hits}");
    assert_eq!(hits[0]["dialogue"], "The lantern is failing.");
    assert_eq!(hits[0]["start_s"], 0.0);
    let id = hits[0]["id"].as_i64().unwrap();
    let thumb = hits[0]["thumbnail"].as_str().unwrap();
    assert!(dir.path().join(thumb).is_file(), "thumbnail {thumb} exists");

    let second = dir.reel().args(["shots", "query", "alone"]).success().stdout();
    assert!(second.contains("0:00:03.000-0:00:06.000"), "the cue at 4.2 s belongs to the second shot: {second}");
    let csv = dir.reel().args(["shots", "query", "--source", "*cuts*", "--csv"]).success().stdout();
    assert_eq!(csv.lines().count(), 3, "header and two shots: {csv}");
    assert!(dir.reel().args(["shots", "query", "--bright"]).success().stdout().contains("no shots match"));
    let show = dir.reel().args(["shots", "show", &id.to_string()]).success().stdout();
    assert!(show.contains("dialogue    The lantern is failing."), "{show}");

    let sheet = dir.path().join("sheet.png");
    let made = dir.reel().args(["shots", "sheet", "--columns", "2", "-o"]).arg(&sheet).success();
    assert!(made.stdout().contains("2 shots, 402x136 px"), "{}", made.stdout());
    let picture = image::open(&sheet).unwrap().to_rgb8();
    assert_eq!((picture.width(), picture.height()), (402, 136));
    let none = dir.reel().args(["shots", "sheet", "zebra", "-o"]).arg(dir.path().join("x.png")).code(2);
    assert!(none.stderr().contains("no shots match"), "{}", none.stderr());

    let bad = dir.reel().args(["shots", "query", "\"unbalanced"]).code(2);
    assert!(bad.stderr().contains("bad search \"\\\"unbalanced\""), "{}", bad.stderr());
    let missing = dir.reel().args(["shots", "show", "999"]).code(2);
    assert!(missing.stderr().contains("no archive shot with id 999"), "{}", missing.stderr());

    // Again: nothing is analysed twice.
    let again = dir.reel().args(["archive", "add"]).arg(&media).code(1);
    // Per file an ingest job, and an embed job when the model is installed.
    let jobs = if common::registry_data("minilm/model.safetensors").is_some() { 4 } else { 2 };
    assert!(again.stderr().contains(&format!("jobs: 0 ran, {jobs} up to date")), "{}", again.stderr());
    assert!(!again.stdout().contains("added"), "{}", again.stdout());
    // The same footage under another name is recognised by its content.
    std::fs::copy(media.join("cuts.mp4"), dir.path().join("copy.mp4")).unwrap();
    let copy = dir.reel().args(["archive", "add"]).arg(dir.path().join("copy.mp4")).success();
    assert!(copy.stderr().contains("already in the archive as"), "{}", copy.stderr());
}

#[test]
fn chaplin_goes_into_the_archive() {
    let Some(shared) = common::shared_data() else { return };
    let dir = Dir::new();
    let run = dir.reel().args(["archive", "add"]).arg(shared.join("footage/chaplin.mp4")).success();
    assert!(run.stdout().contains("chaplin.mp4: 1 shots, 0 dialogue cues, 9.6 s"), "{}", run.stdout());
    let list = dir.reel().args(["archive", "list"]).success().stdout();
    assert!(list.contains("640x360"), "{list}");
}

#[test]
fn text_subtitle_streams_inside_the_container_become_dialogue() {
    let dir = Dir::new();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    footage(&media);
    let (video, srt) = (media.join("cuts.mp4"), media.join("cuts.srt"));
    let ass = media.join("styled.ass");
    std::fs::write(
        &ass,
        "[Script Info]\nScriptType: v4.00+\n\n[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, \
         MarginV, Effect, Text\nDialogue: 0,0:00:00.50,0:00:01.50,Default,Ann,0,0,0,,{\\i1}The lantern{\\i0} is \
         failing.\nDialogue: 0,0:00:04.20,0:00:05.50,Default,,0,0,0,,We are not\\Nalone out here.\n",
    )
    .unwrap();
    let boxed = dir.path().join("boxed");
    std::fs::create_dir_all(&boxed).unwrap();
    // SubRip in Matroska, mov_text in MP4 and ASS in Matroska: no sidecar files beside them.
    for (name, subs, codec) in [("srt.mkv", &srt, "srt"), ("movtext.mp4", &srt, "mov_text"), ("ass.mkv", &ass, "ass")] {
        let out = boxed.join(name);
        let (v, s) = (video.to_str().unwrap(), subs.to_str().unwrap());
        ffmpeg(&["-i", v, "-i", s, "-map", "0:v", "-map", "1", "-c:v", "copy", "-c:s", codec, out.to_str().unwrap()]);
    }
    let run = dir.reel().args(["archive", "add"]).arg(&boxed).success();
    for name in ["srt.mkv", "movtext.mp4", "ass.mkv"] {
        assert!(run.stdout().contains(&format!("{name}: 2 shots, 2 dialogue cues")), "{name}: {}", run.stdout());
    }
    let hits: serde_json::Value =
        serde_json::from_str(&dir.reel().args(["shots", "query", "alone", "--json"]).success().stdout()).unwrap();
    let hits = hits.as_array().unwrap();
    assert_eq!(hits.len(), 3, "one second shot per file: {hits:?}");
    for hit in hits {
        assert_eq!(hit["start_s"], 3.0, "the cue at 4.2 s is linked to the second shot: {hit}");
        let dialogue = hit["dialogue"].as_str().unwrap();
        assert!(dialogue.contains("We are not") && dialogue.contains("alone out here."), "{dialogue}");
        assert!(!dialogue.contains('{') && !dialogue.contains("\\N"), "markup is stripped: {dialogue}");
    }
    let lantern = dir.reel().args(["shots", "query", "lantern", "--source", "*ass.mkv", "--json"]).success();
    assert!(lantern.stdout().contains("\"dialogue\": \"The lantern is failing.\""), "{}", lantern.stdout());
}

#[test]
fn shots_are_found_by_meaning_and_by_faces() {
    if common::registry_data("minilm/model.safetensors").is_none() {
        return;
    }
    let dir = Dir::new();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    footage(&media);
    std::fs::remove_file(media.join("fake.mp4")).unwrap();
    if let Some(carphone) = common::registry_data("footage/carphone_pristine.mp4") {
        std::fs::copy(carphone, media.join("carphone.mp4")).unwrap();
    }
    dir.reel().args(["archive", "add"]).arg(&media).success();

    // No word in common with the dialogue: only the cue embeddings can find these.
    let top = |args: &[&str]| -> serde_json::Value {
        let out = dir.reel().args(["shots", "query", "--json", "--limit", "1"]).args(args).success().stdout();
        serde_json::from_str::<serde_json::Value>(&out).unwrap()[0].clone()
    };
    let light = top(&["--semantic", "the lamp is going out"]);
    assert_eq!(light["dialogue"], "The lantern is failing.", "{light}");
    assert!(light["cosine"].as_f64().unwrap() > 0.3, "{light}");
    let company = top(&["--semantic", "someone else is here with us"]);
    assert_eq!(company["dialogue"], "We are not alone out here.", "{company}");
    // The default ranking fuses words and meaning: a word query still finds its shot, with both scores.
    let hybrid = top(&["lantern"]);
    assert_eq!(hybrid["dialogue"], "The lantern is failing.", "{hybrid}");
    assert!(hybrid["bm25"].is_number() && hybrid["cosine"].is_number(), "{hybrid}");
    // Natural language with punctuation that FTS5 cannot parse is searched by its words and meaning.
    dir.reel().args(["shots", "query", "don't let the lamp die!"]).success();
    // ...but malformed FTS5 syntax is still an error in every ranking.
    for ranking in [&[][..], &["--bm25"][..]] {
        let bad = dir.reel().args(["shots", "query", "NEAR(lantern"]).args(ranking).code(2);
        assert!(bad.stderr().contains("bad search"), "{}", bad.stderr());
    }

    let stats: serde_json::Value =
        serde_json::from_str(&dir.reel().args(["archive", "stats", "--json"]).success().stdout()).unwrap();
    assert_eq!(stats["cues"], 2);
    assert_eq!(stats["shots_embedded"], stats["shots"], "{stats}");
    assert_eq!(stats["cues_embedded"], 2, "{stats}");
    let text = dir.reel().args(["archive", "stats"]).success().stdout();
    assert!(text.contains("2 cues; 2 shots (") && text.contains("2 of 2 cues embedded"), "{text}");

    if media.join("carphone.mp4").is_file() {
        let close = dir.reel().args(["shots", "query", "--faces", "1", "--scale", "close", "--csv"]).success().stdout();
        let rows: Vec<&str> = close.lines().skip(1).collect();
        assert_eq!(rows.len(), 1, "{close}");
        assert!(rows[0].contains("carphone.mp4") && rows[0].contains(",1,close,"), "{}", rows[0]);
        assert!(stats["shots_with_faces"].as_i64().unwrap() >= 1, "{stats}");
        let none = dir.reel().args(["shots", "query", "--faces", "1", "--source", "*cuts*"]).success();
        assert!(none.stdout().contains("no shots match"), "the test pattern has no faces: {}", none.stdout());
    }
}

#[test]
fn without_the_embedding_model_search_falls_back_to_words() {
    let dir = Dir::new();
    let media = dir.path().join("media");
    std::fs::create_dir_all(&media).unwrap();
    footage(&media);
    std::fs::remove_file(media.join("fake.mp4")).unwrap();
    let empty_cache = dir.path().join("cache");
    std::fs::create_dir_all(&empty_cache).unwrap();
    let empty_cache = empty_cache.to_str().unwrap();
    let add = dir.reel().env("REEL_CACHE", empty_cache).args(["archive", "add"]).arg(&media).success();
    assert!(add.stderr().contains("searchable by words only"), "{}", add.stderr());
    let query = dir.reel().env("REEL_CACHE", empty_cache).args(["shots", "query", "lantern"]).success();
    assert!(query.stdout().contains("The lantern is failing."), "{}", query.stdout());
    assert!(query.stderr().contains("ranked by words only"), "{}", query.stderr());
    let semantic = dir.reel().env("REEL_CACHE", empty_cache).args(["shots", "query", "--semantic", "lamp"]).code(2);
    assert!(semantic.stderr().contains("no shot in the archive has embeddings"), "{}", semantic.stderr());
}

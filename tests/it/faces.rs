//! Face detection on real footage and synthetic pictures. Tests needing a missing file or ffmpeg skip with a note.

use std::path::Path;
use std::process::Command;

use crate::common;
use reel::faces::{FaceDetector, FaceError, ShotScale};

/// One RGB8 frame at time `t`, scaled to `width` px wide, or `None` (with a note) when it cannot be had.
fn frame(file: &Path, t: f64, width: u32) -> Option<(u32, u32, Vec<u8>)> {
    let out = Command::new("ffmpeg")
        .args(["-v", "error", "-ss", &format!("{t:.3}"), "-i"])
        .arg(file)
        .args(["-frames:v", "1"])
        .args(["-vf", &format!("scale={width}:-2"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
        .output();
    match out {
        Ok(out) if out.status.success() && !out.stdout.is_empty() => {
            let height = (out.stdout.len() / (width as usize * 3)) as u32;
            Some((width, height, out.stdout))
        }
        _ => {
            eprintln!("skipping: ffmpeg could not extract a frame of {}", file.display());
            None
        }
    }
}

#[test]
fn carphone_close_up_has_one_centred_face() {
    let mut detector = FaceDetector::new().expect("model loads");
    for t in [0.5, 1.5, 2.5, 3.5] {
        let Some(carphone) = common::registry_data("footage/carphone_pristine.mp4") else { return };
        let Some((w, h, rgb)) = frame(&carphone, t, 320) else { return };
        let faces = detector.detect(w, h, &rgb).expect("valid buffer");
        assert_eq!(faces.len(), 1, "t={t}: {faces:?}");
        let face = faces[0];
        let (cx, cy) = (face.x + face.width / 2, face.y + face.height / 2);
        // The man's face sits in the middle third horizontally, upper half vertically.
        assert!((w / 4..w * 3 / 4).contains(&cx), "t={t}: centre x {cx} in {w}");
        assert!((h / 5..h * 3 / 5).contains(&cy), "t={t}: centre y {cy} in {h}");
        assert!(face.score >= 2.0, "t={t}: {face:?}");
        assert_eq!(ShotScale::from_faces(&faces, w, h), ShotScale::Close, "t={t}: {face:?}");
    }
}

#[test]
fn uniform_grey_has_no_face() {
    let mut detector = FaceDetector::new().expect("model loads");
    let (w, h) = (320, 180);
    let faces = detector.detect(w, h, &vec![128; (w * h * 3) as usize]).expect("valid buffer");
    assert!(faces.is_empty(), "{faces:?}");
}

#[test]
fn picture_smaller_than_window_has_no_face() {
    let mut detector = FaceDetector::new().expect("model loads");
    assert!(detector.detect(8, 8, &[0; 8 * 8 * 3]).expect("valid buffer").is_empty());
    assert!(detector.detect(0, 0, &[]).expect("valid buffer").is_empty());
}

#[test]
fn wrong_buffer_length_is_an_error() {
    let mut detector = FaceDetector::new().expect("model loads");
    let err = detector.detect(320, 180, &[0; 100]).err();
    assert!(matches!(err, Some(FaceError::BufferSize { expected: 172_800, actual: 100, .. })), "{err:?}");
}

#[test]
fn face_serialises_with_field_names() {
    let face = reel::faces::Face { x: 1, y: 2, width: 3, height: 4, score: 5.5 };
    let json = serde_json::to_string(&face).expect("serialises");
    assert_eq!(json, r#"{"x":1,"y":2,"width":3,"height":4,"score":5.5}"#);
}

//! An OpenTimelineIO (`.otio`) JSON timeline of the cut, in the schema versions OpenTimelineIO 0.18 writes
//! (`Timeline.1`, `Stack.1`, `Track.1`, `Clip.2`, `Gap.1`, `ExternalReference.1`, `TimeRange.1`, `RationalTime.1`).
//!
//! Tracks: one video track with a clip per shot (its source range in the source's own rate, so it maps onto the
//! source file) and a named gap per card or hole in the record timeline; then audio tracks with the voice clips at
//! their film positions and gaps between. Overlapping voices go on a further audio track (first fit), since a track
//! cannot hold two items at once.

use std::path::Path;

use serde_json::{Value, json};

use super::Timeline;

/// The timeline as OpenTimelineIO JSON; serialise it with `serde_json::to_string_pretty` to write a `.otio` file.
pub fn write_otio(timeline: &Timeline) -> Value {
    let fps = timeline.fps();
    let mut clips: Vec<_> = timeline.clips.iter().collect();
    clips.sort_by_key(|c| c.record_start_frame);

    let mut video = Vec::new();
    let mut cursor = 0u64;
    for clip in &clips {
        if clip.record_start_frame > cursor {
            video.push(gap("", clip.record_start_frame - cursor, fps));
        }
        let meta = json!({ "reel": { "shot": clip.name, "scene": clip.scene } });
        video.push(match &clip.source {
            Some(src) => {
                let src_frames = (clip.frames as f64 * src.fps / fps).round();
                item_clip(&clip.name, &src.path, range(src.start_frame as f64, src_frames, src.fps), meta)
            }
            None => {
                let mut g = gap(&clip.name, clip.frames, fps);
                g["metadata"] = meta;
                g
            }
        });
        cursor = cursor.max(clip.record_start_frame + clip.frames);
    }

    // First-fit packing of voice clips into audio tracks: (items, end frame) per track.
    let mut audio: Vec<(Vec<Value>, u64)> = Vec::new();
    let mut voices: Vec<_> = clips
        .iter()
        .filter_map(|c| c.dialogue.as_ref().map(|d| (c, d)))
        .filter_map(|(c, d)| d.voice_path.as_ref().map(|p| (c, d, p)))
        .map(|(c, d, p)| {
            let start = (d.start_s.max(0.0) * fps).round() as u64;
            let end = ((d.end_s.max(0.0) * fps).round() as u64).max(start + 1);
            (start, end, c, d, p)
        })
        .collect();
    voices.sort_by_key(|v| v.0);
    for (start, end, clip, dialogue, path) in voices {
        let meta = json!({ "reel": { "shot": clip.name, "character": dialogue.character, "text": dialogue.text } });
        let item = item_clip(
            &format!("{} {}", clip.name, dialogue.character),
            path,
            range(0.0, (end - start) as f64, fps),
            meta,
        );
        let track = match audio.iter_mut().position(|(_, track_end)| *track_end <= start) {
            Some(i) => i,
            None => {
                audio.push((Vec::new(), 0));
                audio.len() - 1
            }
        };
        let (items, track_end) = &mut audio[track];
        if start > *track_end {
            items.push(gap("", start - *track_end, fps));
        }
        items.push(item);
        *track_end = end;
    }

    let mut tracks = vec![track("Video", "Video", video)];
    let n = audio.len();
    for (i, (items, _)) in audio.into_iter().enumerate() {
        let name = if n == 1 { "Voices".to_string() } else { format!("Voices {}", i + 1) };
        tracks.push(track(&name, "Audio", items));
    }
    json!({
        "OTIO_SCHEMA": "Timeline.1",
        "metadata": {},
        "name": timeline.title,
        "global_start_time": time(0.0, fps),
        "tracks": {
            "OTIO_SCHEMA": "Stack.1",
            "metadata": {},
            "name": "tracks",
            "source_range": null,
            "effects": [],
            "markers": [],
            "enabled": true,
            "children": tracks,
        },
    })
}

fn time(value: f64, rate: f64) -> Value {
    json!({ "OTIO_SCHEMA": "RationalTime.1", "rate": rate, "value": value })
}

fn range(start: f64, duration: f64, rate: f64) -> Value {
    json!({ "OTIO_SCHEMA": "TimeRange.1", "start_time": time(start, rate), "duration": time(duration, rate) })
}

fn track(name: &str, kind: &str, children: Vec<Value>) -> Value {
    json!({
        "OTIO_SCHEMA": "Track.1",
        "metadata": {},
        "name": name,
        "source_range": null,
        "effects": [],
        "markers": [],
        "enabled": true,
        "children": children,
        "kind": kind,
    })
}

fn gap(name: &str, frames: u64, rate: f64) -> Value {
    json!({
        "OTIO_SCHEMA": "Gap.1",
        "metadata": {},
        "name": name,
        "source_range": range(0.0, frames as f64, rate),
        "effects": [],
        "markers": [],
        "enabled": true,
    })
}

fn item_clip(name: &str, path: &Path, source_range: Value, metadata: Value) -> Value {
    json!({
        "OTIO_SCHEMA": "Clip.2",
        "metadata": metadata,
        "name": name,
        "source_range": source_range,
        "effects": [],
        "markers": [],
        "enabled": true,
        "media_references": {
            "DEFAULT_MEDIA": {
                "OTIO_SCHEMA": "ExternalReference.1",
                "metadata": {},
                "name": "",
                "available_range": null,
                "target_url": file_url(path),
            }
        },
        "active_media_reference_key": "DEFAULT_MEDIA",
    })
}

/// `file://` URL of `path` (made absolute against the current directory), percent-encoding every byte outside
/// RFC 3986's unreserved set and `/`.
fn file_url(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut url = String::from("file://");
    for &b in abs.to_string_lossy().as_bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/".contains(&b) {
            url.push(b as char);
        } else {
            url.push_str(&format!("%{b:02X}"));
        }
    }
    url
}

//! Dialogue from text subtitle streams inside the container (SubRip in Matroska, `mov_text` in MP4, WebVTT in WebM,
//! ASS in MKV): FFmpeg's subtitle decoder turns each packet into ASS event text, which is reduced to plain text with
//! the subtitle module's ASS reader, so a cue from a stream reads like a cue from a sidecar file.
//!
//! Owns demuxing and decoding of subtitle packets. Bitmap streams (PGS, VobSub) are never decoded here: they would
//! need OCR, and the probe already lists them. A packet that fails to decode is counted and skipped; the rest of the
//! stream is still read.

use std::path::Path;

use ffmpeg::codec::subtitle::Rect;
use ffmpeg_next as ffmpeg;

use super::error::AnalysisError;
use super::probe::open_input;

/// One cue of an embedded stream, in milliseconds from the start of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamCue {
    pub start_ms: u64,
    pub end_ms: u64,
    pub text: String,
    /// The ASS Name field, when the stream sets one.
    pub speaker: Option<String>,
}

/// What one subtitle stream held.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StreamSubtitles {
    pub cues: Vec<StreamCue>,
    /// Packets the decoder refused, or that carried no text.
    pub skipped_packets: usize,
}

/// A cue with no end time shows for this long (what players do with an open-ended SubRip packet).
const DEFAULT_DURATION_MS: u64 = 3_000;

/// Reads every cue of the text subtitle stream `stream_index` of `path`, in packet order.
pub fn read_subtitle_stream(path: &Path, stream_index: usize) -> Result<StreamSubtitles, AnalysisError> {
    let mut input = open_input(path)?;
    let decoder_error = |codec: &str, reason: String| AnalysisError::Decoder {
        path: path.to_path_buf(),
        codec: codec.to_string(),
        reason,
    };
    let stream = input.stream(stream_index).ok_or_else(|| decoder_error("subtitle", "no such stream".into()))?;
    let codec = stream.parameters().id().name().to_string();
    let time_base = stream.time_base();
    let context = ffmpeg::codec::context::Context::from_parameters(stream.parameters())
        .map_err(|e| decoder_error(&codec, e.to_string()))?;
    let mut decoder = context.decoder().subtitle().map_err(|e| decoder_error(&codec, e.to_string()))?;

    let to_ms = |ts: i64| -> u64 {
        let ms = ts as f64 * f64::from(time_base.numerator()) / f64::from(time_base.denominator()) * 1000.0;
        if ms.is_finite() && ms > 0.0 { ms.round() as u64 } else { 0 }
    };
    let mut out = StreamSubtitles::default();
    for (packet_stream, packet) in input.packets() {
        if packet_stream.index() != stream_index {
            continue;
        }
        let Some(pts) = packet.pts().or(packet.dts()) else {
            out.skipped_packets += 1;
            continue;
        };
        let mut subtitle = ffmpeg::Subtitle::new();
        let decoded = decoder.decode(&packet, &mut subtitle);
        let packet_ms = to_ms(pts);
        let cue = match decoded {
            Ok(true) => cue_of(&subtitle, packet_ms, to_ms(packet.duration())),
            Ok(false) | Err(_) => None,
        };
        // SAFETY: `subtitle` was filled by avcodec_decode_subtitle2 (or is still zeroed); avsubtitle_free frees the
        // rects it allocated and zeroes the struct, which ffmpeg-next's Subtitle does not do on drop.
        unsafe { ffmpeg::ffi::avsubtitle_free(subtitle.as_mut_ptr()) };
        match cue {
            Some(cue) => out.cues.push(cue),
            None => out.skipped_packets += 1,
        }
    }
    Ok(out)
}

/// The cue a decoded packet shows, or `None` when it carries no text.
fn cue_of(subtitle: &ffmpeg::Subtitle, packet_ms: u64, packet_duration_ms: u64) -> Option<StreamCue> {
    let mut lines = Vec::new();
    let mut speaker = None;
    for rect in subtitle.rects() {
        match rect {
            Rect::Ass(ass) => {
                let (name, text) = ass_event(ass.get());
                speaker = speaker.or(name);
                lines.push(crate::subtitle::ass_text(text));
            }
            Rect::Text(text) => lines.push(text.get().trim().to_string()),
            Rect::Bitmap(_) | Rect::None(_) => {}
        }
    }
    let text = lines.into_iter().filter(|l| !l.is_empty()).collect::<Vec<_>>().join("\n");
    if text.is_empty() {
        return None;
    }
    let start_ms = packet_ms + u64::from(subtitle.start());
    // end_display_time is relative to the packet; 0 or u32::MAX mean "until the next one", so fall back to the
    // packet's own duration.
    let end = subtitle.end();
    let end_ms = if end > subtitle.start() && end != u32::MAX {
        packet_ms + u64::from(end)
    } else if packet_duration_ms > 0 {
        packet_ms + packet_duration_ms
    } else {
        start_ms + DEFAULT_DURATION_MS
    };
    Some(StreamCue { start_ms, end_ms, text, speaker })
}

/// Splits FFmpeg's ASS packet line `ReadOrder,Layer,Style,Name,MarginL,MarginR,MarginV,Effect,Text` into the Name
/// (when set) and the Text. An old-style `Dialogue: ...` line (FFmpeg before 4) is read with its own field order.
fn ass_event(line: &str) -> (Option<String>, &str) {
    let line = line.trim_end_matches(['\r', '\n']);
    let (fields, name_at) = match line.strip_prefix("Dialogue:") {
        // Layer,Start,End,Style,Name,MarginL,MarginR,MarginV,Effect,Text
        Some(rest) => (rest.splitn(10, ',').collect::<Vec<_>>(), 4),
        None => (line.splitn(9, ',').collect::<Vec<_>>(), 3),
    };
    let Some(text) = fields.last().filter(|_| fields.len() >= 9) else { return (None, line) };
    let name = fields.get(name_at).map(|n| n.trim()).filter(|n| !n.is_empty()).map(str::to_owned);
    (name, text)
}

#[cfg(test)]
mod tests {
    use super::ass_event;

    #[test]
    fn ass_packet_lines() {
        assert_eq!(ass_event("0,0,Default,,0,0,0,,Hello, world"), (None, "Hello, world"));
        assert_eq!(ass_event("3,0,Default,Ann,0,0,0,,{\\i1}Hi{\\i0}"), (Some("Ann".into()), "{\\i1}Hi{\\i0}"));
        assert_eq!(
            ass_event("Dialogue: 0,0:00:01.00,0:00:02.00,Default,Bob,0,0,0,,Old style"),
            (Some("Bob".into()), "Old style")
        );
        // Not an event line at all: the whole line is the text.
        assert_eq!(ass_event("just text"), (None, "just text"));
    }
}

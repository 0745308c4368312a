//! Joining per-shot MP4 segments into one film by remuxing packets (stream copy, no re-encoding).

use std::path::{Path, PathBuf};

use ffmpeg_next::{self as ff, Dictionary, Packet, Rational, Rescale, codec, encoder, format, media};

use super::AssembleError;

/// Film-level metadata written into the joined MP4.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FilmMeta {
    /// The `title` tag.
    pub title: String,
    /// The `comment` tag, e.g. the synthetic-media disclosure. It is also written as the `description` tag, since
    /// players differ in which of the two they show.
    pub comment: String,
    /// The `artist` tag.
    pub artist: String,
    /// Chapters; each ends where the next starts, the last at the end of the film. Empty titles are allowed.
    pub chapters: Vec<Chapter>,
}

/// A chapter marker.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    /// Shown by players in their chapter menu.
    pub title: String,
    /// Start in film seconds.
    pub start_s: f64,
}

/// What [`join`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct JoinReport {
    /// End of the longest stream, seconds.
    pub duration_s: f64,
    /// Video packets (= frames) written.
    pub video_frames: u64,
    /// Audio samples (per channel) written, from packet durations; encoder priming of segments after the first is
    /// not counted (it is dropped).
    pub audio_samples: u64,
    /// The largest difference between the ends of the streams at any segment boundary, seconds: how far audio and
    /// video drifted apart inside one segment. The next segment starts after the longer stream, so drift does not
    /// accumulate.
    pub max_drift_s: f64,
}

/// Joins `segments`, in order, into the MP4 `out`, copying packets and offsetting their timestamps so that the
/// output plays continuously.
///
/// Every segment must have the same audio/video streams as the first (codec, size, pixel/sample format, time base,
/// sample rate, channels, codec extradata); otherwise the error names the segment and what differs. Other stream
/// kinds (data, subtitles) are ignored.
///
/// Timestamps: each segment's streams are shifted so that the segment starts where the longer stream of the film
/// so far ends, which keeps audio and video aligned at every cut (a shorter stream leaves a gap of less than a
/// frame). The AAC priming packet that begins every segment (before the stream's start; the demuxer flags it
/// *discard*) is kept for the first segment, where the MP4 edit list hides it, and dropped for the others, where MP4 cannot express it.
///
/// The output is written to a hidden temp file beside `out` (`moov` moved to the front) and renamed over `out`
/// only when complete; on failure the temp file is removed.
pub fn join(segments: &[PathBuf], out: &Path, meta: &FilmMeta) -> Result<JoinReport, AssembleError> {
    let Some(first_path) = segments.first() else {
        return Err(AssembleError::NoSegments { path: out.to_path_buf() });
    };
    ff::init().map_err(|source| ff_err(out, "initialising ffmpeg", source))?;
    // libav logs to stderr (e.g. the faststart pass at info level); this module prints nothing, so silence it as
    // reel's archive analysis does. Errors still come back as values.
    ff::util::log::set_level(ff::util::log::Level::Quiet);

    // Pass 1: check that every segment matches the first, and estimate the total duration for the chapter ends.
    let first = open(first_path)?;
    let reference = signatures(&first);
    if reference.is_empty() {
        return Err(AssembleError::Mismatch {
            path: first_path.clone(),
            first: first_path.clone(),
            mismatch: "no audio or video stream".into(),
        });
    }
    let mut estimated_s = 0.0;
    for path in segments {
        let input = open(path)?;
        if let Some(mismatch) = compare(&reference, &signatures(&input)) {
            return Err(AssembleError::Mismatch { path: path.clone(), first: first_path.clone(), mismatch });
        }
        estimated_s += input.duration().max(0) as f64 / f64::from(ff::ffi::AV_TIME_BASE);
    }

    let tmp = temp_path(out);
    let mut guard = TempFile { path: tmp.clone(), keep: false };
    let report = write(segments, &first, &reference, &tmp, meta, estimated_s)?;
    std::fs::rename(&tmp, out).map_err(|source| AssembleError::Io {
        path: out.to_path_buf(),
        what: "renaming the temp file into place",
        source,
    })?;
    guard.keep = true;
    Ok(report)
}

/// The parts of an audio/video stream that must agree across segments for their packets to share one stream.
#[derive(Debug, Clone, PartialEq)]
struct Signature {
    /// Index of the stream in its file.
    index: usize,
    medium: media::Type,
    codec: codec::Id,
    width: i32,
    height: i32,
    /// `AVPixelFormat` or `AVSampleFormat`, as stored in the codec parameters.
    format: i32,
    sample_rate: i32,
    channels: i32,
    time_base: Rational,
    extradata: Vec<u8>,
}

fn signatures(input: &format::context::Input) -> Vec<Signature> {
    input
        .streams()
        .filter(|s| matches!(s.parameters().medium(), media::Type::Video | media::Type::Audio))
        .map(|s| {
            let p = s.parameters();
            // SAFETY: `p` points at the stream's AVCodecParameters, owned by `input`, which outlives this block. We
            // only read plain fields, and copy `extradata_size` bytes from `extradata` when it is non-null, which is
            // how libavcodec defines the buffer.
            let (width, height, format, sample_rate, channels, extradata) = unsafe {
                let raw = &*p.as_ptr();
                let extradata = if raw.extradata.is_null() || raw.extradata_size <= 0 {
                    Vec::new()
                } else {
                    std::slice::from_raw_parts(raw.extradata, raw.extradata_size as usize).to_vec()
                };
                (raw.width, raw.height, raw.format, raw.sample_rate, raw.ch_layout.nb_channels, extradata)
            };
            Signature {
                index: s.index(),
                medium: p.medium(),
                codec: p.id(),
                width,
                height,
                format,
                sample_rate,
                channels,
                time_base: s.time_base(),
                extradata,
            }
        })
        .collect()
}

/// Describes the first difference between two segments' stream lists, or `None` when they match.
fn compare(reference: &[Signature], other: &[Signature]) -> Option<String> {
    if reference.len() != other.len() {
        return Some(format!("{} audio/video streams != {}", other.len(), reference.len()));
    }
    for (n, (r, o)) in reference.iter().zip(other).enumerate() {
        let kind = if r.medium == media::Type::Video { "video" } else { "audio" };
        let differs =
            |what: &str, got: String, want: String| Some(format!("stream {n} ({kind}) {what} {got} != {want}"));
        if r.medium != o.medium {
            return differs("kind", format!("{:?}", o.medium), format!("{:?}", r.medium));
        }
        if r.codec != o.codec {
            return differs("codec", format!("{:?}", o.codec), format!("{:?}", r.codec));
        }
        if (r.width, r.height) != (o.width, o.height) {
            return differs("size", format!("{}x{}", o.width, o.height), format!("{}x{}", r.width, r.height));
        }
        if r.format != o.format {
            return differs("pixel/sample format", o.format.to_string(), r.format.to_string());
        }
        if r.sample_rate != o.sample_rate {
            return differs("sample rate", o.sample_rate.to_string(), r.sample_rate.to_string());
        }
        if r.channels != o.channels {
            return differs("channels", o.channels.to_string(), r.channels.to_string());
        }
        if r.time_base != o.time_base {
            return differs("time base", o.time_base.to_string(), r.time_base.to_string());
        }
        if r.extradata != o.extradata {
            return differs("extradata (codec setup)", format!("{} bytes", o.extradata.len()), "reference".into());
        }
    }
    None
}

/// Pass 2: copy every segment's packets into `tmp`.
fn write(
    segments: &[PathBuf],
    first: &format::context::Input,
    reference: &[Signature],
    tmp: &Path,
    meta: &FilmMeta,
    estimated_s: f64,
) -> Result<JoinReport, AssembleError> {
    let mut octx = format::output_as(tmp, "mp4").map_err(|e| ff_err(tmp, "creating the output", e))?;
    for sig in reference {
        let ist = first.stream(sig.index).expect("signature indices come from this input");
        let mut ost = octx.add_stream(encoder::find(codec::Id::None)).map_err(|e| ff_err(tmp, "adding a stream", e))?;
        ost.set_parameters(ist.parameters());
        // SAFETY: `ost` is a live stream of `octx`; clearing codec_tag lets the mp4 muxer pick its own tag.
        unsafe { (*ost.parameters().as_mut_ptr()).codec_tag = 0 };
    }

    let mut tags = Dictionary::new();
    for (key, value) in
        [("title", &meta.title), ("comment", &meta.comment), ("description", &meta.comment), ("artist", &meta.artist)]
    {
        if !value.is_empty() {
            tags.set(key, value);
        }
    }
    octx.set_metadata(tags);

    // Chapters must exist before the header (the muxer reserves a chapter track then); their ends are fixed up
    // before the trailer, which is when the mp4 muxer writes them.
    let ms = Rational(1, 1000);
    let to_ms = |s: f64| (s.max(0.0) * 1000.0).round() as i64;
    for (i, ch) in meta.chapters.iter().enumerate() {
        let start = to_ms(ch.start_s);
        let end = meta.chapters.get(i + 1).map_or(to_ms(estimated_s), |next| to_ms(next.start_s)).max(start);
        octx.add_chapter(i as i64, ms, start, end, &ch.title).map_err(|e| ff_err(tmp, "adding a chapter", e))?;
    }

    let mut opts = Dictionary::new();
    opts.set("movflags", "+faststart");
    octx.write_header_with(opts).map_err(|e| ff_err(tmp, "writing the header", e))?;
    let out_tbs: Vec<Rational> =
        (0..reference.len()).map(|i| octx.stream(i).expect("added above").time_base()).collect();

    let n = reference.len();
    // Per output stream, in that stream's input time base (equal across segments, checked in pass 1).
    let mut ends = vec![0i64; n];
    let mut last_dts = vec![i64::MIN; n];
    let mut film_end = (0i64, reference[0].time_base);
    let (mut video_frames, mut audio_samples, mut max_drift_s) = (0u64, 0u64, 0f64);

    for (k, path) in segments.iter().enumerate() {
        let mut input = open(path)?;
        // Input stream index -> (output index, stream start, shift to add), in the input time base.
        let mut map: Vec<Option<(usize, i64, i64)>> = vec![None; input.nb_streams() as usize];
        for (o, sig) in reference.iter().enumerate() {
            let stream = input.stream(sig.index).expect("stream lists matched in pass 1");
            let start = stream.start_time();
            let start = if start == ff::ffi::AV_NOPTS_VALUE { 0 } else { start };
            let offset = film_end.0.rescale(film_end.1, sig.time_base);
            map[sig.index] = Some((o, start, offset - start));
        }
        let mut seg_ends = vec![None::<i64>; n];
        let mut packet = Packet::empty();
        loop {
            match packet.read(&mut input) {
                Ok(()) => {}
                Err(ff::Error::Eof) => break,
                Err(e) => return Err(ff_err(path, "reading a packet", e)),
            }
            let Some((o, start, shift)) = map.get(packet.stream()).copied().flatten() else { continue };
            let sig = &reference[o];
            let Some(dts) = packet.dts() else {
                return Err(AssembleError::Timestamps { path: path.clone(), detail: "packet without a DTS".into() });
            };
            // A packet wholly before the stream's start is encoder priming that the segment's edit list hides (the
            // demuxer flags it discard); keep it only in the first segment, whose edit list the output inherits.
            let discard = packet.pts().unwrap_or(dts) + packet.duration().max(0) <= start;
            if discard && k > 0 {
                continue;
            }
            let dts = dts + shift;
            let pts = packet.pts().map_or(dts, |p| p + shift);
            if dts <= last_dts[o] {
                return Err(AssembleError::Timestamps {
                    path: path.clone(),
                    detail: format!("stream {o}: DTS {dts} after {} is not increasing", last_dts[o]),
                });
            }
            last_dts[o] = dts;
            let duration = packet.duration().max(0);
            let end = pts + duration;
            seg_ends[o] = Some(seg_ends[o].map_or(end, |e: i64| e.max(end)));
            if !discard {
                if sig.medium == media::Type::Video {
                    video_frames += 1;
                } else if sig.sample_rate > 0 {
                    audio_samples += duration.rescale(sig.time_base, Rational(1, sig.sample_rate)) as u64;
                }
            }
            packet.set_dts(Some(dts));
            packet.set_pts(Some(pts));
            packet.rescale_ts(sig.time_base, out_tbs[o]);
            packet.set_position(-1);
            packet.set_stream(o);
            packet.write_interleaved(&mut octx).map_err(|e| ff_err(tmp, "writing a packet", e))?;
        }
        // Advance the film's end to the longer stream; a stream without packets keeps its old end.
        for (o, end) in seg_ends.iter().enumerate() {
            if let Some(end) = *end {
                ends[o] = ends[o].max(end);
            }
        }
        let secs: Vec<f64> = ends.iter().zip(reference).map(|(&e, s)| e as f64 * f64::from(s.time_base)).collect();
        let (lo, hi) = secs.iter().fold((f64::MAX, f64::MIN), |(lo, hi), &s| (lo.min(s), hi.max(s)));
        max_drift_s = max_drift_s.max(hi - lo);
        let longest = secs.iter().enumerate().fold(0, |best, (i, &s)| if s > secs[best] { i } else { best });
        film_end = (ends[longest], reference[longest].time_base);
    }

    let duration_s = film_end.0 as f64 * f64::from(film_end.1);
    if let Some(mut last) = octx.chapters_mut().last() {
        let end = to_ms(duration_s).max(last.start());
        last.set_end(end);
    }
    octx.write_trailer().map_err(|e| ff_err(tmp, "writing the trailer", e))?;
    Ok(JoinReport { duration_s, video_frames, audio_samples, max_drift_s })
}

/// The length of a finished film (or any media file) in seconds, as its container reports it: what a player shows.
pub fn film_duration(path: &Path) -> Result<f64, AssembleError> {
    ff::init().map_err(|source| ff_err(path, "initialising ffmpeg", source))?;
    let input = open(path)?;
    Ok(input.duration().max(0) as f64 / f64::from(ff::ffi::AV_TIME_BASE))
}

fn open(path: &Path) -> Result<format::context::Input, AssembleError> {
    format::input(path).map_err(|e| ff_err(path, "opening", e))
}

fn ff_err(path: &Path, what: &'static str, source: ff::Error) -> AssembleError {
    AssembleError::Ffmpeg { path: path.to_path_buf(), what, source }
}

/// `dir/.name.partial-PID.mp4`: hidden, beside `out` so the final rename stays on one file system.
fn temp_path(out: &Path) -> PathBuf {
    let name = out.file_name().map_or_else(|| "film".into(), |n| n.to_string_lossy().into_owned());
    out.with_file_name(format!(".{name}.partial-{}.mp4", std::process::id()))
}

/// Removes the temp file on drop unless `keep` was set (after a successful rename).
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

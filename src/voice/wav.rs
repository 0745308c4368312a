//! WAV in and out: decoding espeak-ng's output and writing the final 48 kHz mono line file atomically.
//!
//! This file owns the on-disk format (16-bit PCM, mono) and the temp-file-then-rename dance; it must not change the
//! audio it is given.

use std::fs;
use std::io::{BufWriter, Read};
use std::path::{Path, PathBuf};

use super::{Audio, VoiceError};

/// Decodes a WAV stream into mono f32 samples (averaging channels).
pub fn decode(reader: impl Read, what: &str) -> Result<Audio, VoiceError> {
    let wav_err = |source| VoiceError::WavRead { what: what.to_owned(), source };
    let mut reader = hound::WavReader::new(reader).map_err(wav_err)?;
    let spec = reader.spec();
    let channels = usize::from(spec.channels.max(1));
    let interleaved: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().collect::<Result<_, _>>().map_err(wav_err)?,
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1_i64 << (spec.bits_per_sample.clamp(1, 32) - 1)) as f32;
            reader.samples::<i32>().map(|s| s.map(|v| v as f32 * scale)).collect::<Result<_, _>>().map_err(wav_err)?
        }
    };
    let samples = interleaved.chunks(channels).map(|frame| frame.iter().sum::<f32>() / frame.len() as f32).collect();
    Ok(Audio { samples, sample_rate: spec.sample_rate })
}

/// Writes `audio` as 16-bit PCM mono to `target`: into a hidden temp file beside it, then renamed into place, so a
/// reader never sees half a file.
pub fn write_atomic(target: &Path, audio: &Audio) -> Result<(), VoiceError> {
    let fail = |message: String| VoiceError::Write { path: target.to_owned(), message };
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        fs::create_dir_all(dir).map_err(|e| fail(e.to_string()))?;
    }
    let temp = temp_path(target);
    let result = write_pcm16(&temp, audio).and_then(|()| {
        fs::File::open(&temp).and_then(|f| f.sync_all()).map_err(|e| e.to_string())?;
        fs::rename(&temp, target).map_err(|e| e.to_string())
    });
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(fail)
}

fn temp_path(target: &Path) -> PathBuf {
    let name = target.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    target.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

fn write_pcm16(path: &Path, audio: &Audio) -> Result<(), String> {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: audio.sample_rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let file = fs::File::create(path).map_err(|e| e.to_string())?;
    let mut writer = hound::WavWriter::new(BufWriter::new(file), spec).map_err(|e| e.to_string())?;
    for &s in &audio.samples {
        let value = (s.clamp(-1.0, 1.0) * f32::from(i16::MAX)).round() as i16;
        writer.write_sample(value).map_err(|e| e.to_string())?;
    }
    writer.finalize().map_err(|e| e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_disk() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("sub/line.wav");
        let audio = Audio { samples: vec![0.0, 0.5, -0.5, 1.5], sample_rate: 48_000 };
        write_atomic(&path, &audio).expect("write");
        let back = decode(fs::File::open(&path).expect("open"), "test").expect("decode");
        assert_eq!(back.sample_rate, 48_000);
        let expected = [0.0, 0.5, -0.5, 1.0];
        assert!(back.samples.iter().zip(expected).all(|(a, b)| (a - b).abs() < 1e-3), "{:?}", back.samples);
        let leftovers: Vec<_> = fs::read_dir(path.parent().expect("dir")).expect("list").collect();
        assert_eq!(leftovers.len(), 1, "no temp file is left behind");
    }

    #[test]
    fn rejects_garbage_without_panicking() {
        assert!(decode(&b"not a wav file"[..], "garbage").is_err());
    }
}

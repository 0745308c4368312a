//! The espeak-ng backend: runs the `espeak-ng` program (GPL-3, so it is called, never linked) and decodes its WAV.
//!
//! Text always travels on stdin (`--stdin`) and arguments are passed as an argv vector, never through a shell, so a
//! line like `$(touch /tmp/x)` or `--help` is spoken as written and runs nothing. This file must not build command
//! lines as strings.

use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use super::loudness::db_to_gain;
use super::spec::{ESPEAK_DEFAULT_WPM, Pitch, VoiceSpec};
use super::{Audio, Backend, Prosody, VoiceError, wav};

/// espeak-ng's pitch units per semitone (its 0-99 base pitch scale, roughly, around the default of 50).
const PITCH_PER_SEMITONE: f32 = 6.0;

/// Speaks through the espeak-ng program.
#[derive(Debug, Clone)]
pub struct Espeak {
    program: PathBuf,
}

impl Default for Espeak {
    fn default() -> Self {
        Espeak { program: PathBuf::from("espeak-ng") }
    }
}

impl Espeak {
    /// Uses `program` instead of `espeak-ng` from `PATH`.
    pub fn with_program(program: impl Into<PathBuf>) -> Self {
        Espeak { program: program.into() }
    }

    /// Checks that the program runs; the error says how to install it.
    pub fn check(&self) -> Result<(), VoiceError> {
        run(&self.program, &["--version"], "", "en").map(drop)
    }

    /// Phonemises `text` into IPA with espeak-ng's `voice`, one line per clause.
    pub fn ipa(&self, text: &str, voice: &str) -> Result<String, VoiceError> {
        let out = run(&self.program, &["-q", "--ipa", "-v", voice, "--stdin"], text, voice)?;
        Ok(String::from_utf8_lossy(&out).into_owned())
    }

    /// The `-v`, `-p`, `-s` and `-a` arguments for `voice` delivered with `prosody`.
    fn arguments(voice: &VoiceSpec, prosody: &Prosody) -> [String; 8] {
        let base_pitch = match voice.pitch {
            Some(Pitch::Espeak(p)) => f32::from(p),
            _ => 50.0 + voice.semitones() * PITCH_PER_SEMITONE,
        };
        let pitch = (base_pitch + prosody.pitch_semitones * PITCH_PER_SEMITONE).clamp(0.0, 99.0);
        let wpm = (ESPEAK_DEFAULT_WPM * voice.rate_factor() * prosody.rate).clamp(80.0, 450.0);
        let amplitude = (100.0 * db_to_gain(f64::from(prosody.gain_db))).clamp(1.0, 200.0);
        [
            "-v".into(),
            voice.voice.clone(),
            "-p".into(),
            format!("{}", pitch.round() as u32),
            "-s".into(),
            format!("{}", wpm.round() as u32),
            "-a".into(),
            format!("{}", amplitude.round() as u32),
        ]
    }
}

impl Backend for Espeak {
    fn synthesize(&self, text: &str, voice: &VoiceSpec, prosody: &Prosody) -> Result<Audio, VoiceError> {
        let args = Espeak::arguments(voice, prosody);
        let mut argv: Vec<&str> = args.iter().map(String::as_str).collect();
        argv.extend(["--stdout", "--stdin"]);
        let mut bytes = run(&self.program, &argv, text, &voice.voice)?;
        fix_streamed_header(&mut bytes);
        wav::decode(bytes.as_slice(), "espeak-ng output")
    }
}

/// Runs `program` with `args`, feeding `input` on stdin, and returns stdout. No shell is involved.
pub(super) fn run(program: &Path, args: &[&str], input: &str, voice: &str) -> Result<Vec<u8>, VoiceError> {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|source| match source.kind() {
            ErrorKind::NotFound => VoiceError::EspeakMissing { program: program.to_owned() },
            _ => VoiceError::Spawn { program: program.to_owned(), source },
        })?;
    // Feed stdin from a second thread so a large output can never deadlock against a full input pipe.
    let stdin = child.stdin.take();
    let output = std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Some(mut stdin) = stdin {
                // A child that exits early closes the pipe; its exit status reports the real problem.
                let _ = stdin.write_all(input.as_bytes()).and_then(|()| stdin.write_all(b"\n"));
            }
        });
        child.wait_with_output()
    })
    .map_err(|source| VoiceError::Spawn { program: program.to_owned(), source })?;
    if !output.status.success() {
        return Err(VoiceError::EspeakFailed {
            voice: voice.to_owned(),
            status: output.status.to_string(),
            stderr: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    }
    Ok(output.stdout)
}

/// espeak-ng writes WAV to a pipe before it knows the length, so the RIFF and data sizes are placeholders. This sets
/// them from the bytes actually received.
fn fix_streamed_header(bytes: &mut [u8]) {
    if bytes.len() < 12 || &bytes[..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return;
    }
    let riff_size = (bytes.len() - 8) as u32;
    bytes[4..8].copy_from_slice(&riff_size.to_le_bytes());
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id = [bytes[pos], bytes[pos + 1], bytes[pos + 2], bytes[pos + 3]];
        let size = u32::from_le_bytes([bytes[pos + 4], bytes[pos + 5], bytes[pos + 6], bytes[pos + 7]]) as usize;
        if &id == b"data" {
            // Whole samples only: an odd tail byte would make the decoder fail.
            let data_len = ((bytes.len() - pos - 8) & !1) as u32;
            bytes[pos + 4..pos + 8].copy_from_slice(&data_len.to_le_bytes());
            return;
        }
        pos += 8 + size + (size & 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_args(spec: &str, prosody: Prosody, expected: &str) {
        let voice: VoiceSpec = spec.parse().expect("valid spec");
        assert_eq!(Espeak::arguments(&voice, &prosody).join(" "), expected, "spec: {spec}");
    }

    #[test]
    fn maps_specs_to_arguments() {
        check_args("espeak:en-us", Prosody::default(), "-v en-us -p 50 -s 175 -a 100");
        check_args("espeak:en-us+f3 pitch=60 rate=170", Prosody::default(), "-v en-us+f3 -p 60 -s 170 -a 100");
        check_args("espeak:en pitch=+2st rate=1.2", Prosody::default(), "-v en -p 62 -s 210 -a 100");
        check_args("espeak:en pitch=95", Prosody::SHOUT, "-v en -p 99 -s 196 -a 158");
        check_args("espeak:en", Prosody::WHISPER, "-v en -p 44 -s 149 -a 40");
    }

    #[test]
    fn missing_program_names_the_fix() {
        let missing = Espeak::with_program("/nonexistent/espeak-ng");
        let err = missing.check().expect_err("must fail");
        assert!(err.to_string().contains("apt-get install espeak-ng"), "{err}");
    }

    #[test]
    fn streamed_header_is_repaired() {
        let mut bytes = b"RIFF\xff\xff\xff\x7fWAVEfmt \x10\0\0\0\x01\0\x01\0\x22\x56\0\0\x44\xac\0\0\x02\0\x10\0data\xff\xff\xff\x7f\x01\0\x02\0\x03".to_vec();
        fix_streamed_header(&mut bytes);
        let audio = wav::decode(bytes.as_slice(), "test").expect("decodes");
        assert_eq!(audio.samples.len(), 2);
        assert_eq!(audio.sample_rate, 22_050);
    }
}

//! Timestamps and `start --> end` timing lines.
//!
//! Owns the one timestamp grammar every format shares, `[h:]mm:ss[.fff]` (hours of any width, `,` or `.` before
//! the fraction, 1 to 3 significant fraction digits), and the SRT/WebVTT timing line. It returns errors as
//! messages for the caller to place on a line; it must not build cues or diagnostics itself.

/// The times of one cue, in milliseconds, with whatever followed the end time (cue settings or SRT coordinates).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Timing<'a> {
    pub start_ms: u64,
    pub end_ms: u64,
    pub settings: &'a str,
}

const ARROW: &str = "-->";

/// Whether `line` is meant as a timing line, well formed or not.
pub(crate) fn is_timing_line(line: &str) -> bool {
    line.contains(ARROW)
}

/// Parses `start --> end [settings]`. The error names what was wrong and the offending value.
pub(crate) fn parse_timing_line(line: &str) -> Result<Timing<'_>, String> {
    let Some((start, rest)) = line.split_once(ARROW) else {
        return Err(format!("expected a timing line `start --> end`, found `{}`", line.trim()));
    };
    let start = start.trim();
    let rest = rest.trim_start();
    let (end, settings) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let start_ms = parse_timestamp(start).ok_or_else(|| bad_time("start", start))?;
    let end_ms = parse_timestamp(end).ok_or_else(|| bad_time("end", end))?;
    check_order(start_ms, end_ms, start, end)?;
    Ok(Timing { start_ms, end_ms, settings: settings.trim() })
}

/// Rejects a cue that ends before it starts (a zero-length cue is allowed).
pub(crate) fn check_order(start_ms: u64, end_ms: u64, start: &str, end: &str) -> Result<(), String> {
    if end_ms < start_ms {
        return Err(format!("end time `{end}` is before start time `{start}`"));
    }
    Ok(())
}

fn bad_time(which: &str, value: &str) -> String {
    format!("bad {which} time `{value}` (expected hh:mm:ss.mmm)")
}

/// Parses `[h:]mm:ss[.fff]` or `[h:]mm:ss[,fff]` into milliseconds. `None` when malformed or out of range.
pub(crate) fn parse_timestamp(text: &str) -> Option<u64> {
    let (clock, fraction) = match text.find([',', '.']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let mut parts = clock.rsplit(':');
    let seconds = sexagesimal(parts.next()?)?;
    let minutes = sexagesimal(parts.next()?)?;
    let hours = match parts.next() {
        Some(hours) => number(hours, usize::MAX)?,
        None => 0,
    };
    if parts.next().is_some() {
        return None;
    }
    let millis = match fraction {
        Some(fraction) => fraction_ms(fraction)?,
        None => 0,
    };
    let seconds = hours.checked_mul(3600)?.checked_add(minutes * 60 + seconds)?;
    seconds.checked_mul(1000)?.checked_add(millis)
}

/// A minutes or seconds field: one or two digits, below 60.
fn sexagesimal(field: &str) -> Option<u64> {
    number(field, 2).filter(|value| *value < 60)
}

/// An unsigned decimal of 1 to `max_digits` ASCII digits.
fn number(field: &str, max_digits: usize) -> Option<u64> {
    let valid = !field.is_empty() && field.len() <= max_digits && field.bytes().all(|b| b.is_ascii_digit());
    if valid { field.parse().ok() } else { None }
}

/// A decimal fraction of a second in milliseconds: `5` is 500, `05` is 50, `0512` is 51 (truncated).
fn fraction_ms(fraction: &str) -> Option<u64> {
    if fraction.is_empty() || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let significant = &fraction[..fraction.len().min(3)];
    let scale = 10u64.pow(3 - significant.len() as u32);
    Some(significant.parse::<u64>().ok()? * scale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        let cases: &[(&str, Option<u64>)] = &[
            ("00:00:01,000", Some(1_000)),
            ("00:00:01.000", Some(1_000)),
            ("01:02:03,456", Some(3_723_456)),
            ("123:00:00,000", Some(442_800_000)),
            ("02:03.456", Some(123_456)),
            ("0:00:01.50", Some(1_500)),
            ("0:00:01.5", Some(1_500)),
            ("0:00:01.05", Some(1_050)),
            ("00:00:01,0009", Some(1_000)),
            ("00:00:01", Some(1_000)),
            ("0:0:1,000", Some(1_000)),
            ("", None),
            ("1", None),
            ("00:60:00,000", None),
            ("00:00:60,000", None),
            ("00:000:01,000", None),
            ("00:00:01,", None),
            ("00:00:01,0x0", None),
            ("-1:00:01,000", None),
            ("00:00:0x,000", None),
            ("1:00:00:01,000", None),
            (" 00:00:01,000", None),
            ("99999999999999999999:00:00,000", None),
            ("9999999999999999:00:00,000", None),
        ];
        for (text, expected) in cases {
            assert_eq!(parse_timestamp(text), *expected, "{text:?}");
        }
    }

    #[test]
    fn timing_lines() {
        let ok = |line| parse_timing_line(line).map(|t| (t.start_ms, t.end_ms, t.settings));
        assert_eq!(ok("00:00:01,000 --> 00:00:02,500"), Ok((1000, 2500, "")));
        assert_eq!(ok("00:00:01,000-->00:00:02,500"), Ok((1000, 2500, "")));
        assert_eq!(
            ok("00:01.000 --> 00:02.000 align:start position:10%"),
            Ok((1000, 2000, "align:start position:10%"))
        );
        assert_eq!(
            ok("00:00:01,000 --> 00:00:02,000  X1:100 X2:200 Y1:1 Y2:2"),
            Ok((1000, 2000, "X1:100 X2:200 Y1:1 Y2:2"))
        );
        assert_eq!(ok("00:00:02,000 --> 00:00:02,000"), Ok((2000, 2000, "")));
        let err = |line| parse_timing_line(line).unwrap_err();
        assert_eq!(err("00:00:0x,000 --> 00:00:02,000"), "bad start time `00:00:0x,000` (expected hh:mm:ss.mmm)");
        assert_eq!(err("00:00:01,000 --> "), "bad end time `` (expected hh:mm:ss.mmm)");
        assert_eq!(err("00:00:03,000 --> 00:00:02,000"), "end time `00:00:02,000` is before start time `00:00:03,000`");
        assert_eq!(err("hello"), "expected a timing line `start --> end`, found `hello`");
    }
}

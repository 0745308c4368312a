//! OPUS OpenSubtitles XML (`.xml`, `.xml.gz`), read as a stream of timed sentences and grouped like subtitles.
//!
//! The format: `<document>` holds `<s id="N">` sentences; a sentence holds either `<w>` tokens (the tokenised
//! release) or its text directly (the raw release), and `<time id="T1S" value="00:00:51,819"/>` marks where a
//! subtitle cue starts (`...S`) or ends (`...E`). This file owns reading that stream and detokenising `<w>`
//! tokens. It must not build a DOM (files reach hundreds of MB), and a malformed sentence is a diagnostic at
//! its line, never the end of the file.

use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use flate2::bufread::MultiGzDecoder;
use quick_xml::Reader;
use quick_xml::encoding::EncodingError;
use quick_xml::events::{BytesRef, BytesStart, Event};

use super::subtitles::{self, Timed};
use super::{CorpusError, IngestOptions};
use crate::diagnostic::Diagnostic;

/// After this many XML errors in one file, the rest of it is given up (with a diagnostic).
const MAX_XML_ERRORS: usize = 100;

/// Reads an OPUS XML file, plain or gzipped (by its magic bytes), into corpus text.
pub(crate) fn ingest(path: &Path, opts: &IngestOptions) -> Result<(String, Vec<Diagnostic>), CorpusError> {
    let io_error = |source| CorpusError::Io { path: path.to_owned(), source };
    let mut file = BufReader::new(File::open(path).map_err(io_error)?);
    let gzipped = file.fill_buf().map_err(io_error)?.starts_with(&[0x1f, 0x8b]);
    let input: Box<dyn BufRead> =
        if gzipped { Box::new(BufReader::new(MultiGzDecoder::new(file))) } else { Box::new(file) };
    let (sentences, diagnostics) = read_sentences(input).map_err(io_error)?;
    Ok((subtitles::group(&timed(sentences), opts), diagnostics))
}

/// One `<s>` element as read.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct Sentence {
    /// The line of its start tag.
    pub line: usize,
    pub text: String,
    pub start_ms: Option<u64>,
    pub end_ms: Option<u64>,
}

/// A sentence being read.
#[derive(Debug, Default)]
struct Open {
    sentence: Sentence,
    tokens: Vec<String>,
    word: Option<String>,
    raw: String,
}

impl Open {
    fn push_text(&mut self, text: &str) {
        match self.word.as_mut() {
            Some(word) => word.push_str(text),
            None => self.raw.push_str(text),
        }
    }

    fn finish(mut self) -> Sentence {
        self.sentence.text = if self.tokens.is_empty() { self.raw } else { detokenize(&self.tokens) };
        self.sentence
    }
}

/// Reads the sentences of an OPUS document. Only an IO error (unreadable file, corrupt gzip) fails; XML
/// errors and bad sentences are diagnostics.
pub(crate) fn read_sentences(input: impl BufRead) -> io::Result<(Vec<Sentence>, Vec<Diagnostic>)> {
    let mut reader = Reader::from_reader(LineCounter { inner: input, line: 1 });
    reader.config_mut().check_end_names = false;
    let mut state = State::default();
    let mut buf = Vec::new();
    loop {
        buf.clear();
        let line = reader.get_ref().line;
        match reader.read_event_into(&mut buf) {
            Ok(Event::Eof) => break,
            Ok(event) => state.event(event, line, reader.get_ref().line),
            Err(quick_xml::Error::Io(error)) => return Err(io::Error::new(error.kind(), error.to_string())),
            Err(error) => {
                if !state.xml_error(reader.get_ref().line, &error) {
                    break;
                }
            }
        }
    }
    state.end_of_file(reader.get_ref().line);
    Ok((state.sentences, state.diagnostics))
}

#[derive(Debug, Default)]
struct State {
    open: Option<Open>,
    /// A cue start seen outside any sentence, for the next one.
    pending_start: Option<u64>,
    sentences: Vec<Sentence>,
    diagnostics: Vec<Diagnostic>,
    errors: usize,
}

impl State {
    /// Handles one event; `start_line` and `end_line` are the lines where it starts and ends.
    fn event(&mut self, event: Event, start_line: usize, end_line: usize) {
        match event {
            Event::Start(tag) => self.start(&tag, start_line),
            Event::Empty(tag) => self.empty(&tag, end_line),
            Event::End(tag) => match tag.name().as_ref() {
                b"s" => self.close_sentence(),
                b"w" => self.close_word(),
                _ => {}
            },
            Event::Text(text) => self.text(text.decode(), end_line),
            Event::CData(text) => self.text(text.decode(), end_line),
            Event::GeneralRef(reference) => {
                if let (Some(open), Some(text)) = (self.open.as_mut(), resolve(&reference)) {
                    open.push_text(&text);
                }
            }
            _ => {}
        }
    }

    fn start(&mut self, tag: &BytesStart, line: usize) {
        match tag.name().as_ref() {
            b"s" => {
                if let Some(unclosed) = self.open.take() {
                    let message = "sentence not closed before the next <s>: skipped";
                    self.diagnostics.push(Diagnostic::error(unclosed.sentence.line, message));
                }
                let sentence = Sentence { line, start_ms: self.pending_start.take(), ..Sentence::default() };
                self.open = Some(Open { sentence, ..Open::default() });
            }
            b"w" => {
                if let Some(open) = self.open.as_mut() {
                    open.word = Some(String::new());
                }
            }
            b"time" => self.time(tag, line),
            _ => {}
        }
    }

    fn empty(&mut self, tag: &BytesStart, line: usize) {
        if tag.name().as_ref() == b"time" {
            self.time(tag, line);
        }
    }

    /// A `<time id="T1S" value="00:00:51,819"/>` mark.
    fn time(&mut self, tag: &BytesStart, line: usize) {
        let attribute = |name: &str| {
            tag.try_get_attribute(name).ok().flatten().and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
        };
        let (Some(id), Some(value)) = (attribute("id"), attribute("value")) else {
            self.diagnostics.push(Diagnostic::warning(line, "<time> without id or value: ignored"));
            return;
        };
        let Some(ms) = parse_time(&value) else {
            self.diagnostics.push(Diagnostic::warning(line, format!("unreadable time value {value:?}: ignored")));
            return;
        };
        let is_start = id.ends_with('S');
        match (self.open.as_mut(), is_start) {
            (Some(open), true) => open.sentence.start_ms = open.sentence.start_ms.or(Some(ms)),
            (Some(open), false) => open.sentence.end_ms = Some(ms),
            (None, true) => self.pending_start = Some(ms),
            (None, false) => {
                if let Some(last) = self.sentences.last_mut() {
                    last.end_ms = Some(ms);
                }
            }
        }
    }

    fn text(&mut self, text: Result<Cow<str>, EncodingError>, line: usize) {
        let Some(open) = self.open.as_mut() else { return };
        match text {
            Ok(text) => open.push_text(&text),
            Err(error) => {
                self.diagnostics.push(Diagnostic::error(line, format!("undecodable text ({error}): sentence skipped")));
                self.open = None;
            }
        }
    }

    fn close_word(&mut self) {
        let Some(open) = self.open.as_mut() else { return };
        let word = open.word.take().unwrap_or_default();
        let word = word.trim();
        if !word.is_empty() {
            open.tokens.push(word.to_string());
        }
    }

    fn close_sentence(&mut self) {
        if let Some(open) = self.open.take() {
            let sentence = open.finish();
            if !sentence.text.trim().is_empty() || sentence.start_ms.is_some() || sentence.end_ms.is_some() {
                self.sentences.push(sentence);
            }
        }
    }

    /// Records an XML error and drops the sentence it fell in. Returns whether reading should go on.
    fn xml_error(&mut self, line: usize, error: &quick_xml::Error) -> bool {
        let line = self.open.take().map_or(line, |open| open.sentence.line);
        self.diagnostics.push(Diagnostic::error(line, format!("malformed XML ({error}): sentence skipped")));
        self.errors += 1;
        if self.errors >= MAX_XML_ERRORS {
            let message = format!("{MAX_XML_ERRORS} XML errors: the rest of the file is ignored");
            self.diagnostics.push(Diagnostic::error(line, message));
            return false;
        }
        true
    }

    fn end_of_file(&mut self, line: usize) {
        if let Some(open) = self.open.take() {
            let message = format!("sentence not closed at the end of the file (line {line}): skipped");
            self.diagnostics.push(Diagnostic::error(open.sentence.line, message));
        }
    }
}

/// The text an entity or character reference (`&amp;`, `&#33;`) stands for; `None` for unknown entities.
fn resolve(reference: &BytesRef) -> Option<String> {
    if let Ok(Some(c)) = reference.resolve_char_ref() {
        return Some(c.to_string());
    }
    let name = reference.decode().ok()?;
    quick_xml::escape::resolve_predefined_entity(&name).map(str::to_string)
}

/// Gives untimed sentences of a timed document the previous end as start (so they go on with the turn), and
/// keeps a document without any times untimed (so each sentence is a turn).
fn timed(sentences: Vec<Sentence>) -> Vec<Timed> {
    let has_times = sentences.iter().any(|s| s.start_ms.is_some() || s.end_ms.is_some());
    let mut previous_end: Option<u64> = None;
    let mut items = Vec::with_capacity(sentences.len());
    for sentence in sentences {
        let start_ms = sentence.start_ms.or(previous_end.filter(|_| has_times));
        let end_ms = sentence.end_ms.or(start_ms);
        previous_end = end_ms.or(previous_end);
        if !sentence.text.trim().is_empty() {
            items.push(Timed { start_ms, end_ms, text: sentence.text, speaker: None });
        }
    }
    items
}

/// Reads `HH:MM:SS,mmm` (or with `.` before the milliseconds, or without them) as milliseconds.
pub(crate) fn parse_time(value: &str) -> Option<u64> {
    let (clock, millis) = value.trim().split_once([',', '.']).unwrap_or((value.trim(), "0"));
    let mut parts = clock.split(':').map(|part| part.trim().parse::<u64>().ok());
    let (hours, minutes, seconds) = (parts.next()??, parts.next()??, parts.next()??);
    if parts.next().is_some() || minutes >= 60 || seconds >= 60 || millis.len() > 3 {
        return None;
    }
    let millis: u64 = format!("{millis:0<3}").parse().ok()?;
    let seconds = hours.checked_mul(3600)?.checked_add(minutes * 60 + seconds)?;
    seconds.checked_mul(1000)?.checked_add(millis)
}

/// Joins `<w>` tokens into text: no space before closing punctuation and clitics (`,` `.` `!` `?` `n't` `'s`
/// ...), none after opening brackets, and straight double quotes alternate between opening and closing. A
/// speaker dash after the end of a sentence (`- Sure? - Yes.`) starts a new line, as in a subtitle cue.
pub(crate) fn detokenize(tokens: &[String]) -> String {
    let mut text = String::new();
    let mut glue_next = true;
    let mut open_quote = false;
    for token in tokens {
        let is_quote = token == "\"";
        let closing_quote = is_quote && open_quote;
        if is_speaker_dash(token) && text.ends_with(['.', '!', '?']) {
            text.push('\n');
        } else if !glue_next && !attaches_left(token) && !closing_quote {
            text.push(' ');
        }
        text.push_str(token);
        if is_quote {
            open_quote = !open_quote;
        }
        glue_next = (is_quote && open_quote) || matches!(token.as_str(), "(" | "[" | "{" | "¿" | "¡" | "«");
    }
    text
}

fn is_speaker_dash(token: &str) -> bool {
    matches!(token, "-" | "\u{2013}" | "\u{2014}")
}

/// Whether a token sticks to the token before it.
fn attaches_left(token: &str) -> bool {
    const PUNCTUATION: [&str; 13] = [",", ".", "!", "?", ";", ":", "...", "..", ")", "]", "}", "%", "»"];
    let lower = token.to_lowercase();
    let clitic = lower.strip_prefix('\'').is_some_and(|rest| {
        (1..=2).contains(&rest.chars().count()) && rest.chars().all(char::is_alphabetic) && rest != "em"
    });
    PUNCTUATION.contains(&token) || lower == "n't" || clitic || token.chars().all(|c| matches!(c, '.' | '!' | '?'))
}

/// Counts the lines consumed by the XML reader, so diagnostics can name them.
struct LineCounter<R> {
    inner: R,
    line: usize,
}

impl<R: BufRead> Read for LineCounter<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let read = self.inner.read(buf)?;
        self.line += buf[..read].iter().filter(|&&byte| byte == b'\n').count();
        Ok(read)
    }
}

impl<R: BufRead> BufRead for LineCounter<R> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        if let Ok(buffer) = self.inner.fill_buf() {
            self.line += buffer[..amount.min(buffer.len())].iter().filter(|&&byte| byte == b'\n').count();
        }
        self.inner.consume(amount);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check_tokens(tokens: &str, expected: &str) {
        let tokens: Vec<String> = tokens.split(' ').map(str::to_string).collect();
        assert_eq!(detokenize(&tokens), expected, "tokens {tokens:?}");
    }

    #[test]
    fn tokens_join_like_text() {
        check_tokens("Hello , world !", "Hello, world!");
        check_tokens("I do n't know .", "I don't know.");
        check_tokens("It 's John 's car", "It's John's car");
        check_tokens("We 'll see ... maybe ?", "We'll see... maybe?");
        check_tokens("He said \" go home \" and left", "He said \"go home\" and left");
        check_tokens("( quietly ) Yes", "(quietly) Yes");
        check_tokens("- Hi . - Hello .", "- Hi.\n- Hello.");
        check_tokens("well - maybe", "well - maybe");
        check_tokens("'em all", "'em all");
        check_tokens("What ?!", "What?!");
        check_tokens("100 %", "100%");
    }

    fn check_time(value: &str, expected: Option<u64>) {
        assert_eq!(parse_time(value), expected, "time {value:?}");
    }

    #[test]
    fn times_parse() {
        check_time("00:00:51,819", Some(51_819));
        check_time("01:02:03.5", Some(3_723_500));
        check_time("00:01:00", Some(60_000));
        check_time("00:61:00,000", None);
        check_time("bad", None);
        check_time("00:00:01,1234", None);
        check_time("", None);
        check_time("99999999999999999:00:00,000", None);
    }

    fn check_xml(xml: &str, expected: &str) {
        let (sentences, diagnostics) = read_sentences(xml.as_bytes()).expect("in-memory input reads");
        let mut rendered: Vec<String> = sentences
            .iter()
            .map(|s| {
                let time = |t: Option<u64>| t.map_or("-".to_string(), |t| t.to_string());
                format!("{}:{}-{} {}", s.line, time(s.start_ms), time(s.end_ms), s.text.trim())
            })
            .collect();
        rendered.extend(diagnostics.iter().map(|d| format!("{}: {d}", d.line)));
        assert_eq!(rendered.join(" # "), expected, "xml {xml:?}");
    }

    #[test]
    fn sentences_read_with_times() {
        check_xml(
            "<document>\n<s id=\"1\">\n<time id=\"T1S\" value=\"00:00:01,000\"/>\n<w>Hi</w>\n<w>.</w>\n<time id=\"T1E\" value=\"00:00:02,000\"/>\n</s>\n</document>",
            "2:1000-2000 Hi.",
        );
        check_xml("<document><s id=\"1\">Raw text &amp; more&#33;</s></document>", "1:--- Raw text & more!");
        check_xml("<s id=\"1\"><![CDATA[a < b]]></s>", "1:--- a < b");
    }

    #[test]
    fn malformed_sentences_are_diagnostics() {
        check_xml(
            "<document>\n<s id=\"1\"><w>One</w>\n<s id=\"2\"><w>Two</w></s>\n</document>",
            "3:--- Two # 2: error: sentence not closed before the next <s>: skipped",
        );
        check_xml(
            "<s id=\"1\"><time id=\"T1S\" value=\"soon\"/><w>A</w></s>",
            "1:--- A # 1: warning: unreadable time value \"soon\": ignored",
        );
        check_xml("<s id=\"1\"><w>A</w>", "1: error: sentence not closed at the end of the file (line 1): skipped");
        check_xml("<s id=\"1\">&bogus;ok</s>", "1:--- ok");
        let (sentences, diagnostics) =
            read_sentences(&b"<s id=\"1\">caf\xe9</s><s id=\"2\">Fine</s>"[..]).expect("reads");
        assert_eq!(sentences.iter().map(|s| s.text.as_str()).collect::<Vec<_>>(), ["Fine"]);
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    }
}

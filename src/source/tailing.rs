//! What every log source shares beyond the `LogTail` trait: turning a raw line into a
//! [`LogLine`] and saying how the tail is doing ([`TailState`]), for the log view's status line.

use super::logs::{LogLevel, LogLine};
use crate::model::Timestamp;
use crate::sanitize::sanitize_line;
use std::fmt;

/// How far into a line level words are looked for. Level words further in are message text
/// ("retrying after ERROR from peer") and must not change the line's level.
const LEVEL_SCAN_TOKENS: usize = 6;
const LEVEL_SCAN_BYTES: usize = 96;

/// One raw line (no line ending) to a [`LogLine`], sanitised.
///
/// The NexTalk format `2026-11-22T03:04:05Z ERROR text` is split into its parts, so that
/// [`LogLine::render`] gives the line back. Any other line keeps its whole text, original
/// timestamp included, and gets `received` as its time unless it starts with a timestamp that
/// can be read; its level is the first level word among its first few tokens, else Info.
pub fn parse_line(raw: &[u8], received: Timestamp) -> LogLine {
    LineParser::default().parse(raw, received)
}

/// [`parse_line`] for a stream of lines: remembers the last timestamp, because lines come in
/// bursts that share their second and reading and re-printing it is most of the work.
#[derive(Debug, Default)]
pub struct LineParser {
    last: Option<(String, Timestamp)>,
}

impl LineParser {
    pub fn parse(&mut self, raw: &[u8], received: Timestamp) -> LogLine {
        let mut text = clean(raw.strip_suffix(b"\r").unwrap_or(raw));
        if let Some((at, level, start)) = self.split_nextalk(&text) {
            // The message in place: one allocation per line, not two (a fast tail parses
            // about a million lines a second).
            text.drain(..start);
            return LogLine { at, level, text };
        }
        let at = leading_timestamp(&text).unwrap_or(received);
        let level = detect_level(&text).unwrap_or(LogLevel::Info);
        LogLine { at, level, text }
    }

    /// `<rfc3339 seconds>Z <LEVEL> <text>`, only when the timestamp prints back exactly as
    /// written (otherwise its original text, e.g. fractional seconds, would be lost): the
    /// time, the level and where the message starts.
    fn split_nextalk(&mut self, line: &str) -> Option<(Timestamp, LogLevel, usize)> {
        let (ts, rest) = line.split_once(' ')?;
        let rest = rest.trim_start_matches(' ');
        let (word, text) = rest.split_once(' ').unwrap_or((rest, ""));
        let level = match word {
            "DEBUG" => LogLevel::Debug,
            "INFO" => LogLevel::Info,
            "WARN" => LogLevel::Warn,
            "ERROR" => LogLevel::Error,
            _ => return None,
        };
        let at = self.exact_timestamp(ts)?;
        // The level column is padded to five characters; the message starts after the padding.
        let text = text.trim_start_matches(' ');
        Some((at, level, line.len() - text.len()))
    }

    fn exact_timestamp(&mut self, ts: &str) -> Option<Timestamp> {
        if let Some((text, at)) = &self.last
            && text == ts
        {
            return Some(*at);
        }
        let at = parse_timestamp(ts)?;
        if at.rfc3339() != ts {
            return None;
        }
        self.last = Some((ts.to_owned(), at));
        Some(at)
    }
}

/// [`sanitize_line`], with a shortcut for printable ASCII, which the sanitiser passes through
/// unchanged (a test holds it to that): checking bytes is several times cheaper than checking
/// chars, and a fast tail cleans about a million lines a second.
fn clean(raw: &[u8]) -> String {
    if raw.iter().all(|b| matches!(b, 0x20..=0x7e)) {
        return String::from_utf8(raw.to_vec()).unwrap_or_else(|e| sanitize_line(e.as_bytes()));
    }
    sanitize_line(raw)
}

fn parse_timestamp(s: &str) -> Option<Timestamp> {
    // `weak` also takes `2026-11-22 03:04:05` and missing `Z`, as Windows services often write.
    humantime::parse_rfc3339_weak(s).ok().map(Timestamp::from)
}

/// A timestamp at the very start: `2026-11-22T03:04:05.123Z …`, `2026-11-22 03:04:05,123 …`,
/// `[2026-11-22 03:04:05] …`.
fn leading_timestamp(line: &str) -> Option<Timestamp> {
    let s = line.trim_start_matches('[');
    let date = s.get(..10)?;
    let time = s.get(11..19)?;
    if !date.as_bytes().first()?.is_ascii_digit() {
        return None;
    }
    // Fractions and zones vary too much between products; seconds are what the view shows.
    parse_timestamp(&format!("{date}T{time}Z"))
}

/// The first level word among the first tokens, case-insensitively: `ERROR`, `[Error]`,
/// `level=warn`, `<WARNING>`.
pub fn detect_level(line: &str) -> Option<LogLevel> {
    let head = match line.char_indices().nth(LEVEL_SCAN_BYTES) {
        Some((i, _)) => &line[..i],
        None => line,
    };
    head.split(|c: char| !c.is_ascii_alphabetic())
        .filter(|t| !t.is_empty())
        .take(LEVEL_SCAN_TOKENS + 2) // `level=` and date parts split into extra tokens
        .find_map(level_word)
}

fn level_word(token: &str) -> Option<LogLevel> {
    const WORDS: &[(&str, LogLevel)] = &[
        ("error", LogLevel::Error),
        ("err", LogLevel::Error),
        ("fatal", LogLevel::Error),
        ("critical", LogLevel::Error),
        ("crit", LogLevel::Error),
        ("warn", LogLevel::Warn),
        ("warning", LogLevel::Warn),
        ("info", LogLevel::Info),
        ("information", LogLevel::Info),
        ("notice", LogLevel::Info),
        ("debug", LogLevel::Debug),
        ("dbg", LogLevel::Debug),
        ("trace", LogLevel::Debug),
        ("verbose", LogLevel::Debug),
    ];
    WORDS.iter().find(|(w, _)| token.eq_ignore_ascii_case(w)).map(|(_, l)| *l)
}

/// How a log tail is doing, for the status line of the log view. Sources produce it; the view
/// shows it. No source's own types appear here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TailState {
    /// Opening the connection: `connecting to nt-a (10.0.0.5:22)`.
    Connecting { to: String },
    /// Reading a file as it grows: `following nt-a:C:\ProgramData\NexTalk\Logs\x.log`.
    Following { source: String },
    /// Connected, but nothing to read yet (e.g. no file matches the pattern).
    Waiting { reason: String },
    /// Lost the connection; trying again after a pause.
    Reconnecting { in_secs: u64, reason: String },
    /// Given up: needs the engineer (host key refused, authentication failed…).
    Failed { message: String },
    /// A one-off read (e.g. SSM `Get-Content -Tail`): will not update by itself.
    Snapshot { source: String },
    /// The tail was stopped.
    Stopped,
}

impl TailState {
    /// True while new lines can still arrive.
    pub fn is_live(&self) -> bool {
        matches!(self, TailState::Following { .. } | TailState::Waiting { .. })
    }
}

impl fmt::Display for TailState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TailState::Connecting { to } => write!(f, "connecting to {to}"),
            TailState::Following { source } => write!(f, "following {source}"),
            TailState::Waiting { reason } => write!(f, "waiting: {reason}"),
            TailState::Reconnecting { in_secs, reason } => {
                write!(f, "reconnecting in {in_secs}s ({reason})")
            }
            TailState::Failed { message } => write!(f, "failed: {message}"),
            TailState::Snapshot { source } => write!(f, "snapshot, not a follow: {source}"),
            TailState::Stopped => f.write_str("stopped"),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ascii_shortcut_gives_what_the_sanitiser_gives() {
        use crate::sanitize::sanitize_line;
        // Every printable ASCII byte at every position of lines of assorted lengths, and the
        // bytes around that range (which must take the sanitiser's path).
        let all: Vec<u8> = (0x20..=0x7e).collect();
        for len in [0, 1, 7, 40, all.len()] {
            for start in 0..all.len() {
                let raw: Vec<u8> = all.iter().cycle().skip(start).take(len).copied().collect();
                assert_eq!(super::clean(&raw), sanitize_line(&raw), "{raw:?}");
            }
        }
        for odd in [0x00u8, 0x09, 0x1b, 0x1f, 0x7f, 0x80, 0x9b, 0xc2, 0xff] {
            let raw = [b'a', odd, b'[', b'3', b'1', b'm', b'z'];
            assert_eq!(super::clean(&raw), sanitize_line(&raw), "{raw:?}");
        }
        assert_eq!(super::clean(b"x\x1b[31mred\x07"), "xred");
    }

    use super::*;

    const RECEIVED: Timestamp = Timestamp(1_000);

    #[test]
    fn nextalk_lines_split_and_render_back() {
        let raw = "2026-11-22T03:04:05Z ERROR Chat Bridge lost its Connect session";
        let line = parse_line(raw.as_bytes(), RECEIVED);
        assert_eq!(line.level, LogLevel::Error);
        assert_eq!(line.at.rfc3339(), "2026-11-22T03:04:05Z");
        assert_eq!(line.text, "Chat Bridge lost its Connect session");
        assert_eq!(line.render(), raw);

        let padded = "2026-11-22T03:04:05Z INFO  port 7 idle";
        let line = parse_line(padded.as_bytes(), RECEIVED);
        assert_eq!((line.level, line.text.as_str()), (LogLevel::Info, "port 7 idle"));
        assert_eq!(line.render(), padded);
    }

    #[test]
    fn the_timestamp_cache_never_mixes_lines_up() {
        let mut p = LineParser::default();
        let a = p.parse(b"2026-11-22T03:04:05Z INFO  a", RECEIVED);
        let b = p.parse(b"2026-11-22T03:04:05Z ERROR b", RECEIVED);
        let c = p.parse(b"2026-11-22T03:04:06Z INFO  c", RECEIVED);
        let d = p.parse(b"2026-11-22T03:04:06.5Z INFO  d", RECEIVED);
        assert_eq!((a.at, b.level), (b.at, LogLevel::Error));
        assert_eq!(c.at.since(a.at), std::time::Duration::from_secs(1));
        assert_eq!(d.text, "2026-11-22T03:04:06.5Z INFO  d");
    }

    #[test]
    fn windows_line_endings_are_removed() {
        let line = parse_line(b"2026-11-22T03:04:05Z WARN  slow\r", RECEIVED);
        assert_eq!((line.level, line.text.as_str()), (LogLevel::Warn, "slow"));
    }

    #[test]
    fn other_formats_keep_their_text_and_timestamp() {
        let raw = "2026-11-22 03:04:05.123 [Warning] App API: retry 2";
        let line = parse_line(raw.as_bytes(), RECEIVED);
        assert_eq!(line.text, raw);
        assert_eq!(line.level, LogLevel::Warn);
        assert_eq!(line.at.rfc3339(), "2026-11-22T03:04:05Z");

        let frac = "2026-11-22T03:04:05.250Z ERROR x";
        let line = parse_line(frac.as_bytes(), RECEIVED);
        assert_eq!((line.text.as_str(), line.level), (frac, LogLevel::Error));
    }

    #[test]
    fn level_words_are_found_early_and_only_early() {
        assert_eq!(detect_level("level=error msg=boom"), Some(LogLevel::Error));
        assert_eq!(detect_level("<FATAL> out of ports"), Some(LogLevel::Error));
        assert_eq!(detect_level("[dbg] tick"), Some(LogLevel::Debug));
        let late = "call 1234 from +44 20 7946 0000 handled by agent Smith, then an ERROR";
        assert_eq!(detect_level(late), None);
        let line = parse_line(late.as_bytes(), RECEIVED);
        assert_eq!((line.level, line.at), (LogLevel::Info, RECEIVED));
        // Words that merely contain a level word are not level words.
        assert_eq!(detect_level("Errorless Informant"), None);
    }

    #[test]
    fn hostile_bytes_are_sanitised_while_parsing() {
        let line = parse_line(b"2026-11-22T03:04:05Z ERROR \x1b]52;c;eA==\x07boom\x1b[2J", RECEIVED);
        assert_eq!(line.text, "boom");
    }

    #[test]
    fn states_read_well_in_a_status_line() {
        let s = TailState::Reconnecting { in_secs: 4, reason: "connection reset".into() };
        assert_eq!(s.to_string(), "reconnecting in 4s (connection reset)");
        assert!(
            TailState::Snapshot { source: "nt-a".into() }.to_string().starts_with("snapshot, not a follow")
        );
    }
}

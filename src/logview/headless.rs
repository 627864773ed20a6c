//! `switchboard logs SERVER [--follow] [--lines N] [--grep PATTERN]`: a log tail for pipes.
//!
//! One line per log line, sanitised (again: a source that forgot must not reach a terminal),
//! flushed per batch so `| grep` and `| tee` see lines as they come. A reader that goes away
//! (`| head`) ends the tail quietly.

use crate::model::Timestamp;
use crate::sanitize::sanitize_line;
use crate::source::{LogLine, LogTail, SourceError};
use std::collections::VecDeque;
use std::io::{self, Write};
use std::time::{Duration, Instant};

/// A source that answers at once with nothing is asked again after this pause, not in a loop.
const IDLE_PAUSE: Duration = Duration::from_millis(200);

/// Which lines to print.
#[derive(Debug, Clone)]
pub enum Grep {
    Substring(String),
    Regex(regex::Regex),
}

impl Grep {
    pub fn substring(s: impl Into<String>) -> Self {
        Grep::Substring(s.into())
    }

    pub fn regex(pattern: &str) -> Result<Self, regex::Error> {
        regex::Regex::new(pattern).map(Grep::Regex)
    }

    pub fn is_match(&self, line: &str) -> bool {
        match self {
            Grep::Substring(s) => line.contains(s.as_str()),
            Grep::Regex(r) => r.is_match(line),
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct TailOptions {
    /// Keep printing new lines until the reader goes away or the source fails.
    pub follow: bool,
    /// How many of the lines already there to print first (the last ones; after `grep`).
    pub lines: usize,
    /// Only lines matching this (the whole printed line, timestamp and level included).
    pub grep: Option<Grep>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct TailSummary {
    pub lines_written: u64,
    /// The reader closed the pipe (not an error for a CLI).
    pub reader_gone: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum TailError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error("writing the log: {0}")]
    Write(#[from] io::Error),
}

/// Prints the last `opts.lines` lines, then (with `follow`) new lines as they arrive.
///
/// "The lines already there" are those the source delivers before its first empty batch
/// (an SSH tail sends its backlog, then an empty batch once caught up).
pub async fn tail_to<W: Write + Send>(
    writer: W,
    tail: &mut dyn LogTail,
    opts: &TailOptions,
) -> Result<TailSummary, TailError> {
    let mut out = Out {
        w: io::BufWriter::with_capacity(64 * 1024, writer),
        summary: TailSummary::default(),
        ts: None,
        buf: String::new(),
    };
    let keep = |text: &str| opts.grep.as_ref().is_none_or(|g| g.is_match(text));

    let mut backlog: VecDeque<String> = VecDeque::new();
    loop {
        let batch = tail.next_batch().await?;
        if batch.is_empty() {
            break;
        }
        for line in batch {
            let text = out.format(&line);
            if opts.lines > 0 && keep(&text) {
                if backlog.len() == opts.lines {
                    backlog.pop_front();
                }
                backlog.push_back(text);
            }
        }
    }
    for text in backlog {
        if out.line(&text)? {
            return Ok(out.summary);
        }
    }
    if out.flush()? || !opts.follow {
        return Ok(out.summary);
    }

    loop {
        let asked = Instant::now();
        let batch = tail.next_batch().await?;
        if batch.is_empty() {
            if let Some(rest) = IDLE_PAUSE.checked_sub(asked.elapsed()) {
                tokio::time::sleep(rest).await;
            }
            continue;
        }
        for line in batch {
            out.format_buf(&line);
            if keep(&out.buf) && out.line_buf()? {
                return Ok(out.summary);
            }
        }
        if out.flush()? {
            return Ok(out.summary);
        }
    }
}

struct Out<W: Write> {
    w: io::BufWriter<W>,
    summary: TailSummary,
    /// The last timestamp printed: a burst of lines shares its second, and formatting it is
    /// the dearest part of printing a line.
    ts: Option<(Timestamp, String)>,
    /// The line being printed, reused from line to line: a fast follow prints about a million
    /// lines a second, and an allocation per line is a good part of that.
    buf: String,
}

impl<W: Write> Out<W> {
    fn format(&mut self, line: &LogLine) -> String {
        self.format_buf(line);
        self.buf.clone()
    }

    /// The line as printed (`<time> <LEVEL> <text>`), into `self.buf`.
    fn format_buf(&mut self, line: &LogLine) {
        let secs = Timestamp(line.at.0 / 1000 * 1000);
        if self.ts.as_ref().is_none_or(|(t, _)| *t != secs) {
            self.ts = Some((secs, line.at.rfc3339()));
        }
        let ts = self.ts.as_ref().map_or("", |(_, s)| s.as_str());
        let level = line.level.as_str();
        self.buf.clear();
        self.buf.push_str(ts);
        self.buf.push(' ');
        self.buf.push_str(level);
        self.buf.extend(std::iter::repeat_n(' ', 5usize.saturating_sub(level.len())));
        self.buf.push(' ');
        self.buf.push_str(&line.text);
        // Sources promise sanitised text; a terminal on the other end of the pipe is worth the
        // check that they kept the promise. The whole line goes through the sanitiser (a
        // narrower test here, controls only, once let bidi and zero-width characters through),
        // except printable ASCII, which it passes unchanged: one byte scan, no allocation.
        if !self.buf.bytes().all(|b| matches!(b, 0x20..=0x7e)) {
            self.buf = sanitize_line(self.buf.as_bytes());
        }
    }

    /// Writes `self.buf` as one line; true when the reader is gone.
    fn line_buf(&mut self) -> Result<bool, TailError> {
        let r = self.w.write_all(self.buf.as_bytes()).and_then(|()| self.w.write_all(b"\n"));
        if r.is_ok() {
            self.summary.lines_written += 1;
        }
        self.done(r)
    }

    /// Writes one line; true when the reader is gone.
    fn line(&mut self, text: &str) -> Result<bool, TailError> {
        let r = self.w.write_all(text.as_bytes()).and_then(|()| self.w.write_all(b"\n"));
        if r.is_ok() {
            self.summary.lines_written += 1;
        }
        self.done(r)
    }

    /// True when the reader is gone.
    fn flush(&mut self) -> Result<bool, TailError> {
        let r = self.w.flush();
        self.done(r)
    }

    fn done(&mut self, r: io::Result<()>) -> Result<bool, TailError> {
        match r {
            Ok(()) => Ok(false),
            Err(e) if e.kind() == io::ErrorKind::BrokenPipe => {
                self.summary.reader_gone = true;
                Ok(true)
            }
            Err(e) => Err(e.into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::LogLevel;
    use futures::future::BoxFuture;

    /// Hands out scripted batches, then empty ones.
    struct Script(VecDeque<Vec<LogLine>>);

    impl LogTail for Script {
        fn describe(&self) -> String {
            "script".into()
        }
        fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
            let batch = self.0.pop_front();
            Box::pin(async move {
                match batch {
                    Some(b) => Ok(b),
                    None => Err(SourceError::Failed {
                        operation: "read".into(),
                        resource: "script".into(),
                        message: "ended".into(),
                    }),
                }
            })
        }
    }

    fn line(level: LogLevel, text: &str) -> LogLine {
        LogLine { at: Timestamp::from_secs(1_795_827_600), level, text: text.into() }
    }

    fn batch(texts: &[&str]) -> Vec<LogLine> {
        texts.iter().map(|t| line(LogLevel::Info, t)).collect()
    }

    #[tokio::test]
    async fn prints_the_last_matching_lines_and_stops_without_follow() {
        let mut src = Script(VecDeque::from([batch(&["a 1", "b 2"]), batch(&["a 3", "a 4"]), vec![]]));
        let mut out = Vec::new();
        let opts = TailOptions { follow: false, lines: 2, grep: Some(Grep::substring("a ")) };
        let summary = tail_to(&mut out, &mut src, &opts).await.unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "2026-11-28T01:00:00Z INFO  a 3\n2026-11-28T01:00:00Z INFO  a 4\n"
        );
        assert_eq!(summary.lines_written, 2);
    }

    #[tokio::test]
    async fn follow_prints_new_lines_until_the_source_fails() {
        let mut src =
            Script(VecDeque::from([batch(&["old"]), vec![], batch(&["new 1"]), vec![], batch(&["new 2"])]));
        let mut out = Vec::new();
        let opts = TailOptions { follow: true, lines: 0, grep: Some(Grep::regex("^.*new").unwrap()) };
        let err = tail_to(&mut out, &mut src, &opts).await.unwrap_err();
        assert!(err.to_string().contains("ended"));
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().map(|l| &l[27..]).collect::<Vec<_>>(), ["new 1", "new 2"]);
    }

    #[tokio::test]
    async fn control_sequences_never_reach_the_pipe() {
        let mut src =
            Script(VecDeque::from([vec![line(LogLevel::Error, "x\x1b]52;c;AAAA\x07y\x1b[2J")], vec![]]));
        let mut out = Vec::new();
        tail_to(&mut out, &mut src, &TailOptions { lines: 10, ..Default::default() }).await.unwrap();
        assert_eq!(out, b"2026-11-28T01:00:00Z ERROR xy\n");
        // Bidi and zero-width characters a source failed to remove.
        let mut src =
            Script(VecDeque::from([vec![line(LogLevel::Info, "a\u{202E}b\u{200B}c\u{2028}d")], vec![]]));
        let mut out = Vec::new();
        tail_to(&mut out, &mut src, &TailOptions { lines: 10, ..Default::default() }).await.unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "2026-11-28T01:00:00Z INFO  abcd\n");
    }

    /// Accepts `n` lines' worth of writes, then the pipe is closed.
    struct ClosesAfter(usize);

    impl Write for ClosesAfter {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let lines = buf.iter().filter(|&&b| b == b'\n').count();
            if lines > self.0 {
                return Err(io::Error::from(io::ErrorKind::BrokenPipe));
            }
            self.0 -= lines;
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[tokio::test]
    async fn a_closed_pipe_ends_the_tail_quietly() {
        let many: Vec<String> = (0..5000).map(|i| format!("line {i}")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let mut src = Script(VecDeque::from([vec![], batch(&refs)]));
        let opts = TailOptions { follow: true, lines: 0, grep: None };
        let summary = tail_to(ClosesAfter(10), &mut src, &opts).await.unwrap();
        assert!(summary.reader_gone);
    }
}

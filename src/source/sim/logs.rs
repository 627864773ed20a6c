//! Each NexTalk server's log: a bounded ring of lines with sequence numbers, so a reader can
//! ask for "everything since line N" and learn how much it missed if it fell behind.

use crate::model::Timestamp;
use crate::source::logs::{LogLevel, LogLine};
use std::collections::VecDeque;

/// Lines kept per server; older ones are gone, as after a log rotation.
pub const LOG_CAPACITY: usize = 5_000;

/// Lines read from a server's log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogBatch {
    pub lines: Vec<LogLine>,
    /// Ask for lines since this sequence number next time.
    pub next_seq: u64,
    /// Lines that had already left the ring before they could be read.
    pub skipped: u64,
}

#[derive(Debug, Clone)]
pub struct LogRing {
    /// Sequence number of `lines[0]`.
    first_seq: u64,
    lines: VecDeque<LogLine>,
}

impl Default for LogRing {
    fn default() -> Self {
        LogRing { first_seq: 0, lines: VecDeque::with_capacity(LOG_CAPACITY) }
    }
}

impl LogRing {
    pub fn push(&mut self, at: Timestamp, level: LogLevel, text: String) {
        if self.lines.len() == LOG_CAPACITY {
            self.lines.pop_front();
            self.first_seq += 1;
        }
        self.lines.push_back(LogLine { at, level, text });
    }

    /// Sequence number the next line will get.
    pub fn next_seq(&self) -> u64 {
        self.first_seq + self.lines.len() as u64
    }

    pub fn since(&self, seq: u64) -> LogBatch {
        let skipped = self.first_seq.saturating_sub(seq);
        let start = seq.saturating_sub(self.first_seq) as usize;
        let lines = self.lines.iter().skip(start).cloned().collect();
        LogBatch { lines, next_seq: self.next_seq(), skipped }
    }

    /// The newest `n` lines, oldest first.
    pub fn tail(&self, n: usize) -> Vec<LogLine> {
        let skip = self.lines.len().saturating_sub(n);
        self.lines.iter().skip(skip).cloned().collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_resume_by_sequence_and_learn_what_they_missed() {
        let mut ring = LogRing::default();
        for i in 0..LOG_CAPACITY + 10 {
            ring.push(Timestamp(0), LogLevel::Info, format!("line {i}"));
        }
        assert_eq!(ring.next_seq(), LOG_CAPACITY as u64 + 10);
        let b = ring.since(3);
        assert_eq!(b.skipped, 7);
        assert_eq!(b.lines.len(), LOG_CAPACITY);
        assert_eq!(b.lines[0].text, "line 10");
        let b = ring.since(b.next_seq - 2);
        assert_eq!(b.skipped, 0);
        assert_eq!(b.lines.iter().map(|l| l.text.as_str()).collect::<Vec<_>>(), ["line 5008", "line 5009"]);
        assert!(ring.since(b.next_seq).lines.is_empty());
        assert_eq!(ring.tail(1)[0].text, "line 5009");
    }
}

//! Log lines as every log source delivers them.

use crate::model::Timestamp;
use futures::future::BoxFuture;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum LogLevel {
    Debug,
    Info,
    Warn,
    Error,
}

impl LogLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            LogLevel::Debug => "DEBUG",
            LogLevel::Info => "INFO",
            LogLevel::Warn => "WARN",
            LogLevel::Error => "ERROR",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    pub at: Timestamp,
    pub level: LogLevel,
    /// Already free of terminal control sequences.
    pub text: String,
}

impl LogLine {
    /// The line as it appears in a NexTalk log file.
    pub fn render(&self) -> String {
        format!("{} {:<5} {}", self.at.rfc3339(), self.level.as_str(), self.text)
    }
}

/// A stream of new log lines from one place (a server's newest log file, a log group).
pub trait LogTail: Send {
    fn describe(&self) -> String;
    /// The lines that arrived since the last call (possibly none).
    fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, super::SourceError>>;
}

//! Log lines as every log source delivers them.

use super::tailing::TailState;
use crate::model::Timestamp;
use futures::future::BoxFuture;
use serde::Serialize;
use tokio::sync::watch;

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
    /// How the tail is doing, for tails that know more than "lines arrive" (connecting,
    /// reconnecting, failed). `None`: the reader shows [`describe`](Self::describe) as followed.
    fn watch_state(&self) -> Option<watch::Receiver<TailState>> {
        None
    }
}

/// Opens the logs the console can show. The console asks by name (a NexTalk server, a Lambda
/// function) and gets a tail to pump, or a sentence for the status line saying why not.
/// Opening must return at once: connecting and reading happen in `next_batch`.
pub trait LogOpener: Send + Sync {
    /// Where the logs come from: `demo logs`, `SSH and CloudWatch Logs`.
    fn describe(&self) -> String;
    /// The newest NexTalk log of `server`, followed.
    fn server_log(&self, server: &str) -> Result<Box<dyn LogTail>, String>;
    /// The error log of Lambda function `function`, followed.
    fn lambda_log(&self, function: &str) -> Result<Box<dyn LogTail>, String>;
}

//! What a run remembers about each step: the outcome, the evidence a person reads, and when.
//! Kept on screen, printed by the headless driver, summarised in the audit log.

use crate::model::Timestamp;
use serde::Serialize;
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A check found what it should.
    Pass,
    /// A check found a problem, or an action ran and failed on a target.
    Fail,
    /// An action ran and succeeded everywhere, a log was opened, a manual step was done.
    Done,
    /// Not done, with a reason (the engineer's, or "nothing to do").
    Skipped,
    /// The engineer chose not to run an action.
    Declined,
    /// A mutating action in read-only mode: not run.
    Refused,
    /// The check could not be judged (no data, command not delivered, timed out…).
    Error,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::Done => "done",
            Outcome::Skipped => "skipped",
            Outcome::Declined => "declined",
            Outcome::Refused => "refused",
            Outcome::Error => "error",
        }
    }

    /// A glyph so colour is never the only signal.
    pub fn symbol(self) -> &'static str {
        match self {
            Outcome::Pass | Outcome::Done => "✓",
            Outcome::Fail => "✖",
            Outcome::Skipped | Outcome::Declined => "–",
            Outcome::Refused => "⊘",
            Outcome::Error => "?",
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ServerStatus {
    Pass,
    Fail,
    Unknown,
}

/// One server's part of a per-server check or of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ServerResult {
    pub server: String,
    /// What on the server the row is about when a check covers several things (a service name,
    /// a peer host), so `on = "failed"` restarts only the service that is down.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    pub status: ServerStatus,
    pub detail: String,
}

impl ServerResult {
    pub fn line(&self) -> String {
        format!("{}: {}", self.server, self.detail)
    }
}

/// The result of one step (or one re-check of a step).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StepRecord {
    /// Index into the runbook's steps.
    pub step: usize,
    pub step_id: String,
    pub title: String,
    /// check / action / manual.
    pub kind: &'static str,
    pub outcome: Outcome,
    /// Lines a person reads: figures, service states, matching log lines, command statuses.
    pub evidence: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub servers: Vec<ServerResult>,
    pub at: Timestamp,
    /// Set on a re-check: the id of the action it verifies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recheck_of: Option<String>,
}

//! Incidents: a record per incident in the data directory, its timeline built from what the
//! console and the runbooks see and do, and the report made from those files.
//!
//! One directory per incident, `<data dir>/incidents/<id>/`:
//! - `timeline.jsonl`: every event, appended, flushed and synced like the audit log. The
//!   record (title, severity, status, root cause…) is a fold of these events, so there is no
//!   second file to keep in step and a crash loses at most the line being written.
//! - `series.jsonl`: the figures of each snapshot a run attached to the incident saw (the
//!   charts of the report).
//! - `attachments/`: files others attach (the flight recorder's telemetry window).
//!
//! Who writes: `switchboard incident …` (declare, notes, status, edits), a runbook run with
//! `--incident` (through [`RunRecorder`], a `runbook::RunObserver`), the notification worker
//! (what it sent), and later the console, through [`IncidentStore::append`].
//!
//! A report ([`report`]) is a pure function of these files: Markdown, JSON and HTML.

pub mod event;
pub mod record;
pub mod recorder;
pub mod report;
pub mod series;
pub mod store;

pub use event::{Clock, Drill, EditField, Event, EventKind};
pub use record::Incident;
pub use recorder::RunRecorder;
pub use series::{Sample, SeriesFile};
pub use store::{IncidentStore, StoreError};

use serde::{Deserialize, Serialize};
use std::fmt;

/// `INC-20261122-001`: the date it was declared (UTC, wall clock) and a number that day.
/// Checked against that pattern before it ever becomes a path.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct IncidentId(String);

impl IncidentId {
    /// Accepts `INC-YYYYMMDD-NNN` (any number of digits, at least three); case is normalised.
    pub fn parse(s: &str) -> Result<IncidentId, String> {
        let up = s.trim().to_ascii_uppercase();
        let ok = up.strip_prefix("INC-").and_then(|rest| rest.split_once('-')).is_some_and(|(date, n)| {
            date.len() == 8
                && date.bytes().all(|b| b.is_ascii_digit())
                && n.len() >= 3
                && n.len() <= 6
                && n.bytes().all(|b| b.is_ascii_digit())
        });
        if ok { Ok(IncidentId(up)) } else { Err(format!("{s:?} is not an incident id (INC-YYYYMMDD-NNN)")) }
    }

    pub(crate) fn from_parts(date: &str, n: u32) -> IncidentId {
        IncidentId(format!("INC-{date}-{n:03}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// sev1 (worst) … sev4.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Sev1,
    Sev2,
    Sev3,
    Sev4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::Sev1, Severity::Sev2, Severity::Sev3, Severity::Sev4];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Sev1 => "sev1",
            Severity::Sev2 => "sev2",
            Severity::Sev3 => "sev3",
            Severity::Sev4 => "sev4",
        }
    }

    pub fn parse(s: &str) -> Option<Severity> {
        Severity::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }

    /// What it means, for the report and for tickets.
    pub fn meaning(self) -> &'static str {
        match self {
            Severity::Sev1 => "critical: the contact center cannot take calls or chats",
            Severity::Sev2 => "major: a channel or many customers are affected",
            Severity::Sev3 => "minor: degraded, with a workaround",
            Severity::Sev4 => "low: no customer impact yet",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// open → mitigated → resolved (reopening goes back to open).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Open,
    Mitigated,
    Resolved,
}

impl Status {
    pub const ALL: [Status; 3] = [Status::Open, Status::Mitigated, Status::Resolved];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Mitigated => "mitigated",
            Status::Resolved => "resolved",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|v| v.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_checked_before_they_become_paths() {
        assert_eq!(IncidentId::parse("inc-20261122-001").unwrap().as_str(), "INC-20261122-001");
        assert_eq!(IncidentId::parse("INC-20261122-1234").unwrap().as_str(), "INC-20261122-1234");
        for bad in ["", "INC-2026112-001", "INC-20261122-01", "INC-20261122-001/../x", "../INC", "INC-x-001"]
        {
            assert!(IncidentId::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(IncidentId::from_parts("20261122", 7).as_str(), "INC-20261122-007");
    }

    #[test]
    fn severities_and_statuses_parse_their_names() {
        assert_eq!(Severity::parse("SEV2"), Some(Severity::Sev2));
        assert_eq!(Severity::parse("sev5"), None);
        assert_eq!(Status::parse("resolved"), Some(Status::Resolved));
        assert!(Severity::Sev1 < Severity::Sev4);
    }
}

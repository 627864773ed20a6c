//! Remote commands as the console knows them: what `update` asks the runtime to run (a
//! `RemoteJob`), and what the screen follows while it runs (a `LiveJob`), whether it came from
//! a runbook step or from Ctrl-r on a service row.

use crate::audit::{AuditStatus, Entry};
use crate::model::Timestamp;
use crate::runbook::ProbeId;
use crate::source::{CommandStatus, RemoteAction, Target};
use std::collections::BTreeMap;

/// One command the console sent (or is about to send). Numbered by `State`, never reused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JobId(pub u64);

/// Why a command runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobOrigin {
    /// A check or action of the runbook run on screen.
    Runbook { probe: ProbeId },
    /// Ctrl-r on a service row of the NexTalk pane.
    Restart,
    /// A value set in the Flags view (`F`).
    Flag,
}

/// Everything the runtime needs to audit, send and poll one command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteJob {
    pub id: JobId,
    pub action: RemoteAction,
    pub targets: Vec<Target>,
    /// Runbook id and step id, for the audit record.
    pub runbook: Option<(String, String)>,
}

impl RemoteJob {
    /// Taken from the action itself, so a job can never claim to be harmless when it is not.
    pub fn is_mutating(&self) -> bool {
        self.action.is_mutating()
    }
}

/// A command as the screen follows it: Pending → InProgress → Success, per server.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveJob {
    pub job: RemoteJob,
    pub origin: JobOrigin,
    /// Set once the remote side accepted it.
    pub command_id: Option<String>,
    /// The latest status seen on each server.
    pub statuses: BTreeMap<String, CommandStatus>,
    /// When the engineer confirmed it (or the runbook asked for it).
    pub started: Timestamp,
    /// When it reached its end, and a one-line outcome.
    pub ended: Option<(Timestamp, String)>,
}

impl LiveJob {
    pub fn new(job: RemoteJob, origin: JobOrigin, started: Timestamp) -> LiveJob {
        LiveJob { job, origin, command_id: None, statuses: BTreeMap::new(), started, ended: None }
    }

    pub fn in_flight(&self) -> bool {
        self.ended.is_none()
    }

    /// What the audit log keeps of a command the console stops watching (it quits): not an
    /// outcome, but the fact that nobody saw one, and that it may still run.
    pub fn abandoned(&self) -> Entry {
        let mut e = Entry::for_remote(&self.job.action, &self.job.targets, AuditStatus::Abandoned);
        if let Some((rb, step)) = &self.job.runbook {
            e = e.in_runbook(rb, step);
        }
        let seen = self.progress();
        let text = match &self.command_id {
            Some(id) => {
                e = e.command(id.clone());
                format!("the console closed while it ran ({seen}): it may still run remotely")
            }
            None => format!("the console closed while it was being sent ({seen}): it may still run remotely"),
        };
        e.message(text)
    }

    /// `restart service NexTalk Chat Bridge on nt-a`.
    pub fn summary(&self) -> String {
        let servers: Vec<&str> = self.job.targets.iter().map(|t| t.server.as_str()).collect();
        format!("{} on {}", self.job.action.summary(), servers.join(", "))
    }

    /// `nt-a InProgress`, one per target; targets not heard from yet read `sending`/`Pending`.
    pub fn progress(&self) -> String {
        let parts: Vec<String> = self
            .job
            .targets
            .iter()
            .map(|t| {
                let status = match self.statuses.get(&t.server) {
                    Some(s) => s.as_str(),
                    None if self.command_id.is_some() => "Pending",
                    None => "sending",
                };
                format!("{} {status}", t.server)
            })
            .collect();
        parts.join(", ")
    }
}

/// A NexTalk server the console may send commands to, with the Windows services that may be
/// restarted there. Both come from configuration (or the simulator's own model), never from
/// telemetry: Ctrl-r only looks the selected row up in this list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerTarget {
    pub target: Target,
    pub services: Vec<String>,
}

//! What a timeline holds: one [`Event`] per line of `timeline.jsonl`, in the order it
//! happened (the order of the file; times from two clocks are never sorted together).
//!
//! Time: events from the simulator carry simulated time (`clock = "simulated"`), everything
//! else wall time (`clock = "wall"`); `recorded_at` is always the wall time the line was
//! written.

use super::{Severity, Status};
use crate::model::{Level, Timestamp};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Clock {
    /// The computer's clock (UTC).
    Wall,
    /// The simulator's clock: a drill's events happen on 2026-11-22 from 03:00 UTC.
    Simulated,
}

impl Clock {
    pub fn as_str(self) -> &'static str {
        match self {
            Clock::Wall => "wall",
            Clock::Simulated => "simulated",
        }
    }

    /// One letter for compact tables: `w` / `s`.
    pub fn tag(self) -> &'static str {
        match self {
            Clock::Wall => "wall",
            Clock::Simulated => "sim",
        }
    }
}

/// A drill runs on the simulator; every message and report says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Drill {
    pub scenario: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed: Option<u64>,
}

/// What `incident edit` can set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditField {
    Title,
    Severity,
    Summary,
    RootCause,
    /// Adds one follow-up (they accumulate).
    FollowUp,
    /// Free text about impact the console cannot measure (e.g. customer complaints).
    Impact,
}

impl EditField {
    pub fn as_str(self) -> &'static str {
        match self {
            EditField::Title => "title",
            EditField::Severity => "severity",
            EditField::Summary => "summary",
            EditField::RootCause => "root cause",
            EditField::FollowUp => "follow-up",
            EditField::Impact => "impact",
        }
    }
}

/// One line of the timeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Event {
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time")]
    pub at: Timestamp,
    pub clock: Clock,
    /// The person (local user, AWS identity when known) or `switchboard` for what the
    /// console observed by itself (alerts).
    pub who: String,
    #[serde(flatten)]
    pub kind: EventKind,
    /// Wall time the line was written (set by the store).
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time", default)]
    pub recorded_at: Timestamp,
}

impl Event {
    /// Now, on the wall clock.
    pub fn now(who: impl Into<String>, kind: EventKind) -> Event {
        Event::at(Timestamp::now(), Clock::Wall, who, kind)
    }

    pub fn at(at: Timestamp, clock: Clock, who: impl Into<String>, kind: EventKind) -> Event {
        Event { at, clock, who: who.into(), kind, recorded_at: Timestamp::default() }
    }
}

/// The phases of one remote command of a runbook action, as the audit log spells them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CommandPhase {
    /// Confirmed by a person (the dialog, or `--yes`).
    Confirmed,
    /// The person chose not to run it.
    Declined,
    /// Mutating action in read-only mode: not run.
    Refused,
    /// About to be sent.
    Requested,
    /// Accepted by the remote side: carries the command id.
    Sent,
    /// Could not be sent.
    SendFailed,
    /// A target's terminal status (Success, Failed, TimedOut…).
    Ended,
    /// Sent, but its status could not be read any more.
    StatusUnknown,
}

impl CommandPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            CommandPhase::Confirmed => "confirmed",
            CommandPhase::Declined => "declined",
            CommandPhase::Refused => "refused",
            CommandPhase::Requested => "requested",
            CommandPhase::Sent => "sent",
            CommandPhase::SendFailed => "send failed",
            CommandPhase::Ended => "ended",
            CommandPhase::StatusUnknown => "status unknown",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum EventKind {
    Declared {
        title: String,
        severity: Severity,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        drill: Option<Drill>,
    },
    Edited {
        field: EditField,
        value: String,
    },
    StatusChanged {
        from: Status,
        to: Status,
    },
    Note {
        text: String,
    },
    /// A runbook run attached to the incident began. `run` names it on the events it adds.
    RunStarted {
        run: String,
        runbook: String,
        title: String,
        /// `demo:chat-bridge-down`, `aws:123456789012/us-east-1`.
        source: String,
        mode: String,
    },
    RunFinished {
        run: String,
        runbook: String,
        healthy: bool,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        problems: Vec<String>,
    },
    /// A finding reached warn or crit. `figure` is the value as read (`4m12s`, `Stopped`),
    /// `limit` what it crossed (`3m`, `Running`).
    AlertRaised {
        run: String,
        key: String,
        what: String,
        severity: Level,
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        metric: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        figure: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<String>,
    },
    /// A finding went back under its limits (or its row went away).
    AlertCleared {
        run: String,
        key: String,
        what: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        value: Option<f64>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        figure: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        limit: Option<String>,
    },
    /// A runbook step's result: a check with its evidence, an action's outcome, a manual
    /// step done or skipped.
    Step {
        run: String,
        runbook: String,
        step: String,
        title: String,
        /// check / action / manual.
        kind: String,
        outcome: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        evidence: Vec<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recheck_of: Option<String>,
        /// Why the step exists / what a failure means (the runbook's help), for the report.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        help: Option<String>,
    },
    /// One phase of a mutating remote command (a remediation).
    Command {
        run: String,
        runbook: String,
        step: String,
        /// `restart_service`.
        action: String,
        /// `restart service NexTalk Chat Bridge`.
        summary: String,
        targets: Vec<String>,
        phase: CommandPhase,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        command_id: Option<String>,
        /// The terminal status for `ended` (`Success`, `Failed`…).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        message: Option<String>,
        /// On `requested`: the SSM document and the exact script lines that run.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        document: Option<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        script: Vec<String>,
    },
    NotificationQueued {
        message_id: String,
        target: String,
        trigger: String,
    },
    NotificationSent {
        message_id: String,
        target: String,
        attempts: u32,
        /// What the receiver called it (SNS MessageId, ServiceNow sys_id, Jira key).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reference: Option<String>,
    },
    NotificationFailed {
        message_id: String,
        target: String,
        attempts: u32,
        error: String,
    },
    /// A file was attached (a telemetry window, a log excerpt).
    Attached {
        name: String,
        description: String,
    },
}

impl EventKind {
    /// The snake_case tag, as in the file.
    pub fn tag(&self) -> &'static str {
        match self {
            EventKind::Declared { .. } => "declared",
            EventKind::Edited { .. } => "edited",
            EventKind::StatusChanged { .. } => "status_changed",
            EventKind::Note { .. } => "note",
            EventKind::RunStarted { .. } => "run_started",
            EventKind::RunFinished { .. } => "run_finished",
            EventKind::AlertRaised { .. } => "alert_raised",
            EventKind::AlertCleared { .. } => "alert_cleared",
            EventKind::Step { .. } => "step",
            EventKind::Command { .. } => "command",
            EventKind::NotificationQueued { .. } => "notification_queued",
            EventKind::NotificationSent { .. } => "notification_sent",
            EventKind::NotificationFailed { .. } => "notification_failed",
            EventKind::Attached { .. } => "attached",
        }
    }

    /// One line for people: what happened.
    pub fn describe(&self) -> String {
        match self {
            EventKind::Declared { title, severity, drill } => {
                let drill = drill
                    .as_ref()
                    .map(|d| format!(" (DRILL on scenario {})", d.scenario))
                    .unwrap_or_default();
                format!("declared {severity}: {title}{drill}")
            }
            EventKind::Edited { field, value } => format!("{} set: {value}", field.as_str()),
            EventKind::StatusChanged { from, to } => format!("status {from} → {to}"),
            EventKind::Note { text } => format!("note: {text}"),
            EventKind::RunStarted { runbook, source, .. } if runbook == super::recorder::CONSOLE_RUN => {
                format!("console attached on {source}: its alerts, runbook steps and notes go here")
            }
            EventKind::RunStarted { runbook, title, source, mode, .. } => {
                format!("runbook {runbook} started ({title}) on {source}; {mode}")
            }
            EventKind::RunFinished { runbook, healthy, problems, .. } => {
                if *healthy {
                    format!("runbook {runbook} finished: healthy")
                } else {
                    format!("runbook {runbook} finished: NOT healthy: {}", problems.join("; "))
                }
            }
            EventKind::AlertRaised { what, severity, reason, figure, limit, .. } => {
                let fig = match (figure, limit) {
                    (Some(f), Some(l)) => format!(" (figure {f}, limit {l})"),
                    (Some(f), None) => format!(" (figure {f})"),
                    _ => String::new(),
                };
                format!("{} alert raised ({severity}): {what}: {reason}{fig}", Level::symbol(*severity))
            }
            EventKind::AlertCleared { what, figure, limit, .. } => {
                let fig = match (figure, limit) {
                    (Some(f), Some(l)) => format!(" (figure {f}, limit {l})"),
                    (Some(f), None) => format!(" (figure {f})"),
                    _ => String::new(),
                };
                format!("✓ alert cleared: {what}{fig}")
            }
            EventKind::Step { kind, title, outcome, recheck_of, .. } => {
                let re = recheck_of.as_ref().map(|r| format!(" (re-check after {r})")).unwrap_or_default();
                format!("{kind} {outcome}: {title}{re}")
            }
            EventKind::Command { summary, targets, phase, command_id, status, message, .. } => {
                let mut s = format!("{summary} on {}: {}", targets.join(", "), phase.as_str());
                if let Some(st) = status {
                    s.push_str(&format!(" {st}"));
                }
                if let Some(id) = command_id {
                    s.push_str(&format!(" (command {id})"));
                }
                if let Some(m) = message {
                    s.push_str(&format!(": {m}"));
                }
                s
            }
            EventKind::NotificationQueued { target, trigger, message_id } => {
                format!("notification queued for {target} ({trigger}, id {message_id})")
            }
            EventKind::NotificationSent { target, attempts, reference, message_id } => {
                let r = reference.as_ref().map(|r| format!(", receiver's id {r}")).unwrap_or_default();
                format!("notification sent to {target} (id {message_id}, attempt {attempts}{r})")
            }
            EventKind::NotificationFailed { target, attempts, error, message_id } => {
                format!(
                    "notification to {target} given up after {attempts} attempt(s) (id {message_id}): {error}"
                )
            }
            EventKind::Attached { name, description } => format!("attached {name}: {description}"),
        }
    }
}

pub(crate) fn ser_time<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&humantime::format_rfc3339_millis(t.to_system_time()).to_string())
}

pub(crate) fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_rfc3339_weak(&s).map(Timestamp::from).map_err(serde::de::Error::custom)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_with_their_tag_and_clock() {
        let e = Event {
            at: Timestamp(1_795_834_925_000),
            clock: Clock::Simulated,
            who: "switchboard".into(),
            kind: EventKind::AlertRaised {
                run: "r1".into(),
                key: "nextalk:nt-a:service:NexTalk Chat Bridge".into(),
                what: "NexTalk nt-a / NexTalk Chat Bridge".into(),
                severity: Level::Crit,
                reason: "NexTalk Chat Bridge is Stopped".into(),
                metric: None,
                value: None,
                figure: Some("Stopped".into()),
                limit: Some("Running".into()),
            },
            recorded_at: Timestamp(1_700_000_000_123),
        };
        let line = serde_json::to_string(&e).unwrap();
        assert!(line.contains(r#""event":"alert_raised""#), "{line}");
        assert!(line.contains(r#""clock":"simulated""#), "{line}");
        assert!(line.contains(r#""at":"2026-11-28T03:02:05.000Z""#), "{line}");
        let back: Event = serde_json::from_str(&line).unwrap();
        assert_eq!(back, e);
        assert_eq!(back.kind.tag(), "alert_raised");
        assert!(back.kind.describe().contains("figure Stopped, limit Running"), "{}", back.kind.describe());
    }
}

//! Notifications about incidents: SNS topics and webhooks (ServiceNow, Jira, Slack-compatible,
//! plain JSON), sent through an on-disk outbox by a worker that never runs on a UI loop.
//!
//! - [`enqueue`]: for each `[[notify]]` target that wants this trigger, one message file in
//!   the outbox (written whole, synced) and a `notification_queued` event on the timeline.
//! - [`outbox::Worker`]: delivers them with timeouts and retries with backoff, one target's
//!   messages in order; a message is moved out of `pending/` only after the receiver said
//!   yes, then put on the timeline and in the audit log. A crash or an outage loses nothing.
//!
//! Delivery is at least once. Every message carries an id (the `Idempotency-Key` header, the
//! body's `id`, an SNS message attribute, the FIFO deduplication id) so a receiver can drop a
//! repeat: the one window for a repeat is a crash between the receiver's answer and the
//! sync of that answer to disk.
//!
//! Secrets (header values) are named in the config as `env:VAR` and read from the
//! environment when a message is sent; neither the config nor the outbox holds them.

pub mod outbox;
pub mod sns;
/// The targets are plain data in `model` (the config reads them; this room delivers).
pub use crate::model::notify as target;
pub mod webhook;

pub use outbox::{Outbox, Worker};
pub use target::{HeaderValue, NotifyKind, Target, Trigger, WebhookFormat};

use crate::incident::{Event, EventKind, Incident, IncidentStore};
use crate::model::Timestamp;
use serde::{Deserialize, Serialize};

/// One notification, as it waits in the outbox. Everything needed to send it is here except
/// secrets, which come from the environment at send time.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    /// Stable for one (incident, event, target): enqueuing again after a crash finds the file.
    pub id: String,
    #[serde(
        serialize_with = "crate::incident::event::ser_time",
        deserialize_with = "crate::incident::event::de_time"
    )]
    pub created: Timestamp,
    pub incident: String,
    pub title: String,
    pub severity: String,
    pub status: String,
    /// Drills say so in every message.
    pub drill: Option<String>,
    pub trigger: Trigger,
    /// `[DRILL] INC-20261122-001 declared (sev2): Chat Bridge down` (≤ 100 characters).
    pub subject: String,
    /// A few lines for people.
    pub text: String,
    pub target: Target,
    /// Who caused it (declared, changed the status).
    pub by: String,
}

impl Message {
    /// The JSON body of the `json` format and of SNS messages.
    pub fn json_body(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "idempotency_key": self.id,
            "source": "switchboard",
            "drill": self.drill.is_some(),
            "drill_scenario": self.drill,
            "trigger": self.trigger.as_str(),
            "incident": {
                "id": self.incident,
                "title": self.title,
                "severity": self.severity,
                "status": self.status,
            },
            "subject": self.subject,
            "text": self.text,
            "by": self.by,
            "created": humantime::format_rfc3339_millis(self.created.to_system_time()).to_string(),
        })
    }
}

/// Which trigger an event is, if it is one.
pub fn trigger_of(kind: &EventKind) -> Option<Trigger> {
    match kind {
        EventKind::Declared { .. } => Some(Trigger::Declared),
        EventKind::StatusChanged { to: crate::incident::Status::Resolved, .. } => Some(Trigger::Resolved),
        EventKind::StatusChanged { .. } => Some(Trigger::Status),
        _ => None,
    }
}

fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut c: String = s.chars().take(max.saturating_sub(1)).collect();
        c.push('…');
        c
    }
}

/// The message for `target` about the event at `index` of the incident's timeline.
pub fn message_for(inc: &Incident, index: usize, target: &Target) -> Option<Message> {
    let event = inc.events.get(index)?;
    let trigger = trigger_of(&event.kind)?;
    let drill = inc.drill.as_ref().map(|d| d.scenario.clone());
    let what = match (&event.kind, trigger) {
        (EventKind::StatusChanged { from, to }, _) => format!("{from} → {to}"),
        (_, Trigger::Declared) => format!("declared ({})", inc.severity),
        _ => trigger.as_str().to_string(),
    };
    let subject = cut(&format!("{}{} {what}: {}", inc.drill_prefix(), inc.id, inc.title), 100);
    let mut text = format!(
        "{}Incident {} {what}.\nTitle: {}\nSeverity: {} ({})\nStatus: {}\nBy: {} at {}\n",
        inc.drill_prefix(),
        inc.id,
        inc.title,
        inc.severity,
        inc.severity.meaning(),
        inc.status,
        event.who,
        event.at.rfc3339()
    );
    if let Some(s) = &drill {
        text.push_str(&format!(
            "This is a DRILL on the simulator (scenario {s}); nothing in production is affected.\n"
        ));
    }
    Some(Message {
        id: format!("{}.{}.{}", inc.id, index + 1, target.slug()),
        created: Timestamp::now(),
        incident: inc.id.to_string(),
        title: inc.title.clone(),
        severity: inc.severity.to_string(),
        status: inc.status.to_string(),
        drill,
        trigger,
        subject,
        text,
        target: target.clone(),
        by: event.who.clone(),
    })
}

/// Queues one message per target that wants the trigger of the incident's event at `index`,
/// and puts each on the timeline. Returns how many were queued (already queued ones count
/// zero: enqueuing is idempotent).
pub fn enqueue(
    store: &IncidentStore,
    outbox: &Outbox,
    inc: &Incident,
    index: usize,
    targets: &[Target],
) -> anyhow::Result<usize> {
    let mut n = 0;
    for t in targets {
        let Some(msg) = message_for(inc, index, t) else { continue };
        if !t.on.contains(&msg.trigger) {
            continue;
        }
        if outbox.put(&msg)? {
            store.append(
                &inc.id,
                Event::now(
                    msg.by.clone(),
                    EventKind::NotificationQueued {
                        message_id: msg.id.clone(),
                        target: t.name.clone(),
                        trigger: msg.trigger.as_str().to_string(),
                    },
                ),
            )?;
            n += 1;
        }
    }
    Ok(n)
}

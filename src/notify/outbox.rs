//! The outbox: one file per message, moved from state to state by rename, each move synced.
//!
//! ```text
//! <data dir>/outbox/pending/<id>.json            waiting (with <id>.attempts.jsonl beside it)
//!                   sent/<id>.json               the receiver took it; not yet on the timeline
//!                   failed/<id>.json             given up; not yet on the timeline
//!                   done/<id>.json               recorded on the timeline and in the audit log
//!                   refs/<incident>.<target>     the receiver's id for the incident (ServiceNow, Jira)
//!                   .lock                        held by the one worker delivering (its pid inside)
//! ```
//!
//! A message leaves `pending/` only once its answer is on disk in `sent/` or `failed/`, so a
//! crash at any point either resends it (with the same id) or records what was already done.

use super::Message;
use super::target::NotifyKind;
use super::webhook::{self, Attempt};
use crate::audit::{AuditAction, AuditLog, AuditStatus, Entry, Session};
use crate::incident::event::{de_time, ser_time};
use crate::incident::store::{append_json_line, read_json_lines, sync_dir, write_atomic};
use crate::incident::{Event, EventKind, IncidentId, IncidentStore};
use crate::model::Timestamp;
use crate::source::aws::AwsOptions;
use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const STATES: [&str; 5] = ["pending", "sent", "failed", "done", "refs"];

/// `<data dir>/outbox`.
pub fn default_root() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "switchboard").map(|d| d.data_dir().join("outbox"))
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttemptRecord {
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time")]
    pub at: Timestamp,
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

/// A message that is no longer pending, with how it ended.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settled {
    pub message: Message,
    pub delivered: bool,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time")]
    pub at: Timestamp,
}

#[derive(Debug, Clone)]
pub struct Outbox {
    root: PathBuf,
}

fn safe_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 200
        && !id.starts_with('.')
        && id.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'))
}

impl Outbox {
    pub fn new(root: impl Into<PathBuf>) -> Outbox {
        Outbox { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    fn dir(&self, state: &str) -> PathBuf {
        self.root.join(state)
    }

    fn file(&self, state: &str, id: &str) -> PathBuf {
        self.dir(state).join(format!("{id}.json"))
    }

    fn attempts_file(&self, id: &str) -> PathBuf {
        self.dir("pending").join(format!("{id}.attempts.jsonl"))
    }

    fn ensure(&self) -> anyhow::Result<()> {
        for s in STATES {
            let d = self.dir(s);
            std::fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
        }
        Ok(())
    }

    /// Queues `msg` unless a message with its id is already somewhere in the outbox. True
    /// when it was queued now.
    pub fn put(&self, msg: &Message) -> anyhow::Result<bool> {
        anyhow::ensure!(safe_id(&msg.id), "bad message id {:?}", msg.id);
        self.ensure()?;
        if ["pending", "sent", "failed", "done"].iter().any(|s| self.file(s, &msg.id).exists()) {
            return Ok(false);
        }
        let bytes = serde_json::to_vec_pretty(msg)?;
        write_atomic(&self.file("pending", &msg.id), &bytes)?;
        Ok(true)
    }

    /// Waiting messages, oldest first.
    pub fn pending(&self) -> anyhow::Result<Vec<Message>> {
        let mut out: Vec<Message> = self.read_state("pending")?;
        out.sort_by(|a, b| a.created.cmp(&b.created).then(a.id.cmp(&b.id)));
        Ok(out)
    }

    fn read_state<T: serde::de::DeserializeOwned>(&self, state: &str) -> anyhow::Result<Vec<T>> {
        let dir = self.dir(state);
        let entries = match std::fs::read_dir(&dir) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(e).with_context(|| format!("reading {}", dir.display())),
        };
        let mut out = Vec::new();
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            let Some(id) = name.strip_suffix(".json") else { continue };
            if !safe_id(id) {
                continue;
            }
            let bytes = std::fs::read(e.path()).with_context(|| format!("reading {}", e.path().display()))?;
            match serde_json::from_slice::<T>(&bytes) {
                Ok(v) => out.push(v),
                Err(err) => eprintln!("switchboard: skipping unreadable {}: {err}", e.path().display()),
            }
        }
        Ok(out)
    }

    pub fn attempts(&self, id: &str) -> Vec<AttemptRecord> {
        let path = self.attempts_file(id);
        if !path.is_file() {
            return vec![];
        }
        read_json_lines(&path).map(|(v, _)| v).unwrap_or_default()
    }

    /// Settled messages not yet on the timeline, and those that are.
    pub fn settled(&self) -> anyhow::Result<(Vec<Settled>, Vec<Settled>)> {
        let mut open: Vec<Settled> = self.read_state("sent")?;
        open.extend(self.read_state::<Settled>("failed")?);
        Ok((open, self.read_state("done")?))
    }

    fn settle(&self, s: &Settled) -> anyhow::Result<()> {
        let state = if s.delivered { "sent" } else { "failed" };
        write_atomic(&self.file(state, &s.message.id), &serde_json::to_vec_pretty(s)?)?;
        // Now that the answer is on disk the pending copy can go; a crash before this line
        // leaves both, and the settled one wins.
        let _ = std::fs::remove_file(self.file("pending", &s.message.id));
        let _ = std::fs::remove_file(self.attempts_file(&s.message.id));
        sync_dir(&self.dir("pending"));
        Ok(())
    }

    fn ref_file(&self, incident: &str, target: &str) -> PathBuf {
        self.dir("refs").join(format!("{incident}.{target}"))
    }

    pub fn reference(&self, incident: &str, target: &str) -> Option<String> {
        std::fs::read_to_string(self.ref_file(incident, target))
            .ok()
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
    }
}

/// How long to wait after the `n`th failed attempt: 1 s doubling to 5 min, ±20 % (a jitter
/// fixed per message, so two workers' clocks do not line up), at least what the receiver
/// asked for.
pub fn backoff(id: &str, n: u32, retry_after: Option<Duration>) -> Duration {
    let base = Duration::from_secs(1u64 << n.saturating_sub(1).min(9)).min(Duration::from_secs(300));
    let h = id.bytes().fold(n as u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let jitter = 0.8 + (h % 401) as f64 / 1000.0;
    base.mul_f64(jitter).max(retry_after.unwrap_or_default())
}

/// What a worker run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    pub delivered: usize,
    pub failed: usize,
    pub attempts: usize,
    pub still_pending: usize,
}

/// Delivers the outbox. One worker at a time holds `.lock`; a second one waits for it (the
/// first may be about to exit), then finds whatever is left.
pub struct Worker {
    pub outbox: Outbox,
    pub store: IncidentStore,
    pub audit_log: Option<PathBuf>,
    pub aws: AwsOptions,
    /// Progress lines (a log file for the background worker, stderr in the foreground).
    pub log: Box<dyn FnMut(&str) + Send>,
}

impl Worker {
    /// Delivers until nothing is pending, or until `deadline`.
    pub fn run(&mut self, deadline: Option<Instant>) -> anyhow::Result<Summary> {
        self.outbox.ensure()?;
        let lock_path = self.outbox.root.join(".lock");
        let mut lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .with_context(|| format!("opening {}", lock_path.display()))?;
        lock.lock().with_context(|| format!("locking {}", lock_path.display()))?;
        let _ = lock.set_len(0);
        let _ = writeln!(lock, "{}", std::process::id());
        let _ = lock.sync_data();
        let mut summary = Summary::default();
        let result = self.deliver(deadline, &mut summary);
        let _ = lock.set_len(0);
        drop(lock);
        result.map(|_| summary)
    }

    fn deliver(&mut self, deadline: Option<Instant>, summary: &mut Summary) -> anyhow::Result<()> {
        loop {
            self.record_settled()?;
            let pending = self.outbox.pending()?;
            // A message whose answer is already on disk is not pending any more.
            let pending: Vec<Message> = pending
                .into_iter()
                .filter(|m| {
                    let settled =
                        ["sent", "failed", "done"].iter().any(|s| self.outbox.file(s, &m.id).exists());
                    if settled {
                        let _ = std::fs::remove_file(self.outbox.file("pending", &m.id));
                    }
                    !settled
                })
                .collect();
            summary.still_pending = pending.len();
            if pending.is_empty() {
                return Ok(());
            }
            // One target's messages in order: the head of each target's queue.
            let mut heads: Vec<&Message> = Vec::new();
            for m in &pending {
                if !heads.iter().any(|h| h.target.name == m.target.name) {
                    heads.push(m);
                }
            }
            let now = Timestamp::now();
            let mut next_due: Option<Timestamp> = None;
            let mut progressed = false;
            for m in heads {
                let tried = self.outbox.attempts(&m.id);
                let due = match tried.last() {
                    None => m.created,
                    Some(last) => last.at.plus(backoff(
                        &m.id,
                        tried.len() as u32,
                        last.retry_after_ms.map(Duration::from_millis),
                    )),
                };
                if due > now {
                    next_due = Some(next_due.map_or(due, |d| d.min(due)));
                    continue;
                }
                progressed = true;
                summary.attempts += 1;
                let n = tried.len() as u32 + 1;
                match self.attempt(m) {
                    Attempt::Delivered { reference } => {
                        (self.log)(&format!("{}: delivered to {} (attempt {n})", m.id, m.target.name));
                        if let Some(r) = &reference
                            && matches!(&m.target.kind, NotifyKind::Webhook { .. })
                            && self.outbox.reference(&m.incident, &m.target.slug()).is_none()
                        {
                            write_atomic(&self.outbox.ref_file(&m.incident, &m.target.slug()), r.as_bytes())?;
                        }
                        let s = Settled {
                            message: m.clone(),
                            delivered: true,
                            attempts: n,
                            reference,
                            error: None,
                            at: Timestamp::now(),
                        };
                        self.outbox.settle(&s)?;
                        summary.delivered += 1;
                    }
                    Attempt::Permanent { error } => {
                        (self.log)(&format!("{}: refused by {}: {error}", m.id, m.target.name));
                        let s = Settled {
                            message: m.clone(),
                            delivered: false,
                            attempts: n,
                            reference: None,
                            error: Some(error),
                            at: Timestamp::now(),
                        };
                        self.outbox.settle(&s)?;
                        summary.failed += 1;
                    }
                    Attempt::Retry { error, retry_after } => {
                        let age = Timestamp::now().since(m.created);
                        if age >= m.target.give_up_after {
                            (self.log)(&format!("{}: giving up after {n} attempts: {error}", m.id));
                            let error =
                                format!("{error} (gave up after {})", crate::model::fmt_duration(age));
                            let s = Settled {
                                message: m.clone(),
                                delivered: false,
                                attempts: n,
                                reference: None,
                                error: Some(error),
                                at: Timestamp::now(),
                            };
                            self.outbox.settle(&s)?;
                            summary.failed += 1;
                        } else {
                            (self.log)(&format!(
                                "{}: attempt {n} to {} failed: {error}",
                                m.id, m.target.name
                            ));
                            let rec = AttemptRecord {
                                at: Timestamp::now(),
                                error,
                                retry_after_ms: retry_after.map(|d| d.as_millis() as u64),
                            };
                            append_json_line(&self.outbox.attempts_file(&m.id), &rec)?;
                        }
                    }
                }
            }
            if progressed {
                continue;
            }
            let wait = next_due.map(|d| d.since(Timestamp::now())).unwrap_or(Duration::from_millis(200));
            let wait = wait.clamp(Duration::from_millis(50), Duration::from_secs(5));
            if let Some(dl) = deadline
                && Instant::now() + wait > dl
            {
                return Ok(());
            }
            std::thread::sleep(wait);
        }
    }

    fn attempt(&self, m: &Message) -> Attempt {
        match &m.target.kind {
            NotifyKind::Sns { topic_arn } => super::sns::publish(m, topic_arn, &self.aws, m.target.timeout),
            NotifyKind::Webhook { url, format, headers, project, issue_type } => {
                let reference = self.outbox.reference(&m.incident, &m.target.slug());
                let jira = (project.as_deref().unwrap_or(""), issue_type.as_deref().unwrap_or("Task"));
                let req = webhook::request(*format, url, m, reference.as_deref(), jira);
                webhook::send(&req, *format, headers, &m.id, m.target.timeout)
            }
        }
    }

    /// Puts each settled message on its incident's timeline (once: a message id already
    /// there is not added again) and in the audit log, then moves it to `done/`.
    fn record_settled(&mut self) -> anyhow::Result<()> {
        let (open, _) = self.outbox.settled()?;
        for s in open {
            let m = &s.message;
            if let Ok(id) = IncidentId::parse(&m.incident)
                && let Ok(inc) = self.store.load(&id)
            {
                let already = inc.events.iter().any(|e| match &e.kind {
                    EventKind::NotificationSent { message_id, .. }
                    | EventKind::NotificationFailed { message_id, .. } => message_id == &m.id,
                    _ => false,
                });
                if !already {
                    let kind = if s.delivered {
                        EventKind::NotificationSent {
                            message_id: m.id.clone(),
                            target: m.target.name.clone(),
                            attempts: s.attempts,
                            reference: s.reference.clone(),
                        }
                    } else {
                        EventKind::NotificationFailed {
                            message_id: m.id.clone(),
                            target: m.target.name.clone(),
                            attempts: s.attempts,
                            error: s.error.clone().unwrap_or_default(),
                        }
                    };
                    let mut e = Event::now(super::super::incident::recorder::OBSERVER, kind);
                    e.at = s.at;
                    self.store.append(&id, e)?;
                }
            }
            if let Some(path) = &self.audit_log {
                let mut log = AuditLog::open(path, Session::new(format!("notify:{}", m.target.name), None))
                    .with_context(|| format!("opening audit log {}", path.display()))?;
                let action = AuditAction {
                    kind: "notify".into(),
                    summary: format!(
                        "notify {} of {} {} ({})",
                        m.target.name,
                        m.incident,
                        m.trigger.as_str(),
                        if m.drill.is_some() { "drill" } else { "incident" }
                    ),
                };
                let entry =
                    if s.delivered {
                        let mut e = Entry::new(action, &[], AuditStatus::Sent).command(m.id.clone());
                        e = e.message(match &s.reference {
                            Some(r) => format!("attempt {}; receiver's id {r}", s.attempts),
                            None => format!("attempt {}", s.attempts),
                        });
                        e
                    } else {
                        Entry::new(action, &[], AuditStatus::SendFailed).command(m.id.clone()).message(
                            format!("{} attempt(s): {}", s.attempts, s.error.clone().unwrap_or_default()),
                        )
                    };
                log.append(entry).context("audit log")?;
            }
            let from = self.outbox.file(if s.delivered { "sent" } else { "failed" }, &m.id);
            let to = self.outbox.file("done", &m.id);
            std::fs::rename(&from, &to).with_context(|| format!("moving {} to done/", from.display()))?;
            sync_dir(&self.outbox.dir("done"));
        }
        Ok(())
    }
}

/// The pid in `.lock` while a worker delivers (for `incident outbox` and tests).
pub fn worker_pid(outbox: &Outbox) -> Option<u32> {
    let s = std::fs::read_to_string(outbox.root.join(".lock")).ok()?;
    s.trim().parse().ok()
}

/// Opens a log file for the background worker (appending).
pub fn log_file(outbox: &Outbox) -> Option<File> {
    std::fs::create_dir_all(&outbox.root).ok()?;
    OpenOptions::new().create(true).append(true).open(outbox.root.join("worker.log")).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_to_five_minutes_with_bounded_jitter() {
        let d1 = backoff("m", 1, None);
        assert!(d1 >= Duration::from_millis(800) && d1 <= Duration::from_millis(1200), "{d1:?}");
        let d3 = backoff("m", 3, None);
        assert!(d3 >= Duration::from_millis(3200) && d3 <= Duration::from_millis(4800), "{d3:?}");
        assert!(backoff("m", 30, None) <= Duration::from_secs(360));
        assert_eq!(backoff("m", 1, Some(Duration::from_secs(30))), Duration::from_secs(30));
    }
}

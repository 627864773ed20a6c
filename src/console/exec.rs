//! The runtime's hands: runs the remote commands and audit writes `update` asks for, each in
//! its own task, and reports back as `Msg`s. The event loop only spawns; it never waits.
//!
//! A command's life: `requested` written and synced → `Remote::send` → `sent` (with the
//! command id) → polled to a terminal status on every target, each change reported → one
//! record per target with its end status and output digest → `Msg::RemoteEnded`. If the
//! `requested` record cannot be written, nothing is sent.

use crate::app::jobs::{JobId, RemoteJob};
use crate::app::msg::Msg;
use crate::audit::{AuditLog, AuditRecord, AuditStatus, Entry};
use crate::model::fmt_duration;
use crate::source::{CommandId, CommandStatus, Invocation, Remote, RemoteError, Target};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// How commands are polled.
#[derive(Debug, Clone, Copy)]
pub struct ExecOptions {
    /// Between two polls of a command's status.
    pub poll_interval: Duration,
    /// How long "invocation does not exist" right after sending is taken as "not yet".
    pub not_found_grace: Duration,
    /// After this long without a terminal status a command is cancelled and counted TimedOut.
    pub command_timeout: Duration,
}

impl Default for ExecOptions {
    fn default() -> Self {
        ExecOptions {
            poll_interval: Duration::from_millis(500),
            not_found_grace: Duration::from_secs(15),
            command_timeout: Duration::from_secs(600),
        }
    }
}

/// The audit log's one writer: a thread of its own that appends entries in the order they were
/// queued. Each write used to be a task of its own, and two tasks' writes could land out of
/// order (a `declined` after the `requested` that followed it); the queue keeps the log in the
/// order things happened.
#[derive(Clone)]
struct AuditQueue(std::sync::mpsc::Sender<AuditJob>);

type AuditJob = (Entry, tokio::sync::oneshot::Sender<Result<AuditRecord, String>>);

impl AuditQueue {
    fn start(mut log: AuditLog) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<AuditJob>();
        // The thread ends when the last Executor is dropped, after the entries already queued.
        std::thread::spawn(move || {
            for (entry, reply) in rx {
                let written = log.append(entry).map_err(|e| format!("{}: {e}", log.path().display()));
                let _ = reply.send(written);
            }
        });
        AuditQueue(tx)
    }

    /// Queues `entry` now (its place in the log is decided here, not when it is awaited).
    fn queue(&self, entry: Entry) -> tokio::sync::oneshot::Receiver<Result<AuditRecord, String>> {
        let (reply, answer) = tokio::sync::oneshot::channel();
        // A send fails only when the writer thread is gone; the dropped `reply` then answers
        // the receiver with an error, reported as the write not finishing.
        let _ = self.0.send((entry, reply));
        answer
    }
}

#[derive(Clone)]
pub struct Executor {
    remote: Arc<dyn Remote>,
    audit: Option<AuditQueue>,
    tx: mpsc::Sender<Msg>,
    opts: ExecOptions,
}

impl Executor {
    pub fn new(
        remote: Arc<dyn Remote>,
        audit: Option<AuditLog>,
        tx: mpsc::Sender<Msg>,
        opts: ExecOptions,
    ) -> Self {
        Executor { remote, audit: audit.map(AuditQueue::start), tx, opts }
    }

    /// Starts `job`. `read_only` is the console's mode at this moment: a mutating command is
    /// then refused here too (recorded, never sent), whatever `update` thought.
    pub fn run(&self, job: RemoteJob, read_only: bool) -> tokio::task::JoinHandle<()> {
        let this = self.clone();
        tokio::spawn(async move {
            let id = job.id;
            let result = this.execute(&job, read_only).await;
            let _ = this.tx.send(Msg::RemoteEnded { job: id, result }).await;
        })
    }

    /// Writes `entry` and reports it (or the failure) back. Without an audit log there is
    /// nothing to write to; the console already runs read-only and says why. The entry takes
    /// its place in the log at this call, before any later `audit` or `run`.
    pub fn audit(&self, entry: Entry) -> tokio::task::JoinHandle<()> {
        let queued = self.audit.as_ref().map(|q| q.queue(entry));
        let this = self.clone();
        tokio::spawn(async move {
            if let Some(answer) = queued {
                let _ = this.report(answer).await;
            }
        })
    }

    /// Appends through the writer thread (the write is synced to disk) and tells the console.
    async fn write(&self, entry: Entry) -> Result<AuditRecord, String> {
        let Some(queue) = &self.audit else {
            // Not reported: the state knows there is no log (and is read-only for it).
            return Err("no audit log is open".into());
        };
        let answer = queue.queue(entry);
        self.report(answer).await
    }

    async fn report(
        &self,
        answer: tokio::sync::oneshot::Receiver<Result<AuditRecord, String>>,
    ) -> Result<AuditRecord, String> {
        let written =
            answer.await.unwrap_or_else(|_| Err("audit write did not finish: the writer stopped".into()));
        let _ = self.tx.send(Msg::Audited(written.clone().map(Box::new))).await;
        written
    }

    async fn execute(&self, job: &RemoteJob, read_only: bool) -> Result<Vec<Invocation>, String> {
        let entry = |status| {
            let e = Entry::for_remote(&job.action, &job.targets, status);
            match &job.runbook {
                Some((rb, step)) => e.in_runbook(rb, step),
                None => e,
            }
        };
        if job.is_mutating() && read_only {
            let _ = self.write(entry(AuditStatus::Refused).message("read-only mode")).await;
            return Err("refused: read-only mode".into());
        }
        if job.is_mutating() && self.audit.is_none() {
            return Err("refused: there is no audit log to record it in".into());
        }
        if self.audit.is_some() {
            self.write(entry(AuditStatus::Requested))
                .await
                .map_err(|e| format!("audit log could not be written ({e}); nothing was sent"))?;
        }
        let id = match self.remote.send(&job.action, &job.targets).await {
            Ok(id) => id,
            Err(e) => {
                if self.audit.is_some() {
                    let _ = self.write(entry(AuditStatus::SendFailed).message(e.to_string())).await;
                }
                return Err(e.to_string());
            }
        };
        if self.audit.is_some() {
            let _ = self.write(entry(AuditStatus::Sent).command(id.0.clone())).await;
        }
        let _ = self.tx.send(Msg::RemoteSent { job: job.id, command_id: id.0.clone() }).await;
        let (done, lost) = self.poll(job.id, &id, &job.targets).await;
        if self.audit.is_some() {
            for inv in done.values() {
                let _ = self.write(entry(AuditStatus::Sent).ended(inv)).await;
            }
            for (server, e) in &lost {
                let targets: Vec<Target> =
                    job.targets.iter().filter(|t| &t.server == server).cloned().collect();
                let mut e2 = Entry::for_remote(&job.action, &targets, AuditStatus::StatusUnknown)
                    .command(id.0.clone())
                    .message(format!("status unavailable: {e}"));
                if let Some((rb, step)) = &job.runbook {
                    e2 = e2.in_runbook(rb, step);
                }
                let _ = self.write(e2).await;
            }
        }
        Ok(done.into_values().collect())
    }

    /// Polls every target to a terminal status. Returns the terminal invocations and the
    /// targets whose status could not be read.
    async fn poll(
        &self,
        job: JobId,
        id: &CommandId,
        targets: &[Target],
    ) -> (BTreeMap<String, Invocation>, BTreeMap<String, String>) {
        let started = Instant::now();
        let mut last: BTreeMap<String, CommandStatus> = BTreeMap::new();
        let mut done: BTreeMap<String, Invocation> = BTreeMap::new();
        let mut lost: BTreeMap<String, String> = BTreeMap::new();
        loop {
            for t in targets {
                if done.contains_key(&t.server) || lost.contains_key(&t.server) {
                    continue;
                }
                match self.remote.poll(id, t).await {
                    Ok(inv) => {
                        if last.get(&t.server) != Some(&inv.status) {
                            last.insert(t.server.clone(), inv.status);
                            let msg = Msg::RemoteStatus { job, server: t.server.clone(), status: inv.status };
                            let _ = self.tx.send(msg).await;
                        }
                        if inv.status.is_terminal() {
                            done.insert(t.server.clone(), inv);
                        }
                    }
                    // Right after sending SSM may not know the invocation yet: briefly, that
                    // is "not yet"; for longer it is lost.
                    Err(RemoteError::InvocationDoesNotExist(_))
                        if !last.contains_key(&t.server) && started.elapsed() < self.opts.not_found_grace => {
                    }
                    Err(RemoteError::Throttled { .. }) => {}
                    Err(e) => {
                        lost.insert(t.server.clone(), e.to_string());
                    }
                }
            }
            if done.len() + lost.len() >= targets.len() {
                return (done, lost);
            }
            if started.elapsed() >= self.opts.command_timeout {
                let _ = self.remote.cancel(id).await;
                let waited = fmt_duration(self.opts.command_timeout);
                let waiting: Vec<&Target> = targets
                    .iter()
                    .filter(|t| !done.contains_key(&t.server) && !lost.contains_key(&t.server))
                    .collect();
                for t in waiting {
                    let _ = self
                        .tx
                        .send(Msg::RemoteStatus {
                            job,
                            server: t.server.clone(),
                            status: CommandStatus::TimedOut,
                        })
                        .await;
                    done.insert(t.server.clone(), Invocation::cancelled_after(id, &t.server, &waited));
                }
                return (done, lost);
            }
            tokio::time::sleep(self.opts.poll_interval).await;
        }
    }
}

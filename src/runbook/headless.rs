//! The headless driver behind `switchboard runbook run`: answers the engine's requests with a
//! `SnapshotProvider` and a `Remote`, prints each result, and audits every remote command.
//! Actions run only with `yes` (and never in read-only mode); without it the driver prints
//! what would run and goes on with the remaining checks, so the report is still complete.

use super::def::Runbook;
use super::engine::{ConfirmRequest, RemoteRequest, Request, Run, RunContext};
use super::record::StepRecord;
use super::text;
use crate::audit::{AuditAction, AuditLog, AuditStatus, Entry};
use crate::model::{Snapshot, Timestamp};
use crate::sanitize::{TerminalWriter, sanitize_one_line as one};
use crate::source::{
    CommandId, CommandStatus, Invocation, Remote, RemoteAction, RemoteError, Target, Telemetry,
};
use anyhow::Context as _;
use futures::StreamExt as _;
use futures::future::BoxFuture;
use futures::stream::FuturesUnordered;
use std::cell::RefCell;
use std::collections::{BTreeMap, VecDeque};
use std::io::Write;
use std::time::{Duration, Instant};

/// Where snapshots come from: the simulator, AWS, or a test.
pub trait SnapshotProvider: Send {
    fn snapshot(&mut self) -> BoxFuture<'_, Result<Snapshot, String>>;
}

/// Every telemetry source is a snapshot provider.
impl<T: Telemetry + ?Sized> SnapshotProvider for T {
    fn snapshot(&mut self) -> BoxFuture<'_, Result<Snapshot, String>> {
        Box::pin(async move { self.collect().await.map_err(|e| e.to_string()) })
    }
}

/// A closure as a snapshot provider (e.g. a simulator's current model).
pub struct FnSnapshots<F>(pub F);

impl<F: FnMut() -> Result<Snapshot, String> + Send> SnapshotProvider for FnSnapshots<F> {
    fn snapshot(&mut self) -> BoxFuture<'_, Result<Snapshot, String>> {
        let s = (self.0)();
        Box::pin(async move { s })
    }
}

/// What a run did, for whoever records it beside the audit log (an incident's timeline). Each
/// call comes as it happens; an error stops the run before anything more is sent, as a failed
/// audit write does.
pub trait RunObserver {
    /// A snapshot the run judged a check on (and one closing snapshot after the last step).
    fn snapshot(&mut self, snapshot: &Snapshot) -> anyhow::Result<()>;
    /// A step's result, as printed.
    fn record(&mut self, runbook: &Runbook, record: &StepRecord) -> anyhow::Result<()>;
    /// A phase of a mutating command: the decision on it, then requested, sent, each
    /// target's end.
    fn command(&mut self, event: &CommandEvent<'_>) -> anyhow::Result<()>;
    fn finished(&mut self, runbook: &Runbook, outcome: &HeadlessOutcome) -> anyhow::Result<()>;
    /// Whether to collect one more snapshot after the last step, for the state the run left.
    fn wants_closing_snapshot(&self) -> bool {
        true
    }
}

/// One phase of a mutating remote command, with the same words the audit log uses.
#[derive(Debug, Clone, Copy)]
pub enum CommandPhase<'a> {
    /// Confirmed (with `--yes`, headless).
    Confirmed,
    /// Not run: no `--yes`.
    Declined,
    /// Not run: read-only mode.
    Refused,
    Requested,
    Sent(&'a CommandId),
    SendFailed(&'a str),
    Ended(&'a Invocation),
    StatusUnknown {
        id: &'a CommandId,
        server: &'a str,
        error: &'a str,
    },
}

#[derive(Debug, Clone, Copy)]
pub struct CommandEvent<'a> {
    pub runbook: &'a str,
    pub step: &'a str,
    /// `None` for a UI action (open a log) that has no remote command.
    pub action: Option<&'a RemoteAction>,
    pub summary: &'a str,
    pub targets: &'a [Target],
    pub phase: CommandPhase<'a>,
}

/// Records nothing: `run_headless` without an observer.
pub struct NoObserver;

impl RunObserver for NoObserver {
    fn snapshot(&mut self, _: &Snapshot) -> anyhow::Result<()> {
        Ok(())
    }
    fn record(&mut self, _: &Runbook, _: &StepRecord) -> anyhow::Result<()> {
        Ok(())
    }
    fn command(&mut self, _: &CommandEvent<'_>) -> anyhow::Result<()> {
        Ok(())
    }
    fn finished(&mut self, _: &Runbook, _: &HeadlessOutcome) -> anyhow::Result<()> {
        Ok(())
    }
    fn wants_closing_snapshot(&self) -> bool {
        false
    }
}

#[derive(Debug, Clone)]
pub struct HeadlessOptions {
    /// Run actions without asking (`--yes`). Without it, actions are printed and not run.
    pub yes: bool,
    /// Refuse mutating actions even with `yes` (`--read-only`).
    pub read_only: bool,
    /// Between two polls of a command's status.
    pub poll_interval: Duration,
    /// After this long without a terminal status a command is cancelled and counted TimedOut.
    pub command_timeout: Duration,
    /// Between two looks of a re-check that waits for the fix to show.
    pub recheck_pause: Duration,
    /// The runbooks a run that ends not healthy may name as the next step (the library).
    pub others: Vec<Runbook>,
}

impl Default for HeadlessOptions {
    fn default() -> Self {
        HeadlessOptions {
            yes: false,
            read_only: false,
            poll_interval: Duration::from_secs(1),
            command_timeout: Duration::from_secs(600),
            recheck_pause: Duration::from_secs(2),
            others: Vec::new(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct HeadlessOutcome {
    /// Every check's latest result passed and no action failed.
    pub healthy: bool,
    pub problems: Vec<String>,
    pub records: Vec<StepRecord>,
}

impl HeadlessOutcome {
    /// 0 when healthy, 1 otherwise (as monitoring plugins do for "not OK").
    pub fn exit_code(&self) -> i32 {
        if self.healthy { 0 } else { 1 }
    }
}

/// Runs `runbook` to the end. Errors only for what makes going on unsafe or pointless: the
/// audit log cannot be written (nothing is sent unaudited) or `out` fails.
#[allow(clippy::too_many_arguments)]
pub async fn run_headless<P, W>(
    runbook: &Runbook,
    ctx: RunContext,
    snapshots: &mut P,
    remote: &dyn Remote,
    opts: &HeadlessOptions,
    audit: Option<&mut AuditLog>,
    out: &mut W,
) -> anyhow::Result<HeadlessOutcome>
where
    P: SnapshotProvider + ?Sized,
    W: Write,
{
    run_headless_observed(runbook, ctx, snapshots, remote, opts, audit, &mut NoObserver, out).await
}

/// [`run_headless`], telling `observer` what happens as it happens (`--incident`).
#[allow(clippy::too_many_arguments)]
pub async fn run_headless_observed<P, W>(
    runbook: &Runbook,
    mut ctx: RunContext,
    snapshots: &mut P,
    remote: &dyn Remote,
    opts: &HeadlessOptions,
    audit: Option<&mut AuditLog>,
    observer: &mut dyn RunObserver,
    out: &mut W,
) -> anyhow::Result<HeadlessOutcome>
where
    P: SnapshotProvider + ?Sized,
    W: Write,
{
    // Everything this report prints may hold outside text (the runbook file, server names,
    // command ids and error messages from AWS): each line goes through the sanitiser, and
    // values that belong on one line are kept there (`one`), so none can forge a result line.
    let out = &mut TerminalWriter::new(out);
    ctx.read_only |= opts.read_only;
    let servers: Vec<String> =
        ctx.servers.iter().map(|t| format!("{} ({})", one(&t.server), one(&t.instance_id))).collect();
    writeln!(out, "runbook {}: {}", runbook.id, one(&runbook.title))?;
    let mode = if ctx.read_only {
        "read-only"
    } else if opts.yes {
        "actions run without asking (--yes)"
    } else {
        "checks only (pass --yes to run actions)"
    };
    writeln!(out, "servers: {}; mode: {mode}; via {}", servers.join(", "), one(&remote.describe()))?;
    let total = runbook.steps.len();
    let mut run = Run::new(runbook, ctx);
    let mut queue: VecDeque<Request> = run.start(Timestamp::now())?.into();
    let mut printed = 0;
    let mut cached: Option<Snapshot> = None;
    // Commands of checks judged together run at the same time (the engine bounds how many per
    // server); each result is judged and printed as it arrives. The audit log, the observer
    // and the output are shared by those commands, each borrowed only between awaits.
    let shared =
        Shared { audit: RefCell::new(audit), observer: RefCell::new(observer), out: RefCell::new(out) };
    let mut in_flight = FuturesUnordered::new();
    let mut told_waiting: Option<usize> = None;

    loop {
        while let Some(req) = queue.pop_front() {
            let now = Timestamp::now;
            let next = match req {
                Request::Snapshot { fresh, .. } => {
                    if let Some(w) = run.waiting() {
                        let check = &run.runbook().steps[w.step];
                        if told_waiting != Some(w.step) {
                            told_waiting = Some(w.step);
                            let line = format!(
                                "      re-check {}: waiting up to {} for it to pass",
                                check.id,
                                crate::model::fmt_duration(w.within)
                            );
                            writeln!(shared.out.borrow_mut(), "{}", one(&line))?;
                        }
                        // Another look only after the simulated or real world had time to move.
                        if w.attempts > 0 {
                            tokio::time::sleep(opts.recheck_pause).await;
                        }
                    }
                    if fresh || cached.is_none() {
                        cached = match snapshots.snapshot().await {
                            Ok(s) => {
                                shared.observer.borrow_mut().snapshot(&s).context("incident timeline")?;
                                Some(s)
                            }
                            Err(e) => {
                                let next = run.on_snapshot_error(&e, now())?;
                                shared.print_new(&run, &mut printed, total, cached.as_ref())?;
                                queue.extend(next);
                                continue;
                            }
                        };
                    }
                    match &cached {
                        Some(s) => run.on_snapshot(s, now())?,
                        None => vec![],
                    }
                }
                Request::Remote(r) => {
                    let rb = run.runbook().id.clone();
                    let step = run.runbook().steps[r.step].id.clone();
                    let shared = &shared;
                    in_flight.push(async move {
                        let result = execute(remote, &r, opts, shared, (&rb, &step)).await;
                        (r.probe, result)
                    });
                    continue;
                }
                Request::Confirm(plan) => {
                    shared.print_new(&run, &mut printed, total, cached.as_ref())?;
                    confirm(&mut run, &plan, opts, &shared, cached.as_ref())?
                }
                Request::OpenLog { step, .. } => run.skip(
                    step,
                    "opening a log is a console action; use the log pane in `switchboard`",
                    now(),
                )?,
                Request::Manual { step, text } => {
                    let text =
                        super::advice::text_for(&run.runbook().steps[step], cached.as_ref()).unwrap_or(text);
                    let reason = format!("headless run, do it by hand and note it in the incident: {text}");
                    run.skip(step, &reason, now())?
                }
                // Declined (no --yes): nobody is there to retry it, so the run goes on with the
                // remaining checks and the report stays complete.
                Request::Retry { step } => run.skip(step, "headless run without --yes", now())?,
            };
            shared.print_new(&run, &mut printed, total, cached.as_ref())?;
            queue.extend(next);
        }
        let Some((probe, result)) = in_flight.next().await else { break };
        let next = match result? {
            Ok(invs) => run.on_remote_result(probe, invs, Timestamp::now()),
            Err(e) => run.on_remote_error(probe, &e, Timestamp::now()),
        };
        // A result for a step skipped meanwhile is refused by the engine: nothing waits for it.
        if let Ok(next) = next {
            queue.extend(next);
        }
        shared.print_new(&run, &mut printed, total, cached.as_ref())?;
    }
    drop(in_flight);
    let Shared { observer, out, .. } = shared;
    let observer = observer.into_inner();
    let out = out.into_inner();
    // The state the run leaves behind (an alert that cleared after the last check): one
    // closing snapshot for the observer, and for the next step of a run that is not healthy.
    // A failure here changes no result.
    let verdict = run.verdict();
    let mut closing = None;
    if (observer.wants_closing_snapshot() || !verdict.healthy)
        && let Ok(s) = snapshots.snapshot().await
    {
        if observer.wants_closing_snapshot() {
            observer.snapshot(&s).context("incident timeline")?;
        }
        closing = Some(s);
    }
    if verdict.healthy {
        writeln!(out, "result: healthy")?;
    } else {
        writeln!(out, "result: NOT healthy: {}", one(&verdict.problems.join("; ")))?;
        let alerts = match &closing {
            Some(s) => super::next::alerts_of(s, &run.context().thresholds),
            None => Vec::new(),
        };
        let next = super::next::next_step(run.runbook(), &alerts, &opts.others);
        writeln!(out, "{}", one(&next.line()))?;
    }
    out.flush()?;
    let outcome = HeadlessOutcome {
        healthy: verdict.healthy,
        problems: verdict.problems,
        records: run.records().to_vec(),
    };
    observer.finished(run.runbook(), &outcome).context("incident timeline")?;
    Ok(outcome)
}

/// What the commands of a run share: each borrows it only between awaits.
struct Shared<'a, W: Write> {
    audit: RefCell<Option<&'a mut AuditLog>>,
    observer: RefCell<&'a mut dyn RunObserver>,
    out: RefCell<&'a mut W>,
}

impl<W: Write> Shared<'_, W> {
    /// Prints the results not printed yet; a failure's help is chosen by the figures in `snap`.
    fn print_new(
        &self,
        run: &Run,
        printed: &mut usize,
        total: usize,
        snap: Option<&Snapshot>,
    ) -> anyhow::Result<()> {
        let mut observer = self.observer.borrow_mut();
        let mut out = self.out.borrow_mut();
        for rec in &run.records()[*printed..] {
            observer.record(run.runbook(), rec).context("incident timeline")?;
            out.write_all(text::record(rec, total).as_bytes())?;
            if matches!(rec.outcome, super::Outcome::Fail | super::Outcome::Error)
                && let Some(help) = super::advice::help_for(&run.runbook().steps[rec.step], snap)
            {
                writeln!(out, "      → {}", one(&help))?;
            }
        }
        *printed = run.records().len();
        Ok(())
    }

    fn audit(&self, entry: Entry, what: &'static str) -> anyhow::Result<()> {
        if let Some(log) = self.audit.borrow_mut().as_deref_mut() {
            log.append(entry).context(what)?;
        }
        Ok(())
    }

    fn has_audit(&self) -> bool {
        self.audit.borrow().is_some()
    }

    fn tell(&self, event: &CommandEvent<'_>) -> anyhow::Result<()> {
        self.observer.borrow_mut().command(event).context("incident timeline")
    }

    fn say(&self, line: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
        writeln!(self.out.borrow_mut(), "{line}")?;
        Ok(())
    }
}

fn confirm<W: Write>(
    run: &mut Run,
    plan: &ConfirmRequest,
    opts: &HeadlessOptions,
    shared: &Shared<'_, W>,
    snapshot: Option<&Snapshot>,
) -> anyhow::Result<Vec<Request>> {
    let step = &run.runbook().steps[plan.step];
    shared.say(format_args!(
        "[{}/{}] action   {}",
        plan.step + 1,
        run.runbook().steps.len(),
        one(&step.title)
    ))?;
    shared.say(format_args!("      {}", text::plan(plan)))?;
    // The same impact the console's confirmation shows, from the snapshot the checks read.
    if let Some(snap) = snapshot {
        let impact = super::impact::of(plan.remote.as_ref(), &plan.targets, snap);
        for line in &impact.lines {
            shared.say(format_args!("      impact: {}", one(line)))?;
        }
    }
    let entry = |status| {
        let action = match &plan.remote {
            Some(r) => AuditAction::remote(r),
            None => AuditAction { kind: plan.kind.label().to_string(), summary: plan.summary.clone() },
        };
        Entry::new(action, &plan.targets, status).in_runbook(&run.runbook().id, &step.id)
    };
    let now = Timestamp::now();
    let rb_id = run.runbook().id.clone();
    let step_id = step.id.clone();
    let tell = |phase| {
        shared.tell(&CommandEvent {
            runbook: &rb_id,
            step: &step_id,
            action: plan.remote.as_ref(),
            summary: &plan.summary,
            targets: &plan.targets,
            phase,
        })
    };
    if plan.refusal.is_some() {
        if plan.mutating {
            tell(CommandPhase::Refused)?;
        }
        shared.audit(entry(AuditStatus::Refused).message("read-only mode"), "audit log")?;
        return Ok(run.confirm(plan.step, now)?);
    }
    if !opts.yes && plan.remote.is_some() {
        shared.audit(entry(AuditStatus::Declined).message("headless run without --yes"), "audit log")?;
        shared.say(format_args!("      not run: pass --yes to run it"))?;
        if plan.mutating {
            tell(CommandPhase::Declined)?;
        }
        return Ok(run.decline(plan.step, now)?);
    }
    if plan.mutating {
        tell(CommandPhase::Confirmed)?;
    }
    Ok(run.confirm(plan.step, now)?)
}

/// Sends one command and polls it to a terminal status on every target. The outer error is
/// fatal (audit or output failed); the inner one means the command could not be sent.
async fn execute<W: Write>(
    remote: &dyn Remote,
    req: &RemoteRequest,
    opts: &HeadlessOptions,
    shared: &Shared<'_, W>,
    (runbook, step): (&str, &str),
) -> anyhow::Result<Result<Vec<Invocation>, String>> {
    let entry = |status| Entry::for_remote(&req.action, &req.targets, status).in_runbook(runbook, step);
    // Only remediations go on an incident's timeline as commands; a check's probes show
    // in its result.
    let summary = req.action.summary();
    let tell = |phase| -> anyhow::Result<()> {
        if !req.mutating {
            return Ok(());
        }
        let event = CommandEvent {
            runbook,
            step,
            action: Some(&req.action),
            summary: &summary,
            targets: &req.targets,
            phase,
        };
        shared.tell(&event)
    };
    tell(CommandPhase::Requested)?;
    shared.audit(entry(AuditStatus::Requested), "audit log could not be written; nothing was sent")?;
    let id = match remote.send(&req.action, &req.targets).await {
        Ok(id) => id,
        Err(e) => {
            shared.audit(entry(AuditStatus::SendFailed).message(e.to_string()), "audit log")?;
            tell(CommandPhase::SendFailed(&e.to_string()))?;
            return Ok(Err(e.to_string()));
        }
    };
    tell(CommandPhase::Sent(&id))?;
    shared.audit(entry(AuditStatus::Sent).command(id.0.clone()), "audit log")?;
    // Status transitions matter for actions (Pending → InProgress → Success); for read-only
    // checks the verdict says enough.
    let show = req.mutating;
    if show {
        shared.say(format_args!("      sent {}", one(&id.to_string())))?;
    }
    let started = Instant::now();
    let mut last: BTreeMap<String, CommandStatus> = BTreeMap::new();
    let mut done: BTreeMap<String, Invocation> = BTreeMap::new();
    let mut lost: BTreeMap<String, String> = BTreeMap::new();
    loop {
        for t in &req.targets {
            if done.contains_key(&t.server) || lost.contains_key(&t.server) {
                continue;
            }
            match remote.poll(&id, t).await {
                Ok(inv) => {
                    if show && last.get(&t.server) != Some(&inv.status) {
                        shared.say(format_args!("      {}: {}", one(&t.server), inv.status.as_str()))?;
                    }
                    last.insert(t.server.clone(), inv.status);
                    if inv.status.is_terminal() {
                        done.insert(t.server.clone(), inv);
                    }
                }
                // Right after sending SSM may not know the invocation yet; throttling passes.
                Err(RemoteError::InvocationDoesNotExist(_) | RemoteError::Throttled { .. }) => {}
                Err(e) => {
                    shared.say(format_args!(
                        "      {}: status unavailable: {}",
                        one(&t.server),
                        one(&e.to_string())
                    ))?;
                    lost.insert(t.server.clone(), e.to_string());
                }
            }
        }
        if done.len() + lost.len() >= req.targets.len() {
            break;
        }
        if started.elapsed() >= opts.command_timeout {
            let _ = remote.cancel(&id).await;
            let waiting: Vec<_> = req
                .targets
                .iter()
                .filter(|t| !done.contains_key(&t.server) && !lost.contains_key(&t.server))
                .collect();
            for t in waiting {
                let waited = crate::model::fmt_duration(opts.command_timeout);
                shared.say(format_args!(
                    "      {}: no terminal status after {waited}; cancelled",
                    one(&t.server)
                ))?;
                done.insert(t.server.clone(), Invocation::cancelled_after(&id, &t.server, &waited));
            }
            break;
        }
        tokio::time::sleep(opts.poll_interval).await;
    }
    for inv in done.values() {
        tell(CommandPhase::Ended(inv))?;
    }
    for (server, e) in &lost {
        tell(CommandPhase::StatusUnknown { id: &id, server, error: e })?;
    }
    if shared.has_audit() {
        for inv in done.values() {
            shared.audit(entry(AuditStatus::Sent).ended(inv), "audit log")?;
        }
        for (server, e) in &lost {
            let targets: Vec<_> = req.targets.iter().filter(|t| &t.server == server).cloned().collect();
            let e = Entry::for_remote(&req.action, &targets, AuditStatus::StatusUnknown)
                .in_runbook(runbook, step)
                .command(id.0.clone())
                .message(format!("status unavailable: {e}"));
            shared.audit(e, "audit log")?;
        }
    }
    Ok(Ok(done.into_values().collect()))
}

//! The step engine: a pure state machine. It never does I/O; it asks for work with `Request`s
//! and advances on the answers. The console drives it from its event loop (one answer per
//! event), the headless driver from a simple loop; both see the same records.
//!
//! Protocol: `start` returns the first requests; every answer (`on_snapshot`,
//! `on_remote_result`, `confirm`, `mark_done`…) returns the requests that follow. `pending`
//! lists what is still awaited (to redraw a dialog or resume). Answers that do not match what
//! the run waits for are refused with an `EngineError` and change nothing, so a late result
//! after a skip is harmless.

use super::def::{Action, ActionKind, Check, On, Runbook, StepKind};
use super::evaluate::{self, Answer, Evaluation};
use super::record::{Outcome, ServerStatus, StepRecord};
use crate::model::{Address, Snapshot, Thresholds, Timestamp};
use crate::source::{CommandStatus, Invocation, RemoteAction, Target};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

/// What a run needs to know about the world it acts on.
#[derive(Debug, Clone)]
pub struct RunContext {
    /// The NexTalk servers, as command targets.
    pub servers: Vec<Target>,
    /// Refuse every mutating action.
    pub read_only: bool,
    pub thresholds: Thresholds,
    /// How one NexTalk server reaches another (server name → address and where it came
    /// from), for `tcp` checks with `to = "peers"`; a server not listed is reached by its
    /// name, and the evidence says so.
    pub peer_hosts: BTreeMap<String, Address>,
    /// What the AWS actions are planned against: the flags with their current values, the
    /// tables' capacity, the streams' shards, as the latest snapshot the run saw has them.
    pub world: World,
}

/// The figures an AWS action's confirmation shows before and after (refreshed from every
/// snapshot the run is given).
#[derive(Debug, Clone, Default)]
pub struct World {
    pub flags: Vec<crate::model::Flag>,
    pub tables: Vec<crate::model::DynamoTable>,
    pub streams: Vec<crate::model::KinesisStream>,
    /// The queues that can be shared with another routing profile, and the queues' figures
    /// (the donor's waits and agents) a share's confirmation shows.
    pub queue_shares: Vec<crate::model::QueueShare>,
    pub queues: Vec<crate::model::Queue>,
    /// The Amazon Connect instance the queue shares are in (empty: not configured).
    pub connect_instance: String,
    /// Tables and streams at warn or crit, per metric key (judged as a metric check would),
    /// so an action that targets "the failing table" picks the one its check failed on.
    pub failing: BTreeMap<&'static str, Vec<String>>,
    /// The RDS instances as DescribeDBInstances last described them.
    pub db_instances: Vec<crate::model::DbInstance>,
    /// Per DB instance shown in an RDS pane (`AWS/RDS`, by DBInstanceIdentifier): whether its
    /// free storage is at warn or crit, and its FreeStorageSpace figure when the pane has one.
    pub db_rows: Vec<DbRow>,
}

/// A DB instance's row in an RDS pane, as the latest snapshot judged it.
#[derive(Debug, Clone, PartialEq)]
pub struct DbRow {
    pub id: String,
    /// Its FreeStorageSpace column is at warn or crit (another column failing, CPU say, is
    /// no reason to grow the storage).
    pub failing: bool,
    /// FreeStorageSpace, bytes; `None`: no datapoint or no such column.
    pub free_bytes: Option<f64>,
}

impl World {
    pub fn from_snapshot(snap: &Snapshot, thresholds: &Thresholds) -> World {
        use crate::model::{MetricId, Section};
        let mut failing = BTreeMap::new();
        for &metric in
            MetricId::ALL.iter().filter(|m| matches!(m.section(), Section::DynamoDb | Section::Kinesis))
        {
            let names = evaluate::failing_entities(metric, thresholds, snap);
            if !names.is_empty() {
                failing.insert(metric.key(), names);
            }
        }
        World {
            flags: snap.flags.clone(),
            tables: snap.dynamodb.clone(),
            streams: snap.kinesis.clone(),
            queue_shares: snap.queue_shares.clone(),
            queues: snap.connect.queues.clone(),
            connect_instance: snap.connect.instance_id.clone(),
            failing,
            db_instances: snap.db_instances.clone(),
            db_rows: db_rows(snap),
        }
    }
}

/// The rows of the panes over AWS/RDS by DBInstanceIdentifier (the `rds` preset, or a team's
/// own `[[panes]]`).
fn db_rows(snap: &Snapshot) -> Vec<DbRow> {
    let mut out: Vec<DbRow> = Vec::new();
    for p in snap
        .panes
        .iter()
        .filter(|p| p.def.namespace == "AWS/RDS" && p.def.row_dimension == "DBInstanceIdentifier")
    {
        let free_col = p.def.columns.iter().position(|c| c.metric == "FreeStorageSpace");
        for (r, row) in p.rows.iter().enumerate() {
            let free_bytes = free_col.and_then(|c| p.value(r, c));
            let failing = free_col
                .is_some_and(|c| p.def.columns[c].health(free_bytes).level >= crate::model::Level::Warn);
            match out.iter_mut().find(|d| d.id == row.name) {
                Some(d) => {
                    d.failing |= failing;
                    d.free_bytes = d.free_bytes.or(free_bytes);
                }
                None => out.push(DbRow { id: row.name.clone(), failing, free_bytes }),
            }
        }
    }
    out
}

impl RunContext {
    /// The servers as the snapshot names them, and the addresses it has for them (the
    /// config's, what SSM reports, the simulator's names).
    pub fn from_snapshot(snap: &Snapshot, read_only: bool, thresholds: Thresholds) -> Self {
        let servers = snap
            .nextalk
            .servers
            .iter()
            .map(|s| Target { server: s.name.clone(), instance_id: s.instance_id.clone() })
            .collect();
        let peer_hosts =
            snap.nextalk.servers.iter().filter_map(|s| Some((s.name.clone(), s.address.clone()?))).collect();
        let world = World::from_snapshot(snap, &thresholds);
        RunContext { servers, read_only, thresholds, peer_hosts, world }
    }
}

/// Identifies one remote command the run asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct ProbeId(pub u32);

/// Work the run needs done before it can go on.
#[derive(Debug, Clone, PartialEq)]
pub enum Request {
    /// Answer with `on_snapshot` (or `on_snapshot_error`). `fresh`: collected after the action
    /// that precedes this re-check, not the one already on screen.
    Snapshot { step: usize, fresh: bool },
    /// Send this command, poll it to a terminal status, answer with `on_remote_result` (or
    /// `on_remote_error` when it could not be sent). Audit it: `requested` before sending,
    /// `sent` with the command id, then each target's terminal status (see `crate::audit`).
    Remote(RemoteRequest),
    /// Show exactly what will run; answer with `confirm` or `decline` (or `skip`).
    Confirm(ConfirmRequest),
    /// Open the newest NexTalk log of these servers in the log pane; answer with `log_opened`.
    OpenLog { step: usize, servers: Vec<Target> },
    /// Show the instruction; answer with `mark_done` or `skip` (with a reason).
    Manual { step: usize, text: String },
    /// The engineer declined the action: offer it again (`retry`) or go on without it (`skip`,
    /// with a reason). The run never moves past a declined action by itself.
    Retry { step: usize },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RemoteRequest {
    pub probe: ProbeId,
    pub step: usize,
    pub action: RemoteAction,
    pub targets: Vec<Target>,
    pub mutating: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConfirmRequest {
    pub step: usize,
    pub kind: ActionKind,
    /// The remote command that will run, for the dialog to render exactly (e.g. as the
    /// PowerShell it becomes); `None` for UI effects.
    pub remote: Option<RemoteAction>,
    pub targets: Vec<Target>,
    /// `restart service NexTalk Chat Bridge on nt-b (i-0b2…)`.
    pub summary: String,
    pub mutating: bool,
    /// Set when confirming will be refused (read-only mode), so the dialog can say so up front.
    pub refusal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EngineError {
    #[error("the run is not waiting for {got} (it waits for {waiting})")]
    Unexpected { got: String, waiting: String },
    #[error("a reason is needed to skip a step")]
    EmptyReason,
}

/// Remote commands in flight on one server at once. The SSM agent runs up to five documents at
/// a time (`Mds.CommandWorkersLimit`, default 5) and queues the rest behind them; four keeps
/// every probe out of that queue and leaves a worker for a Ctrl-r restart or a colleague's
/// console.
pub const MAX_IN_FLIGHT_PER_SERVER: usize = 4;

#[derive(Debug, Clone)]
enum Phase {
    NotStarted,
    /// Checks being judged together: a run of consecutive check steps (they only read the
    /// world, so none depends on another), or one re-check after an action.
    Checking(Batch),
    Confirming {
        step: usize,
        plan: ConfirmRequest,
    },
    /// The engineer cancelled the confirmation: the run stays on the step until they retry it
    /// or skip it.
    Declined {
        step: usize,
    },
    /// The action is behind it, but checks it did not depend on still run: the next step
    /// waits for them.
    Draining {
        next: usize,
    },
    Acting {
        step: usize,
        request: RemoteRequest,
    },
    OpeningLog {
        step: usize,
        servers: Vec<Target>,
    },
    Manual {
        step: usize,
    },
    Finished,
}

#[derive(Debug, Clone)]
struct Batch {
    /// The checks not judged yet (runbook indices).
    open: BTreeSet<usize>,
    /// Where the run goes when every check of the batch is judged.
    next: usize,
    /// Waiting for a snapshot (for the checks of `open` answered from one).
    snapshot: Option<SnapWait>,
    /// Commands not sent yet: held back while their servers have
    /// `MAX_IN_FLIGHT_PER_SERVER` commands in flight.
    queued: VecDeque<RemoteRequest>,
    in_flight: BTreeMap<ProbeId, RemoteRequest>,
    /// Per check, its answered commands by probe, so a check's evidence is in the order it
    /// asked (not the order the servers answered).
    answers: BTreeMap<usize, BTreeMap<ProbeId, Answer>>,
    recheck: Option<Recheck>,
    /// Still running beside the action that did not need it: when done, it enters nothing.
    background: bool,
}

#[derive(Debug, Clone, Copy)]
struct SnapWait {
    /// Collected after the action this re-check follows, not the one already on screen.
    fresh: bool,
    /// The request went out (it is asked for once).
    asked: bool,
}

/// A re-check after an action: it passes, or the deadline passes.
#[derive(Debug, Clone)]
struct Recheck {
    /// The action step it verifies.
    of: usize,
    /// The check it re-runs.
    step: usize,
    within: Duration,
    /// When waiting began and when it gives up, on the clock of what it reads (the first
    /// fresh snapshot's time for a snapshot check, the driver's for remote probes).
    since: Option<Timestamp>,
    attempts: u32,
    /// The latest evaluation that did not pass yet, shown while waiting.
    last: Option<Evaluation>,
}

/// A re-check that has not passed yet and is still within its deadline, for the screen.
#[derive(Debug, Clone, PartialEq)]
pub struct Waiting {
    pub step: usize,
    pub of: usize,
    pub within: Duration,
    pub since: Option<Timestamp>,
    pub attempts: u32,
    /// What the latest attempt saw, if one did.
    pub last: Option<Vec<String>>,
}

impl Batch {
    fn is_done(&self) -> bool {
        self.open.is_empty()
    }

    /// Commands in flight that run on `server`.
    fn load(&self, server: &str) -> usize {
        self.in_flight.values().filter(|r| r.targets.iter().any(|t| t.server == server)).count()
    }

    /// Sends what the per-server bound allows, oldest first, and asks for the snapshot once.
    fn issue(&mut self, snapshot_step: usize) -> Vec<Request> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < self.queued.len() {
            let fits = self.queued[i].targets.iter().all(|t| self.load(&t.server) < MAX_IN_FLIGHT_PER_SERVER);
            // A command for more servers than the bound allows still goes once nothing else
            // runs, so no check can starve.
            if fits || self.in_flight.is_empty() {
                if let Some(r) = self.queued.remove(i) {
                    self.in_flight.insert(r.probe, r.clone());
                    out.push(Request::Remote(r));
                }
            } else {
                i += 1;
            }
        }
        if let Some(w) = self.snapshot.as_mut()
            && !w.asked
        {
            w.asked = true;
            out.push(Request::Snapshot { step: snapshot_step, fresh: w.fresh });
        }
        out
    }

    /// Whether `step` still has commands queued or in flight.
    fn awaits_remote(&self, step: usize) -> bool {
        self.queued.iter().chain(self.in_flight.values()).any(|r| r.step == step)
    }

    fn drop_step(&mut self, step: usize) {
        self.open.remove(&step);
        self.queued.retain(|r| r.step != step);
        self.in_flight.retain(|_, r| r.step != step);
        self.answers.remove(&step);
    }
}

/// One run of a runbook.
#[derive(Debug, Clone)]
pub struct Run {
    runbook: Runbook,
    ctx: RunContext,
    phase: Phase,
    /// Checks an action did not depend on, still being judged while it is offered and run.
    background: Option<Batch>,
    records: Vec<StepRecord>,
    next_probe: u32,
}

/// Whether the run ended healthy, and what keeps it from being so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub healthy: bool,
    /// `chat-bridge-running: fail`, one per problem.
    pub problems: Vec<String>,
}

impl Run {
    pub fn new(runbook: &Runbook, ctx: RunContext) -> Run {
        Run {
            runbook: runbook.clone(),
            ctx,
            phase: Phase::NotStarted,
            background: None,
            records: Vec::new(),
            next_probe: 0,
        }
    }

    pub fn runbook(&self) -> &Runbook {
        &self.runbook
    }

    pub fn context(&self) -> &RunContext {
        &self.ctx
    }

    /// Every result so far, in the order they arrived (re-checks included; checks judged
    /// together land in the order they finished).
    pub fn records(&self) -> &[StepRecord] {
        &self.records
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finished)
    }

    /// The step the run is on, for highlighting: the first one not judged yet while checks
    /// run together.
    pub fn current_step(&self) -> Option<usize> {
        match &self.phase {
            Phase::NotStarted | Phase::Finished => None,
            Phase::Draining { .. } => self.background.as_ref().and_then(|b| b.open.first().copied()),
            Phase::Checking(b) => b.open.first().copied(),
            Phase::Confirming { step, .. }
            | Phase::Declined { step }
            | Phase::Acting { step, .. }
            | Phase::OpeningLog { step, .. }
            | Phase::Manual { step } => Some(*step),
        }
    }

    /// Every step under way: the checks still being judged together, or the current step.
    pub fn active_steps(&self) -> Vec<usize> {
        let mut out: Vec<usize> = match &self.phase {
            Phase::Checking(b) => b.open.iter().copied().collect(),
            Phase::Draining { .. } => vec![],
            _ => self.current_step().into_iter().collect(),
        };
        if let Some(bg) = &self.background {
            out.extend(bg.open.iter().copied());
        }
        out.sort_unstable();
        out.dedup();
        out
    }

    /// The re-check that waits for the fix to show, while it waits.
    pub fn waiting(&self) -> Option<Waiting> {
        let Phase::Checking(Batch { recheck: Some(r), .. }) = &self.phase else { return None };
        Some(Waiting {
            step: r.step,
            of: r.of,
            within: r.within,
            since: r.since,
            attempts: r.attempts,
            last: r.last.as_ref().map(|e| e.evidence.clone()),
        })
    }

    /// Makes the run stricter at runtime (the console's read-only toggle); never looser.
    pub fn set_read_only(&mut self) {
        self.ctx.read_only = true;
        if let Phase::Confirming { plan, .. } = &mut self.phase
            && plan.mutating
        {
            plan.refusal = Some(refusal_text(plan));
        }
    }

    pub fn start(&mut self, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        if !matches!(self.phase, Phase::NotStarted) {
            return Err(self.unexpected("start"));
        }
        Ok(self.enter(0, now))
    }

    /// What the run waits for now (commands in flight, the open dialog…).
    pub fn pending(&self) -> Vec<Request> {
        let mut out = self.pending_fg();
        if let Some(bg) = &self.background {
            out.extend(bg.in_flight.values().cloned().map(Request::Remote));
            if let Some(w) = bg.snapshot {
                out.push(Request::Snapshot { step: self.snapshot_step(bg), fresh: w.fresh });
            }
        }
        out
    }

    fn pending_fg(&self) -> Vec<Request> {
        match &self.phase {
            Phase::NotStarted | Phase::Finished | Phase::Draining { .. } => vec![],
            Phase::Checking(b) => {
                let mut out: Vec<Request> = b.in_flight.values().cloned().map(Request::Remote).collect();
                if let Some(w) = b.snapshot {
                    out.push(Request::Snapshot { step: self.snapshot_step(b), fresh: w.fresh });
                }
                out
            }
            Phase::Confirming { plan, .. } => vec![Request::Confirm(plan.clone())],
            Phase::Declined { step } => vec![Request::Retry { step: *step }],
            Phase::Acting { request, .. } => vec![Request::Remote(request.clone())],
            Phase::OpeningLog { step, servers } => {
                vec![Request::OpenLog { step: *step, servers: servers.clone() }]
            }
            Phase::Manual { step } => vec![Request::Manual { step: *step, text: self.manual_text(*step) }],
        }
    }

    /// Healthy when every check's latest result passed (advisory checks aside) and no action
    /// failed.
    pub fn verdict(&self) -> Verdict {
        let mut problems = Vec::new();
        for (i, step) in self.runbook.steps.iter().enumerate() {
            let latest = self.records.iter().rev().find(|r| r.step == i);
            match (&step.kind, latest) {
                (StepKind::Check(_), _) if step.advisory => {}
                (StepKind::Check(_), None) => problems.push(format!("{}: not checked", step.id)),
                (StepKind::Check(_), Some(r)) if r.outcome != Outcome::Pass => {
                    problems.push(format!("{}: {}", step.id, r.outcome))
                }
                (StepKind::Action(_), Some(r)) if matches!(r.outcome, Outcome::Fail | Outcome::Error) => {
                    problems.push(format!("{}: {}", step.id, r.outcome))
                }
                // A passing check, an action that was not run or did not fail, a manual step:
                // no problem.
                (StepKind::Check(_), Some(_)) | (StepKind::Action(_), _) | (StepKind::Manual { .. }, _) => {}
            }
        }
        Verdict { healthy: problems.is_empty(), problems }
    }

    /// A snapshot for the checks that read one (the action's and those still running beside
    /// it alike).
    pub fn on_snapshot(&mut self, snap: &Snapshot, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let fg = matches!(&self.phase, Phase::Checking(b) if b.snapshot.is_some());
        let bg = self.background.as_ref().is_some_and(|b| b.snapshot.is_some());
        if !fg && bg {
            return self.in_background(|run| run.on_snapshot_fg(snap, now));
        }
        let mut out = self.on_snapshot_fg(snap, now)?;
        if bg {
            out.extend(self.in_background(|run| run.on_snapshot_fg(snap, now))?);
        }
        Ok(out)
    }

    fn on_snapshot_fg(&mut self, snap: &Snapshot, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let Phase::Checking(batch) = &mut self.phase else {
            return Err(self.unexpected("a snapshot"));
        };
        if batch.snapshot.is_none() {
            return Err(self.unexpected("a snapshot"));
        }
        batch.snapshot = None;
        // The AWS actions are planned against the figures the run saw last.
        self.ctx.world = World::from_snapshot(snap, &self.ctx.thresholds);
        let steps: Vec<usize> = batch
            .open
            .iter()
            .copied()
            .filter(|&i| match &self.runbook.steps[i].kind {
                StepKind::Check(c) => evaluate::needs_snapshot(c),
                StepKind::Action(_) | StepKind::Manual { .. } => false,
            })
            .collect();
        let mut out = Vec::new();
        for i in steps {
            let StepKind::Check(check) = &self.runbook.steps[i].kind else { continue };
            let eval = evaluate::from_snapshot(check, &self.ctx.servers, &self.ctx.thresholds, snap);
            out.extend(self.judged(i, eval, snap.taken_at, now));
        }
        Ok(self.after_answer(out, now))
    }

    /// The snapshot could not be collected: the checks that needed it are recorded as errors.
    pub fn on_snapshot_error(&mut self, message: &str, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let Phase::Checking(batch) = &mut self.phase else {
            return Err(self.unexpected("a snapshot error"));
        };
        if batch.snapshot.is_none() {
            return Err(self.unexpected("a snapshot error"));
        }
        batch.snapshot = None;
        let steps: Vec<usize> = batch
            .open
            .iter()
            .copied()
            .filter(
                |&i| matches!(&self.runbook.steps[i].kind, StepKind::Check(c) if evaluate::needs_snapshot(c)),
            )
            .collect();
        for i in steps {
            let eval = Evaluation {
                outcome: Outcome::Error,
                servers: vec![],
                evidence: vec![format!("no snapshot: {message}")],
            };
            self.conclude(i, eval, now);
        }
        Ok(self.after_answer(vec![], now))
    }

    /// Terminal invocations of a remote command (one per target that answered).
    pub fn on_remote_result(
        &mut self,
        probe: ProbeId,
        invocations: Vec<Invocation>,
        now: Timestamp,
    ) -> Result<Vec<Request>, EngineError> {
        self.on_remote(probe, Ok(invocations), now)
    }

    /// The command could not be sent (or its results not fetched at all).
    pub fn on_remote_error(
        &mut self,
        probe: ProbeId,
        message: &str,
        now: Timestamp,
    ) -> Result<Vec<Request>, EngineError> {
        self.on_remote(probe, Err(message.to_string()), now)
    }

    fn on_remote(
        &mut self,
        probe: ProbeId,
        result: Result<Vec<Invocation>, String>,
        now: Timestamp,
    ) -> Result<Vec<Request>, EngineError> {
        if self.background.as_ref().is_some_and(|b| b.in_flight.contains_key(&probe)) {
            return self.in_background(|run| run.on_remote(probe, result, now));
        }
        match &mut self.phase {
            Phase::Checking(batch) => {
                let Some(req) = batch.in_flight.remove(&probe) else {
                    return Err(self.unexpected(&format!("result of probe {}", probe.0)));
                };
                let step = req.step;
                batch
                    .answers
                    .entry(step)
                    .or_default()
                    .insert(probe, Answer { action: req.action, targets: req.targets, result });
                let mut out = Vec::new();
                if !batch.awaits_remote(step) {
                    let answers: Vec<Answer> =
                        batch.answers.remove(&step).unwrap_or_default().into_values().collect();
                    let StepKind::Check(check) = &self.runbook.steps[step].kind else {
                        return Err(self.unexpected("a check result"));
                    };
                    let eval = evaluate::from_remote(check, &answers, &self.ctx.peer_hosts);
                    out = self.judged(step, eval, now, now);
                }
                Ok(self.after_answer(out, now))
            }
            Phase::Acting { step, request } if request.probe == probe => {
                let (step, request) = (*step, request.clone());
                Ok(self.finish_action(step, &request, result, now))
            }
            _ => Err(self.unexpected(&format!("result of probe {}", probe.0))),
        }
    }

    /// The engineer confirmed the action shown in the `Confirm` request. In read-only mode a
    /// mutating action is refused: recorded as `refused`, not run, and the run moves on.
    pub fn confirm(&mut self, step: usize, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let plan = match &self.phase {
            Phase::Confirming { step: s, plan } if *s == step => plan.clone(),
            _ => return Err(self.unexpected(&format!("a confirmation of step {step}"))),
        };
        if plan.mutating && self.ctx.read_only {
            self.record(step, Outcome::Refused, vec![refusal_text(&plan)], vec![], None, now);
            return Ok(self.enter(step + 1, now));
        }
        match plan.remote {
            Some(action) => {
                let request = RemoteRequest {
                    probe: self.new_probe(),
                    step,
                    mutating: action.is_mutating(),
                    action,
                    targets: plan.targets,
                };
                self.phase = Phase::Acting { step, request: request.clone() };
                Ok(vec![Request::Remote(request)])
            }
            None => {
                self.phase = Phase::OpeningLog { step, servers: plan.targets.clone() };
                Ok(vec![Request::OpenLog { step, servers: plan.targets }])
            }
        }
    }

    /// The engineer chose not to run the action. It is recorded as declined and the run stays
    /// on the step: `retry` offers it again, `skip` goes on without it.
    pub fn decline(&mut self, step: usize, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let summary = match &self.phase {
            Phase::Confirming { step: s, plan } if *s == step => plan.summary.clone(),
            _ => return Err(self.unexpected(&format!("declining step {step}"))),
        };
        self.record(step, Outcome::Declined, vec![format!("not run: {summary}")], vec![], None, now);
        self.phase = Phase::Declined { step };
        Ok(vec![Request::Retry { step }])
    }

    /// Offers a declined action again, planned afresh (the servers that fail now).
    pub fn retry(&mut self, step: usize, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        if !matches!(self.phase, Phase::Declined { step: s } if s == step) {
            return Err(self.unexpected(&format!("retrying step {step}")));
        }
        Ok(self.enter(step, now))
    }

    pub fn log_opened(&mut self, step: usize, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let servers = match &self.phase {
            Phase::OpeningLog { step: s, servers } if *s == step => servers.clone(),
            _ => return Err(self.unexpected(&format!("log opened for step {step}"))),
        };
        let names: Vec<_> = servers.iter().map(|t| t.server.as_str()).collect();
        self.record(
            step,
            Outcome::Done,
            vec![format!("log opened for {}", names.join(", "))],
            vec![],
            None,
            now,
        );
        Ok(self.enter(step + 1, now))
    }

    /// A manual step was carried out.
    pub fn mark_done(&mut self, step: usize, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        if !matches!(self.phase, Phase::Manual { step: s } if s == step) {
            return Err(self.unexpected(&format!("marking step {step} done")));
        }
        self.record(step, Outcome::Done, vec!["marked done".into()], vec![], None, now);
        Ok(self.enter(step + 1, now))
    }

    /// Skips a step under way (any of the checks being judged together), whatever it waits
    /// for; results still in flight for it are then refused when they arrive. A reason is
    /// required: it goes into the record.
    pub fn skip(&mut self, step: usize, reason: &str, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(EngineError::EmptyReason);
        }
        if !self.active_steps().contains(&step) {
            return Err(self.unexpected(&format!("skipping step {step}")));
        }
        if self.background.as_ref().is_some_and(|b| b.open.contains(&step)) {
            return self.in_background(|run| run.skip(step, reason, now));
        }
        if let Phase::Checking(batch) = &mut self.phase {
            let recheck_of = batch.recheck.as_ref().map(|r| r.of);
            batch.drop_step(step);
            if batch.open.is_empty() {
                batch.snapshot = None;
            }
            self.record(step, Outcome::Skipped, vec![format!("skipped: {reason}")], vec![], recheck_of, now);
            return Ok(self.after_answer(vec![], now));
        }
        self.record(step, Outcome::Skipped, vec![format!("skipped: {reason}")], vec![], None, now);
        Ok(self.enter(step + 1, now))
    }

    // --- internals ---

    fn unexpected(&self, got: &str) -> EngineError {
        let waiting = match &self.phase {
            Phase::NotStarted => "start".to_string(),
            Phase::Finished => "nothing (finished)".to_string(),
            Phase::Draining { .. } => "the checks still running".to_string(),
            Phase::Checking(b) => {
                let mut parts = Vec::new();
                if b.snapshot.is_some() {
                    parts.push(format!("a snapshot for step {}", self.snapshot_step(b)));
                }
                if !b.in_flight.is_empty() {
                    let ids: Vec<String> = b.in_flight.keys().map(|p| p.0.to_string()).collect();
                    parts.push(format!("probes {}", ids.join(", ")));
                }
                let steps: Vec<String> = b.open.iter().map(usize::to_string).collect();
                format!("{} of steps {}", parts.join(" and "), steps.join(", "))
            }
            Phase::Confirming { step, .. } => format!("a confirmation of step {step}"),
            Phase::Declined { step } => format!("a retry or skip of declined step {step}"),
            Phase::Acting { step, request } => {
                format!("the result of probe {} (step {step})", request.probe.0)
            }
            Phase::OpeningLog { step, .. } => format!("the log to open (step {step})"),
            Phase::Manual { step } => format!("manual step {step} to be done or skipped"),
        };
        EngineError::Unexpected { got: got.to_string(), waiting }
    }

    /// The first open check of the batch that reads a snapshot (the request names one step).
    fn snapshot_step(&self, b: &Batch) -> usize {
        b.open
            .iter()
            .copied()
            .find(
                |&i| matches!(&self.runbook.steps[i].kind, StepKind::Check(c) if evaluate::needs_snapshot(c)),
            )
            .or_else(|| b.open.first().copied())
            .unwrap_or(b.next)
    }

    fn new_probe(&mut self) -> ProbeId {
        self.next_probe += 1;
        ProbeId(self.next_probe)
    }

    fn manual_text(&self, step: usize) -> String {
        match &self.runbook.steps[step].kind {
            StepKind::Manual { text } => text.clone(),
            StepKind::Check(_) | StepKind::Action(_) => String::new(),
        }
    }

    fn record(
        &mut self,
        step: usize,
        outcome: Outcome,
        evidence: Vec<String>,
        servers: Vec<super::record::ServerResult>,
        recheck_of: Option<usize>,
        at: Timestamp,
    ) {
        let s = &self.runbook.steps[step];
        self.records.push(StepRecord {
            step,
            step_id: s.id.clone(),
            title: s.title.clone(),
            kind: s.kind.label(),
            outcome,
            evidence,
            servers,
            at,
            recheck_of: recheck_of.map(|a| self.runbook.steps[a].id.clone()),
        });
    }

    /// A check of the batch was judged. A re-check that did not pass yet and is within its
    /// deadline asks again (a fresh snapshot, or its probes once more) instead of being
    /// recorded; `seen_at` is when what it read was true (the snapshot's time).
    fn judged(&mut self, step: usize, eval: Evaluation, seen_at: Timestamp, now: Timestamp) -> Vec<Request> {
        let Phase::Checking(batch) = &mut self.phase else { return vec![] };
        if let Some(r) = batch.recheck.as_mut()
            && r.step == step
            && eval.outcome != Outcome::Pass
        {
            let since = *r.since.get_or_insert(seen_at);
            r.attempts += 1;
            if seen_at < since.plus(r.within) {
                r.last = Some(eval);
                let StepKind::Check(check) = &self.runbook.steps[step].kind else { return vec![] };
                if evaluate::needs_snapshot(check) {
                    batch.snapshot = Some(SnapWait { fresh: true, asked: false });
                    return vec![];
                }
                return self.queue_probes(step);
            }
            let waited = crate::model::fmt_duration(seen_at.since(since));
            let mut eval = eval;
            eval.evidence.push(format!(
                "still not passing after {waited} of waiting ({} attempts; deadline {})",
                r.attempts,
                crate::model::fmt_duration(r.within)
            ));
            self.conclude(step, eval, now);
            return vec![];
        }
        if let Some(r) = batch.recheck.as_mut()
            && r.step == step
            && r.attempts > 0
        {
            let waited = r.since.map(|s| crate::model::fmt_duration(seen_at.since(s))).unwrap_or_default();
            let mut eval = eval;
            eval.evidence.push(format!("passed after {waited} of waiting ({} attempts)", r.attempts + 1));
            self.conclude(step, eval, now);
            return vec![];
        }
        self.conclude(step, eval, now);
        vec![]
    }

    /// Records a check's result and takes it out of the batch.
    fn conclude(&mut self, step: usize, eval: Evaluation, now: Timestamp) {
        let recheck_of = match &mut self.phase {
            Phase::Checking(batch) => {
                batch.drop_step(step);
                batch.recheck.as_ref().map(|r| r.of)
            }
            _ => None,
        };
        self.record(step, eval.outcome, eval.evidence, eval.servers, recheck_of, now);
    }

    /// After an answer: sends what the bound now allows, and leaves the batch once every check
    /// of it is judged.
    fn after_answer(&mut self, mut out: Vec<Request>, now: Timestamp) -> Vec<Request> {
        let Phase::Checking(batch) = &self.phase else { return out };
        if batch.is_done() {
            if batch.background {
                return out;
            }
            let next = batch.next;
            out.extend(self.enter(next, now));
            return out;
        }
        // The action after the batch has what it depends on: offer it now, and let the other
        // checks finish beside it.
        let next = batch.next;
        let early = !batch.background
            && batch.recheck.is_none()
            && self.background.is_none()
            && self.depends_on(next).is_some_and(|deps| !batch.open.iter().any(|s| deps.contains(s)));
        if early
            && let Phase::Checking(mut batch) = std::mem::replace(&mut self.phase, Phase::Draining { next })
        {
            batch.background = true;
            let step = self.snapshot_step(&batch);
            out.extend(batch.issue(step));
            self.background = Some(batch);
            out.extend(self.enter(next, now));
            return out;
        }
        let Phase::Checking(batch) = &self.phase else { return out };
        let step = self.snapshot_step(batch);
        let Phase::Checking(batch) = &mut self.phase else { return out };
        out.extend(batch.issue(step));
        out
    }

    /// The checks an action at `index` waits for, when it says (`after`, plus the check it
    /// takes its targets from and the one it verifies); `None`: every check before it.
    fn depends_on(&self, index: usize) -> Option<Vec<usize>> {
        let StepKind::Action(a) = &self.runbook.steps.get(index)?.kind else { return None };
        let mut deps = a.after.clone()?;
        deps.extend(a.failures_of);
        deps.extend(a.verifies);
        deps.extend(a.requires.iter().map(|r| r.check));
        Some(deps)
    }

    /// Runs `f` on the checks running beside the action, then goes back to the action. Once
    /// they are all judged, a run waiting for them goes on.
    fn in_background(
        &mut self,
        f: impl FnOnce(&mut Run) -> Result<Vec<Request>, EngineError>,
    ) -> Result<Vec<Request>, EngineError> {
        let Some(bg) = self.background.take() else { return f(self) };
        let fg = std::mem::replace(&mut self.phase, Phase::Checking(bg));
        let result = f(self);
        let bg = std::mem::replace(&mut self.phase, fg);
        let now_done = match bg {
            Phase::Checking(b) if !b.is_done() => {
                self.background = Some(b);
                false
            }
            _ => true,
        };
        let mut out = result?;
        if now_done && let Phase::Draining { next } = self.phase {
            let now = self.records.last().map_or(Timestamp::default(), |r| r.at);
            out.extend(self.enter(next, now));
        }
        Ok(out)
    }

    /// Plans a check's probes again (a remote re-check that has not passed yet).
    fn queue_probes(&mut self, step: usize) -> Vec<Request> {
        let StepKind::Check(check) = &self.runbook.steps[step].kind else { return vec![] };
        let plan =
            match evaluate::remote_plan(check, &self.ctx.servers, &self.runbook.params, &self.ctx.peer_hosts)
            {
                Ok(p) => p,
                Err(_) => return vec![],
            };
        let mut reqs = Vec::new();
        for (action, targets) in plan {
            let probe = self.new_probe();
            let mutating = action.is_mutating();
            reqs.push(RemoteRequest { probe, step, action, targets, mutating });
        }
        if let Phase::Checking(batch) = &mut self.phase {
            batch.queued.extend(reqs);
        }
        vec![]
    }

    fn finish_action(
        &mut self,
        step: usize,
        request: &RemoteRequest,
        result: Result<Vec<Invocation>, String>,
        now: Timestamp,
    ) -> Vec<Request> {
        let (outcome, evidence, servers) = action_result(request, result);
        let ran = outcome != Outcome::Error || !servers.is_empty();
        let succeeded = outcome == Outcome::Done;
        self.record(step, outcome, evidence, servers, None, now);
        let (verifies, within) = match &self.runbook.steps[step].kind {
            StepKind::Action(a) => (a.verifies, a.verify_within),
            StepKind::Check(_) | StepKind::Manual { .. } => (None, None),
        };
        match verifies {
            // Re-check even after a failure (the engineer needs to see the state it left), but
            // wait for the fix to show only when the action itself succeeded.
            Some(check) if ran => {
                let within = if succeeded {
                    within.unwrap_or_else(|| self.default_wait(check))
                } else {
                    Duration::ZERO
                };
                let recheck = Recheck { of: step, step: check, within, since: None, attempts: 0, last: None };
                self.begin_checks(vec![check], step + 1, Some(recheck), now)
            }
            _ => self.enter(step + 1, now),
        }
    }

    /// How long a re-check waits for the fix to show when the runbook does not say: a service
    /// state is read live and settles within a poll or two; a CloudWatch figure lags by its
    /// one-minute period and the window the threshold judges, so it gets minutes.
    fn default_wait(&self, check: usize) -> Duration {
        match &self.runbook.steps[check].kind {
            StepKind::Check(c) => match c {
                Check::Metric { .. } | Check::Failover { .. } | Check::Pane { .. } => DEFAULT_WAIT_METRIC,
                Check::Service { .. }
                | Check::Dns { .. }
                | Check::Tcp { .. }
                | Check::Log { .. }
                | Check::SsmPing => DEFAULT_WAIT_LIVE,
            },
            StepKind::Action(_) | StepKind::Manual { .. } => DEFAULT_WAIT_LIVE,
        }
    }

    /// Moves to step `index` (or past the end), running through steps that need nobody. A
    /// check starts a batch with the checks that directly follow it: they only read, so they
    /// run together; an action or a manual step ends the batch (what follows it may depend on
    /// what it changed).
    fn enter(&mut self, index: usize, now: Timestamp) -> Vec<Request> {
        if let Some(bg) = &self.background
            && index != bg.next
        {
            self.phase = Phase::Draining { next: index };
            return vec![];
        }
        let Some(step) = self.runbook.steps.get(index) else {
            self.phase = Phase::Finished;
            return vec![];
        };
        match step.kind.clone() {
            StepKind::Check(_) => {
                let end = self.runbook.steps[index..]
                    .iter()
                    .position(|s| !matches!(s.kind, StepKind::Check(_)))
                    .map_or(self.runbook.steps.len(), |p| index + p);
                self.begin_checks((index..end).collect(), end, None, now)
            }
            StepKind::Manual { text } => {
                self.phase = Phase::Manual { step: index };
                vec![Request::Manual { step: index, text }]
            }
            StepKind::Action(action) => match self.plan_action(index, &action) {
                Ok(plan) => {
                    self.phase = Phase::Confirming { step: index, plan: plan.clone() };
                    vec![Request::Confirm(plan)]
                }
                Err((outcome, why)) => {
                    self.record(index, outcome, vec![why], vec![], None, now);
                    self.enter(index + 1, now)
                }
            },
        }
    }

    /// Starts judging `steps` together; `next` is where the run goes after them.
    fn begin_checks(
        &mut self,
        steps: Vec<usize>,
        next: usize,
        recheck: Option<Recheck>,
        now: Timestamp,
    ) -> Vec<Request> {
        let fresh = recheck.is_some();
        let mut batch = Batch {
            open: steps.iter().copied().collect(),
            next,
            snapshot: None,
            queued: VecDeque::new(),
            in_flight: BTreeMap::new(),
            answers: BTreeMap::new(),
            recheck,
            background: false,
        };
        let mut failed = Vec::new();
        for &i in &steps {
            let StepKind::Check(check) = &self.runbook.steps[i].kind else { continue };
            if evaluate::needs_snapshot(check) {
                batch.snapshot = Some(SnapWait { fresh, asked: false });
                continue;
            }
            match evaluate::remote_plan(check, &self.ctx.servers, &self.runbook.params, &self.ctx.peer_hosts)
            {
                Err(why) => failed.push((i, why)),
                Ok(plan) => {
                    for (action, targets) in plan {
                        self.next_probe += 1;
                        let probe = ProbeId(self.next_probe);
                        let mutating = action.is_mutating();
                        batch.queued.push_back(RemoteRequest { probe, step: i, action, targets, mutating });
                    }
                }
            }
        }
        // Commands go first so they are on their way while the snapshot is read.
        let step = self.snapshot_step(&batch);
        let out = batch.issue(step);
        self.phase = Phase::Checking(batch);
        for (i, why) in failed {
            let eval = Evaluation { outcome: Outcome::Error, servers: vec![], evidence: vec![why] };
            self.conclude(i, eval, now);
        }
        let done = matches!(&self.phase, Phase::Checking(b) if b.is_done());
        if done {
            return self.after_answer(vec![], now);
        }
        out
    }

    /// What an action will do and where; or why it will not be offered at all.
    fn plan_action(&self, index: usize, action: &Action) -> Result<ConfirmRequest, (Outcome, String)> {
        for r in &action.requires {
            let id = &self.runbook.steps[r.check].id;
            let Some(rec) = self.records.iter().rev().find(|rec| rec.step == r.check) else {
                return Err((Outcome::Skipped, format!("not offered: {id}, which it needs, has not run")));
            };
            let (held, wanted) = match &r.server {
                None => (rec.outcome == Outcome::Pass, format!("{id} to pass")),
                Some(srv) => {
                    let row = rec.servers.iter().find(|s| s.server == *srv).map(|s| s.status);
                    let want = if r.pass { ServerStatus::Pass } else { ServerStatus::Fail };
                    let verb = if r.pass { "pass" } else { "fail" };
                    (row == Some(want), format!("{id} to {verb} on {srv}"))
                }
            };
            if !held {
                return Err((
                    Outcome::Skipped,
                    format!("not offered: it needs {wanted}, and {id} ended {}", rec.outcome.as_str()),
                ));
            }
        }
        if action.kind.is_control_plane() {
            return super::control::plan(index, action, &self.runbook, &self.ctx);
        }
        let targets: Vec<Target> = match &action.on {
            On::All => self.ctx.servers.clone(),
            On::Server(name) => match self.ctx.servers.iter().find(|t| &t.server == name) {
                Some(t) => vec![t.clone()],
                None => {
                    return Err((Outcome::Error, format!("no NexTalk server named {name} is configured")));
                }
            },
            On::Failed => self.failed_targets(action)?,
        };
        if targets.is_empty() {
            return Err((Outcome::Error, "no NexTalk servers to run it on".into()));
        }
        let remote = action.kind.remote();
        let mutating = action.kind.is_mutating();
        let where_: Vec<String> =
            targets.iter().map(|t| format!("{} ({})", t.server, t.instance_id)).collect();
        let what = match &remote {
            Some(r) => r.summary(),
            None => "open the newest NexTalk log in the log pane".to_string(),
        };
        let mut plan = ConfirmRequest {
            step: index,
            kind: action.kind.clone(),
            remote,
            targets,
            summary: format!("{what} on {}", where_.join(", ")),
            mutating,
            refusal: None,
        };
        if mutating && self.ctx.read_only {
            plan.refusal = Some(refusal_text(&plan));
        }
        Ok(plan)
    }

    /// The servers where the remediated check's latest result failed (for a service restart:
    /// where that service was not Running).
    fn failed_targets(&self, action: &Action) -> Result<Vec<Target>, (Outcome, String)> {
        let Some(check) = action.failures_of else {
            return Err((Outcome::Error, "no check to take the failed servers from".into()));
        };
        let check_id = &self.runbook.steps[check].id;
        let Some(latest) = self.records.iter().rev().find(|r| r.step == check) else {
            return Err((Outcome::Skipped, format!("nothing to do: {check_id} has not run")));
        };
        let subject = match &action.kind {
            ActionKind::RestartService { service } => Some(service.as_str()),
            ActionKind::OpenLog
            | ActionKind::SetFlag { .. }
            | ActionKind::UpdateTable { .. }
            | ActionKind::DoubleShards { .. }
            | ActionKind::GrowStorage { .. } => None,
            ActionKind::ShareQueue { .. } => None,
        };
        let failed: Vec<&str> = latest
            .servers
            .iter()
            .filter(|r| r.status == ServerStatus::Fail)
            // A row about another service is not a reason to restart this one.
            .filter(|r| match (subject, r.subject.as_deref()) {
                (Some(want), Some(got)) if self.check_has_service_subjects(check) => want == got,
                _ => true,
            })
            .map(|r| r.server.as_str())
            .collect();
        let targets: Vec<Target> =
            self.ctx.servers.iter().filter(|t| failed.contains(&t.server.as_str())).cloned().collect();
        if targets.is_empty() {
            let why = match latest.outcome {
                Outcome::Pass => format!("nothing to do: {check_id} passed on every server"),
                Outcome::Error => format!(
                    "nothing to do: {check_id} could not be judged, so no server is known to be failing"
                ),
                _ => format!("nothing to do: {check_id} found no failure this action fixes"),
            };
            return Err((Outcome::Skipped, why));
        }
        Ok(targets)
    }

    fn check_has_service_subjects(&self, check: usize) -> bool {
        matches!(&self.runbook.steps[check].kind, StepKind::Check(super::def::Check::Service { .. }))
    }
}

/// A re-check of a live state (service, DNS, TCP, log, SSM ping) gives up after this long.
pub const DEFAULT_WAIT_LIVE: Duration = Duration::from_secs(60);
/// A re-check of a CloudWatch figure (metric, failover) gives up after this long: the figure
/// lags by its one-minute period and the five-minute window thresholds judge.
pub const DEFAULT_WAIT_METRIC: Duration = Duration::from_secs(360);

pub(super) fn refusal_text(plan: &ConfirmRequest) -> String {
    format!("refused (read-only): {} was not run; restart without --read-only to allow changes", plan.summary)
}

fn action_result(
    request: &RemoteRequest,
    result: Result<Vec<Invocation>, String>,
) -> (Outcome, Vec<String>, Vec<super::record::ServerResult>) {
    use super::output::first_line;
    use super::record::ServerResult;
    let invs = match result {
        Err(e) => {
            return (
                Outcome::Error,
                vec![format!("{} could not be sent: {e}", request.action.summary())],
                vec![],
            );
        }
        Ok(invs) => invs,
    };
    let mut rows = Vec::new();
    for t in &request.targets {
        let row = match invs.iter().find(|i| i.server == t.server) {
            None => (ServerStatus::Unknown, "no result".to_string()),
            Some(inv) if inv.status == CommandStatus::Success => {
                // An AWS API call's answer (the parameter's new version…) is the evidence.
                let answer = match first_line(&inv.stdout) {
                    Some(l) if request.action.is_control_plane() => format!(": {l}"),
                    Some(_) | None => String::new(),
                };
                (ServerStatus::Pass, format!("{} ({}){answer}", inv.status.as_str(), inv.command_id))
            }
            Some(inv) => {
                let why = first_line(&inv.stderr).map(|l| format!(": {l}")).unwrap_or_default();
                (ServerStatus::Fail, format!("{} ({}){why}", inv.status.as_str(), inv.command_id))
            }
        };
        rows.push(ServerResult { server: t.server.clone(), subject: None, status: row.0, detail: row.1 });
    }
    let outcome = if rows.iter().all(|r| r.status == ServerStatus::Pass) {
        Outcome::Done
    } else if rows.iter().any(|r| r.status == ServerStatus::Fail) {
        Outcome::Fail
    } else {
        Outcome::Error
    };
    let mut evidence = vec![request.action.summary()];
    evidence.extend(rows.iter().map(ServerResult::line));
    (outcome, evidence, rows)
}

//! The step engine: a pure state machine. It never does I/O; it asks for work with `Request`s
//! and advances on the answers. The console drives it from its event loop (one answer per
//! event), the headless driver from a simple loop; both see the same records.
//!
//! Protocol: `start` returns the first requests; every answer (`on_snapshot`,
//! `on_remote_result`, `confirm`, `mark_done`…) returns the requests that follow. `pending`
//! lists what is still awaited (to redraw a dialog or resume). Answers that do not match what
//! the run waits for are refused with an `EngineError` and change nothing, so a late result
//! after a skip is harmless.

use super::def::{Action, ActionKind, On, Runbook, StepKind};
use super::evaluate::{self, Answer, Evaluation};
use super::record::{Outcome, ServerStatus, StepRecord};
use crate::model::{Address, Snapshot, Thresholds, Timestamp};
use crate::source::{CommandStatus, Invocation, RemoteAction, Target};
use serde::Serialize;
use std::collections::BTreeMap;

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
    /// Tables and streams at warn or crit, per metric key (judged as a metric check would),
    /// so an action that targets "the failing table" picks the one its check failed on.
    pub failing: BTreeMap<&'static str, Vec<String>>,
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
            failing,
        }
    }
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

#[derive(Debug, Clone)]
enum Phase {
    NotStarted,
    Evaluating { step: usize, recheck_of: Option<usize>, wait: Wait },
    Confirming { step: usize, plan: ConfirmRequest },
    Acting { step: usize, request: RemoteRequest },
    OpeningLog { step: usize, servers: Vec<Target> },
    Manual { step: usize },
    Finished,
}

#[derive(Debug, Clone)]
enum Wait {
    Snapshot { fresh: bool },
    Remote { outstanding: BTreeMap<ProbeId, RemoteRequest>, answers: Vec<Answer> },
}

/// One run of a runbook.
#[derive(Debug, Clone)]
pub struct Run {
    runbook: Runbook,
    ctx: RunContext,
    phase: Phase,
    records: Vec<StepRecord>,
    next_probe: u32,
    /// A failed re-check is waiting for its figure (see `Action::recheck_within`).
    retrying: bool,
    /// When the figures of the first re-check were taken, while one is settling.
    settle_since: Option<Timestamp>,
    /// When the figures of the check being finished were taken (snapshot checks).
    figures_at: Option<Timestamp>,
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
            records: Vec::new(),
            next_probe: 0,
            retrying: false,
            settle_since: None,
            figures_at: None,
        }
    }

    pub fn runbook(&self) -> &Runbook {
        &self.runbook
    }

    pub fn context(&self) -> &RunContext {
        &self.ctx
    }

    /// Every result so far, in the order they happened (re-checks included).
    pub fn records(&self) -> &[StepRecord] {
        &self.records
    }

    pub fn is_finished(&self) -> bool {
        matches!(self.phase, Phase::Finished)
    }

    /// The step the run is on, for highlighting.
    pub fn current_step(&self) -> Option<usize> {
        match &self.phase {
            Phase::NotStarted | Phase::Finished => None,
            Phase::Evaluating { step, .. }
            | Phase::Confirming { step, .. }
            | Phase::Acting { step, .. }
            | Phase::OpeningLog { step, .. }
            | Phase::Manual { step } => Some(*step),
        }
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

    /// What the run waits for now (outstanding remote commands, the open dialog…).
    pub fn pending(&self) -> Vec<Request> {
        match &self.phase {
            Phase::NotStarted | Phase::Finished => vec![],
            Phase::Evaluating { step, wait: Wait::Snapshot { fresh }, .. } => {
                vec![Request::Snapshot { step: *step, fresh: *fresh }]
            }
            Phase::Evaluating { wait: Wait::Remote { outstanding, .. }, .. } => {
                outstanding.values().cloned().map(Request::Remote).collect()
            }
            Phase::Confirming { plan, .. } => vec![Request::Confirm(plan.clone())],
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

    pub fn on_snapshot(&mut self, snap: &Snapshot, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let Phase::Evaluating { step, recheck_of, wait: Wait::Snapshot { .. } } = self.phase else {
            return Err(self.unexpected("a snapshot"));
        };
        let StepKind::Check(check) = &self.runbook.steps[step].kind else {
            return Err(self.unexpected("a snapshot"));
        };
        let eval = evaluate::from_snapshot(check, &self.ctx.servers, &self.ctx.thresholds, snap);
        self.ctx.world = World::from_snapshot(snap, &self.ctx.thresholds);
        // A figure settles on the figures' own clock (simulated time in a demo).
        self.figures_at = Some(snap.taken_at);
        Ok(self.finish_check(step, recheck_of, eval, now))
    }

    /// The snapshot could not be collected: the check is recorded as an error.
    pub fn on_snapshot_error(&mut self, message: &str, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let Phase::Evaluating { step, recheck_of, wait: Wait::Snapshot { .. } } = self.phase else {
            return Err(self.unexpected("a snapshot error"));
        };
        let eval = Evaluation {
            outcome: Outcome::Error,
            servers: vec![],
            evidence: vec![format!("no snapshot: {message}")],
        };
        Ok(self.finish_check(step, recheck_of, eval, now))
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
        match &mut self.phase {
            Phase::Evaluating { step, recheck_of, wait: Wait::Remote { outstanding, answers } } => {
                let Some(req) = outstanding.remove(&probe) else {
                    return Err(self.unexpected(&format!("result of probe {}", probe.0)));
                };
                answers.push(Answer { action: req.action, targets: req.targets, result });
                if !outstanding.is_empty() {
                    return Ok(vec![]);
                }
                let (step, recheck_of, answers) = (*step, *recheck_of, std::mem::take(answers));
                let StepKind::Check(check) = &self.runbook.steps[step].kind else {
                    return Err(self.unexpected("a check result"));
                };
                let eval = evaluate::from_remote(check, &answers, &self.ctx.peer_hosts);
                Ok(self.finish_check(step, recheck_of, eval, now))
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

    /// The engineer chose not to run the action.
    pub fn decline(&mut self, step: usize, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let summary = match &self.phase {
            Phase::Confirming { step: s, plan } if *s == step => plan.summary.clone(),
            _ => return Err(self.unexpected(&format!("declining step {step}"))),
        };
        self.record(step, Outcome::Declined, vec![format!("not run: {summary}")], vec![], None, now);
        Ok(self.enter(step + 1, now))
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

    /// Skips the current step, whatever it waits for; results still in flight for it are then
    /// refused when they arrive. A reason is required: it goes into the record.
    pub fn skip(&mut self, step: usize, reason: &str, now: Timestamp) -> Result<Vec<Request>, EngineError> {
        let reason = reason.trim();
        if reason.is_empty() {
            return Err(EngineError::EmptyReason);
        }
        if self.current_step() != Some(step) {
            return Err(self.unexpected(&format!("skipping step {step}")));
        }
        let recheck_of = match &self.phase {
            Phase::Evaluating { recheck_of, .. } => *recheck_of,
            _ => None,
        };
        self.retrying = false;
        self.settle_since = None;
        self.record(step, Outcome::Skipped, vec![format!("skipped: {reason}")], vec![], recheck_of, now);
        Ok(self.enter(recheck_of.unwrap_or(step) + 1, now))
    }

    // --- internals ---

    fn unexpected(&self, got: &str) -> EngineError {
        let waiting = match &self.phase {
            Phase::NotStarted => "start".to_string(),
            Phase::Finished => "nothing (finished)".to_string(),
            Phase::Evaluating { step, wait: Wait::Snapshot { .. }, .. } => {
                format!("a snapshot for step {step}")
            }
            Phase::Evaluating { step, wait: Wait::Remote { outstanding, .. }, .. } => {
                let ids: Vec<String> = outstanding.keys().map(|p| p.0.to_string()).collect();
                format!("probes {} of step {step}", ids.join(", "))
            }
            Phase::Confirming { step, .. } => format!("a confirmation of step {step}"),
            Phase::Acting { step, request } => {
                format!("the result of probe {} (step {step})", request.probe.0)
            }
            Phase::OpeningLog { step, .. } => format!("the log to open (step {step})"),
            Phase::Manual { step } => format!("manual step {step} to be done or skipped"),
        };
        EngineError::Unexpected { got: got.to_string(), waiting }
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

    fn finish_check(
        &mut self,
        step: usize,
        recheck_of: Option<usize>,
        eval: Evaluation,
        now: Timestamp,
    ) -> Vec<Request> {
        if let Some(action) = recheck_of
            && eval.outcome != Outcome::Pass
            && self.still_settling(action, now)
        {
            // The fix needs time to show in the figure: look again, on fresh figures, until
            // it passes or the action's `recheck_within` runs out.
            self.retrying = true;
            return self.begin_check(step, recheck_of, true, now);
        }
        self.retrying = false;
        self.settle_since = None;
        self.figures_at = None;
        let mut evidence = eval.evidence;
        if let Some(within) = recheck_of.and_then(|a| self.recheck_within(a))
            && eval.outcome != Outcome::Pass
        {
            evidence.push(format!("still failing {} after the action", crate::model::fmt_duration(within)));
        }
        self.record(step, eval.outcome, evidence, eval.servers, recheck_of, now);
        // A re-check resumes after the action that asked for it.
        self.enter(recheck_of.unwrap_or(step) + 1, now)
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
        self.record(step, outcome, evidence, servers, None, now);
        let verifies = match &self.runbook.steps[step].kind {
            StepKind::Action(a) => a.verifies,
            StepKind::Check(_) | StepKind::Manual { .. } => None,
        };
        match verifies {
            // Re-check even after a failure: the engineer needs to see the state it left.
            Some(check) if ran => self.begin_check(check, Some(step), true, now),
            _ => self.enter(step + 1, now),
        }
    }

    /// Moves to step `index` (or past the end), running through steps that need nobody.
    fn enter(&mut self, index: usize, now: Timestamp) -> Vec<Request> {
        let Some(step) = self.runbook.steps.get(index) else {
            self.phase = Phase::Finished;
            return vec![];
        };
        match step.kind.clone() {
            StepKind::Check(_) => self.begin_check(index, None, false, now),
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

    fn begin_check(
        &mut self,
        index: usize,
        recheck_of: Option<usize>,
        fresh: bool,
        now: Timestamp,
    ) -> Vec<Request> {
        let StepKind::Check(check) = &self.runbook.steps[index].kind else {
            return self.enter(index + 1, now);
        };
        if evaluate::needs_snapshot(check) {
            self.phase = Phase::Evaluating { step: index, recheck_of, wait: Wait::Snapshot { fresh } };
            return vec![Request::Snapshot { step: index, fresh }];
        }
        match evaluate::remote_plan(check, &self.ctx.servers, &self.runbook.params, &self.ctx.peer_hosts) {
            Err(why) => {
                let eval = Evaluation { outcome: Outcome::Error, servers: vec![], evidence: vec![why] };
                self.finish_check(index, recheck_of, eval, now)
            }
            Ok(plan) => {
                let mut outstanding = BTreeMap::new();
                for (action, targets) in plan {
                    let probe = self.new_probe();
                    let mutating = action.is_mutating();
                    outstanding
                        .insert(probe, RemoteRequest { probe, step: index, action, targets, mutating });
                }
                let requests = outstanding.values().cloned().map(Request::Remote).collect();
                self.phase = Phase::Evaluating {
                    step: index,
                    recheck_of,
                    wait: Wait::Remote { outstanding, answers: vec![] },
                };
                requests
            }
        }
    }

    /// What an action will do and where; or why it will not be offered at all.
    fn plan_action(&self, index: usize, action: &Action) -> Result<ConfirmRequest, (Outcome, String)> {
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
            | ActionKind::DoubleShards { .. } => None,
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

    fn recheck_within(&self, action: usize) -> Option<std::time::Duration> {
        match &self.runbook.steps[action].kind {
            StepKind::Action(a) => a.recheck_within,
            StepKind::Check(_) | StepKind::Manual { .. } => None,
        }
    }

    /// Whether the re-check after `action` may still wait for its figure to clear: measured
    /// from the first re-check's figures to these, on the figures' clock when the check reads
    /// a snapshot (a demo's simulated minutes), else on the run's.
    fn still_settling(&mut self, action: usize, now: Timestamp) -> bool {
        let Some(within) = self.recheck_within(action) else { return false };
        let at = self.figures_at.take().unwrap_or(now);
        let since = *self.settle_since.get_or_insert(at);
        let settling = at.0.saturating_sub(since.0) < u64::try_from(within.as_millis()).unwrap_or(u64::MAX);
        if !settling {
            self.settle_since = None;
        }
        settling
    }

    /// A re-check that failed and is being looked at again: drivers pace these (the next
    /// scheduled collection, not an immediate one).
    pub fn is_retrying(&self) -> bool {
        self.retrying
    }

    fn check_has_service_subjects(&self, check: usize) -> bool {
        matches!(&self.runbook.steps[check].kind, StepKind::Check(super::def::Check::Service { .. }))
    }
}

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

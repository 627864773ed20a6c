//! A runbook run inside the console. The same engine as `switchboard runbook run` (`Run`),
//! driven from `update`: its requests are answered from the latest snapshot, by remote
//! commands the runtime sends (all the engine asks for at once: it judges independent checks
//! together and bounds the commands per server), by the confirmation dialog, or by the
//! engineer (manual steps, a declined action's Retry / Skip). Nothing here waits: every answer
//! arrives as a `Msg`.

use crate::app::dialog::{Button, Dialog, Purpose};
use crate::app::jobs::{JobId, JobOrigin, LiveJob, RemoteJob};
use crate::app::msg::Effect;
use crate::app::state::{Message, Popup, State};
use crate::audit::{AuditAction, AuditStatus, Entry};
use crate::model::Timestamp;
use crate::runbook::{ConfirmRequest, EngineError, RemoteRequest, Request, Run, RunContext};
use crate::source::{Invocation, Target};
use std::collections::{BTreeSet, VecDeque};

/// Waiting for telemetry collected after an action, for its re-check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fresh {
    /// The next snapshot that arrives will do.
    Next,
    /// A collection was already under way when the re-check was asked for: its answer may
    /// predate the action, so the one after it counts.
    AfterInFlight,
    /// Several feeds (the AWS parts), composed into one snapshot: the first to answer says
    /// nothing about the others (a ping answer carries the service states from before the
    /// restart). The answers each feed still owes, by index: 1 for its next, 2 when one was
    /// under way at the request (that one may predate the action; the one after counts),
    /// 0 once paid. The re-check takes the composed snapshot when every feed has paid.
    Sources(Vec<u8>),
}

#[derive(Debug, Clone)]
pub struct Guide {
    pub run: Run,
    /// The run's commands under way (the engine decides how many run at once).
    pub in_flight: BTreeSet<JobId>,
    pub fresh: Option<Fresh>,
    /// Lines scrolled back from where the runbook view follows the run (0: following).
    pub scroll_back: usize,
    pub started: Timestamp,
}

impl Guide {
    pub fn is_busy(&self) -> bool {
        !self.in_flight.is_empty() || self.fresh.is_some()
    }
}

/// `R`: back to the run on screen while it is not finished, else the picker.
pub fn open(state: &mut State) {
    if state.guide.as_ref().is_some_and(|g| !g.run.is_finished()) {
        show_run(state);
        return;
    }
    // The same ranking as `runbook list`, with the same words for why each one fits.
    state.picker = crate::runbook::rank(&state.alerts, &state.library)
        .into_iter()
        .filter_map(|r| {
            let why = r.fits.iter().map(|f| f.describe()).collect();
            state.library.iter().position(|l| l.id == r.runbook.id).map(|i| (i, why))
        })
        .collect();
    if state.picker.is_empty() {
        state.message = Some(Message { text: "no runbooks are loaded".into(), error: true });
        return;
    }
    state.popups.retain(|p| !matches!(p, Popup::Picker { .. } | Popup::Runbook));
    state.popups.push(Popup::Picker { selected: 0 });
}

fn show_run(state: &mut State) {
    state.popups.retain(|p| !matches!(p, Popup::Picker { .. } | Popup::Runbook));
    state.popups.push(Popup::Runbook);
}

/// The servers a run acts on: the configured targets, else those the snapshot names; peers
/// are reached at the addresses the snapshot has (config, SSM, simulator).
pub fn run_context(state: &State) -> RunContext {
    let mut ctx = RunContext::from_snapshot(&state.snapshot, state.read_only, state.thresholds.clone());
    if !state.targets.is_empty() {
        ctx.servers = state.targets.iter().map(|t| t.target.clone()).collect();
    }
    ctx
}

/// Starts the runbook at `library_index`, replacing a finished run.
pub fn start(state: &mut State, library_index: usize, fx: &mut Vec<Effect>) {
    if state.guide.as_ref().is_some_and(|g| !g.run.is_finished()) {
        state.message =
            Some(Message { text: "a runbook is still running: finish it first".into(), error: true });
        return;
    }
    let Some(rb) = state.library.get(library_index) else { return };
    let mut run = Run::new(rb, run_context(state));
    let first = run.start(state.now);
    state.guide =
        Some(Guide { run, in_flight: BTreeSet::new(), fresh: None, scroll_back: 0, started: state.now });
    show_run(state);
    settle(state, first, fx);
}

/// Applies an engine answer: its requests go on, a refusal shows as an error.
fn settle(state: &mut State, answer: Result<Vec<Request>, EngineError>, fx: &mut Vec<Effect>) {
    match answer {
        Ok(requests) => drive(state, requests, fx),
        Err(e) => state.message = Some(Message { text: format!("runbook: {e}"), error: true }),
    }
}

/// Answers what can be answered now and hands the rest to whoever answers it.
fn drive(state: &mut State, requests: Vec<Request>, fx: &mut Vec<Effect>) {
    let mut todo: VecDeque<Request> = requests.into();
    while let Some(req) = todo.pop_front() {
        let now = state.now;
        let have_data = state.feed.last_ok.is_some();
        let in_flight = state.feed.in_flight;
        let sources = state.sources.len();
        let collecting = state.feed.collecting.clone();
        let Some(guide) = state.guide.as_mut() else { return };
        let answer = match req {
            Request::Snapshot { fresh: false, .. } if have_data => {
                guide.run.on_snapshot(&state.snapshot, now)
            }
            Request::Snapshot { .. } if sources > 1 => {
                let owed = (0..sources).map(|i| if collecting.contains(&i) { 2 } else { 1 }).collect();
                guide.fresh = Some(Fresh::Sources(owed));
                // Wakes the idle feeds; one that is collecting drops it (and owes two).
                fx.push(Effect::RefreshNow);
                continue;
            }
            Request::Snapshot { .. } => {
                guide.fresh = Some(if in_flight { Fresh::AfterInFlight } else { Fresh::Next });
                // A re-check that already looked and still waits for its figure takes the next
                // scheduled refresh, not one at once after another.
                let rechecking = guide.run.waiting().is_some_and(|w| w.attempts > 0);
                if !in_flight && !rechecking {
                    fx.push(Effect::RefreshNow);
                }
                continue;
            }
            Request::Remote(r) => {
                send(state, r, fx);
                continue;
            }
            Request::Retry { step } => {
                let title = guide.run.runbook().steps.get(step).map_or(String::new(), |s| s.title.clone());
                if state.dialog().is_none() {
                    state.popups.push(Popup::Confirm(Dialog::declined(step, title)));
                }
                continue;
            }
            // One dialog at a time: while another is open (a Ctrl-r restart), the run's waits
            // in `pending()` and is offered once that one closes.
            Request::Confirm(plan) => {
                if state.dialog().is_none() {
                    open_confirm(state, &plan, fx);
                }
                continue;
            }
            Request::Manual { step, text } => {
                let title = guide.run.runbook().steps.get(step).map_or(String::new(), |s| s.title.clone());
                let text = guide
                    .run
                    .runbook()
                    .steps
                    .get(step)
                    .and_then(|s| crate::runbook::advice::text_for(s, Some(&state.snapshot)))
                    .unwrap_or(text);
                if state.dialog().is_none() {
                    state.popups.push(Popup::Confirm(Dialog::manual(step, title, text)));
                }
                continue;
            }
            Request::OpenLog { step, servers } => match crate::app::update::open_log(state, &servers, fx) {
                Ok(()) => guide_run(state).map(|r| r.log_opened(step, now)),
                Err(why) => guide_run(state).map(|r| r.skip(step, &why, now)),
            }
            .unwrap_or(Ok(vec![])),
        };
        match answer {
            Ok(next) => todo.extend(next),
            Err(e) => state.message = Some(Message { text: format!("runbook: {e}"), error: true }),
        }
    }
}

fn guide_run(state: &mut State) -> Option<&mut Run> {
    state.guide.as_mut().map(|g| &mut g.run)
}

/// Hands one of the run's commands to the runtime.
fn send(state: &mut State, req: RemoteRequest, fx: &mut Vec<Effect>) {
    let Some(guide) = state.guide.as_ref() else { return };
    let rb = guide.run.runbook();
    let step_id = rb.steps.get(req.step).map_or(String::new(), |s| s.id.clone());
    let runbook = Some((rb.id.clone(), step_id));
    let id = state.new_job_id();
    if let Some(g) = state.guide.as_mut() {
        g.in_flight.insert(id);
    }
    let job = RemoteJob { id, action: req.action, targets: req.targets, runbook };
    state.jobs.insert(id, LiveJob::new(job.clone(), JobOrigin::Runbook { probe: req.probe }, state.now));
    fx.push(Effect::Remote(job));
}

/// The evidence lines of the run's failed checks that name one of `targets` (`nt-a: …`), or
/// every failed line when the action has no server targets (an AWS resource).
fn failed_evidence(records: &[crate::runbook::StepRecord], targets: &[crate::source::Target]) -> Vec<String> {
    use crate::runbook::Outcome;
    let names: Vec<String> = targets.iter().map(|t| format!("{}:", t.server)).collect();
    records
        .iter()
        .filter(|r| r.outcome == Outcome::Fail && r.kind == "check")
        .flat_map(|r| r.evidence.iter())
        .filter(|l| names.is_empty() || names.iter().any(|n| l.trim_start().starts_with(n.as_str())))
        .cloned()
        .collect()
}

/// Shows the engine's confirmation. A refusal (read-only) is recorded in the audit log as
/// soon as it is shown: the attempt was made and refused.
fn open_confirm(state: &mut State, plan: &ConfirmRequest, fx: &mut Vec<Effect>) {
    let Some(guide) = state.guide.as_ref() else { return };
    let rb = guide.run.runbook();
    let title = rb.steps.get(plan.step).map_or(String::new(), |s| s.title.clone());
    let mut dialog = Dialog::confirm(
        Purpose::Step { step: plan.step },
        title,
        plan.remote.clone(),
        plan.targets.clone(),
        plan.summary.clone(),
        plan.mutating,
    );
    dialog.set_impact(crate::runbook::impact::of(dialog.action.as_ref(), &dialog.targets, &state.snapshot));
    dialog.why = failed_evidence(guide.run.records(), &dialog.targets);
    dialog.refusal = plan.refusal.clone();
    if plan.refusal.is_some() {
        fx.push(Effect::Audit(
            step_entry(state, plan.step, &dialog, AuditStatus::Refused).message("read-only mode"),
        ));
        state.message = Some(Message { text: format!("read-only: {} refused", plan.summary), error: true });
    }
    state.popups.push(Popup::Confirm(dialog));
}

/// An audit entry about the dialog's action, filed under the run's step.
pub fn step_entry(state: &State, step: usize, dialog: &Dialog, status: AuditStatus) -> Entry {
    let action = match &dialog.action {
        Some(a) => AuditAction::remote(a),
        None => AuditAction { kind: "open_log".into(), summary: dialog.summary.clone() },
    };
    let entry = Entry::new(action, &dialog.targets, status);
    match state.guide.as_ref() {
        Some(g) => {
            let rb = g.run.runbook();
            entry.in_runbook(&rb.id, rb.steps.get(step).map_or("", |s| s.id.as_str()))
        }
        None => entry,
    }
}

/// The engineer answered a runbook dialog (confirmation or manual prompt).
pub fn answer_dialog(state: &mut State, dialog: Dialog, button: Button, fx: &mut Vec<Effect>) {
    let now = state.now;
    // The engineer's answer goes on the incident's timeline before what it leads to.
    let decided = |state: &State, step: usize, phase, fx: &mut Vec<Effect>| {
        let asked = state.guide.as_ref().map(|g| {
            let rb = g.run.runbook();
            (rb.id.clone(), rb.steps.get(step).map_or(String::new(), |s| s.id.clone()))
        });
        crate::app::incident::on_decision(state, &dialog, asked, phase, fx);
    };
    use crate::app::incident::CommandPhase as Decision;
    let answer = match (dialog.purpose.clone(), button) {
        (Purpose::Step { step }, _) if dialog.refusal.is_some() => {
            // A refused action stays refused however the dialog is closed; the engine records it.
            decided(state, step, Decision::Refused, fx);
            guide_run(state).map(|r| r.confirm(step, now))
        }
        (Purpose::Step { step }, Button::Run) => {
            decided(state, step, Decision::Confirmed, fx);
            guide_run(state).map(|r| r.confirm(step, now))
        }
        (Purpose::Step { step }, _) => {
            fx.push(Effect::Audit(step_entry(state, step, &dialog, AuditStatus::Declined)));
            decided(state, step, Decision::Declined, fx);
            guide_run(state).map(|r| r.decline(step, now))
        }
        (Purpose::Manual { step }, Button::Done) => guide_run(state).map(|r| r.mark_done(step, now)),
        (Purpose::Manual { step }, Button::Skip) => {
            guide_run(state).map(|r| r.skip(step, "skipped by the engineer in the console", now))
        }
        (Purpose::Declined { step }, Button::Retry) => guide_run(state).map(|r| r.retry(step, now)),
        (Purpose::Declined { step }, Button::Skip) => guide_run(state)
            .map(|r| r.skip(step, "declined in the confirmation, then skipped by the engineer", now)),
        // "Not yet" (or Esc): the run stays on the step; Enter in the runbook view asks again.
        (Purpose::Manual { .. } | Purpose::Declined { .. }, _) | (Purpose::Restart | Purpose::Flag, _) => {
            None
        }
    };
    if let Some(answer) = answer {
        settle(state, answer, fx);
    }
}

/// Opens the dialog the run waits for, when no other dialog is open: after a Ctrl-r dialog
/// closed, or on `Enter` in the runbook view (`manual` too: a manual prompt put off with
/// "Not yet" comes back only when asked for).
pub fn offer_prompt(state: &mut State, manual: bool, fx: &mut Vec<Effect>) {
    let Some(guide) = state.guide.as_ref() else { return };
    if state.dialog().is_some() {
        return;
    }
    for req in guide.run.pending() {
        match req {
            Request::Confirm(plan) => return open_confirm(state, &plan, fx),
            Request::Manual { step, text } if manual => {
                let title = guide.run.runbook().steps.get(step).map_or(String::new(), |s| s.title.clone());
                let text = guide
                    .run
                    .runbook()
                    .steps
                    .get(step)
                    .and_then(|s| crate::runbook::advice::text_for(s, Some(&state.snapshot)))
                    .unwrap_or(text);
                state.popups.push(Popup::Confirm(Dialog::manual(step, title, text)));
                return;
            }
            Request::Retry { step } if manual => {
                let title = guide.run.runbook().steps.get(step).map_or(String::new(), |s| s.title.clone());
                state.popups.push(Popup::Confirm(Dialog::declined(step, title)));
                return;
            }
            // Not a prompt (or a manual one put off with "Not yet"): nothing to offer.
            Request::Manual { .. }
            | Request::Retry { .. }
            | Request::Snapshot { .. }
            | Request::Remote(_)
            | Request::OpenLog { .. } => {}
        }
    }
}

/// One of several feeds answered (before its answer is composed): a re-check waiting for
/// fresh data counts it, and asks for one more collection when this answer was the one under
/// way at its request.
pub fn on_source_answered(state: &mut State, index: usize, fx: &mut Vec<Effect>) {
    let Some(Fresh::Sources(owed)) = state.guide.as_mut().and_then(|g| g.fresh.as_mut()) else { return };
    if let Some(n) = owed.get_mut(index) {
        if *n == 2 {
            fx.push(Effect::RefreshNow);
        }
        *n = n.saturating_sub(1);
    }
}

/// A snapshot arrived (or failed): an open confirmation's impact follows the new figures, and
/// a re-check waiting for fresh data gets them.
pub fn on_telemetry(state: &mut State, error: Option<String>, fx: &mut Vec<Effect>) {
    let now = state.now;
    if error.is_none() {
        let snap = &state.snapshot;
        if let Some(Popup::Confirm(d)) = state.popups.last_mut()
            && d.impact.is_some()
        {
            let impact = crate::runbook::impact::of(d.action.as_ref(), &d.targets, snap);
            d.set_impact(impact);
        }
    }
    let Some(guide) = state.guide.as_mut() else { return };
    let fresh = match &guide.fresh {
        Some(Fresh::Sources(owed)) if owed.iter().all(|n| *n == 0) => true,
        Some(Fresh::Sources(_)) | None => false,
        Some(Fresh::AfterInFlight) => {
            guide.fresh = Some(Fresh::Next);
            fx.push(Effect::RefreshNow);
            false
        }
        Some(Fresh::Next) => true,
    };
    if !fresh {
        return;
    }
    guide.fresh = None;
    let answer = match &error {
        None => guide.run.on_snapshot(&state.snapshot, now),
        Some(e) => guide.run.on_snapshot_error(e, now),
    };
    settle(state, answer, fx);
}

/// A runbook command ended: the engine judges it and the run goes on.
pub fn on_remote_ended(
    state: &mut State,
    id: JobId,
    result: Result<Vec<Invocation>, String>,
    fx: &mut Vec<Effect>,
) {
    let now = state.now;
    let Some(guide) = state.guide.as_mut() else { return };
    if !guide.in_flight.remove(&id) {
        // From a run that was replaced: nothing waits for it any more.
        return;
    }
    let Some(JobOrigin::Runbook { probe }) = state.jobs.get(&id).map(|j| j.origin) else { return };
    let Some(guide) = state.guide.as_mut() else { return };
    let answer = match result {
        Ok(invs) => guide.run.on_remote_result(probe, invs, now),
        Err(e) => guide.run.on_remote_error(probe, &e, now),
    };
    settle(state, answer, fx);
}

/// Read-only switched on mid-run: the engine refuses from now on, and an open confirmation
/// of a mutating action turns into a refusal (recorded as such).
pub fn on_read_only(state: &mut State, fx: &mut Vec<Effect>) {
    if let Some(g) = state.guide.as_mut() {
        g.run.set_read_only();
    }
    let Some(dialog) = state.dialog() else { return };
    if !dialog.mutating || dialog.refusal.is_some() {
        return;
    }
    let refusal = format!("refused (read-only): {} was not run", dialog.summary);
    let entry = match dialog.purpose {
        Purpose::Step { step } => step_entry(state, step, dialog, AuditStatus::Refused),
        _ => Entry::new(
            dialog.action.as_ref().map_or_else(
                || AuditAction { kind: "unknown".into(), summary: dialog.summary.clone() },
                AuditAction::remote,
            ),
            &dialog.targets,
            AuditStatus::Refused,
        ),
    };
    fx.push(Effect::Audit(entry.message("read-only mode")));
    if let Some(d) = state.dialog_mut() {
        d.refusal = Some(refusal);
        d.choice = 0;
    }
}

/// `nt-a (i-0a1…), nt-b (…)`.
pub fn target_list(targets: &[Target]) -> String {
    targets.iter().map(|t| format!("{} ({})", t.server, t.instance_id)).collect::<Vec<_>>().join(", ")
}

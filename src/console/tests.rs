//! The console's guided troubleshooting end to end, without a terminal: keys through
//! `update` with the shipped keymap, effects carried out by the real `Executor` against the
//! simulator (through a `Remote` that counts what it is asked to send), audit records in a
//! real file. Then every key in read-only mode, proving nothing mutating is ever sent.

mod incident_desk;

use crate::app::jobs::{RemoteJob, ServerTarget};
use crate::app::{Button, Effect, JobId, Msg, Popup, State, update};
use crate::audit::{self, AuditLog, Session};
use crate::console::exec::{ExecOptions, Executor};
use crate::keymap::{Action, Keymap};
use crate::keymap::{Key, KeyCode, KeyModifiers};
use crate::model::{ServiceStatus, Thresholds, Timestamp};
use crate::runbook::{self, Outcome};
use crate::source::sim::{Scenario, SimHandle, SimParams, SimRemote, SimSource, Simulator};
use crate::source::{CommandId, Invocation, Remote, RemoteAction, RemoteError, Target};
use futures::future::BoxFuture;
use std::collections::VecDeque;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::mpsc;

/// A `Remote` that records every send before passing it on.
struct Counting {
    inner: SimRemote,
    sent: Mutex<Vec<RemoteAction>>,
}

impl Counting {
    fn mutating_sends(&self) -> usize {
        self.sent.lock().map(|s| s.iter().filter(|a| a.is_mutating()).count()).unwrap_or(usize::MAX)
    }
}

impl Remote for Counting {
    fn describe(&self) -> String {
        "counting".into()
    }
    fn send<'a>(
        &'a self,
        action: &'a RemoteAction,
        targets: &'a [Target],
    ) -> BoxFuture<'a, Result<CommandId, RemoteError>> {
        if let Ok(mut s) = self.sent.lock() {
            s.push(action.clone());
        }
        self.inner.send(action, targets)
    }
    fn poll<'a>(
        &'a self,
        id: &'a CommandId,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Invocation, RemoteError>> {
        self.inner.poll(id, target)
    }
    fn cancel<'a>(&'a self, id: &'a CommandId) -> BoxFuture<'a, Result<(), RemoteError>> {
        self.inner.cancel(id)
    }
}

struct Harness {
    state: State,
    keymap: Keymap,
    source: SimSource,
    remote: Arc<Counting>,
    exec: Executor,
    rx: mpsc::Receiver<Msg>,
    audit_path: PathBuf,
    _dir: tempfile::TempDir,
}

fn key(c: KeyCode, mods: KeyModifiers) -> Msg {
    Msg::Key(Key::new(c, mods))
}

impl Harness {
    /// The chat-bridge-down demo at 300 s, simulated 20x faster than real time.
    fn new(read_only: bool) -> Harness {
        Harness::scenario(Scenario::ChatBridgeDown, read_only)
    }

    /// `scenario` at 300 s, simulated 20x faster than real time.
    fn scenario(scenario: Scenario, read_only: bool) -> Harness {
        let mut sim = Simulator::new(SimParams::with_scenario(scenario, 7));
        sim.advance_to(Duration::from_secs(300));
        let services: Vec<String> = ["NexTalk Server", "NexTalk App API", "NexTalk Chat Bridge"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let targets: Vec<ServerTarget> = sim
            .targets()
            .into_iter()
            .map(|target| ServerTarget { target, services: services.clone() })
            .collect();
        let handle = SimHandle::realtime(sim.shared(), 20.0);
        let source = SimSource::new(handle.clone());
        let remote = Arc::new(Counting { inner: SimRemote::new(handle), sent: Mutex::new(Vec::new()) });
        let dir = tempfile::tempdir().unwrap();
        let audit_path = dir.path().join("audit.jsonl");
        let label = format!("demo:{}", scenario.name());
        let log = AuditLog::open(&audit_path, Session::new(label.clone(), None)).unwrap();
        let (tx, rx) = mpsc::channel(256);
        let opts = ExecOptions { poll_interval: Duration::from_millis(20), ..ExecOptions::default() };
        let exec = Executor::new(remote.clone(), Some(log), tx, opts);
        let mut state = State::new(Thresholds::default(), 30);
        state.size = (80, 24);
        state.source_label = label;
        state.simulated = true;
        state.read_only = read_only;
        state.library = runbook::shipped().unwrap();
        state.targets = targets;
        state.audit_path = Ok(audit_path.display().to_string());
        let keymap = Keymap::load("default", None).unwrap();
        let mut h = Harness { state, keymap, source, remote, exec, rx, audit_path, _dir: dir };
        h.telemetry();
        h
    }

    fn telemetry(&mut self) {
        let snap = self.source.collect_now().unwrap();
        let fx = update(
            &mut self.state,
            Msg::Telemetry { result: Ok(Box::new(snap)), at: Timestamp::now() },
            &self.keymap,
        );
        self.carry_out(fx);
    }

    /// Does what the runtime would do with the effects.
    fn carry_out(&mut self, fx: Vec<Effect>) {
        let mut todo: VecDeque<Effect> = fx.into();
        while let Some(e) = todo.pop_front() {
            match e {
                Effect::RefreshNow => {
                    let snap = self.source.collect_now().unwrap();
                    let msg = Msg::Telemetry { result: Ok(Box::new(snap)), at: Timestamp::now() };
                    todo.extend(update(&mut self.state, msg, &self.keymap));
                }
                Effect::Remote(job) => {
                    self.exec.run(job, self.state.read_only);
                }
                Effect::Audit(entry) => {
                    self.exec.audit(entry);
                }
                Effect::Quit
                | Effect::SetTheme(_)
                | Effect::SetMouse(_)
                | Effect::OpenLog { .. }
                | Effect::CloseLog(_)
                | Effect::SaveLog { .. }
                // Incidents have their own tests (console/tests/incident_desk.rs), the replay
                // its own (app/replay.rs, console/runtime.rs).
                | Effect::Incident(_)
                | Effect::Replay(_) => {}
            }
        }
    }

    fn send(&mut self, msg: Msg) -> Vec<Effect> {
        let fx = update(&mut self.state, msg, &self.keymap);
        self.carry_out(fx.clone());
        fx
    }

    fn press(&mut self, c: char) -> Vec<Effect> {
        self.send(key(KeyCode::Char(c), KeyModifiers::NONE))
    }

    fn code(&mut self, c: KeyCode) -> Vec<Effect> {
        self.send(key(c, KeyModifiers::NONE))
    }

    /// Feeds the runtime's messages (and a snapshot every 100 ms) until `done` holds.
    async fn until(&mut self, what: &str, done: impl Fn(&State) -> bool) {
        let start = Instant::now();
        let mut last_telemetry = Instant::now();
        while !done(&self.state) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "timed out waiting for {what}: {:?}",
                self.state.message
            );
            if let Ok(Some(msg)) = tokio::time::timeout(Duration::from_millis(50), self.rx.recv()).await {
                let fx = update(&mut self.state, msg, &self.keymap);
                self.carry_out(fx);
            }
            if last_telemetry.elapsed() > Duration::from_millis(100) {
                self.telemetry();
                last_telemetry = Instant::now();
            }
        }
    }

    /// Lets in-flight audit writes land.
    async fn drain(&mut self) {
        while let Ok(Some(msg)) = tokio::time::timeout(Duration::from_millis(200), self.rx.recv()).await {
            let fx = update(&mut self.state, msg, &self.keymap);
            self.carry_out(fx);
        }
    }

    fn statuses(&self) -> Vec<(String, Option<String>)> {
        read_statuses(&self.audit_path)
    }
}

fn read_statuses(path: &Path) -> Vec<(String, Option<String>)> {
    audit::read(path, None).unwrap().records.into_iter().map(|r| (r.status, r.step)).collect()
}

fn bridge_on_nt_a(state: &State) -> Option<ServiceStatus> {
    let srv = state.snapshot.nextalk.servers.iter().find(|s| s.name == "nt-a")?;
    srv.services.iter().find(|s| s.name == "NexTalk Chat Bridge").map(|s| s.status)
}

fn confirm_open(state: &State) -> bool {
    matches!(state.popups.last(), Some(Popup::Confirm(_)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_connectivity_runbook_restarts_the_chat_bridge_and_the_recheck_passes() {
    let mut h = Harness::new(false);
    assert_eq!(bridge_on_nt_a(&h.state), Some(ServiceStatus::Stopped));
    h.press('R');
    let first = h
        .state
        .picker
        .first()
        .and_then(|(i, fits)| Some((h.state.library.get(*i)?.id.clone(), !fits.is_empty())));
    assert_eq!(first, Some(("nextalk-connectivity".to_string(), true)), "the fitting runbook comes first");
    h.code(KeyCode::Enter);
    h.until("the restart confirmation", confirm_open).await;
    let dialog = h.state.dialog().cloned().unwrap();
    assert_eq!(dialog.selected(), Button::Cancel, "the dialog opens on Cancel");
    assert_eq!(dialog.targets.iter().map(|t| t.server.as_str()).collect::<Vec<_>>(), ["nt-a"]);
    assert_eq!(h.remote.mutating_sends(), 0, "nothing mutating before the confirmation");
    h.code(KeyCode::Tab);
    assert_eq!(h.state.dialog().map(|d| d.selected()), Some(Button::Run));
    h.code(KeyCode::Enter);
    h.until("the manual step after the re-check", confirm_open).await;
    assert_eq!(h.remote.mutating_sends(), 1);
    let guide = h.state.guide.as_ref().unwrap();
    let recheck = guide.run.records().iter().rev().find(|r| r.step_id == "chat-bridge-running").unwrap();
    assert_eq!(recheck.outcome, Outcome::Pass, "{recheck:?}");
    assert_eq!(recheck.recheck_of.as_deref(), Some("restart-chat-bridge"));
    // The network checks passed by reading what the scripts print on PowerShell 5.1.
    let tcp = guide.run.records().iter().find(|r| r.step_id == "peer-tcp").unwrap();
    assert_eq!(tcp.outcome, Outcome::Pass, "{tcp:?}");
    assert_eq!(
        tcp.evidence,
        [
            "nt-a: nt-b at nt-b.nextalk.internal:443 reachable (the simulator's internal name)",
            "nt-b: nt-a at nt-a.nextalk.internal:443 reachable (the simulator's internal name)"
        ]
    );
    assert_eq!(bridge_on_nt_a(&h.state), Some(ServiceStatus::Running));
    // Done on the manual step finishes the run healthy.
    h.code(KeyCode::Tab);
    h.code(KeyCode::Tab);
    h.code(KeyCode::Enter);
    let guide = h.state.guide.as_ref().unwrap();
    assert!(guide.run.is_finished() && guide.run.verdict().healthy, "{:?}", guide.run.verdict());
    h.drain().await;
    let restart: Vec<String> = h
        .statuses()
        .into_iter()
        .filter(|(_, step)| step.as_deref() == Some("restart-chat-bridge"))
        .map(|(s, _)| s)
        .collect();
    assert_eq!(restart, ["requested", "sent", "Success"]);
    assert!(h.state.audit_records.len() >= restart.len(), "the session list has the records");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ctrl_r_restarts_the_selected_service_and_the_pane_turns_healthy() {
    let mut h = Harness::new(false);
    h.press('6');
    h.press('/');
    for c in "chat".chars() {
        h.press(c);
    }
    h.code(KeyCode::Enter);
    h.press('j');
    h.send(key(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert!(confirm_open(&h.state), "{:?}", h.state.message);
    let d = h.state.dialog().cloned().unwrap();
    assert_eq!(d.action, Some(RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() }));
    assert_eq!(d.targets[0].server, "nt-a");
    // Enter on the preselected Cancel sends nothing, and is on record as declined.
    h.code(KeyCode::Enter);
    assert!(h.state.popups.is_empty());
    h.send(key(KeyCode::Char('r'), KeyModifiers::CONTROL));
    h.code(KeyCode::Right);
    let fx = h.code(KeyCode::Enter);
    assert!(fx.iter().any(|e| matches!(e, Effect::Remote(_))), "{fx:?}");
    h.until("the restart to end", |s| s.jobs.values().all(|j| !j.in_flight())).await;
    h.until("telemetry showing Running", |s| bridge_on_nt_a(s) == Some(ServiceStatus::Running)).await;
    let text = h.state.message.as_ref().map(|m| m.text.clone()).unwrap_or_default();
    assert!(text.contains("nt-a Success"), "{text}");
    h.drain().await;
    let statuses: Vec<String> = h.statuses().into_iter().map(|(s, _)| s).collect();
    assert_eq!(statuses, ["declined", "requested", "sent", "Success"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_the_runbook_restart_and_records_only_the_refusal() {
    let mut h = Harness::new(true);
    h.press('R');
    h.code(KeyCode::Enter);
    h.until("the refused restart dialog", confirm_open).await;
    let d = h.state.dialog().cloned().unwrap();
    assert!(d.refusal.is_some() && !d.enabled(Button::Run));
    h.code(KeyCode::Tab);
    h.code(KeyCode::Enter);
    h.until("the manual step", |s| s.dialog().is_some_and(|d| d.instruction.is_some())).await;
    let guide = h.state.guide.as_ref().unwrap();
    let rec = guide.run.records().iter().find(|r| r.step_id == "restart-chat-bridge").unwrap();
    assert_eq!(rec.outcome, Outcome::Refused);
    h.drain().await;
    assert_eq!(h.remote.mutating_sends(), 0);
    let restart: Vec<String> = h
        .statuses()
        .into_iter()
        .filter(|(_, step)| step.as_deref() == Some("restart-chat-bridge"))
        .map(|(s, _)| s)
        .collect();
    assert_eq!(restart, ["refused"]);
}

/// Every variant, so a new mutating one cannot slip past the read-only test below.
fn every_remote_action() -> Vec<RemoteAction> {
    let all = vec![
        RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() },
        RemoteAction::QueryServices { services: vec![] },
        RemoteAction::TailLog { lines: 10 },
        RemoteAction::ResolveDns { name: "example.com".into() },
        RemoteAction::TestTcp { host: "example.com".into(), port: 443 },
        RemoteAction::ReadCounter { counter: r"\NexTalk\Ports In Use".into() },
        RemoteAction::SetParameter {
            parameter: "/contact-center/flags/crm-bypass".into(),
            value: "on".into(),
        },
        RemoteAction::UpdateTable {
            table: "CallRecords".into(),
            capacity: crate::source::TableCapacity::OnDemand,
        },
        RemoteAction::UpdateShardCount { stream: "ctr-stream".into(), target: None },
        RemoteAction::ModifyDbStorage {
            instance: "nextalk-config-db".into(),
            allocated_gib: 300,
            max_allocated_gib: None,
        },
        RemoteAction::RoutingProfileQueue(crate::source::QueueShareCall {
            associate: true,
            instance_id: "11111111-2222-3333-4444-555555555555".into(),
            routing_profile_id: "rp-chat".into(),
            routing_profile: "Chat Agents".into(),
            queue_id: "q-tty".into(),
            queue: "TTY Relay".into(),
            channel: "CHAT".into(),
            priority: 2,
            delay_s: 0,
        }),
    ];
    for a in &all {
        // Exhaustive on purpose: adding a variant fails to compile until it is listed above.
        match a {
            RemoteAction::RestartService { .. }
            | RemoteAction::QueryServices { .. }
            | RemoteAction::TailLog { .. }
            | RemoteAction::ResolveDns { .. }
            | RemoteAction::TestTcp { .. }
            | RemoteAction::ReadCounter { .. }
            | RemoteAction::SetParameter { .. }
            | RemoteAction::UpdateTable { .. }
            | RemoteAction::UpdateShardCount { .. }
            | RemoteAction::ModifyDbStorage { .. } => {}
            RemoteAction::RoutingProfileQueue(_) => {}
        }
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_every_action_in_every_context_and_nothing_mutating_is_sent() {
    let mut h = Harness::new(true);
    // Contexts: the service row selected; the runbook at its (refused) restart dialog; the
    // Ctrl-r dialog; the picker; the runbook view; the audit list.
    h.press('6');
    h.press('/');
    for c in "chat".chars() {
        h.press(c);
    }
    h.code(KeyCode::Enter);
    h.press('j');
    let mut effects: Vec<Effect> = Vec::new();
    let km = h.keymap.clone();
    let mut every_action = |h: &mut Harness, label: &str| {
        for &action in Action::ALL {
            let snapshot = (h.state.popups.clone(), h.state.focus);
            let mut fx = Vec::new();
            crate::app::update::act(&mut h.state, &km, action, &mut fx);
            // Then try hard to press Run: move right and confirm, twice.
            for a in [Action::NextChoice, Action::Confirm, Action::NextChoice, Action::Confirm] {
                crate::app::update::act(&mut h.state, &km, a, &mut fx);
            }
            for e in &fx {
                if let Effect::Remote(job) = e {
                    assert!(!job.is_mutating(), "{label}: {action:?} led to sending {:?}", job.action);
                }
            }
            h.carry_out(fx.clone());
            effects.extend(fx);
            // Back to the context under test.
            h.state.popups = snapshot.0;
            h.state.focus = snapshot.1;
            h.state.mode = crate::app::Mode::Normal;
            h.state.input.clear();
        }
    };
    every_action(&mut h, "service row");
    h.send(key(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert!(h.state.dialog().is_some_and(|d| d.refusal.is_some()));
    every_action(&mut h, "Ctrl-r dialog");
    h.state.popups.clear();
    h.press('R');
    every_action(&mut h, "picker");
    // Enter in the picker started a run on the way; start afresh from the picker.
    h.drain().await;
    h.state.guide = None;
    h.state.popups.clear();
    h.press('R');
    h.code(KeyCode::Enter);
    h.until("the refused restart dialog", confirm_open).await;
    every_action(&mut h, "runbook restart dialog");
    h.state.popups = vec![Popup::Runbook];
    every_action(&mut h, "runbook view");
    h.state.popups = vec![Popup::Audit { scroll: 0 }];
    every_action(&mut h, "audit list");
    h.state.popups.clear();
    h.press('F');
    assert!(matches!(h.state.popups.last(), Some(Popup::Flags(_))), "{:?}", h.state.message);
    every_action(&mut h, "flags view");
    h.press('j');
    h.code(KeyCode::Enter);
    assert!(h.state.dialog().is_some_and(|d| d.refusal.is_some()), "the flag dialog is a refusal");
    every_action(&mut h, "flag dialog");
    h.drain().await;
    assert_eq!(h.remote.mutating_sends(), 0, "a mutating command reached Remote::send");

    // And the runtime's own lock: a mutating job handed over directly is refused too.
    for action in every_remote_action().into_iter().filter(RemoteAction::is_mutating) {
        let job = RemoteJob {
            id: JobId(9_999),
            action,
            targets: h.state.targets.iter().map(|t| t.target.clone()).collect(),
            runbook: None,
        };
        h.exec.run(job, true).await.unwrap();
    }
    h.drain().await;
    assert_eq!(h.remote.mutating_sends(), 0);
    let statuses: Vec<String> = h.statuses().into_iter().map(|(s, _)| s).collect();
    assert!(statuses.iter().any(|s| s == "refused"));
    let restart_records: Vec<_> = audit::read(&h.audit_path, None)
        .unwrap()
        .records
        .into_iter()
        .filter(|r| r.action.kind == "restart_service")
        .collect();
    assert!(!restart_records.is_empty());
    assert!(restart_records.iter().all(|r| r.status == "refused"), "{restart_records:?}");
    assert!(h.state.read_only, "read-only never switches off");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_runbook_confirmation_waits_behind_an_open_restart_dialog() {
    use crate::app::Purpose;
    use crate::runbook::Request;
    let mut h = Harness::new(false);
    h.press('R');
    h.code(KeyCode::Enter);
    // Hide the run and open a Ctrl-r dialog while its checks go on.
    h.code(KeyCode::Esc);
    h.press('6');
    h.press('/');
    for c in "chat".chars() {
        h.press(c);
    }
    h.code(KeyCode::Enter);
    h.press('j');
    h.send(key(KeyCode::Char('r'), KeyModifiers::CONTROL));
    assert_eq!(h.state.dialog().map(|d| d.purpose.clone()), Some(Purpose::Restart));
    h.until("the run to wait for its confirmation", |s| {
        s.guide.as_ref().is_some_and(|g| matches!(g.run.pending().first(), Some(Request::Confirm(_))))
    })
    .await;
    assert_eq!(h.state.dialog().map(|d| d.purpose.clone()), Some(Purpose::Restart), "not replaced");
    assert_eq!(h.state.popups.iter().filter(|p| matches!(p, Popup::Confirm(_))).count(), 1);
    // Closing the Ctrl-r dialog (Cancel) brings the runbook's up.
    h.code(KeyCode::Esc);
    assert!(matches!(h.state.dialog().map(|d| &d.purpose), Some(Purpose::Step { .. })));
    assert_eq!(h.remote.mutating_sends(), 0);
}

/// lambda-errors: `F`, the CRM bypass, Enter, Tab, Enter: PutParameter reaches the simulator
/// through the real executor, audited before and after, and the view reads "on" back.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_crm_bypass_is_set_from_the_flags_view_audited_and_read_back() {
    let mut h = Harness::scenario(Scenario::LambdaErrors, false);
    h.press('F');
    let Some(Popup::Flags(view)) = h.state.popups.last().cloned() else {
        panic!("the flags view did not open: {:?}", h.state.message)
    };
    assert_eq!(h.state.snapshot.flags[view.selected].name, "crm_bypass");
    h.code(KeyCode::Enter);
    let dialog = h.state.dialog().cloned().expect("the confirmation");
    assert_eq!(
        dialog.action,
        Some(RemoteAction::SetParameter {
            parameter: "/contact-center/flags/crm-bypass".into(),
            value: "on".into()
        })
    );
    assert!(dialog.summary.contains("\"off\" → \"on\""), "{}", dialog.summary);
    h.code(KeyCode::Tab);
    h.code(KeyCode::Enter);
    h.until("the flag read back as on", |s| {
        s.snapshot.flags.iter().any(|f| f.name == "crm_bypass" && f.current.as_deref() == Some("on"))
            && s.jobs.values().all(|j| !j.in_flight())
    })
    .await;
    h.drain().await;
    assert_eq!(h.remote.mutating_sends(), 1);
    let records = audit::read(&h.audit_path, None).unwrap().records;
    let statuses: Vec<&str> =
        records.iter().filter(|r| r.action.kind == "set_parameter").map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["requested", "sent", "Success"], "{records:?}");
    let flag = h.state.snapshot.flags.iter().find(|f| f.name == "crm_bypass").unwrap();
    assert_eq!(flag.version, Some(2));
    assert!(
        h.state.message.as_ref().is_some_and(|m| m.text.contains("done (PutParameter")),
        "{:?}",
        h.state.message
    );
    // Still on top: the view shows what was read back, the value under the cursor unchanged.
    assert!(matches!(h.state.popups.last(), Some(Popup::Flags(_))));
}

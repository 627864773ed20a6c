//! The incident desk on a real store in a temporary directory: what the console asks is on
//! disk in order, on the console's clock (simulated in a drill), each answer holds exactly the
//! events the file gained, notifications are queued for the declaration and each status
//! change, and an export lands beside the timeline.

use crate::app::incident::{ExportFormat, IncidentOp, IncidentReply};
use crate::app::msg::Msg;
use crate::console::incident_desk::{Desk, DeskHooks, DeskOptions};
use crate::incident::{Clock, Drill, EventKind, IncidentId, IncidentStore, Severity, Status};
use crate::model::*;
use crate::source::Clock as SourceClock;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc;

struct Hooks {
    notified: Arc<Mutex<Vec<String>>>,
}

impl DeskHooks for Hooks {
    fn notify(&self, store: &IncidentStore, id: &IncidentId) -> Result<(), String> {
        let inc = store.load(id).map_err(|e| e.to_string())?;
        let last = inc.events.last().map(|e| e.kind.tag()).unwrap_or("none");
        self.notified.lock().unwrap().push(last.to_string());
        Ok(())
    }

    fn report(&self, store: &IncidentStore, id: &IncidentId, format: ExportFormat) -> Result<String, String> {
        let inc = store.load(id).map_err(|e| e.to_string())?;
        Ok(format!("{} report of {} with {} events", format.extension(), inc.id, inc.events.len()))
    }
}

/// The simulator's clock, stopped at 2026-11-22 03:02:34.
struct Sim;

impl SourceClock for Sim {
    fn now(&self) -> Timestamp {
        Timestamp::from_secs(1_795_316_554)
    }
}

fn stopped_bridge() -> Snapshot {
    Snapshot {
        taken_at: Timestamp::from_secs(1_795_316_554),
        nextalk: NexTalk {
            servers: vec![NexTalkServer {
                name: "nt-a".into(),
                instance_id: "i-0a".into(),
                ports_capacity: 48,
                ports_in_use: Some(3),
                services: vec![WinService {
                    name: "NexTalk Chat Bridge".into(),
                    status: ServiceStatus::Stopped,
                }],
                ..Default::default()
            }],
        },
        ..Default::default()
    }
}

fn reply(rx: &mut mpsc::Receiver<Msg>) -> IncidentReply {
    match rx.blocking_recv() {
        Some(Msg::Incident(r)) => r,
        other => panic!("{other:?}"),
    }
}

#[test]
fn what_the_console_asks_is_on_disk_in_order_on_the_drills_clock() {
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::new(dir.path());
    let notified = Arc::new(Mutex::new(Vec::new()));
    let opts = DeskOptions {
        store: store.clone(),
        who: "alice".into(),
        source: "demo:chat-bridge-down".into(),
        clock: Clock::Simulated,
        drill: Some(Drill { scenario: "chat-bridge-down".into(), seed: None }),
        thresholds: Thresholds::default(),
        hooks: Box::new(Hooks { notified: notified.clone() }),
    };
    let (tx, mut rx) = mpsc::channel(16);
    let desk = Desk::start(opts, Arc::new(Sim), tx);

    desk.send(IncidentOp::Declare { title: "Chat Bridge down".into(), severity: Severity::Sev2 }).unwrap();
    let (id, first) = match reply(&mut rx) {
        IncidentReply::Declared(Ok((id, events)), None) => (id, events),
        other => panic!("{other:?}"),
    };
    let tags: Vec<&str> = first.iter().map(|e| e.kind.tag()).collect();
    assert_eq!(tags, ["declared", "run_started"]);
    desk.send(IncidentOp::Observe(Box::new(stopped_bridge()))).unwrap();
    let raised = match reply(&mut rx) {
        IncidentReply::Wrote { events, error: None } => events,
        other => panic!("{other:?}"),
    };
    assert!(
        matches!(&raised[..], [e] if matches!(&e.kind, EventKind::AlertRaised { what, .. } if what.contains("Chat Bridge"))),
        "{raised:?}"
    );
    // The same snapshot again raises nothing new.
    desk.send(IncidentOp::Observe(Box::new(stopped_bridge()))).unwrap();
    assert!(matches!(reply(&mut rx), IncidentReply::Wrote { events, error: None } if events.is_empty()));
    desk.send(IncidentOp::Note("restarted it".into())).unwrap();
    assert!(matches!(reply(&mut rx), IncidentReply::Wrote { events, .. } if events.len() == 1));
    desk.send(IncidentOp::Status(Status::Resolved)).unwrap();
    assert!(matches!(reply(&mut rx), IncidentReply::Wrote { events, .. } if events.len() == 1));
    desk.send(IncidentOp::Status(Status::Resolved)).unwrap();
    assert!(matches!(reply(&mut rx), IncidentReply::Failed(e) if e.contains("already resolved")));
    desk.send(IncidentOp::Export(ExportFormat::Markdown)).unwrap();
    let path = match reply(&mut rx) {
        IncidentReply::Exported(Ok(p)) => p,
        other => panic!("{other:?}"),
    };

    let inc = store.load(&IncidentId::parse(&id).unwrap()).unwrap();
    let tags: Vec<&str> = inc.events.iter().map(|e| e.kind.tag()).collect();
    assert_eq!(tags, ["declared", "run_started", "alert_raised", "note", "status_changed"]);
    assert!(inc.events.iter().all(|e| e.clock == Clock::Simulated), "one clock in a drill: {:?}", inc.events);
    assert!(inc.events.iter().all(|e| e.at == Timestamp::from_secs(1_795_316_554)));
    assert_eq!(inc.status, Status::Resolved);
    // Notified about the declaration itself (not the console attaching) and the resolution.
    assert_eq!(*notified.lock().unwrap(), ["declared", "status_changed"]);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), format!("md report of {id} with 5 events"));
    assert!(path.ends_with("report.md"), "{path}");
}

/// A restart confirmed and one declined in the console: both on the timeline, worded as the
/// headless recorder words them (the change record's "confirmed by" comes from here).
#[test]
fn the_engineers_answers_to_a_restart_are_on_the_timeline() {
    use crate::app::incident::CommandPhase;
    use crate::incident::event::CommandPhase as Phase;
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::new(dir.path());
    let opts = DeskOptions {
        store: store.clone(),
        who: "alice".into(),
        source: "demo:chat-bridge-down".into(),
        clock: Clock::Simulated,
        drill: None,
        thresholds: Thresholds::default(),
        hooks: Box::new(Hooks { notified: Arc::new(Mutex::new(Vec::new())) }),
    };
    let (tx, mut rx) = mpsc::channel(16);
    let desk = Desk::start(opts, Arc::new(Sim), tx);
    desk.send(IncidentOp::Declare { title: "Chat Bridge down".into(), severity: Severity::Sev2 }).unwrap();
    let IncidentReply::Declared(Ok((id, _)), _) = reply(&mut rx) else { panic!("not declared") };
    let job = crate::app::jobs::RemoteJob {
        id: crate::app::JobId(0),
        action: crate::source::RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() },
        targets: vec![crate::source::Target { server: "nt-a".into(), instance_id: "i-0a".into() }],
        runbook: None,
    };
    for phase in [CommandPhase::Confirmed, CommandPhase::Declined, CommandPhase::Refused] {
        desk.send(IncidentOp::Command { job: Box::new(job.clone()), phase }).unwrap();
        assert!(matches!(reply(&mut rx), IncidentReply::Wrote { events, error: None } if events.len() == 1));
    }
    let inc = store.load(&IncidentId::parse(&id).unwrap()).unwrap();
    let answers: Vec<(Phase, Option<String>, Vec<String>)> = inc
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Command { phase, message, targets, step, .. } => {
                assert_eq!(step, "ctrl-r");
                Some((*phase, message.clone(), targets.clone()))
            }
            _ => None,
        })
        .collect();
    let nt_a = vec!["nt-a (i-0a)".to_string()];
    assert_eq!(
        answers,
        vec![
            (Phase::Confirmed, Some("the console's confirmation dialog".into()), nt_a.clone()),
            (Phase::Declined, None, nt_a.clone()),
            (Phase::Refused, Some("read-only mode".into()), nt_a),
        ]
    );
    let text = inc.events.iter().map(|e| e.kind.describe()).collect::<Vec<_>>().join("\n");
    assert!(text.contains("restart service NexTalk Chat Bridge on nt-a (i-0a): confirmed"), "{text}");
}

/// A console that starts while a drill of its scenario is still open records to it again
/// (a new console run on its timeline); a resolved one, or a drill of another scenario, is
/// left alone.
#[test]
fn a_console_picks_up_the_incident_left_open() {
    let dir = tempfile::tempdir().unwrap();
    let store = IncidentStore::new(dir.path());
    let desk_on = |scenario: &str| {
        let opts = DeskOptions {
            store: store.clone(),
            who: "alice".into(),
            source: format!("demo:{scenario}"),
            clock: Clock::Simulated,
            drill: Some(Drill { scenario: scenario.into(), seed: None }),
            thresholds: Thresholds::default(),
            hooks: Box::new(Hooks { notified: Arc::new(Mutex::new(Vec::new())) }),
        };
        let (tx, rx) = mpsc::channel(16);
        (Desk::start(opts, Arc::new(Sim), tx), rx)
    };
    let declare = |desk: &Desk, rx: &mut mpsc::Receiver<Msg>, title: &str| {
        desk.send(IncidentOp::Declare { title: title.into(), severity: Severity::Sev2 }).unwrap();
        match reply(rx) {
            IncidentReply::Declared(Ok((id, _)), _) => id,
            other => panic!("{other:?}"),
        }
    };
    let (desk, mut rx) = desk_on("chat-bridge-down");
    let resolved = declare(&desk, &mut rx, "first");
    desk.send(IncidentOp::Status(Status::Resolved)).unwrap();
    reply(&mut rx);
    drop(desk);
    let (desk, mut rx) = desk_on("chat-bridge-down");
    let open = declare(&desk, &mut rx, "second");
    desk.send(IncidentOp::Status(Status::Mitigated)).unwrap();
    reply(&mut rx);
    drop(desk);
    assert_ne!(resolved, open);

    // Another scenario's console: nothing to pick up, its first answer is its own declaration.
    let (desk, mut rx) = desk_on("kinesis-lag");
    declare(&desk, &mut rx, "other");
    drop(desk);

    let (desk, mut rx) = desk_on("chat-bridge-down");
    let (id, title, events) = match reply(&mut rx) {
        IncidentReply::Resumed { id, title, events, .. } => (id, title, events),
        other => panic!("{other:?}"),
    };
    assert_eq!((id.as_str(), title.as_str()), (open.as_str(), "second"));
    let tags: Vec<&str> = events.iter().map(|e| e.kind.tag()).collect();
    assert_eq!(
        tags,
        ["declared", "run_started", "status_changed", "run_started"],
        "its timeline, then this console's run"
    );
    // And it records there.
    desk.send(IncidentOp::Note("picked up again".into())).unwrap();
    assert!(matches!(reply(&mut rx), IncidentReply::Wrote { events, .. } if events.len() == 1));
    let inc = store.load(&IncidentId::parse(&open).unwrap()).unwrap();
    assert!(
        matches!(&inc.events.last().unwrap().kind, EventKind::Note { text } if text == "picked up again")
    );
}

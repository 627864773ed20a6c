//! Declaring and working an incident from the console, through `update` with the shipped
//! keymap: the prefilled title and severity, Tab, what is asked of the desk (and only once),
//! notes and status from the view and the palette, steps of a runbook run handed over once
//! each, and the desk's answers (including a failed declaration) on screen.

use crate::app::incident::{IncidentOp, IncidentReply};
use crate::app::{Effect, Mode, Msg, PopupKind, State, update};
use crate::incident::{Clock, Event, EventKind, Severity, Status};
use crate::keymap::{Key, KeyCode, KeyModifiers, Keymap};
use crate::model::*;

fn keymap() -> Keymap {
    Keymap::load("default", None).unwrap()
}

fn stopped_bridge() -> Snapshot {
    Snapshot {
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

fn console() -> State {
    let mut s = State::new(Thresholds::default(), 10);
    s.size = (120, 36);
    update(
        &mut s,
        Msg::Telemetry { result: Ok(Box::new(stopped_bridge())), at: Timestamp::from_secs(1000) },
        &keymap(),
    );
    s
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(Key::new(code, KeyModifiers::NONE)), &keymap())
}

fn press(s: &mut State, c: char) -> Vec<Effect> {
    key(s, KeyCode::Char(c))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        press(s, c);
    }
}

fn ops(fx: &[Effect]) -> Vec<&IncidentOp> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::Incident(op) => Some(op),
            _ => None,
        })
        .collect()
}

fn event(kind: EventKind) -> Event {
    Event::at(Timestamp::from_secs(1000), Clock::Simulated, "alice", kind)
}

/// Declares with the prefilled title at the suggested severity, the desk says yes.
fn declared(s: &mut State) {
    press(s, 'I');
    key(s, KeyCode::Enter);
    let title = s.incident.as_ref().unwrap().title.clone();
    let first = vec![event(EventKind::Declared { title, severity: Severity::Sev2, drill: None })];
    update(
        s,
        Msg::Incident(IncidentReply::Declared(Ok(("INC-20261122-001".into(), first)), None)),
        &keymap(),
    );
}

#[test]
fn i_declares_from_the_worst_alert_with_its_title_and_a_severity_to_match() {
    let mut s = console();
    assert!(s.alerts.iter().any(|a| a.severity == Level::Crit), "{:?}", s.alerts);
    let fx = press(&mut s, 'I');
    assert!(ops(&fx).is_empty(), "nothing is written before Enter");
    assert_eq!(s.mode, Mode::Declare(Severity::Sev2), "a crit alert suggests sev2");
    assert!(s.input.contains("NexTalk Chat Bridge is Stopped"), "{}", s.input);
    key(&mut s, KeyCode::Tab);
    assert_eq!(s.mode, Mode::Declare(Severity::Sev3), "Tab moves the severity on");
    typed(&mut s, " (TTY)");
    let fx = key(&mut s, KeyCode::Enter);
    let ops = ops(&fx);
    match ops.as_slice() {
        [IncidentOp::Declare { title, severity }, IncidentOp::Observe(snap)] => {
            assert!(title.ends_with("is Stopped (TTY)"), "{title}");
            assert_eq!(*severity, Severity::Sev3);
            assert_eq!(snap.nextalk.servers[0].services[0].status, ServiceStatus::Stopped);
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(s.popups.last().map(|p| p.kind()), Some(PopupKind::Incident { scroll: 0 }));
    assert_eq!(s.mode, Mode::Normal);
}

#[test]
fn an_empty_title_declares_nothing_and_says_why() {
    let mut s = State::new(Thresholds::default(), 10);
    press(&mut s, 'I');
    assert_eq!(s.input, "", "no alert: nothing to prefill");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(ops(&fx).is_empty());
    assert!(s.incident.is_none());
    assert!(s.message.as_ref().is_some_and(|m| m.error && m.text.contains("title")), "{:?}", s.message);
}

#[test]
fn a_failed_declaration_is_undone_on_screen() {
    let mut s = console();
    press(&mut s, 'I');
    key(&mut s, KeyCode::Enter);
    assert!(s.incident.is_some());
    update(&mut s, Msg::Incident(IncidentReply::Declared(Err("disk full".into()), None)), &keymap());
    assert!(s.incident.is_none());
    assert!(!s.popups.iter().any(|p| matches!(p.kind(), PopupKind::Incident { .. })));
    assert!(s.message.as_ref().is_some_and(|m| m.error && m.text.contains("disk full")));
}

#[test]
fn while_open_every_snapshot_goes_to_the_incident_and_nothing_before() {
    let mut s = console();
    let at = Timestamp::from_secs(1015);
    let fx = update(&mut s, Msg::Telemetry { result: Ok(Box::new(stopped_bridge())), at }, &keymap());
    assert!(ops(&fx).is_empty(), "no incident: nothing recorded");
    declared(&mut s);
    let at = Timestamp::from_secs(1030);
    let fx = update(&mut s, Msg::Telemetry { result: Ok(Box::new(stopped_bridge())), at }, &keymap());
    assert!(matches!(ops(&fx).as_slice(), [IncidentOp::Observe(_)]), "{fx:?}");
}

#[test]
fn notes_and_status_from_the_view_and_the_palette() {
    let mut s = console();
    declared(&mut s);
    assert_eq!(s.incident.as_ref().unwrap().id.as_deref(), Some("INC-20261122-001"));
    press(&mut s, 'n');
    assert_eq!(s.mode, Mode::Note);
    typed(&mut s, "bridge restarted by hand");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(
        matches!(ops(&fx).as_slice(), [IncidentOp::Note(t)] if t == "bridge restarted by hand"),
        "{fx:?}"
    );
    let fx = press(&mut s, 'm');
    assert!(matches!(ops(&fx).as_slice(), [IncidentOp::Status(Status::Mitigated)]), "{fx:?}");
    // The desk wrote it: the view follows the file, not the request.
    let changed = event(EventKind::StatusChanged { from: Status::Open, to: Status::Mitigated });
    update(&mut s, Msg::Incident(IncidentReply::Wrote { events: vec![changed], error: None }), &keymap());
    assert_eq!(s.incident.as_ref().unwrap().status, Status::Mitigated);
    let fx = press(&mut s, 'm');
    assert!(ops(&fx).is_empty(), "already mitigated");
    assert!(s.message.as_ref().is_some_and(|m| m.text.contains("already mitigated")), "{:?}", s.message);
    press(&mut s, ':');
    typed(&mut s, "note  the CRM team was told");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(matches!(ops(&fx).as_slice(), [IncidentOp::Note(t)] if t == "the CRM team was told"), "{fx:?}");
    press(&mut s, ':');
    typed(&mut s, "resolve");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(matches!(ops(&fx).as_slice(), [IncidentOp::Status(Status::Resolved)]), "{fx:?}");
    press(&mut s, ':');
    typed(&mut s, "export pdf");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(ops(&fx).is_empty());
    assert!(s.message.as_ref().is_some_and(|m| m.error && m.text.contains("md, json or html")));
}

#[test]
fn without_an_incident_notes_and_status_say_how_to_declare() {
    let mut s = console();
    press(&mut s, ':');
    typed(&mut s, "note hello");
    let fx = key(&mut s, KeyCode::Enter);
    assert!(ops(&fx).is_empty());
    assert!(
        s.message.as_ref().is_some_and(|m| m.error && m.text.contains("I declares one")),
        "{:?}",
        s.message
    );
}

#[test]
fn a_runbook_run_hands_each_step_to_the_incident_once() {
    let mut s = console();
    s.library = crate::runbook::shipped().unwrap();
    declared(&mut s);
    key(&mut s, KeyCode::Esc);
    let index = s.library.iter().position(|r| r.id == "failover-readiness").unwrap();
    let mut fx = Vec::new();
    crate::app::guide::start(&mut s, index, &mut fx);
    // Feed snapshots until the run has recorded something.
    let mut steps = Vec::new();
    for i in 0..6u64 {
        let at = Timestamp::from_secs(1100 + i * 15);
        let fx = update(&mut s, Msg::Telemetry { result: Ok(Box::new(stopped_bridge())), at }, &keymap());
        steps.extend(ops(&fx).into_iter().filter_map(|op| match op {
            IncidentOp::Step { runbook, record, .. } => Some((runbook.clone(), record.step)),
            _ => None,
        }));
    }
    let records = s.guide.as_ref().unwrap().run.records().len();
    assert!(records > 0, "the run recorded steps");
    assert_eq!(steps.len(), records, "each step once: {steps:?}");
    assert!(steps.iter().all(|(rb, _)| rb == "failover-readiness"));
    let mut order: Vec<usize> = steps.iter().map(|(_, i)| *i).collect();
    order.dedup();
    assert_eq!(order.len(), steps.len(), "no step twice: {steps:?}");
}

/// The engineer's answer to a restart's confirmation goes to the incident before anything is
/// sent: confirmed (Run), declined (Esc), refused (read-only), each with what and where.
#[test]
fn confirm_decline_and_refusal_of_a_restart_go_to_the_incident() {
    use crate::app::incident::CommandPhase;
    let decisions = |fx: &[Effect]| -> Vec<(CommandPhase, String, Vec<String>)> {
        ops(fx)
            .into_iter()
            .filter_map(|op| match op {
                IncidentOp::Command { job, phase } => Some((
                    phase.clone(),
                    job.action.summary(),
                    job.targets.iter().map(|t| t.server.clone()).collect(),
                )),
                _ => None,
            })
            .collect()
    };
    let ctrl_r =
        |s: &mut State| update(s, Msg::Key(Key::new(KeyCode::Char('r'), KeyModifiers::CONTROL)), &keymap());
    let on_the_bridge = |s: &mut State| {
        s.targets = vec![crate::app::ServerTarget {
            target: crate::source::Target { server: "nt-a".into(), instance_id: "i-0a".into() },
            services: vec!["NexTalk Chat Bridge".into()],
        }];
        press(s, '6');
        // The server row, then its (only) service.
        key(s, KeyCode::Home);
        press(s, 'j');
    };
    let restart = "restart service NexTalk Chat Bridge".to_string();

    let mut s = console();
    declared(&mut s);
    key(&mut s, KeyCode::Esc);
    on_the_bridge(&mut s);
    let asked = ctrl_r(&mut s);
    assert!(decisions(&asked).is_empty(), "nothing before the answer: {asked:?}");
    assert!(s.dialog().is_some(), "{:?}", s.message);
    key(&mut s, KeyCode::Tab);
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(decisions(&fx), vec![(CommandPhase::Confirmed, restart.clone(), vec!["nt-a".to_string()])]);
    assert!(fx.iter().any(|e| matches!(e, Effect::Remote(_))), "and then it is sent: {fx:?}");

    ctrl_r(&mut s);
    let fx = key(&mut s, KeyCode::Esc);
    assert_eq!(decisions(&fx), vec![(CommandPhase::Declined, restart.clone(), vec!["nt-a".to_string()])]);

    s.read_only = true;
    let fx = ctrl_r(&mut s);
    assert_eq!(decisions(&fx), vec![(CommandPhase::Refused, restart, vec!["nt-a".to_string()])]);

    // Without an incident, nothing goes to a desk.
    let mut s = console();
    on_the_bridge(&mut s);
    ctrl_r(&mut s);
    key(&mut s, KeyCode::Tab);
    assert!(decisions(&key(&mut s, KeyCode::Enter)).is_empty());
}

/// The desk picked up an incident left open: the badge and the view have it, at its status.
#[test]
fn an_incident_left_open_is_picked_up_with_its_status() {
    let mut s = console();
    let events = vec![
        event(EventKind::Declared {
            title: "Chat Bridge down".into(),
            severity: Severity::Sev2,
            drill: None,
        }),
        event(EventKind::StatusChanged { from: Status::Open, to: Status::Mitigated }),
    ];
    let reply = IncidentReply::Resumed {
        id: "INC-20261122-004".into(),
        title: "Chat Bridge down".into(),
        severity: Severity::Sev2,
        events,
    };
    update(&mut s, Msg::Incident(reply), &keymap());
    let inc = s.incident.as_ref().unwrap();
    assert_eq!(
        (inc.id.as_deref(), inc.status, inc.timeline.len()),
        (Some("INC-20261122-004"), Status::Mitigated, 2)
    );
    assert!(
        s.message.as_ref().unwrap().text.contains("INC-20261122-004 is still mitigated"),
        "{:?}",
        s.message
    );
    // I shows it rather than declaring another.
    press(&mut s, 'I');
    assert_eq!(s.popup_kinds(), vec![PopupKind::Incident { scroll: 0 }]);
    assert_eq!(s.mode, Mode::Normal);
}

/// A flag set from the Flags view is a change like a restart: the incident hears it was
/// confirmed before it is sent, and a read-only refusal is on its timeline too.
#[test]
fn confirm_and_refusal_of_a_flag_go_to_the_incident() {
    use crate::app::incident::CommandPhase;
    let phases = |fx: &[Effect]| -> Vec<(CommandPhase, String)> {
        ops(fx)
            .into_iter()
            .filter_map(|op| match op {
                IncidentOp::Command { job, phase } => Some((phase.clone(), job.action.summary())),
                _ => None,
            })
            .collect()
    };
    let with_flag = |s: &mut State| {
        let flag = Flag {
            name: "crm_bypass".into(),
            parameter: "/cc/flags/crm-bypass".into(),
            values: vec![
                FlagValue { value: "off".into(), meaning: "normal routing".into() },
                FlagValue { value: "on".into(), meaning: "flows skip the CRM lookup".into() },
            ],
            current: Some("off".into()),
            ..Default::default()
        };
        let snap = Snapshot { flags: vec![flag], ..stopped_bridge() };
        update(s, Msg::Telemetry { result: Ok(Box::new(snap)), at: Timestamp::from_secs(1010) }, &keymap());
    };
    let mut s = console();
    declared(&mut s);
    key(&mut s, KeyCode::Esc);
    with_flag(&mut s);
    press(&mut s, 'F');
    let asked = key(&mut s, KeyCode::Enter);
    assert!(phases(&asked).is_empty(), "nothing before the answer: {asked:?}");
    assert!(s.dialog().is_some(), "{:?}", s.message);
    key(&mut s, KeyCode::Tab);
    let fx = key(&mut s, KeyCode::Enter);
    let sent = phases(&fx);
    assert_eq!(sent.len(), 1, "{fx:?}");
    assert_eq!(sent[0].0, CommandPhase::Confirmed);
    assert!(sent[0].1.contains("/cc/flags/crm-bypass"), "{sent:?}");
    assert!(fx.iter().any(|e| matches!(e, Effect::Remote(_))), "and then it is sent: {fx:?}");

    s.read_only = true;
    let fx = key(&mut s, KeyCode::Enter);
    let refused = phases(&fx);
    assert_eq!(refused.len(), 1, "{fx:?} {:?}", s.popups.len());
    assert_eq!(refused[0].0, CommandPhase::Refused);
}

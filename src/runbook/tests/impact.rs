//! What a confirmation says an action does (from the figures), the advice chosen by the
//! figures, and the next step of a run that did not end healthy.

use super::*;
use crate::runbook::impact::{self, ImpactLevel};
use crate::runbook::{advice, next};
use crate::source::sim::{Scenario, SimParams, Simulator};
use std::time::Duration;

fn restart(service: &str) -> RemoteAction {
    RemoteAction::RestartService { service: service.into() }
}

fn sim_snapshot(scenario: Scenario, at: u64) -> Snapshot {
    let mut sim = Simulator::new(SimParams::with_scenario(scenario, 7));
    sim.advance_to(Duration::from_secs(at));
    sim.snapshot()
}

#[test]
fn restarting_a_full_nextalk_server_drops_its_calls_by_the_ports_figures() {
    let snap = sim_snapshot(Scenario::PortExhaustion, 600);
    let a = &snap.nextalk.servers[0];
    let b = &snap.nextalk.servers[1];
    let (used_a, used_b) = (a.ports_in_use.unwrap(), b.ports_in_use.unwrap());
    assert!(used_a > 0);
    let t = vec![Target { server: a.name.clone(), instance_id: a.instance_id.clone() }];
    let i = impact::of(Some(&restart("NexTalk Server")), &t, &snap);
    assert_eq!(i.level, ImpactLevel::Some);
    assert_eq!(
        i.lines,
        [
            format!("drops {used_a} calls in progress on {}", a.name),
            format!("{} has room for {}", b.name, b.ports_capacity - used_b)
        ]
    );
    assert!(i.needs_typing());
}

#[test]
fn a_stopped_service_has_no_impact_and_a_missing_figure_is_unknown() {
    let mut snap = snapshot(ServiceStatus::Stopped);
    let b = vec![targets()[1].clone()];
    // nt-b's Chat Bridge is Stopped: nothing runs through it.
    let i = impact::of(Some(&restart("NexTalk Chat Bridge")), &b, &snap);
    assert_eq!(i.level, ImpactLevel::None, "{i:?}");
    assert!(!i.needs_typing());
    // nt-a's runs, with calls on it: its chats end.
    let a = vec![targets()[0].clone()];
    snap.nextalk.servers[0].ports_in_use = Some(12);
    let i = impact::of(Some(&restart("NexTalk Chat Bridge")), &a, &snap);
    assert_eq!(i.lines, ["ends the Connect chats of the 12 TTY calls in progress on nt-a"]);
    // Without a ports figure nobody can say: unknown, and typing is asked for.
    snap.nextalk.servers[0].ports_in_use = None;
    let i = impact::of(Some(&restart("NexTalk Server")), &a, &snap);
    assert_eq!(i.level, ImpactLevel::Unknown);
    assert_eq!(i.lines, ["unknown: the calls in progress on nt-a are not known (no ports-in-use figure)"]);
    assert!(i.needs_typing());
    // A service Switchboard knows nothing about: unknown, not zero.
    snap.nextalk.servers[0].ports_in_use = Some(0);
    let i = impact::of(Some(&restart("Spooler")), &a, &snap);
    assert_eq!(i.level, ImpactLevel::Unknown, "{i:?}");
    // Read-only probes change nothing.
    let i = impact::of(Some(&RemoteAction::TailLog { lines: 10 }), &a, &snap);
    assert_eq!(i.level, ImpactLevel::None);
}

/// The AWS control-plane actions hold no call and restart nothing: their impact is none, says
/// so, and names what new calls will do (the flag's meaning from the figures).
#[test]
fn aws_actions_drop_no_call_and_say_what_new_calls_do() {
    let snap = sim_snapshot(Scenario::LambdaErrors, 600);
    let flag = snap.flags.iter().find(|f| f.name == "crm_bypass").unwrap();
    let meaning = flag.meaning("on").unwrap().to_string();
    let aws = vec![Target::aws(flag.parameter.clone())];
    let set = RemoteAction::SetParameter { parameter: flag.parameter.clone(), value: "on".into() };
    let i = impact::of(Some(&set), &aws, &snap);
    assert_eq!(i.level, ImpactLevel::None, "{i:?}");
    assert!(!i.needs_typing());
    assert_eq!(
        i.lines,
        [format!(
            "no call in progress is dropped or cut off: contact flows read {} on the calls that come in after \
             it is \"on\" ({meaning})",
            flag.parameter
        )]
    );
    let table = RemoteAction::UpdateTable {
        table: "CallRecords".into(),
        capacity: crate::source::TableCapacity::OnDemand,
    };
    let i = impact::of(Some(&table), &[Target::aws("table CallRecords".into())], &snap);
    assert_eq!(
        (i.level, i.lines[0].starts_with("no call in progress is dropped: table CallRecords")),
        (ImpactLevel::None, true)
    );
    let shards = RemoteAction::UpdateShardCount { stream: "ctr-stream".into(), target: Some(8) };
    let i = impact::of(Some(&shards), &[Target::aws("stream ctr-stream".into())], &snap);
    assert_eq!(
        (i.level, i.lines[0].starts_with("no call in progress is dropped: stream ctr-stream")),
        (ImpactLevel::None, true)
    );
}

#[test]
fn advice_follows_the_figures_and_falls_back_to_the_help() {
    let rb = shipped_one("high-latency");
    let step = rb.steps.iter().find(|s| s.id == "dynamodb-write-capacity").unwrap();
    let throttling = sim_snapshot(Scenario::DynamoDbThrottling, 600);
    let help = advice::help_for(step, Some(&throttling)).unwrap();
    assert!(help.starts_with("CallRecords throttles now ("), "{help}");
    assert!(!help.contains("before it throttles"), "{help}");
    let calm = sim_snapshot(Scenario::Calm, 600);
    let help = advice::help_for(step, Some(&calm)).unwrap();
    assert!(help.contains("before it throttles"), "{help}");
    // No figures at all: the plain help, never a guess.
    assert_eq!(advice::help_for(step, None), step.help);
    let record = rb.steps.iter().find(|s| s.id == "record-findings").unwrap();
    let text = advice::text_for(record, Some(&throttling)).unwrap();
    assert!(text.contains("DynamoDB table CallRecords throttles ("), "{text}");
}

#[test]
fn advice_conditions_are_checked_when_the_runbook_loads() {
    let base = "id = \"a\"\ntitle = \"t\"\nsummary = \"s\"\n[[steps]]\nid = \"m\"\ntitle = \"m\"\nkind = \"manual\"\ntext = \"x\"\n[[steps.advice]]\ntext = \"y\"\n";
    let rb = load(&format!("{base}when = \"dynamodb_throttle_events >= 1\"\n")).unwrap();
    assert_eq!(rb.steps[0].advice.len(), 1);
    let e = load(&format!("{base}when = \"dynamo_throttles > 0\"\n")).unwrap_err();
    assert!(e.contains("`when` names no known metric: \"dynamo_throttles\""), "{e}");
    let e = load(&format!("{base}when = \"dynamodb_throttle_events is high\"\n")).unwrap_err();
    assert!(e.contains("with op >, >=, < or <="), "{e}");
}

#[test]
fn a_run_that_is_not_healthy_names_another_runbook_or_an_escalation() {
    let lib = shipped().unwrap();
    let thresholds = Thresholds::default();
    // Port exhaustion, run with high-latency: tty-surge fixes the port alerts (a fix outranks
    // failover-readiness, which only diagnoses the failover alert).
    let snap = sim_snapshot(Scenario::PortExhaustion, 600);
    let alerts = next::alerts_of(&snap, &thresholds);
    let current = lib.iter().find(|r| r.id == "high-latency").unwrap();
    match next::next_step(current, &alerts, &lib) {
        Next::Runbook { id, why, .. } => {
            assert_eq!(id, "tty-surge");
            assert!(why.starts_with("fixes crit alert: "), "{why}");
        }
        other => panic!("{other:?}"),
    }
    // Nothing else fits what is left: the runbook's own escalation.
    let calm = sim_snapshot(Scenario::Calm, 600);
    let n = next::next_step(current, &next::alerts_of(&calm, &thresholds), &lib);
    assert_eq!(n, Next::Escalate { text: current.escalation.clone().unwrap() });
    assert!(n.line().starts_with("next: escalate: Page the owner"));
}

/// Sharing TTY Relay with the Web Chat agents: how many agents gain it and both queues'
/// figures now, from the port-exhaustion demo; without the figures it says unknown, never 0.
#[test]
fn sharing_a_queue_names_the_agents_and_both_queues_figures_or_unknown() {
    let snap = sim_snapshot(Scenario::PortExhaustion, 600);
    let share = snap.queue_shares[0].clone();
    let call = RemoteAction::RoutingProfileQueue(crate::source::QueueShareCall {
        associate: true,
        instance_id: snap.connect.instance_id.clone(),
        routing_profile_id: share.routing_profile_id.clone(),
        routing_profile: share.routing_profile.clone(),
        queue_id: share.queue_id.clone(),
        queue: share.queue.clone(),
        channel: "CHAT".into(),
        priority: 2,
        delay_s: 0,
    });
    let target = [Target::aws("routing profile Web Chat Agents".into())];
    let web = snap.connect.queues.iter().find(|q| q.name == "Web Chat").unwrap();
    let tty = snap.connect.queues.iter().find(|q| q.name == "TTY Relay").unwrap();
    let i = impact::of(Some(&call), &target, &snap);
    assert_eq!(i.level, ImpactLevel::Some, "{i:?}");
    assert!(i.needs_typing());
    assert_eq!(
        i.lines[0],
        format!(
            "{} agents of routing profile Web Chat Agents gain queue TTY Relay (CHAT)",
            web.agents_online
        )
    );
    assert!(
        i.lines[1].starts_with(&format!("Web Chat: {} waiting (", web.contacts_in_queue))
            && i.lines[1]
                .contains(&format!("{} of {} agents available", web.agents_available, web.agents_online)),
        "{i:?}"
    );
    assert!(
        i.lines[2].starts_with(&format!("TTY Relay: {} waiting (oldest ", tty.contacts_in_queue)),
        "{i:?}"
    );
    // The live console knows the share from the config but not the profile's agents, and
    // without queue figures nothing about either queue.
    let mut live = snap.clone();
    live.queue_shares[0].profile_agents = None;
    live.connect.queues.clear();
    let i = impact::of(Some(&call), &target, &live);
    assert_eq!(i.level, ImpactLevel::Unknown, "{i:?}");
    assert!(i.lines[0].starts_with("unknown: how many agents routing profile Web Chat Agents has"), "{i:?}");
    assert_eq!(
        i.lines[1],
        "Web Chat: unknown (not in the latest queue figures): its callers now wait for agents who also answer TTY Relay (at priority 2: only when none of theirs waits, but a TTY Relay contact an agent took runs to its end)"
    );
    assert!(!i.lines.iter().any(|l| l.contains(" 0 agents")), "{i:?}");
}

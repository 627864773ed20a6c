//! The intake worker's path (`Intake::prepare` off the loop, `Msg::Prepared` on it) against
//! the loop doing it all (`Msg::Telemetry`): the same figures, health, alerts, rows, cursors
//! and trends after every snapshot, through incidents, vanishing rows, section gaps, and a
//! filter changed while a snapshot is being prepared.

use super::keymap;
use crate::app::panes::{PaneId, SortKey};
use crate::app::{Intake, Msg, State, update};
use crate::model::*;
use crate::source::sim::{Scenario, SimParams, Simulator};
use std::time::Duration;

/// Every trend of every row of the snapshot, by name: what the screen can show of a history.
fn trends(s: &State) -> Vec<(String, MetricId, Vec<f64>)> {
    let snap = &s.snapshot;
    let mut rows: Vec<(Section, String)> =
        vec![(Section::Connect, String::new()), (Section::NexTalk, String::new())];
    rows.extend(snap.connect.queues.iter().map(|q| (Section::Queues, q.name.clone())));
    rows.extend(snap.lambda.iter().map(|f| (Section::Lambda, f.name.clone())));
    rows.extend(snap.kinesis.iter().map(|k| (Section::Kinesis, k.name.clone())));
    rows.extend(snap.dynamodb.iter().map(|d| (Section::DynamoDb, d.name.clone())));
    rows.extend(snap.nextalk.servers.iter().map(|n| (Section::NexTalk, n.name.clone())));
    // Rows gone from the snapshot keep their trend for a while: ask for those too.
    rows.extend((0..4).map(|i| (Section::Queues, format!("gone-{i}"))));
    let mut out = Vec::new();
    for (section, entity) in rows {
        for &m in MetricId::ALL {
            if let Some(series) = s.history.get(section, &entity, m) {
                out.push((format!("{section:?}/{entity}"), m, series.iter().collect()));
            }
        }
    }
    out
}

fn same(a: &State, b: &State, what: &str) {
    assert_eq!(
        serde_json::to_value(&a.snapshot).unwrap(),
        serde_json::to_value(&b.snapshot).unwrap(),
        "{what}: figures"
    );
    assert_eq!(a.assessment.findings, b.assessment.findings, "{what}: findings");
    assert_eq!(a.alerts, b.alerts, "{what}: alerts");
    assert_eq!(a.tables, b.tables, "{what}: rows and cursors");
    for section in Section::ALL {
        assert_eq!(a.section_status(section), b.section_status(section), "{what}: {section:?} freshness");
    }
    assert_eq!(a.feed, b.feed, "{what}: feed");
    assert_eq!(a.history.len(), b.history.len(), "{what}: trend count");
    assert_eq!(trends(a), trends(b), "{what}: trends");
}

#[test]
fn the_worker_path_gives_what_the_loop_gave() {
    let km = keymap();
    for scenario in [Scenario::ChatBridgeDown, Scenario::LambdaErrors, Scenario::PortExhaustion] {
        let mut sim = Simulator::new(SimParams { queues: 40, ..SimParams::with_scenario(scenario, 3) });
        // A short history, so vanished rows' trends close and their slots are taken again.
        let (mut a, mut b) = (State::new(Thresholds::default(), 4), State::new(Thresholds::default(), 4));
        let mut intake = Intake::new(&b);
        let start = sim.elapsed();
        for step in 0..50u64 {
            sim.advance_to(start + Duration::from_secs(30 * step));
            let mut snap = sim.snapshot();
            // Rows that come and go: queues renamed for a stretch (their trends close after
            // four snapshots and new ones open), and one that is missing now and then.
            if (8..20).contains(&step) || (40..44).contains(&step) {
                for (i, q) in snap.connect.queues.iter_mut().take(4).enumerate() {
                    q.name = format!("gone-{i}");
                }
            }
            if step % 5 == 0 {
                snap.lambda.pop();
            }
            // A section that fails to arrive keeps its figures and says why.
            if step % 7 == 3 {
                snap.gaps.push(Gap::section(Section::Kinesis, "GetMetricData: throttled"));
            }
            let at = sim.now();
            let orders = b.table_orders();
            let prepared = intake.prepare(snap.clone(), at, &orders);
            // The engineer moves and filters while the worker prepares (b), and just before
            // the loop takes the snapshot in itself (a): the same keys, the same place.
            for s in [&mut a, &mut b] {
                if step == 12 {
                    s.focus = PaneId::QUEUES;
                    s.tables[PaneId::QUEUES.index()].selected = 5;
                }
                if step == 15 {
                    s.tables[PaneId::QUEUES.index()].filter = "q".into();
                    s.rebuild_rows(PaneId::QUEUES);
                }
                if step == 25 {
                    s.tables[PaneId::LAMBDA.index()].sort = SortKey::Name;
                    s.rebuild_rows(PaneId::LAMBDA);
                }
            }
            update(&mut a, Msg::Telemetry { result: Ok(Box::new(snap.clone())), at }, &km);
            if step < 40 {
                update(&mut b, Msg::Prepared { result: Ok(Box::new(prepared)), at }, &km);
                assert!(b.take_spent().is_some(), "what was replaced goes to be dropped elsewhere");
            } else {
                // Then on the loop again: its copy of the trends' index followed the worker's.
                update(&mut b, Msg::Telemetry { result: Ok(Box::new(snap)), at }, &km);
            }
            same(&a, &b, &format!("{} step {step}", scenario.name()));
        }
        assert!(!a.alerts.is_empty(), "{}: the incident raised alerts", scenario.name());
    }
}

/// What the runbook actions are planned against reaches the console's figures, and a snapshot
/// without it (a source that does not read it) keeps the last.
#[test]
fn the_db_instances_and_queue_shares_reach_the_console_and_stay() {
    let km = keymap();
    let mut sim = Simulator::new(SimParams::with_scenario(Scenario::RdsStorageFull, 3));
    sim.advance_to(Duration::from_secs(400));
    let mut snap = sim.snapshot();
    // The simulator describes its instance when an RDS pane is configured (the presets).
    snap.db_instances = vec![DbInstance {
        id: "nextalk-config-db".into(),
        status: "storage-full".into(),
        storage_type: Some("gp3".into()),
        allocated_gib: Some(200),
        ..Default::default()
    }];
    assert!(!snap.queue_shares.is_empty(), "the simulator has its own queue share");
    let mut s = State::new(Thresholds::default(), 4);
    let at = Timestamp::from_secs(400);
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(snap.clone())), at }, &km);
    assert_eq!(s.snapshot.db_instances, snap.db_instances);
    assert_eq!(s.snapshot.queue_shares, snap.queue_shares);
    let without = Snapshot { db_instances: vec![], queue_shares: vec![], ..snap.clone() };
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(without)), at: Timestamp::from_secs(402) }, &km);
    assert_eq!(s.snapshot.db_instances, snap.db_instances, "kept");
    assert_eq!(s.snapshot.queue_shares, snap.queue_shares, "kept");
}

//! grow_storage: planned from DescribeDBInstances (the snapshot's `db_instances`) and the RDS
//! pane's figures, refused where RDS would refuse it, its impact from the storage type.

use super::*;
use crate::runbook::impact::{self, ImpactLevel};
use crate::source::sim::{Scenario, SimParams, Simulator};
use std::time::Duration;

const GROW: ActionKind = ActionKind::GrowStorage { entity: None, grow_pct: 50, autoscale_pct: None };

/// The demo's rds-storage-full at 10 minutes (full since about 7), with the preset panes.
fn full_db() -> Snapshot {
    let panes = crate::config::presets::all_with(&[], None).unwrap();
    let params = SimParams {
        panes: panes.into_iter().map(std::sync::Arc::new).collect(),
        ..SimParams::with_scenario(Scenario::RdsStorageFull, 1)
    };
    let mut sim = Simulator::new(params);
    sim.advance_to(Duration::from_secs(600));
    sim.snapshot()
}

/// Starts a one-action runbook against `snap`: the confirmation, or the record of why not.
fn start(kind: &ActionKind, snap: &Snapshot, read_only: bool) -> Result<ConfirmRequest, Box<StepRecord>> {
    let rb = one_action_runbook(kind);
    let mut run = Run::new(&rb, RunContext::from_snapshot(snap, read_only, Thresholds::default()));
    match run.start(T0).unwrap().first() {
        Some(Request::Confirm(plan)) => Ok(plan.clone()),
        _ => Err(Box::new(run.records().last().cloned().expect("a record"))),
    }
}

#[test]
fn grow_storage_shows_the_call_the_sizes_the_cost_and_rds_limits() {
    let snap = full_db();
    let db = &snap.db_instances[0];
    assert_eq!(
        (db.id.as_str(), db.status.as_str(), db.allocated_gib),
        ("nextalk-config-db", "storage-full", Some(200))
    );
    let plan = start(&GROW, &snap, false).unwrap();
    let remote = plan.remote.clone().unwrap();
    assert_eq!(
        remote,
        RemoteAction::ModifyDbStorage {
            instance: "nextalk-config-db".into(),
            allocated_gib: 300,
            max_allocated_gib: None
        }
    );
    assert_eq!(
        remote.api_call().unwrap(),
        [
            "rds:ModifyDBInstance",
            "  DBInstanceIdentifier = nextalk-config-db",
            "  AllocatedStorage     = 300",
            "  ApplyImmediately     = true",
        ]
    );
    assert_eq!(plan.targets, [Target::aws("db nextalk-config-db".into())]);
    for needle in [
        "grow the storage of DB instance nextalk-config-db (sqlserver-se, gp3), storage-full: 200 → 300 GiB \
         allocated (+100 GiB, +50%)",
        "free storage now 0B",
        "storage autoscaling stays off",
        "cost: up — allocated storage is billed per GiB-month, +100 GiB from now on",
        "storage only grows (no decrease, ever)",
        "at least 10% (else InvalidParameterCombination)",
        "no further storage change for 6 hours or while storage-optimization runs",
    ] {
        assert!(plan.summary.contains(needle), "{needle:?} not in {}", plan.summary);
    }
    let i = impact::of(Some(&remote), &plan.targets, &snap);
    assert_eq!(i.level, ImpactLevel::None);
    assert_eq!(
        i.lines,
        [
            "no downtime: nextalk-config-db (gp3) keeps serving while RDS adds the storage (no restart, no failover); \
          the writes it refuses now for lack of space resume when the space arrives, in minutes"
        ]
    );
    // Read-only: the same plan, refused up front.
    let ro = start(&GROW, &snap, true).unwrap();
    assert!(ro.refusal.as_deref().is_some_and(|r| r.contains("read-only")), "{:?}", ro.refusal);
    // Autoscaling: MaxAllocatedStorage that far above the new size, in the call and the summary.
    let auto = ActionKind::GrowStorage { entity: None, grow_pct: 50, autoscale_pct: Some(100) };
    let plan = start(&auto, &snap, false).unwrap();
    assert!(plan.remote.unwrap().api_call().unwrap().contains(&"  MaxAllocatedStorage  = 600".to_string()));
    assert!(plan.summary.contains("storage autoscaling turned on, up to 600 GiB"), "{}", plan.summary);
}

#[test]
fn grow_storage_is_refused_where_rds_would_refuse_it_or_the_storage_is_unknown() {
    let base = full_db();
    let with = |f: &dyn Fn(&mut DbInstance)| {
        let mut s = base.clone();
        f(&mut s.db_instances[0]);
        s
    };
    let cases: Vec<(Snapshot, &str)> = vec![
        (
            with(&|d| {
                d.status = "modifying".into();
                d.pending_allocated_gib = Some(300);
            }),
            "DB instance nextalk-config-db is modifying: a storage change to 300 GiB is already pending",
        ),
        (
            with(&|d| d.status = "storage-optimization".into()),
            "RDS takes no storage change while the last one is optimized (and for 6 hours after it)",
        ),
        (with(&|d| d.status = "backing-up".into()), "is \"backing-up\", not available: RDS refuses"),
        (with(&|d| d.allocated_gib = None), "DescribeDBInstances gave no AllocatedStorage"),
        (
            with(&|d| d.max_allocated_gib = Some(310)),
            "MaxAllocatedStorage 310 GiB would not be 10% above 300 GiB",
        ),
        (with(&|d| d.allocated_gib = Some(16_000)), "beyond RDS's 16384 GiB for its engine"),
        (
            Snapshot { db_instances: vec![], ..base.clone() },
            "its storage is not known (DescribeDBInstances has not described it), so nothing is changed",
        ),
    ];
    for (snap, why) in cases {
        let rec = start(&GROW, &snap, false).expect_err(why);
        assert_eq!(rec.outcome, Outcome::Error, "{why}");
        assert!(rec.evidence[0].contains(why), "{why:?} not in {:?}", rec.evidence);
    }
    // An instance failing on CPU only is no reason to grow its storage.
    let busy = {
        let mut s = base.clone();
        for p in s.panes.iter_mut().filter(|p| p.def.namespace == "AWS/RDS") {
            let free = p.def.column("free storage").unwrap();
            let cpu = p.def.column("cpu").unwrap();
            p.rows[0].values[free] = Some(50e9);
            p.rows[0].values[cpu] = Some(99.0);
        }
        s
    };
    let rec = start(&GROW, &busy, false).expect_err("cpu only");
    assert_eq!(rec.outcome, Outcome::Skipped);
    assert!(
        rec.evidence[0].contains("no DB instance's free storage is at warn or crit"),
        "{:?}",
        rec.evidence
    );
    // No RDS row failing and none named: nothing to do.
    let calm = {
        let mut s = base.clone();
        s.panes.retain(|p| p.def.namespace != "AWS/RDS");
        s
    };
    let rec = start(&GROW, &calm, false).expect_err("no failing row");
    assert_eq!(rec.outcome, Outcome::Skipped);
    // Magnetic or unreported storage: its impact is unknown, not none.
    for (t, line) in [(Some("standard"), "has \"standard\" storage"), (None, "gave no StorageType")] {
        let snap = with(&|d| d.storage_type = t.map(String::from));
        let a = RemoteAction::ModifyDbStorage {
            instance: "nextalk-config-db".into(),
            allocated_gib: 300,
            max_allocated_gib: None,
        };
        let i = impact::of(Some(&a), &[], &snap);
        assert_eq!(i.level, ImpactLevel::Unknown);
        assert!(i.lines[0].starts_with("unknown: ") && i.lines[0].contains(line), "{:?}", i.lines);
    }
}

#[test]
fn grow_storage_fields_are_checked_when_the_runbook_loads() {
    let step = |extra: &str| {
        load(&format!(
            "{HEAD}[[steps]]\nid = \"act\"\ntitle = \"Act\"\nkind = \"action\"\naction = \"grow_storage\"\n{extra}"
        ))
    };
    assert!(step("grow_pct = 10\n").is_ok());
    for (extra, msg) in [
        ("", "`grow_pct`"),
        ("grow_pct = 5\n", "10 to 400 (RDS takes no increase under 10%): 5"),
        ("grow_pct = 50\nautoscale_pct = 2\n", "`autoscale_pct` is how far above the new size"),
        ("grow_pct = 50\nentity = \"bad--db\"\n", "invalid DB instance identifier \"bad--db\""),
        ("grow_pct = 50\ncapacity = \"x2\"\n", "`capacity` does not apply"),
    ] {
        let e = step(extra).unwrap_err();
        assert!(e.contains(msg), "{extra:?}: {e}");
    }
}

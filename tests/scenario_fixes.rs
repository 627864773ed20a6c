//! Every incident leads to its fix: in each demo scenario, the runbook ranked first for the
//! scenario's alerts, run headless with `--yes` on the simulator, ends healthy and leaves none
//! of the crit alerts the scenario raised (judged on the simulator's figures after the run, not
//! on the run's own verdict). In `calm` no runbook is starred.

use std::time::Duration;
use switchboard::headless::demo_snapshot;
use switchboard::model::{Level, Thresholds, assess};
use switchboard::runbook::{HeadlessOptions, RunContext, rank, run_headless, shipped};
use switchboard::source::sim::{
    DEFAULT_SNAPSHOT_AT, Scenario, SimHandle, SimParams, SimRemote, SimSource, Simulator,
};

/// Fast enough that the re-checks' minutes pass in seconds, slow enough that a service
/// restart's status transitions are still polled.
const SPEED: f64 = 30.0;

struct Outcome {
    runbook: String,
    exit_code: i32,
    crit_before: Vec<String>,
    crit_after: Vec<String>,
    /// Every crit alert on the simulator's figures after the run, the scenario's or not.
    crit_now: Vec<String>,
    output: String,
}

fn fix(scenario: Scenario) -> Outcome {
    let thresholds = Thresholds::default();
    let params = SimParams::with_scenario(scenario, 1);
    let taken = demo_snapshot(params.clone(), DEFAULT_SNAPSHOT_AT, &thresholds);
    let all = shipped().expect("shipped runbooks");
    let ranked = rank(&taken.alerts, &all);
    let first = ranked.first().expect("a runbook");
    assert!(first.fits_any(), "{scenario}: nothing fits {:?}", taken.alerts);
    let rb = first.runbook.clone();
    let crit_before: Vec<String> =
        taken.alerts.iter().filter(|a| a.severity == Level::Crit).map(|a| a.key.clone()).collect();

    let mut sim = Simulator::new(params);
    sim.advance_to(DEFAULT_SNAPSHOT_AT);
    let handle = SimHandle::realtime(sim.shared(), SPEED);
    let mut telemetry = SimSource::new(handle.clone());
    let remote = SimRemote::new(handle.clone());
    let first_snap = telemetry.collect_now().expect("snapshot");
    let ctx = RunContext::from_snapshot(&first_snap, false, thresholds.clone());
    let opts = HeadlessOptions { yes: true, poll_interval: Duration::from_millis(100), ..Default::default() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut out = Vec::new();
    let outcome =
        rt.block_on(run_headless(&rb, ctx, &mut telemetry, &remote, &opts, None, &mut out)).expect("run");
    let after = handle.with(|s| s.snapshot()).expect("final snapshot");
    let crit_now: Vec<String> = assess(&after, &thresholds)
        .findings
        .into_iter()
        .filter(|f| f.level == Level::Crit)
        .map(|f| f.key)
        .collect();
    let crit_after = crit_before.iter().filter(|k| crit_now.contains(k)).cloned().collect();
    Outcome {
        runbook: rb.id.clone(),
        exit_code: outcome.exit_code(),
        crit_before,
        crit_after,
        crit_now,
        output: String::from_utf8_lossy(&out).into_owned(),
    }
}

fn assert_fixed(scenario: Scenario, runbook: &str) {
    let o = fix(scenario);
    assert_eq!(o.runbook, runbook, "{scenario}: ranked first");
    assert!(!o.crit_before.is_empty(), "{scenario}: the incident raised no crit alert");
    assert_eq!(o.exit_code, 0, "{scenario}: {}", o.output);
    assert!(o.crit_after.is_empty(), "{scenario}: still crit {:?}\n{}", o.crit_after, o.output);
}

#[test]
fn calm_stars_nothing() {
    let taken = demo_snapshot(
        SimParams::with_scenario(Scenario::Calm, 1),
        DEFAULT_SNAPSHOT_AT,
        &Thresholds::default(),
    );
    let all = shipped().expect("shipped runbooks");
    let ranked = rank(&taken.alerts, &all);
    assert!(ranked.iter().all(|r| !r.fits_any()), "{:?}", taken.alerts);
}

#[test]
fn chat_bridge_down_is_fixed_by_the_first_runbook() {
    assert_fixed(Scenario::ChatBridgeDown, "nextalk-connectivity");
}

#[test]
fn lambda_errors_are_fixed_by_the_crm_bypass() {
    assert_fixed(Scenario::LambdaErrors, "crm-lookup-bypass");
}

#[test]
fn dynamodb_throttling_is_fixed_by_on_demand() {
    assert_fixed(Scenario::DynamoDbThrottling, "dynamodb-capacity");
}

#[test]
fn kinesis_lag_is_fixed_by_doubling_the_shards() {
    assert_fixed(Scenario::KinesisLag, "kinesis-shards");
}

/// A surge of 12x the TTY volume against 30 agents: callback-only ends the port exhaustion (no
/// caller holds a port while waiting), which the run proves on the failover headroom. Then the
/// run adds TTY Relay to the Web Chat agents' routing profile (AssociateRoutingProfileQueues,
/// priority 2) and re-checks the backlog for 15 minutes: the shared agents answer what they can
/// beside their own chats, but about 43 contacts a minute arrive against about 9 answered, more
/// than the 192 NexTalk ports could carry at 5 minutes each, so the backlog stays crit, and
/// honestly so: the run ends NOT healthy on that check alone and names the escalation.
#[test]
fn port_exhaustion_frees_the_ports_adds_agents_and_escalates_the_backlog() {
    let o = fix(Scenario::PortExhaustion);
    assert_eq!(o.runbook, "tty-surge");
    for put in [
        "PutParameter /contact-center/flags/emergency-message/tty-relay: Version 2",
        "PutParameter /contact-center/flags/tty-callback-only: Version 2",
        "add queue TTY Relay (CHAT) to routing profile Web Chat Agents",
        "(CHAT) associated at priority 2, delay 0 s",
    ] {
        assert!(o.output.contains(put), "{put}\n{}", o.output);
    }
    assert!(
        o.output.contains("✖ FAIL     The TTY Relay queue keeps up  (re-check after more-agents)"),
        "{}",
        o.output
    );
    let nextalk: Vec<&String> = o.crit_before.iter().filter(|k| k.contains("nextalk")).collect();
    assert!(nextalk.len() >= 3, "ports on both servers and the failover were crit: {:?}", o.crit_before);
    let still: Vec<&String> = o.crit_after.iter().filter(|k| k.contains("nextalk")).collect();
    assert!(still.is_empty(), "the NexTalk alerts clear on the simulator's figures: {still:?}\n{}", o.output);
    assert!(o.crit_after.iter().any(|k| k.contains("TTY Relay")), "the backlog stays: {:?}", o.crit_after);
    assert_eq!(o.exit_code, 1, "{}", o.output);
    assert!(o.output.contains("result: NOT healthy: backlog: fail\n"), "{}", o.output);
    let next = o.output.lines().find(|l| l.starts_with("next: ")).unwrap_or("");
    assert!(next.starts_with("next: escalate: Callback backlog in TTY Relay"), "{next}");
    assert!(next.contains("Still crit: ") && next.contains("TTY Relay: contacts in queue"), "{next}");
}

// ---- The scenarios of the pane presets (direct-connect-down, crm-outage, rds-storage-full).
// Their evidence is in preset panes, so the simulator runs with the presets the demo shows;
// this block keeps its own helper (a copy of `fix` with those panes) so edits above and here
// merge apart.

fn fix_with_presets(scenario: Scenario) -> Outcome {
    let thresholds = Thresholds::default();
    let panes = switchboard::config::presets::all_with(&[], None).expect("shipped presets");
    let params = SimParams {
        panes: panes.into_iter().map(std::sync::Arc::new).collect(),
        ..SimParams::with_scenario(scenario, 1)
    };
    let taken = demo_snapshot(params.clone(), DEFAULT_SNAPSHOT_AT, &thresholds);
    let all = shipped().expect("shipped runbooks");
    let ranked = rank(&taken.alerts, &all);
    let first = ranked.first().expect("a runbook");
    assert!(first.fits_any(), "{scenario}: nothing fits {:?}", taken.alerts);
    let rb = first.runbook.clone();
    let crit_before: Vec<String> =
        taken.alerts.iter().filter(|a| a.severity == Level::Crit).map(|a| a.key.clone()).collect();
    let mut sim = Simulator::new(params);
    sim.advance_to(DEFAULT_SNAPSHOT_AT);
    let handle = SimHandle::realtime(sim.shared(), SPEED);
    let mut telemetry = SimSource::new(handle.clone());
    let remote = SimRemote::new(handle.clone());
    let first_snap = telemetry.collect_now().expect("snapshot");
    let ctx = RunContext::from_snapshot(&first_snap, false, thresholds.clone());
    let opts = HeadlessOptions { yes: true, poll_interval: Duration::from_millis(100), ..Default::default() };
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    let mut out = Vec::new();
    let outcome =
        rt.block_on(run_headless(&rb, ctx, &mut telemetry, &remote, &opts, None, &mut out)).expect("run");
    let after = handle.with(|s| s.snapshot()).expect("final snapshot");
    let crit_now: Vec<String> = assess(&after, &thresholds)
        .findings
        .into_iter()
        .filter(|f| f.level == Level::Crit)
        .map(|f| f.key)
        .collect();
    let crit_after = crit_before.iter().filter(|k| crit_now.contains(k)).cloned().collect();
    Outcome {
        runbook: rb.id.clone(),
        exit_code: outcome.exit_code(),
        crit_before,
        crit_after,
        crit_now,
        output: String::from_utf8_lossy(&out).into_owned(),
    }
}

/// The bypass ends the lookup's timeouts and the flow errors they cause; the CRM itself stays
/// down, so its canary (and only it) is still red, and the run says so.
#[test]
fn crm_outage_is_bypassed_and_the_canary_stays_red() {
    let o = fix_with_presets(Scenario::CrmOutage);
    assert_eq!(o.runbook, "crm-lookup-bypass", "ranked first");
    assert_eq!(o.exit_code, 0, "{}", o.output);
    assert!(
        o.crit_before.iter().any(|k| k.starts_with("lambda:connect-lookup-customer:")),
        "{:?}",
        o.crit_before
    );
    assert!(
        o.crit_after.iter().all(|k| k.starts_with("panes:canaries/pega-crm-health:")),
        "only the CRM's own canary may stay red: {:?}\n{}",
        o.crit_after,
        o.output
    );
    assert!(o.output.contains("pega-crm-health: success 0% < 50% (crit)"), "{}", o.output);
    assert!(o.output.contains("PutParameter /contact-center/flags/crm-bypass: Version 2"), "{}", o.output);
}

/// Nothing in AWS brings a link back: the run proves which link and which server, turns on
/// the emergency message, and (nt-a cut off, nt-b reaching Connect with room for all) sends the
/// TTY calls to nt-b (`nextalk_active_servers = nt-b-only`): nt-a's callers on hold are
/// transferred, new calls reach Connect, the hand-off failures stop (re-checked on the newest
/// log lines). Every crit alert clears except the link's own state, which stays until the
/// provider repairs it: the run ends not healthy on that, naming the provider escalation.
#[test]
fn direct_connect_down_moves_tty_to_the_other_site_and_escalates_the_link() {
    let o = fix_with_presets(Scenario::DirectConnectDown);
    assert_eq!(o.runbook, "direct-connect", "ranked first");
    const LINK: &str = "panes:dx/dxcon-fh6ayh1d:state";
    assert!(o.crit_before.iter().any(|k| k == LINK), "{:?}", o.crit_before);
    assert_eq!(o.crit_now, [LINK], "only the link's own alert may stay crit\n{}", o.output);
    assert_eq!(o.exit_code, 1, "{}", o.output);
    for needle in [
        "dxcon-fh6ayh1d: state 0 < 0.5 (crit); state 0, bps in 0b/s, bps out 0b/s",
        "nt-a: contact-center.my.connect.aws:443 unreachable",
        "nt-b: contact-center.my.connect.aws:443 reachable",
        "StartChatContact failed",
        "PutParameter /contact-center/flags/emergency-message/tty-relay: Version 2",
        "PutParameter /contact-center/flags/nextalk-active-servers: Version 2",
        "✓ PASS     No TTY caller is waiting on a failed hand-off now  (re-check after move-tty-traffic)",
        "result: NOT healthy: dx-state: fail; connect-tcp: fail\n",
        "next: escalate: Open a case with the Direct Connect provider",
    ] {
        assert!(o.output.contains(needle), "{needle:?} missing:\n{}", o.output);
    }
}

/// More storage is the fix the console can make: the run proves the cause with the database's
/// and the App API's figures, grows the storage by half (ModifyDBInstance), waits until the
/// space is there (RDS is `modifying` for minutes) and the App API's writes succeed, and hands
/// the writer to the DBA. It ends healthy; the free-storage alert is gone on the simulator's
/// figures after the run, and the free space, after the jump, declines again (the writer
/// keeps writing).
#[test]
fn rds_storage_full_is_fixed_by_growing_the_storage() {
    let o = fix_with_presets(Scenario::RdsStorageFull);
    assert_eq!(o.runbook, "rds-storage", "ranked first");
    assert!(
        o.crit_before.iter().any(|k| k == "panes:rds/nextalk-config-db:free storage"),
        "{:?}",
        o.crit_before
    );
    assert_eq!(o.exit_code, 0, "{}", o.output);
    assert!(o.crit_after.is_empty(), "still crit {:?}\n{}", o.crit_after, o.output);
    for needle in [
        "nextalk-config-db: free storage 0B < 2GB (crit); cpu",
        "filegroup is full",
        "200 → 300 GiB allocated",
        "ModifyDBInstance nextalk-config-db: DBInstanceStatus storage-full, AllocatedStorage 200 GiB, pending \
         AllocatedStorage 300 GiB",
        "of waiting",
        "result: healthy",
    ] {
        assert!(o.output.contains(needle), "{needle:?} missing:\n{}", o.output);
    }
}

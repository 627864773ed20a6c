//! Behaviour of the whole simulator: determinism, each scenario's symptoms and causes, remote
//! commands that change the model, and the adapters.

use super::*;
use crate::model::{Level, Section, ServiceStatus, Thresholds, assess};
use crate::source::logs::{LogLevel, LogTail};
use crate::source::remote::{CommandId, CommandStatus, Invocation, Remote, RemoteAction, RemoteError};
use crate::source::{Target, Telemetry};

fn sim_at(scenario: Scenario, seed: u64, t: Duration) -> Simulator {
    let mut sim = Simulator::new(SimParams::with_scenario(scenario, seed));
    sim.advance_to(t);
    sim
}

fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

fn target(sim: &Simulator, server: &str) -> Target {
    sim.targets().into_iter().find(|t| t.server == server).expect("simulated server exists")
}

fn restart(service: &str) -> RemoteAction {
    RemoteAction::RestartService { service: service.to_string() }
}

/// Steps until the invocation is terminal, recording every service state seen on the way.
fn run_to_end(
    sim: &mut Simulator,
    id: &CommandId,
    server: &str,
    service: &str,
) -> (Invocation, Vec<ServiceStatus>, u64) {
    let start = sim.elapsed();
    let mut seen = Vec::new();
    for _ in 0..120 {
        sim.step(TICK);
        let status = sim.service_status(server, service).expect("known service");
        if seen.last() != Some(&status) {
            seen.push(status);
        }
        if let Ok(inv) = sim.invocation(id, server)
            && inv.status.is_terminal()
        {
            return (inv, seen, (sim.elapsed() - start).as_secs());
        }
    }
    panic!("command {id} did not finish in 120 s; states {seen:?}");
}

fn levels(sim: &Simulator) -> crate::model::Assessment {
    assess(&sim.snapshot(), &Thresholds::default())
}

#[test]
fn same_seed_gives_byte_identical_json_and_other_seeds_differ() {
    for scenario in [Scenario::Calm, Scenario::PortExhaustion] {
        let a = serde_json::to_string(&sim_at(scenario, 7, DEFAULT_SNAPSHOT_AT).snapshot()).expect("json");
        let b = serde_json::to_string(&sim_at(scenario, 7, DEFAULT_SNAPSHOT_AT).snapshot()).expect("json");
        assert_eq!(a, b);
    }
    let a = sim_at(Scenario::Calm, 1, DEFAULT_SNAPSHOT_AT).snapshot();
    let b = sim_at(Scenario::Calm, 2, DEFAULT_SNAPSHOT_AT).snapshot();
    assert_ne!(serde_json::to_string(&a).expect("json"), serde_json::to_string(&b).expect("json"));
    let busy = |s: &Snapshot| s.connect.queues.iter().map(|q| q.agents_on_contact).collect::<Vec<_>>();
    assert_ne!(busy(&a), busy(&b));
    assert_ne!(a.connect.instance_id, b.connect.instance_id);
    // Same shape, though: the names do not depend on the seed.
    let names = |s: &Snapshot| s.connect.queues.iter().map(|q| q.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&a), names(&b));
}

#[test]
fn polling_does_not_change_the_future() {
    let mut polled = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 3));
    for _ in 0..300 {
        polled.step(TICK);
        let _ = polled.snapshot();
        let _ = polled.log_since("nt-a", 0);
    }
    let quiet = sim_at(Scenario::ChatBridgeDown, 3, secs(300));
    assert_eq!(polled.snapshot(), quiet.snapshot());
}

#[test]
fn the_clock_starts_at_three_in_the_morning_and_ticks_in_seconds() {
    let mut sim = Simulator::new(SimParams::default());
    assert_eq!(sim.snapshot().taken_at.rfc3339(), "2026-11-22T03:00:00Z");
    sim.step(Duration::from_millis(1500));
    assert_eq!(sim.elapsed(), secs(1));
    sim.step(Duration::from_millis(1500));
    assert_eq!(sim.elapsed(), secs(3));
    sim.advance_to(DEFAULT_SNAPSHOT_AT);
    assert_eq!(sim.snapshot().taken_at.rfc3339(), "2026-11-22T03:10:00Z");
    sim.advance_to(secs(10));
    assert_eq!(sim.elapsed(), DEFAULT_SNAPSHOT_AT, "time never goes back");
    assert_eq!(sim.snapshot().source, "demo:calm");
}

#[test]
fn default_instance_has_the_requested_size_and_realistic_names() {
    let s = Simulator::new(SimParams::default()).snapshot();
    assert_eq!(s.connect.queues.len(), 12);
    assert_eq!(s.lambda.len(), 8);
    assert_eq!(s.kinesis.len(), 3);
    assert_eq!(s.dynamodb.len(), 4);
    assert_eq!(s.connect.queues[2].name, "TTY Relay");
    assert_eq!(s.lambda[0].name, "connect-lookup-customer");
    assert_eq!(s.kinesis[0].name, "ctr-stream");
    assert_eq!(s.dynamodb[0].name, "CallRecords");
    let servers: Vec<_> =
        s.nextalk.servers.iter().map(|x| (x.name.as_str(), x.instance_id.as_str())).collect();
    assert_eq!(servers, [("nt-a", "i-0a1b2c3d4e5f60001"), ("nt-b", "i-0a1b2c3d4e5f60002")]);
    let services: Vec<_> = s.nextalk.servers[0].services.iter().map(|x| x.name.as_str()).collect();
    assert_eq!(services, ["NexTalk Server", "NexTalk App API", "NexTalk Chat Bridge"]);
    assert_eq!(s.connect.concurrent_chats_quota, 200);
    // Warmed up: work is going on from the first snapshot.
    assert!(s.connect.concurrent_calls > 10, "calls {}", s.connect.concurrent_calls);
    assert!(s.nextalk.servers.iter().all(|x| x.ports_in_use > Some(0)));
    assert!(s.lambda[0].invocations > 0);
}

#[test]
fn calm_is_all_green_at_the_default_time() {
    for seed in 1..=5 {
        let a = levels(&sim_at(Scenario::Calm, seed, DEFAULT_SNAPSHOT_AT));
        assert!(a.findings.is_empty(), "seed {seed}: {:?}", a.findings);
    }
}

#[test]
fn every_incident_starts_after_a_calm_stretch_and_shows_by_the_default_time() {
    let expect = [
        (Scenario::ChatBridgeDown, Section::NexTalk, "nextalk:nt-a:service:NexTalk Chat Bridge"),
        (Scenario::LambdaErrors, Section::Lambda, "lambda:connect-lookup-customer:lambda_error_rate_pct"),
        (Scenario::KinesisLag, Section::Kinesis, "kinesis:ctr-stream:kinesis_iterator_age_ms"),
        (Scenario::PortExhaustion, Section::NexTalk, "nextalk:nt-a:nextalk_port_utilisation_pct"),
        (Scenario::DynamoDbThrottling, Section::DynamoDb, "dynamodb:CallRecords:dynamodb_throttle_events"),
    ];
    for (scenario, section, key) in expect {
        for seed in 1..=3 {
            let before = levels(&sim_at(scenario, seed, INCIDENT_AT - TICK));
            assert_eq!(before.overall(), Level::Ok, "{scenario} seed {seed} before: {:?}", before.findings);
            let after = levels(&sim_at(scenario, seed, DEFAULT_SNAPSHOT_AT));
            assert_eq!(after.section(section), Level::Crit, "{scenario} seed {seed}: {:?}", after.findings);
            assert!(
                after.findings.iter().any(|f| f.key == key),
                "{scenario} seed {seed}: no {key} in {:?}",
                after.findings
            );
        }
    }
}

#[test]
fn bridge_crash_stops_tty_chats_on_that_server_and_fills_its_log_with_errors() {
    let before = sim_at(Scenario::ChatBridgeDown, 1, INCIDENT_AT - TICK);
    let sim = sim_at(Scenario::ChatBridgeDown, 1, DEFAULT_SNAPSHOT_AT);
    let calm = sim_at(Scenario::Calm, 1, DEFAULT_SNAPSHOT_AT);
    assert!(before.nextalk.bridged_on(0) > 0);
    assert_eq!(sim.nextalk.bridged_on(0), 0, "no chat from nt-a reaches Connect");
    assert!(sim.nextalk.bridged_on(1) > 0, "nt-b still bridges");
    let chats = |s: &Simulator| s.snapshot().connect.concurrent_chats;
    assert!(chats(&sim) < chats(&calm), "chats {} vs calm {}", chats(&sim), chats(&calm));
    assert!(sim.failed_tty_chats() > 5, "failed chats {}", sim.failed_tty_chats());
    assert_eq!(calm.failed_tty_chats(), 0);

    let errors = |s: &Simulator, server: &str| -> Vec<String> {
        let lines = s.log_tail(server, LOG_CAPACITY).expect("server");
        lines.into_iter().filter(|l| l.level == LogLevel::Error && l.at > stamp(0)).map(|l| l.text).collect()
    };
    let a = errors(&sim, "nt-a");
    assert!(a.len() > 10, "only {} ERROR lines on nt-a", a.len());
    assert!(a.iter().any(|l| l.contains("WebSocketException")));
    assert!(a.iter().any(|l| l.contains("hand-off to Chat Bridge failed")));
    assert!(errors(&sim, "nt-b").is_empty(), "nt-b: {:?}", errors(&sim, "nt-b"));
    assert!(errors(&calm, "nt-a").is_empty());
}

#[test]
fn restarting_the_chat_bridge_recovers_chats_only_once_it_runs() {
    let mut sim = sim_at(Scenario::ChatBridgeDown, 1, DEFAULT_SNAPSHOT_AT);
    let nt_a = target(&sim, "nt-a");
    let id = sim.submit(&restart("NexTalk Chat Bridge"), &[nt_a]).expect("submit");
    assert!(matches!(sim.invocation(&id, "nt-a"), Err(RemoteError::InvocationDoesNotExist(_))));
    let mut statuses = Vec::new();
    let mut running_at = None;
    for s in 1..=30 {
        sim.step(TICK);
        let svc = sim.service_status("nt-a", "NexTalk Chat Bridge").expect("service");
        let inv = sim.invocation(&id, "nt-a").expect("invocation");
        if statuses.last() != Some(&inv.status) {
            statuses.push(inv.status);
        }
        if svc != ServiceStatus::Running {
            assert_eq!(sim.nextalk.bridged_on(0), 0, "chat bridged at +{s}s while the service is {svc:?}");
        } else if running_at.is_none() {
            running_at = Some(s);
        }
    }
    let running_at = running_at.expect("bridge came back");
    assert!((4..=10).contains(&running_at), "running after {running_at}s");
    assert_eq!(statuses, [CommandStatus::Pending, CommandStatus::InProgress, CommandStatus::Success]);
    assert!(sim.nextalk.bridged_on(0) > 0, "callers on hold got their chats");

    // A couple of minutes later nt-a is healthy again and has stopped logging errors.
    sim.step(secs(120));
    let a = levels(&sim);
    assert_eq!(a.row(Section::NexTalk, "nt-a").level, Level::Ok, "{:?}", a.findings);
    let recent = sim.log_tail("nt-a", 200).expect("log");
    let since = sim.now().0 - 60_000;
    assert!(recent.iter().filter(|l| l.at.0 > since).all(|l| l.level != LogLevel::Error));
}

#[test]
fn restarting_a_running_service_walks_through_every_state() {
    let mut sim = sim_at(Scenario::Calm, 2, secs(60));
    let nt_b = target(&sim, "nt-b");
    let id = sim.submit(&restart("NexTalkAppApi"), &[nt_b]).expect("submit");
    let (inv, seen, took) = run_to_end(&mut sim, &id, "nt-b", "NexTalk App API");
    use ServiceStatus::*;
    assert_eq!(seen, [Running, StopPending, Stopped, StartPending, Running]);
    assert_eq!(inv.status, CommandStatus::Success);
    assert_eq!(inv.response_code, Some(0));
    // Restart-Service warned while it waited, then the script printed the requested name.
    let waited = |verb: &str| {
        inv.stdout
            .matches(&format!(
                "WARNING: Waiting for service 'NexTalk App API (NexTalkAppApi)' to {verb}...\r\n"
            ))
            .count()
    };
    assert!(waited("stop") >= 1 && waited("start") >= 1, "{}", inv.stdout);
    assert!(inv.stdout.ends_with("\r\nNexTalkAppApi|Running\r\n"), "{}", inv.stdout);
    assert_eq!(inv.stderr, "");
    assert!((8..=15).contains(&took), "took {took}s");
    let log = sim.log_tail("nt-b", 500).expect("log");
    assert!(log.iter().any(|l| l.text.contains("NexTalk App API is now Stopped")));
}

#[test]
fn port_exhaustion_misses_calls_and_a_restart_does_not_fix_it() {
    let mut sim = sim_at(Scenario::PortExhaustion, 1, DEFAULT_SNAPSHOT_AT);
    let s = sim.snapshot();
    assert!(s.connect.missed_calls > 5, "missed {}", s.connect.missed_calls);
    assert!(s.nextalk.servers.iter().all(|x| x.port_pct() > Some(90.0)));
    let calm = sim_at(Scenario::Calm, 1, DEFAULT_SNAPSHOT_AT).snapshot();
    assert_eq!(calm.connect.missed_calls, 0);
    let log = sim.log_tail("nt-a", 1000).expect("log");
    assert!(log.iter().any(|l| l.level == LogLevel::Warn && l.text.contains("no free port")));

    let nt_a = target(&sim, "nt-a");
    let id = sim.submit(&restart("NexTalk Server"), &[nt_a]).expect("submit");
    let (inv, _, _) = run_to_end(&mut sim, &id, "nt-a", "NexTalk Server");
    assert_eq!(inv.status, CommandStatus::Success);
    sim.step(secs(240));
    let s = sim.snapshot();
    assert!(
        s.nextalk.servers[0].port_pct() > Some(90.0),
        "nt-a refilled: {:?}",
        s.nextalk.servers[0].ports_in_use
    );
    assert!(s.connect.missed_calls > 5, "still missing calls: {}", s.connect.missed_calls);
    let log = sim.log_tail("nt-a", 2000).expect("log");
    assert!(log.iter().any(|l| l.text.contains("active TTY calls dropped")));
}

#[test]
fn contact_flow_errors_are_exactly_the_failed_lambda_calls() {
    let sim = sim_at(Scenario::LambdaErrors, 4, DEFAULT_SNAPSHOT_AT);
    let s = sim.snapshot();
    let failed: u64 = s.lambda.iter().map(|f| f.errors + f.throttles).sum();
    assert_eq!(u64::from(s.connect.contact_flow_errors), failed);
    assert!(failed > 0);
    let f = &s.lambda[0];
    assert!(f.error_rate_pct() > Some(20.0), "error rate {:?}", f.error_rate_pct());
    assert_eq!(f.duration_p99_ms, Some(8000.0));
    let calm = sim_at(Scenario::Calm, 4, DEFAULT_SNAPSHOT_AT).snapshot();
    assert_eq!(calm.connect.contact_flow_errors, 0);
    assert!(calm.lambda[0].duration_p99_ms.is_some_and(|p| p < 1000.0));
}

#[test]
fn a_throttled_consumer_lets_iterator_age_grow() {
    let mut sim = sim_at(Scenario::KinesisLag, 2, secs(240));
    let age = |s: &Simulator| s.snapshot().kinesis[0].iterator_age_ms.unwrap_or(0.0);
    let early = age(&sim);
    sim.advance_to(secs(420));
    let mid = age(&sim);
    sim.advance_to(DEFAULT_SNAPSHOT_AT);
    let late = age(&sim);
    assert!(early < mid && mid < late, "{early} {mid} {late}");
    assert!(late > 300_000.0, "late {late}");
    assert!(sim.snapshot().kinesis[0].read_throughput_exceeded > 0);
    let calm = sim_at(Scenario::Calm, 2, DEFAULT_SNAPSHOT_AT).snapshot();
    assert!(calm.kinesis.iter().all(|k| k.iterator_age_ms.is_some_and(|a| a < 2000.0)));
}

#[test]
fn dynamodb_throttles_only_after_burst_capacity_is_spent() {
    let sim = sim_at(Scenario::DynamoDbThrottling, 1, INCIDENT_AT + secs(60));
    let t = &sim.snapshot().dynamodb[0];
    assert_eq!(t.write_throttles, 0, "burst capacity absorbs the first minute");
    assert!(t.write_pct().is_some_and(|p| p > 100.0), "bursting above provisioned: {:?}", t.write_pct());
    let sim = sim_at(Scenario::DynamoDbThrottling, 1, DEFAULT_SNAPSHOT_AT);
    let s = sim.snapshot();
    let t = &s.dynamodb[0];
    assert!(t.write_throttles > 50, "throttles {}", t.write_throttles);
    assert!((t.consumed_write - t.provisioned_write.unwrap_or(0.0)).abs() < 0.01, "{t:?}");
    // The writer of CallRecords runs out of retries: the flow sees errors.
    assert!(s.lambda[2].errors > 0);
    assert!(s.connect.contact_flow_errors > 0);
}

/// What the simulator prints is what the rendered scripts print on PowerShell 5.1 (the
/// fixtures in tests/fixtures/ps51 pin the formats; `ps51::tests` compares them byte for byte).
#[test]
fn read_only_commands_answer_like_powershell() {
    let mut sim = sim_at(Scenario::ChatBridgeDown, 1, secs(200));
    let nt_a = target(&sim, "nt-a");
    let run = |sim: &mut Simulator, action: RemoteAction| {
        let id = sim.submit(&action, std::slice::from_ref(&nt_a)).expect("submit");
        sim.step(secs(5));
        sim.invocation(&id, "nt-a").expect("invocation")
    };
    let services = vec!["NexTalkChatBridge".to_string(), "NexTalk Server".to_string()];
    let inv = run(&mut sim, RemoteAction::QueryServices { services });
    assert_eq!((inv.status, inv.response_code), (CommandStatus::Success, Some(0)));
    assert_eq!(inv.stdout, "NexTalkChatBridge|Stopped\r\nNexTalk Server|Running\r\n");
    // A service the server does not have is reported for itself; the query still succeeds.
    let inv = run(
        &mut sim,
        RemoteAction::QueryServices { services: vec!["Spooler2".into(), "NexTalk App API".into()] },
    );
    assert_eq!((inv.status, inv.stderr.as_str()), (CommandStatus::Success, ""));
    assert_eq!(inv.stdout, "Spooler2|NotFound\r\nNexTalk App API|Running\r\n");

    let inv = run(&mut sim, RemoteAction::TailLog { lines: 25 });
    assert_eq!(inv.stdout.matches("\r\n").count(), 25);
    assert!(inv.stdout.contains("ERROR"));
    let mut busy = sim_at(Scenario::PortExhaustion, 1, DEFAULT_SNAPSHOT_AT);
    let id =
        busy.submit(&RemoteAction::TailLog { lines: 5000 }, std::slice::from_ref(&nt_a)).expect("submit");
    busy.step(secs(5));
    let inv = busy.invocation(&id, "nt-a").expect("invocation");
    assert!(inv.stdout_truncated, "{} chars", inv.stdout.len());
    assert_eq!(inv.stdout.chars().count(), 24_000);

    let inv = run(&mut sim, RemoteAction::ResolveDns { name: "connect.us-east-1.amazonaws.com".into() });
    assert_eq!(inv.status, CommandStatus::Success);
    let rows = crate::source::ps51::read::dns(&inv.stdout).expect("a Name/Type/IPAddress table");
    assert_eq!(rows.len(), 1);
    assert!(rows[0].ip.is_some_and(|ip| ip.to_string().starts_with("52.94.")), "{}", inv.stdout);
    let inv = run(&mut sim, RemoteAction::ResolveDns { name: "nowhere.invalid".into() });
    assert_eq!((inv.status, inv.response_code), (CommandStatus::Failed, Some(1)));
    assert!(inv.stderr.starts_with("Resolve-DnsName : nowhere.invalid : DNS name does not exist\r\nAt C:\\ProgramData\\Amazon\\SSM\\InstanceData\\i-0a1b2c3d4e5f60001\\"), "{}", inv.stderr);
    let inv = run(&mut sim, RemoteAction::TestTcp { host: "nextalk-db.cluster.internal".into(), port: 1433 });
    assert_eq!(
        (inv.status, inv.stdout.as_str()),
        (CommandStatus::Success, "nextalk-db.cluster.internal:1433 tcp=True\r\n")
    );
    let inv = run(&mut sim, RemoteAction::TestTcp { host: "nt-b".into(), port: 443 });
    assert_eq!((inv.status, inv.response_code), (CommandStatus::Failed, Some(1)));
    assert_eq!(inv.stdout, "nt-b:0 tcp=False\r\n");
}

#[test]
fn what_render_refuses_the_simulator_refuses_with_the_same_words() {
    use crate::source::powershell::{RenderContext, render};
    let mut sim = sim_at(Scenario::Calm, 1, secs(60));
    let targets = sim.targets();
    let ctx = RenderContext { log_dir: crate::source::powershell::DEFAULT_LOG_DIR.into() };
    for action in [
        RemoteAction::QueryServices { services: vec![] },
        RemoteAction::RestartService { service: "x'; Stop-Computer".into() },
        RemoteAction::TestTcp { host: "db".into(), port: 0 },
        RemoteAction::ResolveDns { name: "-oProxyCommand".into() },
    ] {
        let why = render(&action, &ctx).expect_err("render refuses it").to_string();
        assert_eq!(sim.submit(&action, &targets), Err(RemoteError::Refused(why)), "{action:?}");
    }
}

#[test]
fn command_ids_are_unique_per_command_even_with_the_same_seed() {
    // Two sessions on one seed write to one audit log: their ids must not collide.
    let mut a = sim_at(Scenario::ChatBridgeDown, 1, secs(60));
    let mut b = sim_at(Scenario::ChatBridgeDown, 1, secs(60));
    let mut ids = std::collections::BTreeSet::new();
    for sim in [&mut a, &mut b] {
        let targets = sim.targets();
        for action in [RemoteAction::TailLog { lines: 300 }, restart("NexTalk Chat Bridge")] {
            let id = sim.submit(&action, &targets).expect("submit");
            assert!(ids.insert(id.0.clone()), "{id} handed out twice");
            assert_eq!(id.0.len(), 36);
        }
    }
    assert_eq!(ids.len(), 4);
}

#[test]
fn bad_targets_and_ids_are_refused() {
    let mut sim = Simulator::new(SimParams::default());
    let ghost = Target { server: "nt-z".into(), instance_id: "i-0000".into() };
    assert!(matches!(sim.submit(&restart("NexTalk Server"), &[ghost]), Err(RemoteError::UnknownServer(_))));
    let wrong = Target { server: "nt-a".into(), instance_id: "i-0a1b2c3d4e5f60002".into() };
    assert!(matches!(sim.submit(&restart("NexTalk Server"), &[wrong]), Err(RemoteError::UnknownServer(_))));
    assert!(matches!(sim.submit(&restart("NexTalk Server"), &[]), Err(RemoteError::Refused(_))));
    let nope = CommandId("00000000-0000-4000-8000-000000000000".into());
    assert!(matches!(sim.invocation(&nope, "nt-a"), Err(RemoteError::UnknownCommand(_))));
    let id = sim.submit(&restart("Nonexistent"), &sim.targets()).expect("submit");
    sim.step(secs(5));
    for server in ["nt-a", "nt-b"] {
        let inv = sim.invocation(&id, server).expect("invocation");
        assert_eq!(inv.status, CommandStatus::Failed);
        assert_eq!(inv.response_code, Some(1));
    }
}

#[test]
fn cancelling_a_restart_half_way_leaves_the_service_stopped() {
    let mut sim = sim_at(Scenario::Calm, 1, secs(30));
    let nt_a = target(&sim, "nt-a");
    let id = sim.submit(&restart("NexTalk Chat Bridge"), &[nt_a]).expect("submit");
    while sim.service_status("nt-a", "NexTalk Chat Bridge") != Some(ServiceStatus::StopPending) {
        sim.step(TICK);
    }
    sim.cancel(&id).expect("cancel");
    sim.step(secs(30));
    assert_eq!(sim.invocation(&id, "nt-a").expect("invocation").status, CommandStatus::Cancelled);
    assert_eq!(sim.service_status("nt-a", "NexTalk Chat Bridge"), Some(ServiceStatus::Stopped));
    assert_eq!(levels(&sim).row(Section::NexTalk, "nt-a").level, Level::Crit);
}

#[test]
fn commands_do_not_change_the_contact_center_s_dice() {
    // Two runs, one issuing read-only commands: the model's figures stay identical.
    let mut a = sim_at(Scenario::Calm, 9, secs(60));
    let mut b = a.clone();
    let targets = b.targets();
    b.submit(&RemoteAction::QueryServices { services: vec!["NexTalk Server".into()] }, &targets)
        .expect("submit");
    a.step(secs(60));
    b.step(secs(60));
    assert_eq!(a.snapshot(), b.snapshot());
}

#[test]
fn adapters_share_one_simulator() {
    let shared = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 1)).shared();
    let handle = SimHandle::manual(shared.clone());
    let mut source = SimSource::new(handle.clone());
    let remote = SimRemote::new(handle.clone());
    let mut tail = SimLogTail::new(handle.clone(), "nt-a", 50);
    assert_eq!(source.describe(), "demo:chat-bridge-down");

    let first = futures::executor::block_on(tail.next_batch()).expect("tail");
    assert_eq!(first.len(), 50);
    assert!(
        futures::executor::block_on(tail.next_batch()).expect("tail").is_empty(),
        "manual clock: nothing new"
    );

    handle.with(|s| s.advance_to(secs(200))).expect("lock");
    let snap = futures::executor::block_on(source.collect()).expect("collect");
    assert_eq!(snap.taken_at.clock(), "03:03:20");
    let new = futures::executor::block_on(tail.next_batch()).expect("tail");
    assert!(new.iter().any(|l| l.level == LogLevel::Error), "the crash shows up in the tail");
    assert!(new.iter().all(|l| l.at >= first[49].at));

    let nt_a = handle.with(|s| s.targets()).expect("lock").remove(0);
    let id = futures::executor::block_on(
        remote.send(&restart("NexTalk Chat Bridge"), std::slice::from_ref(&nt_a)),
    )
    .expect("send");
    handle.with(|s| s.step(secs(20))).expect("lock");
    let inv = futures::executor::block_on(remote.poll(&id, &nt_a)).expect("poll");
    assert_eq!(inv.status, CommandStatus::Success);

    let mut ghost = SimLogTail::new(handle, "nt-x", 10);
    assert!(futures::executor::block_on(ghost.next_batch()).is_err());
}

#[test]
fn realtime_clock_runs_at_the_chosen_speed() {
    let shared = Simulator::new(SimParams::default()).shared();
    let source = SimSource::new(SimHandle::realtime(shared, 1000.0));
    std::thread::sleep(Duration::from_millis(50));
    let snap = source.collect_now().expect("collect");
    let elapsed = snap.taken_at.since(EPOCH);
    assert!(elapsed >= secs(40) && elapsed < secs(600), "elapsed {elapsed:?}");
}

#[test]
fn a_thousand_queues_work() {
    let mut sim = Simulator::new(SimParams::large(1));
    sim.step(secs(60));
    let s = sim.snapshot();
    assert_eq!(s.connect.queues.len(), 1000);
    assert_eq!(s.lambda.len(), 200);
    assert_eq!(s.kinesis.len(), 50);
    assert_eq!(s.connect.queues[999].name, "Queue 1000");
    assert!(s.connect.concurrent_calls_quota > 1000, "quota scales: {}", s.connect.concurrent_calls_quota);
    assert!(s.connect.calls_pct().is_some_and(|p| p < 70.0), "{:?}%", s.connect.calls_pct());
    assert!(s.lambda.iter().filter(|f| f.invocations > 0).count() > 150);
}

#[test]
fn tiny_sizes_are_raised_to_what_the_model_needs() {
    let params = SimParams { queues: 0, functions: 0, streams: 0, tables: 0, ..SimParams::default() };
    let mut sim = Simulator::new(params);
    sim.step(secs(30));
    let s = sim.snapshot();
    assert_eq!((s.connect.queues.len(), s.lambda.len(), s.kinesis.len(), s.dynamodb.len()), (3, 1, 1, 1));
}

/// The estate's figure of `metric` for `row` now.
fn estate_value(sim: &Simulator, namespace: &str, metric: &str, row: &str) -> f64 {
    sim.estate
        .value(sim.t, namespace, metric, row)
        .flatten()
        .unwrap_or_else(|| panic!("{namespace} {metric} {row}: the estate models it"))
}

fn log_lines_matching(sim: &Simulator, server: &str, needle: &str) -> usize {
    sim.log_tail(server, LOG_CAPACITY).expect("server").iter().filter(|l| l.text.contains(needle)).count()
}

/// TCP 443 to the Connect endpoint from `server`, as the runbook's check asks it.
fn tcp_to_connect(sim: &mut Simulator, server: &str) -> String {
    let t = target(sim, server);
    let action = RemoteAction::TestTcp { host: "contact-center.my.connect.aws".into(), port: 443 };
    let id = sim.submit(&action, std::slice::from_ref(&t)).expect("submit");
    sim.step(secs(5));
    sim.invocation(&id, server).expect("invocation").stdout
}

/// Direct Connect down → the NexTalk server of that site loses Amazon Connect: its hand-offs
/// to the Chat Bridge fail, TTY chats fail, TCP 443 to Connect fails there and only there.
#[test]
fn direct_connect_down_cuts_its_sites_server_off_from_connect() {
    let mut down = sim_at(Scenario::DirectConnectDown, 1, DEFAULT_SNAPSHOT_AT);
    let mut calm = sim_at(Scenario::Calm, 1, DEFAULT_SNAPSHOT_AT);
    assert_eq!(estate_value(&down, "AWS/DX", "ConnectionState", estate::DX_CONNECTIONS[0]), 0.0);
    assert_eq!(estate_value(&down, "AWS/DX", "ConnectionState", estate::DX_CONNECTIONS[1]), 1.0);
    assert_eq!(estate_value(&calm, "AWS/DX", "ConnectionState", estate::DX_CONNECTIONS[0]), 1.0);
    // The effect: nt-a bridges nothing, its hand-offs fail and callers give up; nt-b carries on.
    assert_eq!(down.nextalk.bridged_on(0), 0, "no chat from nt-a reaches Connect");
    assert!(down.nextalk.bridged_on(1) > 0, "nt-b's site is fine");
    assert!(log_lines_matching(&down, "nt-a", "StartChatContact failed") > 5);
    assert_eq!(log_lines_matching(&down, "nt-b", "StartChatContact failed"), 0);
    assert!(down.failed_tty_chats() > 0, "callers on hold give up");
    // The cause off: none of it.
    assert!(calm.nextalk.bridged_on(0) > 0);
    assert_eq!(log_lines_matching(&calm, "nt-a", "StartChatContact failed"), 0);
    assert_eq!(calm.failed_tty_chats(), 0);
    // Which servers lose Connect is what the TCP check reports.
    assert!(tcp_to_connect(&mut down, "nt-a").contains("False"), "nt-a cannot reach Connect");
    assert!(tcp_to_connect(&mut down, "nt-b").contains("True"));
    assert!(tcp_to_connect(&mut calm, "nt-a").contains("True"));
    // The link throws CRC errors before it goes down: the provider's first question.
    let degrading = sim_at(Scenario::DirectConnectDown, 1, INCIDENT_AT + secs(40));
    assert!(estate_value(&degrading, "AWS/DX", "ConnectionCRCErrorCount", estate::DX_CONNECTIONS[0]) > 0.0);
    assert_eq!(estate_value(&degrading, "AWS/DX", "ConnectionState", estate::DX_CONNECTIONS[0]), 1.0);
}

/// The CRM down → its canary fails and connect-lookup-customer times out; the bypass flag
/// ends the timeouts (and the CRM API's 504s with them) while the canary stays red.
#[test]
fn crm_down_fails_its_canary_and_times_the_lookup_out() {
    let lookup = |s: &Simulator| {
        s.snapshot().lambda.into_iter().find(|f| f.name == "connect-lookup-customer").unwrap()
    };
    let mut out = sim_at(Scenario::CrmOutage, 1, DEFAULT_SNAPSHOT_AT);
    let calm = sim_at(Scenario::Calm, 1, DEFAULT_SNAPSHOT_AT);
    let canary =
        |s: &Simulator| estate_value(s, "CloudWatchSynthetics", "SuccessPercent", estate::CRM_CANARY);
    assert_eq!(canary(&out), 0.0);
    assert_eq!(canary(&calm), 100.0);
    let (f, c) = (lookup(&out), lookup(&calm));
    assert!(f.errors * 2 > f.invocations, "most lookups time out: {f:?}");
    assert_eq!(f.duration_p99_ms, Some(8000.0));
    assert_eq!(c.errors, 0, "{c:?}");
    assert!(estate_value(&out, "AWS/ApiGateway", "5XXError", estate::CRM_API) > 0.0);
    assert_eq!(estate_value(&calm, "AWS/ApiGateway", "5XXError", estate::CRM_API), 0.0);
    out.flags.put("/contact-center/flags/crm-bypass", "on", super::stamp(out.t)).expect("flag");
    out.lambda.set_crm_bypass(true);
    out.advance_to(DEFAULT_SNAPSHOT_AT + secs(120));
    assert_eq!(lookup(&out).errors, 0, "bypassed: no call to the CRM, no timeout");
    assert_eq!(estate_value(&out, "AWS/ApiGateway", "5XXError", estate::CRM_API), 0.0);
    assert_eq!(canary(&out), 0.0, "the CRM itself is still down");
}

/// Lex failing → the flow blocks that call it take their error branch: contact-flow errors.
#[test]
fn lex_errors_become_contact_flow_errors() {
    let mut failing = sim_at(Scenario::Calm, 1, secs(60));
    let mut calm = failing.clone();
    failing.estate.lex_error_share = 0.3;
    failing.advance_to(secs(300));
    calm.advance_to(secs(300));
    let flow = |s: &Simulator| s.snapshot().connect.contact_flow_errors;
    let lex = |s: &Simulator| estate_value(s, "AWS/Lex", "RuntimeSystemErrors", estate::LEX_BOTS[0]);
    // A night's voice traffic: a few dozen Lex turns a minute, a third of them failing.
    assert!(lex(&failing) >= 5.0, "{}", lex(&failing));
    assert!(flow(&failing) >= lex(&failing) as u32, "every failed turn is a flow error: {}", flow(&failing));
    assert_eq!(lex(&calm), 0.0);
    assert_eq!(flow(&calm), 0);
    // The cause off again: a minute later the errors are gone.
    failing.estate.lex_error_share = 0.0;
    failing.advance_to(secs(400));
    assert_eq!((lex(&failing), flow(&failing)), (0.0, 0));
}

/// RDS storage full → the NexTalk App API's writes fail: API Gateway 5xx and the SQL error
/// in both servers' logs, while the App API service stays Running.
#[test]
fn rds_storage_full_makes_the_app_api_fail() {
    let full = sim_at(Scenario::RdsStorageFull, 1, DEFAULT_SNAPSHOT_AT);
    let calm = sim_at(Scenario::Calm, 1, DEFAULT_SNAPSHOT_AT);
    let free = |s: &Simulator| estate_value(s, "AWS/RDS", "FreeStorageSpace", estate::CONFIG_DB);
    let app_5xx = |s: &Simulator| estate_value(s, "AWS/ApiGateway", "5XXError", estate::APP_API);
    assert_eq!(free(&full), 0.0);
    assert!(free(&calm) > 10e9);
    assert!(app_5xx(&full) > 20.0, "{}", app_5xx(&full));
    assert_eq!(app_5xx(&calm), 0.0);
    for server in ["nt-a", "nt-b"] {
        assert!(log_lines_matching(&full, server, "filegroup is full") > 0, "{server}");
        assert_eq!(log_lines_matching(&calm, server, "filegroup is full"), 0, "{server}");
    }
    assert_eq!(full.service_status("nt-a", "NexTalk App API"), Some(ServiceStatus::Running));
    // Before the storage ran out, the writes still worked.
    let filling = sim_at(Scenario::RdsStorageFull, 1, INCIDENT_AT + secs(120));
    assert!(free(&filling) > 0.0 && free(&filling) < free(&calm));
    assert_eq!(app_5xx(&filling), 0.0);
}

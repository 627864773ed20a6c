//! Runbook tests: the shipped files, load errors with file:line:col, the engine's protocol,
//! read-only refusal, and the headless driver against an in-test fake contact center.

use super::def::*;
use super::engine::*;
use super::record::*;
use super::*;
use crate::model::*;
use crate::source::{CommandId, CommandStatus, Invocation, RemoteAction, Target};
use std::collections::BTreeMap;
use std::path::Path;

mod fake;
mod headless;
mod impact;
mod parallel;
mod storage;

const T0: Timestamp = Timestamp(1_795_827_600_000);

fn targets() -> Vec<Target> {
    vec![
        Target { server: "nt-a".into(), instance_id: "i-0a".into() },
        Target { server: "nt-b".into(), instance_id: "i-0b".into() },
    ]
}

fn ctx(read_only: bool) -> RunContext {
    RunContext {
        servers: targets(),
        read_only,
        thresholds: Thresholds::default(),
        peer_hosts: BTreeMap::new(),
        world: world(),
    }
}

/// What the AWS actions plan against: one flag, one throttling table, one lagging stream.
fn world() -> World {
    let flag = Flag {
        name: "crm_bypass".into(),
        parameter: "/cc/flags/crm-bypass".into(),
        values: vec![
            FlagValue { value: "off".into(), meaning: "look callers up".into() },
            FlagValue { value: "on".into(), meaning: "skip the CRM lookup".into() },
        ],
        current: Some("off".into()),
        error: None,
        ..Default::default()
    };
    let table = DynamoTable {
        name: "CallRecords".into(),
        provisioned_read: Some(20.0),
        provisioned_write: Some(40.0),
        consumed_write: 40.0,
        write_throttles: 300,
        ..Default::default()
    };
    let stream = KinesisStream { name: "ctr-stream".into(), open_shards: Some(4), ..Default::default() };
    let db = crate::model::DbInstance {
        id: "nextalk-config-db".into(),
        status: "storage-full".into(),
        engine: Some("sqlserver-se".into()),
        storage_type: Some("gp3".into()),
        allocated_gib: Some(200),
        ..Default::default()
    };
    let share = crate::model::QueueShare {
        name: "tty_relay_to_chat".into(),
        queue: "TTY Relay".into(),
        queue_id: "q-tty".into(),
        routing_profile: "Chat Agents".into(),
        routing_profile_id: "rp-chat".into(),
        donor_queue: "Web Chat".into(),
        channel: "CHAT".into(),
        priority: 2,
        delay_s: 0,
        associated: Some(false),
        profile_agents: Some(12),
    };
    let mut snap = Snapshot {
        flags: vec![flag],
        dynamodb: vec![table],
        kinesis: vec![stream],
        db_instances: vec![db],
        ..Default::default()
    };
    snap.queue_shares = vec![share];
    snap.connect.instance_id = "11111111-2222-3333-4444-555555555555".into();
    World::from_snapshot(&snap, &Thresholds::default())
}

fn load(src: &str) -> Result<Runbook, String> {
    parse(Path::new("rb.toml"), src, Origin::User("rb.toml".into())).map_err(|e| e.to_string())
}

fn shipped_one(id: &str) -> Runbook {
    shipped().unwrap().into_iter().find(|r| r.id == id).unwrap()
}

fn inv(server: &str, status: CommandStatus, stdout: &str, stderr: &str) -> Invocation {
    Invocation {
        command_id: CommandId("cmd-1".into()),
        server: server.into(),
        status,
        response_code: Some(if status == CommandStatus::Success { 0 } else { 1 }),
        stdout: stdout.into(),
        stderr: stderr.into(),
        stdout_truncated: false,
        stderr_truncated: false,
    }
}

/// What the rendered script of `execution` prints on PowerShell 5.1 on `server` (see
/// `source::ps51`), as the invocation SSM reports.
fn printed(server: &str, execution: crate::source::ps51::Execution) -> Invocation {
    let instance =
        targets().into_iter().find(|t| t.server == server).map(|t| t.instance_id).unwrap_or_default();
    let run = crate::source::ps51::ScriptRun { instance_id: instance, command_id: "cmd-1".into() };
    let ctx = crate::source::powershell::RenderContext {
        log_dir: crate::source::powershell::DEFAULT_LOG_DIR.into(),
    };
    let out = crate::source::ps51::print(&execution, &ctx, &run).expect("a script that renders");
    Invocation {
        command_id: CommandId("cmd-1".into()),
        server: server.into(),
        status: out.status(),
        response_code: Some(out.exit_code),
        stdout: out.stdout,
        stderr: out.stderr,
        stdout_truncated: false,
        stderr_truncated: false,
    }
}

/// The output of `action` where every lookup, connection and log read goes well.
fn healthy_answer(server: &str, action: &RemoteAction) -> Invocation {
    use crate::source::ps51::{DnsOutcome, DnsRecord, DnsType, Execution, TailOutcome, TcpOutcome};
    let execution = match action {
        RemoteAction::TailLog { lines } => Execution::TailLog {
            lines: *lines,
            outcome: TailOutcome::Lines { lines: vec!["INFO all good".into(), "INFO chat ok".into()] },
        },
        RemoteAction::ResolveDns { name } => Execution::ResolveDns {
            name: name.clone(),
            outcome: DnsOutcome::Records {
                records: vec![DnsRecord {
                    name: name.clone(),
                    kind: DnsType::A,
                    ip: Some("52.94.1.10".into()),
                }],
            },
        },
        RemoteAction::TestTcp { host, port } => {
            Execution::TestTcp { host: host.clone(), port: *port, outcome: TcpOutcome::Connected }
        }
        other => panic!("unexpected {other:?}"),
    };
    printed(server, execution)
}

// ---------- shipped runbooks ----------

#[test]
fn shipped_runbooks_load_and_cover_the_playbook() {
    let all = shipped().unwrap();
    let ids: Vec<&str> = all.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "nextalk-connectivity",
            "service-failure",
            "high-latency",
            "failover-readiness",
            "crm-lookup-bypass",
            "dynamodb-capacity",
            "kinesis-shards",
            "tty-surge",
            "direct-connect",
            "rds-storage"
        ]
    );
    for rb in &all {
        for step in &rb.steps {
            if !matches!(step.kind, StepKind::Manual { .. }) {
                assert!(step.help.is_some(), "{}/{} has no help for a failure", rb.id, step.id);
            }
        }
    }
    let c = shipped_one("nextalk-connectivity");
    assert_eq!(c.params["connect_endpoint"], "contact-center.my.connect.aws");
    let kinds: Vec<&str> = c
        .steps
        .iter()
        .map(|s| match &s.kind {
            StepKind::Check(c) => c.label(),
            StepKind::Action(a) => a.kind.label(),
            StepKind::Manual { .. } => "manual",
        })
        .collect();
    assert_eq!(kinds, ["log", "dns", "tcp", "tcp", "service", "restart_service", "manual"]);
    let StepKind::Action(a) = &c.steps[5].kind else { panic!() };
    assert_eq!((a.on.clone(), a.verifies), (On::Failed, Some(4)));
}

#[test]
fn show_and_list_describe_what_will_run() {
    let c = shipped_one("nextalk-connectivity");
    let s = text::show(&c);
    assert!(s.contains("resolve contact-center.my.connect.aws from each server"), "{s}");
    assert!(s.contains("restart service NexTalk Chat Bridge on each server where chat-bridge-running failed, then re-check chat-bridge-running"), "{s}");
    let all = shipped().unwrap();
    let l = text::list(&rank(&[], &all));
    assert_eq!(l.lines().count(), all.len());
    assert!(l.lines().all(|l| l.starts_with("  ")));
}

#[test]
fn params_can_be_overridden_but_only_with_host_names() {
    let mut lib = Library::load(None);
    let refused = lib
        .set_params(&BTreeMap::from([("connect_endpoint".to_string(), "acme.my.connect.aws".to_string())]));
    assert!(refused.is_empty(), "{refused:?}");
    let c = lib.get("nextalk-connectivity").unwrap();
    let plan = evaluate::remote_plan(
        match &c.steps[1].kind {
            StepKind::Check(c) => c,
            _ => panic!(),
        },
        &targets(),
        &c.params,
        &BTreeMap::new(),
    )
    .unwrap();
    assert_eq!(plan[0].0, RemoteAction::ResolveDns { name: "acme.my.connect.aws".into() });
    let refused = lib.set_params(&BTreeMap::from([
        ("connect_endpoint".to_string(), "x; Stop-Computer".to_string()),
        ("nope".to_string(), "a.b".to_string()),
    ]));
    assert_eq!(refused.len(), 2);
    assert_eq!(lib.get("nextalk-connectivity").unwrap().params["connect_endpoint"], "acme.my.connect.aws");
}

// ---------- load errors ----------

const HEAD: &str = "id = \"t\"\ntitle = \"T\"\nsummary = \"S\"\n";

fn err(steps: &str) -> String {
    load(&format!("{HEAD}{steps}")).unwrap_err()
}

#[test]
fn load_errors_name_file_line_and_column() {
    let cases: &[(&str, &str)] = &[
        // (steps, expected error prefix after the file name)
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"ssm_ping\"\ncolour = 1\n",
            ":9:1: unknown field `colour`",
        ),
        ("[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"chek\"\n", ":7:8: unknown step kind \"chek\""),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"ping\"\n",
            ":8:9: unknown check \"ping\"",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"metric\"\nmetric = \"cpu\"\n",
            ":9:10: unknown metric key \"cpu\"",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"ssm_ping\"\n[[steps]]\nid = \"a\"\ntitle = \"B\"\nkind = \"manual\"\ntext = \"x\"\n",
            ":10:6: duplicate step id \"a\"",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"action\"\naction = \"restart_service\"\nservice = \"NexTalk App API\"\nverifies = \"zzz\"\n",
            ":10:12: `verifies` names no step of this runbook: \"zzz\"",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"action\"\naction = \"restart_service\"\nservice = \"x'; Stop-Computer\"\n",
            ":9:11: invalid service name",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"dns\"\nname = \"a b.com\"\n",
            ":9:8: invalid host name \"a b.com\"",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"tcp\"\nhost = \"x.com\"\nport = 70000\n",
            ":10:8: invalid port 70000",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"tcp\"\nhost = \"x.com\"\nport = 0\n",
            ":10:8: invalid port 0",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"dns\"\nname = \"{endpoint}\"\n",
            ":9:8: unknown param \"endpoint\"",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"dns\"\nname = \"x.com\"\nport = 4\n",
            ":10:8: `port` does not apply to a `dns` check",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"metric\"\nmetric = \"lambda_error_rate_pct\"\n[[steps]]\nid = \"b\"\ntitle = \"B\"\nkind = \"action\"\naction = \"restart_service\"\nservice = \"X\"\non = \"failed\"\n",
            ":16:6: `on = \"failed\"` needs a per-server check",
        ),
        (
            "[[steps]]\nid = \"b\"\ntitle = \"B\"\nkind = \"action\"\naction = \"restart_service\"\nservice = \"X\"\nverifies = \"b\"\n",
            ":10:12: `verifies` must name a check step before this one",
        ),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"log\"\npattern = \"(\"\n",
            ":9:11: invalid pattern",
        ),
        ("[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"manual\"\n", ":5:6: a manual step needs `text`"),
        (
            "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"manual\"\ntext = \"t\"\nadvisory = true\n",
            ":9:12: `advisory` does not apply to a manual step",
        ),
    ];
    for (steps, want) in cases {
        let got = err(steps);
        assert!(got.starts_with(&format!("rb.toml{want}")), "want rb.toml{want}\n got {got}");
    }
    let e = load("id = \"t\"\ntitle = \"T\"\nsummary = \"S\"\n[applies_to]\nmetrics = [\"nope\"]\n[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"ssm_ping\"\n").unwrap_err();
    assert!(e.starts_with("rb.toml:5:12: unknown metric key \"nope\""), "{e}");
    let e = load("id = \"t\"\ntitle = \"T\"\nsummary = \"S\"\n[params]\nep = \"bad host!\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"ssm_ping\"\n").unwrap_err();
    assert!(e.starts_with("rb.toml:5:6: invalid host name"), "{e}");
}

#[test]
fn user_runbooks_override_shipped_ones_by_id_and_broken_files_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let mine = "id = \"high-latency\"\ntitle = \"Our latency SOP\"\nsummary = \"S\"\n[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"ssm_ping\"\n";
    std::fs::write(dir.path().join("latency.toml"), mine).unwrap();
    std::fs::write(
        dir.path().join("new.toml"),
        format!("{HEAD}[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"manual\"\ntext = \"t\"\n"),
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.toml"), format!("{HEAD}[[steps]]\nid = \"a\"\n")).unwrap();
    std::fs::write(dir.path().join("notes.txt"), "ignored").unwrap();
    let lib = Library::load(Some(dir.path()));
    assert_eq!(lib.runbooks.len(), shipped().unwrap().len() + 1);
    let hl = lib.get("high-latency").unwrap();
    assert_eq!(hl.title, "Our latency SOP");
    assert_eq!(hl.origin, Origin::User(dir.path().join("latency.toml")));
    assert!(lib.get("t").is_some());
    assert_eq!(lib.errors.len(), 1);
    let e = lib.errors[0].to_string();
    assert!(
        e.starts_with(&format!("{}:4:1: missing field `title`", dir.path().join("broken.toml").display())),
        "{e}"
    );
    // A missing directory is not an error: most people have none.
    assert!(Library::load(Some(&dir.path().join("absent"))).errors.is_empty());
}

// ---------- matching ----------

fn alert(key: &str, section: Section) -> Alert {
    Alert {
        key: key.into(),
        severity: Level::Crit,
        what: String::new(),
        reason: String::new(),
        since: T0,
        section,
        entity: String::new(),
    }
}

#[test]
fn a_fix_beats_a_diagnosis_and_crit_outweighs_warn() {
    let rb = |id: &str, fixes: Vec<AlertKind>, diagnoses: Vec<AlertKind>| {
        let mut r = shipped_one("failover-readiness");
        r.id = id.into();
        r.applies_to = AppliesTo { fixes, diagnoses, ..Default::default() };
        r
    };
    let m = |k: &str| AlertKind::Metric(MetricId::from_key(k).unwrap());
    let all = vec![
        rb("explains-many", vec![], vec![m("lambda_error_rate_pct"), m("lambda_duration_p99_ms")]),
        rb("fixes-one", vec![m("kinesis_iterator_age_ms")], vec![]),
        rb("fits-none", vec![], vec![m("dynamodb_throttle_events")]),
        rb("explains-warn", vec![], vec![m("connect_contact_flow_errors")]),
    ];
    let mut warn = alert("connect::connect_contact_flow_errors", Section::Connect);
    warn.severity = Level::Warn;
    let alerts = [
        alert("lambda:a:lambda_error_rate_pct", Section::Lambda),
        alert("lambda:a:lambda_duration_p99_ms", Section::Lambda),
        warn,
        alert("kinesis:s:kinesis_iterator_age_ms", Section::Kinesis),
    ];
    let ranked = rank(&alerts, &all);
    let order: Vec<(&str, bool)> = ranked.iter().map(|r| (r.runbook.id.as_str(), r.fits_any())).collect();
    assert_eq!(
        order,
        [("fixes-one", true), ("explains-many", true), ("explains-warn", true), ("fits-none", false)]
    );
    assert_eq!(ranked[0].fits[0].kind, FitKind::Fixes);
    assert_eq!(ranked[1].fits.len(), 2);
}

#[test]
fn fixes_and_diagnoses_parse_and_bad_names_are_refused() {
    let head = "id = \"t\"\ntitle = \"T\"\nsummary = \"S\"\n";
    let step = "[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"ssm_ping\"\n";
    let ok = format!(
        "{head}[applies_to]\nfixes = [\"service:NexTalk Chat Bridge\"]\ndiagnoses = [\"lambda_error_rate_pct\"]\n{step}"
    );
    let rb = load(&ok).unwrap();
    assert_eq!(rb.applies_to.fixes, [AlertKind::Service("NexTalk Chat Bridge".into())]);
    assert_eq!(
        rb.applies_to.diagnoses,
        [AlertKind::Metric(MetricId::from_key("lambda_error_rate_pct").unwrap())]
    );
    let e = load(&format!("{head}[applies_to]\nfixes = [\"nope\"]\n{step}")).unwrap_err();
    assert!(e.to_string().contains("unknown metric key"), "{e}");
    let e = load(&format!("{head}[applies_to]\ndiagnoses = [\"service:bad;rm\"]\n{step}")).unwrap_err();
    assert!(e.to_string().contains(":5:"), "{e}");
}

#[test]
fn runbooks_matching_the_alerts_come_first() {
    let all = shipped().unwrap();
    let ids = |alerts: &[Alert]| -> Vec<(String, bool)> {
        runbooks_for(alerts, &all).into_iter().map(|(r, m)| (r.id.clone(), m)).collect()
    };
    let got = ids(&[alert("nextalk:nt-b:service:NexTalk Chat Bridge", Section::NexTalk)]);
    assert_eq!(got[0], ("nextalk-connectivity".into(), true));
    assert_eq!(got[1], ("service-failure".into(), true));
    assert!(!got[2].1 && !got[3].1);
    let got = ids(&[alert("kinesis:calls:kinesis_iterator_age_ms", Section::Kinesis)]);
    assert_eq!(got[0], ("kinesis-shards".into(), true));
    assert_eq!(got[1], ("high-latency".into(), true));
    assert_eq!(got.iter().filter(|(_, m)| *m).count(), 2);
    let got = ids(&[alert("nextalk::nextalk_failover_load_pct", Section::NexTalk)]);
    assert_eq!(got[0], ("tty-surge".into(), true));
    assert_eq!(got[1], ("failover-readiness".into(), true));
    // Kinds the runbooks declare: a fix outranks any number of diagnoses.
    let got = ids(&[
        alert("lambda:a:lambda_error_rate_pct", Section::Lambda),
        alert("lambda:b:lambda_error_rate_pct", Section::Lambda),
        alert("nextalk:nt-a:service:NexTalk App API", Section::NexTalk),
    ]);
    // Two fixes, then one fix (and two diagnoses), then diagnoses only.
    assert_eq!(got[0], ("crm-lookup-bypass".into(), true));
    assert_eq!(got[1], ("service-failure".into(), true));
    let (sf, ddb) = (
        got.iter().position(|(id, _)| id == "service-failure"),
        got.iter().position(|(id, _)| id == "dynamodb-capacity"),
    );
    assert!(sf < ddb, "{got:?}");
    // No alerts: everything, in library order, none matched.
    let got = ids(&[]);
    assert_eq!(got[0].0, "nextalk-connectivity");
    assert!(got.iter().all(|(_, m)| !m));
}

// ---------- engine ----------

fn snapshot(chat_bridge_b: ServiceStatus) -> Snapshot {
    let server = |name: &str, id: &str, cb: ServiceStatus| NexTalkServer {
        name: name.into(),
        instance_id: id.into(),
        ports_in_use: Some(20),
        ports_capacity: 96,
        ssm_ping: PingStatus::Online,
        services: vec![
            WinService { name: "NexTalk Server".into(), status: ServiceStatus::Running },
            WinService { name: "NexTalk App API".into(), status: ServiceStatus::Running },
            WinService { name: "NexTalk Chat Bridge".into(), status: cb },
        ],
        last_seen: Some(T0),
        address: None,
    };
    Snapshot {
        taken_at: T0,
        source: "test".into(),
        nextalk: NexTalk {
            servers: vec![
                server("nt-a", "i-0a", ServiceStatus::Running),
                server("nt-b", "i-0b", chat_bridge_b),
            ],
        },
        lambda: vec![LambdaFunction {
            name: "router".into(),
            invocations: 100,
            errors: 0,
            ..Default::default()
        }],
        ..Default::default()
    }
}

fn remote_reqs(reqs: &[Request]) -> Vec<RemoteRequest> {
    let remote: Vec<RemoteRequest> = reqs
        .iter()
        .filter_map(|r| match r {
            Request::Remote(r) => Some(r.clone()),
            _ => None,
        })
        .collect();
    assert!(!remote.is_empty(), "expected remote requests, got {reqs:?}");
    remote
}

/// Answers every remote command of the connectivity runbook as healthy network-wise; returns
/// the other requests (the snapshot the batch also waits for).
fn answer_network(run: &mut Run, reqs: Vec<Request>) -> Vec<Request> {
    let mut next: std::collections::VecDeque<Request> = reqs.into();
    let mut rest = Vec::new();
    while let Some(req) = next.pop_front() {
        let Request::Remote(r) = req else {
            rest.push(req);
            continue;
        };
        let invs: Vec<Invocation> = r.targets.iter().map(|t| healthy_answer(&t.server, &r.action)).collect();
        next.extend(run.on_remote_result(r.probe, invs, T0).unwrap());
    }
    rest
}

#[test]
fn connectivity_run_restarts_only_where_the_chat_bridge_is_down_and_rechecks() {
    let rb = shipped_one("nextalk-connectivity");
    let mut run = Run::new(&rb, ctx(false));
    let first = run.start(T0).unwrap();
    assert_eq!(remote_reqs(&first)[0].action, RemoteAction::TailLog { lines: 300 });
    // Peer TCP: one probe per direction, each from one server to the other.
    let reqs = answer_network(&mut run, first);
    assert_eq!(reqs, vec![Request::Snapshot { step: 4, fresh: false }]);
    let peer = run.records().iter().find(|r| r.step_id == "peer-tcp").unwrap();
    // No address anywhere: each peer is tried by its config name, and the evidence says so.
    assert_eq!(
        peer.evidence,
        [
            "nt-a: nt-b:443 reachable (its config name: no address in the config or from SSM)",
            "nt-b: nt-a:443 reachable (its config name: no address in the config or from SSM)"
        ]
    );
    let tcp = run.records().iter().find(|r| r.step_id == "connect-tcp").unwrap();
    assert_eq!(tcp.outcome, Outcome::Pass, "the `host:443 tcp=True` line the script prints is read");
    let dns = run.records().iter().find(|r| r.step_id == "connect-dns").unwrap();
    assert_eq!(dns.evidence[0], "nt-a: contact-center.my.connect.aws resolves to 52.94.1.10");

    let reqs = run.on_snapshot(&snapshot(ServiceStatus::Stopped), T0).unwrap();
    let Request::Confirm(plan) = &reqs[0] else { panic!("{reqs:?}") };
    assert_eq!(plan.targets, vec![targets()[1].clone()]);
    assert_eq!(plan.summary, "restart service NexTalk Chat Bridge on nt-b (i-0b)");
    assert_eq!(plan.remote, Some(RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() }));
    assert!(plan.mutating && plan.refusal.is_none());
    let failed = run.records().last().unwrap();
    assert_eq!(failed.outcome, Outcome::Fail);
    assert_eq!(
        failed.evidence,
        ["nt-a: NexTalk Chat Bridge Running", "nt-b: NexTalk Chat Bridge is Stopped"]
    );
    assert!(!run.verdict().healthy);

    let reqs = run.confirm(5, T0).unwrap();
    let r = &remote_reqs(&reqs)[0];
    assert!(r.mutating);
    assert_eq!(r.targets, vec![targets()[1].clone()]);
    let reqs = run.on_remote_result(r.probe, vec![inv("nt-b", CommandStatus::Success, "", "")], T0).unwrap();
    // The re-check wants a snapshot taken after the restart.
    assert_eq!(reqs, vec![Request::Snapshot { step: 4, fresh: true }]);
    let reqs = run.on_snapshot(&snapshot(ServiceStatus::Running), T0).unwrap();
    let recheck = run.records().last().unwrap();
    assert_eq!(
        (recheck.outcome, recheck.recheck_of.as_deref()),
        (Outcome::Pass, Some("restart-chat-bridge"))
    );
    let Request::Manual { step: 6, .. } = &reqs[0] else { panic!("{reqs:?}") };
    assert!(run.mark_done(6, T0).unwrap().is_empty());
    assert!(run.is_finished());
    assert_eq!(run.verdict(), Verdict { healthy: true, problems: vec![] });
    let outcomes: Vec<_> = run.records().iter().map(|r| (r.step_id.as_str(), r.outcome)).collect();
    assert_eq!(
        outcomes,
        [
            ("recent-errors", Outcome::Pass),
            ("connect-dns", Outcome::Pass),
            ("connect-tcp", Outcome::Pass),
            ("peer-tcp", Outcome::Pass),
            ("chat-bridge-running", Outcome::Fail),
            ("restart-chat-bridge", Outcome::Done),
            ("chat-bridge-running", Outcome::Pass),
            ("test-chat", Outcome::Done),
        ]
    );
}

#[test]
fn an_action_with_nothing_failed_is_skipped_without_asking() {
    let rb = shipped_one("nextalk-connectivity");
    let mut run = Run::new(&rb, ctx(false));
    let reqs = run.start(T0).unwrap();
    assert!(answer_network(&mut run, reqs).len() == 1);
    let reqs = run.on_snapshot(&snapshot(ServiceStatus::Running), T0).unwrap();
    assert!(matches!(reqs[0], Request::Manual { step: 6, .. }), "{reqs:?}");
    let skipped = run.records().iter().find(|r| r.step_id == "restart-chat-bridge").unwrap();
    assert_eq!(skipped.outcome, Outcome::Skipped);
    assert_eq!(skipped.evidence, ["nothing to do: chat-bridge-running passed on every server"]);
}

#[test]
fn log_errors_show_the_newest_matching_lines_and_fail() {
    let rb = shipped_one("nextalk-connectivity");
    let mut run = Run::new(&rb, ctx(false));
    let r = remote_reqs(&run.start(T0).unwrap())[0].clone();
    let log = "2026 INFO up\n2026 ERROR ChatBridge: connect timeout\u{1b}[31m\n2026 INFO ok\n2026 ERROR 403 from Connect";
    let invs = vec![
        inv("nt-a", CommandStatus::Success, "INFO fine", ""),
        inv("nt-b", CommandStatus::Success, log, ""),
    ];
    run.on_remote_result(r.probe, invs, T0).unwrap();
    let rec = &run.records()[0];
    assert_eq!(rec.outcome, Outcome::Fail);
    assert_eq!(rec.evidence[0], "nt-a: no line matches /\\bERROR\\b/ in the last 300 lines");
    assert_eq!(
        rec.evidence[1],
        "nt-b: 2 of the last 300 lines match /\\bERROR\\b/\n    2026 ERROR ChatBridge: connect timeout\n    2026 ERROR 403 from Connect"
    );
}

#[test]
fn missing_or_failed_answers_are_never_a_pass() {
    let rb = shipped_one("nextalk-connectivity");
    let mut run = Run::new(&rb, ctx(false));
    let reqs = run.start(T0).unwrap();
    // The four remote checks go out together (log, DNS, TCP, two peer probes).
    let all = remote_reqs(&reqs);
    let r = all[0].clone();
    // Only nt-a answered the log read.
    run.on_remote_result(r.probe, vec![inv("nt-a", CommandStatus::Success, "", "")], T0).unwrap();
    assert_eq!(run.records()[0].outcome, Outcome::Error);
    assert_eq!(run.records()[0].evidence[1], "nt-b: no result for read last 300 log lines");
    // DNS: a failed lookup on one server, a timed-out command on the other.
    let r = all[1].clone();
    let invs = vec![
        inv(
            "nt-a",
            CommandStatus::Failed,
            "",
            "Resolve-DnsName : contact-center.my.connect.aws : DNS name does not exist",
        ),
        inv("nt-b", CommandStatus::TimedOut, "", ""),
    ];
    run.on_remote_result(r.probe, invs, T0).unwrap();
    let dns = &run.records()[1];
    assert_eq!(dns.outcome, Outcome::Fail);
    assert!(
        dns.evidence[0].starts_with("nt-a: contact-center.my.connect.aws does not resolve: Resolve-DnsName")
    );
    assert_eq!(dns.servers[1].status, ServerStatus::Unknown);
    // TCP: the send failed.
    let r = all[2].clone();
    run.on_remote_error(r.probe, "AccessDenied", T0).unwrap();
    assert_eq!(run.records()[2].outcome, Outcome::Error);
    assert!(run.records()[2].evidence[0].ends_with("could not be sent: AccessDenied"));
    assert_eq!(
        run.on_remote_error(r.probe, "again", T0).unwrap_err().to_string().split(" (").next(),
        Some("the run is not waiting for result of probe 3")
    );
}

#[test]
fn answers_out_of_turn_are_refused_and_change_nothing() {
    let rb = shipped_one("service-failure");
    let mut run = Run::new(&rb, ctx(false));
    assert!(matches!(run.confirm(0, T0), Err(EngineError::Unexpected { .. })));
    run.start(T0).unwrap();
    assert!(matches!(run.start(T0), Err(EngineError::Unexpected { .. })));
    assert!(matches!(run.on_remote_result(ProbeId(7), vec![], T0), Err(EngineError::Unexpected { .. })));
    assert!(matches!(run.mark_done(0, T0), Err(EngineError::Unexpected { .. })));
    assert_eq!(run.skip(0, "  ", T0), Err(EngineError::EmptyReason));
    assert!(run.records().is_empty());
    assert_eq!(run.pending(), vec![Request::Snapshot { step: 0, fresh: false }]);
}

#[test]
fn declining_and_skipping_are_recorded_with_their_reason() {
    let rb = shipped_one("service-failure");
    let mut run = Run::new(&rb, ctx(false));
    run.start(T0).unwrap();
    let mut snap = snapshot(ServiceStatus::Stopped);
    snap.nextalk.servers[0].services[1].status = ServiceStatus::Stopped; // App API on nt-a
    // The three service checks are judged together, from one snapshot.
    let reqs = run.on_snapshot(&snap, T0).unwrap();
    let Request::Confirm(plan) = &reqs[0] else { panic!("{reqs:?}") };
    assert_eq!(plan.summary, "restart service NexTalk App API on nt-a (i-0a)");
    // Declining keeps the run on the step: it offers Retry (the same plan again) or Skip.
    assert_eq!(run.decline(3, T0).unwrap(), vec![Request::Retry { step: 3 }]);
    assert_eq!(run.pending(), vec![Request::Retry { step: 3 }]);
    assert_eq!(run.current_step(), Some(3));
    assert!(matches!(run.skip(4, "not this one", T0), Err(EngineError::Unexpected { .. })));
    let reqs = run.retry(3, T0).unwrap();
    let Request::Confirm(again) = &reqs[0] else { panic!("{reqs:?}") };
    assert_eq!(again.summary, "restart service NexTalk App API on nt-a (i-0a)");
    assert_eq!(run.decline(3, T0).unwrap(), vec![Request::Retry { step: 3 }]);
    let reqs = run.skip(3, "the vendor restarts it", T0).unwrap();
    let Request::Confirm(plan) = &reqs[0] else { panic!("{reqs:?}") };
    // Only the Chat Bridge's failure counts for the Chat Bridge restart: nt-b only.
    assert_eq!(plan.summary, "restart service NexTalk Chat Bridge on nt-b (i-0b)");
    let reqs = run.skip(4, "vendor is on the bridge and asked us to wait", T0).unwrap();
    assert_eq!(reqs, vec![Request::Snapshot { step: 5, fresh: false }]);
    let recs: Vec<_> =
        run.records().iter().map(|r| (r.step_id.as_str(), r.outcome, r.evidence[0].as_str())).collect();
    assert_eq!(
        recs[3],
        ("restart-app-api", Outcome::Declined, "not run: restart service NexTalk App API on nt-a (i-0a)")
    );
    assert_eq!(recs[4].1, Outcome::Declined);
    assert_eq!(recs[5], ("restart-app-api", Outcome::Skipped, "skipped: the vendor restarts it"));
    assert_eq!(
        recs[6],
        ("restart-chat-bridge", Outcome::Skipped, "skipped: vendor is on the bridge and asked us to wait")
    );
    run.on_snapshot(&snap, T0).unwrap();
    let reqs = run.skip(6, "done from the AWS console", T0).unwrap();
    assert!(reqs.is_empty() && run.is_finished());
    let v = run.verdict();
    assert!(!v.healthy);
    assert_eq!(v.problems, ["app-api-running: fail", "chat-bridge-running: fail"]);
}

/// Every action kind there is; the match makes a new variant fail to compile here until it is
/// added to the read-only test below.
fn all_action_kinds() -> Vec<ActionKind> {
    let kinds = vec![
        ActionKind::RestartService { service: "NexTalk Chat Bridge".into() },
        ActionKind::OpenLog,
        ActionKind::SetFlag { flag: "crm_bypass".into(), value: "on".into() },
        ActionKind::UpdateTable { entity: None, change: CapacityChange::OnDemand },
        ActionKind::UpdateTable { entity: Some("CallRecords".into()), change: CapacityChange::Raise(2.0) },
        ActionKind::DoubleShards { entity: Some("ctr-stream".into()) },
        ActionKind::GrowStorage {
            entity: Some("nextalk-config-db".into()),
            grow_pct: 50,
            autoscale_pct: None,
        },
        ActionKind::ShareQueue { share: "tty_relay_to_chat".into(), associate: true },
    ];
    for k in &kinds {
        match k {
            ActionKind::RestartService { .. }
            | ActionKind::OpenLog
            | ActionKind::SetFlag { .. }
            | ActionKind::UpdateTable { .. }
            | ActionKind::DoubleShards { .. }
            | ActionKind::GrowStorage { .. } => {}
            ActionKind::ShareQueue { .. } => {}
        }
    }
    kinds
}

/// Every remote action there is, with the same compile-time guard.
fn all_remote_actions() -> Vec<RemoteAction> {
    let all = vec![
        RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() },
        RemoteAction::QueryServices { services: vec!["NexTalk Server".into()] },
        RemoteAction::TailLog { lines: 10 },
        RemoteAction::ResolveDns { name: "a.b".into() },
        RemoteAction::TestTcp { host: "a.b".into(), port: 443 },
        RemoteAction::ReadCounter { counter: r"\NexTalk\Ports In Use".into() },
        RemoteAction::SetParameter { parameter: "/cc/flags/crm-bypass".into(), value: "on".into() },
        RemoteAction::UpdateTable {
            table: "CallRecords".into(),
            capacity: crate::source::TableCapacity::OnDemand,
        },
        RemoteAction::UpdateShardCount { stream: "ctr-stream".into(), target: Some(8) },
        RemoteAction::ModifyDbStorage {
            instance: "nextalk-config-db".into(),
            allocated_gib: 300,
            max_allocated_gib: None,
        },
        RemoteAction::RoutingProfileQueue(crate::source::QueueShareCall {
            associate: true,
            instance_id: "i".into(),
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

fn one_action_runbook(kind: &ActionKind) -> Runbook {
    let (name, extra) = match kind {
        ActionKind::RestartService { service } => ("restart_service", format!("service = \"{service}\"\n")),
        ActionKind::OpenLog => ("open_log", String::new()),
        ActionKind::SetFlag { flag, value } => {
            ("set_flag", format!("flag = \"{flag}\"\nvalue = \"{value}\"\n"))
        }
        ActionKind::UpdateTable { entity, change } => {
            let capacity = match change {
                CapacityChange::OnDemand => "on_demand".to_string(),
                CapacityChange::Raise(f) => format!("x{f}"),
            };
            let entity = entity.as_ref().map(|e| format!("entity = \"{e}\"\n")).unwrap_or_default();
            ("update_table", format!("capacity = \"{capacity}\"\n{entity}"))
        }
        ActionKind::DoubleShards { entity } => {
            ("double_shards", entity.as_ref().map(|e| format!("entity = \"{e}\"\n")).unwrap_or_default())
        }
        ActionKind::GrowStorage { entity, grow_pct, autoscale_pct } => {
            let mut extra = format!("grow_pct = {grow_pct}\n");
            if let Some(e) = entity {
                extra.push_str(&format!("entity = \"{e}\"\n"));
            }
            if let Some(a) = autoscale_pct {
                extra.push_str(&format!("autoscale_pct = {a}\n"));
            }
            ("grow_storage", extra)
        }
        ActionKind::ShareQueue { share, associate } => {
            (if *associate { "share_queue" } else { "unshare_queue" }, format!("share = \"{share}\"\n"))
        }
    };
    load(&format!(
        "{HEAD}[[steps]]\nid = \"act\"\ntitle = \"Act\"\nkind = \"action\"\naction = \"{name}\"\n{extra}"
    ))
    .unwrap()
}

#[test]
fn read_only_refuses_every_mutating_action_kind() {
    for kind in all_action_kinds() {
        let rb = one_action_runbook(&kind);
        let StepKind::Action(a) = &rb.steps[0].kind else { panic!() };
        assert_eq!(a.kind, kind);
        let mut run = Run::new(&rb, ctx(true));
        let reqs = run.start(T0).unwrap();
        let Request::Confirm(plan) = &reqs[0] else { panic!("{reqs:?}") };
        assert_eq!(plan.mutating, kind.is_mutating());
        assert_eq!(plan.refusal.is_some(), kind.is_mutating(), "{kind:?}");
        let after = run.confirm(0, T0).unwrap();
        let rec = run.records().last();
        if kind.is_mutating() {
            assert!(after.is_empty(), "nothing may be sent for {kind:?}: {after:?}");
            let rec = rec.unwrap();
            assert_eq!(rec.outcome, Outcome::Refused);
            let what = match &kind {
                ActionKind::RestartService { .. } => {
                    "restart service NexTalk Chat Bridge on nt-a (i-0a), nt-b (i-0b) was not run"
                }
                ActionKind::SetFlag { .. } => "set flag crm_bypass (/cc/flags/crm-bypass): \"off\" → \"on\"",
                ActionKind::UpdateTable { change: CapacityChange::OnDemand, .. } => {
                    "update table CallRecords: provisioned 20 RCU / 40 WCU → on-demand (PAY_PER_REQUEST)"
                }
                ActionKind::UpdateTable { change: CapacityChange::Raise(_), .. } => {
                    "update table CallRecords: provisioned 20 RCU / 40 WCU → provisioned 40 RCU / 80 WCU"
                }
                ActionKind::DoubleShards { .. } => {
                    "update shard count of stream ctr-stream: 4 → 8 open shards"
                }
                ActionKind::GrowStorage { .. } => {
                    "grow the storage of DB instance nextalk-config-db (sqlserver-se, gp3), storage-full: 200 → 300 GiB"
                }
                ActionKind::ShareQueue { .. } => {
                    "add queue TTY Relay (CHAT) to routing profile Chat Agents (rp-chat) at priority 2, delay 0 s"
                }
                ActionKind::OpenLog => unreachable!("open_log changes nothing"),
            };
            assert!(
                rec.evidence[0].starts_with(&format!("refused (read-only): {what}")),
                "{}",
                rec.evidence[0]
            );
        } else {
            assert!(matches!(after[0], Request::OpenLog { .. }), "{after:?}");
        }
    }
    // Every mutating remote action is reachable only through an action kind (which the test
    // above refuses), never through a check.
    // (The AWS ones are planned by the engine: what a kind sends is what its plan says.)
    let planned: Vec<(RemoteAction, bool)> = all_action_kinds()
        .into_iter()
        .filter_map(|k| {
            let rb = one_action_runbook(&k);
            let mut run = Run::new(&rb, ctx(false));
            match run.start(T0).unwrap().first() {
                Some(Request::Confirm(plan)) => plan.remote.clone().map(|r| (r, k.is_mutating())),
                other => panic!("{k:?} offered no confirmation: {other:?}"),
            }
        })
        .collect();
    for ra in all_remote_actions().into_iter().filter(RemoteAction::is_mutating) {
        let via = planned.iter().find(|(r, _)| std::mem::discriminant(r) == std::mem::discriminant(&ra));
        assert!(via.is_some_and(|(_, mutating)| *mutating), "{ra:?} has no refusable action kind");
    }
}

#[test]
fn the_read_only_toggle_refuses_an_action_already_awaiting_confirmation() {
    let rb = one_action_runbook(&all_action_kinds()[0]);
    let mut run = Run::new(&rb, ctx(false));
    run.start(T0).unwrap();
    run.set_read_only();
    let Request::Confirm(plan) = &run.pending()[0] else { panic!() };
    assert!(plan.refusal.is_some());
    assert!(run.confirm(0, T0).unwrap().is_empty());
    assert_eq!(run.records()[0].outcome, Outcome::Refused);
}

/// Drives every shipped runbook in read-only mode, failing every check and confirming every
/// action: no mutating command may ever be requested.
#[test]
fn read_only_runs_of_every_shipped_runbook_never_request_a_mutating_command() {
    for rb in shipped().unwrap() {
        let mut run = Run::new(&rb, ctx(true));
        let mut queue: std::collections::VecDeque<Request> = run.start(T0).unwrap().into();
        let snap = snapshot(ServiceStatus::Stopped);
        let mut steps = 0;
        while let Some(req) = queue.pop_front() {
            steps += 1;
            assert!(steps < 100, "{} does not finish", rb.id);
            let next = match req {
                Request::Snapshot { .. } => run.on_snapshot(&snap, T0).unwrap(),
                Request::Remote(r) => {
                    assert!(!r.mutating && !r.action.is_mutating(), "{}: {:?}", rb.id, r.action);
                    let invs =
                        r.targets.iter().map(|t| inv(&t.server, CommandStatus::Failed, "", "no")).collect();
                    run.on_remote_result(r.probe, invs, T0).unwrap()
                }
                Request::Confirm(c) => run.confirm(c.step, T0).unwrap(),
                Request::OpenLog { step, .. } => run.log_opened(step, T0).unwrap(),
                Request::Manual { step, .. } => run.mark_done(step, T0).unwrap(),
                Request::Retry { step } => run.skip(step, "test", T0).unwrap(),
            };
            queue.extend(next);
        }
        assert!(run.is_finished());
    }
}

// ---------- evaluation ----------

#[test]
fn metric_checks_show_each_figure_with_failures_first() {
    let mut snap = snapshot(ServiceStatus::Running);
    snap.lambda.push(LambdaFunction {
        name: "lookup".into(),
        invocations: 200,
        errors: 10,
        ..Default::default()
    });
    snap.lambda.push(LambdaFunction { name: "idle".into(), invocations: 0, ..Default::default() });
    let check = Check::Metric { metric: MetricId::LambdaErrorRate, entity: None };
    let e = evaluate::from_snapshot(&check, &targets(), &Thresholds::default(), &snap);
    assert_eq!(e.outcome, Outcome::Fail);
    assert_eq!(
        e.evidence,
        ["lookup: error rate 5% > 1% (warn)", "router: error rate 0% ok", "idle: error rate no data"]
    );
    let check = Check::Metric { metric: MetricId::LambdaErrorRate, entity: Some("router".into()) };
    assert_eq!(
        evaluate::from_snapshot(&check, &targets(), &Thresholds::default(), &snap).outcome,
        Outcome::Pass
    );
    // No Kinesis streams at all: not a pass.
    let check = Check::Metric { metric: MetricId::IteratorAge, entity: None };
    let e = evaluate::from_snapshot(&check, &targets(), &Thresholds::default(), &snap);
    assert_eq!(e.outcome, Outcome::Error);
    // A collection gap: not a pass either.
    snap.gaps.push(Gap::section(Section::Lambda, "GetMetricData: throttled"));
    let check = Check::Metric { metric: MetricId::LambdaErrorRate, entity: None };
    let e = evaluate::from_snapshot(&check, &targets(), &Thresholds::default(), &snap);
    assert_eq!(
        (e.outcome, e.evidence[0].as_str()),
        (Outcome::Error, "Lambda figures are missing from the snapshot: GetMetricData: throttled")
    );
}

#[test]
fn failover_passes_only_when_one_server_could_carry_both() {
    let mut snap = snapshot(ServiceStatus::Running);
    let check = Check::Failover { max_pct: None };
    let e = evaluate::from_snapshot(&check, &targets(), &Thresholds::default(), &snap);
    assert_eq!(e.outcome, Outcome::Pass);
    assert_eq!(
        e.evidence,
        ["40 ports in use on all servers; the survivor would have 96 ports: load 42% (limit 100%)"]
    );
    snap.nextalk.servers[0].ports_in_use = Some(60);
    snap.nextalk.servers[1].ports_in_use = Some(50);
    assert_eq!(
        evaluate::from_snapshot(&check, &targets(), &Thresholds::default(), &snap).outcome,
        Outcome::Fail
    );
    let strict = Check::Failover { max_pct: Some(30.0) };
    snap.nextalk.servers[0].ports_in_use = Some(20);
    snap.nextalk.servers[1].ports_in_use = Some(20);
    assert_eq!(
        evaluate::from_snapshot(&strict, &targets(), &Thresholds::default(), &snap).outcome,
        Outcome::Fail
    );
    snap.nextalk.servers.pop();
    assert_eq!(
        evaluate::from_snapshot(&check, &targets(), &Thresholds::default(), &snap).outcome,
        Outcome::Error
    );
}

#[test]
fn ssm_ping_and_remote_service_queries_are_per_server() {
    let mut snap = snapshot(ServiceStatus::Running);
    snap.nextalk.servers[1].ssm_ping = PingStatus::ConnectionLost;
    let e = evaluate::from_snapshot(&Check::SsmPing, &targets(), &Thresholds::default(), &snap);
    assert_eq!(e.outcome, Outcome::Fail);
    assert_eq!(e.evidence, ["nt-a: SSM agent Online", "nt-b: SSM agent ConnectionLost"]);
    let check = Check::Service { services: vec!["NexTalk App API".into()], via: ServiceSource::Remote };
    let plan = evaluate::remote_plan(&check, &targets(), &BTreeMap::new(), &BTreeMap::new()).unwrap();
    let answers = vec![evaluate::Answer {
        action: plan[0].0.clone(),
        targets: plan[0].1.clone(),
        result: Ok(vec![
            inv(
                "nt-a",
                CommandStatus::Success,
                include_str!("../../tests/fixtures/ps51/query_services/running.stdout"),
                "",
            ),
            inv(
                "nt-b",
                CommandStatus::Success,
                include_str!("../../tests/fixtures/ps51/query_services/stopped.stdout"),
                "",
            ),
        ]),
    }];
    let e = evaluate::from_remote(&check, &answers, &BTreeMap::new());
    assert_eq!(e.outcome, Outcome::Pass);
    assert_eq!(e.servers[1].subject.as_deref(), Some("NexTalk App API"));
    assert_eq!(e.evidence, ["nt-a: NexTalk App API Running", "nt-b: NexTalk App API Running"]);
    // The fixtures' second service: the stopped Chat Bridge, and one the server lacks.
    let check = Check::Service {
        services: vec!["NexTalk Chat Bridge".into(), "NexTalk Reporting".into()],
        via: ServiceSource::Remote,
    };
    let plan = evaluate::remote_plan(&check, &targets(), &BTreeMap::new(), &BTreeMap::new()).unwrap();
    let answers = vec![evaluate::Answer {
        action: plan[0].0.clone(),
        targets: plan[0].1.clone(),
        result: Ok(vec![
            inv(
                "nt-a",
                CommandStatus::Success,
                include_str!("../../tests/fixtures/ps51/query_services/not_found.stdout"),
                "",
            ),
            inv(
                "nt-b",
                CommandStatus::Success,
                include_str!("../../tests/fixtures/ps51/query_services/stopped.stdout"),
                "",
            ),
        ]),
    }];
    let e = evaluate::from_remote(&check, &answers, &BTreeMap::new());
    assert_eq!(e.outcome, Outcome::Fail);
    assert_eq!(
        e.evidence,
        [
            "nt-a: NexTalk Chat Bridge Running",
            "nt-a: NexTalk Reporting is not installed (no service of that name or display name)",
            "nt-b: NexTalk Chat Bridge is Stopped",
            "nt-b: NexTalk Reporting state unknown",
        ]
    );
}

/// The TCP check reads the line the rendered script prints (`host:443 tcp=True|False`):
/// it passes on the fixture of a real Test-NetConnection success and fails on its failures;
/// for a peer the evidence says which address was tried and where it came from.
#[test]
fn tcp_is_judged_from_the_line_the_script_prints() {
    let peers_check = Check::Tcp { dest: TcpDest::Peers { port: 443 } };
    let at = |host: &str, source| Address { host: host.into(), source };
    let peers = BTreeMap::from([("nt-b".to_string(), at("10.0.1.12", AddressSource::SsmIpAddress))]);
    let plan = evaluate::remote_plan(&peers_check, &targets(), &BTreeMap::new(), &peers).unwrap();
    let hosts: Vec<_> = plan
        .iter()
        .map(|(a, t)| match a {
            RemoteAction::TestTcp { host, .. } => (t[0].server.as_str(), host.as_str()),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(hosts, [("nt-a", "10.0.1.12"), ("nt-b", "nt-a")], "nt-a has no address: its name");
    let fixture = |case: &str| -> (CommandStatus, &'static str) {
        match case {
            "connected" => {
                (CommandStatus::Success, include_str!("../../tests/fixtures/ps51/test_tcp/connected.stdout"))
            }
            "closed" => {
                (CommandStatus::Failed, include_str!("../../tests/fixtures/ps51/test_tcp/closed.stdout"))
            }
            "name_unresolved" => (
                CommandStatus::Failed,
                include_str!("../../tests/fixtures/ps51/test_tcp/name_unresolved.stdout"),
            ),
            other => panic!("{other}"),
        }
    };
    let judge = |check: &Check, host: &str, case: &str, peers: &BTreeMap<String, Address>| {
        let (status, stdout) = fixture(case);
        let answer = evaluate::Answer {
            action: RemoteAction::TestTcp { host: host.into(), port: 443 },
            targets: vec![targets()[0].clone()],
            result: Ok(vec![inv("nt-a", status, stdout, "")]),
        };
        evaluate::from_remote(check, &[answer], peers)
    };
    let endpoint = Check::Tcp {
        dest: TcpDest::Host { host: HostRef::Literal("contact-center.my.connect.aws".into()), port: 443 },
    };
    let e = judge(&endpoint, "contact-center.my.connect.aws", "connected", &BTreeMap::new());
    assert_eq!(e.outcome, Outcome::Pass);
    assert_eq!(e.evidence, ["nt-a: contact-center.my.connect.aws:443 reachable"]);
    let sim = BTreeMap::from([("nt-b".to_string(), at("nt-b.nextalk.internal", AddressSource::Simulator))]);
    let e = judge(&peers_check, "nt-b.nextalk.internal", "closed", &sim);
    assert_eq!(e.outcome, Outcome::Fail);
    assert_eq!(
        e.evidence,
        [
            "nt-a: nt-b at nt-b.nextalk.internal:443 unreachable (the simulator's internal name; nt-b.nextalk.internal:443 tcp=False)"
        ]
    );
    let e = judge(&peers_check, "nt-b", "name_unresolved", &BTreeMap::new());
    assert_eq!(e.outcome, Outcome::Fail);
    assert_eq!(
        e.evidence,
        [
            "nt-a: nt-b:443 unreachable: nt-b does not resolve from this server (its config name: no address in the config or from SSM; nt-b:0 tcp=False)"
        ]
    );
    // Test-NetConnection's default list view is not what our script prints: unknown, not a pass.
    let answer = evaluate::Answer {
        action: RemoteAction::TestTcp { host: "x.example".into(), port: 443 },
        targets: vec![targets()[0].clone()],
        result: Ok(vec![inv(
            "nt-a",
            CommandStatus::Success,
            "ComputerName : x.example\r\nTcpTestSucceeded : True\r\n",
            "",
        )]),
    };
    let e = evaluate::from_remote(&endpoint, &[answer], &BTreeMap::new());
    assert_eq!((e.outcome, e.servers[0].status), (Outcome::Error, ServerStatus::Unknown));
    // An address is checked with the renderer's host rule before it reaches a command.
    let bad =
        BTreeMap::from([("nt-b".to_string(), at("nt-b; Stop-Computer", AddressSource::SsmComputerName))]);
    assert!(evaluate::remote_plan(&peers_check, &targets(), &BTreeMap::new(), &bad).is_err());
}

/// DNS from the fixtures: the addresses of the A rows, the error record's message.
#[test]
fn dns_is_judged_from_the_table_and_the_error_record() {
    let check = Check::Dns { name: HostRef::Literal("contact-center.my.connect.aws".into()) };
    let judge = |status: CommandStatus, stdout: &str, stderr: &str| {
        let answer = evaluate::Answer {
            action: RemoteAction::ResolveDns { name: "contact-center.my.connect.aws".into() },
            targets: vec![targets()[0].clone()],
            result: Ok(vec![inv("nt-a", status, stdout, stderr)]),
        };
        evaluate::from_remote(&check, &[answer], &BTreeMap::new())
    };
    let e = judge(
        CommandStatus::Success,
        include_str!("../../tests/fixtures/ps51/resolve_dns/success.stdout"),
        "",
    );
    assert_eq!(e.outcome, Outcome::Pass);
    assert_eq!(e.evidence, ["nt-a: contact-center.my.connect.aws resolves to 75.2.60.11, 99.83.190.21"]);
    let e = judge(
        CommandStatus::Failed,
        "",
        include_str!("../../tests/fixtures/ps51/resolve_dns/name_error.stderr"),
    );
    assert_eq!(e.outcome, Outcome::Fail);
    assert_eq!(
        e.evidence,
        [
            "nt-a: contact-center.my.connect.aws does not resolve: Resolve-DnsName : contact-center.my.connect.aws : DNS name does not exist"
        ]
    );
    let e = judge(
        CommandStatus::Failed,
        "",
        include_str!("../../tests/fixtures/ps51/resolve_dns/timeout.stderr"),
    );
    assert_eq!(e.outcome, Outcome::Fail);
    assert!(
        e.evidence[0].ends_with("This operation returned because the timeout period expired"),
        "{:?}",
        e.evidence
    );
}

/// A log folder without a file, from its fixture: the check cannot be judged, and says why.
#[test]
fn a_log_that_cannot_be_read_is_unknown_with_the_script_s_reason() {
    let rb = shipped_one("nextalk-connectivity");
    let mut run = Run::new(&rb, ctx(false));
    let r = remote_reqs(&run.start(T0).unwrap())[0].clone();
    let stderr = include_str!("../../tests/fixtures/ps51/tail_log/no_file.stderr");
    let invs = vec![
        inv("nt-a", CommandStatus::Failed, "", stderr),
        printed(
            "nt-b",
            crate::source::ps51::Execution::TailLog {
                lines: 300,
                outcome: crate::source::ps51::TailOutcome::Lines { lines: vec!["03:00 INFO up".into()] },
            },
        ),
    ];
    run.on_remote_result(r.probe, invs, T0).unwrap();
    let rec = &run.records()[0];
    assert_eq!(rec.outcome, Outcome::Error);
    assert_eq!(
        rec.evidence[0],
        r"nt-a: could not read the newest log: no log file in C:\ProgramData\NexTalk\Logs"
    );
}

/// A gap in one figure blocks only the checks that need that figure (issue: the Chat Bridge
/// check was "could not be judged" because the ports metric was missing).
#[test]
fn each_check_is_judged_from_its_own_figures() {
    let mut snap = snapshot(ServiceStatus::Stopped);
    for s in &mut snap.nextalk.servers {
        s.ports_in_use = None;
    }
    for server in ["nt-a", "nt-b"] {
        let why = format!("GetMetricData: no NexTalk/PortsInUse datapoint in the window for {server}");
        snap.gaps.push(Gap::nextalk(NexTalkFigure::Ports, Some(server), why));
    }
    let t = Thresholds::default();
    let service =
        Check::Service { services: vec!["NexTalk Chat Bridge".into()], via: ServiceSource::Snapshot };
    let e = evaluate::from_snapshot(&service, &targets(), &t, &snap);
    assert_eq!(e.outcome, Outcome::Fail, "judged although the ports are unknown: {e:?}");
    assert_eq!(e.evidence, ["nt-a: NexTalk Chat Bridge Running", "nt-b: NexTalk Chat Bridge is Stopped"]);
    let e = evaluate::from_snapshot(&Check::SsmPing, &targets(), &t, &snap);
    assert_eq!(e.outcome, Outcome::Pass);
    // The checks that need the ports say so, with the gap's own words; never a 0 that passes.
    let e = evaluate::from_snapshot(&Check::Failover { max_pct: None }, &targets(), &t, &snap);
    assert_eq!(e.outcome, Outcome::Error);
    assert_eq!(
        e.evidence[0],
        "nt-a: ports in use unknown: GetMetricData: no NexTalk/PortsInUse datapoint in the window for nt-a"
    );
    let ports = Check::Metric { metric: MetricId::PortUtilisation, entity: None };
    let e = evaluate::from_snapshot(&ports, &targets(), &t, &snap);
    assert_eq!(e.outcome, Outcome::Error);
    assert!(e.evidence[1].starts_with("nt-b: ports in use no data: GetMetricData"), "{:?}", e.evidence);
    // The service probe failed on nt-b only: nt-b's row is unknown, nt-a's is judged.
    let mut snap = snapshot(ServiceStatus::Stopped);
    snap.gaps.push(Gap::nextalk(
        NexTalkFigure::Services,
        Some("nt-b"),
        "nt-b: service probe TimedOut (exit -1)",
    ));
    let e = evaluate::from_snapshot(&service, &targets(), &t, &snap);
    assert_eq!(e.outcome, Outcome::Error);
    assert_eq!(
        e.evidence,
        [
            "nt-a: NexTalk Chat Bridge Running",
            "nt-b: service states not known: nt-b: service probe TimedOut (exit -1)"
        ]
    );
    // A whole-section gap still blocks what the section feeds.
    let mut snap = snapshot(ServiceStatus::Running);
    snap.gaps.push(Gap::section(Section::NexTalk, "source down"));
    let e = evaluate::from_snapshot(&service, &targets(), &t, &snap);
    assert_eq!(e.outcome, Outcome::Error);
}

// ---------- data-defined panes (presets, [[panes]]) ----------

const PANE_RUNBOOK: &str = "id = \"t\"\ntitle = \"T\"\nsummary = \"S\"\n[applies_to]\ndiagnoses = [\"pane:dx\", \"pane:apigw/nextalk-app-api:5xx\"]\n[[steps]]\nid = \"a\"\ntitle = \"A\"\nkind = \"check\"\ncheck = \"pane\"\npane = \"dx\"\nhelp = \"h\"\n";

#[test]
fn pane_alert_kinds_match_their_pane_row_and_column() {
    let rb = load(PANE_RUNBOOK).unwrap();
    let [any_dx, app_5xx] = &rb.applies_to.diagnoses[..] else { panic!("{:?}", rb.applies_to) };
    assert_eq!(
        (any_dx.to_string(), app_5xx.to_string()),
        ("pane:dx".into(), "pane:apigw/nextalk-app-api:5xx".into())
    );
    assert!(any_dx.matches("panes:dx/dxcon-fh6ayh1d:state"));
    assert!(!any_dx.matches("panes:dxx/dxcon-1:state"), "the pane id is matched whole");
    assert!(app_5xx.matches("panes:apigw/nextalk-app-api:5xx"));
    assert!(!app_5xx.matches("panes:apigw/pega-crm-api:5xx"), "another row");
    assert!(!app_5xx.matches("panes:apigw/nextalk-app-api:4xx"), "another column");
    for (bad, msg) in [
        ("pane:DX", "bad pane id \"DX\""),
        ("pane:dx/:state", "an empty row name after the pane id"),
        ("pane:dx:", "an empty column label after the pane id"),
    ] {
        let e = load(&PANE_RUNBOOK.replace("pane:dx\"", &format!("{bad}\""))).unwrap_err();
        assert!(e.contains(msg), "{bad}: {e}");
    }
    let e = load(&PANE_RUNBOOK.replace("pane = \"dx\"", "pane = \"dx\"\nport = 1")).unwrap_err();
    assert!(e.contains("`port` does not apply to a `pane` check"), "{e}");
}

#[test]
fn a_pane_check_judges_rows_by_the_panes_limits_and_shows_every_figure() {
    let def = std::sync::Arc::new(crate::config::presets::load("direct-connect", None).unwrap().remove(0));
    let row = |name: &str, state: f64, crc: Option<f64>| PaneRow {
        name: name.into(),
        values: vec![Some(state), Some(0.0), Some(0.0), crc, Some(0.0)],
    };
    let snap = |rows: Vec<PaneRow>| Snapshot {
        panes: vec![crate::model::custom::PaneData::new(def.clone(), rows)],
        ..Default::default()
    };
    let check = |column: Option<&str>, row: Option<&str>| Check::Pane {
        pane: "dx".into(),
        column: column.map(String::from),
        row: row.map(String::from),
    };
    let t = Thresholds::default();
    let down = snap(vec![row("dxcon-up", 1.0, Some(0.0)), row("dxcon-down", 0.0, Some(0.0))]);
    let e = evaluate::from_snapshot(&check(None, None), &[], &t, &down);
    assert_eq!(e.outcome, Outcome::Fail);
    assert_eq!(
        e.evidence[0],
        "dxcon-down: state 0 < 0.5 (crit); state 0, bps in 0b/s, bps out 0b/s, crc errors 0, errors 0",
        "the failing row first, with every figure"
    );
    assert!(e.evidence[1].starts_with("dxcon-up: ok; state 1"), "{:?}", e.evidence);
    // Narrowed to the healthy row, or to a column that is fine everywhere: a pass.
    assert_eq!(
        evaluate::from_snapshot(&check(None, Some("dxcon-up")), &[], &t, &down).outcome,
        Outcome::Pass
    );
    assert_eq!(
        evaluate::from_snapshot(&check(Some("crc errors"), None), &[], &t, &down).outcome,
        Outcome::Pass
    );
    // CRC errors on a link that is up fail the check too.
    let flaky = snap(vec![row("dxcon-up", 1.0, Some(250.0))]);
    let e = evaluate::from_snapshot(&check(None, None), &[], &t, &flaky);
    assert_eq!(e.outcome, Outcome::Fail, "{:?}", e.evidence);
    assert!(e.evidence[0].contains("crc errors 250 > 100 (crit)"), "{:?}", e.evidence);
    // What cannot be judged says why, never passes.
    let no_pane = evaluate::from_snapshot(&check(None, None), &[], &t, &Snapshot::default());
    assert_eq!(no_pane.outcome, Outcome::Error);
    assert!(no_pane.evidence[0].contains("no pane \"dx\""), "{:?}", no_pane.evidence);
    let e = evaluate::from_snapshot(&check(Some("light"), None), &[], &t, &down);
    assert_eq!(e.outcome, Outcome::Error);
    assert!(e.evidence[0].contains("no column \"light\" (columns: state, bps in"), "{:?}", e.evidence);
    let unknown = snap(vec![PaneRow { name: "dxcon-1".into(), values: vec![None; 5] }]);
    assert_eq!(evaluate::from_snapshot(&check(None, None), &[], &t, &unknown).outcome, Outcome::Error);
}

/// `requires`: an action is offered only when the checks before it found what it needs, per
/// server where it says so; otherwise it is skipped, saying which condition did not hold.
#[test]
fn an_action_is_offered_only_when_its_requirements_hold() {
    let rb = |requires: &str| {
        load(&format!(
            "{HEAD}[[steps]]\nid = \"bridge\"\ntitle = \"B\"\nkind = \"check\"\ncheck = \"service\"\n\
             service = \"NexTalk Chat Bridge\"\nvia = \"snapshot\"\n\
             [[steps]]\nid = \"act\"\ntitle = \"Act\"\nkind = \"action\"\naction = \"open_log\"\n\
             requires = [{requires}]\n"
        ))
        .unwrap()
    };
    let snap = snapshot(ServiceStatus::Stopped);
    let first = |requires: &str| {
        let rb = rb(requires);
        let mut run = Run::new(&rb, ctx(false));
        let mut reqs = run.start(T0).unwrap();
        if matches!(reqs.first(), Some(Request::Snapshot { .. })) {
            reqs = run.on_snapshot(&snap, T0).unwrap();
        }
        (reqs, run.records().iter().find(|r| r.step == 1).cloned())
    };
    let (reqs, _) = first("\"bridge fails on nt-b\", \"bridge passes on nt-a\"");
    assert!(matches!(reqs.first(), Some(Request::Confirm(_))), "{reqs:?}");
    for (requires, why) in [
        ("\"bridge passes on nt-b\"", "not offered: it needs bridge to pass on nt-b"),
        ("\"bridge\"", "not offered: it needs bridge to pass, and bridge ended fail"),
    ] {
        let (reqs, rec) = first(requires);
        assert!(!reqs.iter().any(|r| matches!(r, Request::Confirm(_))), "{requires}: {reqs:?}");
        let rec = rec.unwrap_or_else(|| panic!("{requires}: no record"));
        assert_eq!(rec.outcome, Outcome::Skipped);
        assert!(rec.evidence[0].starts_with(why), "{}", rec.evidence[0]);
    }
    for (requires, at, what) in [
        ("\"nope\"", ":16:13", "`requires` must name check steps before this one"),
        ("\"bridge maybe\"", ":16:13", "`requires`: \"<check>\""),
        ("\"bridge fails on nt a\"", ":16:13", "server"),
    ] {
        let e = load(&format!(
            "{HEAD}[[steps]]\nid = \"bridge\"\ntitle = \"B\"\nkind = \"check\"\ncheck = \"service\"\n\
             service = \"NexTalk Chat Bridge\"\nvia = \"snapshot\"\n\
             [[steps]]\nid = \"act\"\ntitle = \"Act\"\nkind = \"action\"\naction = \"open_log\"\n\
             requires = [{requires}]\n"
        ))
        .unwrap_err();
        assert!(e.contains(at) && e.contains(what), "{requires}: {e}");
    }
}

/// share_queue plans the Connect call from the configured share and the queues' figures; a
/// share already in the profile is skipped; an unknown one is an error naming the known ones.
#[test]
fn share_queue_is_planned_from_the_configured_share() {
    let one = |share: &str, associate: bool, world: World| {
        let rb = one_action_runbook(&ActionKind::ShareQueue { share: share.into(), associate });
        let mut c = ctx(false);
        c.world = world;
        let mut run = Run::new(&rb, c);
        (run.start(T0).unwrap(), run.records().to_vec())
    };
    let (reqs, _) = one("tty_relay_to_chat", true, world());
    let Some(Request::Confirm(plan)) = reqs.first() else { panic!("{reqs:?}") };
    let Some(RemoteAction::RoutingProfileQueue(call)) = &plan.remote else { panic!("{plan:?}") };
    assert_eq!(
        (call.routing_profile_id.as_str(), call.queue_id.as_str(), call.channel.as_str(), call.priority),
        ("rp-chat", "q-tty", "CHAT", 2)
    );
    let api = plan.remote.as_ref().and_then(RemoteAction::api_call).unwrap();
    assert_eq!(api[0], "connect:AssociateRoutingProfileQueues");
    assert!(
        api[3].contains("QueueId = q-tty (TTY Relay), Channel = CHAT }, Priority = 2, Delay = 0"),
        "{api:?}"
    );
    // Already out of the profile: nothing to disassociate.
    let (reqs, recs) = one("tty_relay_to_chat", false, world());
    assert!(reqs.is_empty(), "{reqs:?}");
    assert_eq!(recs[0].outcome, Outcome::Skipped, "{recs:?}");
    let (_, recs) = one("nope", true, world());
    assert_eq!(recs[0].outcome, Outcome::Error);
    assert!(recs[0].evidence[0].contains("no queue share named nope: tty_relay_to_chat"), "{recs:?}");
}

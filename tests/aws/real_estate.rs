//! The flagship fix on a real estate (issue 15): `switchboard runbook run nextalk-connectivity
//! --yes` and the console, live through the real SDK, against two Windows servers that are not
//! the simulator's. Their names (`nt-a`, `nt-b`) resolve nowhere, the config gives no
//! addresses (SSM's IPAddress is the only way one reaches the other), SSM answers each script
//! with what PowerShell 5.1 prints for it (the fixtures, see `windows_standin`), and CloudWatch
//! has no NexTalk ports metric (nobody published one) or cannot be reached at all.

use crate::cloudwatch_ministack::{client, seed_aws_services};
use crate::connect_standin::{current_metrics, list_queues};
use crate::emulator::Emulator;
use crate::screen::{Row, pane};
use crate::standin::{Reply, Request, StandIn};
use crate::tmux::Tmux;
use crate::windows_standin::{Estate, two_servers};
use crate::{INSTANCE, NT_A, NT_B};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use switchboard::source::RemoteAction;

const CALLER: &str = "arn:aws:sts::123456789012:assumed-role/NexTalkOnCall/dana";

/// The config a new user writes: two servers by name and instance id, no `address`, no
/// `[aws.ports]` (so no ports probe either) unless `ports` holds that table.
fn config(dir: &Path, services: &[String], ports: &str) -> PathBuf {
    let path = dir.join("config.toml");
    let list = services.iter().map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ");
    let servers = [("nt-a", NT_A), ("nt-b", NT_B)]
        .iter()
        .map(|(n, id)| {
            format!(
                "[[nextalk.servers]]\nname = \"{n}\"\ninstance_id = \"{id}\"\nports_capacity = 96\n\
                 services = [{list}]\n"
            )
        })
        .collect::<String>();
    let aws = format!(
        "[aws]\naccount_id = \"123456789012\"\nmax_attempts = 1\noperation_timeout_ms = 20000\n\
         connect_timeout_ms = 2000\n\
         [aws.connect]\ninstance_id = \"{INSTANCE}\"\nrate_per_s = 5.0\nburst = 8\n\
         [aws.metrics]\nlambda = [\"connect-*\"]\nkinesis = [\"ctr-stream\"]\ndynamodb = [\"contacts\"]\n\
         [aws.ssm]\npoll_interval_ms = 100\ninvocation_grace_ms = 1000\nprobe_timeout_s = 10\n\
         [aws.refresh]\nmetrics_s = 2\nqueues_s = 2\nssm_ping_s = 2\nservices_s = 2\n"
    );
    std::fs::write(&path, format!("{servers}{aws}{ports}")).expect("write config");
    path
}

/// The stand-in's answers: the estate for SSM, Connect's queues, STS for the audit identity.
fn serve(estate: &Arc<Mutex<Estate>>) -> impl FnMut(&Request) -> Reply + Send + 'static {
    let estate = estate.clone();
    move |req: &Request| {
        if let Some(r) = estate.lock().expect("estate").answer(req) {
            return r;
        }
        match req.operation.as_str() {
            "ListQueues" => list_queues(req, 3, 1000),
            "GetCurrentMetricData" => current_metrics(req, 100),
            // STS speaks awsQuery: a form POST to /, answered in XML.
            "POST /" => Reply {
                status: 200,
                headers: vec![("content-type".into(), "text/xml".into())],
                body: format!(
                    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
                     <GetCallerIdentityResult><Arn>{CALLER}</Arn><UserId>AROAEXAMPLE:dana</UserId>\
                     <Account>123456789012</Account></GetCallerIdentityResult>\
                     <ResponseMetadata><RequestId>standin</RequestId></ResponseMetadata>\
                     </GetCallerIdentityResponse>"
                ),
                delay: Duration::ZERO,
            },
            other => Reply::aws_json_error(400, "UnknownOperation", other),
        }
    }
}

/// A loopback URL where nothing listens: every connection is refused.
fn refusing_endpoint() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = l.local_addr().expect("addr").port();
    drop(l);
    format!("http://127.0.0.1:{port}")
}

/// The environment of every run: per-service endpoints, static keys, no user files.
fn env(cloudwatch: &str, standin: &str, dir: &Path) -> Vec<(String, String)> {
    [
        ("AWS_ACCESS_KEY_ID", "AKIDTEST"),
        ("AWS_SECRET_ACCESS_KEY", "test"),
        ("AWS_ENDPOINT_URL_CLOUDWATCH", cloudwatch),
        ("AWS_ENDPOINT_URL_CONNECT", standin),
        ("AWS_ENDPOINT_URL_SSM", standin),
        ("AWS_ENDPOINT_URL_STS", standin),
        ("AWS_CONFIG_FILE", "/nonexistent"),
        ("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent"),
        ("XDG_CONFIG_HOME", "/nonexistent-switchboard-test"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .chain([("XDG_DATA_HOME".to_string(), dir.display().to_string())])
    .collect()
}

struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    audit: Vec<Value>,
}

/// `switchboard runbook run nextalk-connectivity --yes`, off the runtime's threads (the
/// stand-in answers on them meanwhile).
async fn run_runbook(cloudwatch: &str, standin: &str, services: &[String], ports: &str) -> Run {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), services, ports);
    let audit = dir.path().join("audit.jsonl");
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(["--config", cfg.to_str().unwrap_or_default(), "--region", "us-east-1"])
        .args(["--audit-log", audit.to_str().unwrap_or_default()])
        .args(["runbook", "run", "nextalk-connectivity", "--yes"])
        .env_remove("AWS_PROFILE")
        .envs(env(cloudwatch, standin, dir.path()));
    let out =
        tokio::task::spawn_blocking(move || cmd.output()).await.expect("join").expect("run switchboard");
    let text = std::fs::read_to_string(&audit).unwrap_or_default();
    let audit = text.lines().filter_map(|l| serde_json::from_str(l).ok()).collect();
    Run {
        code: out.status.code(),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        audit,
    }
}

/// `switchboard snapshot --format json` on the same estate: the exit code and the snapshot.
async fn snapshot(cloudwatch: &str, standin: &str, services: &[String], ports: &str) -> (Option<i32>, Value) {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), services, ports);
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"));
    cmd.args(["--config", cfg.to_str().unwrap_or_default(), "--region", "us-east-1"])
        .args(["snapshot", "--format", "json"])
        .env_remove("AWS_PROFILE")
        .envs(env(cloudwatch, standin, dir.path()));
    let out =
        tokio::task::spawn_blocking(move || cmd.output()).await.expect("join").expect("run switchboard");
    let v = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), v)
}

/// After the fix: both Chat Bridges run, read from the SSM probe, while the ports of each
/// server are unknown (null, never 0) with a gap of their own whose error says why.
fn assert_ports_unknown_and_services_read(snap: &Value, why: &str) {
    let servers = snap["nextalk"]["servers"].as_array().cloned().unwrap_or_default();
    assert_eq!(servers.len(), 2, "{snap:#}");
    for s in &servers {
        let name = s["name"].as_str().unwrap_or_default();
        assert_eq!(s["ports_in_use"], Value::Null, "{name}: ports unknown:\n{snap:#}");
        let bridge =
            s["services"].as_array().into_iter().flatten().find(|w| w["name"] == "NexTalk Chat Bridge");
        assert_eq!(bridge.map(|b| &b["status"]), Some(&Value::from("Running")), "{name}:\n{snap:#}");
        let gaps: Vec<&Value> = snap["gaps"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|g| g["section"] == "nextalk" && g["server"].as_str().is_none_or(|n| n == name))
            .collect();
        // The one NexTalk gap is the ports figure: nothing section-wide, nothing on services.
        assert_eq!(gaps.len(), 1, "{name}: {gaps:#?}");
        assert_eq!(gaps[0]["figure"], "ports", "{name}: {gaps:#?}");
        assert!(gaps[0]["error"].as_str().is_some_and(|e| e.contains(why)), "{name}: {gaps:#?}");
    }
}

/// The printed results of step `n`, in order (a step that is re-checked prints twice): each
/// its `[n/7]` line and the evidence under it.
fn step(stdout: &str, n: usize) -> Vec<String> {
    let head = format!("[{n}/");
    let lines: Vec<&str> = stdout.lines().collect();
    let mut out = Vec::new();
    for (i, l) in lines.iter().enumerate().filter(|(_, l)| l.starts_with(&head)) {
        let body = lines[i + 1..].iter().take_while(|l| l.starts_with(' ')).copied();
        out.push(std::iter::once(*l).chain(body).collect::<Vec<_>>().join("\n"));
    }
    out
}

/// What every run on this estate must show: the restart went to nt-a and only there, the
/// re-check passed, the peers were reached at SSM's addresses, nothing went unanswered.
fn assert_fixed(run: &Run, estate: &Estate) {
    let all = format!("exit {:?}\n--- stdout\n{}\n--- stderr\n{}", run.code, run.stdout, run.stderr);
    assert!(
        estate.problems.is_empty(),
        "scripts the fixtures could not answer: {:?}\n{all}",
        estate.problems
    );
    assert_eq!(
        (estate.restarts_on(NT_A), estate.restarts_on(NT_B)),
        (1, 0),
        "one restart, on nt-a (its Chat Bridge is stopped), none on nt-b:\n{all}"
    );
    let restarts: Vec<&Vec<String>> = estate
        .sent
        .iter()
        .filter(|(a, _)| matches!(a, RemoteAction::RestartService { .. }))
        .map(|(_, to)| to)
        .collect();
    assert_eq!(restarts, [&vec![NT_A.to_string()]], "{all}");
    assert_eq!(run.code, Some(0), "healthy after the fix:\n{all}");

    // The check fails on nt-a only, the restart runs there, the re-check passes.
    let bridge = step(&run.stdout, 5);
    assert_eq!(bridge.len(), 2, "the check and its re-check:\n{all}");
    assert!(bridge[0].starts_with("[5/7] ✖ FAIL"), "{all}");
    assert!(bridge[0].contains("nt-a: NexTalk Chat Bridge is Stopped"), "{all}");
    assert!(bridge[0].contains("nt-b: NexTalk Chat Bridge Running"), "{all}");
    assert!(
        bridge[1].starts_with("[5/7] ✓ PASS") && bridge[1].contains("(re-check after restart-chat-bridge)")
    );
    assert!(bridge[1].contains("nt-a: NexTalk Chat Bridge Running"), "{all}");
    let restart = step(&run.stdout, 6);
    let done = restart.last().cloned().unwrap_or_default();
    assert!(done.starts_with("[6/7] ✓ DONE") && done.contains("nt-a: Success"), "{all}");
    assert!(!restart.iter().any(|r| r.contains("nt-b")), "nothing done on nt-b:\n{all}");
    // Each server reached the other at the IP address SSM reports, never by its name.
    let peers = step(&run.stdout, 4).join("\n");
    assert!(peers.starts_with("[4/7] ✓ PASS"), "{all}");
    let (a, b) = (estate.host("nt-a"), estate.host("nt-b"));
    for (from, to, ip) in [("nt-a", "nt-b", &b.ip), ("nt-b", "nt-a", &a.ip)] {
        assert!(
            peers
                .lines()
                .any(|l| l.trim()
                    == format!("{from}: {to} at {ip}:443 reachable (the IP address SSM reports)")),
            "{from} → {to} at {ip}, from SSM:\n{peers}"
        );
    }
    let tcp_hosts: Vec<&str> = estate
        .sent
        .iter()
        .filter_map(|(a, _)| match a {
            RemoteAction::TestTcp { host, .. } => Some(host.as_str()),
            _ => None,
        })
        .collect();
    assert!(!tcp_hosts.iter().any(|h| ["nt-a", "nt-b"].contains(h)), "a server tried by name: {tcp_hosts:?}");
    assert!(run.stdout.contains("result: healthy"), "{all}");

    // The audit log has the restart, on nt-a, by the caller STS names.
    let restart_records: Vec<&Value> =
        run.audit.iter().filter(|r| r["action"]["kind"] == "restart_service").collect();
    let statuses: Vec<&str> = restart_records.iter().filter_map(|r| r["status"].as_str()).collect();
    assert_eq!(statuses, ["requested", "sent", "Success"], "{:#?}", run.audit);
    assert!(restart_records.iter().all(|r| r["aws_identity"] == CALLER), "{restart_records:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_runbook_restarts_the_chat_bridge_where_it_is_stopped_and_only_there() {
    let emu = Emulator::ministack();
    seed_aws_services(&client(&emu.url)).await;
    let estate = Arc::new(Mutex::new(Estate::new(two_servers())));
    let services = estate.lock().expect("estate").services().to_vec();
    let standin = StandIn::start(serve(&estate)).await;

    let run = run_runbook(&emu.url, &standin.url, &services, "").await;
    eprintln!("{}\n{}", run.stdout, run.stderr);
    assert_fixed(&run, &estate.lock().expect("estate"));
    let (_, snap) = snapshot(&emu.url, &standin.url, &services, "").await;
    eprintln!("{snap:#}");
    assert_ports_unknown_and_services_read(&snap, "no NexTalk/PortsInUse datapoint");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn with_cloudwatch_unreachable_the_runbook_still_fixes_the_chat_bridge() {
    let estate = Arc::new(Mutex::new(Estate::new(two_servers())));
    let services = estate.lock().expect("estate").services().to_vec();
    let standin = StandIn::start(serve(&estate)).await;

    let cloudwatch = refusing_endpoint();
    let run = run_runbook(&cloudwatch, &standin.url, &services, "").await;
    eprintln!("{}\n{}", run.stdout, run.stderr);
    assert_fixed(&run, &estate.lock().expect("estate"));
    let (_, snap) = snapshot(&cloudwatch, &standin.url, &services, "").await;
    eprintln!("{snap:#}");
    assert_ports_unknown_and_services_read(&snap, "CloudWatch metrics: ");
}

/// The NexTalk pane's row of `server`'s Chat Bridge.
fn bridge_row(screen: &str, server: &str) -> Option<Row> {
    pane(screen, "NexTalk")?.service(server, "Chat Bridge")
}

/// The NexTalk pane's row of `server` itself (ports, load, SSM ping).
fn server_row(screen: &str, server: &str) -> Option<Row> {
    pane(screen, "NexTalk")?.rows().into_iter().find(|r| r.indent == 0 && r.starts(server))
}

/// The server's ports shown as unknown: `?/96` and `? unknown`, never `0/96` or an empty bar.
fn ports_unknown(screen: &str, server: &str) -> bool {
    server_row(screen, server).is_some_and(|r| r.has("?/96") && r.has("? unknown"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_console_shows_the_stopped_bridge_offers_the_restart_and_then_shows_it_running() {
    const WAIT: Duration = Duration::from_secs(30);
    let emu = Emulator::ministack();
    seed_aws_services(&client(&emu.url)).await;
    let estate = Arc::new(Mutex::new(Estate::new(two_servers())));
    let services = estate.lock().expect("estate").services().to_vec();
    let standin = StandIn::start(serve(&estate)).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), &services, "");
    let audit = dir.path().join("audit.jsonl");
    let vars: String =
        env(&emu.url, &standin.url, dir.path()).iter().map(|(k, v)| format!("{k}={v} ")).collect();
    let cmd = format!(
        "env -u AWS_PROFILE {vars}{} --config {} --region us-east-1 --audit-log {}",
        env!("CARGO_BIN_EXE_switchboard"),
        cfg.display(),
        audit.display()
    );
    let t = Tmux::start(&cmd, 160, 48);
    let stopped = t.wait_for("nt-a's Chat Bridge stopped", WAIT, |s| {
        // The services probe answers per server; both rows are read once both have.
        bridge_row(s, "nt-a").is_some_and(|r| r.has("Stopped"))
            && bridge_row(s, "nt-b").is_some()
            && ports_unknown(s, "nt-a")
            && ports_unknown(s, "nt-b")
    });
    let a = bridge_row(&stopped, "nt-a");
    assert_eq!(a.map(|r| r.mark), Some('✖'), "marked critical:\n{stopped}");
    let b = bridge_row(&stopped, "nt-b");
    assert_eq!(b.map(|r| (r.mark, r.cells)), Some(('✓', vec!["Chat Bridge".into(), "Running".into()])));
    assert!(ports_unknown(&stopped, "nt-b"), "{stopped}");

    t.keys(&["R"]);
    let listed = |s: &str| -> Vec<String> {
        let Some(p) = pane(s, "Runbooks") else { return Vec::new() };
        p.lines.iter().take_while(|l| !l.trim().is_empty()).map(|l| l.trim().to_string()).collect()
    };
    let picker = t.wait_for("the runbook picker", WAIT, |s| {
        listed(s).iter().any(|l| l.split_whitespace().any(|w| w == "nextalk-connectivity"))
    });
    // Starred: it fits the current alerts. (service-failure may rank above it: it also
    // explains the Lambda error rate the seeded CloudWatch figures raise.)
    let list = listed(&picker);
    let at = list.iter().position(|l| l.contains("nextalk-connectivity")).unwrap_or_default();
    assert!(list[at].starts_with("★ nextalk-connectivity"), "{picker}");
    for _ in 0..at {
        t.keys(&["Tab"]);
    }
    t.wait_text("(nextalk-connectivity.toml)", WAIT);
    t.keys(&["Enter"]);
    // The checks run through SSM by themselves, fail on the Chat Bridge, and offer the restart.
    let dialog = t.wait_text("Confirm change", Duration::from_secs(90));
    assert!(dialog.contains("Restart-Service -InputObject $svc -Force"), "{dialog}");
    assert!(dialog.contains(&format!("Targets   nt-a ({NT_A})")), "{dialog}");
    assert!(!dialog.contains(NT_B), "the restart is offered for nt-a only:\n{dialog}");
    assert!(dialog.contains("Where     aws:123456789012/us-east-1"), "{dialog}");
    assert!(dialog.contains("nt-a: NexTalk Chat Bridge is Stopped"), "{dialog}");
    assert_eq!(estate.lock().expect("estate").restarts_on(NT_A), 0, "nothing before the confirmation");
    t.keys(&["Tab"]);
    t.keys(&["Enter"]);
    // The re-check is judged on figures collected after the restart: every source has
    // answered again (the services probe among them), not just the first one to come back.
    // (The manual test-chat step may be offered while the re-check still waits: it follows
    // the restart, not its re-check.)
    let recheck = |s: &str| {
        pane(s, "Runbook")
            .and_then(|p| p.lines.iter().find(|l| l.contains("re-check after restart-chat-bridge")).cloned())
            .unwrap_or_default()
    };
    let after = t.wait_for("the re-check to pass", Duration::from_secs(60), |s| {
        let r = recheck(s);
        r.trim_start().starts_with("✓ 5/7 check") && r.contains("pass (re-check")
    });
    let after = if after.contains("Manual step") { after } else { t.wait_text("Manual step", WAIT) };
    assert!(after.contains("Manual step"), "{after}");
    t.keys(&["Escape"]);
    t.wait_for("the manual step answered or hidden", WAIT, |s| !s.contains("Manual step"));
    if pane(&t.screen(), "Runbook").is_some() {
        t.keys(&["Escape"]);
        t.wait_for("the runbook hidden", WAIT, |s| pane(s, "Runbook").is_none());
    }
    // The services probe reads the Chat Bridge running; the ports are still unknown, and
    // that blocks nothing.
    let running = |s: &str, server: &str| {
        bridge_row(s, server).is_some_and(|r| r.mark == '✓' && r.cells == ["Chat Bridge", "Running"])
    };
    let fixed = t.wait_for("nt-a's Chat Bridge running", WAIT, |s| running(s, "nt-a"));
    eprintln!("{dialog}\n{after}\n{fixed}");
    assert!(running(&fixed, "nt-b"), "{fixed}");
    for server in ["nt-a", "nt-b"] {
        assert!(ports_unknown(&fixed, server), "{server}'s ports unknown:\n{fixed}");
    }
    {
        let estate = estate.lock().expect("estate");
        assert!(estate.problems.is_empty(), "{:?}", estate.problems);
        assert_eq!((estate.restarts_on(NT_A), estate.restarts_on(NT_B)), (1, 0), "{fixed}");
        let hosts: Vec<&str> = estate
            .sent
            .iter()
            .filter_map(|(a, _)| match a {
                RemoteAction::TestTcp { host, .. } => Some(host.as_str()),
                _ => None,
            })
            .collect();
        assert!(hosts.contains(&estate.host("nt-b").ip.as_str()), "the peers at SSM's addresses: {hosts:?}");
        assert!(!hosts.iter().any(|h| ["nt-a", "nt-b"].contains(h)), "a server tried by name: {hosts:?}");
    }
    t.keys(&["q"]);
    let (status, _) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
}

/// The second way to the ports: `[aws.ports] counter`, read with Get-Counter through SSM.
/// CloudWatch refuses, the probe answers what PowerShell prints for the counter (37), the
/// runbook fixes the Chat Bridge as before; a counter the servers do not have is that
/// figure's gap, with Get-Counter's own words.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_get_counter_fallback_fills_the_ports_cloudwatch_cannot_give() {
    const COUNTER: &str = r"\NexTalk\Ports In Use";
    let mut world = Estate::new(two_servers());
    world.counter = Some(COUNTER.to_string());
    let estate = Arc::new(Mutex::new(world));
    let services = estate.lock().expect("estate").services().to_vec();
    let standin = StandIn::start(serve(&estate)).await;
    let cloudwatch = refusing_endpoint();
    let ports = format!("[aws.ports]\ncounter = '{COUNTER}'\n");

    let run = run_runbook(&cloudwatch, &standin.url, &services, &ports).await;
    eprintln!("{}\n{}", run.stdout, run.stderr);
    assert_fixed(&run, &estate.lock().expect("estate"));
    let (_, snap) = snapshot(&cloudwatch, &standin.url, &services, &ports).await;
    let servers = snap["nextalk"]["servers"].as_array().cloned().unwrap_or_default();
    let in_use: Vec<&Value> = servers.iter().map(|s| &s["ports_in_use"]).collect();
    assert_eq!(in_use, [&Value::from(37), &Value::from(37)], "{snap:#}");
    let port_gaps: Vec<&Value> =
        snap["gaps"].as_array().into_iter().flatten().filter(|g| g["figure"] == "ports").collect();
    assert!(port_gaps.is_empty(), "the probe filled what CloudWatch could not: {port_gaps:#?}");
    let counters: Vec<Vec<String>> = estate
        .lock()
        .expect("estate")
        .sent
        .iter()
        .filter(|(a, _)| matches!(a, RemoteAction::ReadCounter { .. }))
        .map(|(_, to)| to.clone())
        .collect();
    assert!(!counters.is_empty(), "the ports probe ran");
    assert!(
        counters.iter().all(|to| to.as_slice() == [NT_A, NT_B]),
        "one probe for both servers: {counters:?}"
    );

    // A counter the servers do not publish: unknown ports, a gap that says why.
    let ports = "[aws.ports]\ncounter = '\\NexTalk Server\\Ports In Use'\n";
    let (_, snap) = snapshot(&cloudwatch, &standin.url, &services, ports).await;
    let servers = snap["nextalk"]["servers"].as_array().cloned().unwrap_or_default();
    assert!(servers.iter().all(|s| s["ports_in_use"].is_null()), "{snap:#}");
    let port_gaps: Vec<String> = snap["gaps"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|g| g["figure"] == "ports")
        .filter_map(|g| g["error"].as_str().map(str::to_string))
        .collect();
    assert!(
        port_gaps
            .iter()
            .any(|e| e.contains("Get-Counter : The specified object was not found on the computer.")),
        "{port_gaps:#?}"
    );
}

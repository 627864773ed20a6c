//! The team cache end to end: `switchboard` processes against moto (DynamoDB) and a Connect
//! stand-in that enforces Connect's real quota (5 requests/s, burst 8, throttling beyond).
//!
//! The load test is parameterised: `SWITCHBOARD_TEAM_WATCHERS` (default 4) processes of
//! `snapshot --watch`, each phase `SWITCHBOARD_TEAM_SECS` long (default 20). The full
//! size is 20 watchers for 60 s:
//! `SWITCHBOARD_TEAM_WATCHERS=20 SWITCHBOARD_TEAM_SECS=60 …/aws team_moto::many_watchers --nocapture`.

use crate::INSTANCE;
use crate::connect_standin::{current_metrics, list_queues, metric_data_v2};
use crate::emulator::Emulator;
use crate::standin::{Quota, Reply, StandIn};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const TABLE: &str = "switchboard-team";
const QUEUES_S: u64 = 5;
const LEASE_S: u64 = 10;

fn config(dir: &Path, table: &str, extra_team: &str) -> PathBuf {
    let path = dir.join("config.toml");
    let text = format!(
        "[aws]\naccount_id = \"123456789012\"\nmax_attempts = 1\noperation_timeout_ms = 10000\n\
         [aws.refresh]\nmetrics_s = 3600\nqueues_s = {QUEUES_S}\n\
         [aws.connect]\ninstance_id = \"{INSTANCE}\"\nrate_per_s = 4.0\nburst = 8\n\
         [aws.team]\ntable = \"{table}\"\nlease_s = {LEASE_S}\n{extra_team}"
    );
    std::fs::write(&path, text).expect("config");
    path
}

/// Connect with 1,000 queues behind Connect's quota; anything else (CloudWatch) is refused.
async fn connect_standin(quota: &Arc<Mutex<Quota>>) -> StandIn {
    let q = quota.clone();
    StandIn::start(move |req| {
        let mut quota = q.lock().expect("quota");
        match req.operation.as_str() {
            "ListQueues" => quota.gate(|| list_queues(req, 1000, 1000)),
            "GetCurrentMetricData" => quota.gate(|| current_metrics(req, 100)),
            "GetMetricDataV2" => quota.gate(|| metric_data_v2(req, 100)),
            other => Reply::rest_error(400, "UnknownOperation", other),
        }
    })
    .await
}

fn switchboard(cfg: &Path, moto: &str, connect: &str, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
    c.arg("--config")
        .arg(cfg)
        .args(["--region", "us-east-1"])
        .args(args)
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL_DYNAMODB", moto)
        .env("AWS_ENDPOINT_URL_CONNECT", connect)
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", connect)
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_ENDPOINT_URL")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
    c
}

fn run_json(mut cmd: Command) -> Value {
    let out = cmd.output().expect("run switchboard");
    let stderr = String::from_utf8_lossy(&out.stderr);
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}\n{stdout}"))
}

fn team_init(cfg: &Path, moto: &str) {
    let out = switchboard(cfg, moto, "http://127.0.0.1:9", &["team", "init"]).output().expect("team init");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{text}{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains(&format!("created DynamoDB table {TABLE}")), "{text}");
}

/// A `snapshot --watch` process whose JSON lines are collected as they come.
struct Watcher {
    child: Child,
    lines: Arc<Mutex<Vec<(Instant, Value)>>>,
}

impl Watcher {
    fn start(mut cmd: Command) -> Watcher {
        let mut child = cmd.stdout(Stdio::piped()).stderr(Stdio::null()).spawn().expect("spawn watcher");
        let out = child.stdout.take().expect("stdout");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = lines.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(out).lines() {
                let Ok(line) = line else { return };
                if let Ok(v) = serde_json::from_str::<Value>(&line) {
                    sink.lock().expect("lines").push((Instant::now(), v));
                }
            }
        });
        Watcher { child, lines }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn since(&self, t: Instant) -> Vec<Value> {
        self.lines.lock().expect("lines").iter().filter(|(at, _)| *at >= t).map(|(_, v)| v.clone()).collect()
    }

    /// `since`, with when each line arrived.
    fn timed_since(&self, t: Instant) -> Vec<(Instant, Value)> {
        self.lines.lock().expect("lines").iter().filter(|(at, _)| *at >= t).cloned().collect()
    }

    fn last(&self) -> Option<Value> {
        self.lines.lock().expect("lines").last().map(|(_, v)| v.clone())
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn env_or(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn age(v: &Value) -> f64 {
    v["queue_source"]["age_s"].as_f64().unwrap_or(f64::INFINITY)
}

fn origin(v: &Value) -> &str {
    v["queue_source"]["origin"].as_str().unwrap_or("?")
}

fn connect_throttles(v: &Value) -> u64 {
    v["api_budget"]["apis"]
        .as_array()
        .map(|a| a.iter().filter(|x| x["service"] == "connect").filter_map(|x| x["throttled"].as_u64()).sum())
        .unwrap_or(0)
}

fn epoch_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_millis() as u64)
}

/// `2026-12-01T20:31:07.123Z` (the JSON's `lease_taken_at`) in ms since the epoch.
fn rfc3339_ms(text: &str) -> u64 {
    humantime::parse_rfc3339(text)
        .unwrap_or_else(|e| panic!("{text}: {e}"))
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// The pid in a `user@host:pid` lease holder name.
fn holder_pid(v: &Value) -> Option<u32> {
    v["queue_source"]["lease_holder"].as_str()?.rsplit(':').next()?.parse().ok()
}

#[tokio::test(flavor = "multi_thread")]
async fn many_watchers_share_one_poller_and_survive_losing_it() {
    let watchers_n = env_or("SWITCHBOARD_TEAM_WATCHERS", 4) as usize;
    let phase = Duration::from_secs(env_or("SWITCHBOARD_TEAM_SECS", 20));
    let moto = Emulator::moto();
    let quota = Arc::new(Mutex::new(Quota::connect()));
    let standin = connect_standin(&quota).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), TABLE, "");
    team_init(&cfg, &moto.url);

    let watchers: Vec<Watcher> = (0..watchers_n)
        .map(|_| Watcher::start(switchboard(&cfg, &moto.url, &standin.url, &["snapshot", "--watch", "2s"])))
        .collect();
    // Warm-up: everyone has started and has figures.
    let warm = Instant::now() + Duration::from_secs(60);
    while watchers
        .iter()
        .any(|w| w.last().is_none_or(|v| v["connect"]["queues"].as_array().map(Vec::len) != Some(1000)))
    {
        assert!(Instant::now() < warm, "not every watcher had figures within 60 s");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let steady = Instant::now();
    let calls_before = standin.count("GetCurrentMetricData");
    tokio::time::sleep(phase).await;
    let calls = (standin.count("GetCurrentMetricData") - calls_before) as u64;

    let mut ages = Vec::new();
    let mut too_old = Vec::new();
    let mut leaders = std::collections::BTreeSet::new();
    for (i, w) in watchers.iter().enumerate() {
        let lines = w.since(steady);
        assert!(lines.len() as u64 >= phase.as_secs() / 2 - 2, "watcher {i}: {} lines", lines.len());
        for v in &lines {
            assert_eq!(v["connect"]["queues"].as_array().map(Vec::len), Some(1000), "watcher {i}");
            ages.push(age(v));
            if age(v) > 20.0 {
                too_old.push(format!("watcher {i}: {}", v["queue_source"]));
            }
            assert_eq!(connect_throttles(v), 0, "watcher {i} saw Connect throttle: {}", v["queue_source"]);
            if let Some(h) = v["queue_source"]["lease_holder"].as_str() {
                leaders.insert(h.to_string());
            }
            if origin(v) == "team_cache" {
                assert!(
                    v["queue_source"]["team_connect_calls_per_s"].as_f64().is_some(),
                    "{}",
                    v["queue_source"]
                );
            }
        }
    }
    ages.sort_by(f64::total_cmp);
    let pct = |p: f64| ages[((ages.len() - 1) as f64 * p) as usize];
    let max_age = pct(1.0);
    eprintln!(
        "steady ages over {} lines: median {:.1} s, p99 {:.1} s, max {max_age:.1} s; {} lines over 20 s",
        ages.len(),
        pct(0.5),
        pct(0.99),
        too_old.len()
    );
    assert!(too_old.is_empty(), "figures older than 20 s:\n{}", too_old.join("\n"));
    assert_eq!(leaders.len(), 1, "one lease holder all along: {leaders:?}");
    let n_leading = watchers.iter().filter(|w| w.last().is_some_and(|v| origin(&v) == "team_leader")).count();
    assert_eq!(n_leading, 1);
    // One poller: 10 calls (1,000 queues / 100) per refresh of QUEUES_S, give or take one.
    let one_poller = (phase.as_secs() / QUEUES_S + 1) * 10;
    assert!(
        calls <= one_poller,
        "{calls} GetCurrentMetricData calls in {phase:?}; one poller makes {one_poller}"
    );
    assert!(calls >= one_poller / 2, "{calls} calls: is anyone polling?");
    assert_eq!(quota.lock().expect("quota").throttled, 0, "the stand-in throttled someone");
    eprintln!(
        "steady: {watchers_n} watchers, {:?}: {calls} GetCurrentMetricData calls ({:.2}/s), figures at most {max_age:.1} s old",
        phase,
        calls as f64 / phase.as_secs_f64()
    );

    // Kill the lease holder without a chance to give the lease up.
    let leader =
        watchers.iter().position(|w| w.last().is_some_and(|v| origin(&v) == "team_leader")).expect("leader");
    let leader_pid = watchers[leader].pid();
    let others: Vec<&Watcher> =
        watchers.iter().enumerate().filter(|(i, _)| *i != leader).map(|(_, w)| w).collect();
    assert_eq!(
        holder_pid(&others[0].last().expect("line")),
        Some(leader_pid),
        "lease holder name carries its pid"
    );
    let killed = Instant::now();
    let killed_ms = epoch_ms();
    // SIGKILL: no chance to give the lease up.
    let _ = Command::new("kill").args(["-9", &leader_pid.to_string()]).status();
    let deadline = killed + Duration::from_secs(LEASE_S + 3 * QUEUES_S + 10);
    let taken_over = loop {
        if let Some(w) = others.iter().find(|w| w.since(killed).iter().any(|v| origin(v) == "team_leader")) {
            let lines = w.since(killed);
            let first = lines.iter().find(|v| origin(v) == "team_leader").cloned().expect("leader line");
            break (Instant::now(), holder_pid(&first));
        }
        assert!(Instant::now() < deadline, "nobody took the lease over within {:?}", deadline - killed);
        tokio::time::sleep(Duration::from_millis(200)).await;
    };
    let handover = taken_over.0 - killed;
    assert!(taken_over.1.is_some_and(|p| p != leader_pid));
    // When the new holder took the lease, by its own word (same machine, same clock).
    let new_lease = others
        .iter()
        .flat_map(|w| w.since(killed))
        .filter(|v| holder_pid(v).is_some_and(|p| p != leader_pid))
        .find_map(|v| v["queue_source"]["lease_taken_at"].as_str().map(str::to_string))
        .expect("the new holder says when it took the lease");
    let taken_ms = rfc3339_ms(&new_lease);
    let lease_handover_s = (taken_ms as f64 - killed_ms as f64) / 1000.0;
    tokio::time::sleep(phase.min(Duration::from_secs(3 * QUEUES_S))).await;
    let mut max_age_after: f64 = 0.0;
    for w in &others {
        for v in w.since(killed) {
            max_age_after = max_age_after.max(age(&v));
            assert_eq!(connect_throttles(&v), 0, "{}\n{}", v["queue_source"], v["api_budget"]);
        }
        assert!(age(&w.last().expect("line")) <= 20.0, "figures flow again");
    }
    // The old holder's last write was before the kill and its lease runs out LEASE_S after
    // that write; every reader looks again just then (one takes the lease over), so the lease
    // changes hands within LEASE_S of the kill (the slack: the 100 ms a reader waits past the
    // expiry, and process scheduling).
    assert!(
        lease_handover_s <= LEASE_S as f64 + 0.5,
        "lease taken over {lease_handover_s:.1} s after the kill (lease {LEASE_S} s)"
    );
    // The new holder polls (a few seconds, paced) and the readers who lost the race look
    // again every second until its figures are there: no figures older than the last ones'
    // lease plus one refresh.
    // How long the new holder's first poll took: from taking the lease to its figures (their
    // taken_at, from the line's arrival less its age). Paced at 4 calls/s after the burst,
    // 1,000 queues' 20 calls take over 3 s; on a loaded machine more than a refresh, and then
    // the bound is the lease + that poll + the readers' one-second look.
    let first_poll_s = others
        .iter()
        .flat_map(|w| w.timed_since(killed))
        .filter(|(_, v)| origin(v) == "team_leader" && holder_pid(v).is_some_and(|p| p != leader_pid))
        .map(|(at, v)| {
            let arrived_ms = killed_ms as f64 + (at - killed).as_secs_f64() * 1000.0;
            (arrived_ms - age(&v) * 1000.0 - taken_ms as f64) / 1000.0
        })
        .next()
        .expect("the new holder's first line");
    let bound = LEASE_S as f64 + (QUEUES_S as f64).max(first_poll_s + 1.5);
    assert!(
        max_age_after <= bound,
        "figures {max_age_after:.1} s old during the handover (bound {bound:.1}: the new holder's first poll took \
         {first_poll_s:.1} s)"
    );
    assert_eq!(quota.lock().expect("quota").throttled, 0);
    eprintln!(
        "handover: lease taken over {lease_handover_s:.1} s after the holder was killed, its first figures on a \
         watcher's line {:.1} s after (its first poll {first_poll_s:.1} s; lease {LEASE_S} s, refresh {QUEUES_S} s); \
         oldest figures meanwhile {max_age_after:.1} s (bound {bound:.1} s)",
        handover.as_secs_f64()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn large_figures_are_chunked_and_an_unreadable_table_means_polling_alone() {
    let moto = Emulator::moto();
    let quota = Arc::new(Mutex::new(Quota::new(1000.0, 1000)));
    let standin = connect_standin(&quota).await;
    let dir = tempfile::tempdir().expect("tempdir");
    // 1 KB items: 1,000 queues' figures need several chunk items.
    let cfg = config(dir.path(), TABLE, "max_item_kb = 1\n");
    team_init(&cfg, &moto.url);
    let leader = Watcher::start(switchboard(&cfg, &moto.url, &standin.url, &["snapshot", "--watch", "1s"]));
    let until = Instant::now() + Duration::from_secs(60);
    while leader.last().is_none_or(|v| origin(&v) != "team_leader") {
        assert!(Instant::now() < until, "no leader within 60 s: {:?}", leader.last());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let led = leader.last().expect("line");
    // The holder goes (SIGKILL: its lease stays live for LEASE_S), so every Connect call from
    // now on would be the reader's.
    drop(leader);

    // (The stand-in also answers, and refuses, CloudWatch: only Connect's calls count here.)
    let connect_calls = || {
        standin.count("ListQueues") + standin.count("GetCurrentMetricData") + standin.count("GetMetricDataV2")
    };
    let before = connect_calls();
    let read = run_json(switchboard(&cfg, &moto.url, &standin.url, &["snapshot", "--format", "json"]));
    assert_eq!(connect_calls(), before, "a reader makes no Connect call");
    assert_eq!(origin(&read), "team_cache", "{}", read["queue_source"]);
    assert_eq!(read["connect"]["queues"], led["connect"]["queues"], "the chunks put together again");
    assert_eq!(read["connect"]["queues"].as_array().map(Vec::len), Some(1000));
    // The service figures (GetMetricDataV2, polled by the holder) travel with the rows; no
    // data (queue 0) stays null on the reader's side too.
    let q = |i: usize| &read["connect"]["queues"][i];
    assert_eq!(
        (q(1)["service_level_pct"].as_f64(), q(1)["abandonment_rate_pct"].as_f64()),
        (Some(78.0), Some(1.5))
    );
    assert_eq!(q(1)["service_level_threshold_s"].as_u64(), Some(20));
    assert_eq!((&q(0)["service_level_pct"], &q(0)["avg_answer_time_s"]), (&Value::Null, &Value::Null));
    assert!(standin.count("GetMetricDataV2") > 0, "the holder asked for them");
    let ops: Vec<&str> = read["api_budget"]["apis"]
        .as_array()
        .expect("apis")
        .iter()
        .filter_map(|a| a["operation"].as_str())
        .collect();
    assert!(ops.contains(&"GetItem") && ops.contains(&"BatchGetItem"), "{ops:?}");
    assert!(!ops.contains(&"GetCurrentMetricData"), "{ops:?}");

    // A table that is not there: poll on our own budget, and say why.
    let missing = config(dir.path(), "no-such-table", "");
    let own = run_json(switchboard(&missing, &moto.url, &standin.url, &["snapshot", "--format", "json"]));
    assert_eq!(origin(&own), "own_poll");
    assert!(
        own["queue_source"]["note"].as_str().is_some_and(|n| n.contains("unreadable")),
        "{}",
        own["queue_source"]
    );
    assert_eq!(own["connect"]["queues"].as_array().map(Vec::len), Some(1000));
}

#[test]
fn team_init_prints_infrastructure_code() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), TABLE, "");
    for (kind, want) in
        [("terraform", "resource \"aws_dynamodb_table\""), ("cloudformation", "AWS::DynamoDB::Table")]
    {
        let out =
            switchboard(&cfg, "http://127.0.0.1:9", "http://127.0.0.1:9", &["team", "init", "--print", kind])
                .output()
                .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success() && text.contains(want) && text.contains(TABLE), "{text}");
    }
    let bad =
        switchboard(&cfg, "http://127.0.0.1:9", "http://127.0.0.1:9", &["team", "init", "--table", "a b"])
            .output()
            .expect("run");
    assert_eq!(bad.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a DynamoDB table name"));
}

/// The console, as an engineer sees it in team mode: the status bar names the team cache, the
/// figures' age and who holds the lease, in the long form on a wide terminal and the short one
/// at 80 columns (both the runtime's wiring and the drawing, on the real binary).
#[tokio::test(flavor = "multi_thread")]
async fn the_console_status_bar_says_the_figures_come_from_the_team_cache() {
    use crate::screen::status_bar;
    use crate::tmux::Tmux;
    let moto = Emulator::moto();
    let quota = Arc::new(Mutex::new(Quota::connect()));
    let standin = connect_standin(&quota).await;
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = config(dir.path(), TABLE, "");
    team_init(&cfg, &moto.url);
    let leader = Watcher::start(switchboard(&cfg, &moto.url, &standin.url, &["snapshot", "--watch", "1s"]));
    let until = Instant::now() + Duration::from_secs(60);
    while leader.last().is_none_or(|v| origin(&v) != "team_leader") {
        assert!(Instant::now() < until, "no leader within 60 s: {:?}", leader.last());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let holder = leader.last().and_then(|v| v["queue_source"]["lease_holder"].as_str().map(str::to_string));
    let holder = holder.expect("the leader names itself");
    let console = |cols: u16, rows: u16| {
        let cmd = format!(
            "AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=test AWS_CONFIG_FILE=/nonexistent \
             AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_ENDPOINT_URL_DYNAMODB={} AWS_ENDPOINT_URL_CONNECT={} \
             AWS_ENDPOINT_URL_CLOUDWATCH={} XDG_DATA_HOME={} {} --config {} --region us-east-1 2>/dev/null",
            moto.url,
            standin.url,
            standin.url,
            dir.path().display(),
            env!("CARGO_BIN_EXE_switchboard"),
            cfg.display()
        );
        Tmux::start(&cmd, cols, rows)
    };
    let wide = console(200, 60);
    let narrow = console(80, 24);
    let lease = format!("· lease {holder}, ");
    let bar = wide.wait_for("the team cache in the status bar", Duration::from_secs(60), |s| {
        status_bar(s).contains("queues: team cache, ") && status_bar(s).contains(&lease)
    });
    let bar = status_bar(&bar).to_string();
    assert!(bar.contains(" old · lease ") && bar.contains("s left"), "{bar}");
    // At 80 columns: the short form, with as much of the holder's name as fits.
    let short: String = holder.chars().take(12).collect();
    let screen = narrow.wait_for("the short form at 80 columns", Duration::from_secs(60), |s| {
        status_bar(s).contains("Q team ") && status_bar(s).contains(&short)
    });
    eprintln!("200 columns: {bar}\n 80 columns: {}", status_bar(&screen));
}

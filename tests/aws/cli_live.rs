//! The `switchboard` binary on a live backend: config file with [aws], CloudWatch on ministack,
//! Connect and SSM on the stand-in, per-service endpoint variables, one `snapshot` as JSON.

use crate::cloudwatch_ministack::{client, seed_contact_center};
use crate::connect_standin::{current_metrics, list_queues, metric_data_v2};
use crate::emulator::Emulator;
use crate::ssm_standin::{invocation, ping, send_command};
use crate::standin::{Reply, Request, StandIn};
use crate::{INSTANCE, NT_A, NT_B};
use serde_json::Value;
use std::process::Command;

pub fn config(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    let servers = [("nt-a", NT_A), ("nt-b", NT_B)]
        .iter()
        .map(|(n, id)| {
            format!(
                "[[nextalk.servers]]\nname = \"{n}\"\ninstance_id = \"{id}\"\nports_capacity = 96\n\
                 services = [\"NexTalk App API\", \"NexTalk Chat Bridge\"]\n"
            )
        })
        .collect::<String>();
    let aws = format!(
        "[aws]\naccount_id = \"123456789012\"\nmax_attempts = 1\noperation_timeout_ms = 20000\n\
         [aws.connect]\ninstance_id = \"{INSTANCE}\"\nrate_per_s = 100.0\nburst = 8\n\
         [aws.metrics]\nlambda = [\"connect-*\"]\nkinesis = [\"ctr-stream\"]\ndynamodb = [\"contacts\"]\n\
         [aws.ssm]\npoll_interval_ms = 50\ninvocation_grace_ms = 600\nprobe_timeout_s = 5\n\
         [aws.refresh]\nmetrics_s = 2\nqueues_s = 1\nssm_ping_s = 2\nservices_s = 3\n"
    );
    std::fs::write(&path, format!("{servers}{aws}")).unwrap();
    path
}

/// Connect with three queues and SSM where both agents answer and nt-a's Chat Bridge is
/// stopped: what the live tests' stand-in serves.
pub fn connect_and_ssm(req: &Request) -> Reply {
    match req.operation.as_str() {
        "ListQueues" => list_queues(req, 3, 1000),
        "GetCurrentMetricData" => current_metrics(req, 100),
        "GetMetricDataV2" => metric_data_v2(req, 100),
        "DescribeInstanceInformation" => ping(req),
        "SendCommand" => send_command(req),
        "GetCommandInvocation" => {
            invocation("Success", 0, "NexTalk App API|Running\r\nNexTalk Chat Bridge|Stopped\r\n", "")
        }
        other => Reply::aws_json_error(400, "UnknownOperation", other),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_against_the_emulators_shows_the_seeded_figures() {
    let emu = Emulator::ministack();
    seed_contact_center(&client(&emu.url)).await;
    let standin = StandIn::start(connect_and_ssm).await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());

    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--config", cfg.to_str().unwrap(), "--region", "us-east-1", "snapshot", "--format", "json"])
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_ENDPOINT_URL_CLOUDWATCH", &emu.url)
        .env("AWS_ENDPOINT_URL_CONNECT", &standin.url)
        .env("AWS_ENDPOINT_URL_SSM", &standin.url)
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .output()
        .expect("run switchboard");
    let elapsed = started.elapsed();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {stderr}"));
    eprintln!("one live snapshot through the binary took {elapsed:?}");

    assert_eq!(v["source"], "aws:123456789012/us-east-1");
    assert_eq!(v["health"], "crit");
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(v["connect"]["concurrent_calls"], 45);
    assert_eq!(v["connect"]["contact_flow_errors"], 7);
    let auth = &v["lambda"][0];
    assert_eq!((auth["name"].as_str(), auth["errors"].as_u64()), (Some("connect-auth"), Some(12)));
    assert_eq!(auth["health"], "crit");
    assert_eq!(v["kinesis"][0]["iterator_age_ms"], 400_000.0);
    assert_eq!(v["connect"]["queues"].as_array().map(Vec::len), Some(3));
    // The service figures from GetMetricDataV2, per queue: queue 0 has no data (null, not 0),
    // queue 1 answers 78 % within 20 s, under the 80 % warn limit, and says so in an alert.
    let (q0, q1) = (&v["connect"]["queues"][0], &v["connect"]["queues"][1]);
    assert_eq!((&q0["service_level_pct"], &q0["abandonment_rate_pct"]), (&Value::Null, &Value::Null));
    assert_eq!(q0["avg_answer_time_s"], Value::Null);
    assert_eq!(
        (q1["service_level_pct"].as_f64(), q1["service_level_threshold_s"].as_u64()),
        (Some(78.0), Some(20))
    );
    assert_eq!(
        (q1["abandonment_rate_pct"].as_f64(), q1["avg_answer_time_s"].as_f64()),
        (Some(1.5), Some(7.0))
    );
    assert_eq!(q1["health"], "warn");
    let alerts = v["alerts"].as_array().unwrap();
    assert!(
        alerts.iter().any(|a| a["what"] == "queue Queue 0001" && a["reason"] == "service level 78% < 80%"),
        "{alerts:?}"
    );
    assert_eq!(standin.count("GetMetricDataV2"), 1);
    let nt_a = &v["nextalk"]["servers"][0];
    assert_eq!(nt_a["ports_in_use"], 90);
    assert_eq!(nt_a["ssm_ping"], "Online");
    let bridge =
        nt_a["services"].as_array().unwrap().iter().find(|s| s["name"] == "NexTalk Chat Bridge").unwrap();
    assert_eq!(bridge["status"], "Stopped");
    assert_eq!(v["nextalk"]["servers"][1]["ssm_ping"], "ConnectionLost");
    assert!(v["gaps"].as_array().unwrap().is_empty(), "{}", v["gaps"]);
    assert_eq!(standin.count("ListQueues"), 1);
    assert_eq!(standin.count("GetCurrentMetricData"), 1);
    assert_eq!(standin.count("SendCommand"), 1, "one service probe for both servers");
}

#[test]
fn snapshot_without_aws_config_says_so_and_exits_3() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--config", "tests/fixtures/config/valid/empty.toml", "snapshot"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no [aws] section"));
}

/// `snapshot --watch` on the simulator (here beside the live one, so both watch modes are in
/// one place): one JSON object per line, paced on the wall clock, the simulated time moving
/// on by the interval between lines; a closed pipe ends it with status 0.
#[test]
fn demo_watch_prints_one_json_line_per_interval_in_real_time() {
    use std::io::{BufRead, BufReader};
    let mut child = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args([
            "--config",
            "tests/fixtures/config/valid/empty.toml",
            "snapshot",
            "--demo",
            "--watch",
            "300ms",
        ])
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("run switchboard");
    let started = std::time::Instant::now();
    let mut lines = BufReader::new(child.stdout.take().expect("stdout")).lines();
    let taken: Vec<Value> = (0..5)
        .map(|_| {
            serde_json::from_str(&lines.next().expect("a line").expect("read"))
                .expect("one JSON object a line")
        })
        .collect();
    let took = started.elapsed();
    drop(lines); // the reader goes away: the next write fails and the watch ends
    let status = child.wait().expect("wait");
    assert_eq!(status.code(), Some(0));
    // Five lines: the first at once, then four intervals of 300 ms of real time.
    assert!(took >= std::time::Duration::from_millis(1150), "{took:?}");
    assert!(took < std::time::Duration::from_millis(4000), "{took:?}");
    let at =
        |v: &Value| humantime::parse_rfc3339(v["taken_at"].as_str().expect("taken_at")).expect("rfc3339");
    // The simulator's clock moves with the wall clock: 1.2 s over four intervals (its
    // snapshots have whole-second resolution).
    let sim_elapsed = at(&taken[4]).duration_since(at(&taken[0])).expect("forward");
    assert!((1..=2).contains(&sim_elapsed.as_secs()), "{sim_elapsed:?}");
    assert!(taken.iter().all(|v| v["source"].as_str().is_some_and(|s| s.starts_with("demo:"))));
    assert!(taken[0].get("api_budget").is_none(), "the simulator has no API budget");
}

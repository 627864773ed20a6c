//! The `switchboard` binary on a live backend: config file with [aws], CloudWatch on ministack,
//! Connect and SSM on the stand-in, per-service endpoint variables, one `snapshot` as JSON.

use crate::cloudwatch_ministack::{client, seed_contact_center};
use crate::connect_standin::{current_metrics, list_queues};
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

//! What no emulator does for the log tails, against the stand-in: FilterLogEvents throttled
//! then answering, an empty page that still carries a token, access denied; an SSM log
//! snapshot whose `Get-Content` output comes back as lines, a Failed one, and the `logs`
//! command for a server without SSH.

use crate::logs_moto::texts;
use crate::ssm_standin::{invocation, send_command};
use crate::standin::{Reply, StandIn};
use crate::{NT_A, NT_B, context, settings};
use serde_json::json;
use std::sync::{Arc, Mutex};
use switchboard::source::tailing::TailState;
use switchboard::source::{LogLevel, LogTail, SourceError};

const LOGS: &str = "[logs]\npoll_interval_s = 2\npage_limit = 50\nrate_per_s = 100.0\nburst = 1\n\
                    backoff_min_ms = 10\nbackoff_max_ms = 40\nthrottle_retries = 3\n";

fn event(id: &str, ts: i64, message: &str) -> serde_json::Value {
    json!({"eventId": id, "timestamp": ts, "ingestionTime": ts, "logStreamName": "s", "message": message})
}

#[tokio::test(flavor = "multi_thread")]
async fn throttling_is_retried_and_an_empty_page_with_a_token_is_not_the_end() {
    let calls = Arc::new(Mutex::new(0));
    let n = calls.clone();
    let server = StandIn::start(move |req| {
        let mut n = n.lock().expect("count");
        *n += 1;
        match (*n, req.body["nextToken"].as_str()) {
            (1 | 2, _) => Reply::aws_json_error(400, "ThrottlingException", "Rate exceeded"),
            (_, None) => Reply::json(json!({"events": [], "nextToken": "page-2"})),
            (_, Some(_)) => Reply::json(json!({"events": [
                event("e2", 1_795_316_402_000, "2026-11-22T03:00:02.000Z x Task timed out after 8.00 seconds\n"),
                event("e1", 1_795_316_401_000, "START RequestId: x Version: $LATEST\n"),
            ]})),
        }
    })
    .await;
    let ctx = context(&server.url, settings(LOGS)).await;
    let mut tail = ctx.lambda_error_log("connect-lookup-customer");
    let lines = tail.next_batch().await.expect("retried past the throttling");
    assert_eq!(texts(&lines), ["x Task timed out after 8.00 seconds"]);
    assert_eq!(lines[0].level, LogLevel::Error);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 4, "two throttled, the empty page, the last page");
    assert!(reqs.iter().all(|r| r.operation == "FilterLogEvents"));
    let first = &reqs[0].body;
    assert_eq!(first["logGroupName"], "/aws/lambda/connect-lookup-customer");
    assert_eq!(first["filterPattern"], r#"?ERROR ?Error ?Exception ?"Task timed out""#);
    assert_eq!(first["limit"], 50);
    let start = first["startTime"].as_i64().expect("startTime");
    let lookback = switchboard::model::Timestamp::now().0 as i64 - start;
    assert!((15 * 60_000..16 * 60_000).contains(&lookback), "15 minutes back: {lookback} ms");
    assert_eq!(reqs[3].body["nextToken"], "page-2");
    assert_eq!(reqs[3].body["startTime"], start, "one sweep, one start");
}

#[tokio::test(flavor = "multi_thread")]
async fn lines_read_before_a_failure_mid_sweep_are_kept_and_the_failure_shows_next() {
    let server = StandIn::start(|req| match req.body["nextToken"].as_str() {
        None => Reply::json(json!({"events": [
            event("e1", 1_795_316_401_000, "2026-11-22T03:00:01.000Z x Task timed out after 8.00 seconds\n"),
        ], "nextToken": "page-2"})),
        Some(_) => Reply::aws_json_error(500, "ServiceUnavailableException", "try later"),
    })
    .await;
    let ctx = context(&server.url, settings(LOGS)).await;
    let mut tail = ctx.lambda_error_log("connect-lookup-customer");
    let state = tail.state();
    let lines = tail.next_batch().await.expect("the first page's lines");
    assert_eq!(texts(&lines), ["x Task timed out after 8.00 seconds"]);
    assert!(matches!(&*state.borrow(), TailState::Failed { message } if message.contains("try later")));
    assert!(tail.next_batch().await.expect("not due yet").is_empty());
    tokio::time::sleep(std::time::Duration::from_millis(2_100)).await;
    let err = tail.next_batch().await.expect_err("the sweep starts over and fails again");
    assert!(err.to_string().starts_with("FilterLogEvents on /aws/lambda/connect-lookup-customer: "), "{err}");
    assert_eq!(server.count("FilterLogEvents"), 2 * (1 + 1 + 3), "each sweep: page 1, page 2 and 3 retries");
}

#[tokio::test(flavor = "multi_thread")]
async fn access_denied_names_the_iam_action_to_grant() {
    let server = StandIn::start(|_| {
        Reply::aws_json_error(400, "AccessDeniedException", "not authorized to perform logs:FilterLogEvents")
    })
    .await;
    let ctx = context(&server.url, settings(LOGS)).await;
    let mut tail = ctx.lambda_error_log("connect-lookup-customer");
    let state = tail.state();
    let err = tail.next_batch().await.expect_err("denied");
    assert!(matches!(err, SourceError::AccessDenied { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "FilterLogEvents on /aws/lambda/connect-lookup-customer: access denied (grant logs:FilterLogEvents)"
    );
    assert!(
        matches!(&*state.borrow(), TailState::Failed { message } if message.contains("logs:FilterLogEvents"))
    );
    assert_eq!(server.count("FilterLogEvents"), 1, "access denied is not retried");
}

const GET_CONTENT: &str = "\u{feff}2026-11-22T03:04:05Z INFO  Chat Bridge connected\r\n\
                           2026-11-22T03:04:06Z ERROR Chat Bridge lost its Connect session\r\n\
                           2026-11-22T03:04:06Z WARN  retry 1 \x1b]0;pwned\x07in 5 s\r\n";

#[tokio::test(flavor = "multi_thread")]
async fn an_ssm_snapshot_returns_get_content_output_as_lines_once() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "SendCommand" => send_command(req),
        "GetCommandInvocation" => invocation("Success", 0, GET_CONTENT, ""),
        other => Reply::aws_json_error(400, "UnknownOperation", other),
    })
    .await;
    let ctx = context(&server.url, settings("")).await;
    let mut snap = ctx.ssm_log_snapshot("nt-a", Some(r"D:\NexTalk\Logs"), 3).expect("configured server");
    let state = snap.state();
    let lines = snap.next_batch().await.expect("read");
    let got: Vec<_> = lines.iter().map(|l| (l.level, l.text.as_str())).collect();
    assert_eq!(
        got,
        [
            (LogLevel::Info, "Chat Bridge connected"),
            (LogLevel::Error, "Chat Bridge lost its Connect session"),
            (LogLevel::Warn, "retry 1 in 5 s"),
        ]
    );
    assert_eq!(lines[1].at.rfc3339(), "2026-11-22T03:04:06Z");
    assert!(snap.next_batch().await.expect("again").is_empty(), "a snapshot, not a follow");
    assert!(
        snap.describe().starts_with(r"snapshot, not a follow: nt-a:D:\NexTalk\Logs"),
        "{}",
        snap.describe()
    );
    assert!(matches!(&*state.borrow(), TailState::Snapshot { .. }));
    assert_eq!(server.count("SendCommand"), 1);

    let sent = &server.requests()[0].body;
    assert_eq!(sent["InstanceIds"], json!([NT_A]));
    let script = sent["Parameters"]["commands"].to_string();
    assert!(script.contains(r"-LiteralPath 'D:\\NexTalk\\Logs'"), "the server's own log folder: {script}");
    assert!(script.contains("Get-Content -LiteralPath $f.FullName -Tail 3"), "{script}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_ssm_read_is_an_error_naming_the_server() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "SendCommand" => send_command(req),
        "GetCommandInvocation" => {
            invocation("Failed", 1, "", "no log file in 'C:\\ProgramData\\NexTalk\\Logs'\r\n")
        }
        other => Reply::aws_json_error(400, "UnknownOperation", other),
    })
    .await;
    let ctx = context(&server.url, settings("")).await;
    let mut snap = ctx.ssm_log_snapshot("nt-b", None, 100).expect("configured server");
    let err = snap.next_batch().await.expect_err("failed");
    let text = err.to_string();
    assert!(text.contains(&format!("nt-b ({NT_B})")), "{text}");
    assert!(text.contains("Failed (exit 1): no log file in"), "{text}");
    assert!(matches!(&*snap.state().borrow(), TailState::Failed { .. }));
    assert!(ctx.ssm_log_snapshot("rogue", None, 10).is_err(), "only configured servers");
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_for_a_server_without_ssh_reads_a_snapshot_through_ssm_and_refuses_follow() {
    let server = StandIn::start(|req| match req.operation.as_str() {
        "SendCommand" => send_command(req),
        "GetCommandInvocation" => invocation("Success", 0, GET_CONTENT, ""),
        other => Reply::aws_json_error(400, "UnknownOperation", other),
    })
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[nextalk.servers]]\nname = \"nt-a\"\ninstance_id = \"{NT_A}\"\nports_capacity = 96\n\
             [aws]\naccount_id = \"123456789012\"\nmax_attempts = 1\n\
             [aws.ssm]\npoll_interval_ms = 50\ninvocation_grace_ms = 600\nprobe_timeout_s = 5\n"
        ),
    )
    .expect("config");
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["--config", cfg.to_str().expect("utf-8 path"), "--region", "us-east-1"])
            .args(["--endpoint-url", &server.url, "logs", "nt-a"])
            .args(extra)
            .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
            .env("AWS_SECRET_ACCESS_KEY", "test")
            .env_remove("AWS_PROFILE")
            .env("AWS_CONFIG_FILE", dir.path().join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
            .output()
            .expect("run switchboard")
    };
    let out = run(&["-n", "2"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("a snapshot, not a follow"), "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "2026-11-22T03:04:06Z ERROR Chat Bridge lost its Connect session\n2026-11-22T03:04:06Z WARN  retry 1 in 5 s\n"
    );

    server.clear();
    let out = run(&["--follow"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("cannot --follow") && stderr.contains("SSM Run Command"), "{stderr}");
    assert_eq!(server.count("SendCommand"), 0, "nothing is sent when the request cannot be met");
}

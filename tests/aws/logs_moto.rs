//! Lambda error logs from CloudWatch Logs on moto, through the real SDK: only error events
//! come back, in order, across pages; polling then shows new errors once; a log group that
//! does not exist says the function has not logged yet. The `logs --lambda` command too.

use crate::emulator::Emulator;
use crate::{context, emulator_settings};
use aws_config::{BehaviorVersion, Region};
use aws_sdk_cloudwatchlogs::config::Credentials;
use aws_sdk_cloudwatchlogs::types::InputLogEvent;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use switchboard::source::tailing::TailState;
use switchboard::source::{LogLevel, LogLine, LogTail, SourceError};

pub const FUNCTION: &str = "connect-lookup-customer";
const GROUP: &str = "/aws/lambda/connect-lookup-customer";
const STREAM: &str = "2026/11/22/[$LATEST]0123456789abcdef";

pub fn client(url: &str) -> aws_sdk_cloudwatchlogs::Client {
    let conf = aws_sdk_cloudwatchlogs::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .endpoint_url(url)
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("AKIDTEST", "test", None, None, "test"))
        .build();
    aws_sdk_cloudwatchlogs::Client::from_conf(conf)
}

pub fn now_ms() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as i64).unwrap_or(0)
}

pub async fn create(client: &aws_sdk_cloudwatchlogs::Client) {
    client.create_log_group().log_group_name(GROUP).send().await.expect("create log group");
    client
        .create_log_stream()
        .log_group_name(GROUP)
        .log_stream_name(STREAM)
        .send()
        .await
        .expect("create stream");
}

pub async fn put(client: &aws_sdk_cloudwatchlogs::Client, events: &[(i64, String)]) {
    let events = events
        .iter()
        .map(|(ts, m)| InputLogEvent::builder().timestamp(*ts).message(m).build().expect("event"))
        .collect();
    client
        .put_log_events()
        .log_group_name(GROUP)
        .log_stream_name(STREAM)
        .set_log_events(Some(events))
        .send()
        .await
        .expect("put log events");
}

/// One invocation as the Node.js runtime logs it; `error` adds what a failure writes.
pub fn invocation(at: i64, id: &str, error: Option<&str>) -> Vec<(i64, String)> {
    let mut events = vec![
        (at, format!("START RequestId: {id} Version: $LATEST\n")),
        (at + 1, format!("2026-11-22T03:00:00.001Z\t{id}\tINFO\tlooking up caller\n")),
    ];
    if let Some(e) = error {
        events.push((at + 2, e.to_string()));
    }
    events.push((at + 3, format!("END RequestId: {id}\n")));
    events.push((at + 4, format!("REPORT RequestId: {id}\tDuration: 12.00 ms\t\n")));
    events
}

fn logs_table(page_limit: u32) -> String {
    format!(
        "[logs]\npoll_interval_s = 2\npage_limit = {page_limit}\nrate_per_s = 100.0\nburst = 1\n\
         backoff_min_ms = 10\nbackoff_max_ms = 50\nthrottle_retries = 2\n"
    )
}

/// Batches until the first empty one: the look-back, however many calls its pages take.
async fn backlog(tail: &mut dyn LogTail) -> Vec<LogLine> {
    let mut all = Vec::new();
    loop {
        let batch = tail.next_batch().await.unwrap_or_else(|e| panic!("{e}"));
        if batch.is_empty() {
            return all;
        }
        all.extend(batch);
    }
}

/// Each line's words: tabs in the runtime's output become spaces to the next tab stop.
pub fn texts(lines: &[LogLine]) -> Vec<String> {
    lines.iter().map(|l| l.text.split_whitespace().collect::<Vec<_>>().join(" ")).collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn only_error_events_come_back_in_order_across_pages_then_new_ones_once() {
    let emu = Emulator::moto();
    let logs = client(&emu.url);
    create(&logs).await;
    let t0 = now_ms() - 10 * 60_000;
    let a = "11111111-1111-4111-8111-111111111111";
    let b = "22222222-2222-4222-8222-222222222222";
    let c = "33333333-3333-4333-8333-333333333333";
    let mut events =
        invocation(t0, a, Some(&format!("2026-11-22T03:00:00.002Z {a} Task timed out after 8.00 seconds\n")));
    events.extend(invocation(t0 + 1_000, b, None));
    events.extend(invocation(
        t0 + 2_000,
        c,
        Some(&format!(
            "2026-11-22T03:00:02.002Z\t{c}\tERROR\tProvisionedThroughputExceededException: exceeded\n    at save (/var/task/index.mjs:41:5)\n"
        )),
    ));
    // Older than the 15-minute look-back: never shown.
    events.insert(
        0,
        (t0 - 10 * 60_000, format!("2026-11-22T02:50:00.000Z {a} Task timed out after 8.00 seconds\n")),
    );
    put(&logs, &events).await;

    // Three events a page: the 15 seeded events take several pages, some with no error at all.
    let ctx = context(&emu.url, emulator_settings(&logs_table(3))).await;
    let mut tail = ctx.lambda_error_log(FUNCTION);
    let state = tail.state();
    assert_eq!(tail.filter_pattern(), r#"?ERROR ?Error ?Exception ?"Task timed out""#);
    let lines = backlog(&mut tail).await;
    assert_eq!(
        texts(&lines),
        [
            format!("{a} Task timed out after 8.00 seconds"),
            format!("{c} ERROR ProvisionedThroughputExceededException: exceeded"),
            "at save (/var/task/index.mjs:41:5)".to_string(),
        ],
        "{}",
        emu.log_text()
    );
    assert!(lines.iter().all(|l| l.level == LogLevel::Error));
    assert_eq!(lines[0].at.0 as i64, t0 + 2, "the event's own time");
    let pages = ctx.stats().count("FilterLogEvents");
    assert!(pages >= 4, "{pages} pages of 3 for 14 events");
    assert!(matches!(&*state.borrow(), TailState::Following { source } if source == GROUP));

    // Nothing new, and not asked again before the poll interval.
    assert!(tail.next_batch().await.expect("poll").is_empty());
    assert_eq!(ctx.stats().count("FilterLogEvents"), pages);

    let d = "44444444-4444-4444-8444-444444444444";
    let now = now_ms();
    put(
        &logs,
        &invocation(now, d, Some(&format!("2026-11-22T03:10:00.002Z\t{d}\tERROR\tInvoke Error \t{{}}\n"))),
    )
    .await;
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    let new = backlog(&mut tail).await;
    assert_eq!(texts(&new), [format!("{d} ERROR Invoke Error {{}}")]);
    // The next poll reaches back over the new event again (late ingestion); it is not repeated.
    tokio::time::sleep(Duration::from_millis(2_100)).await;
    assert!(backlog(&mut tail).await.is_empty());
    assert!(ctx.stats().count("FilterLogEvents") > pages + 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_log_group_says_the_function_has_not_logged_yet() {
    let emu = Emulator::moto();
    let ctx = context(&emu.url, emulator_settings(&logs_table(100))).await;
    let mut tail = ctx.lambda_error_log("connect-never-called");
    let state = tail.state();
    let err = tail.next_batch().await.expect_err("no such log group");
    match &err {
        SourceError::Failed { operation, resource, message } => {
            assert_eq!(operation, "FilterLogEvents");
            assert_eq!(resource, "/aws/lambda/connect-never-called");
            assert!(message.contains("has not logged yet"), "{message}");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(&*state.borrow(), TailState::Waiting { .. }), "{:?}", state.borrow());
}

#[tokio::test(flavor = "multi_thread")]
async fn logs_lambda_prints_the_error_lines_from_cloudwatch_logs() {
    let emu = Emulator::moto();
    let logs = client(&emu.url);
    create(&logs).await;
    let t0 = now_ms() - 60_000;
    let id = "55555555-5555-4555-8555-555555555555";
    let mut events = invocation(
        t0,
        id,
        Some(&format!("2026-11-22T03:00:00.002Z {id} Task timed out after 8.00 seconds\n")),
    );
    events.extend(invocation(t0 + 1_000, "66666666-6666-4666-8666-666666666666", None));
    put(&logs, &events).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let cfg = dir.path().join("config.toml");
    std::fs::write(
        &cfg,
        "[aws]\naccount_id = \"123456789012\"\nmax_attempts = 1\noperation_timeout_ms = 20000\n",
    )
    .expect("config");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["--config", cfg.to_str().expect("utf-8 path"), "--region", "us-east-1"])
        .args(["--endpoint-url", &emu.url, "logs", "--lambda", FUNCTION, "-n", "10"])
        .env("AWS_ACCESS_KEY_ID", "AKIDTEST")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env_remove("AWS_PROFILE")
        .env("AWS_CONFIG_FILE", dir.path().join("none"))
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .output()
        .expect("run switchboard");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    assert!(stdout.ends_with(&format!(" ERROR {id} Task timed out after 8.00 seconds\n")), "{stdout}");
}

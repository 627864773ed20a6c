//! The console on the live backend, in tmux: `switchboard` with an [aws] config shows the
//! account and Region, the seeded figures in their panes; a throttled Connect shows in the
//! Queues pane only while the other sources keep updating; recovery when the fault clears.

use crate::cli_live::{config, connect_and_ssm};
use crate::cloudwatch_ministack::{client, seed_contact_center};
use crate::emulator::Emulator;
use crate::standin::{Reply, Request, StandIn};
use crate::tmux::Tmux;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

#[tokio::test(flavor = "multi_thread")]
async fn live_console_shows_aws_figures_and_a_throttled_source_degrades_only_its_pane() {
    let emu = Emulator::ministack();
    seed_contact_center(&client(&emu.url)).await;
    let throttle = Arc::new(AtomicBool::new(false));
    let flag = throttle.clone();
    let standin = StandIn::start(move |req: &Request| match req.operation.as_str() {
        "GetCurrentMetricData" if flag.load(Ordering::SeqCst) => {
            Reply::rest_error(429, "ThrottlingException", "Rate exceeded")
        }
        _ => connect_and_ssm(req),
    })
    .await;
    let dir = tempfile::tempdir().unwrap();
    let cfg = config(dir.path());
    let cmd = format!(
        "AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=test AWS_CONFIG_FILE=/nonexistent \
         AWS_SHARED_CREDENTIALS_FILE=/nonexistent AWS_ENDPOINT_URL_CLOUDWATCH={} AWS_ENDPOINT_URL_CONNECT={} \
         AWS_ENDPOINT_URL_SSM={} XDG_DATA_HOME={} {} --config {} --region us-east-1",
        emu.url,
        standin.url,
        standin.url,
        dir.path().display(),
        env!("CARGO_BIN_EXE_switchboard"),
        cfg.display()
    );
    let t = Tmux::start(&cmd, 160, 48);
    let screen = t.wait_for("live figures", WAIT, |s| {
        s.contains("aws:123456789012/us-east-1") && s.contains("connect-auth") && s.contains("Stopped")
    });
    assert!(screen.contains("Queue 0001"), "queues from GetCurrentMetricData:\n{screen}");
    assert!(screen.contains("ctr-stream"), "{screen}");
    assert!(screen.contains("↻ metrics "), "each source's age in the status bar:\n{screen}");

    // Throttle Connect: the Queues pane says so, the rest keeps its figures.
    throttle.store(true, Ordering::SeqCst);
    // "throttled calls" is a Connect figure; the source state reads "GetCurrentMetricData: throttled"
    // (cut to the pane width).
    let throttled = t.wait_for("the throttled Queues pane", WAIT, |s| s.contains("Data: thr"));
    assert!(throttled.contains("connect-auth") && throttled.contains("ctr-stream"), "{throttled}");
    t.wait_for("the failing source marked in the status bar", WAIT, |s| s.contains("✖queues"));
    let lines_with_throttled: Vec<&str> = throttled.lines().filter(|l| l.contains("Data: thr")).collect();
    assert!(
        lines_with_throttled.iter().all(|l| !l.contains("Lambda") && !l.contains("Kinesis")),
        "throttling leaked into other panes: {lines_with_throttled:?}"
    );
    // Keys still work while a source is failing.
    t.keys(&["?"]);
    t.wait_text("Filter the focused table", WAIT);
    t.keys(&["Escape"]);

    // Recovery when the fault clears.
    throttle.store(false, Ordering::SeqCst);
    t.wait_for("recovery", WAIT, |s| !s.contains("Data: thr") && s.contains("Queue 0001"));

    // `r` lists the queues again (timed refreshes reuse the list).
    let listed = standin.count("ListQueues");
    t.keys(&["r"]);
    let start = std::time::Instant::now();
    while standin.count("ListQueues") == listed && start.elapsed() < WAIT {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(standin.count("ListQueues"), listed + 1, "a manual refresh runs ListQueues once");
    t.keys(&["q"]);
    let (status, _) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
}

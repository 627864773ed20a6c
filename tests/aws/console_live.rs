//! The console on the live backend, in tmux: `switchboard` with an [aws] config shows the
//! account and Region, the seeded figures in their panes; a throttled Connect shows in the
//! Queues pane only while the other sources keep updating; recovery when the fault clears.

use crate::cli_live::{config, connect_and_ssm};
use crate::cloudwatch_ministack::{client, seed_contact_center};
use crate::emulator::Emulator;
use crate::screen::{pane, source_ages};
use crate::standin::{Reply, Request, StandIn};
use crate::tmux::Tmux;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(30);

/// `pane` has a row whose first cell is `first`.
fn has_row(screen: &str, name: &str, first: &str) -> bool {
    pane(screen, name).is_some_and(|p| p.row(first).is_some())
}

/// The pane's stale-data notice (`? data 12s old · …`), if it shows one.
fn notice(screen: &str, name: &str) -> Option<String> {
    let p = pane(screen, name)?;
    p.lines
        .iter()
        .map(|l| l.trim())
        .find(|l| l.starts_with("? data ") || l.starts_with("? no data"))
        .map(str::to_string)
}

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
    let bridge_stopped = |s: &str| {
        pane(s, "NexTalk").and_then(|p| p.service("nt-a", "Chat Bridge")).is_some_and(|r| r.has("Stopped"))
    };
    let screen = t.wait_for("live figures", WAIT, |s| {
        // Each source answers on its own; the screen is read once all of them have.
        s.contains("aws:123456789012/us-east-1")
            && has_row(s, "Lambda", "connect-auth")
            && bridge_stopped(s)
            && has_row(s, "Queues", "Queue 0001")
    });
    assert!(has_row(&screen, "Queues", "Queue 0001"), "queues from GetCurrentMetricData:\n{screen}");
    assert!(has_row(&screen, "Kinesis", "ctr-stream"), "{screen}");
    let labels: Vec<String> = source_ages(&screen).into_iter().map(|s| s.label).collect();
    assert_eq!(
        labels,
        ["metrics", "queues", "ping", "services"],
        "each source's age in the status bar:\n{screen}"
    );

    // Throttle Connect: the Queues pane says so, the rest keeps its figures, fresh.
    throttle.store(true, Ordering::SeqCst);
    // The pane's stale-data line, `? data 3s old · Connect queues: GetCurrentMetricData:
    // throttled`, cut to the pane's width.
    let throttled = t.wait_for("the throttled Queues pane", WAIT, |s| notice(s, "Queues").is_some());
    let text = notice(&throttled, "Queues").unwrap_or_default();
    assert!(text.contains(" old · ") && text.contains("GetCurrentMetricData: thr"), "{text}");
    for other in ["Connect", "Lambda", "Kinesis", "DynamoDB", "NexTalk"] {
        assert_eq!(notice(&throttled, other), None, "throttling leaked into the {other} pane:\n{throttled}");
    }
    assert!(has_row(&throttled, "Queues", "Queue 0001"), "the last good queue figures stay:\n{throttled}");
    // Only the failing source is marked; the others' data keeps arriving: the metrics' age
    // goes back down (it refreshes every 2 s) while the queues' only grows.
    let marked = |s: &str| -> Vec<String> {
        source_ages(s).into_iter().filter(|a| a.failing).map(|a| a.label).collect()
    };
    t.wait_for("the failing source marked in the status bar", WAIT, |s| !marked(s).is_empty());
    let oldest_metrics = std::cell::Cell::new(0);
    let fresh = t.wait_for("fresh metrics while the queues fail", WAIT, |s| {
        let ages = source_ages(s);
        let age = |label: &str| ages.iter().find(|a| a.label == label).and_then(|a| a.age_s);
        assert_eq!(marked(s), ["queues"], "only the throttled source is marked:\n{s}");
        let (Some(metrics), Some(queues)) = (age("metrics"), age("queues")) else { return false };
        oldest_metrics.set(oldest_metrics.get().max(metrics));
        metrics < oldest_metrics.get() && queues > oldest_metrics.get()
    });
    assert!(has_row(&fresh, "Lambda", "connect-auth") && has_row(&fresh, "Kinesis", "ctr-stream"), "{fresh}");
    // Keys still work while a source is failing.
    t.keys(&["?"]);
    t.wait_text("Filter the focused table", WAIT);
    t.keys(&["Escape"]);

    // Recovery when the fault clears.
    throttle.store(false, Ordering::SeqCst);
    t.wait_for("recovery", WAIT, |s| {
        notice(s, "Queues").is_none()
            && has_row(s, "Queues", "Queue 0001")
            && source_ages(s).iter().all(|a| !a.failing)
    });

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

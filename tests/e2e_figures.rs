//! The figures an engineer reads, in a real terminal (tmux) from the binary `cargo test`
//! builds: ages on the source's clock and in agreement with `snapshot`, the cursor on the red
//! row, an outcome on record for every action, and a console that says it is the simulator.

#[path = "support/tmux.rs"]
mod tmux;

use std::process::Command;
use std::time::Duration;
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);
const BIN: &str = env!("CARGO_BIN_EXE_switchboard");

fn demo_cmd(args: &str) -> String {
    // A private config/data home keeps the user's files out of the test.
    format!("XDG_CONFIG_HOME=/nonexistent-sb XDG_DATA_HOME=$(mktemp -d) {BIN} demo {args}")
}

/// Seconds in an age as the console prints it: `18m03s`, `56s`, `1h05m`, `2d04h`, `850ms`.
fn seconds(age: &str) -> Option<u64> {
    if let Some(ms) = age.strip_suffix("ms") {
        return ms.parse::<u64>().ok().map(|_| 0);
    }
    let mut total = 0;
    let mut num = String::new();
    for c in age.chars() {
        if c.is_ascii_digit() {
            num.push(c);
            continue;
        }
        let n: u64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'd' => 86_400,
            'h' => 3600,
            'm' => 60,
            's' => 1,
            _ => return None,
        };
    }
    match num.is_empty() {
        true => Some(total),
        // `1h05m` ends in minutes; a trailing bare number is not an age.
        false => None,
    }
}

/// The age in the Since column of the alerts pane's row about `what`.
fn alert_age(screen: &str, what: &str) -> Option<u64> {
    let line = screen.lines().find(|l| l.contains(what) && l.starts_with('│'))?;
    let line = line.split("││").next()?;
    let last = line.trim_end_matches('│').split_whitespace().last()?;
    seconds(last)
}

#[test]
fn demo_ages_are_simulated_time_and_agree_with_snapshot() {
    let out = Command::new(BIN)
        .args(["snapshot", "--demo", "--scenario", "chat-bridge-down", "--at", "1200", "--format", "json"])
        .env("XDG_CONFIG_HOME", "/nonexistent-sb")
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let since = json["alerts"][0]["since"].as_str().unwrap().to_string();
    assert_eq!(since, "2026-11-22T03:02:00Z", "the incident began 120 s in");
    // 1200 - 120 s: `snapshot --at 1200` says 18m.
    let headless_age = 1080;

    let t = Tmux::start(&demo_cmd("--scenario chat-bridge-down --start-at 1200"), 120, 36);
    t.wait_text("Chat Bridge", WAIT);
    t.keys(&["a"]);
    let screen = t.wait_for("the alerts pane", WAIT, |s| alert_age(s, "NexTalk Chat Bridge").is_some());
    let age = alert_age(&screen, "NexTalk Chat Bridge").unwrap();
    // The console has run a few real seconds since it opened at 1200 s.
    assert!((headless_age..headless_age + 15).contains(&age), "console says {age} s:\n{screen}");
    t.keys(&["Enter"]);
    let detail = t.wait_text("since 03:02:00", WAIT);
    assert!(detail.contains("NexTalk Chat Bridge is Stopped · since 03:02:00"), "{detail}");
    // `Seen` is simulated too: moments ago, not days.
    t.keys(&["Escape", "6"]);
    let nextalk = t.wait_text("Server / service", WAIT);
    let seen = nextalk
        .lines()
        .find(|l| l.contains("nt-a") && l.contains("Online"))
        .and_then(|l| l.split("││").next())
        .and_then(|l| l.trim_end_matches('│').split_whitespace().last())
        .and_then(seconds);
    assert!(seen.is_some_and(|s| s < 120), "nt-a last seen {seen:?}:\n{nextalk}");
}

#[test]
fn at_speed_60_ages_advance_in_simulated_time() {
    let t = Tmux::start(&demo_cmd("--scenario chat-bridge-down --start-at 1200 --speed 60"), 120, 36);
    t.wait_text("Chat Bridge", WAIT);
    t.keys(&["a"]);
    let first = t.wait_for("the alerts pane", WAIT, |s| alert_age(s, "NexTalk Chat Bridge").is_some());
    let a1 = alert_age(&first, "NexTalk Chat Bridge").unwrap();
    let started = std::time::Instant::now();
    std::thread::sleep(Duration::from_secs(4));
    let later =
        t.wait_for("a later age", WAIT, |s| alert_age(s, "NexTalk Chat Bridge").is_some_and(|a| a > a1));
    let a2 = alert_age(&later, "NexTalk Chat Bridge").unwrap();
    let real = started.elapsed().as_secs();
    // Four real seconds are four simulated minutes (less a refresh of slack).
    assert!(a2 - a1 >= 60 * real.saturating_sub(2), "{a1} s → {a2} s in {real} real s");
}

#[test]
fn lambda_errors_enter_and_l_open_the_red_function() {
    let t = Tmux::start(&demo_cmd("--scenario lambda-errors --start-at 300"), 120, 36);
    t.wait_text("connect-lookup-custom", WAIT);
    t.keys(&["3", "Enter"]);
    let detail = t.wait_text("┌ ✖ function", WAIT);
    assert!(detail.contains("✖ function connect-lookup-customer"), "{detail}");
    // `l` from the detail view opens that function's errors, as the footer offers.
    assert!(detail.lines().last().unwrap_or("").contains("l log"), "{detail}");
    t.keys(&["l"]);
    let log = t.wait_text("Lambda error log", WAIT);
    assert!(log.contains("connect-lookup-customer Lambda error log"), "{log}");
}

/// The audit log's records, each line parsed as JSON.
fn audit_records(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines().filter(|l| !l.trim().is_empty()).map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn restart_statuses(path: &std::path::Path) -> Vec<String> {
    audit_records(path)
        .iter()
        .filter(|r| r["action"]["kind"] == "restart_service")
        .map(|r| r["status"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn every_restart_has_an_outcome_declined_or_abandoned_with_its_command_id() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    // Slow enough that the restart is still running when the engineer quits.
    let t = Tmux::start(
        &demo_cmd(&format!(
            "--scenario chat-bridge-down --start-at 300 --speed 0.05 --audit-log {}",
            audit.display()
        )),
        120,
        36,
    );
    t.wait_for("the stopped Chat Bridge", WAIT, |s| s.contains("Stopped"));
    t.keys(&["6", "/"]);
    t.type_text("chat");
    t.keys(&["Enter", "j", "C-r"]);
    t.wait_text("Restart-Service -InputObject $svc -Force", WAIT);
    t.keys(&["Escape"]);
    t.wait_text("not run: restart service", WAIT);
    let start = std::time::Instant::now();
    while restart_statuses(&audit) != ["declined"] {
        assert!(start.elapsed() < WAIT, "{:?}", restart_statuses(&audit));
        std::thread::sleep(Duration::from_millis(50));
    }
    t.keys(&["C-r"]);
    t.wait_text("Restart-Service -InputObject $svc -Force", WAIT);
    t.keys(&["Tab", "Enter"]);
    while !restart_statuses(&audit).contains(&"sent".to_string()) {
        assert!(start.elapsed() < WAIT * 2, "{:?}", restart_statuses(&audit));
        std::thread::sleep(Duration::from_millis(50));
    }
    t.keys(&["q"]);
    let records = || {
        audit_records(&audit)
            .iter()
            .map(|r| format!("{} {} {}", r["status"], r["command_id"], r["message"]))
            .collect::<Vec<_>>()
    };
    t.wait_for("the second q to be asked for", WAIT, |s| {
        assert!(!s.contains("EXIT-STATUS"), "the restart ended before the quit: {:?}", records());
        s.contains("press again to quit")
    });
    t.keys(&["q"]);
    let (status, _) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
    assert_eq!(restart_statuses(&audit), ["declined", "requested", "sent", "abandoned"]);
    let records = audit_records(&audit);
    let sent = records.iter().find(|r| r["status"] == "sent").unwrap();
    let abandoned = records.iter().find(|r| r["status"] == "abandoned").unwrap();
    assert!(sent["command_id"].is_string());
    assert_eq!(abandoned["command_id"], sent["command_id"], "{abandoned}");
    assert!(
        abandoned["message"].as_str().is_some_and(|m| m.contains("may still run remotely")),
        "{abandoned}"
    );
}

#[test]
fn started_without_a_config_the_first_screen_says_it_is_the_simulator_and_lists_choices() {
    let cmd = format!("XDG_CONFIG_HOME=/nonexistent-sb XDG_DATA_HOME=$(mktemp -d) {BIN}");
    let t = Tmux::start(&cmd, 120, 36);
    let first = t.wait_text("SIMULATOR", WAIT);
    assert!(first.contains("no [aws] in the config: simulated figures, not your contact center"), "{first}");
    // `:theme` and `:sort` alone list what they take.
    t.keys(&[":"]);
    t.type_text("theme");
    t.keys(&["Enter"]);
    let themes = t.wait_text("themes:", WAIT);
    assert!(themes.contains("themes: dark, light, high-contrast, colorblind (now dark)"), "{themes}");
    t.keys(&["1", ":"]);
    t.type_text("sort");
    t.keys(&["Enter"]);
    let sorts = t.wait_text("sorts by", WAIT);
    assert!(sorts.contains("Queues sorts by worst, name, queue, oldest (now worst)"), "{sorts}");
    // The badge stays on every screen.
    assert!(sorts.lines().last().unwrap_or("").contains("SIMULATOR"), "{sorts}");
}

#[test]
fn ages_read_like_the_console_prints_them() {
    assert_eq!(seconds("18m03s"), Some(1083));
    assert_eq!(seconds("18m"), Some(1080));
    assert_eq!(seconds("1h05m"), Some(3900));
    assert_eq!(seconds("56s"), Some(56));
    assert_eq!(seconds("Online"), None);
}

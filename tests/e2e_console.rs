//! The console as an engineer meets it: the binary `cargo test` builds, in a real terminal
//! (tmux), driven by keystrokes and read from the screen.

#[path = "support/tmux.rs"]
mod tmux;

use std::time::Duration;
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);

fn demo_cmd(args: &str) -> String {
    // A private config/data home keeps the user's files out of the test.
    format!(
        "XDG_CONFIG_HOME=/nonexistent-sb XDG_DATA_HOME=$(mktemp -d) {} demo {args}",
        env!("CARGO_BIN_EXE_switchboard")
    )
}

#[test]
fn chat_bridge_down_demo_shows_every_pane_help_filter_and_quits_cleanly() {
    let t = Tmux::start(&demo_cmd("--scenario chat-bridge-down --start-at 300"), 160, 48);
    let screen = t.wait_for("the grid with the stopped Chat Bridge", WAIT, |s| {
        s.contains("Chat Bridge") && s.contains("Stopped")
    });
    for title in ["Queues", "Connect", "Lambda", "Kinesis", "DynamoDB", "NexTalk", "Alerts"] {
        assert!(screen.contains(title), "pane {title} missing:\n{screen}");
    }
    let bridge = screen.lines().find(|l| l.contains("Chat Bridge") && l.contains("Stopped")).unwrap();
    assert!(bridge.contains('✖'), "Chat Bridge not marked critical: {bridge}");
    assert!(screen.contains("NexTalk Chat Bridge is Stopped"), "alert missing:\n{screen}");

    // Help overlay from the keymap.
    t.keys(&["?"]);
    let help = t.wait_text("Quit", WAIT);
    assert!(help.contains("Filter the focused table"), "help lacks the filter key:\n{help}");
    t.keys(&["Escape"]);
    t.wait_for("help to close", WAIT, |s| !s.contains("Filter the focused table"));

    // Filter the Queues table down to one row.
    t.keys(&["1", "/"]);
    t.type_text("bill");
    t.keys(&["Enter"]);
    let filtered = t.wait_for("the Queues table filtered to Billing", WAIT, |s| {
        s.contains("Billing") && !s.contains("Tech Support")
    });
    assert!(filtered.contains("bill"), "filter not shown in the pane title:\n{filtered}");

    t.keys(&["q"]);
    let (status, modes) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
    assert_restored(&modes);
}

#[test]
fn small_terminal_shows_tabs_for_every_pane_and_sigterm_restores_the_terminal() {
    let t = Tmux::start(&demo_cmd("--scenario chat-bridge-down --start-at 300 --seed 77"), 80, 24);
    let screen = t.wait_text("Queues", WAIT);
    for title in ["Queues", "Connect", "Lambda", "Kinesis", "DynamoDB", "NexTalk"] {
        assert!(screen.lines().next().unwrap_or("").contains(title), "tab {title} missing:\n{screen}");
    }
    t.keys(&["6"]);
    let nextalk =
        t.wait_for("the NexTalk pane", WAIT, |s| s.contains("Chat Bridge") && s.contains("Stopped"));
    assert!(nextalk.contains("nt-a"), "{nextalk}");
    // SIGTERM (as a closing SSH session or `kill` sends) must not leave the shell raw.
    // Anchored on the binary so the wrapping shell (whose command line holds the same words)
    // survives to report the exit status.
    let pattern = format!("^{} demo .*--seed 77", env!("CARGO_BIN_EXE_switchboard"));
    let out = std::process::Command::new("pkill").args(["-TERM", "-f", &pattern]).output().unwrap();
    assert!(out.status.success(), "pkill found nothing");
    let (status, modes) = t.wait_exit(WAIT);
    assert!(status.starts_with("EXIT-STATUS="), "{status}");
    assert_restored(&modes);
}

/// Cooked mode again: canonical input, echo and signals on (stty prints `-icanon` etc. when off).
fn assert_restored(modes: &str) {
    for m in ["icanon", "echo", "isig"] {
        assert!(modes.split_whitespace().any(|w| w == m), "terminal not restored ({m} off): {modes}");
    }
}

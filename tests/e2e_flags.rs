//! The Flags view in a real terminal (tmux): `lambda-errors`, `F`, the CRM bypass flipped from
//! the console behind its confirmation, and the Lambda alerts it was flipped for clearing on
//! screen, on the simulator's own clock at real time.

#[path = "support/tmux.rs"]
mod tmux;

use std::time::{Duration, Instant};
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);
/// The lookup Lambda's error rate and p99 are judged over a minute: once the bypass is on, the
/// timed-out invocations of the minute before must age out of the window (measured 40-60 s).
const CLEAR_WITHIN: Duration = Duration::from_secs(150);

fn demo_cmd(args: &str) -> String {
    format!(
        "XDG_CONFIG_HOME=/nonexistent-sb XDG_DATA_HOME=$(mktemp -d) {} demo {args}",
        env!("CARGO_BIN_EXE_switchboard")
    )
}

/// Lines of the alerts strip (and tab bar) that say the lookup Lambda is critical.
fn lookup_crit(screen: &str) -> usize {
    screen.lines().filter(|l| l.contains('✖') && l.contains("connect-lookup-customer")).count()
}

fn flag_statuses(path: &std::path::Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .filter(|r| r["action"]["kind"] == "set_parameter")
        .map(|r| r["status"].as_str().unwrap_or("").to_string())
        .collect()
}

#[test]
fn the_crm_bypass_flipped_in_the_flags_view_clears_the_lambda_alerts() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let t = Tmux::start(
        &demo_cmd(&format!(
            "--scenario lambda-errors --start-at 300 --speed 1 --audit-log {}",
            audit.display()
        )),
        80,
        24,
    );
    let before = t.wait_for("the lookup Lambda's crit alerts", WAIT, |s| lookup_crit(s) >= 2);
    assert!(before.contains("✖ Lambda"), "{before}");

    t.keys(&["F"]);
    let view = t.wait_text("Emergency flags (", WAIT);
    let row = view.lines().find(|l| l.contains("▶ crm_bypass")).unwrap_or("");
    assert!(row.contains(" off "), "the bypass is off, read from the simulator: {row}\n{view}");
    assert!(view.contains("/contact-center/flags/crm-bypass"), "{view}");
    assert!(view.contains("contact flows skip the CRM lookup"), "what on does:\n{view}");
    assert!(view.contains("▸ on"), "the cursor is on the value a change would set:\n{view}");

    t.keys(&["Enter"]);
    let dialog = t.wait_text("Confirm change: Set crm_bypass to on", WAIT);
    for needle in [
        "ssm:PutParameter",
        "Name      = /contact-center/flags/crm-bypass",
        "Value     = on",
        "Overwrite = true",
        "\"off\" →",
        "Impact    no call in progress is dropped",
    ] {
        assert!(dialog.contains(needle), "{needle:?} not in the confirmation:\n{dialog}");
    }
    assert_eq!(flag_statuses(&audit), Vec::<String>::new(), "nothing recorded before Run");
    t.keys(&["Tab", "Enter"]);
    let confirmed = Instant::now();
    let done = t.wait_for("the flag read back as on", WAIT, |s| {
        s.lines().any(|l| l.contains("▶ crm_bypass") && l.contains(" on ") && l.contains("v2"))
    });
    assert!(done.contains("\"on\", read"), "{done}");
    assert_eq!(flag_statuses(&audit), ["requested", "sent", "Success"]);

    t.keys(&["Escape"]);
    let clear = t.wait_for("the lookup Lambda's alerts to clear", CLEAR_WITHIN, |s| {
        lookup_crit(s) == 0 && s.contains("✓ Lambda")
    });
    let took = confirmed.elapsed();
    eprintln!("Run → the Lambda crit alerts cleared on screen after {took:?}");
    assert!(!clear.contains("✖ Lambda"), "{clear}");

    t.keys(&["q"]);
    let (status, _) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
}

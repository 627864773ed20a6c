//! An incident worked from the console, in a real terminal (tmux): declared on the Chat Bridge
//! alert, fixed with the runbook, noted, resolved and exported; the report on disk then holds
//! the whole story in order, on the drill's clock.

#[path = "support/drill.rs"]
mod drill;
#[path = "support/screen.rs"]
mod screen;
#[path = "support/tmux.rs"]
mod tmux;

use drill::{WAIT, bridge};
use screen::status_bar;
use tmux::Tmux;

#[test]
fn declare_on_the_alert_fix_note_resolve_and_export_from_the_console() {
    let data = tempfile::tempdir().unwrap();
    let audit = data.path().join("audit.jsonl");
    let cmd = format!(
        "XDG_CONFIG_HOME=/nonexistent-sb XDG_DATA_HOME={} {} --audit-log {} demo --scenario chat-bridge-down --start-at 300",
        data.path().display(),
        env!("CARGO_BIN_EXE_switchboard"),
        audit.display()
    );
    let t = Tmux::start(&cmd, 160, 48);
    t.wait_for("the stopped Chat Bridge", WAIT, |s| bridge(s).is_some_and(|r| r.has("Stopped")));

    // On the alert: title and severity prefilled from it.
    t.keys(&["a", "I"]);
    let prompt = t.wait_for("the declare prompt", WAIT, |s| status_bar(s).contains("declare sev2"));
    assert!(status_bar(&prompt).contains("NexTalk Chat Bridge is Stopped"), "{prompt}");
    t.keys(&["Enter"]);
    let view = t.wait_for("the incident view with the alert on its timeline", WAIT, |s| {
        s.contains("INC-") && s.contains("alert raised (crit)")
    });
    assert!(view.contains("· sev2 · open"), "{view}");
    assert!(status_bar(&view).contains("open"), "the status bar names the open incident:\n{view}");

    // Fix it with the first runbook, then note, resolve, export.
    drill::fix_with_the_first_runbook(&t);
    drill::note_resolve_export_and_quit(&t);

    let incidents = data.path().join("switchboard/incidents");
    let dir = std::fs::read_dir(&incidents).unwrap().flatten().next().expect("one incident").path();
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    let timeline = &report[report.find("## Timeline").expect("a timeline")..];
    let mut at = 0;
    for step in [
        "declared sev2: NexTalk",
        "alert raised (crit): NexTalk nt-a / NexTalk Chat Bridge",
        "check fail: The Chat Bridge service runs on each server",
        "restart service NexTalk Chat Bridge on nt-a (i-",
        ": sent (command ",
        "alert cleared: NexTalk nt-a / NexTalk Chat Bridge",
        "note: bridge restarted from the console",
        "status open → resolved",
    ] {
        let found =
            timeline[at..].find(step).unwrap_or_else(|| panic!("{step:?} not after byte {at}:\n{timeline}"));
        at += found + step.len();
    }
    // The console learns the command's end from its status poll, and sees the bridge running
    // from the telemetry: either may come first, so the end is after the send, and the
    // runbook's own record of the action (it comes with the re-check's snapshot) after the end.
    let sent = timeline.find(": sent (command ").unwrap_or(usize::MAX);
    let ended = timeline.find(": ended Success (command ").filter(|e| *e > sent).unwrap_or(usize::MAX);
    assert!(ended < usize::MAX, "the restart's end with its command id:\n{timeline}");
    let done = timeline.find("action done: Restart the Chat Bridge where it is down");
    assert!(done.is_some_and(|d| d > ended), "{timeline}");
    assert!(report.contains("DRILL"), "a drill says so");
    // One clock: declared and resolved are both the simulator's, so the span is that of the
    // drill (well under the test's minutes), not the days between 2026-11-22 and today.
    let open_for = report.lines().find(|l| l.contains("Open for")).unwrap_or_default();
    assert!(open_for.contains("(declared → resolved, simulated time)"), "{open_for}");
    let span = open_for.trim_start_matches("- Open for: ").split(' ').next().unwrap_or_default();
    assert!(span.ends_with('s') && !span.contains('d') && !span.contains('h'), "{open_for}");
}

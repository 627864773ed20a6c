//! The Chat Bridge drill worked in the console (tmux), shared by the incident and replay tests:
//! fix it with the first runbook, then note, resolve and export the incident. Include it beside
//! `screen.rs` and `tmux.rs`.

use super::screen::{self, pane, status_bar};
use super::tmux::Tmux;
use std::time::Duration;

pub const WAIT: Duration = Duration::from_secs(20);
/// The runbook's checks before it offers the restart (simulated SSM round trips).
pub const RUN: Duration = Duration::from_secs(90);

/// nt-a's Chat Bridge row in the NexTalk pane.
pub fn bridge(screen: &str) -> Option<screen::Row> {
    pane(screen, "NexTalk")?.service("nt-a", "Chat Bridge")
}

/// From the incident view: the first runbook, its restart confirmed, until the bridge is green.
pub fn fix_with_the_first_runbook(t: &Tmux) {
    t.keys(&["Escape", "R"]);
    t.wait_text("Runbooks", WAIT);
    t.keys(&["Enter"]);
    t.wait_for("the restart offer", RUN, |s| s.contains("[ Run ]"));
    t.keys(&["Tab", "Enter"]);
    t.wait_for("nt-a's Chat Bridge running again", RUN, |s| s.contains("nt-a: Success ("));
    // The manual step that follows opens its own prompt: Esc closes it, then the run's view.
    for _ in 0..4 {
        if !t.screen().contains("Runbook nextalk-connectivity") {
            break;
        }
        t.keys(&["Escape"]);
        std::thread::sleep(Duration::from_millis(500));
    }
    t.wait_for("the Chat Bridge row green", RUN, |s| bridge(s).is_some_and(|r| r.mark == '✓'));
}

/// A note, resolve, export md, then quit; returns what `wait_exit` read.
pub fn note_resolve_export_and_quit(t: &Tmux) -> (String, String) {
    t.keys(&["I"]);
    t.wait_text("· open", WAIT);
    t.keys(&["n"]);
    t.wait_for("the note prompt", WAIT, |s| status_bar(s).contains("note"));
    t.type_text("bridge restarted from the console");
    t.keys(&["Enter"]);
    t.wait_text("note: bridge restarted from the console", WAIT);
    t.keys(&[":"]);
    t.type_text("resolve");
    t.keys(&["Enter"]);
    t.wait_text("· resolved", WAIT);
    t.keys(&[":"]);
    t.type_text("export md");
    t.keys(&["Enter"]);
    t.wait_text("report written to", WAIT);
    t.keys(&["Escape", "q"]);
    t.wait_exit(WAIT)
}

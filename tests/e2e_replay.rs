//! The flight recorder and replay in a real terminal (tmux): an incident worked in the demo
//! with `--record` (declared on the Chat Bridge alert, fixed with the runbook, noted, resolved,
//! exported), then `replay` of the file shows the Chat Bridge stopped (✖) and later running
//! (✓), read-only; `replay INC` plays the window attached to the incident and jumps between the
//! timeline's events.

#[path = "support/drill.rs"]
mod drill;
#[path = "support/screen.rs"]
mod screen;
#[path = "support/tmux.rs"]
mod tmux;

use drill::{RUN, WAIT, bridge};
use screen::status_bar;
use std::path::Path;
use std::process::Command;
use std::time::Duration;
use tmux::Tmux;

fn env(data: &Path) -> String {
    format!("XDG_CONFIG_HOME=/nonexistent-sb XDG_DATA_HOME={}", data.display())
}

/// The incident flow of e2e_incident.rs, recorded.
fn work_the_incident(data: &Path, record: &Path) {
    let audit = data.join("audit.jsonl");
    let cmd = format!(
        "{} {} --audit-log {} demo --scenario chat-bridge-down --start-at 300 --record {}",
        env(data),
        env!("CARGO_BIN_EXE_switchboard"),
        audit.display(),
        record.display()
    );
    let t = Tmux::start(&cmd, 160, 48);
    t.wait_for("the stopped Chat Bridge", WAIT, |s| bridge(s).is_some_and(|r| r.has("Stopped")));
    t.keys(&["a", "I"]);
    t.wait_for("the declare prompt", WAIT, |s| status_bar(s).contains("declare sev2"));
    t.keys(&["Enter"]);
    t.wait_for("the incident view", WAIT, |s| s.contains("INC-") && s.contains("alert raised (crit)"));
    // The recorder says it attached its window, and the timeline shows it.
    t.wait_for("the recording attached", WAIT, |s| s.contains("attached telemetry.jsonl.gz"));
    drill::fix_with_the_first_runbook(&t);
    // A few frames of the healthy bridge, so the replay has an "after".
    std::thread::sleep(Duration::from_secs(5));
    let (status, _) = drill::note_resolve_export_and_quit(&t);
    assert!(status.contains("EXIT-STATUS=0"), "{status}");
}

#[test]
fn a_recorded_incident_replays_with_the_bridge_down_and_then_up() {
    let data = tempfile::tempdir().unwrap();
    let record = data.path().join("drill.jsonl.gz");
    work_the_incident(data.path(), &record);

    let incidents = data.path().join("switchboard/incidents");
    let dir = std::fs::read_dir(&incidents).unwrap().flatten().next().expect("one incident").path();
    let id = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(dir.join("attachments/telemetry.jsonl.gz").is_file(), "the window attached to {id}");
    let report = std::fs::read_to_string(dir.join("report.md")).unwrap();
    assert!(report.contains("attached telemetry.jsonl.gz"), "the report lists the recording");

    // The file, at half the recorded pace: first the stopped bridge, then the running one.
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let cmd = format!("{} {bin} replay {} --speed 0.5", env(data.path()), record.display());
    let t = Tmux::start(&cmd, 160, 48);
    let down = t.wait_for("the replay with the stopped Chat Bridge", WAIT, |s| {
        status_bar(s).contains("REPLAY") && bridge(s).is_some_and(|r| r.mark == '✖' && r.has("Stopped"))
    });
    t.keys(&["Space"]);
    let bar = status_bar(&down);
    assert!(bar.contains("READ-ONLY") && bar.contains("SIMULATOR"), "{bar}");
    assert!(bar.contains("×0.5"), "{bar}");
    // The file names the incident it was attached to: its events are marked.
    assert!(bar.contains(" ev "), "{bar}");
    t.wait_for("paused", WAIT, |s| status_bar(s).contains("REPLAY ⏸"));
    // Read-only: a restart asked for on the replay is refused, as with --read-only.
    t.keys(&["6", "j", "j", "j"]);
    t.keys(&["C-r"]);
    let refused =
        t.wait_for("the restart refused", WAIT, |s| status_bar(s).contains("read-only: restarting"));
    assert!(refused.contains("refused (read-only): restart service NexTalk Chat Bridge"), "{refused}");
    t.keys(&["Escape", "Space"]);
    t.wait_for("playing again", WAIT, |s| status_bar(s).contains("REPLAY ▶"));
    t.wait_for("the Chat Bridge running later in the replay", RUN, |s| {
        bridge(s).is_some_and(|r| r.mark == '✓' && r.has("Running"))
    });
    // Pause, then back: the stopped bridge again, and the position stays put.
    t.keys(&["Space"]);
    t.wait_for("paused", WAIT, |s| status_bar(s).contains("REPLAY ⏸"));
    for _ in 0..30 {
        t.keys(&["Left"]);
    }
    t.wait_for("the stopped bridge after stepping back", WAIT, |s| bridge(s).is_some_and(|r| r.mark == '✖'));
    t.keys(&["q"]);
    t.wait_exit(WAIT);

    // The incident's own window, jumping from event to event to the alert's clearing.
    let cmd = format!("{} {bin} replay {id} --speed 0.25", env(data.path()));
    let t = Tmux::start(&cmd, 160, 48);
    t.wait_for("the incident's replay, bridge stopped", WAIT, |s| {
        status_bar(s).contains("REPLAY") && bridge(s).is_some_and(|r| r.mark == '✖')
    });
    // Paused, so the position is the event's own time when we read it.
    t.keys(&["Space"]);
    t.wait_for("paused", WAIT, |s| status_bar(s).contains("REPLAY ⏸"));
    let mut cleared = None;
    let mut seen = Vec::new();
    for _ in 0..40 {
        t.keys(&["]"]);
        std::thread::sleep(Duration::from_millis(300));
        let s = t.screen();
        seen.push(status_bar(&s).to_string());
        if status_bar(&s).contains("alert cleared") {
            cleared = Some(s);
            break;
        }
    }
    let cleared =
        cleared.unwrap_or_else(|| panic!("no alert-cleared event to jump to:\n{}", seen.join("\n")));
    // The jump lands on the event's time: the badge counts it among those passed.
    let bar = status_bar(&cleared);
    let clock = bar.split("✓ alert cleared").next().and_then(|b| b.split_whitespace().last()).unwrap_or("?");
    assert!(bar.contains(&format!("REPLAY ⏸ {clock}/")), "{bar}");
    // The frame of that moment: the bridge running again.
    t.wait_for("the bridge running at the clearing", WAIT, |s| bridge(s).is_some_and(|r| r.mark == '✓'));
    t.keys(&["q"]);
    t.wait_exit(WAIT);
}

#[test]
fn bad_recordings_are_named_with_what_is_wrong() {
    let data = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let run = |arg: &str| {
        let out = Command::new(bin)
            .args(["replay", arg])
            .env("XDG_CONFIG_HOME", "/nonexistent-sb")
            .env("XDG_DATA_HOME", data.path())
            .output()
            .unwrap();
        (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let text = data.path().join("notes.txt");
    std::fs::write(&text, "not a recording\n").unwrap();
    let failed = |code: Option<i32>| code.is_some_and(|c| c != 0);
    let (code, err) = run(&text.display().to_string());
    assert!(failed(code), "{code:?} {err}");
    assert!(err.contains("notes.txt: not a switchboard recording (not gzip data)"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    let (code, err) = run("/nonexistent/x.jsonl.gz");
    assert!(failed(code), "{code:?} {err}");
    assert!(err.contains("/nonexistent/x.jsonl.gz: No such file"), "{err}");
    let (code, err) = run("INC-20261122-001");
    assert!(failed(code), "{code:?} {err}");
    assert!(err.contains("INC-20261122-001"), "{err}");
}

/// `--record` is crash-safe: after a `kill -9` of the console the file holds every frame
/// written before it (the gzip stream is flushed per frame), and `replay` plays it.
#[test]
fn a_recording_survives_kill_9_of_the_console() {
    let data = tempfile::tempdir().unwrap();
    let record = data.path().join("killed.jsonl.gz");
    let bin = env!("CARGO_BIN_EXE_switchboard");
    let cmd = format!(
        "{} {bin} --audit-log {} demo --scenario chat-bridge-down --start-at 300 --record {}",
        env(data.path()),
        data.path().join("audit.jsonl").display(),
        record.display()
    );
    let t = Tmux::start(&cmd, 160, 48);
    t.wait_for("the console", WAIT, |s| bridge(s).is_some_and(|r| r.has("Stopped")));
    // A few refreshes (2 s apart) on disk.
    std::thread::sleep(Duration::from_secs(7));
    // The console itself, not the shell around it (whose command line names the file too).
    let pgrep = Command::new("pgrep").args(["-f", &record.display().to_string()]).output().unwrap();
    let pid = String::from_utf8_lossy(&pgrep.stdout)
        .split_whitespace()
        .find(|p| std::fs::read_link(format!("/proc/{p}/exe")).is_ok_and(|e| e == Path::new(bin)))
        .map(str::to_string)
        .expect("the console's pid");
    assert!(Command::new("kill").args(["-9", &pid]).status().unwrap().success());
    let (status, _) = t.wait_exit(WAIT);
    assert!(status.contains("EXIT-STATUS=137"), "{status}");

    let rec = switchboard::source::recording::read(&record, &|_| {}).unwrap();
    assert!(rec.frames.len() >= 3, "{} frames", rec.frames.len());
    assert!(rec.cut_short.is_some(), "no gzip trailer after a kill -9: said, not hidden");
    let cmd = format!("{} {bin} replay {}", env(data.path()), record.display());
    let t = Tmux::start(&cmd, 160, 48);
    t.wait_for("the killed session replayed", WAIT, |s| {
        status_bar(s).contains("REPLAY") && bridge(s).is_some_and(|r| r.has("Stopped"))
    });
    t.keys(&["q"]);
    t.wait_exit(WAIT);
}

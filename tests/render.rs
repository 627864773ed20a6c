//! The console drawn into a `TestBackend`: text and styles of real cells, at 80x24 (the
//! smallest usable size) and 160x48 (the grid).

#[path = "support/fixture.rs"]
mod fixture;

use crossterm::event::{KeyCode, KeyModifiers};
use fixture::{find, keymap, text, theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use switchboard::app::{Dialog, Effect, Msg, Popup, Purpose, ServerTarget, State, update};
use switchboard::audit::AuditStatus;
use switchboard::keymap::Key;
use switchboard::model::{Gap, Section, Timestamp};
use switchboard::source::SourceError;
use switchboard::source::{RemoteAction, Target};

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (160, 48);

fn render(state: &State) -> Buffer {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| switchboard::ui::draw(f, state, &theme(), &keymap())).unwrap();
    terminal.backend().buffer().clone()
}

fn console((w, h): (u16, u16)) -> State {
    fixture::state(w, h, 20)
}

fn press(s: &mut State, c: KeyCode) {
    update(s, Msg::Key(Key::new(c, KeyModifiers::NONE)), &keymap());
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        press(s, KeyCode::Char(c));
    }
}

#[track_caller]
fn assert_shows(buf: &Buffer, needle: &str) {
    assert!(find(buf, needle).is_some(), "expected {needle:?} on screen:\n{}", text(buf));
}

#[track_caller]
fn assert_lacks(buf: &Buffer, needle: &str) {
    assert!(find(buf, needle).is_none(), "did not expect {needle:?} on screen:\n{}", text(buf));
}

/// The cell at the start of `needle` on the same row as `row_marker`.
#[track_caller]
fn cell_on_row(buf: &Buffer, row_marker: &str, needle: &str) -> (u16, u16) {
    let (_, y) =
        find(buf, row_marker).unwrap_or_else(|| panic!("{row_marker:?} not on screen:\n{}", text(buf)));
    let line: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
    let before =
        line.find(needle).unwrap_or_else(|| panic!("{needle:?} not on the {row_marker:?} row: {line}"));
    (line[..before].chars().count() as u16, y)
}

#[track_caller]
fn assert_crit(buf: &Buffer, (x, y): (u16, u16)) {
    let cell = &buf[(x, y)];
    assert_eq!(cell.fg, Color::Red, "cell {:?} at ({x},{y}) should have the crit colour", cell.symbol());
    assert!(cell.modifier.contains(Modifier::BOLD), "crit is bold in the test theme");
}

const TITLES: [&str; 6] = ["Queues", "Connect", "Lambda", "Kinesis", "DynamoDB", "NexTalk"];

#[test]
fn the_tab_bar_names_all_six_panes_with_their_health_at_80_columns() {
    let buf = render(&console(SMALL));
    let tabs: String = (0..80).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    for title in TITLES {
        assert!(tabs.contains(title), "{title} missing from the tab bar: {tabs}");
    }
    assert!(tabs.contains("✖ NexTalk"), "a crit pane carries the crit mark: {tabs}");
    assert!(tabs.contains("▲ Kinesis"), "{tabs}");
    let (x, y) = find(&buf, "✖ NexTalk").unwrap();
    assert_crit(&buf, (x, y));
}

#[test]
fn every_pane_at_80x24_shows_its_title_and_a_known_row() {
    let cases = [
        ('1', "Queues (5)", "Billing"),
        ('2', "Connect (5)", "contact-flow errors"),
        ('3', "Lambda (2)", "crm-lookup"),
        ('4', "Kinesis (2)", "ctr-stream"),
        ('5', "DynamoDB (2)", "CallTransactions"),
        ('6', "NexTalk (8)", "Chat Bridge"),
        ('a', "Alerts (11)", "NexTalk Chat Bridge is Stopped"),
    ];
    for (key, title, row) in cases {
        let mut s = console(SMALL);
        press(&mut s, KeyCode::Char(key));
        let buf = render(&s);
        assert_shows(&buf, title);
        assert_shows(&buf, row);
    }
}

#[test]
fn the_grid_at_160x48_shows_all_six_panes_and_the_alerts() {
    let buf = render(&console(LARGE));
    for (title, row) in [
        ("Queues (5)", "TTY Relay"),
        ("Connect (5)", "Calls 52/100"),
        ("Lambda (2)", "route-caller"),
        ("Kinesis (2)", "agent-events"),
        ("DynamoDB (2)", "Sessions"),
        ("NexTalk (8)", "nt-b"),
        ("Alerts (11)", "read capacity used 97% > 95%"),
    ] {
        assert_shows(&buf, title);
        assert_shows(&buf, row);
    }
    assert_shows(&buf, "Failover: 94% on one (90/96 ports)");
}

#[test]
fn the_stopped_chat_bridge_is_marked_crit_at_both_sizes() {
    for size in [SMALL, LARGE] {
        let mut s = console(size);
        press(&mut s, KeyCode::Char('6'));
        let buf = render(&s);
        // nt-a's Chat Bridge is the only service row that says Stopped.
        let stopped = cell_on_row(&buf, "Stopped", "Stopped");
        assert_crit(&buf, stopped);
        let mark = cell_on_row(&buf, "Stopped", "✖");
        assert_crit(&buf, mark);
        // nt-b's Chat Bridge is running and not crit.
        let running = find(&buf, "Running").unwrap();
        assert_ne!(buf[running].fg, Color::Red);
    }
}

#[test]
fn figures_past_their_limit_take_the_limit_colour() {
    let buf = render(&console(SMALL));
    // Billing's oldest contact is 4m12s, past the 3m crit limit.
    assert_crit(&buf, cell_on_row(&buf, "Billing ", "4m12s"));
    // Claims' 1m15s is past warn only.
    let warn = cell_on_row(&buf, "Claims ", "1m15s");
    assert_eq!(buf[warn].fg, Color::Yellow);
}

#[test]
fn the_focused_table_highlights_its_selected_row() {
    let buf = render(&console(SMALL));
    let (_, y) = find(&buf, "Billing ").unwrap();
    assert_eq!(buf[(2, y)].bg, Color::Blue);
    let (_, other) = find(&buf, "Claims ").unwrap();
    assert_ne!(buf[(2, other)].bg, Color::Blue);
}

#[test]
fn the_status_bar_shows_source_age_hints_and_read_only() {
    let mut s = console(SMALL);
    let buf = render(&s);
    assert_shows(&buf, "fixture ↻ 3s ago");
    assert_shows(&buf, "? help");
    assert_lacks(&buf, "READ-ONLY");
    press(&mut s, KeyCode::Char(':'));
    typed(&mut s, "readonly");
    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    assert_shows(&buf, " READ-ONLY ");
}

#[test]
fn the_help_overlay_lists_the_active_keymap() {
    let mut s = console(SMALL);
    press(&mut s, KeyCode::Char('?'));
    let buf = render(&s);
    assert_shows(&buf, "Help: keymap fixture");
    assert_shows(&buf, "q, Ctrl-c");
    assert_shows(&buf, "Go to the NexTalk pane");
    assert_shows(&buf, "j scroll · q close");
    // Scrolling reaches the input context and the commands at the end.
    for _ in 0..40 {
        press(&mut s, KeyCode::Char('j'));
    }
    let buf = render(&s);
    assert_shows(&buf, "Keep the filter");
    assert_shows(&buf, ":theme NAME");
}

#[test]
fn the_filter_narrows_the_table_and_shows_in_the_title() {
    let mut s = console(SMALL);
    press(&mut s, KeyCode::Char('/'));
    typed(&mut s, "bIL");
    let buf = render(&s);
    assert_shows(&buf, "Queues /bIL (1 of 5)");
    assert_shows(&buf, "Billing");
    assert_lacks(&buf, "Claims");
    // The prompt is on the status line while typing.
    let bottom: String = (0..80).map(|x| buf[(x, 23)].symbol().to_string()).collect();
    assert!(bottom.starts_with("/bIL"), "{bottom}");
    press(&mut s, KeyCode::Esc);
    let buf = render(&s);
    assert_shows(&buf, "Queues (5)");
    assert_shows(&buf, "Claims");
}

#[test]
fn a_failed_section_shows_its_error_and_age_inside_its_pane_only() {
    let mut s = State::new(switchboard::model::Thresholds::default(), 60);
    s.size = LARGE;
    s.source_label = "fixture".into();
    let t = |i: u64| Timestamp::from_secs(fixture::T0 + i);
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(fixture::snapshot(0))), at: t(0) }, &keymap());
    let mut broken = fixture::snapshot(1);
    broken.lambda.clear();
    broken.gaps.push(Gap::section(Section::Lambda, "GetMetricData: throttled"));
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(broken)), at: t(30) }, &keymap());
    update(&mut s, Msg::Tick(t(45)), &keymap());
    let buf = render(&s);
    let (x, y) = find(&buf, "? data 45s old · GetMetricData: throttled").unwrap();
    let lambda = find(&buf, "Lambda (2)").unwrap();
    assert!(y == lambda.1 + 1 && x > lambda.0.saturating_sub(8), "the notice sits in the Lambda pane");
    assert_shows(&buf, "crm-lookup");
    assert_eq!(buf[(x, y)].fg, Color::Magenta, "stale data is marked unknown");
    // Only one pane carries a notice.
    assert_eq!(text(&buf).matches(" old · ").count(), 1);
    // A whole-source failure marks every pane and the status bar says throttled.
    let err = SourceError::Throttled { operation: "GetCurrentMetricData".into() };
    update(&mut s, Msg::Telemetry { result: Err(err), at: t(60) }, &keymap());
    let buf = render(&s);
    assert_eq!(text(&buf).matches(" old · GetCurrentMetricData").count(), 6);
    assert_shows(&buf, "GetCurrentMetricData throttled");
}

#[test]
fn the_detail_view_shows_limits_and_a_chart() {
    let mut s = console(SMALL);
    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    assert_shows(&buf, "queue Billing");
    assert_shows(&buf, "oldest contact 4m12s > 3m");
    assert_crit(&buf, cell_on_row(&buf, "✖ oldest contact", "4m12s"));
    assert!(cell_on_row(&buf, "✖ oldest contact", "3m").0 > 40, "crit limit column");
    // The chart shows the figure that makes the row red.
    assert_shows(&buf, "oldest contact: now 4m12s, last 20 samples");
    // j in the detail view moves to the next queue.
    press(&mut s, KeyCode::Char('j'));
    assert_shows(&render(&s), "queue Claims");
}

/// Service level, abandonment and average answer time per queue: judged figures in their
/// level's colour, an unknown one as `-` (never 0), and every one in the detail view.
#[test]
fn queue_service_figures_show_in_the_table_and_the_detail_and_unknown_is_a_dash() {
    let mut s = State::new(switchboard::model::Thresholds::default(), 10);
    s.size = SMALL;
    let mut snap = fixture::snapshot(0);
    for q in &mut snap.connect.queues {
        q.service_level_threshold_s = Some(20);
        (q.service_level_pct, q.abandonment_rate_pct, q.avg_answer_time_s) = match q.name.as_str() {
            // Crit service level, warn abandonment.
            "Billing" => (Some(55.0), Some(7.5), Some(48.0)),
            // Fine.
            "General" => (Some(96.0), Some(1.0), Some(4.0)),
            // No contact left the queue in the window: nothing is known.
            _ => (None, None, None),
        };
    }
    update(
        &mut s,
        Msg::Telemetry { result: Ok(Box::new(snap)), at: Timestamp::from_secs(fixture::T0) },
        &keymap(),
    );
    let buf = render(&s);
    for header in ["SL", "Aband", "Ans"] {
        assert_shows(&buf, header);
    }
    assert_crit(&buf, cell_on_row(&buf, "Billing ", "55%"));
    assert_eq!(buf[cell_on_row(&buf, "Billing ", "7.5%")].fg, Color::Yellow, "abandonment past warn");
    assert_shows(&buf, "48s");
    let ok = cell_on_row(&buf, "General ", "96%");
    assert_ne!(buf[ok].fg, Color::Red);
    assert_ne!(buf[ok].fg, Color::Yellow);
    // Under the SL header, Spanish (no data) shows a dash.
    let (sl_x, _) = cell_on_row(&buf, "Queue ", "SL");
    let (_, y) = cell_on_row(&buf, "Spanish ", "Spanish");
    assert_eq!(buf[(sl_x, y)].symbol(), "-", "unknown service level on the Spanish row");

    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    assert_shows(&buf, "service level (answered < 20s)");
    assert_crit(&buf, cell_on_row(&buf, "✖ service level", "55%"));
    assert_shows(&buf, "avg answer time");
    // Down to a queue without figures: they say why instead of reading 0.
    while find(&render(&s), "queue Spanish").is_none() {
        press(&mut s, KeyCode::Char('j'));
    }
    assert_shows(&render(&s), "– no contacts");
    assert_shows(&render(&s), "– no answers");
    // The alerts pane names both of Billing's service alerts.
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('a'));
    let screen = text(&render(&s));
    let alert = |mark: &str, why: &str| {
        screen.lines().any(|l| l.contains(&format!("{mark} queue Billing")) && l.contains(why))
    };
    assert!(alert("✖", "service level 55% < 60%"), "{screen}");
    assert!(alert("▲", "abandonment 7.5% > 5%"), "{screen}");
}

#[test]
fn a_thousand_queues_scroll_with_the_selection() {
    let mut s = State::new(switchboard::model::Thresholds::default(), 10);
    s.size = SMALL;
    let mut snap = fixture::snapshot(0);
    snap.connect.queues =
        (0..1000).map(|i| fixture::queue(&format!("queue-{i:04}"), 0, None, 1, 1)).collect();
    update(
        &mut s,
        Msg::Telemetry { result: Ok(Box::new(snap)), at: Timestamp::from_secs(fixture::T0) },
        &keymap(),
    );
    press(&mut s, KeyCode::Char('s'));
    press(&mut s, KeyCode::Char('G'));
    let buf = render(&s);
    assert_shows(&buf, "queue-0999");
    assert_lacks(&buf, "queue-0000");
    assert_shows(&buf, "sort:name");
    press(&mut s, KeyCode::Char('g'));
    press(&mut s, KeyCode::Char('g'));
    assert_shows(&render(&s), "queue-0000");
}

#[test]
fn palette_errors_show_in_the_status_line() {
    let mut s = console(SMALL);
    press(&mut s, KeyCode::Char(':'));
    typed(&mut s, "sort bogus");
    press(&mut s, KeyCode::Enter);
    assert_shows(&render(&s), ":sort: Queues sorts by worst, name, queue, oldest");
}

#[test]
fn resizing_switches_between_single_pane_and_grid() {
    let mut s = console(LARGE);
    assert_shows(&render(&s), "Kinesis (2)");
    update(&mut s, Msg::Resize(80, 24), &keymap());
    let buf = render(&s);
    assert_eq!(buf.area.width, 80);
    assert_lacks(&buf, "Kinesis (2)");
    assert_shows(&buf, "Queues (5)");
    // Zoom in the grid gives the focused pane the whole middle.
    update(&mut s, Msg::Resize(160, 48), &keymap());
    press(&mut s, KeyCode::Char('z'));
    let buf = render(&s);
    assert_shows(&buf, "Queues (5)");
    assert_lacks(&buf, "Kinesis (2)");
}

#[test]
fn a_medium_terminal_shows_all_six_panes_under_the_alerts_strip() {
    let s = console((120, 40));
    let buf = render(&s);
    for title in ["Queues (5)", "Connect (5)", "NexTalk", "Lambda (2)", "Kinesis (2)", "DynamoDB (2)"] {
        assert_shows(&buf, title);
    }
    assert_shows(&buf, "NexTalk Chat Bridge is Stopped");
    // One step smaller and it is one pane at a time again.
    let buf = render(&console((109, 40)));
    assert_lacks(&buf, "Kinesis (2)");
}

#[test]
fn tiny_terminals_do_not_panic() {
    for (w, h) in [(1, 1), (10, 3), (20, 6), (40, 10), (79, 23)] {
        let mut s = fixture::state(w, h, 3);
        render(&s);
        press(&mut s, KeyCode::Enter);
        render(&s);
        press(&mut s, KeyCode::Esc);
        press(&mut s, KeyCode::Char('?'));
        render(&s);
    }
}

#[test]
fn shipped_keymap_and_themes_mark_the_stopped_service_crit() {
    use switchboard::keymap::Keymap;
    use switchboard::theme::{Role, Theme};
    let keymap = Keymap::load("default", None).unwrap();
    let mut s = console(SMALL);
    update(&mut s, Msg::Key(Key::new(KeyCode::Char('6'), KeyModifiers::NONE)), &keymap);
    let names = Theme::available();
    assert!(names.len() >= 2, "shipped themes: {names:?}");
    for name in names {
        let theme = Theme::load(&name, None).unwrap();
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal.draw(|f| switchboard::ui::draw(f, &s, &theme, &keymap)).unwrap();
        let buf = terminal.backend().buffer();
        let at = cell_on_row(buf, "Stopped", "Stopped");
        let crit = theme.style(Role::Crit);
        assert_eq!(Some(buf[at].fg), crit.fg.or(Some(Color::Reset)), "theme {name}");
        assert!(buf[at].modifier.contains(crit.add_modifier), "theme {name}");
        assert!(find(buf, "? help").is_some(), "hints come from the shipped keymap");
    }
}

/// The fixture console with the shipped runbooks and its two servers as targets.
fn with_runbooks(size: (u16, u16)) -> State {
    let mut s = console(size);
    s.library = switchboard::runbook::shipped().unwrap();
    s.targets = s
        .snapshot
        .nextalk
        .servers
        .iter()
        .map(|srv| ServerTarget {
            target: Target { server: srv.name.clone(), instance_id: srv.instance_id.clone() },
            services: srv.services.iter().map(|svc| svc.name.clone()).collect(),
        })
        .collect();
    s
}

fn ctrl(s: &mut State, c: char) -> Vec<Effect> {
    update(s, Msg::Key(Key::new(KeyCode::Char(c), KeyModifiers::CONTROL)), &keymap())
}

/// Runs the service-failure runbook on the fixture: its checks read the snapshot, so it
/// stops at once at the confirmation to restart nt-a's stopped Chat Bridge.
fn at_restart_confirmation(size: (u16, u16)) -> State {
    let mut s = with_runbooks(size);
    press(&mut s, KeyCode::Char('R'));
    let at = s.picker.iter().position(|(i, _)| s.library[*i].id == "service-failure").unwrap();
    for _ in 0..at {
        press(&mut s, KeyCode::Char('j'));
    }
    press(&mut s, KeyCode::Enter);
    s
}

#[test]
fn the_runbook_picker_lists_fitting_runbooks_first_at_both_sizes() {
    for size in [SMALL, LARGE] {
        let mut s = with_runbooks(size);
        press(&mut s, KeyCode::Char('R'));
        let buf = render(&s);
        assert_shows(&buf, " Runbooks ");
        // Everything is red in the fixture, so every runbook fits; one that fixes the stopped
        // service ranks above those that only diagnose.
        assert_shows(&buf, "★ high-latency");
        assert_shows(&buf, "★ service-failure");
        assert_shows(&buf, "★ nextalk-connectivity");
        // The first row is selected and its summary is shown under the list (in the fixture
        // the table throttles too, and the on-demand runbook fixes the most crit alerts).
        let (x, y) = find(&buf, "★ dynamodb-capacity").unwrap();
        assert_eq!(buf[(x, y)].bg, Color::Blue, "{}", text(&buf));
        assert_ne!(buf[find(&buf, "★ high-latency").unwrap()].bg, Color::Blue);
        let fixer = find(&buf, "★ service-failure").unwrap().1;
        let diagnoser = find(&buf, "★ high-latency").unwrap().1;
        assert!(fixer < diagnoser, "a fix is listed above a diagnosis: {}", text(&buf));
        assert_shows(&buf, "5 steps · shipped (dynamodb-capacity.toml)");
        // Why it is first, in the words `runbook list` uses.
        assert_shows(&buf, "★ fixes crit alert: ");
        press(&mut s, KeyCode::Char('j'));
        assert_shows(&render(&s), "7 steps · shipped (service-failure.toml)");
        press(&mut s, KeyCode::Esc);
        assert_lacks(&render(&s), " Runbooks ");
    }
}

#[test]
fn the_confirmation_shows_the_command_targets_and_where_with_cancel_selected_at_both_sizes() {
    for size in [SMALL, LARGE] {
        let s = at_restart_confirmation(size);
        let buf = render(&s);
        assert_shows(&buf, "Confirm change: Restart the Chat Bridge");
        assert_shows(&buf, "Document  AWS-RunPowerShellScript");
        assert_shows(&buf, "Command   $ErrorActionPreference = 'Stop'");
        assert_shows(&buf, "$svc = Get-Service -Name 'NexTalk Chat Bridge'");
        assert_shows(&buf, "Restart-Service -InputObject $svc -Force");
        assert_shows(&buf, "Targets   nt-a (i-0a1)");
        assert_shows(&buf, "Where     fixture");
        let cancel = find(&buf, "[ Cancel ]").unwrap();
        assert_eq!(buf[cancel].bg, Color::Blue, "Cancel is preselected");
        let run = find(&buf, "[ Run ]").unwrap();
        assert_ne!(buf[run].bg, Color::Blue);
        assert_eq!(buf[run].fg, Color::LightRed, "Run wears the danger style");
        // A change to production is framed in the danger style.
        let warn = find(&buf, "⚠ This changes production.").unwrap();
        assert_eq!(buf[warn].fg, Color::LightRed);
        let (tx, ty) = find(&buf, "Confirm change").unwrap();
        assert_eq!(buf[(tx - 2, ty)].symbol(), "┌");
        assert_eq!(buf[(tx - 2, ty)].fg, Color::LightRed, "the dialog border is in the danger style");
        assert!(buf[(tx, ty)].modifier.contains(Modifier::BOLD));
    }
}

#[test]
fn the_runbook_view_shows_results_evidence_and_help_at_both_sizes() {
    for size in [SMALL, LARGE] {
        let mut s = at_restart_confirmation(size);
        // Look behind the dialog.
        s.popups.retain(|p| !matches!(p, Popup::Confirm(_)));
        let buf = render(&s);
        assert_shows(&buf, "Runbook service-failure: NexTalk service failure");
        assert_shows(&buf, "✓ 1/7 check");
        let fail = find(&buf, "✖ 2/7 check").unwrap();
        assert_crit(&buf, fail);
        assert_shows(&buf, "nt-a: NexTalk Chat Bridge is Stopped");
        assert_shows(&buf, "→ ");
        assert_shows(&buf, "waiting for your confirmation");
        assert_shows(&buf, "to confirm");
        assert_shows(&buf, "· 7/7 manual");
    }
}

#[test]
fn read_only_shows_the_refusal_and_run_stays_disabled() {
    let mut s = with_runbooks(SMALL);
    press(&mut s, KeyCode::Char(':'));
    typed(&mut s, "readonly");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('6'));
    // nt-a (crit) first, its Server, App API, then its Chat Bridge.
    for _ in 0..3 {
        press(&mut s, KeyCode::Char('j'));
    }
    let fx = ctrl(&mut s, 'r');
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Audit(en) if en.status == AuditStatus::Refused)),
        "the refusal is audited: {fx:?}"
    );
    let buf = render(&s);
    assert_shows(&buf, "Restart-Service -InputObject $svc -Force");
    assert_shows(&buf, "⊘ refused (read-only)");
    assert_shows(&buf, " READ-ONLY ");
    let run = find(&buf, "[ Run ]").unwrap();
    assert_eq!(buf[run].fg, Color::Gray, "a disabled Run is muted");
    // Tab cannot reach Run, Enter closes on Cancel, and nothing is sent.
    press(&mut s, KeyCode::Tab);
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Enter, KeyModifiers::NONE)), &keymap());
    assert!(!fx.iter().any(|e| matches!(e, Effect::Remote(_))), "{fx:?}");
    assert!(s.popups.is_empty());
}

#[test]
fn restarting_on_several_servers_needs_the_service_name_typed() {
    let mut s = with_runbooks(SMALL);
    let targets: Vec<Target> = s.targets.iter().map(|t| t.target.clone()).collect();
    let action = RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() };
    s.popups.push(Popup::Confirm(Dialog::confirm(
        Purpose::Restart,
        "Restart NexTalk Chat Bridge".into(),
        Some(action),
        targets,
        "restart".into(),
        true,
    )));
    let buf = render(&s);
    assert_shows(&buf, "Runs on 2 servers: type NexTalk Chat Bridge to enable Run");
    assert_eq!(buf[find(&buf, "[ Run ]").unwrap()].fg, Color::Gray);
    // `l` and `q` are keys elsewhere; here they are letters of the name.
    typed(&mut s, "NexTalk Chat Bridge");
    let buf = render(&s);
    assert_shows(&buf, "> NexTalk Chat Bridge");
    assert_eq!(buf[find(&buf, "[ Run ]").unwrap()].fg, Color::LightRed, "Run is enabled");
    press(&mut s, KeyCode::Tab);
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Enter, KeyModifiers::NONE)), &keymap());
    let sent: Vec<_> = fx
        .iter()
        .filter_map(|e| if let Effect::Remote(j) = e { Some(j.targets.len()) } else { None })
        .collect();
    assert_eq!(sent, [2]);
}

#[test]
fn calm_trends_stay_low_against_their_warn_limit() {
    // TTY Relay has had one contact waiting all along: scaled to its own maximum that was a
    // wall of full bars; against the warn limit it is a low, flat line.
    let buf = render(&console(SMALL));
    let (_, y) = find(&buf, "TTY Relay").unwrap();
    let row: String = (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect();
    assert!(row.contains("▂▂▂▂"), "a calm queue is drawn low: {row}");
    assert!(!row.contains('█'), "a calm queue is drawn low: {row}");
}

#[test]
fn several_sources_show_their_own_ages_and_a_failing_one_is_marked() {
    let mut s = console(LARGE);
    s.sources = ["metrics", "queues", "ping"]
        .iter()
        .map(|l| switchboard::app::SourceAge { label: l.to_string(), last_ok: None, failing: false })
        .collect();
    let now = s.now;
    let earlier = Timestamp(now.0 - 42_000);
    update(&mut s, Msg::SourceAnswered { index: 0, ok: true, at: earlier }, &keymap());
    update(&mut s, Msg::SourceAnswered { index: 1, ok: false, at: now }, &keymap());
    let buf = render(&s);
    assert_shows(&buf, "↻ metrics 42s · ✖queues – · ping –");
}

/// Issue 10: Cancel in a runbook's confirmation keeps the run on the step and offers Retry /
/// Skip; Retry shows the same confirmation again, Skip goes on without it.
#[test]
fn cancel_in_a_runbook_confirmation_offers_retry_and_skip() {
    let mut s = at_restart_confirmation(SMALL);
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Esc, KeyModifiers::NONE)), &keymap());
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Audit(en) if en.status == AuditStatus::Declined)),
        "the decline is audited: {fx:?}"
    );
    let buf = render(&s);
    assert_shows(&buf, "[ Retry ]");
    assert_shows(&buf, "[ Skip ]");
    assert_lacks(&buf, "NOT healthy");
    // Not yet (Esc): the run stays on the step and says how to come back.
    press(&mut s, KeyCode::Esc);
    let buf = render(&s);
    assert_shows(&buf, "declined: retry or skip");
    assert_shows(&buf, "declined: Enter to Retry or Skip the step");
    // Enter in the runbook view asks again; Retry (the third button) reopens the confirmation.
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    assert_shows(&buf, "Confirm change: Restart the Chat Bridge");
    assert_shows(&buf, "Targets   nt-a (i-0a1)");
    // Cancel again, then Skip: the run moves on past the action.
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Tab);
    press(&mut s, KeyCode::Enter);
    let run = &s.guide.as_ref().unwrap().run;
    let bridge: Vec<&str> = run
        .records()
        .iter()
        .filter(|r| r.step_id == "restart-chat-bridge")
        .map(|r| r.outcome.as_str())
        .collect();
    assert_eq!(bridge, ["declined", "declined", "skipped"]);
    // The run went on: the Lambda check after the action has its result.
    assert!(run.records().iter().any(|r| r.step_id == "lambda-errors"));
}

/// Issue 10: Ctrl-r on a NexTalk Server that carries calls says how many it drops and where
/// they could go (from the ports figures), and Run stays off until the name is typed.
#[test]
fn the_confirmation_shows_the_impact_and_asks_for_typing_when_it_is_not_zero() {
    let mut s = with_runbooks(LARGE);
    press(&mut s, KeyCode::Char('6'));
    press(&mut s, KeyCode::Char('j'));
    ctrl(&mut s, 'r');
    let buf = render(&s);
    assert_shows(&buf, "Impact    drops 40 calls in progress on nt-a");
    assert_shows(&buf, "nt-b has room for 46");
    assert_crit(&buf, find(&buf, "drops 40 calls").unwrap());
    assert_shows(&buf, "It affects live traffic (Impact above): type NexTalk Server to enable Run");
    assert_eq!(buf[find(&buf, "[ Run ]").unwrap()].fg, Color::Gray, "Run is off");
    // Unknown impact (no ports figure) says unknown, and needs typing too.
    s.popups.clear();
    s.snapshot.nextalk.servers[0].ports_in_use = None;
    ctrl(&mut s, 'r');
    let buf = render(&s);
    assert_shows(&buf, "unknown: the calls in progress on nt-a are not known");
    assert_shows(&buf, "Its impact is unknown: type NexTalk Server to enable Run");
}

/// The console with two flags: one read 12 s ago, one Parameter Store refused to give.
fn with_flags(size: (u16, u16)) -> State {
    use switchboard::model::{Flag, FlagValue, Snapshot};
    let mut s = console(size);
    let now = s.now;
    let values = |on: &str| {
        vec![
            FlagValue { value: "off".into(), meaning: "normal routing".into() },
            FlagValue { value: "on".into(), meaning: on.into() },
        ]
    };
    let flags = vec![
        Flag {
            name: "crm_bypass".into(),
            parameter: "/cc/flags/crm-bypass".into(),
            values: values("contact flows skip the CRM lookup"),
            current: Some("off".into()),
            read_at: Some(Timestamp(now.0 - 12_000)),
            version: Some(3),
            ..Default::default()
        },
        Flag {
            name: "emergency_message_billing".into(),
            parameter: "/cc/flags/emergency-message/billing".into(),
            values: values("callers hear that there is a known problem"),
            error: Some("AccessDeniedException: not authorized to perform ssm:GetParameters".into()),
            ..Default::default()
        },
    ];
    let snap = Snapshot { flags, ..fixture::snapshot(19) };
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(snap)), at: now }, &keymap());
    s
}

#[test]
fn the_flags_view_shows_each_value_its_age_and_unknown_never_as_a_default_at_both_sizes() {
    for size in [SMALL, LARGE] {
        let mut s = with_flags(size);
        press(&mut s, KeyCode::Char('F'));
        let buf = render(&s);
        assert_shows(&buf, "Emergency flags (2)");
        let (_, y) = find(&buf, "▶ crm_bypass").unwrap_or_else(|| panic!("{}", text(&buf)));
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        assert!(row.contains("off") && row.contains("12s ago") && row.contains("v3"), "{row}");
        assert_shows(&buf, "/cc/flags/crm-bypass");
        assert_shows(&buf, "\"off\", read 12s ago");
        assert_shows(&buf, "contact flows skip the CRM lookup");
        // The unreadable one: unknown on its row and in its detail, with the reason.
        let (_, y) = find(&buf, "emergency_message_billing").unwrap();
        let row: String = (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect();
        assert!(row.contains("unknown") && !row.contains("off"), "{row}");
        press(&mut s, KeyCode::Char('j'));
        let buf = render(&s);
        assert_shows(&buf, "unknown: AccessDeniedException");
        assert_lacks(&buf, "\"off\", read");
    }
}

#[test]
fn a_value_chosen_in_the_flags_view_opens_the_put_parameter_confirmation() {
    for size in [SMALL, LARGE] {
        let mut s = with_flags(size);
        press(&mut s, KeyCode::Char('F'));
        // The cursor starts on the value the flag does not have: Enter asks to set "on".
        let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Enter, KeyModifiers::NONE)), &keymap());
        assert!(!fx.iter().any(|e| matches!(e, Effect::Remote(_))), "nothing before Run: {fx:?}");
        let buf = render(&s);
        assert_shows(&buf, "Confirm change: Set crm_bypass to on");
        assert_shows(&buf, "ssm:PutParameter");
        assert_shows(&buf, "Name      = /cc/flags/crm-bypass");
        assert_shows(&buf, "Value     = on");
        assert_shows(&buf, "\"off\" → \"on\"");
        assert_shows(&buf, "no call in progress is dropped");
        assert_lacks(&buf, "AWS-RunPowerShellScript");
        assert_lacks(&buf, "not sendable");
        assert_eq!(buf[find(&buf, "[ Cancel ]").unwrap()].bg, Color::Blue, "Cancel is preselected");
        press(&mut s, KeyCode::Tab);
        let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Enter, KeyModifiers::NONE)), &keymap());
        let sent: Vec<&RemoteAction> = fx
            .iter()
            .filter_map(|e| if let Effect::Remote(j) = e { Some(&j.action) } else { None })
            .collect();
        assert_eq!(
            sent,
            [&RemoteAction::SetParameter { parameter: "/cc/flags/crm-bypass".into(), value: "on".into() }]
        );
    }
}

#[test]
fn read_only_shows_the_flags_but_refuses_setting_one_and_audits_the_refusal() {
    let mut s = with_flags(SMALL);
    press(&mut s, KeyCode::Char(':'));
    typed(&mut s, "readonly");
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('F'));
    assert_shows(&render(&s), "read-only: shown, not set");
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Enter, KeyModifiers::NONE)), &keymap());
    assert!(
        fx.iter().any(|e| matches!(e, Effect::Audit(en) if en.status == AuditStatus::Refused)),
        "the refusal is audited: {fx:?}"
    );
    let buf = render(&s);
    assert_shows(&buf, "⊘ refused (read-only)");
    assert_shows(&buf, "ssm:PutParameter");
    press(&mut s, KeyCode::Tab);
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Enter, KeyModifiers::NONE)), &keymap());
    assert!(!fx.iter().any(|e| matches!(e, Effect::Remote(_))), "{fx:?}");
}

#[test]
fn the_help_lists_the_flags_key() {
    let mut s = with_flags(LARGE);
    press(&mut s, KeyCode::Char('?'));
    let buf = render(&s);
    assert_shows(&buf, "Emergency flags: current values, set one");
}

#[test]
fn the_flags_view_counts_the_flags_its_window_leaves_out() {
    use switchboard::model::{Flag, FlagValue, Snapshot};
    let mut s = console(SMALL);
    let now = s.now;
    let flags: Vec<Flag> = (0..14)
        .map(|i| Flag {
            name: format!("flag_{i:02}"),
            parameter: format!("/cc/flags/{i}"),
            values: vec![
                FlagValue { value: "off".into(), meaning: "normal".into() },
                FlagValue { value: "on".into(), meaning: "the emergency path".into() },
            ],
            current: Some("off".into()),
            read_at: Some(now),
            ..Default::default()
        })
        .collect();
    let snap = Snapshot { flags, ..fixture::snapshot(19) };
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(snap)), at: now }, &keymap());
    press(&mut s, KeyCode::Char('F'));
    let screen = text(&render(&s));
    let shown = (0..14).filter(|i| screen.contains(&format!("flag_{i:02} "))).count();
    assert!(shown < 14, "the window is smaller than the list at this size:\n{screen}");
    assert_shows(&render(&s), &format!("+{} more ↓", 14 - shown));
    // At the end of the list the count is of those above.
    press(&mut s, KeyCode::Char('G'));
    for _ in 0..14 {
        press(&mut s, KeyCode::Char('j'));
    }
    let screen = text(&render(&s));
    assert!(screen.contains("flag_13"), "{screen}");
    let shown = (0..14).filter(|i| screen.contains(&format!("flag_{i:02} "))).count();
    assert!(screen.contains(&format!("↑{} ", 14 - shown)), "{screen}");
}

#[test]
fn the_audit_view_counts_the_records_its_window_leaves_out() {
    let mut s = console(SMALL);
    for i in 0..40 {
        let rec: switchboard::audit::AuditRecord = serde_json::from_value(serde_json::json!({
            "time": "2026-12-01T03:00:00.000Z",
            "user": "oncall",
            "aws_identity": null,
            "session": "s1",
            "source": "demo",
            "runbook": null,
            "step": null,
            "action": { "kind": "restart_service", "summary": format!("restart number {i:02}") },
            "targets": [],
            "command_id": null,
            "status": "Success",
            "output_sha256": null,
            "message": null,
        }))
        .expect("an audit record");
        s.record_audit(rec);
    }
    typed(&mut s, ":audit");
    press(&mut s, KeyCode::Enter);
    let screen = text(&render(&s));
    assert!(screen.contains("restart number 39"), "the newest is in view:\n{screen}");
    let shown = (0..40).filter(|i| screen.contains(&format!("restart number {i:02}"))).count();
    assert!(shown < 40, "the window is smaller than the list at 80x24:\n{screen}");
    assert!(screen.contains(&format!("↑{} ", 40 - shown)), "the older ones are counted:\n{screen}");
    // Scrolled to the oldest, the count is of the newer ones below.
    for _ in 0..40 {
        press(&mut s, KeyCode::Char('k'));
    }
    let screen = text(&render(&s));
    assert!(screen.contains("restart number 00"), "{screen}");
    assert!(screen.contains(&format!("+{} more ↓", 40 - shown)), "{screen}");
}

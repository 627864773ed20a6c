//! Every figure on screen is true: unknown reads as unknown (never 0 or ✓), small figures keep
//! their decimal, trends and charts follow the figure that sets a row's health, every detail
//! figure states its limit, and text that does not fit says so. Drawn into a `TestBackend`.

#[path = "support/fixture.rs"]
mod fixture;

use crossterm::event::{KeyCode, KeyModifiers};
use fixture::{find, keymap, text, theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use switchboard::app::{Msg, State, update};
use switchboard::keymap::Key;
use switchboard::model::{DynamoTable, LambdaFunction, Snapshot, Thresholds, Timestamp};

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (160, 48);

fn render(state: &State) -> Buffer {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| switchboard::ui::draw(f, state, &theme(), &keymap())).unwrap();
    terminal.backend().buffer().clone()
}

fn press(s: &mut State, c: KeyCode) {
    update(s, Msg::Key(Key::new(c, KeyModifiers::NONE)), &keymap());
}

/// A console that has seen `steps` snapshots of the fixture, each changed by `edit`.
fn console_with((w, h): (u16, u16), steps: u64, edit: impl Fn(&mut Snapshot)) -> State {
    let mut s = State::new(Thresholds::default(), 60);
    s.source_label = "fixture".into();
    s.size = (w, h);
    for i in 0..steps {
        let mut snap = fixture::snapshot(i);
        edit(&mut snap);
        let at = Timestamp::from_secs(fixture::T0 + i * 15);
        update(&mut s, Msg::Telemetry { result: Ok(Box::new(snap)), at }, &keymap());
    }
    s
}

/// The screen line that holds `needle`.
#[track_caller]
fn line_with(buf: &Buffer, needle: &str) -> String {
    let (_, y) = find(buf, needle).unwrap_or_else(|| panic!("{needle:?} not on screen:\n{}", text(buf)));
    (0..buf.area.width).map(|x| buf[(x, y)].symbol().to_string()).collect()
}

#[test]
fn a_server_without_a_ports_figure_reads_unknown_and_so_does_the_failover() {
    let mut s = console_with(SMALL, 3, |snap| snap.nextalk.servers[1].ports_in_use = None);
    press(&mut s, KeyCode::Char('6'));
    let buf = render(&s);
    let nt_b = line_with(&buf, "nt-b");
    assert!(nt_b.contains("?/96") && nt_b.contains("? unknown"), "{nt_b}");
    assert!(nt_b.trim_start_matches('│').starts_with('?'), "the server is unknown, not ✓: {nt_b}");
    let failover = line_with(&buf, "Failover");
    assert!(failover.contains("? Failover: unknown (no ports figure for nt-b)"), "{failover}");
    assert!(!failover.contains("✓"), "{failover}");
}

#[test]
fn a_function_nobody_invoked_shows_no_error_rate() {
    let idle = |snap: &mut Snapshot| {
        snap.lambda.push(LambdaFunction { name: "idle-fn".into(), ..Default::default() });
    };
    let mut s = console_with(SMALL, 3, idle);
    press(&mut s, KeyCode::Char('3'));
    let buf = render(&s);
    let row = line_with(&buf, "idle-fn");
    assert!(row.contains('–') && !row.contains("0%"), "no invocations, no rate: {row}");
    press(&mut s, KeyCode::Char('/'));
    for c in "idle".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    let rate = line_with(&buf, "? error rate");
    assert!(rate.contains("? error rate") && rate.contains("– not invoked"), "{rate}");
}

#[test]
fn small_capacity_figures_keep_their_decimal() {
    let table = |snap: &mut Snapshot| {
        snap.dynamodb.push(DynamoTable {
            name: "Quiet".into(),
            consumed_read: 0.13,
            provisioned_read: Some(5.0),
            consumed_write: 0.002,
            provisioned_write: Some(5.0),
            ..Default::default()
        });
    };
    let mut s = console_with(LARGE, 3, table);
    press(&mut s, KeyCode::Char('5'));
    press(&mut s, KeyCode::Char('z'));
    let buf = render(&s);
    let row = line_with(&buf, "Quiet");
    assert!(row.contains("2.6%") && row.contains("0.1/5"), "RCU beside Read 2.6%: {row}");
    assert!(row.contains("<0.1%") && row.contains("<0.1/5"), "a trickle of writes is not none: {row}");
    assert!(!row.contains(" 0/5"), "{row}");
}

#[test]
fn the_trend_and_the_chart_follow_the_figure_that_sets_the_rows_health() {
    // Red for writes (99 % of capacity), calm for reads (10 %).
    let hot = |snap: &mut Snapshot| {
        snap.dynamodb = vec![DynamoTable {
            name: "CallRecords".into(),
            consumed_read: 100.0,
            provisioned_read: Some(1000.0),
            consumed_write: 990.0,
            provisioned_write: Some(1000.0),
            ..Default::default()
        }];
    };
    let mut s = console_with(SMALL, 10, hot);
    press(&mut s, KeyCode::Char('5'));
    let buf = render(&s);
    let row = line_with(&buf, "│✖ CallRecords");
    // The read trend would be a low line (10 % against a warn of 80 %); writes fill it.
    assert!(row.contains("██████"), "the trend shows writes: {row}");
    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    assert!(find(&buf, "write capacity used: now 99%").is_some(), "first chart:\n{}", text(&buf));
}

#[test]
fn every_detail_figure_has_a_limit_or_says_it_has_none() {
    let mut s = console_with(SMALL, 3, |_| {});
    press(&mut s, KeyCode::Char('4'));
    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    let read = line_with(&buf, "read throughput exceeded /min");
    assert!(read.contains("· read throughput") && read.contains("see throughput exceeded"), "{read}");
    assert!(!read.contains('✓'), "a figure no limit judges wears no ✓: {read}");
    let incoming = line_with(&buf, "incoming records /min");
    assert!(incoming.contains("· incoming") && incoming.contains("no limit"), "{incoming}");
    let exceeded = line_with(&buf, "✓ throughput exceeded");
    assert!(exceeded.contains("warn 0/min · crit 100/min"), "{exceeded}");
    // Every pane, every row: each figure line is either judged (a health mark and a limit) or
    // marked `·` with what it is held to.
    for key in ['1', '2', '3', '4', '5', '6'] {
        let mut s = console_with(SMALL, 3, |_| {});
        press(&mut s, KeyCode::Char(key));
        press(&mut s, KeyCode::Enter);
        let buf = render(&s);
        let screen = text(&buf);
        let lines: Vec<&str> = screen.lines().collect();
        let header = lines.iter().position(|l| l.contains("Figure") && l.contains("Limit")).unwrap();
        for l in lines[header + 1..].iter().take_while(|l| !l.contains("samples") && !l.starts_with('└')) {
            let body = l.trim_start_matches('│');
            let marked = ['✓', '▲', '✖', '?', '·'].iter().any(|m| body.starts_with(*m));
            let limit = ["warn ", "crit ", "must be ", "see ", "no limit"].iter().any(|w| l.contains(w));
            assert!(marked && limit, "pane {key}: figure without a limit: {l}\n{screen}");
        }
    }
}

#[test]
fn names_that_do_not_fit_end_in_an_ellipsis() {
    let long = |snap: &mut Snapshot| {
        snap.lambda[0].name = "connect-lookup-customer-with-a-very-long-name".into();
    };
    let mut s = console_with(SMALL, 3, long);
    press(&mut s, KeyCode::Char('3'));
    let buf = render(&s);
    let row = line_with(&buf, "│✖ connect-lookup-customer");
    assert!(row.contains("connect-lookup-customer-with-a-…") && !row.contains("long-name"), "{row}");
    // The alerts strip above says the same of its lines.
    let alert = line_with(&buf, "function connect-lookup-customer");
    assert!(alert.trim_end().ends_with('…'), "{alert}");
}

#[test]
fn rows_that_do_not_fit_are_counted_on_the_pane_border() {
    let many = |snap: &mut Snapshot| {
        for i in 0..30 {
            snap.connect.queues.push(fixture::queue(&format!("q{i:02}"), 0, None, 1, 1));
        }
    };
    let mut s = console_with(SMALL, 3, many);
    let buf = render(&s);
    let screen = text(&buf);
    let bottom = screen.lines().find(|l| l.starts_with('└') && l.contains("more")).unwrap_or("");
    // 35 queues: count the rows on screen, between the header and the bottom border.
    let shown = screen
        .lines()
        .skip_while(|l| !l.starts_with("│  Queue"))
        .skip(1)
        .take_while(|l| !l.starts_with('└'))
        .count();
    assert!(shown > 5 && shown < 35, "{screen}");
    assert!(bottom.contains(&format!("+{} more ↓", 35 - shown)), "{bottom}\n{screen}");
    press(&mut s, KeyCode::Char('G'));
    let screen = text(&render(&s));
    let bottom = screen.lines().find(|l| l.starts_with('└') && l.contains('↑')).unwrap_or("");
    assert!(bottom.contains(&format!("↑{} ", 35 - shown)) && !bottom.contains("more"), "{bottom}\n{screen}");
}

#[test]
fn alerts_that_do_not_fit_the_grid_say_how_many_more() {
    let s = console_with((200, 60), 3, |_| {});
    let screen = text(&render(&s));
    let n = s.alerts.len();
    assert!(n > 6, "the fixture has {n} alerts");
    let alerts_bottom = screen.lines().find(|l| l.starts_with('└') && l.contains("more")).unwrap_or("");
    assert!(alerts_bottom.contains(&format!("+{} more ↓", n - 6)), "{screen}");
}

/// The row under the cursor of the focused pane, by the name in its detail view.
fn selected_title(s: &State) -> String {
    let row = s.selected_row(s.focus).expect("a selected row");
    s.pane(s.focus).rows.detail(s, row).map(|v| v.title).unwrap_or_default()
}

#[test]
fn the_cursor_starts_on_the_worst_row_follows_its_row_and_goes_to_a_new_alert() {
    let calm = |snap: &mut Snapshot| {
        snap.lambda[0].errors = 0;
        snap.lambda.push(LambdaFunction {
            name: "a-first-by-name".into(),
            invocations: 10,
            ..Default::default()
        });
    };
    // First data: the worst row (crm-lookup is red), though the table sorts by name and
    // another function comes first.
    let mut s = console_with(SMALL, 0, |_| {});
    press(&mut s, KeyCode::Char('3'));
    press(&mut s, KeyCode::Char('s'));
    let mut first = fixture::snapshot(0);
    first.lambda.push(LambdaFunction {
        name: "a-first-by-name".into(),
        invocations: 10,
        ..Default::default()
    });
    let at = Timestamp::from_secs(fixture::T0);
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(first)), at }, &keymap());
    assert_eq!(s.table(s.focus).sort, switchboard::app::SortKey::Name);
    assert_eq!(selected_title(&s), "function crm-lookup");

    // All calm: the cursor is on whatever row the engineer chose, and stays on it (by identity)
    // while the rows re-sort.
    let mut s = console_with(SMALL, 3, calm);
    press(&mut s, KeyCode::Char('3'));
    press(&mut s, KeyCode::Char('G'));
    let chosen = selected_title(&s);
    let feed = |s: &mut State, i: u64, edit: &dyn Fn(&mut Snapshot)| {
        let mut snap = fixture::snapshot(i);
        edit(&mut snap);
        let at = Timestamp::from_secs(fixture::T0 + i * 15);
        update(s, Msg::Telemetry { result: Ok(Box::new(snap)), at }, &keymap());
    };
    feed(&mut s, 4, &|snap: &mut Snapshot| {
        calm(snap);
        snap.lambda[1].invocations = 5000; // route-caller busier: the order changes
        snap.lambda[1].duration_p99_ms = Some(2900.0);
    });
    assert_eq!(selected_title(&s), chosen, "the cursor follows its row, not its position");
    // An alert raises about crm-lookup: the cursor goes to it.
    feed(&mut s, 5, &|snap: &mut Snapshot| {
        calm(snap);
        snap.lambda[0].errors = 60;
    });
    assert_eq!(selected_title(&s), "function crm-lookup");
    let buf = render(&s);
    assert!(line_with(&buf, "crm-lookup").contains("│✖ crm-lookup"));
}

fn render_with(state: &State, theme: &switchboard::theme::Theme) -> Buffer {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| switchboard::ui::draw(f, state, theme, &keymap())).unwrap();
    terminal.backend().buffer().clone()
}

fn shipped(name: &str) -> switchboard::theme::Theme {
    switchboard::theme::Theme::load(name, None).unwrap()
}

/// `l` in the detail view does what the footer says: opens the row's log (not the next row).
#[test]
fn l_in_the_detail_view_opens_the_rows_log_as_the_footer_says() {
    // The shipped keymap, where `l` is both "next button" in dialogs and "log" in tables.
    let km = switchboard::keymap::Keymap::load("default", None).unwrap();
    let key = |s: &mut State, c: KeyCode| update(s, Msg::Key(Key::new(c, KeyModifiers::NONE)), &km);
    let mut s = console_with(SMALL, 3, |_| {});
    key(&mut s, KeyCode::Char('3'));
    key(&mut s, KeyCode::Enter);
    let before = selected_title(&s);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
    terminal.draw(|f| switchboard::ui::draw(f, &s, &theme(), &km)).unwrap();
    let footer = text(terminal.backend().buffer()).lines().last().unwrap_or("").to_string();
    assert!(footer.contains("l log"), "{footer}");
    let fx = key(&mut s, KeyCode::Char('l'));
    assert_eq!(selected_title(&s), before, "the selection did not move");
    let opened = fx.iter().any(|e| {
        matches!(e, switchboard::app::Effect::OpenLog { source, .. } if format!("{source:?}").contains("crm-lookup"))
    });
    assert!(opened, "l opened the function's log: {fx:?}");
    assert!(matches!(s.popups.last(), Some(switchboard::app::Popup::Log(_))));
}

/// A confirmation dialog's footer offers the dialog's keys, not the table's `l log`.
#[test]
fn the_footer_offers_the_keys_of_what_has_the_keyboard() {
    let mut s = console_with(SMALL, 3, |_| {});
    press(&mut s, KeyCode::Char('?'));
    let footer = text(&render(&s)).lines().last().unwrap_or("").to_string();
    assert!(!footer.contains("/ filter") && footer.contains("Esc close"), "{footer}");
}

#[test]
fn crit_tabs_are_red_in_the_dark_theme() {
    let s = console_with(SMALL, 3, |_| {});
    let buf = render_with(&s, &shipped("dark"));
    let (x, y) = find(&buf, "✖ NexTalk").unwrap();
    assert_eq!(buf[(x, y)].fg, ratatui::style::Color::LightRed, "the crit mark of an unfocused tab");
    let (x, y) = find(&buf, "✖ Queues").unwrap();
    assert_eq!(buf[(x, y)].fg, ratatui::style::Color::LightRed, "and of the focused one");
}

#[test]
fn the_selected_row_is_highlighted_across_every_column_in_high_contrast() {
    let s = console_with(SMALL, 3, |_| {});
    let theme = shipped("high-contrast");
    let selected_bg = theme.style(switchboard::theme::Role::Selected).bg;
    let buf = render_with(&s, &theme);
    let (_, y) = find(&buf, "│✖ Billing").unwrap();
    // Every cell inside the pane's border on that row carries the selection's background.
    for x in 1..buf.area.width - 1 {
        assert_eq!(Some(buf[(x, y)].bg), selected_bg, "column {x} ({:?})", buf[(x, y)].symbol());
    }
}

/// Every command still in flight when the console closes gets its `abandoned` record, with
/// the command id, saying it may still run.
#[test]
fn closing_the_console_during_a_restart_records_it_abandoned() {
    let mut s = console_with(SMALL, 3, |_| {});
    s.targets = s
        .snapshot
        .nextalk
        .servers
        .iter()
        .map(|srv| switchboard::app::ServerTarget {
            target: switchboard::source::Target {
                server: srv.name.clone(),
                instance_id: srv.instance_id.clone(),
            },
            services: srv.services.iter().map(|x| x.name.clone()).collect(),
        })
        .collect();
    s.audit_path = Ok("/dev/null".into());
    press(&mut s, KeyCode::Char('6'));
    press(&mut s, KeyCode::Char('/'));
    for c in "chat".chars() {
        press(&mut s, KeyCode::Char(c));
    }
    press(&mut s, KeyCode::Enter);
    press(&mut s, KeyCode::Char('j'));
    // Ctrl-r, then Esc: declined, on record.
    let ctrl_r = Msg::Key(Key::new(KeyCode::Char('r'), KeyModifiers::CONTROL));
    update(&mut s, ctrl_r.clone(), &keymap());
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Esc, KeyModifiers::NONE)), &keymap());
    let status = |fx: &[switchboard::app::Effect]| -> Vec<String> {
        fx.iter()
            .filter_map(|e| match e {
                switchboard::app::Effect::Audit(entry) => Some(entry.status.as_str().to_string()),
                _ => None,
            })
            .collect()
    };
    assert_eq!(status(&fx), ["declined"]);
    // Ctrl-r, Run: in flight, sent with a command id.
    update(&mut s, ctrl_r, &keymap());
    update(&mut s, Msg::Key(Key::new(KeyCode::Tab, KeyModifiers::NONE)), &keymap());
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Enter, KeyModifiers::NONE)), &keymap());
    let job = fx
        .iter()
        .find_map(|e| if let switchboard::app::Effect::Remote(j) = e { Some(j.id) } else { None })
        .expect("the restart was sent");
    update(&mut s, Msg::RemoteSent { job, command_id: "cmd-123".into() }, &keymap());
    // q, q: the console goes, the command may not.
    press(&mut s, KeyCode::Char('q'));
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Char('q'), KeyModifiers::NONE)), &keymap());
    assert!(fx.iter().any(|e| matches!(e, switchboard::app::Effect::Quit)), "{fx:?}");
    let exit = switchboard::app::update::on_exit(&s);
    let records: Vec<&switchboard::audit::Entry> = exit
        .iter()
        .filter_map(|e| if let switchboard::app::Effect::Audit(x) = e { Some(x) } else { None })
        .collect();
    assert_eq!(records.len(), 1, "{exit:?}");
    assert_eq!(records[0].status.as_str(), "abandoned");
    assert_eq!(records[0].command_id.as_deref(), Some("cmd-123"));
    assert!(
        records[0].message.as_deref().is_some_and(|m| m.contains("may still run remotely")),
        "{:?}",
        records[0]
    );
}

#[test]
fn the_connect_chart_follows_the_quota_figure_that_is_red() {
    let calm = render(&console_with(LARGE, 6, |_| {}));
    assert!(find(&calm, "concurrent calls % of quota").is_some(), "{}", text(&calm));
    let s = console_with(LARGE, 6, |snap| snap.connect.concurrent_chats = 95);
    let buf = render(&s);
    assert!(find(&buf, "concurrent chats % of quota").is_some(), "chats are red: {}", text(&buf));
    assert!(find(&buf, "concurrent calls % of quota").is_none(), "{}", text(&buf));
}

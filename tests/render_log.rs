//! The log view inside the console, drawn into a `TestBackend` at 80x24 and 160x48 with the
//! shipped keymap: following new lines, the search highlight in the theme's highlight role,
//! the level filter, the status-bar hints, and hostile bytes that never reach the screen.

#[path = "support/fixture.rs"]
mod fixture;

use crossterm::event::{KeyCode, KeyModifiers};
use fixture::{find, text, theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Modifier;
use switchboard::app::{Effect, LogId, LogSource, Msg, PopupKind, State, update};
use switchboard::keymap::Key;
use switchboard::keymap::Keymap;
use switchboard::model::Timestamp;
use switchboard::source::LogLine;
use switchboard::source::tailing::{TailState, parse_line};

const SMALL: (u16, u16) = (80, 24);
const LARGE: (u16, u16) = (160, 48);

fn keymap() -> Keymap {
    Keymap::load("default", None).unwrap()
}

fn render(state: &State) -> Buffer {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| switchboard::ui::draw(f, state, &theme(), &keymap())).unwrap();
    terminal.backend().buffer().clone()
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    update(s, Msg::Key(Key::new(code, KeyModifiers::NONE)), &keymap())
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        key(s, KeyCode::Char(c));
    }
}

/// A NexTalk log line as the server writes it, through the parser every source uses.
fn raw(i: u64, level: &str, text: &str) -> LogLine {
    let secs = 1_795_316_400 + i;
    let at = Timestamp::from_secs(secs);
    parse_line(format!("{} {level:<5} {text}", at.rfc3339()).as_bytes(), at)
}

/// `n` lines from `from`: every tenth an ERROR about the Chat Bridge, every tenth+5 a WARN.
fn lines(from: u64, n: u64) -> Vec<LogLine> {
    (from..from + n)
        .map(|i| match i % 10 {
            0 => raw(i, "ERROR", &format!("[Server] Chat Bridge heartbeat missing ({i})")),
            5 => raw(i, "WARN", &format!("[Server] Port utilisation high ({i})")),
            _ => raw(i, "INFO", &format!("[Server] call {i} answered")),
        })
        .collect()
}

/// The fixture console on the NexTalk pane with nt-a's log open, fed `n` lines.
fn with_log(size: (u16, u16), n: u64) -> (State, LogId) {
    let mut s = fixture::state(size.0, size.1, 20);
    key(&mut s, KeyCode::Char('6'));
    let fx = key(&mut s, KeyCode::Char('l'));
    let id = fx
        .iter()
        .find_map(|e| match e {
            Effect::OpenLog { log, source: LogSource::Server(name) } if name == "nt-a" => Some(*log),
            _ => None,
        })
        .unwrap_or_else(|| panic!("l did not open nt-a's log: {fx:?}"));
    let state = TailState::Following { source: "demo nt-a".into() };
    update(&mut s, Msg::LogState { log: id, state }, &keymap());
    update(&mut s, Msg::LogLines { log: id, lines: lines(0, n) }, &keymap());
    (s, id)
}

#[track_caller]
fn assert_shows(buf: &Buffer, needle: &str) {
    assert!(find(buf, needle).is_some(), "expected {needle:?} on screen:\n{}", text(buf));
}

#[track_caller]
fn assert_lacks(buf: &Buffer, needle: &str) {
    assert!(find(buf, needle).is_none(), "did not expect {needle:?} on screen:\n{}", text(buf));
}

#[test]
fn the_log_follows_new_lines_at_both_sizes_and_esc_restores_the_panes() {
    for size in [SMALL, LARGE] {
        let mut s = fixture::state(size.0, size.1, 20);
        key(&mut s, KeyCode::Char('6'));
        let panes = text(&render(&s));
        let (mut s, id) = with_log(size, 0);
        update(&mut s, Msg::LogLines { log: id, lines: lines(0, 200) }, &keymap());
        let buf = render(&s);
        assert_shows(&buf, "nt-a NexTalk log");
        assert_shows(&buf, "● following demo nt-a");
        assert_shows(&buf, "FOLLOW");
        assert_shows(&buf, "call 199 answered");
        assert_lacks(&buf, "call 1 answered");
        // The status bar offers the log's keys.
        assert_shows(&buf, "/ search");
        assert_shows(&buf, "q close");
        // New lines scroll in while following.
        update(&mut s, Msg::LogLines { log: id, lines: lines(200, 3) }, &keymap());
        let buf = render(&s);
        assert_shows(&buf, "call 202 answered");
        // Scrolling up pauses and says how much is waiting below.
        key(&mut s, KeyCode::Char('k'));
        update(&mut s, Msg::LogLines { log: id, lines: lines(203, 4) }, &keymap());
        let buf = render(&s);
        assert_shows(&buf, "PAUSED +5, G follows");
        assert_lacks(&buf, "call 206 answered");
        key(&mut s, KeyCode::Char('G'));
        assert_shows(&render(&s), "call 206 answered");
        key(&mut s, KeyCode::Esc);
        assert!(s.popups.is_empty());
        assert_eq!(text(&render(&s)), panes, "the panes are back as they were");
    }
}

#[test]
fn search_highlights_matches_in_the_highlight_role_and_n_moves_between_them() {
    for size in [SMALL, LARGE] {
        let (mut s, _) = with_log(size, 100);
        key(&mut s, KeyCode::Char('/'));
        typed(&mut s, "heartbeat");
        let buf = render(&s);
        assert_shows(&buf, "/heartbeat");
        key(&mut s, KeyCode::Enter);
        let buf = render(&s);
        // The newest match sits at the bottom; every match on screen is highlighted.
        let (x, y) = find(&buf, "heartbeat missing (90)").unwrap_or_else(|| panic!("{}", text(&buf)));
        for dx in 0..9 {
            let cell = &buf[(x + dx, y)];
            assert!(cell.modifier.contains(Modifier::REVERSED), "{:?} not highlighted", cell.symbol());
        }
        let (x, y) = find(&buf, "heartbeat missing (80)").unwrap();
        assert!(buf[(x, y)].modifier.contains(Modifier::REVERSED));
        let (x, y) = find(&buf, "missing (80)").unwrap();
        assert!(!buf[(x, y)].modifier.contains(Modifier::REVERSED), "only the match is highlighted");
        assert_shows(&buf, "/heartbeat");
        assert_shows(&buf, "10 matching lines");
        // N goes to older matches until the screen must move.
        for _ in 0..5 {
            key(&mut s, KeyCode::Char('N'));
        }
        let buf = render(&s);
        assert_shows(&buf, "heartbeat missing (40)");
        assert_lacks(&buf, "call 99 answered");
        assert_shows(&buf, "PAUSED");
    }
}

#[test]
fn the_level_filter_hides_lower_levels_and_says_so() {
    for size in [SMALL, LARGE] {
        let (mut s, _) = with_log(size, 100);
        key(&mut s, KeyCode::Char('L'));
        let buf = render(&s);
        assert_shows(&buf, "WARN+");
        assert_shows(&buf, "Port utilisation high (95)");
        assert_lacks(&buf, "answered");
        key(&mut s, KeyCode::Char('L'));
        let buf = render(&s);
        assert_shows(&buf, "ERROR only");
        assert_shows(&buf, "heartbeat missing (90)");
        assert_lacks(&buf, "Port utilisation");
        // Levels keep their colours: ERROR in the crit role.
        let (x, y) = find(&buf, "ERROR [Server] Chat Bridge heartbeat missing (90)").unwrap();
        assert_eq!(buf[(x, y)].fg, ratatui::style::Color::Red);
    }
}

#[test]
fn hostile_lines_reach_the_screen_without_control_characters() {
    let (mut s, id) = with_log(SMALL, 0);
    let hostile: Vec<LogLine> = [
        &b"2026-11-22T03:04:05Z ERROR \x1b]52;c;cm0gLXJmIH4K\x07clipboard"[..],
        b"2026-11-22T03:04:06Z WARN  \x1b[2J\x1b[Hcleared\x1b[31m red\x07 bell",
        b"\x1b]0;pwned title\x1b\\2026-11-22T03:04:07Z INFO  title\rover\x08back\x9b1m",
        b"\x1bP1$r0m\x1b\\dcs \xe2\x80\xaeevil\xe2\x80\xac tail \x7f",
    ]
    .iter()
    .map(|raw| parse_line(raw, Timestamp::from_secs(1_795_316_400)))
    .collect();
    update(&mut s, Msg::LogLines { log: id, lines: hostile }, &keymap());
    let failed = TailState::Failed { message: "host \x1b[8mkey\x07 refused".into() };
    update(&mut s, Msg::LogState { log: id, state: failed }, &keymap());
    let buf = render(&s);
    assert_eq!(s.popup_kinds().last(), Some(&PopupKind::Log));
    assert_shows(&buf, "clipboard");
    assert_shows(&buf, "cleared");
    assert_shows(&buf, "tail");
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let sym = buf[(x, y)].symbol();
            let bad = sym
                .chars()
                .find(|c| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'));
            assert!(bad.is_none(), "control character {bad:?} at ({x},{y}):\n{}", text(&buf));
        }
    }
    assert_lacks(&buf, "cm0gLXJmIH4K");
    assert_lacks(&buf, "pwned");
}

#[test]
fn the_nextalk_and_lambda_panes_hint_l_for_their_logs() {
    let mut s = fixture::state(SMALL.0, SMALL.1, 20);
    for (pane, hinted) in [('6', true), ('3', true), ('1', false)] {
        key(&mut s, KeyCode::Char(pane));
        let buf = render(&s);
        let status: String = (0..SMALL.0).map(|x| buf[(x, SMALL.1 - 1)].symbol().to_string()).collect();
        assert_eq!(status.contains("l log"), hinted, "pane {pane}: {status}");
    }
}

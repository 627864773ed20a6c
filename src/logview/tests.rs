//! The log view drawn into a `TestBackend`: what an engineer would see, cell by cell.

use super::*;
use crate::model::Timestamp;
use crate::theme::{Role, Theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Style};
use std::collections::HashMap;

fn theme() -> Theme {
    Theme::new(
        "test",
        HashMap::from([
            (Role::Highlight, Style::default().fg(Color::Black).bg(Color::Yellow)),
            (Role::Crit, Style::default().fg(Color::Red)),
            (Role::Warn, Style::default().fg(Color::Magenta)),
            (Role::Ok, Style::default().fg(Color::Green)),
            (Role::Selected, Style::default().bg(Color::Blue)),
        ]),
    )
}

fn line(i: u64, level: LogLevel, text: &str) -> LogLine {
    LogLine { at: Timestamp::from_secs(1_795_827_600 + i), level, text: text.into() }
}

fn numbered(from: u64, to: u64) -> Vec<LogLine> {
    (from..to).map(|i| line(i, LogLevel::Info, &format!("line {i}"))).collect()
}

fn draw(view: &LogView, w: u16, h: u16) -> Buffer {
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| view.render(f, f.area(), &theme())).unwrap();
    term.backend().buffer().clone()
}

fn rows(buf: &Buffer) -> Vec<String> {
    (0..buf.area.height)
        .map(|y| (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect::<String>())
        .collect()
}

/// The text of the body rows (inside the border, without the status row).
fn body(buf: &Buffer) -> Vec<String> {
    let all = rows(buf);
    all[1..all.len() - 2]
        .iter()
        .map(|r| r.chars().skip(1).take(r.chars().count() - 2).collect::<String>().trim_end().to_owned())
        .collect()
}

fn status(buf: &Buffer) -> String {
    let all = rows(buf);
    all[all.len() - 2].clone()
}

#[test]
fn follow_mode_shows_the_newest_lines() {
    let mut view = LogView::new("nt-a NexTalk log", 100);
    view.set_status(TailState::Following {
        source: r"nt-a:C:\ProgramData\NexTalk\Logs\NexTalk-20261122.log".into(),
    });
    view.push_lines(numbered(0, 50));
    let buf = draw(&view, 60, 8);
    let body = body(&buf);
    assert_eq!(body.len(), 5);
    assert!(body[4].ends_with("INFO  line 49"), "{body:?}");
    assert!(body[0].ends_with("INFO  line 45"), "{body:?}");
    assert!(rows(&buf)[0].contains("nt-a NexTalk log"));
    let st = status(&buf);
    assert!(st.contains("FOLLOW"), "{st}");
    // Narrow: the state keeps the file name, not the drive.
    assert!(st.contains("…") && st.contains("NexTalk-20261122.log"), "{st}");

    view.push_lines(numbered(50, 52));
    assert!(body_of(&view)[4].ends_with("line 51"));
}

fn body_of(view: &LogView) -> Vec<String> {
    body(&draw(view, 60, 8))
}

#[test]
fn scrolling_up_pauses_and_follow_resumes() {
    let mut view = LogView::new("log", 100);
    view.push_lines(numbered(0, 50));
    view.set_page(body_height(8)); // the page the console sets for an 8-row view
    assert!(matches!(view.handle(Action::Up), LogViewOutcome::Handled));
    assert!(!view.is_following());
    view.push_lines(numbered(50, 60));
    let buf = draw(&view, 60, 8);
    assert!(body(&buf)[4].ends_with("line 48"), "{:?}", body(&buf));
    assert!(status(&buf).contains("PAUSED +11"), "{}", status(&buf));

    view.handle(Action::PageUp);
    assert!(body_of(&view)[4].ends_with("line 43"));
    view.handle(Action::Top);
    assert!(body_of(&view)[0].ends_with("line 0"), "{:?}", body_of(&view));
    view.handle(Action::Up); // already at the top: stays full
    assert!(body_of(&view)[0].ends_with("line 0"));
    view.handle(Action::Down);
    assert!(body_of(&view)[0].ends_with("line 1"));

    view.handle(Action::FollowLog);
    assert!(view.is_following());
    assert!(body_of(&view)[4].ends_with("line 59"));
}

#[test]
fn the_ring_keeps_only_the_newest_lines() {
    let mut view = LogView::new("log", 10);
    view.push_lines(numbered(0, 7));
    view.push_lines(numbered(7, 25));
    assert_eq!(view.len(), 10);
    view.set_page(body_height(8)); // the page the console sets for an 8-row view
    view.handle(Action::Top);
    assert!(body_of(&view)[0].ends_with("line 15"), "{:?}", body_of(&view));
    // Paused near the oldest line while it falls out: the view moves with the ring.
    view.push_lines(numbered(25, 40));
    assert!(body_of(&view)[0].ends_with("line 30"), "{:?}", body_of(&view));
}

#[test]
fn search_highlights_matches_with_the_highlight_role() {
    let mut view = LogView::new("log", 100);
    view.push_lines(vec![
        line(0, LogLevel::Info, "chat bridge up"),
        line(1, LogLevel::Error, "Chat Bridge stopped"),
        line(2, LogLevel::Info, "ports 12/48"),
        line(3, LogLevel::Info, "bridge retry"),
        line(4, LogLevel::Info, "idle"),
    ]);
    view.set_search("bridge");
    let buf = draw(&view, 60, 8);
    let rows = rows(&buf);
    let theme = theme();
    let hl = theme.style(Role::Highlight);
    // Every occurrence (case-insensitive for a lowercase query) is highlighted.
    for (y, needle) in [(1, "bridge"), (2, "Bridge"), (4, "bridge")] {
        let x = rows[y].find(needle).unwrap_or_else(|| panic!("{needle} on row {y}: {rows:?}"));
        let x = rows[y][..x].chars().count() as u16;
        for dx in 0..6 {
            let cell = &buf[(x + dx, y as u16)];
            assert_eq!((cell.fg, cell.bg), (Color::Black, Color::Yellow), "row {y} col {}", x + dx);
        }
        // The character after the match is not highlighted.
        assert_ne!(buf[(x + 6, y as u16)].bg, Color::Yellow);
    }
    assert_eq!(hl.bg, Some(Color::Yellow));
    // The current match (the newest at or above the bottom) is the selected line.
    assert_eq!(buf[(1, 4)].bg, Color::Blue);
    assert!(!view.is_following());

    // n / N move between matching lines.
    view.handle(Action::SearchPrev);
    assert_eq!(draw(&view, 60, 8)[(1, 2)].bg, Color::Blue);
    view.handle(Action::SearchNext);
    assert_eq!(draw(&view, 60, 8)[(1, 4)].bg, Color::Blue);

    // Errors are coloured by level.
    let x = rows[2].find("ERROR").unwrap() as u16;
    assert_eq!(buf[(x, 2)].fg, Color::Red);

    view.set_search("no such text");
    assert!(status(&draw(&view, 60, 8)).contains("no match"));
}

#[test]
fn the_level_filter_hides_info_then_warnings() {
    let mut view = LogView::new("log", 100);
    view.push_lines(vec![
        line(0, LogLevel::Info, "calm"),
        line(1, LogLevel::Warn, "slow Kinesis"),
        line(2, LogLevel::Debug, "tick"),
        line(3, LogLevel::Error, "Chat Bridge stopped"),
        line(4, LogLevel::Info, "calm again"),
    ]);
    view.handle(Action::CycleLevel);
    let buf = draw(&view, 60, 8);
    let text = body(&buf).join("\n");
    assert!(!text.contains("calm") && !text.contains("tick"), "{text}");
    assert!(text.contains("slow Kinesis") && text.contains("Chat Bridge stopped"));
    assert!(status(&buf).contains("WARN+"));
    view.handle(Action::CycleLevel);
    let text = body_of(&view).join("\n");
    assert!(!text.contains("slow Kinesis") && text.contains("Chat Bridge stopped"), "{text}");
    view.handle(Action::CycleLevel);
    assert!(body_of(&view).join("\n").contains("tick"));
}

#[test]
fn wrap_shows_the_whole_line() {
    let mut view = LogView::new("log", 100);
    let long = format!("begin {} end", "x".repeat(70));
    view.push_lines(vec![line(0, LogLevel::Info, "short"), line(1, LogLevel::Info, &long)]);
    let unwrapped = body_of(&view);
    assert!(!unwrapped.join("").contains("end"));
    view.handle(Action::ToggleWrap);
    let buf = draw(&view, 60, 8);
    let wrapped = body(&buf);
    // 27 + 80 characters in 58 columns: two rows, the second ending in "end". Fewer lines
    // than rows start at the top, as in less.
    assert!(wrapped[0].ends_with("short"), "{wrapped:?}");
    assert!(wrapped[1].starts_with("2026-11-28T01:00:01Z INFO  begin"), "{wrapped:?}");
    assert!(wrapped[2].ends_with("end"), "{wrapped:?}");
    assert_eq!(wrapped[3], "");
    assert!(status(&buf).contains("wrap"));
}

#[test]
fn a_snapshot_says_it_is_not_a_follow() {
    let mut view = LogView::new("nt-b", 100);
    view.set_status(TailState::Snapshot { source: "SSM Get-Content -Tail 200".into() });
    view.push_lines(numbered(0, 3));
    let buf = draw(&view, 80, 8);
    let st = status(&buf);
    assert!(st.contains("snapshot, not a follow"), "{st}");
    let x = rows(&buf)[6].find("snapshot").unwrap();
    let x = rows(&buf)[6][..x].chars().count() as u16;
    assert_eq!(buf[(x, 6)].fg, Color::Magenta);
}

#[test]
fn reconnecting_shows_in_the_status_row() {
    let mut view = LogView::new("nt-a", 100);
    view.set_status(TailState::Reconnecting { in_secs: 4, reason: "connection reset".into() });
    assert!(status(&draw(&view, 80, 6)).contains("reconnecting in 4s"));
    assert!(body(&draw(&view, 80, 6))[0].contains("no lines yet"));
}

#[test]
fn save_writes_the_filtered_lines_and_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let mut view = LogView::new("nt-a NexTalk", 100);
    view.set_save_dir(dir.path());
    view.push_lines(vec![line(0, LogLevel::Info, "calm"), line(1, LogLevel::Error, "broken")]);
    view.handle(Action::CycleLevel);
    let LogViewOutcome::Save(job) = view.handle(Action::SaveLog) else { panic!("expected a save") };
    assert!(job.path().starts_with(dir.path().join("logs")));
    let name = job.path().file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("nt-a_NexTalk-") && name.ends_with("Z.log"), "{name}");
    let written = job.write().unwrap();
    assert_eq!(std::fs::read_to_string(&written).unwrap(), "2026-11-28T01:00:01Z ERROR broken\n");
    // A second save in the same second does not overwrite the first.
    let again = job.write().unwrap();
    assert_ne!(again, written);
}

#[test]
fn keys_the_view_does_not_own_are_left_to_the_console() {
    let mut view = LogView::new("log", 10);
    assert!(matches!(view.handle(Action::Quit), LogViewOutcome::Ignored));
    assert!(matches!(view.handle(Action::Filter), LogViewOutcome::StartSearch));
    view.set_search("x");
    // Esc first clears the search, then closes.
    assert!(matches!(view.handle(Action::Back), LogViewOutcome::Handled));
    assert!(matches!(view.handle(Action::Back), LogViewOutcome::Close));
}

#[test]
fn tiny_areas_do_not_panic() {
    let mut view = LogView::new("a very long title for a tiny box", 10);
    view.push_lines(numbered(0, 5));
    view.handle(Action::ToggleWrap);
    for (w, h) in [(1, 1), (2, 2), (3, 3), (10, 3), (4, 10)] {
        draw(&view, w, h);
    }
}

#[test]
fn server_text_in_the_status_row_is_sanitised() {
    let mut view = LogView::new("nt-a\x1b]0;title\x07", 10);
    view.set_status(TailState::Following { source: "nt-a:evil\x1b[2J\x1b]52;c;AAAA\x07.log".into() });
    let buf = draw(&view, 80, 6);
    let all = rows(&buf).join("\n");
    assert!(!all.contains('\x1b') && !all.contains('\x07'), "{all:?}");
    assert!(all.contains("nt-a:evil.log"), "{all}");
}

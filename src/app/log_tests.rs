//! The log view driven through `update` with the shipped keymap: opening from rows and from a
//! runbook step, closing back to the panes, follow and pause, search with n/N, the level
//! filter, saving, and the pump's messages arriving for logs that are (or are no longer) open.

use crate::app::log_session::{LogId, LogSource};
use crate::app::{Effect, Mode, Msg, PaneId, PopupKind, State, update};
use crate::keymap::Keymap;
use crate::keymap::{Key, KeyCode, KeyModifiers};
use crate::logview::LevelFilter;
use crate::model::*;
use crate::runbook::{Origin, Outcome};
use crate::source::tailing::TailState;
use crate::source::{LogLevel, LogLine};
use std::path::{Path, PathBuf};

fn keymap() -> Keymap {
    Keymap::load("default", None).unwrap()
}

fn console() -> State {
    let mut s = State::new(Thresholds::default(), 10);
    s.size = (80, 24);
    let snap = Snapshot {
        lambda: vec![LambdaFunction { name: "route-caller".into(), invocations: 10, ..Default::default() }],
        nextalk: NexTalk {
            servers: vec![
                NexTalkServer {
                    name: "nt-a".into(),
                    instance_id: "i-0a".into(),
                    ports_capacity: 48,
                    services: vec![WinService {
                        name: "NexTalk Chat Bridge".into(),
                        status: ServiceStatus::Stopped,
                    }],
                    ..Default::default()
                },
                NexTalkServer { name: "nt-b".into(), instance_id: "i-0b".into(), ..Default::default() },
            ],
        },
        ..Default::default()
    };
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(snap)), at: Timestamp::from_secs(1000) }, &keymap());
    s
}

fn key_with(s: &mut State, code: KeyCode, mods: KeyModifiers) -> Vec<Effect> {
    update(s, Msg::Key(Key::new(code, mods)), &keymap())
}

fn key(s: &mut State, code: KeyCode) -> Vec<Effect> {
    key_with(s, code, KeyModifiers::NONE)
}

fn press(s: &mut State, c: char) -> Vec<Effect> {
    key(s, KeyCode::Char(c))
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        press(s, c);
    }
}

fn opened(fx: &[Effect]) -> Option<(LogId, LogSource)> {
    fx.iter().find_map(|e| match e {
        Effect::OpenLog { log, source } => Some((*log, source.clone())),
        _ => None,
    })
}

/// `n` lines, every tenth an ERROR about the Chat Bridge.
fn lines(from: usize, n: usize) -> Vec<LogLine> {
    (from..from + n)
        .map(|i| {
            let (level, text) = if i % 10 == 0 {
                (LogLevel::Error, format!("Chat Bridge lost its Connect session ({i})"))
            } else if i % 10 == 5 {
                (LogLevel::Warn, format!("port {i} slow"))
            } else {
                (LogLevel::Info, format!("call {i} answered"))
            };
            LogLine { at: Timestamp::from_secs(1000 + i as u64), level, text }
        })
        .collect()
}

/// The NexTalk pane, nt-a selected, its log open and fed 100 lines.
fn with_log() -> (State, LogId) {
    let mut s = console();
    press(&mut s, '6');
    let fx = press(&mut s, 'l');
    let (id, source) = opened(&fx).expect("l opens a log");
    assert_eq!(source, LogSource::Server("nt-a".into()));
    update(&mut s, Msg::LogLines { log: id, lines: lines(0, 100) }, &keymap());
    (s, id)
}

fn view(s: &State) -> &crate::logview::LogView {
    &s.log().expect("a log is open").view
}

#[test]
fn l_opens_the_server_log_and_esc_returns_to_the_panes_as_they_were() {
    let mut s = console();
    press(&mut s, '6');
    let before = (s.focus, s.table(PaneId::NEXTALK).clone(), s.zoom);
    let (mut s, id) = {
        let fx = press(&mut s, 'l');
        let (id, _) = opened(&fx).unwrap();
        (s, id)
    };
    assert_eq!(s.popup_kinds(), [PopupKind::Log]);
    assert_eq!(view(&s).title(), "nt-a NexTalk log");
    assert!(view(&s).is_following());
    // Keys are the view's now: j scrolls the log, not the table behind it.
    update(&mut s, Msg::LogLines { log: id, lines: lines(0, 100) }, &keymap());
    press(&mut s, 'j');
    press(&mut s, '1');
    assert_eq!((s.focus, s.table(PaneId::NEXTALK).selected), (PaneId::NEXTALK, 0));
    let fx = key(&mut s, KeyCode::Esc);
    assert!(fx.contains(&Effect::CloseLog(id)), "{fx:?}");
    assert!(s.popups.is_empty() && s.log().is_none());
    assert_eq!((s.focus, s.table(PaneId::NEXTALK).clone(), s.zoom), before);
    // Lines still on their way from the closed log are dropped.
    update(&mut s, Msg::LogLines { log: id, lines: lines(100, 5) }, &keymap());
    assert!(s.log().is_none());
}

#[test]
fn a_service_row_opens_its_servers_log_and_a_lambda_row_its_error_log() {
    let mut s = console();
    press(&mut s, '6');
    press(&mut s, 'j');
    assert_eq!(s.selected_row(PaneId::NEXTALK).and_then(|r| r.sub), Some(0), "a service row");
    let fx = press(&mut s, 'l');
    assert_eq!(opened(&fx).map(|(_, src)| src), Some(LogSource::Server("nt-a".into())));
    key(&mut s, KeyCode::Esc);

    press(&mut s, '3');
    let fx = press(&mut s, 'l');
    let (id, src) = opened(&fx).unwrap();
    assert_eq!(src, LogSource::Lambda("route-caller".into()));
    // The opener refused: no empty view stays up, the reason is in the status line.
    let error = "Lambda logs are not simulated yet".to_string();
    let fx = update(&mut s, Msg::LogOpenFailed { log: id, error }, &keymap());
    assert!(s.popups.is_empty() && s.log().is_none(), "{:?}", s.popups);
    assert!(fx.contains(&Effect::CloseLog(id)));
    let msg = s.message.clone().unwrap();
    assert!(msg.error && msg.text.contains("route-caller") && msg.text.contains("not simulated"), "{msg:?}");

    // Panes without logs say where logs are.
    press(&mut s, '1');
    let fx = press(&mut s, 'l');
    assert!(opened(&fx).is_none());
    assert!(s.message.unwrap().text.contains("NexTalk"));
}

#[test]
fn scrolling_up_pauses_following_and_g_or_end_resumes() {
    let (mut s, id) = with_log();
    press(&mut s, 'k');
    assert!(!view(&s).is_following());
    update(&mut s, Msg::LogLines { log: id, lines: lines(100, 50) }, &keymap());
    assert!(!view(&s).is_following(), "new lines do not resume following");
    press(&mut s, 'G');
    assert!(view(&s).is_following());
    key(&mut s, KeyCode::PageUp);
    assert!(!view(&s).is_following());
    key(&mut s, KeyCode::End);
    assert!(view(&s).is_following());
    assert_eq!(view(&s).len(), 150);
}

#[test]
fn search_takes_a_prompt_jumps_with_n_and_shift_n_and_esc_clears_it_before_closing() {
    let (mut s, id) = with_log();
    press(&mut s, '/');
    assert_eq!(s.mode, Mode::Search);
    typed(&mut s, "Bridge");
    // Typing is text, not keys: `n` in "Bridge"-like words never jumps.
    assert_eq!(view(&s).search_query(), None);
    key(&mut s, KeyCode::Enter);
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(view(&s).search_query(), Some("Bridge"));
    // Jumped to the newest match at or above the bottom: line 90.
    assert_eq!(view(&s).current_match(), Some(90));
    press(&mut s, 'N');
    assert_eq!(view(&s).current_match(), Some(80));
    press(&mut s, 'N');
    press(&mut s, 'n');
    assert_eq!(view(&s).current_match(), Some(80));
    // Esc: first the search, then the view.
    key(&mut s, KeyCode::Esc);
    assert_eq!(view(&s).search_query(), None);
    assert_eq!(s.popup_kinds(), [PopupKind::Log]);
    let fx = key(&mut s, KeyCode::Esc);
    assert!(fx.contains(&Effect::CloseLog(id)) && s.popups.is_empty());

    // Esc on the prompt leaves the prompt only.
    let (mut s, _) = with_log();
    press(&mut s, '/');
    typed(&mut s, "x");
    key(&mut s, KeyCode::Esc);
    assert_eq!((s.mode, s.popup_kinds()), (Mode::Normal, vec![PopupKind::Log]));
    assert_eq!(view(&s).search_query(), None);
}

#[test]
fn l_cycles_the_level_filter_w_wraps_and_ctrl_c_closes_the_view_not_the_console() {
    let (mut s, id) = with_log();
    press(&mut s, 'L');
    assert_eq!(view(&s).level_filter(), LevelFilter::WarnAndUp);
    press(&mut s, 'L');
    assert_eq!(view(&s).level_filter(), LevelFilter::ErrorOnly);
    press(&mut s, 'L');
    assert_eq!(view(&s).level_filter(), LevelFilter::All);
    let fx = key_with(&mut s, KeyCode::Char('c'), KeyModifiers::CONTROL);
    assert!(!fx.contains(&Effect::Quit), "{fx:?}");
    assert!(fx.contains(&Effect::CloseLog(id)) && s.log().is_none());
}

#[test]
fn ctrl_s_asks_the_runtime_to_save_and_the_path_shows_when_written() {
    let (mut s, id) = with_log();
    press(&mut s, 'L');
    press(&mut s, 'L');
    let fx = key_with(&mut s, KeyCode::Char('s'), KeyModifiers::CONTROL);
    let job = fx
        .iter()
        .find_map(|e| match e {
            Effect::SaveLog { log, job } if *log == id => Some(job.clone()),
            _ => None,
        })
        .expect("Ctrl-s saves");
    assert_eq!(job.line_count(), 10, "only the ERROR lines on screen");
    let path = PathBuf::from("/data/logs/nt-a.log");
    update(&mut s, Msg::LogSaved { log: id, result: Ok(path) }, &keymap());
    let msg = s.message.clone().unwrap();
    assert_eq!((msg.text.as_str(), msg.error), ("saved to /data/logs/nt-a.log", false));
    update(&mut s, Msg::LogSaved { log: id, result: Err("disk full".into()) }, &keymap());
    assert!(s.message.unwrap().error);
}

#[test]
fn tail_states_reach_the_open_view_only() {
    let (mut s, id) = with_log();
    let following = TailState::Following { source: "demo nt-a".into() };
    update(&mut s, Msg::LogState { log: id, state: following.clone() }, &keymap());
    assert_eq!(view(&s).status(), &following);
    update(&mut s, Msg::LogState { log: LogId(id.0 + 7), state: TailState::Stopped }, &keymap());
    assert_eq!(view(&s).status(), &following);
}

#[test]
fn a_new_log_replaces_the_open_one_and_stops_its_tail() {
    let (mut s, first) = with_log();
    let mut fx = Vec::new();
    crate::app::update::open_log(
        &mut s,
        &[crate::source::Target { server: "nt-b".into(), instance_id: "i-0b".into() }],
        &mut fx,
    )
    .unwrap();
    assert!(fx.contains(&Effect::CloseLog(first)), "{fx:?}");
    assert_eq!(opened(&fx).map(|(_, src)| src), Some(LogSource::Server("nt-b".into())));
    assert_eq!(s.popup_kinds(), [PopupKind::Log]);
}

#[test]
fn the_runbook_open_log_step_opens_the_view_and_is_marked_done() {
    let mut s = console();
    let src = "id = \"t\"\ntitle = \"T\"\nsummary = \"S\"\n[[steps]]\nid = \"read\"\ntitle = \"Read the log\"\n\
               kind = \"action\"\naction = \"open_log\"\non = \"nt-a\"\n";
    let rb = crate::runbook::parse(Path::new("t.toml"), src, Origin::User("t.toml".into())).unwrap();
    s.library = vec![rb];
    let mut fx = Vec::new();
    crate::app::guide::start(&mut s, 0, &mut fx);
    assert_eq!(s.popup_kinds().last(), Some(&PopupKind::Confirm), "an action is confirmed first");
    // Cancel is preselected; move to Run and press it.
    key(&mut s, KeyCode::Tab);
    let fx = key(&mut s, KeyCode::Enter);
    assert_eq!(opened(&fx).map(|(_, src)| src), Some(LogSource::Server("nt-a".into())));
    assert_eq!(s.popup_kinds().last(), Some(&PopupKind::Log));
    let guide = s.guide.as_ref().unwrap();
    let rec = guide.run.records().last().unwrap();
    assert_eq!(rec.outcome, Outcome::Done);
    // Closing the log goes back to the run, not past it.
    key(&mut s, KeyCode::Esc);
    assert_eq!(s.popup_kinds().last(), Some(&PopupKind::Runbook));
}

#[test]
fn the_tail_stops_with_its_overlay_however_that_closes_and_only_then() {
    let (mut s, id) = with_log();
    // Help over the log: closing the help leaves the log and its tail alone.
    press(&mut s, '?');
    assert_eq!(s.popup_kinds(), [PopupKind::Log, PopupKind::Help { scroll: 0 }]);
    let fx = press(&mut s, 'q');
    assert!(!fx.contains(&Effect::CloseLog(id)) && s.log().is_some(), "{fx:?}");
    let fx = press(&mut s, 'q');
    assert!(fx.contains(&Effect::CloseLog(id)) && s.popups.is_empty(), "{fx:?}");
    // An overlay popped from the top of the stack takes its log with it.
    let fx = press(&mut s, 'l');
    let (second, _) = opened(&fx).expect("l opens the log again");
    let mut fx = Vec::new();
    assert!(s.close_top(&mut fx));
    assert_eq!(fx, [Effect::CloseLog(second)]);
    assert!(s.log().is_none());
}

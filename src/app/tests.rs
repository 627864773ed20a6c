//! `update` driven by keys and telemetry, checked on the resulting state.

/// The log view inside the console (`log_session`).
mod incident;
/// The intake worker's path against the loop's.
mod intake;
mod log;

use crate::app::panes::{PaneId, SortKey};
use crate::app::rows::order_names;
use crate::app::{Effect, Mode, Mouse, MouseKind, Msg, PopupKind, State, update};
use crate::keymap::{Action, Binding, Context, Key, KeyCode, KeyModifiers, Keymap};
use crate::model::*;
use crate::source::SourceError;

fn k(c: char) -> Key {
    Key::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> Key {
    Key::new(c, KeyModifiers::NONE)
}

fn keymap() -> Keymap {
    use Action::*;
    let b = |context, keys: Vec<Key>, action| Binding { context, keys, action, description: String::new() };
    Keymap {
        name: "test".into(),
        bindings: vec![
            b(Context::Global, vec![k('q')], Quit),
            b(Context::Global, vec![k('?')], Help),
            b(Context::Global, vec![code(KeyCode::Tab)], NextPane),
            b(Context::Global, vec![Key::new(KeyCode::BackTab, KeyModifiers::SHIFT)], PrevPane),
            b(Context::Global, vec![k('1')], PaneQueues),
            b(Context::Global, vec![k('6')], PaneNexTalk),
            b(Context::Global, vec![k(':')], CommandPalette),
            b(Context::Global, vec![k('r')], Refresh),
            b(Context::Global, vec![k('z')], ZoomPane),
            b(Context::Global, vec![code(KeyCode::Esc)], Back),
            b(Context::Table, vec![k('j')], Down),
            b(Context::Table, vec![k('k')], Up),
            b(Context::Table, vec![k('g'), k('g')], Top),
            b(Context::Table, vec![k('G')], Bottom),
            b(Context::Table, vec![code(KeyCode::PageDown)], PageDown),
            b(Context::Table, vec![code(KeyCode::Enter)], Detail),
            b(Context::Table, vec![k('/')], Filter),
            b(Context::Table, vec![k('s')], CycleSort),
            b(Context::Popup, vec![k('j')], Down),
            b(Context::Popup, vec![k('q')], Back),
            b(Context::Input, vec![code(KeyCode::Enter)], FilterAccept),
            b(Context::Input, vec![code(KeyCode::Esc)], FilterClear),
        ],
    }
}

fn snapshot() -> Snapshot {
    let queue = |name: &str, waiting: u32, oldest: Option<f64>| Queue {
        name: name.into(),
        contacts_in_queue: waiting,
        oldest_contact_age_s: oldest,
        agents_online: 5,
        agents_available: 1,
        ..Default::default()
    };
    Snapshot {
        connect: Connect {
            concurrent_calls: 10,
            concurrent_calls_quota: 100,
            concurrent_chats_quota: 100,
            queues: vec![
                queue("Alpha", 1, Some(10.0)),
                queue("Billing", 12, Some(252.0)),
                queue("Claims", 40, Some(90.0)),
                queue("Dental", 0, None),
            ],
            ..Default::default()
        },
        lambda: vec![LambdaFunction {
            name: "route".into(),
            invocations: 100,
            errors: 1,
            ..Default::default()
        }],
        nextalk: NexTalk {
            servers: vec![NexTalkServer {
                name: "nt-a".into(),
                ports_capacity: 96,
                ports_in_use: Some(20),
                ssm_ping: PingStatus::Online,
                services: vec![
                    WinService { name: "NexTalk App API".into(), status: ServiceStatus::Running },
                    WinService { name: "NexTalk Chat Bridge".into(), status: ServiceStatus::Stopped },
                ],
                ..Default::default()
            }],
        },
        ..Default::default()
    }
}

fn state() -> State {
    let mut s = State::new(Thresholds::default(), 30);
    s.size = (80, 24);
    feed(&mut s, Ok(snapshot()));
    s
}

fn feed(s: &mut State, result: Result<Snapshot, SourceError>) -> Vec<Effect> {
    let at = Timestamp::from_secs(1_000 + s.history.len() as u64);
    update(s, Msg::Telemetry { result: result.map(Box::new), at }, &keymap())
}

fn press(s: &mut State, key: Key) -> Vec<Effect> {
    update(s, Msg::Key(key), &keymap())
}

fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        press(s, k(c));
    }
}

#[test]
fn queues_sort_worst_first_and_s_cycles_the_order() {
    let mut s = state();
    // Billing and Claims are crit; Billing's oldest contact (4m12s) breaks the tie.
    assert_eq!(order_names(&s, PaneId::QUEUES), ["Billing", "Claims", "Alpha", "Dental"]);
    press(&mut s, k('s'));
    assert_eq!(s.table(PaneId::QUEUES).sort, SortKey::Name);
    assert_eq!(order_names(&s, PaneId::QUEUES), ["Alpha", "Billing", "Claims", "Dental"]);
    press(&mut s, k('s'));
    assert_eq!(order_names(&s, PaneId::QUEUES), ["Claims", "Billing", "Alpha", "Dental"]);
    press(&mut s, k('s'));
    assert_eq!(s.table(PaneId::QUEUES).sort, SortKey::Oldest);
    press(&mut s, k('s'));
    assert_eq!(s.table(PaneId::QUEUES).sort, SortKey::Worst);
}

#[test]
fn selection_stays_in_bounds_and_follows_its_row_across_resorts() {
    let mut s = state();
    press(&mut s, k('k'));
    assert_eq!(s.table(PaneId::QUEUES).selected, 0);
    for _ in 0..10 {
        press(&mut s, k('j'));
    }
    assert_eq!(s.table(PaneId::QUEUES).selected, 3);
    press(&mut s, k('g'));
    assert_eq!(s.pending.len(), 1, "g starts a chord");
    press(&mut s, k('g'));
    assert!(s.pending.is_empty());
    assert_eq!(s.table(PaneId::QUEUES).selected, 0);
    press(&mut s, k('G'));
    assert_eq!(s.table(PaneId::QUEUES).selected, 3);
    // Select Alpha, then sort by name: the cursor stays on Alpha.
    press(&mut s, k('k'));
    assert_eq!(crate::app::rows::name(&s, PaneId::QUEUES, s.selected_row(PaneId::QUEUES).unwrap()), "Alpha");
    press(&mut s, k('s'));
    assert_eq!(s.table(PaneId::QUEUES).selected, 0);
}

#[test]
fn a_broken_chord_reads_the_next_key_afresh() {
    let mut s = state();
    press(&mut s, k('g'));
    press(&mut s, k('j'));
    assert!(s.pending.is_empty());
    assert_eq!(s.table(PaneId::QUEUES).selected, 1);
}

#[test]
fn focus_cycles_with_tab_and_jumps_with_numbers() {
    let mut s = state();
    press(&mut s, code(KeyCode::Tab));
    assert_eq!(s.focus, PaneId::CONNECT);
    press(&mut s, Key::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    press(&mut s, Key::new(KeyCode::BackTab, KeyModifiers::SHIFT));
    assert_eq!(s.focus, PaneId::ALERTS);
    press(&mut s, k('6'));
    assert_eq!(s.focus, PaneId::NEXTALK);
}

#[test]
fn filter_narrows_as_you_type_and_escape_clears_it() {
    let mut s = state();
    press(&mut s, k('/'));
    assert_eq!(s.mode, Mode::Filter);
    typed(&mut s, "BIL");
    assert_eq!(order_names(&s, PaneId::QUEUES), ["Billing"]);
    press(&mut s, code(KeyCode::Enter));
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.table(PaneId::QUEUES).filter, "BIL");
    // Keys are keys again after Enter: `j` does not type.
    press(&mut s, k('j'));
    assert_eq!(s.table(PaneId::QUEUES).filter, "BIL");
    press(&mut s, code(KeyCode::Esc));
    assert!(s.table(PaneId::QUEUES).filter.is_empty());
    assert_eq!(s.table(PaneId::QUEUES).rows.len(), 4);
    // Esc while typing drops the filter too.
    press(&mut s, k('/'));
    typed(&mut s, "zz");
    assert!(s.table(PaneId::QUEUES).rows.is_empty());
    press(&mut s, code(KeyCode::Esc));
    assert_eq!(s.mode, Mode::Normal);
    assert_eq!(s.table(PaneId::QUEUES).rows.len(), 4);
}

#[test]
fn nextalk_filter_on_a_service_keeps_its_server_row() {
    let mut s = state();
    press(&mut s, k('6'));
    press(&mut s, k('/'));
    typed(&mut s, "chat");
    assert_eq!(order_names(&s, PaneId::NEXTALK), ["nt-a", "NexTalk Chat Bridge"]);
}

#[test]
fn palette_runs_commands_and_reports_errors_in_the_status_line() {
    let mut s = state();
    let run = |s: &mut State, line: &str| {
        press(s, k(':'));
        typed(s, line);
        press(s, code(KeyCode::Enter))
    };
    assert_eq!(run(&mut s, "theme dark"), vec![Effect::SetTheme("dark".into())]);
    run(&mut s, "pane lambda");
    assert_eq!(s.focus, PaneId::LAMBDA);
    run(&mut s, "sort errors");
    assert_eq!(s.table(PaneId::LAMBDA).sort, SortKey::Errors);
    run(&mut s, "sort oldest");
    assert!(s.message.as_ref().is_some_and(|m| m.error && m.text.contains("Lambda sorts by")));
    run(&mut s, "frobnicate");
    assert!(s.message.as_ref().is_some_and(|m| m.error && m.text.contains("unknown command :frobnicate")));
    run(&mut s, "readonly");
    assert!(s.read_only);
    run(&mut s, "nextalk");
    assert_eq!(s.focus, PaneId::NEXTALK);
    assert_eq!(run(&mut s, "q"), vec![Effect::Quit]);
    assert_eq!(run(&mut s, "quit"), vec![Effect::Quit]);
}

#[test]
fn theme_load_failure_is_shown_not_fatal() {
    let mut s = state();
    update(&mut s, Msg::ThemeLoaded(Err("themes/x.toml:3:7: unknown role".into())), &keymap());
    assert!(s.message.as_ref().is_some_and(|m| m.error && m.text.starts_with("themes/x.toml:3:7")));
    update(&mut s, Msg::ThemeLoaded(Ok("dark".into())), &keymap());
    assert_eq!(s.theme_name, "dark");
}

#[test]
fn help_and_detail_are_popups_that_back_out_before_quitting() {
    let mut s = state();
    press(&mut s, k('?'));
    assert_eq!(s.popup_kinds(), [PopupKind::Help { scroll: 0 }]);
    press(&mut s, k('j'));
    assert_eq!(s.popup_kinds(), [PopupKind::Help { scroll: 1 }]);
    assert!(press(&mut s, k('q')).is_empty(), "q closes the overlay");
    assert!(s.popups.is_empty());
    press(&mut s, code(KeyCode::Enter));
    assert_eq!(s.popup_kinds(), [PopupKind::Detail]);
    // In the detail view j moves the selection underneath; the view follows.
    press(&mut s, k('j'));
    assert_eq!(s.table(PaneId::QUEUES).selected, 1);
    press(&mut s, code(KeyCode::Esc));
    assert!(s.popups.is_empty());
    assert_eq!(press(&mut s, k('q')), vec![Effect::Quit]);
}

#[test]
fn refresh_asks_once_while_a_collection_is_in_flight() {
    let mut s = state();
    assert_eq!(press(&mut s, k('r')), vec![Effect::RefreshNow]);
    update(&mut s, Msg::Collecting { feed: 0 }, &keymap());
    assert!(press(&mut s, k('r')).is_empty());
    assert!(s.message.is_some());
}

#[test]
fn a_section_gap_degrades_only_its_pane_and_keeps_its_last_data() {
    let mut s = state();
    let mut next = snapshot();
    next.lambda.clear();
    next.connect.queues[0].contacts_in_queue = 7;
    next.gaps.push(Gap::section(Section::Lambda, "GetMetricData: throttled"));
    feed(&mut s, Ok(next));
    let lambda = s.section_status(Section::Lambda);
    assert_eq!(lambda.error.as_deref(), Some("GetMetricData: throttled"));
    assert!(lambda.last_good.is_some());
    assert_eq!(s.snapshot.lambda.len(), 1, "the last good functions stay on screen");
    assert!(s.section_status(Section::Queues).error.is_none());
    let alpha = s.snapshot.connect.queues.iter().find(|q| q.name == "Alpha").unwrap();
    assert_eq!(alpha.contacts_in_queue, 7, "other panes keep updating");
    // The next good collection clears it.
    feed(&mut s, Ok(snapshot()));
    assert!(s.section_status(Section::Lambda).error.is_none());
}

#[test]
fn a_failed_collection_keeps_every_figure_and_says_why() {
    let mut s = state();
    feed(&mut s, Err(SourceError::Throttled { operation: "GetCurrentMetricData".into() }));
    assert_eq!(s.snapshot.connect.queues.len(), 4);
    assert_eq!(s.section_status(Section::Queues).error.as_deref(), Some("GetCurrentMetricData: throttled"));
    assert!(matches!(s.feed.error, Some(SourceError::Throttled { .. })));
    assert!(!s.alerts.is_empty(), "alerts stay up while the source is failing");
}

#[test]
fn page_down_moves_by_the_visible_height() {
    let mut s = State::new(Thresholds::default(), 10);
    s.size = (80, 24);
    let mut snap = snapshot();
    snap.connect.queues = (0..100)
        .map(|i| Queue { name: format!("q{i:03}"), agents_online: 1, ..Default::default() })
        .collect();
    feed(&mut s, Ok(snap));
    press(&mut s, code(KeyCode::PageDown));
    let page = s.table(PaneId::QUEUES).selected;
    assert!(page > 5 && page < 24, "a page is the visible rows, got {page}");
    for _ in 0..20 {
        press(&mut s, code(KeyCode::PageDown));
    }
    let t = s.table(PaneId::QUEUES);
    assert_eq!(t.selected, 99);
    assert!(t.offset + page >= 99 && t.offset <= 99, "the selection is on screen");
}

#[test]
fn zoom_toggles_and_escape_leaves_it() {
    let mut s = state();
    press(&mut s, k('z'));
    assert!(s.zoom);
    press(&mut s, code(KeyCode::Esc));
    assert!(!s.zoom);
}

#[test]
fn mouse_clicks_focus_tabs_and_select_rows_only_when_enabled() {
    let mut s = state();
    let click = |s: &mut State, column, row| {
        let ev = Mouse { kind: MouseKind::Click, column, row };
        update(s, Msg::Mouse(ev), &keymap());
    };
    let tabs = crate::app::geometry::tabs(&s, 80);
    let lambda_x = tabs.iter().find(|t| t.pane() == Some(PaneId::LAMBDA)).map(|t| t.x).unwrap();
    click(&mut s, lambda_x, 0);
    assert_eq!(s.focus, PaneId::QUEUES, "mouse off: clicks are the terminal's");
    s.mouse = true;
    click(&mut s, lambda_x + 2, 0);
    assert_eq!(s.focus, PaneId::LAMBDA);
    click(&mut s, 1, 0);
    assert_eq!(s.focus, PaneId::QUEUES);
    // Third data row of the queues table.
    let screen = crate::app::geometry::screen(crate::app::geometry::area(s.size), &s);
    let rect = screen.pane_rect(PaneId::QUEUES).unwrap();
    let rows = crate::app::geometry::body(PaneId::QUEUES, rect, &s).rows;
    click(&mut s, rows.x + 3, rows.y + 2);
    assert_eq!(s.table(PaneId::QUEUES).selected, 2);
    let wheel = Mouse { kind: MouseKind::ScrollDown, column: rows.x, row: rows.y };
    update(&mut s, Msg::Mouse(wheel), &keymap());
    assert_eq!(s.table(PaneId::QUEUES).selected, 3);
}

#[test]
fn read_only_only_gets_stricter() {
    let mut s = state();
    assert!(!s.read_only);
    press(&mut s, k(':'));
    typed(&mut s, "ro");
    press(&mut s, code(KeyCode::Enter));
    assert!(s.read_only);
}

#[test]
fn every_binding_of_the_shipped_keymaps_is_safe_in_every_mode() {
    for name in Keymap::available() {
        let map = Keymap::load(&name, None).unwrap();
        for binding in &map.bindings {
            for setup in [&[][..], &[k('?')][..], &[k('/')][..], &[k(':')][..]] {
                let mut s = state();
                for key in setup {
                    update(&mut s, Msg::Key(*key), &map);
                }
                for key in &binding.keys {
                    update(&mut s, Msg::Key(*key), &map);
                }
            }
        }
    }
}

#[test]
fn ctrl_c_quits_even_from_a_prompt_with_the_default_keymap() {
    let map = Keymap::load("default", None).unwrap();
    let mut s = state();
    update(&mut s, Msg::Key(Key::new(KeyCode::Char('/'), KeyModifiers::NONE)), &map);
    let fx = update(&mut s, Msg::Key(Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL)), &map);
    assert_eq!(fx, vec![Effect::Quit]);
}

#[test]
fn quitting_with_a_command_running_asks_twice() {
    use crate::app::jobs::{JobOrigin, LiveJob, RemoteJob};
    let mut s = State::new(Thresholds::default(), 10);
    let id = s.new_job_id();
    let job = RemoteJob {
        id,
        action: crate::source::RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() },
        targets: vec![],
        runbook: None,
    };
    s.jobs.insert(id, LiveJob::new(job, JobOrigin::Restart, Timestamp::default()));
    assert!(press(&mut s, k('q')).is_empty());
    assert!(s.message.as_ref().is_some_and(|m| m.text.contains("press again")));
    assert_eq!(press(&mut s, k('q')), vec![Effect::Quit]);
    // Another key in between disarms it.
    let mut s2 = s.clone();
    s2.quit_armed = false;
    press(&mut s2, k('q'));
    press(&mut s2, k('1'));
    assert!(press(&mut s2, k('q')).is_empty());
}

#[test]
fn an_audit_write_failure_switches_to_read_only() {
    let km = keymap();
    let mut s = State::new(Thresholds::default(), 10);
    update(&mut s, Msg::Audited(Err("disk full".into())), &km);
    assert!(s.read_only);
    assert!(s.message.as_ref().is_some_and(|m| m.error && m.text.contains("disk full")));
}

/// With several feeds (the AWS parts), the re-check after a restart is judged only once every
/// feed has answered after the restart: the first to answer (ping) composes a snapshot whose
/// service states are still those from before it. A feed collecting when the re-check is asked
/// for owes two answers (the one under way may predate the restart) and asks for the second.
#[test]
fn a_recheck_on_several_feeds_waits_until_every_feed_answered_after_the_action() {
    use crate::app::dialog::Button;
    use crate::app::guide;
    use crate::app::state::{Popup, SourceAge};
    use crate::runbook::{Origin, Outcome, parse};
    use crate::source::{CommandId, CommandStatus, Invocation};
    let src = "id = \"bridge\"\ntitle = \"Bridge\"\nsummary = \"s\"\n\
        [[steps]]\nid = \"running\"\ntitle = \"runs\"\nkind = \"check\"\ncheck = \"service\"\nservice = \"NexTalk Chat Bridge\"\n\
        [[steps]]\nid = \"restart\"\ntitle = \"restart\"\nkind = \"action\"\naction = \"restart_service\"\n\
        service = \"NexTalk Chat Bridge\"\non = \"failed\"\nverifies = \"running\"\n";
    let rb =
        parse(std::path::Path::new("bridge.toml"), src, Origin::Shipped("bridge.toml")).expect("runbook");
    let mut s = state();
    s.library = vec![rb];
    s.sources = ["metrics", "queues", "ping", "services"]
        .iter()
        .map(|l| SourceAge { label: l.to_string(), last_ok: None, failing: false })
        .collect();
    let mut fx = Vec::new();
    guide::start(&mut s, 0, &mut fx);
    let Some(Popup::Confirm(dialog)) = s.popups.last().cloned() else { panic!("{:?}", s.popup_kinds()) };
    s.popups.pop();
    guide::answer_dialog(&mut s, dialog, Button::Run, &mut fx);
    let job = s.guide.as_ref().and_then(|g| g.in_flight.first().copied()).expect("the restart in flight");
    // The services feed is collecting (from before the restart ended) when the re-check asks.
    update(&mut s, Msg::Collecting { feed: 3 }, &keymap());
    let done = Invocation {
        command_id: CommandId("cmd-1".into()),
        server: "nt-a".into(),
        status: CommandStatus::Success,
        response_code: Some(0),
        stdout: "NexTalk Chat Bridge|Running\r\n".into(),
        stderr: String::new(),
        stdout_truncated: false,
        stderr_truncated: false,
    };
    let fx = update(&mut s, Msg::RemoteEnded { job, result: Ok(vec![done]) }, &keymap());
    assert!(fx.contains(&Effect::RefreshNow), "{fx:?}");
    let rechecked =
        |s: &State| s.guide.as_ref().map_or(0, |g| g.run.records().iter().filter(|r| r.step == 0).count());
    assert_eq!(rechecked(&s), 1, "the first check only");
    let answer = |s: &mut State, index: usize, bridge: ServiceStatus| {
        let mut fx = update(s, Msg::SourceAnswered { index, ok: true, at: s.now }, &keymap());
        let mut snap = snapshot();
        snap.nextalk.servers[0].services[1].status = bridge;
        fx.extend(feed(s, Ok(snap)));
        fx
    };
    // Ping, metrics and queues answer: their snapshots still carry the stopped bridge.
    for feed in [2, 0, 1] {
        answer(&mut s, feed, ServiceStatus::Stopped);
        assert_eq!(rechecked(&s), 1, "judged before feed 3 answered after the restart");
    }
    // The services answer that was under way: it may predate the restart, so one more.
    let fx = answer(&mut s, 3, ServiceStatus::Stopped);
    assert!(fx.contains(&Effect::RefreshNow), "the services feed is asked again: {fx:?}");
    assert_eq!(rechecked(&s), 1);
    answer(&mut s, 3, ServiceStatus::Running);
    let records: Vec<Outcome> = s
        .guide
        .as_ref()
        .map(|g| g.run.records().iter().filter(|r| r.step == 0).map(|r| r.outcome).collect())
        .unwrap_or_default();
    assert_eq!(records, [Outcome::Fail, Outcome::Pass], "the re-check on the fresh services");
}

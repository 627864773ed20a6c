//! The layouts and the tab bar with more panes than the six built-in ones: Part B's presets
//! and config panes bring a dozen and more, so every pane must stay reachable at 80x24 and be
//! placed in the grids.

use crate::app::geometry::{self, TabTarget};
use crate::app::panes::{self, PaneId, PaneSpec};
use crate::app::{Msg, State, update};
use crate::keymap::Keymap;
use crate::model::{Thresholds, Timestamp};
use crate::source::sim::{Scenario, SimParams, Simulator};
use crate::theme::Theme;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::time::Duration;

/// A built-in pane's spec constructor.
type SpecFn = fn() -> PaneSpec;

/// The built-in panes plus six copies of data panes under new names: 13 in all, 12 in the
/// grids.
fn many_panes() -> Vec<PaneSpec> {
    let mut all = panes::builtin();
    let extra: [(SpecFn, &str); 6] = [
        (panes::queues::spec, "Queues B"),
        (panes::lambda::spec, "Lambda B"),
        (panes::kinesis::spec, "Kinesis B"),
        (panes::dynamodb::spec, "DynamoDB B"),
        (panes::queues::spec, "Queues C"),
        (panes::lambda::spec, "Lambda C"),
    ];
    for (i, (spec, title)) in extra.into_iter().enumerate() {
        let mut p = spec();
        p.key = title.to_lowercase().replace(' ', "-");
        p.title = title.into();
        p.focus = None;
        p.grid_rank = 10 + i as u16;
        all.push(p);
    }
    all
}

fn state(size: (u16, u16)) -> State {
    let mut s = State::with_panes(Thresholds::default(), 30, many_panes());
    s.size = size;
    let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 7));
    sim.advance_to(Duration::from_secs(150));
    let at = Timestamp::from_secs(1_000);
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(sim.snapshot())), at }, &Keymap::default());
    s
}

fn screen_text(s: &State) -> Vec<String> {
    let (w, h) = s.size;
    let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
    term.draw(|f| crate::ui::draw(f, s, &Theme::plain(), &Keymap::default())).unwrap();
    let buf = term.backend().buffer().clone();
    (0..h).map(|y| (0..w).map(|x| buf[(x, y)].symbol()).collect()).collect()
}

#[test]
fn at_80_columns_the_tab_bar_scrolls_to_the_focus_and_says_what_is_off_screen() {
    let mut s = state((80, 24));
    assert_eq!(s.panes.len(), 13);
    for _ in 0..s.panes.len() {
        let tabs = geometry::tabs(&s, 80);
        let end = tabs.last().map(|t| t.x + t.label.chars().count() as u16).unwrap();
        assert!(end <= 80, "the bar fits: ends at {end}");
        assert!(tabs.iter().any(|t| t.pane() == Some(s.focus)), "the focused tab is shown");
        let shown = tabs.iter().filter(|t| t.pane().is_some()).count();
        let hidden: usize = tabs
            .iter()
            .map(|t| match t.target {
                TabTarget::More { count, .. } => count,
                TabTarget::Pane(_) => 0,
            })
            .sum();
        assert_eq!(shown + hidden, 13, "every pane is either on the bar or counted by a marker");
        assert!(hidden > 0, "13 tabs cannot all fit in 80 columns");
        // What the screen shows is what the geometry says.
        let top = screen_text(&s).remove(0);
        for t in &tabs {
            assert!(top.contains(&t.label), "{:?} not in {top:?}", t.label);
        }
        s.focus = s.next_pane(s.focus);
    }
}

#[test]
fn a_click_on_a_marker_focuses_the_nearest_pane_off_screen() {
    let mut s = state((80, 24));
    s.focus = PaneId(12);
    let tabs = geometry::tabs(&s, 80);
    let marker = tabs.first().unwrap();
    let TabTarget::More { nearest, count } = marker.target else { panic!("no left marker: {tabs:?}") };
    assert!(marker.label.starts_with('‹') && marker.label.contains(&count.to_string()), "{}", marker.label);
    assert_eq!(geometry::tab_at(&s, 80, marker.x), Some(nearest));
    assert!(nearest < s.focus);
    assert!(!tabs.iter().any(|t| t.pane() == Some(nearest)), "the nearest hidden pane is hidden");
}

#[test]
fn the_grids_place_every_pane() {
    // The large grid shows them all; the medium one a page of six (the focus's), so a walk
    // with Tab shows every one.
    for (size, grid_panes) in [((200, 60), 13), ((120, 36), geometry::MEDIUM_PAGE)] {
        let mut s = state(size);
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..s.panes.len() {
            let screen = geometry::screen(geometry::area(size), &s);
            seen.extend(screen.panes.iter().map(|(p, _)| *p));
            s.focus = s.next_pane(s.focus);
        }
        assert_eq!(seen.len(), 13, "{size:?}: every pane is placed on some page");
        let s = state(size);
        let screen = geometry::screen(geometry::area(size), &s);
        assert_eq!(screen.panes.len(), grid_panes, "{size:?}");
        // No two panes overlap, and every one is inside the screen.
        for (i, (_, a)) in screen.panes.iter().enumerate() {
            assert!(a.right() <= size.0 && a.bottom() <= size.1 && a.height >= 3, "{size:?} {a:?}");
            for (_, b) in &screen.panes[i + 1..] {
                assert!(a.intersection(*b).is_empty(), "{size:?}: {a:?} overlaps {b:?}");
            }
        }
        let text = screen_text(&s).join("\n");
        for (pane, _) in &screen.panes {
            let title = format!(" {} (", s.pane(*pane).title);
            assert!(text.contains(&title), "{size:?}: {title:?} is not drawn");
        }
    }
}

/// The incident timeline shows its newest events and says how many earlier ones it leaves out.
#[test]
fn the_incident_timeline_counts_the_events_it_leaves_out() {
    use crate::app::incident::IncidentReply;
    use crate::incident::{Clock, Event, EventKind};
    use crate::keymap::{Key, KeyCode, KeyModifiers};
    let keymap = Keymap::load("default", None).unwrap();
    let mut s = State::new(Thresholds::default(), 10);
    s.size = (80, 24);
    let key = |s: &mut State, c: KeyCode| update(s, Msg::Key(Key::new(c, KeyModifiers::NONE)), &keymap);
    key(&mut s, KeyCode::Char('I'));
    for c in "drill".chars() {
        key(&mut s, KeyCode::Char(c));
    }
    key(&mut s, KeyCode::Enter);
    let events: Vec<Event> = (0..40)
        .map(|i| {
            Event::at(
                Timestamp::from_secs(1000 + i),
                Clock::Simulated,
                "alice",
                EventKind::Note { text: format!("note {i}") },
            )
        })
        .collect();
    let reply = IncidentReply::Declared(Ok(("INC-20261122-001".into(), events)), None);
    update(&mut s, Msg::Incident(reply), &keymap);
    let draw = |s: &State| {
        let mut terminal = Terminal::new(TestBackend::new(80, 24)).unwrap();
        terminal
            .draw(|f| crate::ui::draw(f, s, &Theme::resolve("dark", None, false).unwrap(), &keymap))
            .unwrap();
        let buf = terminal.backend().buffer().clone();
        (0..24)
            .map(|y| (0..80).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>() + "\n")
            .collect::<String>()
    };
    let screen = draw(&s);
    assert!(screen.contains("note 39") && !screen.contains("note 0 "), "{screen}");
    // 24 rows: tabs and status outside, two borders, the title line: 19 events in view.
    assert!(screen.contains("+21 earlier ↑"), "{screen}");
    key(&mut s, KeyCode::Char('k'));
    assert!(draw(&s).contains("+20 ↑ +1 ↓"), "{}", draw(&s));
}

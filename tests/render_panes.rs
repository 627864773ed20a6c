//! A data-defined pane (`[[panes]]` in the config) drawn like a built-in one: its tab, its
//! rows with their figures in their limits' colours, `?` for a figure without a datapoint,
//! the alert it raises, and the detail view with its limits and chart.

#[path = "support/fixture.rs"]
mod fixture;

use crossterm::event::{KeyCode, KeyModifiers};
use fixture::{find, keymap, text, theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};
use std::path::Path;
use std::sync::Arc;
use switchboard::app::panes::with_defined;
use switchboard::app::{Msg, State, update};
use switchboard::config::Config;
use switchboard::keymap::Key;
use switchboard::model::{Thresholds, Timestamp};
use switchboard::source::sim::{Scenario, SimParams, Simulator};

/// The CRM API pane of the config and live tests, on the team's own namespace (one the demo's
/// estate does not model: the generic model gives the glob its two demo rows), and a canary.
fn config() -> String {
    let crm = include_str!("fixtures/panes/crm-api.toml").replace("\"AWS/ApiGateway\"", "\"PEGA/CRM\"");
    format!("{crm}{CANARY}")
}

const CANARY: &str = r#"
[[panes]]
id = "crm-canary"
title = "CRM canary"
namespace = "CloudWatchSynthetics"
row_dimension = "CanaryName"
rows = ["pega-health"]
[[panes.columns]]
label = "success"
metric = "SuccessPercent"
stat = "Average"
unit = "pct"
below = true
warn = 99
crit = 90
"#;

fn render(state: &State) -> Buffer {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| switchboard::ui::draw(f, state, &theme(), &keymap())).unwrap();
    terminal.backend().buffer().clone()
}

fn press(s: &mut State, c: KeyCode) {
    update(s, Msg::Key(Key::new(c, KeyModifiers::NONE)), &keymap());
}

/// The demo with the config pane, 5 snapshots a minute apart; in the last three pega-prod
/// returns 12 5xx a minute (past crit 10) and pega-uat's p99 has no datapoint.
fn console((w, h): (u16, u16)) -> State {
    let cfg = Config::from_str(Path::new("c.toml"), &config()).unwrap();
    let mut s = State::with_panes(Thresholds::default(), 30, with_defined(&cfg.panes));
    s.size = (w, h);
    s.theme_name = "test".into();
    let params = SimParams {
        panes: cfg.panes.iter().cloned().map(Arc::new).collect(),
        ..SimParams::with_scenario(Scenario::Calm, 3)
    };
    let mut sim = Simulator::new(params);
    for i in 0..5u64 {
        sim.advance_to(std::time::Duration::from_secs(60 * (i + 1)));
        let mut snap = sim.snapshot();
        if i >= 2 {
            let pane = &mut snap.panes[0];
            assert_eq!(pane.rows[0].name, "pega-prod");
            pane.rows[0].values[0] = Some(12.0);
            pane.rows[1].values[1] = None;
        }
        let at = Timestamp::from_secs(1_000 + i * 60);
        update(&mut s, Msg::Telemetry { result: Ok(Box::new(snap)), at }, &keymap());
    }
    s
}

#[track_caller]
fn assert_shows(buf: &Buffer, needle: &str) {
    assert!(find(buf, needle).is_some(), "expected {needle:?} on screen:\n{}", text(buf));
}

/// The style of the first cell of `needle` on the line that also holds `row`.
#[track_caller]
fn cell_on_row<'a>(buf: &'a Buffer, row: &str, needle: &str) -> &'a ratatui::buffer::Cell {
    let (x0, y) = find(buf, row).unwrap_or_else(|| panic!("{row:?} not on screen:\n{}", text(buf)));
    let line: Vec<&str> = (0..buf.area.width).map(|x| buf[(x, y)].symbol()).collect();
    let joined: String = line.concat();
    let byte =
        joined[..].match_indices(needle).map(|(i, _)| i).find(|&i| joined[..i].chars().count() as u16 > x0);
    let byte = byte.unwrap_or_else(|| panic!("{needle:?} not after {row:?}: {joined}"));
    let x = joined[..byte].chars().count() as u16;
    &buf[(x, y)]
}

#[test]
fn the_config_pane_is_a_tab_and_a_grid_pane_with_its_rows_and_figures() {
    let s = console((200, 60));
    let buf = render(&s);
    assert_shows(&buf, "CRM API");
    assert_shows(&buf, "ApiName");
    // The figure past its crit limit is drawn in the crit colour, bold.
    let twelve = cell_on_row(&buf, "pega-prod", "12");
    assert_eq!(twelve.fg, Color::Red, "12 5xx > crit 10:\n{}", text(&buf));
    assert!(twelve.modifier.contains(Modifier::BOLD));
    // No datapoint: a question mark in the unknown colour, never a 0.
    let unknown = cell_on_row(&buf, "pega-uat", "?");
    assert_eq!(unknown.fg, Color::Magenta, "{}", text(&buf));
    // The alert names the pane, the row and the limit, like a built-in one.
    assert_shows(&buf, "CRM API pega-prod");
    assert_shows(&buf, "5xx 12 > 10");
}

#[test]
fn the_detail_view_of_a_config_row_shows_limits_and_the_column_chart() {
    let mut s = console((120, 40));
    let pane = s.pane_named("crm-api").expect("the config pane is in the list");
    s.focus = pane;
    // Worst first: the crit row is selected.
    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    assert_shows(&buf, "CRM API pega-prod");
    assert_shows(&buf, "5xx (5XXError Sum)");
    assert_shows(&buf, "warn 0 · crit 10");
    assert_shows(&buf, "warn 1s · crit 3s");
    assert_shows(&buf, "ApiName=pega-prod, Stage=prod");
    // The chart leads with the column that makes the row red, over its 5 samples.
    assert_shows(&buf, "5xx: now 12, last 5 samples");
}

#[test]
fn at_80x24_the_config_pane_is_reachable_by_tab_and_by_name() {
    let mut s = console((80, 24));
    let target = s.pane_named("crm-api").unwrap();
    let mut presses = 0;
    while s.focus != target && presses < s.panes.len() {
        press(&mut s, KeyCode::Tab);
        presses += 1;
    }
    assert_eq!(s.focus, target, "Tab reaches the config pane");
    let buf = render(&s);
    assert_shows(&buf, "CRM API");
    assert_shows(&buf, "pega-prod");
}

#[test]
fn each_config_pane_has_its_own_health_though_they_share_a_section() {
    let s = console((200, 60));
    let api = s.pane_named("crm-api").unwrap();
    let canary = s.pane_named("crm-canary").unwrap();
    assert_eq!(s.pane_level(api), switchboard::model::Level::Crit);
    assert_eq!(
        s.pane_level(canary),
        switchboard::model::Level::Ok,
        "the canary is fine: its tab must say so"
    );
    let buf = render(&s);
    assert_shows(&buf, "✖ CRM API");
    assert_shows(&buf, "✓ CRM canary");
}

/// The demo with every shipped preset, as `demo` runs it: at 200x60 each preset pane is on
/// screen, the Direct Connect link that is down is drawn crit, and its alert names the limit.
#[test]
fn every_preset_pane_is_on_the_200x60_screen_and_a_down_link_is_red() {
    let presets = switchboard::config::presets::all_with(&[], None).expect("shipped presets");
    let mut s = State::with_panes(Thresholds::default(), 30, with_defined(&presets));
    s.size = (200, 60);
    s.theme_name = "test".into();
    let params = SimParams {
        panes: presets.iter().cloned().map(Arc::new).collect(),
        ..SimParams::with_scenario(Scenario::DirectConnectDown, 1)
    };
    let mut sim = Simulator::new(params);
    for i in 0..4u64 {
        sim.advance_to(std::time::Duration::from_secs(300 + 60 * i));
        let at = Timestamp::from_secs(1_000 + i * 60);
        update(&mut s, Msg::Telemetry { result: Ok(Box::new(sim.snapshot())), at }, &keymap());
    }
    let buf = render(&s);
    for p in &presets {
        assert_shows(&buf, &format!(" {} (", p.title));
    }
    let state = cell_on_row(&buf, "dxcon-fh6ayh1d", "0");
    assert_eq!(state.fg, Color::Red, "the link's state 0 < 0.5 is crit:\n{}", text(&buf));
    assert_shows(&buf, "state 0 < 0.5");
    // The healthy link beside it is not.
    assert_ne!(cell_on_row(&buf, "dxcon-fgq9x2kt", "1").fg, Color::Red);
    // Its detail view names the real metric and dimension.
    let dx = s.pane_named("dx").expect("the preset pane");
    s.focus = dx;
    s.size = (120, 40);
    press(&mut s, KeyCode::Enter);
    let buf = render(&s);
    assert_shows(&buf, "state (ConnectionState Minimum)");
    assert_shows(&buf, "ConnectionId=dxcon-fh6ayh1d");
}

#[test]
fn a_pane_whose_rows_were_capped_says_how_many_it_did_not_read() {
    let mut s = console((200, 60));
    assert!(find(&render(&s), "unread").is_none(), "every row read: no count");
    let mut snap = s.snapshot.clone();
    snap.panes[0].unread = 37;
    let at = Timestamp::from_secs(1_000 + 5 * 60);
    update(&mut s, Msg::Telemetry { result: Ok(Box::new(snap)), at }, &keymap());
    let buf = render(&s);
    assert_shows(&buf, "CRM API");
    assert_shows(&buf, "(2) +37 unread");
}

//! Mouse: click a tab or pane to focus it, click a row to select it, wheel to move. Hit tests
//! use the same geometry the drawing uses.

use crate::app::msg::{Mouse, MouseKind};
use crate::app::state::{Popup, State, window};
use crate::app::{geometry, help};
use crate::keymap::{Action, Keymap};
use ratatui::layout::Position;

/// Rows moved per wheel notch.
const WHEEL_STEP: usize = 3;

/// Returns whether anything changed.
pub fn on_mouse(state: &mut State, keymap: &Keymap, ev: Mouse) -> bool {
    let at = Position::new(ev.column, ev.row);
    let screen = geometry::screen(geometry::area(state.size), state);
    let pane_at = screen.panes.iter().find(|(_, r)| r.contains(at)).map(|(p, _)| *p);
    match ev.kind {
        MouseKind::Click => {
            // Overlays are modal: clicks behind them do nothing.
            if !state.popups.is_empty() {
                return false;
            }
            if screen.tabs.contains(at) {
                return match geometry::tab_at(state, screen.tabs.width, ev.column) {
                    Some(p) => {
                        state.focus = p;
                        true
                    }
                    None => false,
                };
            }
            if let Some(alerts) = state.alerts_pane().filter(|_| screen.strip.is_some_and(|r| r.contains(at)))
            {
                state.focus = alerts;
                return true;
            }
            let Some((pane, rect)) = screen.panes.iter().copied().find(|(_, r)| r.contains(at)) else {
                return false;
            };
            state.focus = pane;
            let rows = geometry::body(pane, rect, state).rows;
            if rows.contains(at) {
                let t = state.table(pane);
                let first = window(t.selected, t.offset, rows.height as usize, t.rows.len());
                let index = first + (ev.row - rows.y) as usize;
                if index < t.rows.len() {
                    state.table_mut(pane).selected = index;
                }
            }
            true
        }
        MouseKind::ScrollDown | MouseKind::ScrollUp => {
            let down = ev.kind == MouseKind::ScrollDown;
            if let Some(Popup::Log(session)) = state.popups.last_mut() {
                let action = if down { Action::Down } else { Action::Up };
                for _ in 0..WHEEL_STEP {
                    session.view.handle(action);
                }
                return true;
            }
            if let Some(Popup::Help { scroll }) = state.popups.last_mut() {
                let max = help::line_count(keymap).saturating_sub(1);
                *scroll =
                    if down { (*scroll + WHEEL_STEP).min(max) } else { scroll.saturating_sub(WHEEL_STEP) };
                return true;
            }
            // The wheel moves the pane under the pointer, as in most terminal apps.
            let pane = pane_at.unwrap_or(state.focus);
            let t = state.table_mut(pane);
            if t.rows.is_empty() {
                return false;
            }
            let last = t.rows.len() - 1;
            t.selected = if down {
                (t.selected + WHEEL_STEP).min(last)
            } else {
                t.selected.saturating_sub(WHEEL_STEP)
            };
            true
        }
    }
}

//! Drawing: one file per pane view or popup, each a pure function of `&State`. No I/O, no
//! awaits, nothing recorded, and only the rows on screen are turned into widgets. A pane that
//! is only its declared table (`View::Table`) needs no file here.

pub mod alerts;
pub mod cells;
pub mod command_text;
pub mod confirm;
pub mod connect;
pub mod detail;
pub mod fit;
pub mod flags;
pub mod help;
pub mod incident;
pub mod log;
pub mod nextalk;
pub mod pane_frame;
pub mod picker;
pub mod runbook;
pub mod session_audit;
pub mod status;
pub mod tabs;
pub mod wrap;

use crate::app::panes::{PaneId, View};
use crate::app::{Popup, State, geometry};
use crate::keymap::Keymap;
use crate::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::widgets::Block;

/// One whole frame.
pub fn draw(frame: &mut Frame, state: &State, theme: &Theme, keymap: &Keymap) {
    let area = frame.area();
    frame.render_widget(Block::default().style(theme.style(Role::Text)), area);
    let screen = geometry::screen(area, state);
    tabs::draw(frame, screen.tabs, state, theme);
    if let Some(strip) = screen.strip {
        alerts::draw_strip(frame, strip, state, theme);
    }
    for (pane, rect) in &screen.panes {
        draw_pane(frame, *pane, *rect, state, theme);
    }
    status::draw(frame, screen.status, state, theme, keymap);
    for popup in &state.popups {
        match popup {
            Popup::Help { .. } => help::draw(frame, area, state, theme, keymap),
            Popup::Detail => detail::draw(frame, area, state, theme),
            Popup::Picker { .. } => picker::draw(frame, area, state, theme),
            Popup::Runbook => runbook::draw(frame, area, state, theme),
            Popup::Confirm(dialog) => confirm::draw(frame, area, dialog, state, theme),
            Popup::Audit { .. } => session_audit::draw(frame, area, state, theme),
            Popup::Log(session) => log::draw(frame, area, session, theme),
            Popup::Incident { .. } => incident::draw(frame, area, state, theme),
            Popup::Flags(view) => flags::draw(frame, area, view, state, theme),
        }
    }
}

/// One pane, by its view.
pub fn draw_pane(frame: &mut Frame, pane: PaneId, rect: ratatui::layout::Rect, state: &State, theme: &Theme) {
    match state.pane(pane).view {
        View::Table => {
            let body = pane_frame::draw(frame, pane, rect, state, theme);
            pane_frame::table(frame, state, pane, &body, theme);
        }
        View::Quotas => connect::draw(frame, pane, rect, state, theme),
        View::Failover => nextalk::draw(frame, pane, rect, state, theme),
        View::Alerts => alerts::draw(frame, pane, rect, state, theme),
    }
}

#[cfg(test)]
mod tests;

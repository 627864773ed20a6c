//! Alerts: what is red, since when and why. A full pane (grid, or when focused) and a short
//! strip above the single pane of the compact layout.

use crate::app::State;
use crate::app::panes::PaneId;
use crate::model::{Level, age};
use crate::theme::{Role, Theme};
use crate::ui::cells::{level_style, mark_span};
use crate::ui::fit::fit;
use crate::ui::pane_frame;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use unicode_width::UnicodeWidthStr;

pub fn draw(frame: &mut Frame, pane: PaneId, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, pane, rect, state, theme);
    if state.alerts.is_empty() {
        let ok = Line::from(vec![mark_span(theme, Level::Ok), Span::raw(" nothing is red")]);
        frame.render_widget(Paragraph::new(ok), body.rows);
        return;
    }
    pane_frame::table(frame, state, pane, &body, theme);
}

/// The worst few alerts, one line each, above the focused pane.
pub fn draw_strip(frame: &mut Frame, rect: Rect, state: &State, theme: &Theme) {
    let shown = (rect.height as usize).saturating_sub(1);
    let n = state.alerts.len();
    let title = if n > shown {
        format!(" Alerts {n} ({shown} shown, all: alerts pane) ")
    } else {
        format!(" Alerts {n} ")
    };
    let block = Block::default()
        .borders(Borders::TOP)
        .border_style(theme.style(Role::Border))
        .title(Span::styled(title, theme.style(Role::Title)));
    let lines: Vec<Line> = if n == 0 {
        vec![Line::from(vec![mark_span(theme, Level::Ok), Span::raw(" nothing is red")])]
    } else {
        state
            .alerts
            .iter()
            .take(shown)
            .map(|a| {
                // One line each, cut with `…` when the reason does not fit.
                let head = format!(" {:>6} {}: ", age(state.now, Some(a.since)), a.what);
                let room = (rect.width as usize).saturating_sub(1);
                let head = fit(&head, room);
                let reason = fit(&a.reason, room.saturating_sub(head.width()));
                Line::from(vec![
                    mark_span(theme, a.severity),
                    Span::raw(head),
                    Span::styled(reason, level_style(theme, a.severity)),
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

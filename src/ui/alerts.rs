//! Alerts: what is red, since when and why. A full pane (grid, or when focused) and a short
//! strip above the single pane of the compact layout.

use crate::app::{Pane, State};
use crate::model::Level;
use crate::model::age;
use crate::theme::{Role, Theme};
use crate::ui::cells::{level_style, mark, mark_span};
use crate::ui::pane_frame::{self, Column, selected_in_slice, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph};

pub fn draw(frame: &mut Frame, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, Pane::Alerts, rect, state, theme);
    let (first, count) = visible(state, Pane::Alerts, &body);
    if state.alerts.is_empty() {
        let ok = Line::from(vec![mark_span(theme, Level::Ok), Span::raw(" nothing is red")]);
        frame.render_widget(Paragraph::new(ok), body.rows);
        return;
    }
    let rows = state.table(Pane::Alerts).rows[first..first + count]
        .iter()
        .filter_map(|r| state.alerts.get(r.item))
        .map(|a| {
            vec![
                mark(theme, a.severity),
                Cell::from(a.what.clone()),
                Cell::from(a.reason.clone()).style(level_style(theme, a.severity)),
                Cell::from(age(state.now, Some(a.since))),
            ]
        })
        .collect();
    let columns = [
        Column::new("", Constraint::Length(1)),
        Column::new("What", Constraint::Fill(2)),
        Column::new("Why", Constraint::Fill(3)),
        Column::new("Since", Constraint::Length(6)),
    ];
    let selected = selected_in_slice(state, Pane::Alerts, first, count);
    pane_frame::table(frame, &body, &columns, rows, selected, theme);
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
                Line::from(vec![
                    mark_span(theme, a.severity),
                    Span::raw(format!(" {:>6} ", age(state.now, Some(a.since)))),
                    Span::raw(format!("{}: ", a.what)),
                    Span::styled(a.reason.clone(), level_style(theme, a.severity)),
                ])
            })
            .collect()
    };
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}

//! Queues: who is waiting, for how long, and who could answer. Worst first by default.

use crate::app::{Pane, State};
use crate::model::{MetricId, Section};
use crate::theme::{Role, Theme};
use crate::ui::cells::{figure, mark, trend};
use crate::ui::pane_frame::{self, Column, name_column, selected_in_slice, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

const TREND: usize = 8;

pub fn draw(frame: &mut Frame, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, Pane::Queues, rect, state, theme);
    let (first, count) = visible(state, Pane::Queues, &body);
    let t = &state.thresholds;
    let queues = &state.snapshot.connect.queues;
    let rows = state.table(Pane::Queues).rows[first..first + count]
        .iter()
        .filter_map(|r| queues.get(r.item))
        .map(|q| {
            let health = state.assessment.row(Section::Queues, &q.name);
            let waiting = q.contacts_in_queue as f64;
            let oldest = match q.oldest_contact_age_s {
                Some(age) => figure(
                    theme,
                    MetricId::OldestContactAge.format(age),
                    t.level(MetricId::OldestContactAge, age),
                ),
                None => Cell::from("-"),
            };
            let trend = trend(state, Section::Queues, &q.name, MetricId::ContactsInQueue, TREND);
            vec![
                mark(theme, health.level),
                Cell::from(q.name.clone()),
                figure(theme, q.contacts_in_queue.to_string(), t.level(MetricId::ContactsInQueue, waiting)),
                oldest,
                Cell::from(format!("{}/{}", q.agents_available, q.agents_online)),
                Cell::from(trend).style(theme.style(Role::Muted)),
                Cell::from(health.reason.unwrap_or_default())
                    .style(crate::ui::cells::level_style(theme, health.level)),
            ]
        })
        .collect();
    let wide = body.rows.width >= 56;
    let columns = [
        Column::new("", Constraint::Length(1)),
        name_column(state, Pane::Queues, first, count, "Queue"),
        Column::new("In q", Constraint::Length(4)),
        Column::new("Oldest", Constraint::Length(6)),
        Column::new("Avl/On", Constraint::Length(6)),
        Column::new("Trend", Constraint::Length(TREND as u16)),
        Column::new("Why", Constraint::Fill(1)).when(wide),
    ];
    let selected = selected_in_slice(state, Pane::Queues, first, count);
    pane_frame::table(frame, &body, &columns, rows, selected, theme);
}

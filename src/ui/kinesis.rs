//! Kinesis: consumer lag (iterator age), put latency and throughput exceeded per stream.

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
    let body = pane_frame::draw(frame, Pane::Kinesis, rect, state, theme);
    let (first, count) = visible(state, Pane::Kinesis, &body);
    let t = &state.thresholds;
    let streams = &state.snapshot.kinesis;
    let optional = |metric: MetricId, v: Option<f64>| match v {
        Some(v) => figure(theme, metric.format(v), t.level(metric, v)),
        None => Cell::from("-"),
    };
    let rows = state.table(Pane::Kinesis).rows[first..first + count]
        .iter()
        .filter_map(|r| streams.get(r.item))
        .map(|k| {
            let level = state.assessment.row(Section::Kinesis, &k.name).level;
            let exceeded = k.throughput_exceeded() as f64;
            let trend = trend(state, Section::Kinesis, &k.name, MetricId::IteratorAge, TREND);
            vec![
                mark(theme, level),
                Cell::from(k.name.clone()),
                optional(MetricId::IteratorAge, k.iterator_age_ms),
                optional(MetricId::PutLatency, k.put_latency_ms),
                figure(
                    theme,
                    k.throughput_exceeded().to_string(),
                    t.level(MetricId::ThroughputExceeded, exceeded),
                ),
                Cell::from(k.incoming_records.to_string()),
                Cell::from(trend).style(theme.style(Role::Muted)),
            ]
        })
        .collect();
    let wide = body.rows.width >= 56;
    let columns = [
        Column::new("", Constraint::Length(1)),
        name_column(state, Pane::Kinesis, first, count, "Stream"),
        Column::new("Lag", Constraint::Length(6)),
        Column::new("Put", Constraint::Length(6)),
        Column::new("Exc", Constraint::Length(4)),
        Column::new("Rec/m", Constraint::Length(7)).when(wide),
        Column::new("Trend", Constraint::Length(TREND as u16)),
    ];
    let selected = selected_in_slice(state, Pane::Kinesis, first, count);
    pane_frame::table(frame, &body, &columns, rows, selected, theme);
}

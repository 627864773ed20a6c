//! DynamoDB: consumed against provisioned read/write capacity, and throttling, per table.

use crate::app::{Pane, State};
use crate::model::{MetricId, Section};
use crate::theme::{Role, Theme};
use crate::ui::cells::{figure, mark, pct, trend};
use crate::ui::pane_frame::{self, Column, name_column, selected_in_slice, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

const TREND: usize = 8;

pub fn draw(frame: &mut Frame, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, Pane::DynamoDb, rect, state, theme);
    let (first, count) = visible(state, Pane::DynamoDb, &body);
    let t = &state.thresholds;
    let tables = &state.snapshot.dynamodb;
    let used = |metric: MetricId, p: Option<f64>| match p {
        Some(p) => figure(theme, pct(Some(p)), t.level(metric, p)),
        // On-demand tables have nothing provisioned to run out of.
        None => Cell::from("on-dem").style(theme.style(Role::Muted)),
    };
    let units = |consumed: f64, provisioned: Option<f64>| match provisioned {
        Some(p) => format!("{consumed:.0}/{p:.0}"),
        None => format!("{consumed:.0}"),
    };
    let rows = state.table(Pane::DynamoDb).rows[first..first + count]
        .iter()
        .filter_map(|r| tables.get(r.item))
        .map(|d| {
            let level = state.assessment.row(Section::DynamoDb, &d.name).level;
            let throttles = d.throttles() as f64;
            let trend_metric = if d.provisioned_read.is_some() {
                MetricId::ReadUtilisation
            } else {
                MetricId::ThrottleEvents
            };
            let trend = trend(state, Section::DynamoDb, &d.name, trend_metric, TREND);
            vec![
                mark(theme, level),
                Cell::from(d.name.clone()),
                used(MetricId::ReadUtilisation, d.read_pct()),
                used(MetricId::WriteUtilisation, d.write_pct()),
                Cell::from(units(d.consumed_read, d.provisioned_read)),
                Cell::from(units(d.consumed_write, d.provisioned_write)),
                figure(theme, d.throttles().to_string(), t.level(MetricId::ThrottleEvents, throttles)),
                Cell::from(trend).style(theme.style(Role::Muted)),
            ]
        })
        .collect();
    let wide = body.rows.width >= 64;
    let columns = [
        Column::new("", Constraint::Length(1)),
        name_column(state, Pane::DynamoDb, first, count, "Table"),
        Column::new("Read", Constraint::Length(6)),
        Column::new("Write", Constraint::Length(6)),
        Column::new("RCU", Constraint::Length(9)).when(wide),
        Column::new("WCU", Constraint::Length(9)).when(wide),
        Column::new("Thr", Constraint::Length(4)),
        Column::new("Trend", Constraint::Length(TREND as u16)),
    ];
    let selected = selected_in_slice(state, Pane::DynamoDb, first, count);
    pane_frame::table(frame, &body, &columns, rows, selected, theme);
}

//! Connect: concurrent calls and chats against their quotas, missed and throttled calls,
//! contact-flow errors, each with its limits and trend.

use crate::app::rows::CONNECT_FIGURES;
use crate::app::{Pane, State};
use crate::model::{Level, MetricId, Section};
use crate::theme::{Role, Theme};
use crate::ui::cells::{figure, level_style, mark, trend};
use crate::ui::pane_frame::{self, Column, name_column, selected_in_slice, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, Cell, LineGauge, Sparkline};

const TREND: usize = 12;

/// The current value of one Connect figure.
pub fn value(state: &State, metric: MetricId) -> f64 {
    let c = &state.snapshot.connect;
    match metric {
        MetricId::ConcurrentCallsPct => c.calls_pct(),
        MetricId::ConcurrentChatsPct => c.chats_pct(),
        MetricId::MissedCalls => c.missed_calls as f64,
        MetricId::ThrottledCalls => c.throttled_calls as f64,
        MetricId::ContactFlowErrors => c.contact_flow_errors as f64,
        _ => 0.0,
    }
}

/// A limit as the metric prints it, or `-` when there is none.
pub fn limit(metric: MetricId, v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| metric.format(v))
}

pub fn draw(frame: &mut Frame, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, Pane::Connect, rect, state, theme);
    let c = &state.snapshot.connect;
    let [calls, chats] = Layout::vertical([Constraint::Length(1); 2]).areas(body.top);
    gauge(
        frame,
        calls,
        state,
        theme,
        "Calls",
        c.concurrent_calls,
        c.concurrent_calls_quota,
        MetricId::ConcurrentCallsPct,
    );
    gauge(
        frame,
        chats,
        state,
        theme,
        "Chats",
        c.concurrent_chats,
        c.concurrent_chats_quota,
        MetricId::ConcurrentChatsPct,
    );

    let (first, count) = visible(state, Pane::Connect, &body);
    let t = &state.thresholds;
    // The figure names are long; the trend gives way first.
    let trend_width = if body.rows.width >= 60 { TREND } else { 6 };
    let rows = state.table(Pane::Connect).rows[first..first + count]
        .iter()
        .filter_map(|r| CONNECT_FIGURES.get(r.item).copied())
        .map(|m| {
            let v = value(state, m);
            let level = t.level(m, v);
            let limits = t.get(m);
            let trend = trend(state, Section::Connect, "", m, trend_width);
            vec![
                mark(theme, level),
                Cell::from(m.label()),
                figure(theme, m.format(v), level),
                Cell::from(limit(m, limits.warn)).style(theme.style(Role::Muted)),
                Cell::from(limit(m, limits.crit)).style(theme.style(Role::Muted)),
                Cell::from(trend).style(theme.style(Role::Muted)),
            ]
        })
        .collect();
    let columns = [
        Column::new("", Constraint::Length(1)),
        name_column(state, Pane::Connect, first, count, "Figure"),
        Column::new("Now", Constraint::Length(6)),
        Column::new("Warn", Constraint::Length(5)),
        Column::new("Crit", Constraint::Length(6)),
        Column::new("Trend", Constraint::Length(trend_width as u16)),
    ];
    let selected = selected_in_slice(state, Pane::Connect, first, count);
    pane_frame::table(frame, &body, &columns, rows, selected, theme);

    // Lines the figures leave free carry a larger trend of concurrent calls.
    let used = count as u16 + 1;
    if body.rows.height > used + 3 {
        let area = Rect { y: body.rows.y + used, height: body.rows.height - used, ..body.rows };
        let series = state.history.get(Section::Connect, "", MetricId::ConcurrentCallsPct);
        let data: Vec<u64> =
            series.map(|s| s.iter().map(|v| v.max(0.0).round() as u64).collect()).unwrap_or_default();
        let skip = data.len().saturating_sub(area.width as usize);
        let level = t.level(MetricId::ConcurrentCallsPct, c.calls_pct());
        let spark = Sparkline::default()
            .block(Block::default().borders(Borders::TOP).title("concurrent calls % of quota"))
            .data(&data[skip..])
            .max(100)
            .style(if level == Level::Ok { theme.style(Role::Ok) } else { level_style(theme, level) });
        frame.render_widget(spark, area);
    }
}

#[allow(clippy::too_many_arguments)]
fn gauge(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    theme: &Theme,
    label: &str,
    used: u32,
    quota: u32,
    metric: MetricId,
) {
    let pct = crate::model::pct(used as f64, quota as f64);
    let level = state.thresholds.level(metric, pct);
    let ratio = if pct.is_finite() { (pct / 100.0).clamp(0.0, 1.0) } else { 0.0 };
    let text = format!("{} {label} {used}/{quota} {}", level.symbol(), metric.format(pct));
    let g = LineGauge::default()
        .ratio(ratio)
        .label(text)
        .filled_symbol("█")
        .unfilled_symbol("░")
        .filled_style(level_style(theme, level))
        .unfilled_style(theme.style(Role::Muted));
    frame.render_widget(g, area);
}

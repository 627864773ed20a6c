//! The quotas view (Connect): concurrent calls and chats as gauges over the declared table of
//! figures (`app::panes::connect`), and a larger trend of the worse of the two in the lines
//! the figures leave free.

use crate::app::State;
use crate::app::panes::PaneId;
use crate::model::{Level, MetricId, Section};
use crate::theme::{Role, Theme};
use crate::ui::cells::level_style;
use crate::ui::pane_frame;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::{Block, Borders, LineGauge, Sparkline};

pub fn draw(frame: &mut Frame, pane: PaneId, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, pane, rect, state, theme);
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
    let count = pane_frame::table(frame, state, pane, &body, theme);

    // Lines the figures leave free carry a larger trend of the quota figure that sets the
    // pane's health: chats when they are worse than calls (a red pane over a calm calls chart
    // would point the engineer at the wrong figure), calls otherwise.
    let used = count as u16 + 1;
    if body.rows.height > used + 3 {
        let area = Rect { y: body.rows.y + used, height: body.rows.height - used, ..body.rows };
        let level_of = |pct: Option<f64>, id| pct.map_or(Level::Unknown, |p| state.thresholds.level(id, p));
        let calls =
            (level_of(c.calls_pct(), MetricId::ConcurrentCallsPct), MetricId::ConcurrentCallsPct, "calls");
        let chats =
            (level_of(c.chats_pct(), MetricId::ConcurrentChatsPct), MetricId::ConcurrentChatsPct, "chats");
        let (level, id, what) = if chats.0 > calls.0 { chats } else { calls };
        let series = state.history.get(Section::Connect, "", id);
        let data: Vec<u64> =
            series.map(|s| s.iter().map(|v| v.max(0.0).round() as u64).collect()).unwrap_or_default();
        let skip = data.len().saturating_sub(area.width as usize);
        let title = format!("concurrent {what} % of quota");
        let spark = Sparkline::default()
            .block(Block::default().borders(Borders::TOP).title(title))
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
    let level = pct.map_or(Level::Unknown, |p| state.thresholds.level(metric, p));
    let ratio = pct.filter(|p| p.is_finite()).map_or(0.0, |p| (p / 100.0).clamp(0.0, 1.0));
    // Without a quota there is no share: `?` says so, where 0 % would say "idle".
    let text = match pct {
        Some(p) => format!("{} {label} {used}/{quota} {}", level.symbol(), metric.format(p)),
        None => format!("{} {label} {used}/? quota unknown", level.symbol()),
    };
    let g = LineGauge::default()
        .ratio(ratio)
        .label(text)
        .filled_symbol("█")
        .unfilled_symbol("░")
        .filled_style(level_style(theme, level))
        .unfilled_style(theme.style(Role::Muted));
    frame.render_widget(g, area);
}

//! Connect: the instance-wide figures (concurrent calls and chats against their quotas,
//! missed and throttled calls, contact-flow errors), one row each with its limits and trend.
//! The view adds the quota gauges above and a concurrency chart below.

use crate::app::panes::cells::trend;
use crate::app::panes::{Cell, Column, DetailView, Figure, PaneRows, PaneSpec, View, Width};
use crate::app::rows::RowRef;
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::{Level, MetricId, Section};

/// The instance-wide figures of the Connect pane, one row each.
pub const FIGURES: [MetricId; 5] = [
    MetricId::ConcurrentCallsPct,
    MetricId::ConcurrentChatsPct,
    MetricId::MissedCalls,
    MetricId::ThrottledCalls,
    MetricId::ContactFlowErrors,
];

pub fn spec() -> PaneSpec {
    PaneSpec {
        key: Section::Connect.key().into(),
        title: Section::Connect.title().into(),
        section: Some(Section::Connect),
        focus: Some(Action::PaneConnect),
        // Fixed figures in a fixed order.
        sort_keys: vec![],
        grid_rank: 1,
        view: View::Quotas,
        rows: Box::new(Connect),
    }
}

/// The current value of one Connect figure; `None` when it is not known (a share of an
/// unknown quota) or not one of them.
pub fn value(state: &State, metric: MetricId) -> Option<f64> {
    let c = &state.snapshot.connect;
    match metric {
        MetricId::ConcurrentCallsPct => c.calls_pct(),
        MetricId::ConcurrentChatsPct => c.chats_pct(),
        MetricId::MissedCalls => Some(c.missed_calls as f64),
        MetricId::ThrottledCalls => Some(c.throttled_calls as f64),
        MetricId::ContactFlowErrors => Some(c.contact_flow_errors as f64),
        _ => None,
    }
}

/// A limit as the metric prints it, or `-` when there is none.
pub fn limit(metric: MetricId, v: Option<f64>) -> String {
    v.map_or_else(|| "-".to_string(), |v| metric.format(v))
}

/// The figure names are long: in a narrow pane the trend gives way first.
fn trend_width(width: u16) -> usize {
    if width >= 60 { 12 } else { 6 }
}

struct Connect;

impl PaneRows for Connect {
    fn total(&self, _state: &State) -> usize {
        FIGURES.len()
    }

    fn name<'a>(&self, _state: &'a State, row: RowRef) -> &'a str {
        FIGURES.get(row.item).map_or("", |m| m.label())
    }

    fn columns(&self, width: u16) -> Vec<Column> {
        vec![
            Column::fixed("", 1),
            Column::new("Figure", Width::Name),
            Column::fixed("Now", 6),
            Column::fixed("Warn", 5),
            Column::fixed("Crit", 6),
            Column::fixed("Trend", trend_width(width) as u16),
        ]
    }

    fn cells(&self, state: &State, row: RowRef, width: u16) -> Vec<Cell> {
        let Some(&m) = FIGURES.get(row.item) else { return Vec::new() };
        let t = &state.thresholds;
        let v = value(state, m);
        let level = v.map_or(Level::Unknown, |v| t.level(m, v));
        let limits = t.get(m);
        vec![
            Cell::mark(level),
            Cell::plain(m.label()),
            Cell::figure(v.map_or_else(|| "?".to_string(), |v| m.format(v)), level),
            Cell::muted(limit(m, limits.warn)),
            Cell::muted(limit(m, limits.crit)),
            Cell::muted(trend(state, Section::Connect, "", m, trend_width(width))),
        ]
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let m = *FIGURES.get(row.item)?;
        let c = &state.snapshot.connect;
        let f = Figure::expected(state, m, value(state, m), "quota unknown");
        let (level, reason) = (f.level, (f.level != Level::Ok).then(|| format!("{} {}", m.label(), f.value)));
        let quota = |q: u32| if q == 0 { "?".to_string() } else { q.to_string() };
        let figures = vec![
            f,
            Figure::counts(
                "concurrent calls / quota",
                format!("{}/{}", c.concurrent_calls, quota(c.concurrent_calls_quota)),
                MetricId::ConcurrentCallsPct,
            ),
            Figure::counts(
                "concurrent chats / quota",
                format!("{}/{}", c.concurrent_chats, quota(c.concurrent_chats_quota)),
                MetricId::ConcurrentChatsPct,
            ),
        ];
        // The instance is who, not a figure: it goes with the title.
        let instance = if c.instance_id.is_empty() { String::new() } else { format!(" ({})", c.instance_id) };
        Some(DetailView {
            title: format!("Connect: {}{instance}", m.label()),
            level,
            reason,
            figures,
            trends: vec![(Section::Connect, String::new(), m)],
        })
    }

    /// Instance-wide figures have no entity: the figure is named in the alert key
    /// (`connect::connect_missed_calls`).
    fn row_for_alert(&self, _state: &State, _entity: &str, alert_key: &str) -> Option<RowRef> {
        let metric = alert_key.rsplit(':').next().and_then(MetricId::from_key)?;
        FIGURES.iter().position(|m| *m == metric).map(RowRef::item)
    }
}

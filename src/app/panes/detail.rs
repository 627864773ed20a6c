//! What `Enter` shows for one row: every figure beside its limits, and the trends to chart.
//! Each pane declares its own (`PaneRows::detail`); `ui::detail` draws any of them.

use crate::app::state::State;
use crate::model::{Level, MetricId, Section, Threshold, Unit};

/// What a figure is judged against. Every figure says: a figure with no limit of its own is
/// marked as such instead of wearing a ✓ it never earned.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Limit {
    /// This metric's warn and crit thresholds.
    Metric(MetricId),
    /// A rule that is not a number (`must be Running`, `must be Online`).
    Rule(&'static str),
    /// No limit of its own: it is part of, or the basis of, this metric, which has the limit
    /// (`read throughput exceeded` counts in `throughput exceeded`).
    Counts(MetricId),
    /// A data-defined column's own limits (in its unit); judged only when it has one.
    Own(Threshold, Unit),
    /// Shown for context; nothing judges it.
    None,
}

/// One line of the figures table.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub label: String,
    pub value: String,
    /// The figure's own health; `Level::Ok` and meaningless unless `limit` judges it.
    pub level: Level,
    pub limit: Limit,
}

impl Figure {
    /// A figure no limit applies to.
    pub fn plain(label: &str, value: String) -> Figure {
        Figure { label: label.to_string(), value, level: Level::Ok, limit: Limit::None }
    }

    /// A figure with no limit of its own that counts in `metric` (which has one).
    pub fn counts(label: &str, value: String, metric: MetricId) -> Figure {
        Figure { limit: Limit::Counts(metric), ..Figure::plain(label, value) }
    }

    /// A state judged by a rule (`must be Running`).
    pub fn rule(label: &str, value: String, level: Level, rule: &'static str) -> Figure {
        Figure { label: label.to_string(), value, level, limit: Limit::Rule(rule) }
    }

    pub fn measured(state: &State, metric: MetricId, v: f64) -> Figure {
        Figure {
            label: metric.label().to_string(),
            value: metric.format(v),
            level: state.thresholds.level(metric, v),
            limit: Limit::Metric(metric),
        }
    }

    /// A figure of `metric` that may be missing: then `why` stands in its place and its health
    /// is unknown (`?`), never ok.
    pub fn expected(state: &State, metric: MetricId, v: Option<f64>, why: &str) -> Figure {
        match v {
            Some(v) => Figure::measured(state, metric, v),
            None => Figure {
                label: metric.label().to_string(),
                value: format!("– {why}"),
                level: Level::Unknown,
                limit: Limit::Metric(metric),
            },
        }
    }

    /// Whether a limit judges this figure (so its mark and colour mean something).
    pub fn judged(&self) -> bool {
        match self.limit {
            Limit::Metric(_) | Limit::Rule(_) => true,
            Limit::Own(t, _) => t.warn.is_some() || t.crit.is_some(),
            Limit::Counts(_) | Limit::None => false,
        }
    }
}

/// What the detail view shows for one row.
#[derive(Debug, Clone, PartialEq)]
pub struct DetailView {
    pub title: String,
    pub level: Level,
    pub reason: Option<String>,
    pub figures: Vec<Figure>,
    /// Trended figures to chart: (section, entity, metric), the one that sets the row's
    /// health first.
    pub trends: Vec<(Section, String, MetricId)>,
}

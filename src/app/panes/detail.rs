//! What `Enter` shows for one row: every figure beside its limits, and the trends to chart.
//! Each pane declares its own (`PaneRows::detail`); `ui::detail` draws any of them.

use crate::app::state::State;
use crate::model::{Level, MetricId, Section};

/// One line of the figures table.
#[derive(Debug, Clone, PartialEq)]
pub struct Figure {
    pub label: String,
    pub value: String,
    pub level: Level,
    /// The metric whose limits apply, if any.
    pub metric: Option<MetricId>,
}

impl Figure {
    pub fn plain(label: &str, value: String) -> Figure {
        Figure { label: label.to_string(), value, level: Level::Ok, metric: None }
    }

    pub fn measured(state: &State, metric: MetricId, v: f64) -> Figure {
        let label = metric.label().to_string();
        Figure {
            label,
            value: metric.format(v),
            level: state.thresholds.level(metric, v),
            metric: Some(metric),
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
    /// Trended figures to chart: (section, entity, metric).
    pub trends: Vec<(Section, String, MetricId)>,
}

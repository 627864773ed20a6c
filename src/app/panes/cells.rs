//! The declared table of a pane: its columns (with the widths and the screen widths at which
//! they show) and its cells (text and tone). Data only: `ui` turns tones into theme styles.
//! Also the small text pieces rows are made of: inline trends, bars, percentages.

use crate::app::state::State;
use crate::model::{Level, MetricId, Section, Series};

/// How a cell is coloured: `ui` maps each tone to a theme role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Unstyled: takes the row's style.
    Plain,
    /// A figure in its level's colour; an ok figure is plain text.
    Figure(Level),
    /// Always in the level's colour (health marks, reasons).
    Level(Level),
    Muted,
    Title,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cell {
    pub text: String,
    pub tone: Tone,
}

impl Cell {
    pub fn plain(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), tone: Tone::Plain }
    }

    pub fn figure(text: impl Into<String>, level: Level) -> Cell {
        Cell { text: text.into(), tone: Tone::Figure(level) }
    }

    pub fn level(text: impl Into<String>, level: Level) -> Cell {
        Cell { text: text.into(), tone: Tone::Level(level) }
    }

    /// The level's symbol in the level's colour: colour is never the only signal.
    pub fn mark(level: Level) -> Cell {
        Cell::level(level.symbol(), level)
    }

    pub fn muted(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), tone: Tone::Muted }
    }

    pub fn title(text: impl Into<String>) -> Cell {
        Cell { text: text.into(), tone: Tone::Title }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    Fixed(u16),
    /// As wide as the longest name on screen (8 to 32 cells), so the figures sit close to
    /// the names and a fill column gets the rest.
    Name,
    /// A share of what is left.
    Fill(u16),
}

/// When a column shows: narrow panes drop the columns they have no room for (the detail view
/// still shows every figure).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shown {
    Always,
    /// When the body is at least this wide.
    Wide(u16),
    /// When the body is at least this much wider than the name column.
    BesideName(u16),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub header: &'static str,
    pub width: Width,
    pub shown: Shown,
}

impl Column {
    pub const fn new(header: &'static str, width: Width) -> Column {
        Column { header, width, shown: Shown::Always }
    }

    pub const fn fixed(header: &'static str, width: u16) -> Column {
        Column::new(header, Width::Fixed(width))
    }

    pub const fn when(self, shown: Shown) -> Column {
        Column { shown, ..self }
    }
}

/// A cell that is either a figure of `metric` (in its level) or `-` when there is none.
pub fn measured(state: &State, metric: MetricId, v: Option<f64>) -> Cell {
    match v {
        Some(v) => Cell::figure(metric.format(v), state.thresholds.level(metric, v)),
        None => Cell::plain("-"),
    }
}

const BLOCKS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// The newest `width` samples as block characters, scaled from 0 to the larger of their
/// maximum and `floor` (the metric's warn limit): a calm series stays low instead of being
/// stretched to full height, and bars reach the top only at or past the warn limit.
pub fn spark(series: Option<&Series>, width: usize, floor: f64) -> String {
    let Some(series) = series else { return String::new() };
    let skip = series.len().saturating_sub(width);
    let floor = if floor.is_finite() { floor } else { 0.0 };
    let max = series.iter().skip(skip).fold(floor.max(0.0), f64::max);
    series
        .iter()
        .skip(skip)
        .map(|v| {
            if max <= 0.0 {
                BLOCKS[0]
            } else {
                let i = ((v.max(0.0) / max) * (BLOCKS.len() - 1) as f64).round() as usize;
                BLOCKS[i.min(BLOCKS.len() - 1)]
            }
        })
        .collect()
}

/// The trend of one figure, scaled against its warn limit.
pub fn trend(state: &State, section: Section, entity: &str, metric: MetricId, width: usize) -> String {
    let floor = state.thresholds.get(metric).warn.unwrap_or(0.0);
    spark(state.history.get(section, entity, metric), width, floor)
}

/// Which of a row's trended figures its trend shows: the one that sets the row's health (a
/// table red for writes charts writes), else the first, the pane's main figure.
pub fn trend_metric(state: &State, section: Section, entity: &str, trended: &[MetricId]) -> Option<MetricId> {
    match state.assessment.row_metric(section, entity) {
        Some(m) if trended.contains(&m) => Some(m),
        _ => trended.first().copied(),
    }
}

/// A row's trend cell: the figure that sets its health, in the colour of that figure's level.
pub fn health_trend(
    state: &State,
    section: Section,
    entity: &str,
    trended: &[MetricId],
    width: usize,
) -> Cell {
    let Some(m) = trend_metric(state, section, entity, trended) else { return Cell::muted("") };
    let text = trend(state, section, entity, m, width);
    let level =
        state.history.get(section, entity, m).and_then(|s| s.last()).map(|v| state.thresholds.level(m, v));
    match level {
        Some(l) if l > Level::Ok => Cell::figure(text, l),
        _ => Cell::muted(text),
    }
}

/// A row's trended figures for the detail view's charts, the one that sets its health first.
pub fn health_first(
    state: &State,
    section: Section,
    entity: &str,
    trended: &[MetricId],
) -> Vec<(Section, String, MetricId)> {
    let mut order: Vec<MetricId> = trended.to_vec();
    if let Some(m) = trend_metric(state, section, entity, trended)
        && let Some(i) = order.iter().position(|x| *x == m)
    {
        let m = order.remove(i);
        order.insert(0, m);
    }
    order.into_iter().map(|m| (section, entity.to_string(), m)).collect()
}

/// A horizontal bar for a percentage: `█████░░░░░`. Past 100% the bar is simply full.
pub fn bar(pct: f64, width: usize) -> String {
    let filled = ((pct.clamp(0.0, 100.0) / 100.0) * width as f64).round() as usize;
    let mut s = "█".repeat(filled.min(width));
    s.push_str(&"░".repeat(width - filled.min(width)));
    s
}

/// `12.5%`, or `-` when there is nothing to divide.
pub fn pct(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => crate::model::metric::format_value(crate::model::Unit::Percent, v),
        Some(_) => "∞".into(),
        None => "-".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparks_scale_to_their_maximum_and_keep_the_newest() {
        let mut s = Series::new(10);
        for v in [0.0, 5.0, 10.0, 20.0] {
            s.push(v);
        }
        assert_eq!(spark(Some(&s), 3, 0.0), "▃▅█");
        assert_eq!(spark(Some(&s), 10, 0.0), "▁▃▅█");
        assert_eq!(spark(None, 5, 0.0), "");
    }

    #[test]
    fn a_calm_constant_series_stays_low_against_its_warn_limit() {
        let mut s = Series::new(10);
        for _ in 0..5 {
            s.push(2.0);
        }
        // Scaled to its own maximum it would be a wall of full bars.
        assert_eq!(spark(Some(&s), 5, 0.0), "█████");
        // Against a warn limit of 20 it reads as calm.
        assert_eq!(spark(Some(&s), 5, 20.0), "▂▂▂▂▂");
        // Past the limit the series is its own scale again.
        s.push(40.0);
        assert!(spark(Some(&s), 6, 20.0).ends_with('█'));
    }

    #[test]
    fn bars_fill_by_percent_and_saturate() {
        assert_eq!(bar(50.0, 4), "██░░");
        assert_eq!(bar(130.0, 4), "████");
        assert_eq!(bar(-3.0, 2), "░░");
    }
}

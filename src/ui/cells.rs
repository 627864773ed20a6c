//! Small text pieces shared by the panes: health marks, inline trends, bars, ages.

use crate::app::State;
use crate::model::{Level, MetricId, Section, Series};
use crate::theme::{Role, Theme};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Cell;

pub fn role(level: Level) -> Role {
    match level {
        Level::Ok => Role::Ok,
        Level::Unknown => Role::Unknown,
        Level::Warn => Role::Warn,
        Level::Crit => Role::Crit,
    }
}

pub fn level_style(theme: &Theme, level: Level) -> Style {
    theme.style(role(level))
}

/// The level's symbol in the level's style: colour is never the only signal.
pub fn mark(theme: &Theme, level: Level) -> Cell<'static> {
    Cell::from(level.symbol()).style(level_style(theme, level))
}

pub fn mark_span(theme: &Theme, level: Level) -> Span<'static> {
    Span::styled(level.symbol(), level_style(theme, level))
}

/// A figure in the style of its own level (ok figures stay plain text).
pub fn figure(theme: &Theme, text: String, level: Level) -> Cell<'static> {
    let style = if level == Level::Ok { theme.style(Role::Text) } else { level_style(theme, level) };
    Cell::from(text).style(style)
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

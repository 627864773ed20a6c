//! `Enter`: the selected row in full. Every figure beside its warn and crit limits, and a chart
//! of each trended figure with the limits drawn across it. Follows the selection (j/k).

use crate::app::State;
use crate::app::geometry::overlay;
use crate::app::panes::{DetailView, Figure, Limit, PaneId};
use crate::app::rows::RowRef;
use crate::model::metric::format_value;
use crate::model::{Direction, Level, Series, Threshold, Unit};
use crate::theme::{Role, Theme};
use crate::ui::cells::{figure, level_style, mark, mark_span};
use crate::ui::fit::{column_widths, fit};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{
    Axis, Block, Borders, Cell, Chart, Clear, Dataset, GraphType, Paragraph, Row, Table, Wrap,
};

/// What the detail view shows for a pane's row (the pane declares it).
pub fn view(state: &State, pane: PaneId, row: RowRef) -> Option<DetailView> {
    state.pane(pane).rows.detail(state, row)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let pane = state.focus;
    let Some(v) = state.selected_row(pane).and_then(|r| view(state, pane, r)) else { return };
    let rect = overlay(area, 140);
    frame.render_widget(Clear, rect);
    let block = Block::bordered()
        .title(Line::from(vec![
            Span::raw(" "),
            mark_span(theme, v.level),
            Span::styled(format!(" {} ", v.title), theme.style(Role::Title)),
        ]))
        .border_style(theme.style(Role::Focus))
        .style(theme.style(Role::Popup));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);

    let reason_h = u16::from(v.reason.is_some());
    let figures_h = v.figures.len() as u16 + 1;
    let [reason, figures, charts] =
        Layout::vertical([Constraint::Length(reason_h), Constraint::Length(figures_h), Constraint::Fill(1)])
            .areas(inner);
    if let Some(r) = &v.reason {
        let p = Paragraph::new(r.clone()).style(level_style(theme, v.level)).wrap(Wrap { trim: true });
        frame.render_widget(p, reason);
    }
    figures_table(frame, figures, state, theme, &v.figures);

    let mut series: Vec<(Gauge, &Series)> = v
        .trends
        .iter()
        .filter_map(|(section, entity, m)| {
            let g =
                Gauge { label: m.label().to_string(), unit: m.unit(), threshold: state.thresholds.get(*m) };
            state.history.get(*section, entity, *m).map(|s| (g, s))
        })
        .collect();
    let row = state.selected_row(pane);
    let own = row.map(|r| state.pane(pane).rows.charts(state, r)).unwrap_or_default();
    series.extend(own.into_iter().filter_map(|c| {
        let s = state.history.column(&c.entity, &c.label)?;
        Some((Gauge { label: c.label, unit: c.unit, threshold: c.threshold }, s))
    }));
    // A chart needs about eight lines to show a shape; on small screens the first one gets them.
    let fit = (charts.height / 8).max(1) as usize;
    if series.is_empty() || charts.height < 4 {
        return;
    }
    let series = &series[..series.len().min(fit)];
    let parts = Layout::vertical(vec![Constraint::Fill(1); series.len()]).split(charts);
    for ((gauge, s), area) in series.iter().zip(parts.iter()) {
        chart(frame, *area, theme, gauge, s);
    }
}

/// What a figure is held to, in words: `warn 75% · crit 90%`, `must be Running`, `see error
/// rate`, `no limit`.
pub fn limit_text(state: &State, f: &Figure) -> String {
    match f.limit {
        Limit::Metric(m) => {
            let t = state.thresholds.get(m);
            let parts: Vec<String> = [("warn", t.warn), ("crit", t.crit)]
                .into_iter()
                .filter_map(|(name, v)| v.map(|v| format!("{name} {}", m.format(v))))
                .collect();
            if parts.is_empty() { "no limit set".to_string() } else { parts.join(" · ") }
        }
        Limit::Own(t, unit) => {
            let parts: Vec<String> = [("warn", t.warn), ("crit", t.crit)]
                .into_iter()
                .filter_map(|(name, v)| v.map(|v| format!("{name} {}", format_value(unit, v))))
                .collect();
            let below = if t.direction == Direction::Below { " (below)" } else { "" };
            if parts.is_empty() { "no limit".to_string() } else { format!("{}{below}", parts.join(" · ")) }
        }
        Limit::Rule(rule) => rule.to_string(),
        Limit::Counts(m) => format!("see {}", m.label()),
        Limit::None => "no limit".to_string(),
    }
}

const LIMIT_WIDTH: u16 = 26;
const NOW_WIDTH: u16 = 14;

fn figures_table(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, figures: &[Figure]) {
    let widths = [
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(NOW_WIDTH),
        Constraint::Length(LIMIT_WIDTH),
    ];
    let room = column_widths(&widths, area.width, 1);
    let cut = |text: &str, col: usize| fit(text, room.get(col).copied().unwrap_or(0) as usize);
    let rows: Vec<Row> = figures
        .iter()
        .map(|f| {
            // Only a judged figure wears a health mark and colour; the others are marked as
            // having no limit of their own.
            let (mark_cell, value) = if f.judged() {
                (mark(theme, f.level), figure(theme, cut(&f.value, 2), f.level))
            } else {
                (Cell::from("·").style(theme.style(Role::Muted)), Cell::from(cut(&f.value, 2)))
            };
            Row::new(vec![
                mark_cell,
                Cell::from(cut(&f.label, 1)),
                value,
                Cell::from(cut(&limit_text(state, f), 3)).style(theme.style(Role::Muted)),
            ])
        })
        .collect();
    let header = Row::new(["", "Figure", "Now", "Limit"]).style(theme.style(Role::Header));
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
}

/// What a chart needs to know of its figure: a built-in metric's or a data-defined column's.
struct Gauge {
    label: String,
    unit: Unit,
    threshold: Threshold,
}

impl Gauge {
    fn format(&self, v: f64) -> String {
        format_value(self.unit, v)
    }
}

/// A line chart of one series with its warn and crit limits drawn across it.
fn chart(frame: &mut Frame, area: Rect, theme: &Theme, metric: &Gauge, s: &Series) {
    // Right-aligned: the newest sample is always at "now", however short the history.
    let start = s.capacity().saturating_sub(s.len());
    let points: Vec<(f64, f64)> = s.iter().enumerate().map(|(i, v)| ((start + i) as f64, v)).collect();
    let t = metric.threshold;
    let x_max = (s.capacity().max(2) - 1) as f64;
    let top = [s.max(), t.warn, t.crit].into_iter().flatten().fold(0.0_f64, f64::max);
    let mut y_max = if top > 0.0 { top * 1.15 } else { 1.0 };
    // Headroom above a share that cannot pass 100 % would label the axis with an impossible
    // figure (an error rate of 115 %).
    if metric.unit == Unit::Percent && top <= 100.0 {
        y_max = y_max.min(100.0);
    }
    let across = |v: f64| vec![(0.0, v), (x_max, v)];
    let warn_line = t.warn.map(across).unwrap_or_default();
    let crit_line = t.crit.map(across).unwrap_or_default();
    let level = s.last().map_or(Level::Unknown, |v| t.level(v));
    let mut datasets = vec![
        Dataset::default()
            .name(metric.label.clone())
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(if level == Level::Ok { theme.style(Role::Ok) } else { level_style(theme, level) })
            .data(&points),
    ];
    if !warn_line.is_empty() {
        datasets.push(
            Dataset::default()
                .name("warn")
                .graph_type(GraphType::Line)
                .style(theme.style(Role::Warn))
                .data(&warn_line),
        );
    }
    if !crit_line.is_empty() {
        datasets.push(
            Dataset::default()
                .name("crit")
                .graph_type(GraphType::Line)
                .style(theme.style(Role::Crit))
                .data(&crit_line),
        );
    }
    let now = s.last().map(|v| metric.format(v)).unwrap_or_default();
    let limits: Vec<String> = [("warn", t.warn), ("crit", t.crit)]
        .into_iter()
        .filter_map(|(name, v)| v.map(|v| format!("{name} {}", metric.format(v))))
        .collect();
    let dotted = if limits.is_empty() { String::new() } else { format!(" · dotted: {}", limits.join(", ")) };
    let title = format!(" {}: now {now}, last {} samples{dotted} ", metric.label, s.len());
    let chart = Chart::new(datasets)
        .block(Block::default().borders(Borders::TOP).title(title).border_style(theme.style(Role::Border)))
        .x_axis(Axis::default().bounds([0.0, x_max]).labels(["older", "now"]).style(theme.style(Role::Muted)))
        .y_axis(
            Axis::default()
                .bounds([0.0, y_max])
                .labels([metric.format(0.0), metric.format(y_max)])
                .style(theme.style(Role::Muted)),
        );
    frame.render_widget(chart, area);
}

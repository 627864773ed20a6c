//! Lambda: invocations, errors and error rate, throttles and p99 duration per function.

use crate::app::{Pane, State};
use crate::model::{Level, MetricId, Section};
use crate::theme::{Role, Theme};
use crate::ui::cells::{figure, mark, trend};
use crate::ui::pane_frame::{self, Column, name_column, selected_in_slice, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::widgets::Cell;

const TREND: usize = 8;

pub fn draw(frame: &mut Frame, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, Pane::Lambda, rect, state, theme);
    let (first, count) = visible(state, Pane::Lambda, &body);
    let t = &state.thresholds;
    let functions = &state.snapshot.lambda;
    let rows = state.table(Pane::Lambda).rows[first..first + count]
        .iter()
        .filter_map(|r| functions.get(r.item))
        .map(|f| {
            let level = state.assessment.row(Section::Lambda, &f.name).level;
            let rate = f.error_rate_pct();
            // No invocations, no rate: an idle function is not failing.
            let rate_level =
                if f.invocations > 0 { t.level(MetricId::LambdaErrorRate, rate) } else { Level::Ok };
            let p99 = match f.duration_p99_ms {
                Some(ms) => figure(
                    theme,
                    MetricId::LambdaDurationP99.format(ms),
                    t.level(MetricId::LambdaDurationP99, ms),
                ),
                None => Cell::from("-"),
            };
            let trend = trend(state, Section::Lambda, &f.name, MetricId::LambdaErrorRate, TREND);
            vec![
                mark(theme, level),
                Cell::from(f.name.clone()),
                Cell::from(f.invocations.to_string()),
                figure(theme, f.errors.to_string(), rate_level),
                figure(theme, MetricId::LambdaErrorRate.format(rate), rate_level),
                figure(
                    theme,
                    f.throttles.to_string(),
                    t.level(MetricId::LambdaThrottles, f.throttles as f64),
                ),
                p99,
                Cell::from(trend).style(theme.style(Role::Muted)),
            ]
        })
        .collect();
    let name = name_column(state, Pane::Lambda, first, count, "Function");
    // Counts give way before names: the columns besides the name take 43 cells with them.
    let name_width = match name.width {
        Constraint::Length(w) => w,
        _ => 20,
    };
    let wide = body.rows.width >= 43 + name_width;
    let columns = [
        Column::new("", Constraint::Length(1)),
        name,
        Column::new("Inv/m", Constraint::Length(6)).when(wide),
        Column::new("Err", Constraint::Length(5)).when(wide),
        Column::new("Err%", Constraint::Length(6)),
        Column::new("Thr", Constraint::Length(4)),
        Column::new("p99", Constraint::Length(6)),
        Column::new("Trend", Constraint::Length(TREND as u16)),
    ];
    let selected = selected_in_slice(state, Pane::Lambda, first, count);
    pane_frame::table(frame, &body, &columns, rows, selected, theme);
}

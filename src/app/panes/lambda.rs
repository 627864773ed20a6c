//! Lambda: invocations, errors, throttles and p99 duration per function. Rows open the
//! function's error log.

use crate::app::log_session::LogSource;
use crate::app::panes::cells::{measured, trend};
use crate::app::panes::{Cell, Column, DetailView, Figure, PaneRows, PaneSpec, Shown, SortKey, View, Width};
use crate::app::rows::RowRef;
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::{Level, MetricId, Section};

const TREND: usize = 8;

pub fn spec() -> PaneSpec {
    PaneSpec {
        key: Section::Lambda.key().into(),
        title: Section::Lambda.title().into(),
        section: Some(Section::Lambda),
        focus: Some(Action::PaneLambda),
        sort_keys: vec![SortKey::Worst, SortKey::Name, SortKey::Errors, SortKey::P99],
        grid_rank: 3,
        view: View::Table,
        rows: Box::new(Lambda),
    }
}

struct Lambda;

impl PaneRows for Lambda {
    fn total(&self, state: &State) -> usize {
        state.snapshot.lambda.len()
    }

    fn name<'a>(&self, state: &'a State, row: RowRef) -> &'a str {
        state.snapshot.lambda.get(row.item).map_or("", |f| f.name.as_str())
    }

    fn sort_figure(&self, state: &State, sort: SortKey, item: usize) -> f64 {
        state.snapshot.lambda.get(item).map_or(0.0, |f| match sort {
            SortKey::P99 => f.duration_p99_ms.unwrap_or(0.0),
            _ => f.error_rate_pct(),
        })
    }

    fn columns(&self, _width: u16) -> Vec<Column> {
        // Counts give way before names: the columns besides the name take 43 cells with them.
        vec![
            Column::fixed("", 1),
            Column::new("Function", Width::Name),
            Column::fixed("Inv/m", 6).when(Shown::BesideName(43)),
            Column::fixed("Err", 5).when(Shown::BesideName(43)),
            Column::fixed("Err%", 6),
            Column::fixed("Thr", 4),
            Column::fixed("p99", 6),
            Column::fixed("Trend", TREND as u16),
        ]
    }

    fn cells(&self, state: &State, row: RowRef, _width: u16) -> Vec<Cell> {
        let Some(f) = state.snapshot.lambda.get(row.item) else { return Vec::new() };
        let t = &state.thresholds;
        let level = state.assessment.row(Section::Lambda, &f.name).level;
        let rate = f.error_rate_pct();
        // No invocations, no rate: an idle function is not failing.
        let rate_level = if f.invocations > 0 { t.level(MetricId::LambdaErrorRate, rate) } else { Level::Ok };
        vec![
            Cell::mark(level),
            Cell::plain(f.name.clone()),
            Cell::plain(f.invocations.to_string()),
            Cell::figure(f.errors.to_string(), rate_level),
            Cell::figure(MetricId::LambdaErrorRate.format(rate), rate_level),
            Cell::figure(f.throttles.to_string(), t.level(MetricId::LambdaThrottles, f.throttles as f64)),
            measured(state, MetricId::LambdaDurationP99, f.duration_p99_ms),
            Cell::muted(trend(state, Section::Lambda, &f.name, MetricId::LambdaErrorRate, TREND)),
        ]
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let f = state.snapshot.lambda.get(row.item)?;
        let h = state.assessment.row(Section::Lambda, &f.name);
        let mut figures = vec![
            Figure::plain("invocations /min", f.invocations.to_string()),
            Figure::plain("errors /min", f.errors.to_string()),
            Figure::measured(state, MetricId::LambdaErrorRate, f.error_rate_pct()),
            Figure::measured(state, MetricId::LambdaThrottles, f.throttles as f64),
        ];
        figures.push(match f.duration_p99_ms {
            Some(ms) => Figure::measured(state, MetricId::LambdaDurationP99, ms),
            None => Figure::plain("p99 duration", "not invoked".into()),
        });
        figures.push(Figure::plain("concurrent executions", f.concurrent_executions.to_string()));
        let e = f.name.clone();
        Some(DetailView {
            title: format!("function {}", f.name),
            level: h.level,
            reason: h.reason,
            figures,
            trends: vec![
                (Section::Lambda, e.clone(), MetricId::LambdaErrorRate),
                (Section::Lambda, e, MetricId::LambdaDurationP99),
            ],
        })
    }

    fn row_for_alert(&self, state: &State, entity: &str, _alert_key: &str) -> Option<RowRef> {
        state.snapshot.lambda.iter().position(|f| f.name == entity).map(RowRef::item)
    }

    fn log_source(&self, state: &State, row: RowRef) -> Option<LogSource> {
        state.snapshot.lambda.get(row.item).map(|f| LogSource::Lambda(f.name.clone()))
    }

    fn has_logs(&self) -> bool {
        true
    }
}

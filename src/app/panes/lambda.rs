//! Lambda: invocations, errors, throttles and p99 duration per function. Rows open the
//! function's error log.

use crate::app::log_session::LogSource;
use crate::app::panes::cells::{health_first, health_trend, measured};
use crate::app::panes::{Cell, Column, DetailView, Figure, PaneRows, PaneSpec, Shown, SortKey, View, Width};
use crate::app::rows::RowRef;
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::{Level, MetricId, Section};

const TREND: usize = 8;
/// The figures a function's trend can show, its main one first.
const TRENDED: [MetricId; 3] =
    [MetricId::LambdaErrorRate, MetricId::LambdaDurationP99, MetricId::LambdaThrottles];

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
            _ => f.error_rate_pct().unwrap_or(0.0),
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
        let rate_level = rate.map_or(Level::Ok, |r| t.level(MetricId::LambdaErrorRate, r));
        vec![
            Cell::mark(level),
            Cell::plain(f.name.clone()),
            Cell::plain(f.invocations.to_string()),
            Cell::figure(f.errors.to_string(), rate_level),
            // Not invoked, no rate: `–`, where 0 % would claim it ran and never failed.
            match rate {
                Some(r) => Cell::figure(MetricId::LambdaErrorRate.format(r), rate_level),
                None => Cell::muted("–"),
            },
            Cell::figure(f.throttles.to_string(), t.level(MetricId::LambdaThrottles, f.throttles as f64)),
            measured(state, MetricId::LambdaDurationP99, f.duration_p99_ms),
            health_trend(state, Section::Lambda, &f.name, &TRENDED, TREND),
        ]
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let f = state.snapshot.lambda.get(row.item)?;
        let h = state.assessment.row(Section::Lambda, &f.name);
        let figures = vec![
            Figure::counts("invocations /min", f.invocations.to_string(), MetricId::LambdaErrorRate),
            Figure::counts("errors /min", f.errors.to_string(), MetricId::LambdaErrorRate),
            Figure::expected(state, MetricId::LambdaErrorRate, f.error_rate_pct(), "not invoked"),
            Figure::measured(state, MetricId::LambdaThrottles, f.throttles as f64),
            Figure::expected(state, MetricId::LambdaDurationP99, f.duration_p99_ms, "not invoked"),
            Figure::plain("concurrent executions", f.concurrent_executions.to_string()),
        ];
        Some(DetailView {
            title: format!("function {}", f.name),
            level: h.level,
            reason: h.reason,
            figures,
            trends: health_first(state, Section::Lambda, &f.name, &TRENDED),
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

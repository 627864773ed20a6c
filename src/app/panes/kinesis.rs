//! Kinesis: consumer lag (iterator age), put latency and throughput exceeded per stream.

use crate::app::panes::cells::{health_first, health_trend, measured};
use crate::app::panes::{Cell, Column, DetailView, Figure, PaneRows, PaneSpec, Shown, SortKey, View, Width};
use crate::app::rows::RowRef;
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::{MetricId, Section};

const TREND: usize = 8;
/// The figures a stream's trend can show, its main one first.
const TRENDED: [MetricId; 3] = [MetricId::IteratorAge, MetricId::PutLatency, MetricId::ThroughputExceeded];

pub fn spec() -> PaneSpec {
    PaneSpec {
        key: Section::Kinesis.key().into(),
        title: Section::Kinesis.title().into(),
        section: Some(Section::Kinesis),
        focus: Some(Action::PaneKinesis),
        sort_keys: vec![SortKey::Worst, SortKey::Name, SortKey::Lag],
        grid_rank: 4,
        view: View::Table,
        rows: Box::new(Kinesis),
    }
}

struct Kinesis;

impl PaneRows for Kinesis {
    fn total(&self, state: &State) -> usize {
        state.snapshot.kinesis.len()
    }

    fn name<'a>(&self, state: &'a State, row: RowRef) -> &'a str {
        state.snapshot.kinesis.get(row.item).map_or("", |k| k.name.as_str())
    }

    fn sort_figure(&self, state: &State, _sort: SortKey, item: usize) -> f64 {
        state.snapshot.kinesis.get(item).map_or(0.0, |k| k.iterator_age_ms.unwrap_or(0.0))
    }

    fn columns(&self, _width: u16) -> Vec<Column> {
        vec![
            Column::fixed("", 1),
            Column::new("Stream", Width::Name),
            Column::fixed("Lag", 6),
            Column::fixed("Put", 6),
            Column::fixed("Exc", 4),
            Column::fixed("Rec/m", 7).when(Shown::Wide(56)),
            Column::fixed("Trend", TREND as u16),
        ]
    }

    fn cells(&self, state: &State, row: RowRef, _width: u16) -> Vec<Cell> {
        let Some(k) = state.snapshot.kinesis.get(row.item) else { return Vec::new() };
        let level = state.assessment.row(Section::Kinesis, &k.name).level;
        let exceeded = k.throughput_exceeded() as f64;
        vec![
            Cell::mark(level),
            Cell::plain(k.name.clone()),
            measured(state, MetricId::IteratorAge, k.iterator_age_ms),
            measured(state, MetricId::PutLatency, k.put_latency_ms),
            Cell::figure(
                k.throughput_exceeded().to_string(),
                state.thresholds.level(MetricId::ThroughputExceeded, exceeded),
            ),
            Cell::plain(k.incoming_records.to_string()),
            health_trend(state, Section::Kinesis, &k.name, &TRENDED, TREND),
        ]
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let k = state.snapshot.kinesis.get(row.item)?;
        let h = state.assessment.row(Section::Kinesis, &k.name);
        let opt = |m: MetricId, v: Option<f64>, none: &str| match v {
            Some(v) => Figure::measured(state, m, v),
            None => Figure::plain(m.label(), none.into()),
        };
        let figures = vec![
            opt(MetricId::IteratorAge, k.iterator_age_ms, "no consumer"),
            opt(MetricId::PutLatency, k.put_latency_ms, "no puts"),
            Figure::measured(state, MetricId::ThroughputExceeded, k.throughput_exceeded() as f64),
            Figure::counts(
                "write throughput exceeded /min",
                k.write_throughput_exceeded.to_string(),
                MetricId::ThroughputExceeded,
            ),
            Figure::counts(
                "read throughput exceeded /min",
                k.read_throughput_exceeded.to_string(),
                MetricId::ThroughputExceeded,
            ),
            Figure::plain("incoming records /min", k.incoming_records.to_string()),
        ];
        let mut trends = health_first(state, Section::Kinesis, &k.name, &TRENDED);
        trends.truncate(2);
        Some(DetailView {
            title: format!("stream {}", k.name),
            level: h.level,
            reason: h.reason,
            figures,
            trends,
        })
    }

    fn row_for_alert(&self, state: &State, entity: &str, _alert_key: &str) -> Option<RowRef> {
        state.snapshot.kinesis.iter().position(|k| k.name == entity).map(RowRef::item)
    }
}

//! DynamoDB: read and write capacity used against what is provisioned, and throttles.

use crate::app::panes::cells::{health_first, health_trend, pct};
use crate::app::panes::{Cell, Column, DetailView, Figure, PaneRows, PaneSpec, Shown, SortKey, View, Width};
use crate::app::rows::RowRef;
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::metric::format_amount;
use crate::model::{DynamoTable, MetricId, Section};

const TREND: usize = 8;

/// The figures a table's trend can show: its capacity shares where it has provisioned
/// capacity, and its throttles.
fn trended(d: &DynamoTable) -> Vec<MetricId> {
    let mut m = Vec::new();
    if d.provisioned_read.is_some() {
        m.push(MetricId::ReadUtilisation);
    }
    if d.provisioned_write.is_some() {
        m.push(MetricId::WriteUtilisation);
    }
    m.push(MetricId::ThrottleEvents);
    m
}

/// Consumed capacity units, over what is provisioned when the table has any: `0.1/5`.
fn units(consumed: f64, provisioned: Option<f64>, sep: &str) -> String {
    match provisioned {
        Some(p) => format!("{}{sep}{}", format_amount(consumed), format_amount(p)),
        None => format_amount(consumed),
    }
}

pub fn spec() -> PaneSpec {
    PaneSpec {
        key: Section::DynamoDb.key().into(),
        title: Section::DynamoDb.title().into(),
        section: Some(Section::DynamoDb),
        focus: Some(Action::PaneDynamoDb),
        sort_keys: vec![SortKey::Worst, SortKey::Name, SortKey::Throttles],
        grid_rank: 5,
        view: View::Table,
        rows: Box::new(DynamoDb),
    }
}

struct DynamoDb;

impl PaneRows for DynamoDb {
    fn total(&self, state: &State) -> usize {
        state.snapshot.dynamodb.len()
    }

    fn name<'a>(&self, state: &'a State, row: RowRef) -> &'a str {
        state.snapshot.dynamodb.get(row.item).map_or("", |d| d.name.as_str())
    }

    fn sort_figure(&self, state: &State, _sort: SortKey, item: usize) -> f64 {
        state.snapshot.dynamodb.get(item).map_or(0.0, |d| d.throttles() as f64)
    }

    fn columns(&self, _width: u16) -> Vec<Column> {
        vec![
            Column::fixed("", 1),
            Column::new("Table", Width::Name),
            Column::fixed("Read", 6),
            Column::fixed("Write", 6),
            Column::fixed("RCU", 9).when(Shown::Wide(64)),
            Column::fixed("WCU", 9).when(Shown::Wide(64)),
            Column::fixed("Thr", 4),
            Column::fixed("Trend", TREND as u16),
        ]
    }

    fn cells(&self, state: &State, row: RowRef, _width: u16) -> Vec<Cell> {
        let Some(d) = state.snapshot.dynamodb.get(row.item) else { return Vec::new() };
        let t = &state.thresholds;
        let used = |metric: MetricId, p: Option<f64>| match p {
            Some(p) => Cell::figure(pct(Some(p)), t.level(metric, p)),
            // On-demand tables have nothing provisioned to run out of.
            None => Cell::muted("on-dem"),
        };
        let level = state.assessment.row(Section::DynamoDb, &d.name).level;
        let throttles = d.throttles() as f64;
        vec![
            Cell::mark(level),
            Cell::plain(d.name.clone()),
            used(MetricId::ReadUtilisation, d.read_pct()),
            used(MetricId::WriteUtilisation, d.write_pct()),
            Cell::plain(units(d.consumed_read, d.provisioned_read, "/")),
            Cell::plain(units(d.consumed_write, d.provisioned_write, "/")),
            Cell::figure(d.throttles().to_string(), t.level(MetricId::ThrottleEvents, throttles)),
            health_trend(state, Section::DynamoDb, &d.name, &trended(d), TREND),
        ]
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let d = state.snapshot.dynamodb.get(row.item)?;
        let h = state.assessment.row(Section::DynamoDb, &d.name);
        let util = |m: MetricId, p: Option<f64>| match p {
            Some(p) => Figure::measured(state, m, p),
            None => Figure::plain(m.label(), "on-demand".into()),
        };
        let figures = vec![
            util(MetricId::ReadUtilisation, d.read_pct()),
            util(MetricId::WriteUtilisation, d.write_pct()),
            Figure::counts(
                "read capacity units /s",
                units(d.consumed_read, d.provisioned_read, " of "),
                MetricId::ReadUtilisation,
            ),
            Figure::counts(
                "write capacity units /s",
                units(d.consumed_write, d.provisioned_write, " of "),
                MetricId::WriteUtilisation,
            ),
            Figure::measured(state, MetricId::ThrottleEvents, d.throttles() as f64),
            Figure::counts(
                "read / write throttles",
                format!("{} / {}", d.read_throttles, d.write_throttles),
                MetricId::ThrottleEvents,
            ),
        ];
        let mut trends = health_first(state, Section::DynamoDb, &d.name, &trended(d));
        trends.truncate(2);
        Some(DetailView {
            title: format!("table {}", d.name),
            level: h.level,
            reason: h.reason,
            figures,
            trends,
        })
    }

    fn row_for_alert(&self, state: &State, entity: &str, _alert_key: &str) -> Option<RowRef> {
        state.snapshot.dynamodb.iter().position(|d| d.name == entity).map(RowRef::item)
    }
}

//! DynamoDB: read and write capacity used against what is provisioned, and throttles.

use crate::app::panes::cells::{pct, trend};
use crate::app::panes::{Cell, Column, DetailView, Figure, PaneRows, PaneSpec, Shown, SortKey, View, Width};
use crate::app::rows::RowRef;
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::{MetricId, Section};

const TREND: usize = 8;

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
        let units = |consumed: f64, provisioned: Option<f64>| match provisioned {
            Some(p) => format!("{consumed:.0}/{p:.0}"),
            None => format!("{consumed:.0}"),
        };
        let level = state.assessment.row(Section::DynamoDb, &d.name).level;
        let throttles = d.throttles() as f64;
        let trend_metric =
            if d.provisioned_read.is_some() { MetricId::ReadUtilisation } else { MetricId::ThrottleEvents };
        vec![
            Cell::mark(level),
            Cell::plain(d.name.clone()),
            used(MetricId::ReadUtilisation, d.read_pct()),
            used(MetricId::WriteUtilisation, d.write_pct()),
            Cell::plain(units(d.consumed_read, d.provisioned_read)),
            Cell::plain(units(d.consumed_write, d.provisioned_write)),
            Cell::figure(d.throttles().to_string(), t.level(MetricId::ThrottleEvents, throttles)),
            Cell::muted(trend(state, Section::DynamoDb, &d.name, trend_metric, TREND)),
        ]
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let d = state.snapshot.dynamodb.get(row.item)?;
        let h = state.assessment.row(Section::DynamoDb, &d.name);
        let util = |m: MetricId, p: Option<f64>| match p {
            Some(p) => Figure::measured(state, m, p),
            None => Figure::plain(m.label(), "on-demand".into()),
        };
        let units = |c: f64, p: Option<f64>| p.map_or(format!("{c:.0}"), |p| format!("{c:.0} of {p:.0}"));
        let figures = vec![
            util(MetricId::ReadUtilisation, d.read_pct()),
            util(MetricId::WriteUtilisation, d.write_pct()),
            Figure::plain("read capacity units /s", units(d.consumed_read, d.provisioned_read)),
            Figure::plain("write capacity units /s", units(d.consumed_write, d.provisioned_write)),
            Figure::measured(state, MetricId::ThrottleEvents, d.throttles() as f64),
            Figure::plain("read / write throttles", format!("{} / {}", d.read_throttles, d.write_throttles)),
        ];
        let e = d.name.clone();
        let mut trends = Vec::new();
        if d.provisioned_read.is_some() {
            trends.push((Section::DynamoDb, e.clone(), MetricId::ReadUtilisation));
        }
        if d.provisioned_write.is_some() {
            trends.push((Section::DynamoDb, e.clone(), MetricId::WriteUtilisation));
        }
        trends.push((Section::DynamoDb, e, MetricId::ThrottleEvents));
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

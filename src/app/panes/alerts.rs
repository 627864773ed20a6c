//! Alerts: what is red, since when and why, in the alert book's order (worst and oldest
//! first), so the table does not sort. A row's detail is the detail of the row it is about.

use crate::app::panes::{Cell, Column, DetailView, PaneRows, PaneSpec, SortKey, View, Width};
use crate::app::rows::{RowRef, matches};
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::{Level, age};

pub fn spec() -> PaneSpec {
    PaneSpec {
        key: "alerts".into(),
        title: "Alerts".into(),
        section: None,
        focus: Some(Action::PaneAlerts),
        sort_keys: vec![],
        grid_rank: 0,
        view: View::Alerts,
        rows: Box::new(Alerts),
    }
}

struct Alerts;

impl PaneRows for Alerts {
    fn total(&self, state: &State) -> usize {
        state.alerts.len()
    }

    fn name<'a>(&self, state: &'a State, row: RowRef) -> &'a str {
        state.alerts.get(row.item).map_or("", |a| a.what.as_str())
    }

    fn level(&self, state: &State, _spec: &PaneSpec, row: RowRef) -> Level {
        state.alerts.get(row.item).map_or(Level::Ok, |a| a.severity)
    }

    fn key(&self, state: &State, row: RowRef) -> String {
        state.alerts.get(row.item).map(|a| a.key.clone()).unwrap_or_default()
    }

    /// The filter matches what an alert is about or why it fired.
    fn build(&self, state: &State, _spec: &PaneSpec, needle: &str, _sort: SortKey) -> Vec<RowRef> {
        (0..state.alerts.len())
            .filter(|&i| {
                let a = &state.alerts[i];
                matches(&a.what, needle) || matches(&a.reason, needle)
            })
            .map(RowRef::item)
            .collect()
    }

    fn columns(&self, _width: u16) -> Vec<Column> {
        vec![
            Column::fixed("", 1),
            Column::new("What", Width::Fill(2)),
            Column::new("Why", Width::Fill(3)),
            Column::fixed("Since", 6),
        ]
    }

    fn cells(&self, state: &State, row: RowRef, _width: u16) -> Vec<Cell> {
        let Some(a) = state.alerts.get(row.item) else { return Vec::new() };
        vec![
            Cell::mark(a.severity),
            Cell::plain(a.what.clone()),
            Cell::level(a.reason.clone(), a.severity),
            Cell::plain(age(state.now, Some(a.since))),
        ]
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let a = state.alerts.get(row.item)?;
        // The pane of the alert's section that has its row (the data-defined panes share one
        // section).
        let target = state.panes.iter().filter(|p| p.section == Some(a.section)).find_map(|p| {
            let row = p.rows.row_for_alert(state, &a.entity, &a.key)?;
            p.rows.detail(state, row)
        });
        let mut v = target.unwrap_or(DetailView {
            title: String::new(),
            level: a.severity,
            reason: None,
            figures: vec![],
            trends: vec![],
        });
        v.title = a.what.clone();
        v.level = a.severity;
        v.reason =
            Some(format!("{} · since {} ({} ago)", a.reason, a.since.clock(), age(state.now, Some(a.since))));
        Some(v)
    }
}

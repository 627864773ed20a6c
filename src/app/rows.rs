//! Which rows a pane's table shows and in what order: filtered by name, sorted by the pane's
//! sort key. Rows are indices into the snapshot so nothing big is copied. What a row is called
//! and what it is sorted by is each pane's own (`PaneRows`); the filtering and sorting are
//! shared here.

use crate::app::panes::{PaneId, PaneSpec, SortKey};
use crate::app::state::State;
use crate::model::Level;

/// One table row: `item` indexes the pane's list (queues, functions…, alerts, or the Connect
/// figures); `sub` is an entry under it (a Windows service under a NexTalk server).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RowRef {
    pub item: usize,
    pub sub: Option<usize>,
}

impl RowRef {
    pub fn item(item: usize) -> Self {
        RowRef { item, sub: None }
    }
}

/// Case-insensitive substring match; an empty needle matches everything.
pub fn matches(haystack: &str, needle_lower: &str) -> bool {
    needle_lower.is_empty() || haystack.to_lowercase().contains(needle_lower)
}

/// The name a row is filtered on and shown by.
pub fn name(state: &State, pane: PaneId, row: RowRef) -> &str {
    state.pane(pane).rows.name(state, row)
}

/// A stable identity for a row, so the cursor can follow it when rows are re-sorted.
pub fn key(state: &State, pane: PaneId, row: RowRef) -> String {
    state.pane(pane).rows.key(state, row)
}

/// The rows of one pane for this filter and sort.
pub fn build(state: &State, pane: PaneId, filter: &str, sort: SortKey) -> Vec<RowRef> {
    let spec = state.pane(pane);
    spec.rows.build(state, spec, &filter.to_lowercase(), sort)
}

/// The usual rows: each of `count` items whose name matches, in the sort's order (panes with
/// a fixed order keep the list's).
pub fn flat(state: &State, spec: &PaneSpec, count: usize, needle: &str, sort: SortKey) -> Vec<RowRef> {
    let mut rows: Vec<RowRef> =
        (0..count).map(RowRef::item).filter(|&r| matches(spec.rows.name(state, r), needle)).collect();
    if !spec.sort_keys.is_empty() {
        sort_items(state, spec, sort, &mut rows);
    }
    rows
}

/// Sorts rows by `sort`: by name, by the pane's figure for that key (largest first), or worst
/// health first (then the figure, then the name).
pub fn sort_items(state: &State, spec: &PaneSpec, sort: SortKey, rows: &mut [RowRef]) {
    let name = |r: &RowRef| spec.rows.name(state, *r);
    let by_name = |a: &RowRef, b: &RowRef| name(a).cmp(name(b));
    let figure = |r: &RowRef| spec.rows.sort_figure(state, sort, r.item);
    let by_figure_desc = |a: &RowRef, b: &RowRef| figure(b).total_cmp(&figure(a));
    match sort {
        SortKey::Name => rows.sort_by(by_name),
        SortKey::Worst => {
            // Levels looked up once per row, not once per comparison.
            let level = |r: &RowRef| spec.rows.level(state, spec, *r);
            let mut keyed: Vec<(Level, RowRef)> = rows.iter().map(|r| (level(r), *r)).collect();
            keyed.sort_by(|(la, a), (lb, b)| {
                lb.cmp(la).then_with(|| by_figure_desc(a, b)).then_with(|| by_name(a, b))
            });
            for (slot, (_, r)) in rows.iter_mut().zip(keyed) {
                *slot = r;
            }
        }
        SortKey::InQueue
        | SortKey::Oldest
        | SortKey::Errors
        | SortKey::P99
        | SortKey::Lag
        | SortKey::Throttles => rows.sort_by(|a, b| by_figure_desc(a, b).then_with(|| by_name(a, b))),
    }
}

/// The first of a pane's rows with the worst health, in display order.
pub fn worst(state: &State, pane: PaneId) -> Option<usize> {
    worst_of(state, pane, &state.table(pane).rows)
}

/// The first of these rows of a pane with the worst health (the intake's, before they are
/// the table's).
pub fn worst_of(state: &State, pane: PaneId, rows: &[RowRef]) -> Option<usize> {
    let spec = state.pane(pane);
    let levels: Vec<Level> = rows.iter().map(|r| spec.rows.level(state, spec, *r)).collect();
    let top = levels.iter().copied().max()?;
    levels.iter().position(|l| *l == top)
}

/// The names of a pane's rows in display order.
pub fn order_names(state: &State, pane: PaneId) -> Vec<&str> {
    state.table(pane).rows.iter().map(|r| name(state, pane, *r)).collect()
}

//! What a pane is, declared once per pane: a `PaneSpec` (title, key, section, how it is
//! focused, sort orders, view) and its `PaneRows` (row source, names, sort figures, columns,
//! row figures, detail figures). `State` holds the list (`Vec<PaneSpec>`), and everything that
//! deals with "every pane" (tables, tab bar, layouts, detail view, sorting, filtering,
//! `:pane`) walks that list; nothing matches on pane names.
//!
//! A `PaneId` is an index into that list, so the list may be built at run time. The built-in
//! panes come first, in `builtin()` order, which is why they have constant ids.

pub mod alerts;
pub mod cells;
pub mod connect;
pub mod custom;
pub mod detail;
pub mod dynamodb;
pub mod kinesis;
pub mod lambda;
pub mod nextalk;
pub mod queues;

use crate::app::log_session::LogSource;
use crate::app::rows::{self, RowRef};
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::{Level, Section};
pub use cells::{Cell, Column, Shown, Tone, Width};
pub use detail::{DetailView, Figure, Limit};
use std::fmt;

/// A pane: its place in `State::panes`, which is also focus (Tab) and tab-bar order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PaneId(pub usize);

impl PaneId {
    pub const QUEUES: PaneId = PaneId(0);
    pub const CONNECT: PaneId = PaneId(1);
    pub const LAMBDA: PaneId = PaneId(2);
    pub const KINESIS: PaneId = PaneId(3);
    pub const DYNAMODB: PaneId = PaneId(4);
    pub const NEXTALK: PaneId = PaneId(5);
    pub const ALERTS: PaneId = PaneId(6);

    /// Index into `State::panes` and the per-pane tables.
    pub fn index(self) -> usize {
        self.0
    }
}

/// How a pane is drawn: `ui` has one view for each. Most panes are a plain table; the extras
/// around it take lines the layout reserves (`lines_above`, `lines_below`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// The declared columns, one row per entity.
    Table,
    /// The table under two quota gauges, with a concurrency chart in the lines left free.
    Quotas,
    /// The table over one failover-headroom line.
    Failover,
    /// The alerts list (also summarised in the strip of the compact layouts).
    Alerts,
}

impl View {
    /// Lines the view draws above the table.
    pub fn lines_above(self) -> u16 {
        match self {
            View::Quotas => 2,
            View::Table | View::Failover | View::Alerts => 0,
        }
    }

    /// Lines the view draws under the table.
    pub fn lines_below(self) -> u16 {
        match self {
            View::Failover => 1,
            View::Table | View::Quotas | View::Alerts => 0,
        }
    }
}

/// One pane, declared once.
pub struct PaneSpec {
    /// `:pane KEY`; the section's key for the built-in panes.
    pub key: String,
    pub title: String,
    /// The telemetry section its rows come from (their health, staleness, trends); `None` for
    /// the alerts.
    pub section: Option<Section>,
    /// The keymap action that focuses it (`1`…`7` in the shipped keymaps), if any.
    pub focus: Option<Action>,
    /// The orders its table offers, the default first; empty for a fixed order.
    pub sort_keys: Vec<SortKey>,
    /// Where, in the 2×3 and 3×2 grids, it goes (reading order, lowest first); the alerts
    /// pane is not in the grid.
    pub grid_rank: u16,
    pub view: View,
    pub rows: Box<dyn PaneRows>,
}

impl fmt::Debug for PaneSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PaneSpec").field("key", &self.key).field("view", &self.view).finish_non_exhaustive()
    }
}

impl PaneSpec {
    /// Accepts the key or the title, any case (`:pane dynamodb`, `:pane Alerts`).
    pub fn is_named(&self, name: &str) -> bool {
        let name = name.trim();
        self.key.eq_ignore_ascii_case(name) || self.title.eq_ignore_ascii_case(name)
    }
}

/// A pane's rows: where they come from, what they are called, how they sort, and the figures
/// each shows in its table row and in the detail view. Implemented once per pane (each in its
/// own file beside this one).
pub trait PaneRows: Send + Sync {
    /// How many rows the pane has unfiltered (the `(3 of 1000)` in its title).
    fn total(&self, state: &State) -> usize;

    /// Rows that exist but the source did not read (a cap on a pane's rows): the title says
    /// `+N unread` beside the total, so a cut list never looks whole.
    fn unread(&self, _state: &State) -> usize {
        0
    }

    /// The name a row is filtered on and shown by.
    fn name<'a>(&self, state: &'a State, row: RowRef) -> &'a str;

    /// A stable identity for a row, so the cursor follows it when rows are re-sorted.
    fn key(&self, state: &State, row: RowRef) -> String {
        self.name(state, row).to_string()
    }

    /// The rows for this filter (lower case) and sort: by default every item whose name
    /// matches, in the sort's order.
    fn build(&self, state: &State, spec: &PaneSpec, needle: &str, sort: SortKey) -> Vec<RowRef> {
        rows::flat(state, spec, self.total(state), needle, sort)
    }

    /// The health a row is marked with, which the "worst" order and "select the worst row"
    /// go by: by default its entity's health in the pane's section.
    fn level(&self, state: &State, spec: &PaneSpec, row: RowRef) -> Level {
        spec.section.map_or(Level::Ok, |s| state.assessment.row(s, self.name(state, row)).level)
    }

    /// The figure the "worst" order breaks ties by, and what the other sort keys compare.
    fn sort_figure(&self, _state: &State, _sort: SortKey, _item: usize) -> f64 {
        0.0
    }

    /// The table's columns for a body `width` cells wide (narrow panes drop some).
    fn columns(&self, width: u16) -> Vec<Column>;

    /// One row's cells, one per column (shown or not).
    fn cells(&self, state: &State, row: RowRef, width: u16) -> Vec<Cell>;

    /// Everything about one row, for `Enter`.
    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView>;

    /// The row an alert about `entity` (alert key `alert_key`) points at.
    fn row_for_alert(&self, _state: &State, _entity: &str, _alert_key: &str) -> Option<RowRef> {
        None
    }

    /// The log `l` opens from this row, if rows of this pane have one.
    fn log_source(&self, _state: &State, _row: RowRef) -> Option<LogSource> {
        None
    }

    /// Whether rows of this pane open logs (for the status line's hints).
    fn has_logs(&self) -> bool {
        false
    }

    /// The pane's health when it is not its whole section's (the data-defined panes share
    /// one section): the worst of its own rows. `None`: the section's.
    fn pane_level(&self, _state: &State) -> Option<Level> {
        None
    }

    /// Charts of a row's own columns for the detail view, beside `DetailView::trends` (the
    /// data-defined panes' columns have no `MetricId`).
    fn charts(&self, _state: &State, _row: RowRef) -> Vec<custom::ColumnChart> {
        Vec::new()
    }
}

/// The shipped panes, in focus and tab-bar order (`PaneId::QUEUES`… follow this order).
pub fn builtin() -> Vec<PaneSpec> {
    vec![
        queues::spec(),
        connect::spec(),
        lambda::spec(),
        kinesis::spec(),
        dynamodb::spec(),
        nextalk::spec(),
        alerts::spec(),
    ]
}

/// The shipped panes followed by the data-defined ones (`[[panes]]`, presets), in the order
/// given: the built-in `PaneId`s hold, and the others come after the alerts in Tab order.
pub fn with_defined(defs: &[crate::model::PaneDef]) -> Vec<PaneSpec> {
    let mut all = builtin();
    let next = all.iter().map(|p| p.grid_rank).max().unwrap_or(0) + 1;
    all.extend(defs.iter().enumerate().map(|(i, d)| custom::spec(d, next + i as u16)));
    all
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum SortKey {
    /// Worst health first, then the pane's main figure, then name.
    #[default]
    Worst,
    Name,
    InQueue,
    Oldest,
    Errors,
    P99,
    Lag,
    Throttles,
}

impl SortKey {
    pub const ALL: [SortKey; 8] = [
        SortKey::Worst,
        SortKey::Name,
        SortKey::InQueue,
        SortKey::Oldest,
        SortKey::Errors,
        SortKey::P99,
        SortKey::Lag,
        SortKey::Throttles,
    ];

    /// The word used by `:sort` and shown in pane titles.
    pub fn name(self) -> &'static str {
        match self {
            SortKey::Worst => "worst",
            SortKey::Name => "name",
            SortKey::InQueue => "queue",
            SortKey::Oldest => "oldest",
            SortKey::Errors => "errors",
            SortKey::P99 => "p99",
            SortKey::Lag => "lag",
            SortKey::Throttles => "throttles",
        }
    }

    pub fn from_name(name: &str) -> Option<SortKey> {
        let name = name.trim().to_ascii_lowercase();
        let alias = match name.as_str() {
            "in-queue" | "inqueue" | "contacts" => "queue",
            "age" => "oldest",
            "health" => "worst",
            "iterator" => "lag",
            other => other,
        };
        SortKey::ALL.iter().copied().find(|k| k.name() == alias)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Thresholds;

    #[test]
    fn the_builtin_ids_name_the_builtin_specs() {
        let panes = builtin();
        let key = |id: PaneId| panes[id.index()].key.as_str();
        assert_eq!(key(PaneId::QUEUES), "queues");
        assert_eq!(key(PaneId::CONNECT), "connect");
        assert_eq!(key(PaneId::LAMBDA), "lambda");
        assert_eq!(key(PaneId::KINESIS), "kinesis");
        assert_eq!(key(PaneId::DYNAMODB), "dynamodb");
        assert_eq!(key(PaneId::NEXTALK), "nextalk");
        assert_eq!(key(PaneId::ALERTS), "alerts");
        assert_eq!(panes.len(), 7);
    }

    #[test]
    fn focus_cycles_through_every_pane_both_ways() {
        let s = State::new(Thresholds::default(), 10);
        let mut p = PaneId::QUEUES;
        for _ in 0..s.panes.len() {
            p = s.next_pane(p);
        }
        assert_eq!(p, PaneId::QUEUES);
        assert_eq!(s.prev_pane(PaneId::QUEUES), PaneId::ALERTS);
    }

    #[test]
    fn names_accept_keys_titles_and_aliases() {
        let s = State::new(Thresholds::default(), 10);
        assert_eq!(s.pane_named("dynamodb"), Some(PaneId::DYNAMODB));
        assert_eq!(s.pane_named("NexTalk"), Some(PaneId::NEXTALK));
        assert_eq!(s.pane_named("alerts"), Some(PaneId::ALERTS));
        assert_eq!(s.pane_named("nope"), None);
        assert_eq!(SortKey::from_name("in-queue"), Some(SortKey::InQueue));
        assert_eq!(SortKey::from_name("Oldest"), Some(SortKey::Oldest));
    }
}

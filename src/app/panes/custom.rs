//! A data-defined pane (`[[panes]]`, presets): one generic spec built from its definition, so
//! a new pane of CloudWatch metrics costs a config entry, not code. Its rows are
//! `Snapshot::panes[<id>]`; their health, reasons and alerts come from the assessment
//! (`Section::Panes`, entity `<id>/<row>`) and their trends from the history, like every
//! built-in row.

use crate::app::panes::cells::spark;
use crate::app::panes::{
    Cell, Column, DetailView, Figure, Limit, PaneRows, PaneSpec, Shown, SortKey, View, Width,
};
use crate::app::rows::RowRef;
use crate::app::state::State;
use crate::model::custom::{PaneData, PaneDef, entity};
use crate::model::{Level, Section, Threshold, Unit};
use std::sync::Arc;

const TREND: usize = 8;

/// A column's chart in the detail view: the trend of one column of one row, with its limits.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnChart {
    /// `<pane>/<row>`, the history's key with `label`.
    pub entity: String,
    pub label: String,
    pub unit: Unit,
    pub threshold: Threshold,
}

/// The spec of one data-defined pane; `rank` places it in the grids after the built-in ones.
pub fn spec(def: &PaneDef, rank: u16) -> PaneSpec {
    // Column headers are `&'static str` (the built-in panes' are literals): each label is
    // leaked once here, when the pane list is built at start, never per frame.
    let headers = def.columns.iter().map(|c| &*Box::leak(c.label.clone().into_boxed_str())).collect();
    let row_header = Box::leak(def.row_dimension.clone().into_boxed_str());
    PaneSpec {
        key: def.id.clone(),
        title: def.title.clone(),
        section: Some(Section::Panes),
        focus: None,
        sort_keys: vec![SortKey::Worst, SortKey::Name],
        grid_rank: rank,
        view: View::Table,
        rows: Box::new(Custom { def: Arc::new(def.clone()), headers, row_header }),
    }
}

struct Custom {
    def: Arc<PaneDef>,
    headers: Vec<&'static str>,
    row_header: &'static str,
}

impl Custom {
    fn data<'a>(&self, state: &'a State) -> Option<&'a PaneData> {
        state.snapshot.panes.iter().find(|p| p.id == self.def.id)
    }

    /// The column that sets a row's health (the first of its worst), else its first judged
    /// column, else the first: what its trend shows and its chart leads with.
    fn leading(&self, data: &PaneData, item: usize) -> usize {
        let cols = &data.def.columns;
        let worst = (0..cols.len())
            .map(|i| (cols[i].health(data.value(item, i)).level, i))
            .filter(|(l, _)| *l > Level::Ok)
            .max_by(|(la, ia), (lb, ib)| la.cmp(lb).then(ib.cmp(ia)));
        match worst {
            Some((_, i)) => i,
            None => cols.iter().position(|c| c.judged()).unwrap_or(0),
        }
    }
}

impl PaneRows for Custom {
    fn total(&self, state: &State) -> usize {
        self.data(state).map_or(0, |d| d.rows.len())
    }

    fn unread(&self, state: &State) -> usize {
        self.data(state).map_or(0, |d| d.unread)
    }

    fn name<'a>(&self, state: &'a State, row: RowRef) -> &'a str {
        self.data(state).and_then(|d| d.rows.get(row.item)).map_or("", |r| r.name.as_str())
    }

    fn level(&self, state: &State, _spec: &PaneSpec, row: RowRef) -> Level {
        state.assessment.row(Section::Panes, &entity(&self.def.id, self.name(state, row))).level
    }

    fn pane_level(&self, state: &State) -> Option<Level> {
        let level = |r: &crate::model::PaneRow| {
            state.assessment.row(Section::Panes, &entity(&self.def.id, &r.name)).level
        };
        Some(self.data(state).map_or(Level::Unknown, |d| d.rows.iter().map(level).max().unwrap_or(Level::Ok)))
    }

    fn sort_figure(&self, state: &State, _sort: SortKey, item: usize) -> f64 {
        self.data(state).and_then(|d| d.value(item, self.leading(d, item))).unwrap_or(0.0)
    }

    fn columns(&self, _width: u16) -> Vec<Column> {
        let mut out = vec![Column::fixed("", 1), Column::new(self.row_header, Width::Name)];
        // The first two figures always show; the others as the pane's width allows.
        let mut beside = 0;
        for (i, h) in self.headers.iter().enumerate() {
            let w = (h.chars().count() as u16).max(7);
            beside += w + 1;
            let c = Column::fixed(h, w);
            out.push(if i < 2 { c } else { c.when(Shown::BesideName(beside)) });
        }
        out.push(Column::fixed("Trend", TREND as u16).when(Shown::BesideName(beside + TREND as u16 + 1)));
        out
    }

    fn cells(&self, state: &State, row: RowRef, width: u16) -> Vec<Cell> {
        let Some(data) = self.data(state) else { return Vec::new() };
        let Some(r) = data.rows.get(row.item) else { return Vec::new() };
        let _ = width;
        let e = entity(&self.def.id, &r.name);
        let mut out =
            vec![Cell::mark(state.assessment.row(Section::Panes, &e).level), Cell::plain(r.name.clone())];
        for (i, c) in data.def.columns.iter().enumerate() {
            out.push(match data.value(row.item, i) {
                Some(v) => Cell::figure(c.format(v), c.level(v)),
                // Unknown, never 0: no datapoint is a question mark.
                None if c.judged() => Cell::figure("?", Level::Unknown),
                None => Cell::muted("?"),
            });
        }
        let lead = self.leading(data, row.item);
        let trend = data.def.columns.get(lead).map(|c| {
            let floor = c.threshold.warn.unwrap_or(0.0);
            let text = spark(state.history.column(&e, &c.label), TREND, floor);
            match data.value(row.item, lead).map(|v| c.level(v)) {
                Some(l) if l > Level::Ok => Cell::figure(text, l),
                _ => Cell::muted(text),
            }
        });
        out.push(trend.unwrap_or_else(|| Cell::muted("")));
        out
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let data = self.data(state)?;
        let r = data.rows.get(row.item)?;
        let h = state.assessment.row(Section::Panes, &entity(&self.def.id, &r.name));
        let mut figures: Vec<Figure> = data
            .def
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let limit = Limit::Own(c.threshold, c.unit);
                let label = format!("{} ({} {})", c.label, c.metric, c.stat.as_str());
                match data.value(row.item, i) {
                    Some(v) => Figure { label, value: c.format(v), level: c.level(v), limit },
                    None => Figure {
                        label,
                        value: "– no datapoint".into(),
                        level: if c.judged() { Level::Unknown } else { Level::Ok },
                        limit,
                    },
                }
            })
            .collect();
        let mut dims = vec![format!("{}={}", data.def.row_dimension, r.name)];
        dims.extend(data.def.dimensions.iter().map(|(k, v)| format!("{k}={v}")));
        // Where the figures come from, in the wide label column (the value column is narrow).
        figures.push(Figure::plain(&format!("{} {}", data.def.namespace, dims.join(", ")), "source".into()));
        Some(DetailView {
            title: format!("{} {}", data.def.title, r.name),
            level: h.level,
            reason: h.reason,
            figures,
            trends: Vec::new(),
        })
    }

    fn charts(&self, state: &State, row: RowRef) -> Vec<ColumnChart> {
        let Some(data) = self.data(state) else { return Vec::new() };
        let Some(r) = data.rows.get(row.item) else { return Vec::new() };
        let e = entity(&self.def.id, &r.name);
        let lead = self.leading(data, row.item);
        let mut order: Vec<usize> = (0..data.def.columns.len()).collect();
        order.retain(|&i| i != lead);
        order.insert(0, lead);
        order
            .into_iter()
            .filter_map(|i| data.def.columns.get(i))
            .map(|c| ColumnChart {
                entity: e.clone(),
                label: c.label.clone(),
                unit: c.unit,
                threshold: c.threshold,
            })
            .collect()
    }

    fn row_for_alert(&self, state: &State, entity: &str, _alert_key: &str) -> Option<RowRef> {
        let name = entity.strip_prefix(&self.def.id)?.strip_prefix('/')?;
        self.data(state)?.rows.iter().position(|r| r.name == name).map(RowRef::item)
    }
}

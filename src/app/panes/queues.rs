//! Queues: who is waiting, for how long, and who could answer; and how the last minutes went
//! (service level, abandonment, average answer time). Worst first by default.

use crate::app::panes::cells::{health_first, health_trend, measured};
use crate::app::panes::{Cell, Column, DetailView, Figure, PaneRows, PaneSpec, Shown, SortKey, View, Width};
use crate::app::rows::RowRef;
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::{MetricId, Section, Unit};

const TREND: usize = 8;
/// The figures a queue's trend can show, its main one first.
const TRENDED: [MetricId; 4] = [
    MetricId::ContactsInQueue,
    MetricId::OldestContactAge,
    MetricId::ServiceLevel,
    MetricId::AbandonmentRate,
];

pub fn spec() -> PaneSpec {
    PaneSpec {
        key: Section::Queues.key().into(),
        title: Section::Queues.title().into(),
        section: Some(Section::Queues),
        focus: Some(Action::PaneQueues),
        sort_keys: vec![SortKey::Worst, SortKey::Name, SortKey::InQueue, SortKey::Oldest],
        grid_rank: 0,
        view: View::Table,
        rows: Box::new(Queues),
    }
}

struct Queues;

impl PaneRows for Queues {
    fn total(&self, state: &State) -> usize {
        state.snapshot.connect.queues.len()
    }

    fn name<'a>(&self, state: &'a State, row: RowRef) -> &'a str {
        state.snapshot.connect.queues.get(row.item).map_or("", |q| q.name.as_str())
    }

    fn sort_figure(&self, state: &State, sort: SortKey, item: usize) -> f64 {
        state.snapshot.connect.queues.get(item).map_or(0.0, |q| match sort {
            SortKey::InQueue => q.contacts_in_queue as f64,
            _ => q.oldest_contact_age_s.unwrap_or(0.0),
        })
    }

    fn columns(&self, _width: u16) -> Vec<Column> {
        vec![
            Column::fixed("", 1),
            Column::new("Queue", Width::Name),
            Column::fixed("In q", 4),
            Column::fixed("Oldest", 6),
            Column::fixed("Avl/On", 6),
            // Service level and abandonment before the trend: they are judged; the average
            // answer time is context and goes first when the pane is narrow.
            Column::fixed("SL", 5).when(Shown::Wide(44)),
            Column::fixed("Aband", 5).when(Shown::Wide(50)),
            Column::fixed("Ans", 6).when(Shown::Wide(64)),
            Column::fixed("Trend", TREND as u16),
            Column::new("Why", Width::Fill(1)).when(Shown::Wide(70)),
        ]
    }

    fn cells(&self, state: &State, row: RowRef, _width: u16) -> Vec<Cell> {
        let Some(q) = state.snapshot.connect.queues.get(row.item) else { return Vec::new() };
        let t = &state.thresholds;
        let health = state.assessment.row(Section::Queues, &q.name);
        let waiting = q.contacts_in_queue as f64;
        vec![
            Cell::mark(health.level),
            Cell::plain(q.name.clone()),
            Cell::figure(q.contacts_in_queue.to_string(), t.level(MetricId::ContactsInQueue, waiting)),
            measured(state, MetricId::OldestContactAge, q.oldest_contact_age_s),
            Cell::plain(format!("{}/{}", q.agents_available, q.agents_online)),
            measured(state, MetricId::ServiceLevel, q.service_level_pct),
            measured(state, MetricId::AbandonmentRate, q.abandonment_rate_pct),
            match q.avg_answer_time_s {
                Some(s) => Cell::plain(crate::model::metric::format_value(Unit::Seconds, s)),
                None => Cell::plain("-"),
            },
            health_trend(state, Section::Queues, &q.name, &TRENDED, TREND),
            Cell::level(health.reason.unwrap_or_default(), health.level),
        ]
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let q = state.snapshot.connect.queues.get(row.item)?;
        let h = state.assessment.row(Section::Queues, &q.name);
        let mut figures =
            vec![Figure::measured(state, MetricId::ContactsInQueue, q.contacts_in_queue as f64)];
        figures.push(match q.oldest_contact_age_s {
            Some(a) => Figure::measured(state, MetricId::OldestContactAge, a),
            None => Figure::plain("oldest contact", "nobody waiting".into()),
        });
        figures.push(Figure::plain("agents online", q.agents_online.to_string()));
        figures.push(Figure::plain("agents available", q.agents_available.to_string()));
        figures.push(Figure::plain("agents on contact", q.agents_on_contact.to_string()));
        // Service figures over the recent window; missing ones say why, never read as 0.
        let none = "no contacts";
        let mut sl = Figure::expected(state, MetricId::ServiceLevel, q.service_level_pct, none);
        if let Some(th) = q.service_level_threshold_s {
            sl.label = format!("{} (answered < {th}s)", sl.label);
        }
        figures.push(sl);
        figures.push(Figure::expected(state, MetricId::AbandonmentRate, q.abandonment_rate_pct, none));
        figures.push(match q.avg_answer_time_s {
            Some(s) => Figure::plain("avg answer time", crate::model::metric::format_value(Unit::Seconds, s)),
            None => Figure::plain("avg answer time", "– no answers".into()),
        });
        Some(DetailView {
            title: format!("queue {}", q.name),
            level: h.level,
            reason: h.reason,
            figures,
            trends: health_first(state, Section::Queues, &q.name, &TRENDED),
        })
    }

    fn row_for_alert(&self, state: &State, entity: &str, _alert_key: &str) -> Option<RowRef> {
        state.snapshot.connect.queues.iter().position(|q| q.name == entity).map(RowRef::item)
    }
}

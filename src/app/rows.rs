//! Which rows a pane's table shows and in what order: filtered by name, sorted by the pane's
//! sort key. Rows are indices into the snapshot so nothing big is copied.

use crate::app::pane::{Pane, SortKey};
use crate::app::state::State;
use crate::model::{Level, MetricId, Section};

/// One table row: `item` indexes the pane's list (queues, functions…, alerts, or the Connect
/// figures); `sub` is a Windows service under a NexTalk server.
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

/// The instance-wide figures of the Connect pane, one row each.
pub const CONNECT_FIGURES: [MetricId; 5] = [
    MetricId::ConcurrentCallsPct,
    MetricId::ConcurrentChatsPct,
    MetricId::MissedCalls,
    MetricId::ThrottledCalls,
    MetricId::ContactFlowErrors,
];

/// Case-insensitive substring match; an empty needle matches everything.
pub fn matches(haystack: &str, needle_lower: &str) -> bool {
    needle_lower.is_empty() || haystack.to_lowercase().contains(needle_lower)
}

/// The name a row is filtered on and shown by.
pub fn name(state: &State, pane: Pane, row: RowRef) -> &str {
    let s = &state.snapshot;
    let found = match pane {
        Pane::Queues => s.connect.queues.get(row.item).map(|q| q.name.as_str()),
        Pane::Connect => CONNECT_FIGURES.get(row.item).map(|m| m.label()),
        Pane::Lambda => s.lambda.get(row.item).map(|f| f.name.as_str()),
        Pane::Kinesis => s.kinesis.get(row.item).map(|k| k.name.as_str()),
        Pane::DynamoDb => s.dynamodb.get(row.item).map(|d| d.name.as_str()),
        Pane::NexTalk => s.nextalk.servers.get(row.item).and_then(|srv| match row.sub {
            None => Some(srv.name.as_str()),
            Some(i) => srv.services.get(i).map(|svc| svc.name.as_str()),
        }),
        Pane::Alerts => state.alerts.get(row.item).map(|a| a.what.as_str()),
    };
    found.unwrap_or("")
}

/// A stable identity for a row, so the cursor can follow it when rows are re-sorted.
pub fn key(state: &State, pane: Pane, row: RowRef) -> String {
    match (pane, row.sub) {
        (Pane::NexTalk, Some(_)) => {
            let server = name(state, pane, RowRef::item(row.item));
            format!("{server}/{}", name(state, pane, row))
        }
        (Pane::Alerts, _) => state.alerts.get(row.item).map(|a| a.key.clone()).unwrap_or_default(),
        _ => name(state, pane, row).to_string(),
    }
}

/// The rows of one pane for this filter and sort.
pub fn build(state: &State, pane: Pane, filter: &str, sort: SortKey) -> Vec<RowRef> {
    let needle = filter.to_lowercase();
    let s = &state.snapshot;
    let count = match pane {
        Pane::Queues => s.connect.queues.len(),
        Pane::Connect => CONNECT_FIGURES.len(),
        Pane::Lambda => s.lambda.len(),
        Pane::Kinesis => s.kinesis.len(),
        Pane::DynamoDb => s.dynamodb.len(),
        Pane::NexTalk => return nextalk_rows(state, &needle, sort),
        Pane::Alerts => {
            return (0..state.alerts.len())
                .filter(|&i| {
                    let a = &state.alerts[i];
                    matches(&a.what, &needle) || matches(&a.reason, &needle)
                })
                .map(RowRef::item)
                .collect();
        }
    };
    let mut rows: Vec<RowRef> =
        (0..count).map(RowRef::item).filter(|&r| matches(name(state, pane, r), &needle)).collect();
    if let Some(section) = pane.section().filter(|_| pane != Pane::Connect) {
        sort_items(state, pane, section, sort, &mut rows);
    }
    rows
}

/// Servers sorted and filtered; each server's services follow it in their own order. A server
/// stays when a service of it matches, so the match is seen in context.
fn nextalk_rows(state: &State, needle: &str, sort: SortKey) -> Vec<RowRef> {
    let servers = &state.snapshot.nextalk.servers;
    let mut order: Vec<RowRef> = (0..servers.len()).map(RowRef::item).collect();
    sort_items(state, Pane::NexTalk, Section::NexTalk, sort, &mut order);
    let mut rows = Vec::new();
    for r in order {
        let srv = &servers[r.item];
        let server_hit = matches(&srv.name, needle);
        let services: Vec<usize> = (0..srv.services.len())
            .filter(|&i| server_hit || matches(&srv.services[i].name, needle))
            .collect();
        if server_hit || !services.is_empty() {
            rows.push(r);
            rows.extend(services.into_iter().map(|i| RowRef { item: r.item, sub: Some(i) }));
        }
    }
    rows
}

/// The figure a pane's "worst" order breaks ties by, and what its other sort keys compare.
fn figure(state: &State, pane: Pane, sort: SortKey, item: usize) -> f64 {
    let s = &state.snapshot;
    match pane {
        Pane::Queues => s.connect.queues.get(item).map_or(0.0, |q| match sort {
            SortKey::InQueue => q.contacts_in_queue as f64,
            _ => q.oldest_contact_age_s.unwrap_or(0.0),
        }),
        Pane::Lambda => s.lambda.get(item).map_or(0.0, |f| match sort {
            SortKey::P99 => f.duration_p99_ms.unwrap_or(0.0),
            _ => f.error_rate_pct(),
        }),
        Pane::Kinesis => s.kinesis.get(item).map_or(0.0, |k| k.iterator_age_ms.unwrap_or(0.0)),
        Pane::DynamoDb => s.dynamodb.get(item).map_or(0.0, |d| d.throttles() as f64),
        Pane::NexTalk => s.nextalk.servers.get(item).map_or(0.0, |srv| srv.port_pct()),
        Pane::Connect | Pane::Alerts => 0.0,
    }
}

fn sort_items(state: &State, pane: Pane, section: Section, sort: SortKey, rows: &mut [RowRef]) {
    let by_name = |a: &RowRef, b: &RowRef| name(state, pane, *a).cmp(name(state, pane, *b));
    let by_figure_desc = |a: &RowRef, b: &RowRef| {
        figure(state, pane, sort, b.item).total_cmp(&figure(state, pane, sort, a.item))
    };
    match sort {
        SortKey::Name => rows.sort_by(by_name),
        SortKey::Worst => {
            // Levels looked up once per row, not once per comparison.
            let mut keyed: Vec<(Level, RowRef)> = rows
                .iter()
                .map(|r| (state.assessment.row(section, name(state, pane, *r)).level, *r))
                .collect();
            keyed.sort_by(|(la, a), (lb, b)| {
                lb.cmp(la).then_with(|| by_figure_desc(a, b)).then_with(|| by_name(a, b))
            });
            for (slot, (_, r)) in rows.iter_mut().zip(keyed) {
                *slot = r;
            }
        }
        _ => rows.sort_by(|a, b| by_figure_desc(a, b).then_with(|| by_name(a, b))),
    }
}

/// The names of a pane's rows in display order.
pub fn order_names(state: &State, pane: Pane) -> Vec<&str> {
    state.table(pane).rows.iter().map(|r| name(state, pane, *r)).collect()
}

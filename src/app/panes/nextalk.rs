//! NexTalk: ports per server, each Windows service's state under its server, SSM
//! reachability; the view adds whether one server could carry both (failover headroom). Rows
//! open the server's newest log.

use crate::app::log_session::LogSource;
use crate::app::panes::cells::bar;
use crate::app::panes::{Cell, Column, DetailView, Figure, PaneRows, PaneSpec, Shown, SortKey, View, Width};
use crate::app::rows::{self, RowRef, matches};
use crate::app::state::State;
use crate::keymap::Action;
use crate::model::assess::{ping_health, service_health};
use crate::model::{Level, MetricId, Section, age};

const BAR: usize = 6;

pub fn spec() -> PaneSpec {
    PaneSpec {
        key: Section::NexTalk.key().into(),
        title: Section::NexTalk.title().into(),
        section: Some(Section::NexTalk),
        focus: Some(Action::PaneNexTalk),
        sort_keys: vec![SortKey::Worst, SortKey::Name],
        grid_rank: 2,
        view: View::Failover,
        rows: Box::new(NexTalk),
    }
}

/// Inside the NexTalk pane the product name adds nothing: `Chat Bridge` reads faster than
/// `NexTalk Chat Bridge`. The detail view and alerts keep the full service name.
pub fn short_service_name(name: &str) -> &str {
    name.strip_prefix("NexTalk ").filter(|rest| !rest.is_empty()).unwrap_or(name)
}

struct NexTalk;

impl PaneRows for NexTalk {
    fn total(&self, state: &State) -> usize {
        state.snapshot.nextalk.servers.iter().map(|srv| 1 + srv.services.len()).sum()
    }

    /// A server row is the server; `sub` is one of its Windows services.
    fn name<'a>(&self, state: &'a State, row: RowRef) -> &'a str {
        let found = state.snapshot.nextalk.servers.get(row.item).and_then(|srv| match row.sub {
            None => Some(srv.name.as_str()),
            Some(i) => srv.services.get(i).map(|svc| svc.name.as_str()),
        });
        found.unwrap_or("")
    }

    fn key(&self, state: &State, row: RowRef) -> String {
        match row.sub {
            Some(_) => format!("{}/{}", self.name(state, RowRef::item(row.item)), self.name(state, row)),
            None => self.name(state, row).to_string(),
        }
    }

    /// Servers sorted and filtered; each server's services follow it in their own order. A
    /// server stays when a service of it matches, so the match is seen in context.
    fn build(&self, state: &State, spec: &PaneSpec, needle: &str, sort: SortKey) -> Vec<RowRef> {
        let servers = &state.snapshot.nextalk.servers;
        let mut order: Vec<RowRef> = (0..servers.len()).map(RowRef::item).collect();
        rows::sort_items(state, spec, sort, &mut order);
        let mut out = Vec::new();
        for r in order {
            let srv = &servers[r.item];
            let server_hit = matches(&srv.name, needle);
            let services: Vec<usize> = (0..srv.services.len())
                .filter(|&i| server_hit || matches(&srv.services[i].name, needle))
                .collect();
            if server_hit || !services.is_empty() {
                out.push(r);
                out.extend(services.into_iter().map(|i| RowRef { item: r.item, sub: Some(i) }));
            }
        }
        out
    }

    fn sort_figure(&self, state: &State, _sort: SortKey, item: usize) -> f64 {
        state.snapshot.nextalk.servers.get(item).and_then(|srv| srv.port_pct()).unwrap_or(0.0)
    }

    fn columns(&self, _width: u16) -> Vec<Column> {
        vec![
            Column::fixed("", 1),
            Column::new("Server / service", Width::Name),
            Column::fixed("Ports", 5),
            Column::fixed("Load/state", BAR as u16 + 5),
            Column::fixed("SSM", 8),
            Column::fixed("Seen", 5).when(Shown::Wide(60)),
        ]
    }

    fn cells(&self, state: &State, row: RowRef, _width: u16) -> Vec<Cell> {
        let Some(srv) = state.snapshot.nextalk.servers.get(row.item) else { return Vec::new() };
        match row.sub {
            None => {
                let t = &state.thresholds;
                let level = state.assessment.row(Section::NexTalk, &srv.name).level;
                let ping = ping_health(srv.ssm_ping);
                // Without a ports figure the load is unknown: `?`, never an empty bar at 0 %.
                let (ports, load) = match (srv.ports_in_use, srv.port_pct()) {
                    (Some(n), Some(pct)) => {
                        let l = t.level(MetricId::PortUtilisation, pct);
                        (
                            Cell::figure(format!("{n}/{}", srv.ports_capacity), l),
                            Cell::figure(
                                format!("{} {}", bar(pct, BAR), MetricId::PortUtilisation.format(pct)),
                                l,
                            ),
                        )
                    }
                    _ => (
                        Cell::level(format!("?/{}", srv.ports_capacity), Level::Unknown),
                        Cell::level("? unknown", Level::Unknown),
                    ),
                };
                vec![
                    Cell::mark(level),
                    Cell::title(srv.name.clone()),
                    ports,
                    load,
                    Cell::figure(srv.ssm_ping.short(), ping.level),
                    Cell::plain(age(state.now, srv.last_seen)),
                ]
            }
            Some(i) => {
                let Some(svc) = srv.services.get(i) else { return Vec::new() };
                let health = service_health(&svc.name, svc.status);
                vec![
                    Cell::mark(health.level),
                    Cell::plain(format!("  {}", short_service_name(&svc.name))),
                    Cell::plain(""),
                    Cell::figure(svc.status.as_str(), health.level),
                    Cell::plain(""),
                    Cell::plain(""),
                ]
            }
        }
    }

    fn detail(&self, state: &State, row: RowRef) -> Option<DetailView> {
        let s = &state.snapshot;
        let srv = s.nextalk.servers.get(row.item)?;
        let h = state.assessment.row(Section::NexTalk, &srv.name);
        let in_use = srv.ports_in_use.map_or_else(|| "?".to_string(), |n| n.to_string());
        let mut figures = vec![
            Figure::expected(state, MetricId::PortUtilisation, srv.port_pct(), "no ports figure"),
            Figure::counts("ports", format!("{in_use} of {}", srv.ports_capacity), MetricId::PortUtilisation),
        ];
        let ping = ping_health(srv.ssm_ping);
        figures.push(Figure::rule("SSM agent", srv.ssm_ping.as_str().into(), ping.level, "must be Online"));
        figures.push(Figure::plain("last seen", format!("{} ago", age(state.now, srv.last_seen))));
        for svc in &srv.services {
            let sh = service_health(&svc.name, svc.status);
            figures.push(Figure::rule(&svc.name, svc.status.as_str().into(), sh.level, "must be Running"));
        }
        if let Some(f) = s.nextalk.failover() {
            figures.push(Figure::expected(
                state,
                MetricId::FailoverLoad,
                f.load_pct,
                "a server's ports unknown",
            ));
        }
        let e = srv.name.clone();
        Some(DetailView {
            // The instance is which machine, not a figure: it goes with the title.
            title: format!("NexTalk {} ({})", srv.name, srv.instance_id),
            level: h.level,
            reason: h.reason,
            figures,
            trends: vec![
                (Section::NexTalk, e, MetricId::PortUtilisation),
                (Section::NexTalk, String::new(), MetricId::FailoverLoad),
            ],
        })
    }

    /// An alert about the pair as a whole (failover headroom) points at the first server.
    fn row_for_alert(&self, state: &State, entity: &str, _alert_key: &str) -> Option<RowRef> {
        let servers = &state.snapshot.nextalk.servers;
        let item = if entity.is_empty() {
            (!servers.is_empty()).then_some(0)
        } else {
            servers.iter().position(|srv| srv.name == entity)
        };
        item.map(RowRef::item)
    }

    fn log_source(&self, state: &State, row: RowRef) -> Option<LogSource> {
        state.snapshot.nextalk.servers.get(row.item).map(|srv| LogSource::Server(srv.name.clone()))
    }

    fn has_logs(&self) -> bool {
        true
    }
}

//! From a snapshot and thresholds to findings: one per unhealthy figure, each with a stable key
//! so alerts can keep their start time across snapshots.

use crate::model::health::{Health, Level};
use crate::model::metric::MetricId;
use crate::model::telemetry::{PingStatus, Section, ServiceStatus, Snapshot};
use crate::model::thresholds::Thresholds;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    /// Stable identity: `queue:Billing:queue_oldest_contact_age_s`.
    pub key: String,
    pub section: Section,
    /// The row it belongs to (queue, function, server name…); empty for instance-wide figures.
    pub entity: String,
    pub level: Level,
    /// `queue Billing`, `NexTalk nt-a / NexTalk Chat Bridge`.
    pub what: String,
    pub reason: String,
    /// The metric judged, when a threshold made it (not for service states or SSM ping).
    #[serde(skip)]
    pub metric: Option<MetricId>,
}

/// Everything the thresholds say about one snapshot.
#[derive(Debug, Clone, Default)]
pub struct Assessment {
    pub findings: Vec<Finding>,
    /// Worst level per (section, entity), for colouring rows, and the metric that set it.
    rows: HashMap<(Section, String), (Health, Option<MetricId>)>,
    sections: HashMap<Section, Level>,
}

impl Assessment {
    pub fn overall(&self) -> Level {
        self.findings.iter().map(|f| f.level).max().unwrap_or(Level::Ok)
    }

    pub fn row(&self, section: Section, entity: &str) -> Health {
        self.rows.get(&(section, entity.to_string())).map(|(h, _)| h.clone()).unwrap_or_default()
    }

    /// The metric whose figure sets the row's health (the first of its worst findings), when
    /// the row is not ok because of a threshold: what its trend and chart should show.
    pub fn row_metric(&self, section: Section, entity: &str) -> Option<MetricId> {
        self.rows.get(&(section, entity.to_string())).and_then(|(_, m)| *m)
    }

    pub fn section(&self, section: Section) -> Level {
        self.sections.get(&section).copied().unwrap_or(Level::Ok)
    }

    fn push(&mut self, section: Section, entity: &str, what: String, key: &str, health: Health) {
        self.push_finding(section, entity, what, key, health, None);
    }

    fn push_finding(
        &mut self,
        section: Section,
        entity: &str,
        what: String,
        key: &str,
        health: Health,
        metric: Option<MetricId>,
    ) {
        if health.level == Level::Ok {
            return;
        }
        let reason = health.reason.clone().unwrap_or_default();
        let row = self.rows.entry((section, entity.to_string())).or_default();
        // On a tie the first stays, as `Health::worst` keeps the first reason.
        if health.level > row.0.level {
            *row = (health.clone(), metric);
        }
        let s = self.sections.entry(section).or_default();
        *s = (*s).max(health.level);
        self.findings.push(Finding {
            key: format!("{}:{entity}:{key}", section.key()),
            section,
            entity: entity.to_string(),
            level: health.level,
            what,
            reason,
            metric,
        });
    }

    fn metric(&mut self, t: &Thresholds, section: Section, entity: &str, what: &str, m: MetricId, v: f64) {
        let h = t.health(m, v);
        self.push_finding(section, entity, what.to_string(), m.key(), h, Some(m));
    }

    /// A figure that should be there: without one its health is unknown, never ok.
    fn expected(
        &mut self,
        t: &Thresholds,
        section: Section,
        entity: &str,
        what: &str,
        m: MetricId,
        v: Option<f64>,
    ) {
        match v {
            Some(v) => self.metric(t, section, entity, what, m, v),
            None => {
                let h = Health::new(Level::Unknown, format!("{} unknown", m.label()));
                self.push_finding(section, entity, what.to_string(), m.key(), h, Some(m));
            }
        }
    }
}

/// Health of a Windows service by its state: anything but Running hurts.
pub fn service_health(name: &str, status: ServiceStatus) -> Health {
    match status {
        ServiceStatus::Running => Health::ok(),
        ServiceStatus::StartPending => Health::new(Level::Warn, format!("{name} is starting")),
        ServiceStatus::Unknown => Health::new(Level::Unknown, format!("{name} state unknown")),
        ServiceStatus::NotFound => Health::new(Level::Crit, format!("{name} is not installed")),
        other => Health::new(Level::Crit, format!("{name} is {}", other.as_str())),
    }
}

pub fn ping_health(ping: PingStatus) -> Health {
    match ping {
        PingStatus::Online => Health::ok(),
        PingStatus::Inactive => Health::new(Level::Warn, "SSM agent Inactive"),
        PingStatus::ConnectionLost => Health::new(Level::Crit, "SSM agent ConnectionLost"),
        PingStatus::Unknown => Health::new(Level::Unknown, "SSM agent ping unknown"),
    }
}

pub fn assess(s: &Snapshot, t: &Thresholds) -> Assessment {
    let mut a = Assessment::default();
    let c = &s.connect;
    let inst = "Connect instance";
    a.expected(t, Section::Connect, "", inst, MetricId::ConcurrentCallsPct, c.calls_pct());
    a.expected(t, Section::Connect, "", inst, MetricId::ConcurrentChatsPct, c.chats_pct());
    a.metric(t, Section::Connect, "", inst, MetricId::MissedCalls, c.missed_calls as f64);
    a.metric(t, Section::Connect, "", inst, MetricId::ThrottledCalls, c.throttled_calls as f64);
    a.metric(t, Section::Connect, "", inst, MetricId::ContactFlowErrors, c.contact_flow_errors as f64);

    for q in &c.queues {
        let what = format!("queue {}", q.name);
        a.metric(t, Section::Queues, &q.name, &what, MetricId::ContactsInQueue, q.contacts_in_queue as f64);
        if let Some(age) = q.oldest_contact_age_s {
            a.metric(t, Section::Queues, &q.name, &what, MetricId::OldestContactAge, age);
        }
        // No contact left the queue in the window: nothing to judge, and no finding (an idle
        // queue at night is not unknown health). The figure itself stays unknown, never 0.
        if let Some(p) = q.service_level_pct {
            a.metric(t, Section::Queues, &q.name, &what, MetricId::ServiceLevel, p);
        }
        if let Some(p) = q.abandonment_rate_pct {
            a.metric(t, Section::Queues, &q.name, &what, MetricId::AbandonmentRate, p);
        }
    }
    for f in &s.lambda {
        let what = format!("function {}", f.name);
        // Not invoked, no rate: an idle function is not failing.
        if let Some(rate) = f.error_rate_pct() {
            a.metric(t, Section::Lambda, &f.name, &what, MetricId::LambdaErrorRate, rate);
        }
        a.metric(t, Section::Lambda, &f.name, &what, MetricId::LambdaThrottles, f.throttles as f64);
        if let Some(p99) = f.duration_p99_ms {
            a.metric(t, Section::Lambda, &f.name, &what, MetricId::LambdaDurationP99, p99);
        }
    }
    for k in &s.kinesis {
        let what = format!("stream {}", k.name);
        if let Some(age) = k.iterator_age_ms {
            a.metric(t, Section::Kinesis, &k.name, &what, MetricId::IteratorAge, age);
        }
        if let Some(lat) = k.put_latency_ms {
            a.metric(t, Section::Kinesis, &k.name, &what, MetricId::PutLatency, lat);
        }
        let exceeded = k.throughput_exceeded() as f64;
        a.metric(t, Section::Kinesis, &k.name, &what, MetricId::ThroughputExceeded, exceeded);
    }
    for d in &s.dynamodb {
        let what = format!("table {}", d.name);
        if let Some(p) = d.read_pct() {
            a.metric(t, Section::DynamoDb, &d.name, &what, MetricId::ReadUtilisation, p);
        }
        if let Some(p) = d.write_pct() {
            a.metric(t, Section::DynamoDb, &d.name, &what, MetricId::WriteUtilisation, p);
        }
        a.metric(t, Section::DynamoDb, &d.name, &what, MetricId::ThrottleEvents, d.throttles() as f64);
    }
    for srv in &s.nextalk.servers {
        let what = format!("NexTalk {}", srv.name);
        a.expected(t, Section::NexTalk, &srv.name, &what, MetricId::PortUtilisation, srv.port_pct());
        for svc in &srv.services {
            let key = format!("service:{}", svc.name);
            let what = format!("NexTalk {} / {}", srv.name, svc.name);
            a.push(Section::NexTalk, &srv.name, what, &key, service_health(&svc.name, svc.status));
        }
        a.push(Section::NexTalk, &srv.name, what, "ssm_ping", ping_health(srv.ssm_ping));
    }
    if let Some(f) = s.nextalk.failover() {
        let what = "NexTalk failover headroom";
        a.expected(t, Section::NexTalk, "", what, MetricId::FailoverLoad, f.load_pct);
    }
    for pane in &s.panes {
        for (r, row) in pane.rows.iter().enumerate() {
            let entity = crate::model::custom::entity(&pane.id, &row.name);
            let what = format!("{} {}", pane.def.title, row.name);
            for (i, col) in pane.def.columns.iter().enumerate() {
                let h = col.health(pane.value(r, i));
                a.push(Section::Panes, &entity, what.clone(), &col.label, h);
            }
        }
    }
    for gap in &s.gaps {
        let h = Health::new(Level::Unknown, gap.error.clone());
        a.push(gap.section, "", format!("{} source", gap.section.title()), "collect", h);
    }
    a
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::telemetry::*;

    fn snap() -> Snapshot {
        Snapshot {
            connect: Connect {
                concurrent_calls: 10,
                concurrent_calls_quota: 100,
                concurrent_chats_quota: 100,
                queues: vec![Queue {
                    name: "Billing".into(),
                    contacts_in_queue: 3,
                    oldest_contact_age_s: Some(252.0),
                    ..Default::default()
                }],
                ..Default::default()
            },
            nextalk: NexTalk {
                servers: vec![NexTalkServer {
                    name: "nt-a".into(),
                    ports_capacity: 96,
                    ssm_ping: PingStatus::Online,
                    services: vec![WinService {
                        name: "NexTalk Chat Bridge".into(),
                        status: ServiceStatus::Stopped,
                    }],
                    ..Default::default()
                }],
            },
            ..Default::default()
        }
    }

    #[test]
    fn findings_carry_reason_row_and_stable_key() {
        let a = assess(&snap(), &Thresholds::default());
        assert_eq!(a.overall(), Level::Crit);
        let q = a.findings.iter().find(|f| f.section == Section::Queues).unwrap();
        assert_eq!(q.key, "queues:Billing:queue_oldest_contact_age_s");
        assert_eq!(q.what, "queue Billing");
        assert_eq!(q.reason, "oldest contact 4m12s > 3m");
        let svc = a.findings.iter().find(|f| f.key.contains("service:")).unwrap();
        assert_eq!(svc.reason, "NexTalk Chat Bridge is Stopped");
        assert_eq!(a.row(Section::NexTalk, "nt-a").level, Level::Crit);
        assert_eq!(a.section(Section::Lambda), Level::Ok);
    }

    #[test]
    fn service_level_is_bad_below_and_abandonment_above_their_limits() {
        let mut s = snap();
        s.connect.queues[0].oldest_contact_age_s = None;
        s.nextalk.servers.clear();
        let q = &mut s.connect.queues[0];
        (q.service_level_pct, q.abandonment_rate_pct) = (Some(72.0), Some(12.0));
        let a = assess(&s, &Thresholds::default());
        let find = |key: &str| a.findings.iter().find(|f| f.key.ends_with(key)).cloned();
        let sl = find("queue_service_level_pct").expect("service level finding");
        assert_eq!((sl.level, sl.reason.as_str()), (Level::Warn, "service level 72% < 80%"));
        assert_eq!(sl.key, "queues:Billing:queue_service_level_pct");
        let ab = find("queue_abandonment_rate_pct").expect("abandonment finding");
        assert_eq!((ab.level, ab.reason.as_str()), (Level::Crit, "abandonment 12% > 10%"));
        assert_eq!(a.row(Section::Queues, "Billing").level, Level::Crit);
        // Good figures, and unknown ones, raise nothing.
        let q = &mut s.connect.queues[0];
        (q.service_level_pct, q.abandonment_rate_pct) = (Some(95.0), None);
        let a = assess(&s, &Thresholds::default());
        assert!(a.findings.is_empty(), "{:?}", a.findings);
    }

    #[test]
    fn a_missing_ports_figure_makes_the_server_and_the_failover_unknown_not_ok() {
        let mut s = snap();
        s.nextalk.servers[0].services.clear();
        let mut other = s.nextalk.servers[0].clone();
        other.name = "nt-b".into();
        other.ports_in_use = Some(10);
        s.nextalk.servers.push(other);
        let a = assess(&s, &Thresholds::default());
        assert_eq!(a.row(Section::NexTalk, "nt-a").level, Level::Unknown);
        assert_eq!(a.row(Section::NexTalk, "nt-a").reason.as_deref(), Some("ports in use unknown"));
        assert_eq!(a.row(Section::NexTalk, "nt-b").level, Level::Ok);
        assert_eq!(a.row(Section::NexTalk, "").level, Level::Unknown, "failover headroom");
        assert_eq!(a.section(Section::NexTalk), Level::Unknown);
    }

    #[test]
    fn a_gap_makes_its_section_unknown() {
        let mut s = snap();
        s.connect.queues[0].oldest_contact_age_s = None;
        s.nextalk.servers[0].services.clear();
        s.gaps.push(Gap::section(Section::Lambda, "GetMetricData: throttled"));
        let a = assess(&s, &Thresholds::default());
        assert_eq!(a.section(Section::Lambda), Level::Unknown);
        assert_eq!(a.overall(), Level::Unknown);
    }
}

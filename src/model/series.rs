//! Short, bounded time series for trends (sparklines and detail charts).

use crate::model::metric::MetricId;
use crate::model::telemetry::{Section, Snapshot};
use std::collections::{HashMap, VecDeque};

/// A ring buffer of the most recent `cap` samples.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    cap: usize,
    samples: VecDeque<f64>,
}

impl Series {
    pub fn new(cap: usize) -> Self {
        let cap = cap.max(1);
        Series { cap, samples: VecDeque::with_capacity(cap) }
    }

    pub fn push(&mut self, v: f64) {
        if self.samples.len() == self.cap {
            self.samples.pop_front();
        }
        self.samples.push_back(v);
    }

    pub fn len(&self) -> usize {
        self.samples.len()
    }

    pub fn is_empty(&self) -> bool {
        self.samples.is_empty()
    }

    pub fn capacity(&self) -> usize {
        self.cap
    }

    pub fn last(&self) -> Option<f64> {
        self.samples.back().copied()
    }

    pub fn iter(&self) -> impl DoubleEndedIterator<Item = f64> + ExactSizeIterator + '_ {
        self.samples.iter().copied()
    }

    pub fn max(&self) -> Option<f64> {
        self.samples.iter().copied().fold(None, |m, v| Some(m.map_or(v, |m: f64| m.max(v))))
    }

    pub fn min(&self) -> Option<f64> {
        self.samples.iter().copied().fold(None, |m, v| Some(m.map_or(v, |m: f64| m.min(v))))
    }

    /// The newest `n` samples scaled to integers for a sparkline (ratatui wants u64).
    pub fn sparkline(&self, n: usize) -> Vec<u64> {
        let skip = self.samples.len().saturating_sub(n);
        let max = self.max().unwrap_or(0.0).max(1e-9);
        self.samples.iter().skip(skip).map(|v| ((v.max(0.0) / max) * 100.0).round() as u64).collect()
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SeriesKey {
    pub section: Section,
    pub entity: String,
    pub metric: MetricId,
}

/// Every trend the console shows, each bounded to `cap` samples; rows that disappear from the
/// telemetry are dropped after `cap` snapshots so memory stays bounded.
#[derive(Debug, Clone)]
pub struct History {
    cap: usize,
    series: HashMap<SeriesKey, (Series, u64)>,
    /// The columns of data-defined panes, by (entity `<pane>/<row>`, column label).
    columns: HashMap<(String, String), (Series, u64)>,
    generation: u64,
}

impl History {
    pub fn new(cap: usize) -> Self {
        History { cap: cap.max(1), series: HashMap::new(), columns: HashMap::new(), generation: 0 }
    }

    pub fn get(&self, section: Section, entity: &str, metric: MetricId) -> Option<&Series> {
        let key = SeriesKey { section, entity: entity.to_string(), metric };
        self.series.get(&key).map(|(s, _)| s)
    }

    /// The trend of one column of a data-defined pane's row (`entity`: `<pane>/<row>`).
    pub fn column(&self, entity: &str, label: &str) -> Option<&Series> {
        self.columns.get(&(entity.to_string(), label.to_string())).map(|(s, _)| s)
    }

    pub fn len(&self) -> usize {
        self.series.len() + self.columns.len()
    }

    /// Forgets every trend (a replay jumped to another time), keeping the capacity.
    pub fn clear(&mut self) {
        self.series.clear();
        self.columns.clear();
        self.generation += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.series.is_empty() && self.columns.is_empty()
    }

    pub fn push(&mut self, section: Section, entity: &str, metric: MetricId, v: f64) {
        let key = SeriesKey { section, entity: entity.to_string(), metric };
        let cap = self.cap;
        let gen_now = self.generation;
        let e = self.series.entry(key).or_insert_with(|| (Series::new(cap), gen_now));
        e.0.push(v);
        e.1 = gen_now;
    }

    /// Appends one sample per trended figure of the snapshot.
    pub fn record(&mut self, s: &Snapshot) {
        self.generation += 1;
        let c = &s.connect;
        // Unknown figures add no sample: a gap in a trend is not a fall to zero.
        if let Some(p) = c.calls_pct() {
            self.push(Section::Connect, "", MetricId::ConcurrentCallsPct, p);
        }
        if let Some(p) = c.chats_pct() {
            self.push(Section::Connect, "", MetricId::ConcurrentChatsPct, p);
        }
        self.push(Section::Connect, "", MetricId::MissedCalls, c.missed_calls as f64);
        self.push(Section::Connect, "", MetricId::ThrottledCalls, c.throttled_calls as f64);
        self.push(Section::Connect, "", MetricId::ContactFlowErrors, c.contact_flow_errors as f64);
        for q in &c.queues {
            self.push(Section::Queues, &q.name, MetricId::ContactsInQueue, q.contacts_in_queue as f64);
            let age = q.oldest_contact_age_s.unwrap_or(0.0);
            self.push(Section::Queues, &q.name, MetricId::OldestContactAge, age);
            if let Some(p) = q.service_level_pct {
                self.push(Section::Queues, &q.name, MetricId::ServiceLevel, p);
            }
            if let Some(p) = q.abandonment_rate_pct {
                self.push(Section::Queues, &q.name, MetricId::AbandonmentRate, p);
            }
        }
        for f in &s.lambda {
            if let Some(rate) = f.error_rate_pct() {
                self.push(Section::Lambda, &f.name, MetricId::LambdaErrorRate, rate);
            }
            self.push(Section::Lambda, &f.name, MetricId::LambdaThrottles, f.throttles as f64);
            if let Some(p) = f.duration_p99_ms {
                self.push(Section::Lambda, &f.name, MetricId::LambdaDurationP99, p);
            }
        }
        for k in &s.kinesis {
            if let Some(a) = k.iterator_age_ms {
                self.push(Section::Kinesis, &k.name, MetricId::IteratorAge, a);
            }
            if let Some(l) = k.put_latency_ms {
                self.push(Section::Kinesis, &k.name, MetricId::PutLatency, l);
            }
            let exceeded = k.throughput_exceeded() as f64;
            self.push(Section::Kinesis, &k.name, MetricId::ThroughputExceeded, exceeded);
        }
        for d in &s.dynamodb {
            if let Some(p) = d.read_pct() {
                self.push(Section::DynamoDb, &d.name, MetricId::ReadUtilisation, p);
            }
            if let Some(p) = d.write_pct() {
                self.push(Section::DynamoDb, &d.name, MetricId::WriteUtilisation, p);
            }
            self.push(Section::DynamoDb, &d.name, MetricId::ThrottleEvents, d.throttles() as f64);
        }
        for srv in &s.nextalk.servers {
            if let Some(p) = srv.port_pct() {
                self.push(Section::NexTalk, &srv.name, MetricId::PortUtilisation, p);
            }
        }
        if let Some(load) = s.nextalk.failover().and_then(|f| f.load_pct) {
            self.push(Section::NexTalk, "", MetricId::FailoverLoad, load.min(1000.0));
        }
        for pane in &s.panes {
            for (r, row) in pane.rows.iter().enumerate() {
                let entity = crate::model::custom::entity(&pane.id, &row.name);
                for (i, col) in pane.def.columns.iter().enumerate() {
                    // No datapoint, no sample: a gap in a trend is not a fall to zero.
                    let Some(v) = pane.value(r, i) else { continue };
                    let (cap, gen_now) = (self.cap, self.generation);
                    let e = self
                        .columns
                        .entry((entity.clone(), col.label.clone()))
                        .or_insert_with(|| (Series::new(cap), gen_now));
                    e.0.push(v);
                    e.1 = gen_now;
                }
            }
        }
        let (gen_now, cap) = (self.generation, self.cap as u64);
        self.series.retain(|_, (_, seen)| gen_now - *seen < cap);
        self.columns.retain(|_, (_, seen)| gen_now - *seen < cap);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::telemetry::Queue;

    #[test]
    fn ring_keeps_the_newest_samples_only() {
        let mut s = Series::new(3);
        for v in 1..=5 {
            s.push(v as f64);
        }
        assert_eq!(s.iter().collect::<Vec<_>>(), [3.0, 4.0, 5.0]);
        assert_eq!(s.len(), 3);
        assert_eq!(s.last(), Some(5.0));
        assert_eq!(s.max(), Some(5.0));
        assert_eq!(s.min(), Some(3.0));
        assert_eq!(s.sparkline(2), vec![80, 100]);
    }

    /// A row's trend can only follow the figure that sets its health if that figure has a
    /// trend: every metric with limits is recorded.
    #[test]
    fn every_metric_with_limits_has_a_trend() {
        use crate::model::telemetry::*;
        let snap = Snapshot {
            connect: Connect {
                concurrent_calls_quota: 10,
                concurrent_chats_quota: 10,
                queues: vec![Queue {
                    name: "q".into(),
                    service_level_pct: Some(90.0),
                    abandonment_rate_pct: Some(1.0),
                    ..Default::default()
                }],
                ..Default::default()
            },
            lambda: vec![LambdaFunction {
                name: "f".into(),
                invocations: 1,
                duration_p99_ms: Some(1.0),
                ..Default::default()
            }],
            kinesis: vec![KinesisStream {
                name: "k".into(),
                iterator_age_ms: Some(1.0),
                put_latency_ms: Some(1.0),
                ..Default::default()
            }],
            dynamodb: vec![DynamoTable {
                name: "d".into(),
                provisioned_read: Some(1.0),
                provisioned_write: Some(1.0),
                ..Default::default()
            }],
            nextalk: NexTalk {
                servers: ["a", "b"]
                    .map(|n| NexTalkServer {
                        name: n.into(),
                        ports_in_use: Some(1),
                        ports_capacity: 10,
                        ..Default::default()
                    })
                    .to_vec(),
            },
            ..Default::default()
        };
        let mut h = History::new(4);
        h.record(&snap);
        for &m in MetricId::ALL {
            let recorded = h.series.keys().any(|k| k.metric == m);
            assert!(recorded, "{} has no trend", m.key());
        }
    }

    #[test]
    fn history_is_bounded_and_forgets_vanished_rows() {
        let mut h = History::new(4);
        let mut snap = Snapshot::default();
        snap.connect.queues.push(Queue { name: "A".into(), contacts_in_queue: 1, ..Default::default() });
        for _ in 0..10 {
            h.record(&snap);
        }
        let s = h.get(Section::Queues, "A", MetricId::ContactsInQueue).unwrap();
        assert_eq!(s.len(), 4);
        snap.connect.queues.clear();
        for _ in 0..4 {
            h.record(&snap);
        }
        assert!(h.get(Section::Queues, "A", MetricId::ContactsInQueue).is_none());
    }
}

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

/// What a trend is of: a figure of a section's row, or a column of a data-defined pane's row
/// (entity `<pane>/<row>`, column label).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TrendKey {
    Figure(SeriesKey),
    Column(String, String),
}

/// Which trend goes in which slot, and when each last had a sample: everything deciding
/// what a snapshot adds to the trends, without the samples. The console's intake keeps one
/// off the key loop and hands the loop [`Samples`] to apply, so the loop neither hashes the
/// rows' names nor decides which rows vanished.
#[derive(Debug, Clone)]
pub struct TrendIndex {
    cap: usize,
    series: HashMap<SeriesKey, usize>,
    columns: HashMap<(String, String), usize>,
    /// Per slot, the generation of its last sample; `None`: free.
    seen: Vec<Option<u64>>,
    free: Vec<usize>,
    generation: u64,
}

/// What one snapshot adds to the trends, by slot: the trends it opens (each starts empty),
/// the samples, in the order they were taken, and the trends it closes (rows gone for `cap`
/// snapshots).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Samples {
    pub opened: Vec<(TrendKey, usize)>,
    pub pushed: Vec<(usize, f64)>,
    pub closed: Vec<(TrendKey, usize)>,
}

impl TrendIndex {
    fn new(cap: usize) -> Self {
        TrendIndex {
            cap: cap.max(1),
            series: HashMap::new(),
            columns: HashMap::new(),
            seen: Vec::new(),
            free: Vec::new(),
            generation: 0,
        }
    }

    fn slot(&self, key: &TrendKey) -> Option<usize> {
        match key {
            TrendKey::Figure(k) => self.series.get(k).copied(),
            TrendKey::Column(e, l) => self.columns.get(&(e.clone(), l.clone())).copied(),
        }
    }

    fn insert(&mut self, key: TrendKey, slot: usize) {
        match key {
            TrendKey::Figure(k) => self.series.insert(k, slot),
            TrendKey::Column(e, l) => self.columns.insert((e, l), slot),
        };
        if slot >= self.seen.len() {
            self.seen.resize(slot + 1, None);
        }
        self.seen[slot] = Some(self.generation);
    }

    /// The slot for `key`, opening one (and saying so in `out`) when it has none.
    fn take(&mut self, key: TrendKey, out: &mut Samples) -> usize {
        if let Some(slot) = self.slot(&key) {
            return slot;
        }
        let slot = self.free.pop().unwrap_or(self.seen.len());
        out.opened.push((key.clone(), slot));
        self.insert(key, slot);
        slot
    }

    fn push(&mut self, key: TrendKey, v: f64, out: &mut Samples) {
        let slot = self.take(key, out);
        self.seen[slot] = Some(self.generation);
        out.pushed.push((slot, v));
    }

    fn figure(&mut self, section: Section, entity: &str, metric: MetricId, v: f64, out: &mut Samples) {
        match self.find(section, entity, metric) {
            Some(slot) => {
                self.seen[slot] = Some(self.generation);
                out.pushed.push((slot, v));
            }
            None => {
                let key = SeriesKey { section, entity: entity.to_string(), metric };
                self.push(TrendKey::Figure(key), v, out)
            }
        }
    }

    fn find(&self, section: Section, entity: &str, metric: MetricId) -> Option<usize> {
        self.series.get(&SeriesKey { section, entity: entity.to_string(), metric }).copied()
    }

    /// The samples one snapshot adds (one per trended figure) and the trends it opens and
    /// closes; the index follows.
    pub fn plan(&mut self, s: &Snapshot) -> Samples {
        self.generation += 1;
        let mut out = Samples::default();
        let c = &s.connect;
        // Unknown figures add no sample: a gap in a trend is not a fall to zero.
        if let Some(p) = c.calls_pct() {
            self.figure(Section::Connect, "", MetricId::ConcurrentCallsPct, p, &mut out);
        }
        if let Some(p) = c.chats_pct() {
            self.figure(Section::Connect, "", MetricId::ConcurrentChatsPct, p, &mut out);
        }
        self.figure(Section::Connect, "", MetricId::MissedCalls, c.missed_calls as f64, &mut out);
        self.figure(Section::Connect, "", MetricId::ThrottledCalls, c.throttled_calls as f64, &mut out);
        self.figure(
            Section::Connect,
            "",
            MetricId::ContactFlowErrors,
            c.contact_flow_errors as f64,
            &mut out,
        );
        for q in &c.queues {
            let n = q.name.as_str();
            self.figure(Section::Queues, n, MetricId::ContactsInQueue, q.contacts_in_queue as f64, &mut out);
            let age = q.oldest_contact_age_s.unwrap_or(0.0);
            self.figure(Section::Queues, n, MetricId::OldestContactAge, age, &mut out);
            if let Some(p) = q.service_level_pct {
                self.figure(Section::Queues, n, MetricId::ServiceLevel, p, &mut out);
            }
            if let Some(p) = q.abandonment_rate_pct {
                self.figure(Section::Queues, n, MetricId::AbandonmentRate, p, &mut out);
            }
        }
        for f in &s.lambda {
            let n = f.name.as_str();
            if let Some(rate) = f.error_rate_pct() {
                self.figure(Section::Lambda, n, MetricId::LambdaErrorRate, rate, &mut out);
            }
            self.figure(Section::Lambda, n, MetricId::LambdaThrottles, f.throttles as f64, &mut out);
            if let Some(p) = f.duration_p99_ms {
                self.figure(Section::Lambda, n, MetricId::LambdaDurationP99, p, &mut out);
            }
        }
        for k in &s.kinesis {
            let n = k.name.as_str();
            if let Some(a) = k.iterator_age_ms {
                self.figure(Section::Kinesis, n, MetricId::IteratorAge, a, &mut out);
            }
            if let Some(l) = k.put_latency_ms {
                self.figure(Section::Kinesis, n, MetricId::PutLatency, l, &mut out);
            }
            let exceeded = k.throughput_exceeded() as f64;
            self.figure(Section::Kinesis, n, MetricId::ThroughputExceeded, exceeded, &mut out);
        }
        for d in &s.dynamodb {
            let n = d.name.as_str();
            if let Some(p) = d.read_pct() {
                self.figure(Section::DynamoDb, n, MetricId::ReadUtilisation, p, &mut out);
            }
            if let Some(p) = d.write_pct() {
                self.figure(Section::DynamoDb, n, MetricId::WriteUtilisation, p, &mut out);
            }
            self.figure(Section::DynamoDb, n, MetricId::ThrottleEvents, d.throttles() as f64, &mut out);
        }
        for srv in &s.nextalk.servers {
            if let Some(p) = srv.port_pct() {
                self.figure(Section::NexTalk, &srv.name, MetricId::PortUtilisation, p, &mut out);
            }
        }
        if let Some(load) = s.nextalk.failover().and_then(|f| f.load_pct) {
            self.figure(Section::NexTalk, "", MetricId::FailoverLoad, load.min(1000.0), &mut out);
        }
        for pane in &s.panes {
            for (r, row) in pane.rows.iter().enumerate() {
                let entity = crate::model::custom::entity(&pane.id, &row.name);
                for (i, col) in pane.def.columns.iter().enumerate() {
                    // No datapoint, no sample: a gap in a trend is not a fall to zero.
                    let Some(v) = pane.value(r, i) else { continue };
                    self.push(TrendKey::Column(entity.clone(), col.label.clone()), v, &mut out);
                }
            }
        }
        // Rows gone from the telemetry for `cap` snapshots are dropped, so memory stays
        // bounded.
        let (gen_now, cap) = (self.generation, self.cap as u64);
        let stale = |slot: &usize, seen: &[Option<u64>]| seen[*slot].is_none_or(|s| gen_now - s >= cap);
        let mut closed: Vec<(TrendKey, usize)> = Vec::new();
        let seen = &self.seen;
        self.series.retain(|k, slot| {
            let gone = stale(slot, seen);
            if gone {
                closed.push((TrendKey::Figure(k.clone()), *slot));
            }
            !gone
        });
        self.columns.retain(|(e, l), slot| {
            let gone = stale(slot, seen);
            if gone {
                closed.push((TrendKey::Column(e.clone(), l.clone()), *slot));
            }
            !gone
        });
        for (_, slot) in &closed {
            self.seen[*slot] = None;
            self.free.push(*slot);
        }
        out.closed = closed;
        out
    }

    /// Makes this index what the one that planned `samples` became (the console's copy of
    /// the intake's index).
    fn follow(&mut self, samples: &Samples) {
        self.generation += 1;
        for (key, slot) in &samples.opened {
            self.free.retain(|f| f != slot);
            self.insert(key.clone(), *slot);
        }
        for (slot, _) in &samples.pushed {
            if let Some(seen) = self.seen.get_mut(*slot) {
                *seen = Some(self.generation);
            }
        }
        for (key, slot) in &samples.closed {
            match key {
                TrendKey::Figure(k) => self.series.remove(k),
                TrendKey::Column(e, l) => self.columns.remove(&(e.clone(), l.clone())),
            };
            if let Some(seen) = self.seen.get_mut(*slot) {
                *seen = None;
            }
            self.free.push(*slot);
        }
    }
}

/// Every trend the console shows, each bounded to `cap` samples; rows that disappear from the
/// telemetry are dropped after `cap` snapshots so memory stays bounded.
#[derive(Debug, Clone)]
pub struct History {
    index: TrendIndex,
    /// By slot (see `TrendIndex`); a free slot's ring is emptied when it is opened again.
    rings: Vec<Series>,
    /// False for an index-only copy (`index_only`), which plans samples and keeps none.
    keep: bool,
}

impl History {
    pub fn new(cap: usize) -> Self {
        History { index: TrendIndex::new(cap), rings: Vec::new(), keep: true }
    }

    /// A copy that knows which trend is where and keeps no samples: what the intake needs
    /// to plan the next snapshot's [`Samples`] for the history the screen shows (`apply`).
    pub fn index_only(&self) -> History {
        History { index: self.index.clone(), rings: Vec::new(), keep: false }
    }

    pub fn get(&self, section: Section, entity: &str, metric: MetricId) -> Option<&Series> {
        let slot = self.index.find(section, entity, metric)?;
        self.rings.get(slot)
    }

    /// The trend of one column of a data-defined pane's row (`entity`: `<pane>/<row>`).
    pub fn column(&self, entity: &str, label: &str) -> Option<&Series> {
        let slot = *self.index.columns.get(&(entity.to_string(), label.to_string()))?;
        self.rings.get(slot)
    }

    pub fn len(&self) -> usize {
        self.index.series.len() + self.index.columns.len()
    }

    /// Forgets every trend (a replay jumped to another time), keeping the capacity.
    pub fn clear(&mut self) {
        let generation = self.index.generation + 1;
        self.index = TrendIndex { generation, ..TrendIndex::new(self.index.cap) };
        self.rings.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.index.series.is_empty() && self.index.columns.is_empty()
    }

    /// Appends one sample per trended figure of the snapshot; says what it added, for a
    /// history elsewhere to `apply`.
    pub fn record(&mut self, s: &Snapshot) -> Samples {
        let samples = self.index.plan(s);
        if self.keep {
            self.fill(&samples);
        }
        samples
    }

    /// Takes in what an intake's copy of this history's index planned for a snapshot: the
    /// same as `record` of that snapshot, without hashing a name.
    pub fn apply(&mut self, samples: &Samples) {
        self.index.follow(samples);
        if self.keep {
            self.fill(samples);
        }
    }

    fn fill(&mut self, samples: &Samples) {
        let cap = self.index.cap;
        for (_, slot) in &samples.opened {
            if *slot >= self.rings.len() {
                self.rings.resize_with(slot + 1, || Series::new(1));
            }
            self.rings[*slot] = Series::new(cap);
        }
        for (slot, v) in &samples.pushed {
            if let Some(ring) = self.rings.get_mut(*slot) {
                ring.push(*v);
            }
        }
        for (_, slot) in &samples.closed {
            // Its samples go now, not when the slot is taken again.
            if let Some(ring) = self.rings.get_mut(*slot) {
                *ring = Series::new(1);
            }
        }
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
            let recorded = h.index.series.keys().any(|k| k.metric == m);
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

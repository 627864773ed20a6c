//! Kinesis streams fed by contact events and drained by one consumer each. The backlog is
//! kept as per-second chunks, so the iterator age is the real age of the oldest unread record.

use super::names;
use super::queues::ContactEvents;
use super::rng::SimRng;
use super::window::Window;
use crate::model;
use std::collections::VecDeque;

/// Kinesis keeps records for 24 hours by default; older ones are lost unread.
const RETENTION_S: i64 = 86_400;
/// Write limit per shard (records per second).
const SHARD_WRITE_LIMIT: f64 = 1000.0;
/// How long a uniform reshard of a small stream takes before the new shards are open.
const RESHARD_S: i64 = 30;

#[derive(Debug, Clone)]
pub struct Stream {
    name: String,
    shards: u32,
    per_arrival: f64,
    per_end: f64,
    base_put_ms: f64,
    /// Records per second the night's traffic is expected to write.
    expected: f64,
    /// What the consumer can process, records per second.
    capacity: f64,
    credit: f64,
    /// GetRecords calls rejected per second (a greedy second consumer on the same shards).
    read_rejects_per_s: f64,
    /// What the CTR processor can read when it has the stream to itself (its own speed).
    own_capacity: f64,
    shards_at_start: u32,
    /// Read throughput a second consumer takes from the shards' shared read limit.
    other_reader: f64,
    /// A reshard in progress: when it completes and the shard count it ends with.
    resharding: Option<(i64, u32)>,
    /// (second written, records) not yet read, oldest first.
    backlog: VecDeque<(i64, u32)>,
    incoming: Window<u32>,
    iterator_age_ms: Window<u32>,
    put_latency_ms: Window<f64>,
    write_exceeded: Window<u32>,
    read_exceeded: Window<u32>,
}

impl Stream {
    fn new(i: usize, arrivals_per_s: f64, voice_per_s: f64, rng: &mut SimRng) -> Stream {
        let (per_arrival, per_end, shards) = match i {
            // One contact trace record when a contact ends.
            0 => (0.0, 1.0, 4),
            // Each IVR step of a voice call.
            1 => (4.0 * voice_per_s / arrivals_per_s.max(1e-9), 0.0, 2),
            // Agent state changes around each contact.
            2 => (1.0, 2.0, 2),
            _ => (rng.uniform(0.5, 3.0), rng.uniform(0.0, 1.0), rng.range(1, 4)),
        };
        let expected = (per_arrival + per_end) * arrivals_per_s;
        let mut stream = Stream {
            name: names::stream(i),
            shards,
            per_arrival,
            per_end,
            base_put_ms: rng.uniform(12.0, 28.0),
            expected,
            // Consumers are sized for the daytime peak, several times the night's traffic.
            capacity: (expected * rng.uniform(3.0, 5.0)).max(5.0),
            credit: 0.0,
            read_rejects_per_s: 0.0,
            own_capacity: 0.0,
            shards_at_start: shards,
            other_reader: 0.0,
            resharding: None,
            backlog: VecDeque::new(),
            incoming: Window::default(),
            iterator_age_ms: Window::default(),
            put_latency_ms: Window::default(),
            write_exceeded: Window::default(),
            read_exceeded: Window::default(),
        };
        stream.own_capacity = stream.capacity;
        stream
    }

    /// The stream's read limit (2 MB/s per shard, shared by every polling consumer), in the
    /// CTR processor's records: sized so that alone it reads at its own speed.
    fn read_limit(&self, shards: u32) -> f64 {
        self.own_capacity * f64::from(shards) / f64::from(self.initial_shards().max(1))
    }

    fn initial_shards(&self) -> u32 {
        self.shards_at_start
    }

    /// What the CTR processor gets of the read limit with another consumer taking its share,
    /// and how often its GetRecords calls are rejected for the rest.
    fn share_reads(&mut self) {
        let limit = self.read_limit(self.shards);
        self.capacity = (limit - self.other_reader).clamp(0.0, self.own_capacity);
        let wanted = self.other_reader + self.own_capacity;
        self.read_rejects_per_s = if self.other_reader > 0.0 && wanted > limit {
            3.0 * f64::from(self.shards) * (1.0 - self.capacity / self.own_capacity)
        } else {
            0.0
        };
    }

    fn step(&mut self, t: i64, rng: &mut SimRng, ev: &ContactEvents) {
        if let Some((at, shards)) = self.resharding
            && t >= at
        {
            self.shards = shards;
            self.resharding = None;
            self.share_reads();
        }
        let mean = self.per_arrival * f64::from(ev.arrivals()) + self.per_end * f64::from(ev.ended);
        let wanted = rng.poisson(mean);
        let limit = f64::from(self.shards) * SHARD_WRITE_LIMIT;
        let rejected = (f64::from(wanted) - limit).max(0.0) as u32;
        let written = wanted - rejected;
        if written > 0 {
            self.backlog.push_back((t, written));
        }
        let rate = self.capacity;
        // Unused capacity is not banked beyond one second: a consumer can't read ahead.
        self.credit = (self.credit + rate).min(rate.max(1.0) * 2.0);
        while self.credit >= 1.0 {
            let Some(head) = self.backlog.front_mut() else { break };
            let take = (head.1 as f64).min(self.credit.floor()) as u32;
            head.1 -= take;
            self.credit -= f64::from(take);
            if head.1 == 0 {
                self.backlog.pop_front();
            }
        }
        while self.backlog.front().is_some_and(|h| t - h.0 > RETENTION_S) {
            self.backlog.pop_front();
        }
        // An idle consumer polls about once a second, so fresh records are up to a second old.
        let poll_ms = rng.range(80, 950);
        let age = self.backlog.front().map_or(poll_ms, |h| ((t - h.0) * 1000) as u32 + poll_ms);
        let load = f64::from(wanted) / limit;
        let put = self.base_put_ms * (1.0 + 0.15 * rng.normal()).clamp(0.7, 1.6) * (1.0 + 4.0 * load * load);
        self.incoming.set(t, written);
        self.iterator_age_ms.set(t, age);
        self.put_latency_ms.set(t, if rejected > 0 { put * 3.0 } else { put });
        self.write_exceeded.set(t, rejected);
        self.read_exceeded.set(t, rng.poisson(self.read_rejects_per_s));
    }

    fn snapshot(&self) -> model::KinesisStream {
        model::KinesisStream {
            name: self.name.clone(),
            iterator_age_ms: Some(f64::from(self.iterator_age_ms.max())),
            put_latency_ms: Some((self.put_latency_ms.mean() * 10.0).round() / 10.0),
            incoming_records: self.incoming.sum(),
            write_throughput_exceeded: self.write_exceeded.sum(),
            read_throughput_exceeded: self.read_exceeded.sum(),
            open_shards: Some(self.shards),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Kinesis {
    pub streams: Vec<Stream>,
}

impl Kinesis {
    pub fn new(count: usize, arrivals_per_s: f64, voice_per_s: f64, rng: &mut SimRng) -> Kinesis {
        Kinesis { streams: (0..count).map(|i| Stream::new(i, arrivals_per_s, voice_per_s, rng)).collect() }
    }

    /// A second consumer competes for the stream's read limit (2 MB/s per shard, shared by
    /// every polling consumer): a new analytics consumer backfilling from TRIM_HORIZON reads
    /// as fast as its own workers go, leaving the CTR processor `share` of what it needs, and
    /// the processor's GetRecords calls are rejected for the rest.
    pub fn throttle_consumer(&mut self, stream: usize, share: f64) {
        if let Some(s) = self.streams.get_mut(stream) {
            s.other_reader = (s.read_limit(s.shards) - s.expected * share.max(0.0)).max(0.0);
            s.share_reads();
        }
    }

    /// UpdateShardCount with UNIFORM_SCALING: at most double or halve per call, one reshard at
    /// a time; the new shards open after `RESHARD_S` (the stream is UPDATING meanwhile and
    /// keeps serving on the old ones). Returns the open shard count before.
    pub fn update_shard_count(&mut self, t: i64, name: &str, target: u32) -> Result<u32, String> {
        let s = self
            .streams
            .iter_mut()
            .find(|s| s.name == name)
            .ok_or_else(|| format!("ResourceNotFoundException: Stream {name} not found"))?;
        if s.resharding.is_some() {
            return Err(format!("ResourceInUseException: Stream {name} is UPDATING"));
        }
        let from = s.shards;
        if target == from || target > from * 2 || target * 2 < from {
            return Err(format!(
                "ValidationException: TargetShardCount {target} must differ from {from} and lie within \
                 [{}, {}] (at most half or double per call)",
                from.div_ceil(2),
                from * 2
            ));
        }
        s.resharding = Some((t + RESHARD_S, target));
        Ok(from)
    }

    pub fn step(&mut self, t: i64, rng: &mut SimRng, ev: &ContactEvents) {
        for s in &mut self.streams {
            s.step(t, rng, ev);
        }
    }

    pub fn snapshot(&self) -> Vec<model::KinesisStream> {
        self.streams.iter().map(Stream::snapshot).collect()
    }
}

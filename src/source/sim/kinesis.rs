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
        Stream {
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
            backlog: VecDeque::new(),
            incoming: Window::default(),
            iterator_age_ms: Window::default(),
            put_latency_ms: Window::default(),
            write_exceeded: Window::default(),
            read_exceeded: Window::default(),
        }
    }

    fn step(&mut self, t: i64, rng: &mut SimRng, ev: &ContactEvents) {
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

    /// A second consumer competes for the stream's read limit: GetRecords calls are rejected
    /// and the primary consumer, backing off, reads only `share` of what is written.
    pub fn throttle_consumer(&mut self, stream: usize, share: f64) {
        if let Some(s) = self.streams.get_mut(stream) {
            s.capacity = s.expected * share.max(0.0);
            // Each shard allows 5 GetRecords calls a second; a tight-looping consumer blows it.
            s.read_rejects_per_s = 3.0 * f64::from(s.shards);
        }
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

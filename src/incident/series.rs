//! The figures behind the alerts, sample by sample: what a run attached to an incident saw,
//! kept in `series.jsonl` for the report's charts and its impact figures.
//!
//! Keys are the alert keys (`queues:Billing:queue_oldest_contact_age_s`,
//! `nextalk:nt-a:service:NexTalk Chat Bridge`), so an alert's chart is the series of its key.

use super::event::{Clock, de_time, ser_time};
use super::store::{StoreError, append_json_line, read_json_lines};
use crate::model::{MetricId, Section, Snapshot, Thresholds, Timestamp};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One line of `series.jsonl`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum SeriesLine {
    /// The limits in force for a run (once, before its first sample): metric key → [warn, crit].
    Limits {
        run: String,
        limits: BTreeMap<String, [Option<f64>; 2]>,
    },
    Sample(Sample),
}

/// Every thresholded figure and every service / SSM state of one snapshot.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Sample {
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time")]
    pub at: Timestamp,
    pub clock: Clock,
    pub run: String,
    pub values: BTreeMap<String, f64>,
    pub states: BTreeMap<String, String>,
}

/// The key of a figure, as `assess` keys its finding.
pub fn figure_key(section: Section, entity: &str, metric: MetricId) -> String {
    format!("{}:{entity}:{}", section.key(), metric.key())
}

/// The metric a key ends in, when it is a figure (not a state).
pub fn key_metric(key: &str) -> Option<MetricId> {
    key.rsplit(':').next().and_then(MetricId::from_key)
}

/// What a key is about, as `assess` names it: `queue Billing`, `NexTalk nt-a / …`.
pub fn key_entity(key: &str) -> Option<(Section, &str)> {
    let mut parts = key.splitn(3, ':');
    let section = Section::from_key(parts.next()?)?;
    Some((section, parts.next()?))
}

/// The figures `assess` judges, read from `s` the same way (a test holds the two together).
pub fn figures(s: &Snapshot) -> Vec<(String, MetricId, f64)> {
    let mut out = Vec::new();
    // Unknown figures (None) are left out of the chart, never drawn as 0.
    let mut put = |section, entity: &str, m: MetricId, v: Option<f64>| {
        if let Some(v) = v.filter(|v| v.is_finite()) {
            out.push((figure_key(section, entity, m), m, v));
        }
    };
    let c = &s.connect;
    put(Section::Connect, "", MetricId::ConcurrentCallsPct, c.calls_pct());
    put(Section::Connect, "", MetricId::ConcurrentChatsPct, c.chats_pct());
    put(Section::Connect, "", MetricId::MissedCalls, Some(c.missed_calls as f64));
    put(Section::Connect, "", MetricId::ThrottledCalls, Some(c.throttled_calls as f64));
    put(Section::Connect, "", MetricId::ContactFlowErrors, Some(c.contact_flow_errors as f64));
    for q in &c.queues {
        put(Section::Queues, &q.name, MetricId::ContactsInQueue, Some(q.contacts_in_queue as f64));
        // Nobody waiting is an age of zero for a chart (assess skips it: nothing to judge).
        put(
            Section::Queues,
            &q.name,
            MetricId::OldestContactAge,
            Some(q.oldest_contact_age_s.unwrap_or(0.0)),
        );
        put(Section::Queues, &q.name, MetricId::ServiceLevel, q.service_level_pct);
        put(Section::Queues, &q.name, MetricId::AbandonmentRate, q.abandonment_rate_pct);
    }
    for f in &s.lambda {
        put(Section::Lambda, &f.name, MetricId::LambdaErrorRate, f.error_rate_pct());
        put(Section::Lambda, &f.name, MetricId::LambdaThrottles, Some(f.throttles as f64));
        if let Some(p99) = f.duration_p99_ms {
            put(Section::Lambda, &f.name, MetricId::LambdaDurationP99, Some(p99));
        }
    }
    for k in &s.kinesis {
        if let Some(age) = k.iterator_age_ms {
            put(Section::Kinesis, &k.name, MetricId::IteratorAge, Some(age));
        }
        if let Some(lat) = k.put_latency_ms {
            put(Section::Kinesis, &k.name, MetricId::PutLatency, Some(lat));
        }
        put(Section::Kinesis, &k.name, MetricId::ThroughputExceeded, Some(k.throughput_exceeded() as f64));
    }
    for d in &s.dynamodb {
        if let Some(p) = d.read_pct() {
            put(Section::DynamoDb, &d.name, MetricId::ReadUtilisation, Some(p));
        }
        if let Some(p) = d.write_pct() {
            put(Section::DynamoDb, &d.name, MetricId::WriteUtilisation, Some(p));
        }
        put(Section::DynamoDb, &d.name, MetricId::ThrottleEvents, Some(d.throttles() as f64));
    }
    for srv in &s.nextalk.servers {
        put(Section::NexTalk, &srv.name, MetricId::PortUtilisation, srv.port_pct());
    }
    if let Some(f) = s.nextalk.failover() {
        put(Section::NexTalk, "", MetricId::FailoverLoad, f.load_pct);
    }
    out
}

/// Service and SSM agent states, keyed as `assess` keys their findings.
pub fn states(s: &Snapshot) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for srv in &s.nextalk.servers {
        for svc in &srv.services {
            out.insert(format!("nextalk:{}:service:{}", srv.name, svc.name), svc.status.as_str().to_string());
        }
        out.insert(format!("nextalk:{}:ssm_ping", srv.name), srv.ssm_ping.as_str().to_string());
    }
    out
}

/// The state a state key should be in: `Running` for services, `Online` for the agent.
pub fn healthy_state(key: &str) -> Option<&'static str> {
    if key.contains(":service:") {
        Some("Running")
    } else if key.ends_with(":ssm_ping") {
        Some("Online")
    } else {
        None
    }
}

impl Sample {
    pub fn of(s: &Snapshot, at: Timestamp, clock: Clock, run: &str) -> Sample {
        Sample {
            at,
            clock,
            run: run.to_string(),
            values: figures(s).into_iter().map(|(k, _, v)| (k, v)).collect(),
            states: states(s),
        }
    }
}

pub fn limits_of(t: &Thresholds) -> BTreeMap<String, [Option<f64>; 2]> {
    MetricId::ALL
        .iter()
        .map(|&m| {
            let th = t.get(m);
            (m.key().to_string(), [th.warn, th.crit])
        })
        .collect()
}

/// An incident's `series.jsonl`.
#[derive(Debug, Clone)]
pub struct SeriesFile {
    path: PathBuf,
}

/// What a series file holds, read back.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Series {
    pub limits: BTreeMap<String, BTreeMap<String, [Option<f64>; 2]>>,
    pub samples: Vec<Sample>,
    pub skipped: usize,
}

impl Series {
    /// `(time, value)` of `key` in `run`, in order.
    pub fn values(&self, run: &str, key: &str) -> Vec<(Timestamp, f64)> {
        self.samples
            .iter()
            .filter(|s| s.run == run)
            .filter_map(|s| Some((s.at, *s.values.get(key)?)))
            .collect()
    }

    pub fn states(&self, run: &str, key: &str) -> Vec<(Timestamp, String)> {
        self.samples
            .iter()
            .filter(|s| s.run == run)
            .filter_map(|s| Some((s.at, s.states.get(key)?.clone())))
            .collect()
    }

    /// The warn and crit limits of `metric` in force for `run`.
    pub fn limits(&self, run: &str, metric: MetricId) -> [Option<f64>; 2] {
        self.limits.get(run).and_then(|l| l.get(metric.key())).copied().unwrap_or_else(|| {
            let (w, c) = metric.default_limits();
            [w, c]
        })
    }
}

impl SeriesFile {
    pub fn new(path: impl Into<PathBuf>) -> SeriesFile {
        SeriesFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn append(&self, line: &SeriesLine) -> Result<(), StoreError> {
        append_json_line(&self.path, line)
    }

    /// Empty when the file does not exist (no run recorded figures).
    pub fn read(&self) -> Result<Series, StoreError> {
        if !self.path.is_file() {
            return Ok(Series::default());
        }
        let (lines, skipped) = read_json_lines::<SeriesLine>(&self.path)?;
        let mut out = Series { skipped, ..Default::default() };
        for l in lines {
            match l {
                SeriesLine::Limits { run, limits } => {
                    out.limits.insert(run, limits);
                }
                SeriesLine::Sample(s) => out.samples.push(s),
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::assess;
    use crate::source::sim::{Scenario, SimParams, Simulator};
    use std::time::Duration;

    #[test]
    fn every_metric_finding_has_its_figure_and_every_service_finding_its_state() {
        for scenario in Scenario::ALL {
            let mut sim = Simulator::new(SimParams::with_scenario(scenario, 3));
            sim.advance_to(Duration::from_secs(600));
            let snap = sim.snapshot();
            let keys: Vec<String> = figures(&snap).into_iter().map(|(k, _, _)| k).collect();
            let st = states(&snap);
            for f in assess(&snap, &Thresholds::default()).findings {
                if key_metric(&f.key).is_some() {
                    assert!(keys.contains(&f.key), "{}: no figure for {}", scenario.name(), f.key);
                } else if f.section != Section::NexTalk || f.key.ends_with(":collect") {
                    continue;
                } else {
                    assert!(st.contains_key(&f.key), "{}: no state for {}", scenario.name(), f.key);
                }
            }
        }
    }

    #[test]
    fn samples_round_trip_and_are_read_per_run() {
        let dir = tempfile::tempdir().unwrap();
        let file = SeriesFile::new(dir.path().join("series.jsonl"));
        assert_eq!(file.read().unwrap(), Series::default());
        let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 1));
        file.append(&SeriesLine::Limits { run: "r1".into(), limits: limits_of(&Thresholds::default()) })
            .unwrap();
        for t in [100, 200] {
            sim.advance_to(Duration::from_secs(t));
            let s = sim.snapshot();
            file.append(&SeriesLine::Sample(Sample::of(&s, s.taken_at, Clock::Simulated, "r1"))).unwrap();
        }
        let back = file.read().unwrap();
        assert_eq!(back.samples.len(), 2);
        let bridge = back.states("r1", "nextalk:nt-a:service:NexTalk Chat Bridge");
        assert_eq!(bridge.iter().map(|(_, s)| s.as_str()).collect::<Vec<_>>(), ["Running", "Stopped"]);
        assert_eq!(back.limits("r1", MetricId::OldestContactAge), [Some(60.0), Some(180.0)]);
        assert!(back.values("r2", "connect::connect_missed_calls").is_empty());
        assert_eq!(back.values("r1", "connect::connect_missed_calls").len(), 2);
    }
}

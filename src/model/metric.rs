//! Every figure that has a threshold, with its stable key (used in config and alert keys),
//! its unit and how it reads on screen.

use crate::model::telemetry::Section;
use crate::model::time::fmt_duration;
use serde::Serialize;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    #[default]
    Count,
    PerMinute,
    Percent,
    Seconds,
    Millis,
    /// Sizes (RDS free storage, S3 bucket size): `512MB`, `1.5GB`, decimal prefixes as the AWS
    /// consoles show them.
    Bytes,
    /// Throughput in bits per second (Direct Connect): `940Mb/s`.
    BitsPerSecond,
}

/// Which way a figure goes bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// Bad when the value rises past the limit.
    Above,
    /// Bad when the value falls under the limit.
    Below,
}

macro_rules! metrics {
    ($( $id:ident => ($section:ident, $key:literal, $label:literal, $unit:ident, $dir:ident, $warn:expr, $crit:expr) ),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(rename_all = "snake_case")]
        pub enum MetricId { $($id),+ }

        impl MetricId {
            pub const ALL: &'static [MetricId] = &[$(MetricId::$id),+];

            /// Stable key: `[thresholds.<key>]` in config, part of alert keys.
            pub fn key(self) -> &'static str {
                match self { $(MetricId::$id => $key),+ }
            }

            /// What a person calls it, as used in health reasons.
            pub fn label(self) -> &'static str {
                match self { $(MetricId::$id => $label),+ }
            }

            /// The snapshot section its figures come from (whose collection gap makes them
            /// missing).
            pub fn section(self) -> Section {
                match self { $(MetricId::$id => Section::$section),+ }
            }

            pub fn unit(self) -> Unit {
                match self { $(MetricId::$id => Unit::$unit),+ }
            }

            pub fn direction(self) -> Direction {
                match self { $(MetricId::$id => Direction::$dir),+ }
            }

            /// Shipped (warn, crit) limits.
            pub fn default_limits(self) -> (Option<f64>, Option<f64>) {
                match self { $(MetricId::$id => ($warn, $crit)),+ }
            }
        }
    };
}

metrics! {
    ConcurrentCallsPct => (Connect, "connect_concurrent_calls_pct", "concurrent calls", Percent, Above, Some(70.0), Some(90.0)),
    ConcurrentChatsPct => (Connect, "connect_concurrent_chats_pct", "concurrent chats", Percent, Above, Some(70.0), Some(90.0)),
    MissedCalls => (Connect, "connect_missed_calls", "missed calls", PerMinute, Above, Some(0.0), Some(5.0)),
    ThrottledCalls => (Connect, "connect_throttled_calls", "throttled calls", PerMinute, Above, Some(0.0), Some(5.0)),
    ContactFlowErrors => (Connect, "connect_contact_flow_errors", "contact-flow errors", PerMinute, Above, Some(0.0), Some(10.0)),
    ContactsInQueue => (Queues, "queue_contacts_in_queue", "contacts in queue", Count, Above, Some(10.0), Some(30.0)),
    OldestContactAge => (Queues, "queue_oldest_contact_age_s", "oldest contact", Seconds, Above, Some(60.0), Some(180.0)),
    // The usual contact-center target: 80 % answered within the threshold (20 s by default).
    ServiceLevel => (Queues, "queue_service_level_pct", "service level", Percent, Below, Some(80.0), Some(60.0)),
    AbandonmentRate => (Queues, "queue_abandonment_rate_pct", "abandonment", Percent, Above, Some(5.0), Some(10.0)),
    LambdaErrorRate => (Lambda, "lambda_error_rate_pct", "error rate", Percent, Above, Some(1.0), Some(5.0)),
    LambdaThrottles => (Lambda, "lambda_throttles", "throttles", PerMinute, Above, Some(0.0), Some(10.0)),
    LambdaDurationP99 => (Lambda, "lambda_duration_p99_ms", "p99 duration", Millis, Above, Some(3000.0), Some(6000.0)),
    IteratorAge => (Kinesis, "kinesis_iterator_age_ms", "iterator age", Millis, Above, Some(60_000.0), Some(300_000.0)),
    PutLatency => (Kinesis, "kinesis_put_latency_ms", "put latency", Millis, Above, Some(100.0), Some(500.0)),
    ThroughputExceeded => (Kinesis, "kinesis_throughput_exceeded", "throughput exceeded", PerMinute, Above, Some(0.0), Some(100.0)),
    ReadUtilisation => (DynamoDb, "dynamodb_read_utilisation_pct", "read capacity used", Percent, Above, Some(80.0), Some(95.0)),
    WriteUtilisation => (DynamoDb, "dynamodb_write_utilisation_pct", "write capacity used", Percent, Above, Some(80.0), Some(95.0)),
    ThrottleEvents => (DynamoDb, "dynamodb_throttle_events", "throttle events", PerMinute, Above, Some(0.0), Some(50.0)),
    PortUtilisation => (NexTalk, "nextalk_port_utilisation_pct", "ports in use", Percent, Above, Some(75.0), Some(90.0)),
    FailoverLoad => (NexTalk, "nextalk_failover_load_pct", "load on the survivor after a failover", Percent, Above, Some(80.0), Some(100.0)),
}

impl MetricId {
    pub fn from_key(key: &str) -> Option<MetricId> {
        MetricId::ALL.iter().copied().find(|m| m.key() == key)
    }

    /// The value as a person reads it, in the metric's unit.
    pub fn format(self, value: f64) -> String {
        format_value(self.unit(), value)
    }
}

pub fn format_value(unit: Unit, value: f64) -> String {
    match unit {
        Unit::Count => format!("{}", value.round() as i64),
        Unit::PerMinute => format!("{}/min", value.round() as i64),
        Unit::Percent => {
            // A share that is there but rounds to 0.0 must not read as none at all.
            if value > 0.0 && value < 0.05 {
                "<0.1%".to_string()
            } else if value.abs() < 10.0 && value.fract() != 0.0 {
                format!("{value:.1}%")
            } else {
                format!("{}%", value.round() as i64)
            }
        }
        // An age of nothing is `0s`, not `0ms`: this unit counts seconds.
        Unit::Seconds if value <= 0.0 => "0s".to_string(),
        Unit::Seconds => fmt_duration(Duration::from_secs_f64(value)),
        Unit::Millis => fmt_duration(Duration::from_secs_f64(value.max(0.0) / 1000.0)),
        Unit::Bytes => scaled(value, "B"),
        Unit::BitsPerSecond => scaled(value, "b/s"),
    }
}

/// A size or rate with a decimal prefix, one decimal below 10 of its unit: `1.5GB`, `940Mb/s`.
fn scaled(value: f64, unit: &str) -> String {
    const PREFIXES: [&str; 6] = ["", "k", "M", "G", "T", "P"];
    let mut v = value.abs();
    let mut i = 0;
    while v >= 1000.0 && i + 1 < PREFIXES.len() {
        v /= 1000.0;
        i += 1;
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let prefix = PREFIXES[i];
    if i > 0 && v < 10.0 && (v * 10.0).round() % 10.0 != 0.0 {
        format!("{sign}{v:.1}{prefix}{unit}")
    } else {
        format!("{sign}{}{prefix}{unit}", v.round() as i64)
    }
}

/// An amount (capacity units per second) as a person reads it: a small amount keeps its
/// decimal, so `0.1/5` never reads as `0/5` beside a read share of 2.6 %.
pub fn format_amount(value: f64) -> String {
    if value == 0.0 {
        "0".to_string()
    } else if value.abs() < 0.05 {
        "<0.1".to_string()
    } else if value.abs() < 10.0 && (value * 10.0).round() % 10.0 != 0.0 {
        format!("{value:.1}")
    } else {
        format!("{}", value.round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_metric_names_the_section_its_figures_come_from() {
        // Keys are prefixed by their section's key (`queue_` for the queues); the table's own
        // section must agree, so a gap in that section is what makes the metric missing.
        for m in MetricId::ALL {
            let prefix = m.section().key().trim_end_matches('s');
            assert!(m.key().starts_with(prefix), "{} is in {:?}", m.key(), m.section());
        }
        assert_eq!(MetricId::FailoverLoad.section(), Section::NexTalk);
        assert_eq!(MetricId::OldestContactAge.section(), Section::Queues);
    }

    #[test]
    fn keys_are_unique_and_round_trip() {
        for m in MetricId::ALL {
            assert_eq!(MetricId::from_key(m.key()), Some(*m));
        }
        let mut keys: Vec<_> = MetricId::ALL.iter().map(|m| m.key()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), MetricId::ALL.len());
    }

    #[test]
    fn values_format_in_their_unit() {
        assert_eq!(MetricId::OldestContactAge.format(252.0), "4m12s");
        assert_eq!(MetricId::IteratorAge.format(90_000.0), "1m30s");
        assert_eq!(MetricId::LambdaErrorRate.format(2.5), "2.5%");
        assert_eq!(MetricId::PortUtilisation.format(93.4), "93%");
        assert_eq!(MetricId::MissedCalls.format(3.0), "3/min");
        assert_eq!(format_value(Unit::Bytes, 1_500_000_000.0), "1.5GB");
        assert_eq!(format_value(Unit::Bytes, 512.0), "512B");
        assert_eq!(format_value(Unit::Bytes, 20_000_000_000.0), "20GB");
        assert_eq!(format_value(Unit::BitsPerSecond, 940_000_000.0), "940Mb/s");
        assert_eq!(format_value(Unit::BitsPerSecond, 0.0), "0b/s");
    }

    #[test]
    fn small_figures_that_are_there_never_read_as_zero() {
        assert_eq!(MetricId::ReadUtilisation.format(0.04), "<0.1%");
        assert_eq!(MetricId::ReadUtilisation.format(0.0), "0%");
        assert_eq!(format_amount(0.13), "0.1");
        assert_eq!(format_amount(0.01), "<0.1");
        assert_eq!(format_amount(0.0), "0");
        assert_eq!(format_amount(5.0), "5");
        assert_eq!(format_amount(2.6), "2.6");
        assert_eq!(format_amount(123.4), "123");
    }
}

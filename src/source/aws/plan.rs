//! Which CloudWatch metrics one refresh asks for, with which statistic, and where each value
//! lands in the Snapshot. Pure: the SDK side (`cloudwatch.rs`) turns [`MetricQuery`]s into
//! GetMetricData queries and hands the returned series back to [`assemble`].

use super::settings::{PortMetricSettings, ServerSettings};
use crate::model::custom::{Missing, PaneData, PaneDef, PaneRow};
use crate::model::{
    Connect, DynamoTable, Gap, KinesisStream, LambdaFunction, NexTalk, NexTalkFigure, NexTalkServer, Section,
    Snapshot, Timestamp,
};
use std::collections::HashMap;
use std::sync::Arc;

/// GetMetricData takes at most 500 queries per call.
pub const MAX_QUERIES_PER_CALL: usize = 500;
/// The console's period: every AWS metric it uses has 1-minute resolution.
pub const PERIOD_S: i32 = 60;

/// How a value is read from its series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A count per period (Sum): only recent datapoints count, older ones mean "nothing since".
    Count,
    /// A level (Maximum, Average, percentile): the newest datapoint in the window stands.
    Gauge,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LambdaField {
    Invocations,
    Errors,
    Throttles,
    DurationP99,
    Concurrency,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KinesisField {
    IteratorAge,
    PutRecordLatency,
    PutRecordsLatency,
    IncomingRecords,
    WriteExceeded,
    ReadExceeded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DynamoField {
    ConsumedRead,
    ConsumedWrite,
    ProvisionedRead,
    ProvisionedWrite,
    ReadThrottles,
    WriteThrottles,
}

/// Where a value lands. Indices point into [`Targets`]' lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ConcurrentCalls,
    /// A fraction: 0.5 = 50 %.
    ConcurrentCallsFraction,
    ConcurrentChats,
    /// An integer percentage: 50 = 50 %.
    ConcurrentChatsPercent,
    MissedCalls,
    ThrottledCalls,
    /// Per contact flow; summed over the flows.
    FlowErrors(usize),
    Lambda(usize, LambdaField),
    Kinesis(usize, KinesisField),
    Dynamo(usize, DynamoField),
    Ports(usize),
    /// A data-defined pane's (pane, row, column), indices into [`Targets::panes`].
    Pane(usize, usize, usize),
}

impl Field {
    pub fn section(self) -> Section {
        match self {
            Field::Pane(..) => Section::Panes,
            Field::Lambda(..) => Section::Lambda,
            Field::Kinesis(..) => Section::Kinesis,
            Field::Dynamo(..) => Section::DynamoDb,
            Field::Ports(..) => Section::NexTalk,
            _ => Section::Connect,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    /// GetMetricData query id: `q<index>` (ids must start with a lower-case letter).
    pub id: String,
    pub namespace: String,
    pub metric: String,
    pub dimensions: Vec<(String, String)>,
    pub stat: String,
    pub kind: Kind,
    pub field: Field,
    /// Seconds: [`PERIOD_S`] except for a pane column with a period of its own.
    pub period_s: i32,
}

impl MetricQuery {
    /// A metric published at a longer period (daily): fetched apart, over a window that holds
    /// its last datapoint.
    pub fn is_long(&self) -> bool {
        self.period_s > PERIOD_S
    }
}

/// The resources one refresh covers, after names and patterns were resolved.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Targets {
    pub connect_instance: Option<String>,
    /// Contact flows with an error metric (found with ListMetrics).
    pub contact_flows: Vec<String>,
    pub lambda: Vec<String>,
    pub kinesis: Vec<String>,
    pub dynamodb: Vec<String>,
    pub servers: Vec<ServerSettings>,
    pub ports: PortMetricSettings,
    /// The data-defined panes with the row names their patterns resolved to.
    pub panes: Vec<PaneTargets>,
}

/// One data-defined pane's rows, after ListMetrics.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PaneTargets {
    pub def: Arc<PaneDef>,
    pub rows: Vec<String>,
    /// Why the rows could not be found this time (ListMetrics failed), if so.
    pub error: Option<String>,
    /// Rows found but not read: beyond the cap on a pane's rows.
    pub unread: usize,
}

/// Every query of one refresh, in a stable order.
pub fn plan(t: &Targets) -> Vec<MetricQuery> {
    let mut out = Vec::new();
    let mut add =
        |ns: &str, metric: &str, dims: Vec<(String, String)>, stat: &str, kind: Kind, field: Field| {
            out.push(MetricQuery {
                id: format!("q{}", out.len()),
                namespace: ns.to_string(),
                metric: metric.to_string(),
                dimensions: dims,
                stat: stat.to_string(),
                kind,
                field,
                period_s: PERIOD_S,
            });
        };
    let dim = |k: &str, v: &str| (k.to_string(), v.to_string());

    if let Some(inst) = &t.connect_instance {
        let voice = || vec![dim("InstanceId", inst), dim("MetricGroup", "VoiceCalls")];
        let chats = || vec![dim("InstanceId", inst), dim("MetricGroup", "Chats")];
        add("AWS/Connect", "ConcurrentCalls", voice(), "Maximum", Kind::Gauge, Field::ConcurrentCalls);
        add(
            "AWS/Connect",
            "ConcurrentCallsPercentage",
            voice(),
            "Maximum",
            Kind::Gauge,
            Field::ConcurrentCallsFraction,
        );
        add("AWS/Connect", "MissedCalls", voice(), "Sum", Kind::Count, Field::MissedCalls);
        add("AWS/Connect", "ThrottledCalls", voice(), "Sum", Kind::Count, Field::ThrottledCalls);
        add("AWS/Connect", "ConcurrentActiveChats", chats(), "Maximum", Kind::Gauge, Field::ConcurrentChats);
        add(
            "AWS/Connect",
            "ConcurrentActiveChatsPercentage",
            chats(),
            "Maximum",
            Kind::Gauge,
            Field::ConcurrentChatsPercent,
        );
        for (i, flow) in t.contact_flows.iter().enumerate() {
            let dims = vec![
                dim("InstanceId", inst),
                dim("MetricGroup", "ContactFlow"),
                dim("ContactFlowName", flow),
            ];
            add("AWS/Connect", "ContactFlowErrors", dims, "Sum", Kind::Count, Field::FlowErrors(i));
        }
    }
    for (i, f) in t.lambda.iter().enumerate() {
        let d = || vec![dim("FunctionName", f)];
        use LambdaField::*;
        add("AWS/Lambda", "Invocations", d(), "Sum", Kind::Count, Field::Lambda(i, Invocations));
        add("AWS/Lambda", "Errors", d(), "Sum", Kind::Count, Field::Lambda(i, Errors));
        add("AWS/Lambda", "Throttles", d(), "Sum", Kind::Count, Field::Lambda(i, Throttles));
        add("AWS/Lambda", "Duration", d(), "p99", Kind::Gauge, Field::Lambda(i, DurationP99));
        add("AWS/Lambda", "ConcurrentExecutions", d(), "Maximum", Kind::Gauge, Field::Lambda(i, Concurrency));
    }
    for (i, s) in t.kinesis.iter().enumerate() {
        let d = || vec![dim("StreamName", s)];
        use KinesisField::*;
        add(
            "AWS/Kinesis",
            "GetRecords.IteratorAgeMilliseconds",
            d(),
            "Maximum",
            Kind::Gauge,
            Field::Kinesis(i, IteratorAge),
        );
        add(
            "AWS/Kinesis",
            "PutRecord.Latency",
            d(),
            "Average",
            Kind::Gauge,
            Field::Kinesis(i, PutRecordLatency),
        );
        add(
            "AWS/Kinesis",
            "PutRecords.Latency",
            d(),
            "Average",
            Kind::Gauge,
            Field::Kinesis(i, PutRecordsLatency),
        );
        add("AWS/Kinesis", "IncomingRecords", d(), "Sum", Kind::Count, Field::Kinesis(i, IncomingRecords));
        add(
            "AWS/Kinesis",
            "WriteProvisionedThroughputExceeded",
            d(),
            "Sum",
            Kind::Count,
            Field::Kinesis(i, WriteExceeded),
        );
        add(
            "AWS/Kinesis",
            "ReadProvisionedThroughputExceeded",
            d(),
            "Sum",
            Kind::Count,
            Field::Kinesis(i, ReadExceeded),
        );
    }
    for (i, table) in t.dynamodb.iter().enumerate() {
        let d = || vec![dim("TableName", table)];
        use DynamoField::*;
        add(
            "AWS/DynamoDB",
            "ConsumedReadCapacityUnits",
            d(),
            "Sum",
            Kind::Count,
            Field::Dynamo(i, ConsumedRead),
        );
        add(
            "AWS/DynamoDB",
            "ConsumedWriteCapacityUnits",
            d(),
            "Sum",
            Kind::Count,
            Field::Dynamo(i, ConsumedWrite),
        );
        add(
            "AWS/DynamoDB",
            "ProvisionedReadCapacityUnits",
            d(),
            "Average",
            Kind::Gauge,
            Field::Dynamo(i, ProvisionedRead),
        );
        add(
            "AWS/DynamoDB",
            "ProvisionedWriteCapacityUnits",
            d(),
            "Average",
            Kind::Gauge,
            Field::Dynamo(i, ProvisionedWrite),
        );
        add("AWS/DynamoDB", "ReadThrottleEvents", d(), "Sum", Kind::Count, Field::Dynamo(i, ReadThrottles));
        add("AWS/DynamoDB", "WriteThrottleEvents", d(), "Sum", Kind::Count, Field::Dynamo(i, WriteThrottles));
    }
    for (i, srv) in t.servers.iter().enumerate() {
        let dims = t
            .ports
            .dimensions
            .iter()
            .map(|(k, v)| {
                (k.clone(), v.replace("{instance_id}", &srv.instance_id).replace("{server}", &srv.name))
            })
            .collect();
        add(&t.ports.namespace, &t.ports.metric, dims, &t.ports.statistic, Kind::Gauge, Field::Ports(i));
    }
    for (p, pane) in t.panes.iter().enumerate() {
        let def = &pane.def;
        for (r, row) in pane.rows.iter().enumerate() {
            for (c, col) in def.columns.iter().enumerate() {
                let kind = if col.stat.is_count() { Kind::Count } else { Kind::Gauge };
                let dims = def.dimensions_for(col, row);
                add(&def.namespace, &col.metric, dims, col.stat.as_str(), kind, Field::Pane(p, r, c));
            }
        }
    }
    // Pane columns with a period of their own (a daily metric).
    for q in &mut out {
        if let Field::Pane(p, _, c) = q.field
            && let Some(s) = t.panes.get(p).and_then(|pane| pane.def.columns.get(c)).and_then(|c| c.period_s)
        {
            q.period_s = i32::try_from(s).unwrap_or(PERIOD_S);
        }
    }
    out
}

/// One series as GetMetricData returns it: (bucket start in ms since the epoch, value).
pub type Points = Vec<(u64, f64)>;

/// How far back a value may be and still count.
#[derive(Debug, Clone, Copy)]
pub struct Freshness {
    /// For [`Kind::Count`]: older datapoints read as "nothing happened" (0).
    pub count_ms: u64,
    /// For [`Kind::Gauge`]: the look-back window.
    pub gauge_ms: u64,
}

/// The newest value at or before `at` that is fresh enough for its kind.
pub fn pick(points: &[(u64, f64)], at: u64, kind: Kind, fresh: Freshness) -> Option<f64> {
    let limit = match kind {
        Kind::Count => fresh.count_ms,
        Kind::Gauge => fresh.gauge_ms,
    };
    points
        .iter()
        .filter(|(ts, v)| *ts <= at && at - *ts <= limit && v.is_finite())
        .max_by_key(|(ts, _)| *ts)
        .map(|(_, v)| *v)
}

/// Settings that shape the assembled snapshot beyond the metrics themselves.
#[derive(Debug, Clone, Default)]
pub struct Quotas {
    pub concurrent_calls: Option<u32>,
    pub concurrent_chats: Option<u32>,
}

fn count(v: Option<f64>) -> u64 {
    v.map_or(0, |v| v.max(0.0).round() as u64)
}

fn count32(v: Option<f64>) -> u32 {
    count(v).min(u32::MAX as u64) as u32
}

/// The metric part of a snapshot as of `at` (ms): Connect instance figures, Lambda, Kinesis,
/// DynamoDB, and NexTalk servers with their ports. `series` is keyed by query id; a query
/// without an entry had no data.
pub fn assemble(
    t: &Targets,
    queries: &[MetricQuery],
    series: &HashMap<String, Points>,
    at: u64,
    fresh: Freshness,
    quotas: &Quotas,
) -> Snapshot {
    let mut values: HashMap<Field, f64> = HashMap::new();
    let mut flow_errors = 0.0;
    for q in queries {
        // A daily figure is as fresh as its last two periods allow: yesterday's size stands.
        let fresh = if q.is_long() {
            let long = 2 * u64::try_from(q.period_s).unwrap_or(0) * 1000;
            Freshness { count_ms: fresh.count_ms.max(long), gauge_ms: fresh.gauge_ms.max(long) }
        } else {
            fresh
        };
        let Some(v) = series.get(&q.id).and_then(|p| pick(p, at, q.kind, fresh)) else { continue };
        match q.field {
            Field::FlowErrors(_) => flow_errors += v,
            f => {
                values.insert(f, v);
            }
        }
    }
    let get = |f: Field| values.get(&f).copied();
    let mut snap = Snapshot { taken_at: Timestamp(at), ..Default::default() };

    if let Some(inst) = &t.connect_instance {
        let calls = count32(get(Field::ConcurrentCalls));
        let chats = count32(get(Field::ConcurrentChats));
        // The quota follows from count / share when both are known (the percentage metrics
        // are the only place CloudWatch reveals it); otherwise fall back to settings.
        let calls_quota = match get(Field::ConcurrentCallsFraction) {
            Some(frac) if frac > 0.0 && calls > 0 => Some((calls as f64 / frac).round() as u32),
            _ => None,
        };
        let chats_quota = match get(Field::ConcurrentChatsPercent) {
            Some(pct) if pct > 0.0 && chats > 0 => Some((chats as f64 * 100.0 / pct).round() as u32),
            _ => None,
        };
        snap.connect = Connect {
            instance_id: inst.clone(),
            concurrent_calls: calls,
            concurrent_calls_quota: calls_quota.or(quotas.concurrent_calls).unwrap_or(0),
            concurrent_chats: chats,
            concurrent_chats_quota: chats_quota.or(quotas.concurrent_chats).unwrap_or(0),
            missed_calls: count32(get(Field::MissedCalls)),
            throttled_calls: count32(get(Field::ThrottledCalls)),
            contact_flow_errors: count32(Some(flow_errors)),
            queues: Vec::new(),
        };
    }
    snap.lambda = t
        .lambda
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let f = |x| get(Field::Lambda(i, x));
            LambdaFunction {
                name: name.clone(),
                invocations: count(f(LambdaField::Invocations)),
                errors: count(f(LambdaField::Errors)),
                throttles: count(f(LambdaField::Throttles)),
                duration_p99_ms: f(LambdaField::DurationP99),
                concurrent_executions: count32(f(LambdaField::Concurrency)),
            }
        })
        .collect();
    snap.kinesis = t
        .kinesis
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let f = |x| get(Field::Kinesis(i, x));
            // Producers use PutRecord or PutRecords (or both): the slower one is the latency.
            let put = match (f(KinesisField::PutRecordLatency), f(KinesisField::PutRecordsLatency)) {
                (Some(a), Some(b)) => Some(a.max(b)),
                (a, b) => a.or(b),
            };
            KinesisStream {
                name: name.clone(),
                iterator_age_ms: f(KinesisField::IteratorAge),
                put_latency_ms: put,
                incoming_records: count(f(KinesisField::IncomingRecords)),
                write_throughput_exceeded: count(f(KinesisField::WriteExceeded)),
                read_throughput_exceeded: count(f(KinesisField::ReadExceeded)),
                // CloudWatch has no shard count; the Kinesis action reads it when it runs.
                open_shards: None,
            }
        })
        .collect();
    let per_second = PERIOD_S as f64;
    snap.dynamodb = t
        .dynamodb
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let f = |x| get(Field::Dynamo(i, x));
            DynamoTable {
                name: name.clone(),
                // Consumed capacity is a Sum per period; units per second is Sum / 60.
                consumed_read: f(DynamoField::ConsumedRead).unwrap_or(0.0) / per_second,
                provisioned_read: f(DynamoField::ProvisionedRead),
                consumed_write: f(DynamoField::ConsumedWrite).unwrap_or(0.0) / per_second,
                provisioned_write: f(DynamoField::ProvisionedWrite),
                // DynamoDB emits throttle events only when there are some: missing means 0.
                read_throttles: count(f(DynamoField::ReadThrottles)),
                write_throttles: count(f(DynamoField::WriteThrottles)),
            }
        })
        .collect();
    snap.nextalk = NexTalk {
        servers: t
            .servers
            .iter()
            .enumerate()
            .map(|(i, srv)| {
                // No datapoint: unknown (never 0), with a gap on this server's ports only.
                let in_use = get(Field::Ports(i)).map(|v| count32(Some(v)));
                if in_use.is_none() {
                    snap.gaps.push(Gap::nextalk(
                        NexTalkFigure::Ports,
                        Some(&srv.name),
                        format!(
                            "GetMetricData: no {}/{} datapoint in the window for {}",
                            t.ports.namespace, t.ports.metric, srv.name
                        ),
                    ));
                }
                NexTalkServer {
                    name: srv.name.clone(),
                    instance_id: srv.instance_id.clone(),
                    ports_in_use: in_use,
                    ports_capacity: srv.port_capacity,
                    ..Default::default()
                }
            })
            .collect(),
    };
    snap.panes = t
        .panes
        .iter()
        .enumerate()
        .map(|(p, pane)| {
            let rows = pane
                .rows
                .iter()
                .enumerate()
                .map(|(r, name)| PaneRow {
                    name: name.clone(),
                    values: pane
                        .def
                        .columns
                        .iter()
                        .enumerate()
                        .map(|(c, col)| match (get(Field::Pane(p, r, c)), col.missing) {
                            (Some(v), _) => Some(v),
                            // A metric AWS emits only when there is something to count.
                            (None, Missing::Zero) => Some(0.0),
                            (None, Missing::Unknown) => None,
                        })
                        .collect(),
                })
                .collect();
            PaneData { unread: pane.unread, ..PaneData::new(pane.def.clone(), rows) }
        })
        .collect();
    snap
}

/// Every distinct bucket time in `series`, oldest first: the instants a history replay
/// assembles a snapshot for.
pub fn bucket_times(series: &HashMap<String, Points>) -> Vec<u64> {
    let mut times: Vec<u64> = series.values().flatten().map(|(ts, _)| *ts).collect();
    times.sort_unstable();
    times.dedup();
    times
}

#[cfg(test)]
mod tests {
    use super::*;

    fn targets() -> Targets {
        Targets {
            connect_instance: Some("inst".into()),
            contact_flows: vec!["Main".into(), "Chat".into()],
            lambda: vec!["fn-a".into()],
            kinesis: vec!["ctr".into()],
            dynamodb: vec!["contacts".into()],
            servers: vec![ServerSettings {
                name: "nt-a".into(),
                instance_id: "i-0123abcd".into(),
                port_capacity: 96,
                address: None,
            }],
            ports: PortMetricSettings::default(),
            panes: Vec::new(),
        }
    }

    fn crm_pane() -> PaneTargets {
        use crate::model::custom::{ColumnDef, Stat};
        use crate::model::{Direction, Threshold, Unit};
        let col = |label: &str, metric: &str, stat: Stat, missing: Missing| ColumnDef {
            label: label.into(),
            metric: metric.into(),
            stat,
            unit: Unit::Count,
            threshold: Threshold { direction: Direction::Above, warn: Some(0.0), crit: Some(10.0) },
            missing,
            dimensions: Vec::new(),
            period_s: None,
        };
        let def = PaneDef {
            id: "crm-api".into(),
            namespace: "AWS/ApiGateway".into(),
            row_dimension: "ApiName".into(),
            dimensions: vec![("Stage".into(), "prod".into())],
            columns: vec![
                col("5xx", "5XXError", Stat::Sum, Missing::Unknown),
                col("p99", "Latency", Stat::Percentile("p99".into()), Missing::Unknown),
                col("thr", "Throttles", Stat::Sum, Missing::Zero),
            ],
            ..Default::default()
        };
        PaneTargets {
            def: Arc::new(def),
            rows: vec!["pega-a".into(), "pega-b".into()],
            error: None,
            unread: 0,
        }
    }

    #[test]
    fn a_data_defined_pane_adds_one_query_per_row_and_column_to_the_same_plan() {
        let mut t = targets();
        let builtin = plan(&t).len();
        t.panes.push(crm_pane());
        let q = plan(&t);
        assert_eq!(q.len(), builtin + 2 * 3, "rows × columns, in the same list as the built-in queries");
        let p99 = q.iter().find(|x| x.field == Field::Pane(0, 1, 1)).unwrap();
        assert_eq!(
            (p99.namespace.as_str(), p99.metric.as_str(), p99.stat.as_str()),
            ("AWS/ApiGateway", "Latency", "p99")
        );
        assert_eq!(p99.kind, Kind::Gauge);
        assert_eq!(
            p99.dimensions,
            vec![("ApiName".to_string(), "pega-b".to_string()), ("Stage".to_string(), "prod".to_string())]
        );
        assert_eq!(q.iter().find(|x| x.field == Field::Pane(0, 0, 0)).unwrap().kind, Kind::Count);
        assert_eq!(Field::Pane(0, 0, 0).section(), Section::Panes);
    }

    #[test]
    fn pane_values_land_in_their_rows_and_a_missing_one_is_unknown_unless_declared_zero() {
        let mut t = targets();
        t.panes.push(crm_pane());
        let q = plan(&t);
        let id = |f: Field| q.iter().find(|x| x.field == f).unwrap().id.clone();
        let mut series = HashMap::new();
        series.insert(id(Field::Pane(0, 0, 0)), vec![(9 * 60_000, 12.0)]);
        series.insert(id(Field::Pane(0, 1, 1)), vec![(9 * 60_000, 850.0)]);
        let fresh = Freshness { count_ms: 5 * 60_000, gauge_ms: 15 * 60_000 };
        let s = assemble(&t, &q, &series, 10 * 60_000, fresh, &Quotas::default());
        let p = &s.panes[0];
        assert_eq!(p.id, "crm-api");
        assert_eq!(p.rows[0].name, "pega-a");
        assert_eq!(p.rows[0].values, [Some(12.0), None, Some(0.0)]);
        assert_eq!(p.rows[1].values, [None, Some(850.0), Some(0.0)]);
    }

    /// A daily column (S3's BucketSizeBytes) is asked for at its own period, apart, and its
    /// datapoint of the day stands for two periods, not the minute figures' window.
    #[test]
    fn a_daily_column_has_its_period_and_its_day_old_datapoint_stands() {
        let mut t = targets();
        let mut pane = crm_pane();
        let mut def = (*pane.def).clone();
        def.columns[1].period_s = Some(86_400);
        pane.def = Arc::new(def);
        t.panes.push(pane);
        let q = plan(&t);
        let daily = q.iter().find(|x| x.field == Field::Pane(0, 0, 1)).unwrap();
        assert_eq!((daily.period_s, daily.is_long()), (86_400, true));
        assert_eq!(q.iter().filter(|x| x.is_long()).count(), 2, "one per row");
        assert!(q.iter().filter(|x| !x.is_long()).all(|x| x.period_s == PERIOD_S));
        let mut series = HashMap::new();
        let at = 3 * 86_400_000;
        // Midnight's datapoint, 20 hours before: far past the 15-minute window of a level.
        series.insert(daily.id.clone(), vec![(at - 20 * 3_600_000, 4.2e12)]);
        let fresh = Freshness { count_ms: 5 * 60_000, gauge_ms: 15 * 60_000 };
        let s = assemble(&t, &q, &series, at, fresh, &Quotas::default());
        assert_eq!(s.panes[0].rows[0].values[1], Some(4.2e12));
        // Two days old is too old even for a daily figure.
        series.insert(daily.id.clone(), vec![(at - 50 * 3_600_000, 4.2e12)]);
        let s = assemble(&t, &q, &series, at, fresh, &Quotas::default());
        assert_eq!(s.panes[0].rows[0].values[1], None);
    }

    #[test]
    fn the_plan_uses_the_right_statistic_per_metric() {
        let q = plan(&targets());
        let stat = |m: &str| q.iter().find(|x| x.metric == m).map(|x| x.stat.as_str()).unwrap();
        assert_eq!(stat("Invocations"), "Sum");
        assert_eq!(stat("Duration"), "p99");
        assert_eq!(stat("ConcurrentExecutions"), "Maximum");
        assert_eq!(stat("GetRecords.IteratorAgeMilliseconds"), "Maximum");
        assert_eq!(stat("PutRecord.Latency"), "Average");
        assert_eq!(stat("ConsumedReadCapacityUnits"), "Sum");
        assert_eq!(stat("PortsInUse"), "Maximum");
        assert_eq!(q.len(), 6 + 2 + 5 + 6 + 6 + 1);
        let ids: std::collections::HashSet<_> = q.iter().map(|x| &x.id).collect();
        assert_eq!(ids.len(), q.len());
        let ports = q.iter().find(|x| x.metric == "PortsInUse").unwrap();
        assert_eq!(ports.dimensions, vec![("InstanceId".to_string(), "i-0123abcd".to_string())]);
    }

    #[test]
    fn newest_fresh_datapoint_wins_and_stale_counts_read_zero() {
        let fresh = Freshness { count_ms: 5 * 60_000, gauge_ms: 15 * 60_000 };
        let at = 100 * 60_000;
        let pts = vec![(90 * 60_000, 7.0), (88 * 60_000, 3.0)];
        assert_eq!(pick(&pts, at, Kind::Gauge, fresh), Some(7.0));
        assert_eq!(pick(&pts, at, Kind::Count, fresh), None);
        let recent = vec![(98 * 60_000, 2.0), (99 * 60_000, 4.0)];
        assert_eq!(pick(&recent, at, Kind::Count, fresh), Some(4.0));
    }

    #[test]
    fn values_land_in_their_rows_with_units_converted() {
        let t = targets();
        let q = plan(&t);
        let at = 10 * 60_000;
        let mut series = HashMap::new();
        let mut put = |metric: &str, v: f64| {
            let id = q.iter().find(|x| x.metric == metric).unwrap().id.clone();
            series.entry(id).or_insert_with(Vec::new).push((9 * 60_000, v));
        };
        put("ConcurrentCalls", 45.0);
        put("ConcurrentCallsPercentage", 0.45);
        put("ConcurrentActiveChats", 10.0);
        put("ConcurrentActiveChatsPercentage", 20.0);
        put("ConsumedReadCapacityUnits", 600.0);
        put("ProvisionedReadCapacityUnits", 20.0);
        put("PutRecord.Latency", 30.0);
        put("PutRecords.Latency", 80.0);
        put("PortsInUse", 50.0);
        let flows: Vec<_> =
            q.iter().filter(|x| x.metric == "ContactFlowErrors").map(|x| x.id.clone()).collect();
        series.insert(flows[0].clone(), vec![(9 * 60_000, 2.0)]);
        series.insert(flows[1].clone(), vec![(9 * 60_000, 3.0)]);
        let fresh = Freshness { count_ms: 5 * 60_000, gauge_ms: 15 * 60_000 };
        let s = assemble(&t, &q, &series, at, fresh, &Quotas::default());
        assert_eq!(s.connect.concurrent_calls_quota, 100);
        assert!((s.connect.calls_pct().unwrap() - 45.0).abs() < 1e-9);
        assert_eq!(s.connect.concurrent_chats_quota, 50);
        assert_eq!(s.connect.contact_flow_errors, 5);
        assert_eq!(s.dynamodb[0].consumed_read, 10.0);
        assert_eq!(s.dynamodb[0].read_pct(), Some(50.0));
        assert_eq!(s.dynamodb[0].provisioned_write, None);
        assert_eq!(s.dynamodb[0].throttles(), 0);
        assert_eq!(s.kinesis[0].put_latency_ms, Some(80.0));
        assert_eq!(s.lambda[0].duration_p99_ms, None);
        assert_eq!(s.nextalk.servers[0].ports_in_use, Some(50));
        assert!(s.gaps.is_empty(), "{:?}", s.gaps);
    }

    #[test]
    fn a_missing_port_metric_is_a_gap_not_a_zero_that_looks_healthy() {
        let t = targets();
        let q = plan(&t);
        let fresh = Freshness { count_ms: 1, gauge_ms: 1 };
        let s = assemble(
            &t,
            &q,
            &HashMap::new(),
            0,
            fresh,
            &Quotas { concurrent_calls: Some(80), ..Default::default() },
        );
        assert_eq!(s.connect.concurrent_calls_quota, 80);
        assert_eq!(s.gaps.len(), 1);
        assert!(s.gaps[0].error.contains("nt-a"), "{:?}", s.gaps);
        // Unknown, never 0; and the gap is about nt-a's ports only.
        assert_eq!(s.nextalk.servers[0].ports_in_use, None);
        assert_eq!(s.gaps[0].figure, Some(NexTalkFigure::Ports));
        assert_eq!(s.gaps[0].server.as_deref(), Some("nt-a"));
    }
}

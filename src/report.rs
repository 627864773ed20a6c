//! The headless view of one snapshot: stable JSON for scripts and a plain table for people.
//! Every row carries its health so scripts need not re-implement the thresholds.

use crate::model::custom::{self, PaneData};
use crate::model::{
    Alert, Assessment, Connect, DynamoTable, Failover, Gap, KinesisStream, LambdaFunction, Level,
    NexTalkServer, Queue, Section, Snapshot, Timestamp, fmt_duration,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::time::Duration;

#[derive(Debug, Serialize)]
pub struct Report<'a> {
    pub taken_at: Timestamp,
    pub source: &'a str,
    pub health: Level,
    pub alerts: &'a [Alert],
    pub connect: ConnectReport<'a>,
    pub lambda: Vec<Row<'a, LambdaReport<'a>>>,
    pub kinesis: Vec<Row<'a, KinesisReport<'a>>>,
    pub dynamodb: Vec<Row<'a, DynamoReport<'a>>>,
    pub nextalk: NexTalkReport<'a>,
    /// The data-defined panes (`[[panes]]`, presets) by id; absent when there are none.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub panes: BTreeMap<&'a str, PaneReport<'a>>,
    pub gaps: &'a [Gap],
}

/// One data-defined pane: each row carries its name, every column's value under the
/// column's label (`null`: no datapoint, unknown — never 0), and its health and reason.
#[derive(Debug, Serialize)]
pub struct PaneReport<'a> {
    pub title: &'a str,
    pub namespace: &'a str,
    pub health: Level,
    pub rows: Vec<serde_json::Map<String, serde_json::Value>>,
    /// Rows that exist but were not read (the cap on a pane's rows); absent when none.
    #[serde(skip_serializing_if = "is_zero")]
    pub unread: usize,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A model row with its health flattened in beside it.
#[derive(Debug, Serialize)]
pub struct Row<'a, T: Serialize> {
    #[serde(flatten)]
    pub data: T,
    pub health: Level,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<&'a str>,
}

#[derive(Debug, Serialize)]
pub struct ConnectReport<'a> {
    pub instance_id: &'a str,
    pub concurrent_calls: u32,
    pub concurrent_calls_quota: u32,
    pub concurrent_calls_pct: Option<f64>,
    pub concurrent_chats: u32,
    pub concurrent_chats_quota: u32,
    pub concurrent_chats_pct: Option<f64>,
    pub missed_calls: u32,
    pub throttled_calls: u32,
    pub contact_flow_errors: u32,
    pub health: Level,
    pub queues: Vec<Row<'a, &'a Queue>>,
}

#[derive(Debug, Serialize)]
pub struct LambdaReport<'a> {
    #[serde(flatten)]
    pub function: &'a LambdaFunction,
    /// `null` when the function was not invoked.
    pub error_rate_pct: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct KinesisReport<'a> {
    #[serde(flatten)]
    pub stream: &'a KinesisStream,
}

#[derive(Debug, Serialize)]
pub struct DynamoReport<'a> {
    #[serde(flatten)]
    pub table: &'a DynamoTable,
    pub read_utilisation_pct: Option<f64>,
    pub write_utilisation_pct: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct NexTalkReport<'a> {
    pub servers: Vec<Row<'a, ServerReport<'a>>>,
    pub failover: Option<FailoverReport>,
}

#[derive(Debug, Serialize)]
pub struct ServerReport<'a> {
    #[serde(flatten)]
    pub server: &'a NexTalkServer,
    /// `null` when the ports in use are not known.
    pub port_utilisation_pct: Option<f64>,
}

#[derive(Debug, Serialize)]
pub struct FailoverReport {
    #[serde(flatten)]
    pub failover: Failover,
    /// `null` when a server's ports are not known: unknown, not yes.
    pub can_one_server_carry_all: Option<bool>,
    pub health: Level,
}

fn round1(v: f64) -> f64 {
    (v * 10.0).round() / 10.0
}

impl<'a> Report<'a> {
    pub fn new(s: &'a Snapshot, a: &'a Assessment, alerts: &'a [Alert]) -> Self {
        let row = |section: Section, entity: &str| {
            let h = a.row(section, entity);
            (
                h.level,
                a.findings.iter().find(|f| f.section == section && f.entity == entity && f.level == h.level),
            )
        };
        fn mk<'a, T: Serialize>(
            data: T,
            (level, f): (Level, Option<&'a crate::model::Finding>),
        ) -> Row<'a, T> {
            Row { data, health: level, reason: f.map(|f| f.reason.as_str()) }
        }
        let c: &Connect = &s.connect;
        Report {
            taken_at: s.taken_at,
            source: &s.source,
            health: a.overall(),
            alerts,
            connect: ConnectReport {
                instance_id: &c.instance_id,
                concurrent_calls: c.concurrent_calls,
                concurrent_calls_quota: c.concurrent_calls_quota,
                concurrent_calls_pct: c.calls_pct().map(round1),
                concurrent_chats: c.concurrent_chats,
                concurrent_chats_quota: c.concurrent_chats_quota,
                concurrent_chats_pct: c.chats_pct().map(round1),
                missed_calls: c.missed_calls,
                throttled_calls: c.throttled_calls,
                contact_flow_errors: c.contact_flow_errors,
                health: a.row(Section::Connect, "").level,
                queues: c.queues.iter().map(|q| mk(q, row(Section::Queues, &q.name))).collect(),
            },
            lambda: s
                .lambda
                .iter()
                .map(|f| {
                    let data = LambdaReport { function: f, error_rate_pct: f.error_rate_pct().map(round1) };
                    mk(data, row(Section::Lambda, &f.name))
                })
                .collect(),
            kinesis: s
                .kinesis
                .iter()
                .map(|k| mk(KinesisReport { stream: k }, row(Section::Kinesis, &k.name)))
                .collect(),
            dynamodb: s
                .dynamodb
                .iter()
                .map(|d| {
                    let data = DynamoReport {
                        table: d,
                        read_utilisation_pct: d.read_pct().map(round1),
                        write_utilisation_pct: d.write_pct().map(round1),
                    };
                    mk(data, row(Section::DynamoDb, &d.name))
                })
                .collect(),
            nextalk: NexTalkReport {
                servers: s
                    .nextalk
                    .servers
                    .iter()
                    .map(|srv| {
                        let data =
                            ServerReport { server: srv, port_utilisation_pct: srv.port_pct().map(round1) };
                        mk(data, row(Section::NexTalk, &srv.name))
                    })
                    .collect(),
                failover: s.nextalk.failover().map(|f| FailoverReport {
                    failover: Failover { load_pct: f.load_pct.map(|p| round1(p.min(1e6))), ..f },
                    can_one_server_carry_all: f.survivable(),
                    health: a.row(Section::NexTalk, "").level,
                }),
            },
            panes: s.panes.iter().map(|p| (p.id.as_str(), pane_report(p, a))).collect(),
            gaps: &s.gaps,
        }
    }

    pub fn to_json(&self) -> String {
        // Serialising plain data with string keys cannot fail.
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
    }

    /// A compact text report for people: health, alerts, then one line per unhealthy row and
    /// a summary per section. Names and messages come from AWS (queue, function, stream and
    /// table names, error texts): each is sanitised onto its own line (`one`), so none can
    /// start a row of its own; `print_quietly` sanitises the whole once more on the way out.
    pub fn to_table(&self) -> String {
        use crate::sanitize::sanitize_one_line as one;
        let mut out = String::new();
        let now = self.taken_at;
        let _ = writeln!(out, "{} {}  {}  at {}", self.health.symbol(), self.health, one(self.source), now);
        let _ = writeln!(out);
        if self.alerts.is_empty() {
            let _ = writeln!(out, "No alerts.");
        } else {
            let _ = writeln!(out, "ALERTS ({})", self.alerts.len());
            for al in self.alerts {
                let age = fmt_duration(now.since(al.since));
                let _ = writeln!(
                    out,
                    "  {} {:<5} {:<40} {:<42} for {age}",
                    al.severity.symbol(),
                    al.severity.as_str().to_uppercase(),
                    one(&al.what),
                    one(&al.reason)
                );
            }
        }
        let c = &self.connect;
        let _ = writeln!(out);
        let share = |p: Option<f64>| p.map_or_else(|| "?".to_string(), |p| format!("{p:.0}%"));
        let _ = writeln!(
            out,
            "CONNECT   calls {}/{} ({})  chats {}/{} ({})  missed {}/min  throttled {}/min  flow errors {}/min",
            c.concurrent_calls,
            c.concurrent_calls_quota,
            share(c.concurrent_calls_pct),
            c.concurrent_chats,
            c.concurrent_chats_quota,
            share(c.concurrent_chats_pct),
            c.missed_calls,
            c.throttled_calls,
            c.contact_flow_errors
        );
        let mut queues: Vec<_> = c.queues.iter().collect();
        queues.sort_by(|a, b| {
            b.health.cmp(&a.health).then(b.data.contacts_in_queue.cmp(&a.data.contacts_in_queue))
        });
        let _ = writeln!(
            out,
            "QUEUES    {} queues, {} waiting",
            queues.len(),
            queues.iter().map(|q| q.data.contacts_in_queue).sum::<u32>()
        );
        // Every queue that is not ok, then the busiest ok ones up to ten lines; the rest are
        // counted, so the table accounts for every queue it counts.
        let listed = queues.iter().filter(|q| q.health > Level::Ok).count().max(10).min(queues.len());
        for q in queues.iter().take(listed) {
            let age = q
                .data
                .oldest_contact_age_s
                .map(|s| fmt_duration(Duration::from_secs_f64(s)))
                .unwrap_or("-".into());
            let _ = writeln!(
                out,
                "  {} {:<24} in queue {:>4}  oldest {:>7}  agents {:>3}/{:<3} {}",
                q.health.symbol(),
                one(&q.data.name),
                q.data.contacts_in_queue,
                age,
                q.data.agents_available,
                q.data.agents_online,
                q.reason.unwrap_or("")
            );
        }
        more_ok(&mut out, queues.len() - listed);
        let _ = writeln!(out, "LAMBDA    {} functions", self.lambda.len());
        for f in self.lambda.iter().filter(|r| r.health > Level::Ok) {
            let _ = writeln!(
                out,
                "  {} {:<32} {}",
                f.health.symbol(),
                one(&f.data.function.name),
                one(f.reason.unwrap_or(""))
            );
        }
        more_ok(&mut out, self.lambda.iter().filter(|r| r.health == Level::Ok).count());
        let _ = writeln!(out, "KINESIS   {} streams", self.kinesis.len());
        for k in self.kinesis.iter().filter(|r| r.health > Level::Ok) {
            let _ = writeln!(
                out,
                "  {} {:<32} {}",
                k.health.symbol(),
                one(&k.data.stream.name),
                one(k.reason.unwrap_or(""))
            );
        }
        more_ok(&mut out, self.kinesis.iter().filter(|r| r.health == Level::Ok).count());
        let _ = writeln!(out, "DYNAMODB  {} tables", self.dynamodb.len());
        for d in self.dynamodb.iter().filter(|r| r.health > Level::Ok) {
            let _ = writeln!(
                out,
                "  {} {:<32} {}",
                d.health.symbol(),
                one(&d.data.table.name),
                one(d.reason.unwrap_or(""))
            );
        }
        more_ok(&mut out, self.dynamodb.iter().filter(|r| r.health == Level::Ok).count());
        let _ = writeln!(out, "NEXTALK");
        for s in &self.nextalk.servers {
            let srv = s.data.server;
            let services: Vec<String> =
                srv.services.iter().map(|w| format!("{}={}", one(&w.name), w.status.as_str())).collect();
            let _ = writeln!(
                out,
                "  {} {:<8} ports {}/{}  ssm {}  {}",
                s.health.symbol(),
                one(&srv.name),
                srv.ports_in_use.map_or_else(|| "?".to_string(), |n| n.to_string()),
                srv.ports_capacity,
                srv.ssm_ping.as_str(),
                services.join("  ")
            );
        }
        if let Some(f) = &self.nextalk.failover {
            let line = match (f.failover.ports_in_use_total, f.failover.load_pct, f.can_one_server_carry_all)
            {
                (Some(total), Some(load), Some(carry)) => format!(
                    "{total} ports on a survivor of {} ({load:.0}%) — {}",
                    f.failover.survivor_capacity,
                    if carry { "one server can carry all" } else { "one server CANNOT carry all" }
                ),
                _ => "unknown: a server's ports in use are not known".to_string(),
            };
            let _ = writeln!(out, "  {} failover: {line}", f.health.symbol());
        }
        for (id, p) in &self.panes {
            let unread = if p.unread > 0 { format!(", +{} unread", p.unread) } else { String::new() };
            let _ = writeln!(
                out,
                "{:<9} {} rows{unread} ({})",
                one(&p.title.to_uppercase()),
                p.rows.len(),
                one(id)
            );
            let unhealthy = |m: &serde_json::Map<String, serde_json::Value>| {
                m.get("health").and_then(|v| v.as_str()).is_some_and(|h| h != "ok")
            };
            for m in p.rows.iter().filter(|m| unhealthy(m)) {
                let field = |k: &str| m.get(k).and_then(|v| v.as_str()).unwrap_or("");
                let level =
                    Level::ALL.into_iter().find(|l| l.as_str() == field("health")).unwrap_or(Level::Unknown);
                let _ =
                    writeln!(out, "  {} {:<32} {}", level.symbol(), one(field("name")), one(field("reason")));
            }
            more_ok(&mut out, p.rows.iter().filter(|m| !unhealthy(m)).count());
        }
        for g in self.gaps {
            let _ = writeln!(out, "? {} not collected: {}", g.section.title(), one(&g.error));
        }
        out
    }
}

fn pane_report<'a>(p: &'a PaneData, a: &Assessment) -> PaneReport<'a> {
    use serde_json::Value;
    let mut health = Level::Ok;
    let rows = p
        .rows
        .iter()
        .enumerate()
        .map(|(r, row)| {
            let h = a.row(Section::Panes, &custom::entity(&p.id, &row.name));
            health = health.max(h.level);
            let mut m = serde_json::Map::new();
            m.insert("name".into(), Value::String(row.name.clone()));
            for (i, c) in p.def.columns.iter().enumerate() {
                let v =
                    p.value(r, i).and_then(serde_json::Number::from_f64).map_or(Value::Null, Value::Number);
                m.insert(c.label.clone(), v);
            }
            m.insert("health".into(), Value::String(h.level.as_str().into()));
            if let Some(reason) = h.reason {
                m.insert("reason".into(), Value::String(reason));
            }
            m
        })
        .collect();
    PaneReport { title: &p.def.title, namespace: &p.def.namespace, health, rows, unread: p.unread }
}

/// The rows a section counts but does not list, all of them ok: `  ✓ 7 more, all ok`.
fn more_ok(out: &mut String, n: usize) {
    if n > 0 {
        let _ = writeln!(out, "  {} {n} more, all ok", Level::Ok.symbol());
    }
}

#[cfg(test)]
mod unknown_tests {
    use super::*;
    use crate::model::{LambdaFunction, NexTalk, NexTalkServer, Snapshot, Thresholds, assess};

    /// A server with no ports datapoint and a function nobody invoked: `null` and `unknown` in
    /// the JSON, `?` in the table, never 0 or a yes.
    #[test]
    fn missing_figures_are_null_and_unknown_never_zero_or_yes() {
        let server = |name: &str, in_use: Option<u32>| NexTalkServer {
            name: name.into(),
            ports_in_use: in_use,
            ports_capacity: 96,
            ..Default::default()
        };
        let s = Snapshot {
            nextalk: NexTalk { servers: vec![server("nt-a", Some(20)), server("nt-b", None)] },
            lambda: vec![LambdaFunction { name: "idle".into(), ..Default::default() }],
            ..Default::default()
        };
        let a = assess(&s, &Thresholds::default());
        let report = Report::new(&s, &a, &[]);
        let json: serde_json::Value = serde_json::from_str(&report.to_json()).unwrap();
        let nt_b = &json["nextalk"]["servers"][1];
        assert_eq!(nt_b["ports_in_use"], serde_json::Value::Null);
        assert_eq!(nt_b["port_utilisation_pct"], serde_json::Value::Null);
        assert_eq!(nt_b["health"], "unknown");
        assert_eq!(json["nextalk"]["servers"][0]["ports_in_use"], 20);
        let failover = &json["nextalk"]["failover"];
        assert_eq!(failover["can_one_server_carry_all"], serde_json::Value::Null);
        assert_eq!(failover["ports_in_use_total"], serde_json::Value::Null);
        assert_eq!(failover["load_pct"], serde_json::Value::Null);
        assert_eq!(failover["health"], "unknown");
        assert_eq!(json["lambda"][0]["error_rate_pct"], serde_json::Value::Null);
        assert_eq!(json["connect"]["concurrent_calls_pct"], serde_json::Value::Null, "no quota, no share");
        let table = report.to_table();
        assert!(table.contains("nt-b     ports ?/96"), "{table}");
        assert!(table.contains("? failover: unknown"), "{table}");
    }
}

#[cfg(test)]
mod counted_tests {
    use super::*;
    use crate::headless::demo_snapshot;
    use crate::model::Thresholds;
    use crate::source::sim::{Scenario, SimParams};

    /// The rows a section lists plus the ones it says it left out make the number it counts.
    fn accounted(table: &str, header: &str) -> (usize, usize) {
        let lines: Vec<&str> = table.lines().collect();
        let at = lines.iter().position(|l| l.starts_with(header)).unwrap();
        let counted: usize = lines[at][header.len()..].split_whitespace().next().unwrap().parse().unwrap();
        let body = lines[at + 1..].iter().take_while(|l| l.starts_with("  "));
        let mut listed = 0;
        for l in body {
            match l.strip_prefix("  ✓ ").and_then(|r| r.strip_suffix(" more, all ok")) {
                Some(n) => listed += n.parse::<usize>().unwrap(),
                None => listed += 1,
            }
        }
        (counted, listed)
    }

    #[test]
    fn the_table_prints_what_it_counts() {
        for scenario in [Scenario::Calm, Scenario::LambdaErrors, Scenario::DynamoDbThrottling] {
            let t = demo_snapshot(
                SimParams::with_scenario(scenario, 7),
                Duration::from_secs(600),
                &Thresholds::default(),
            );
            let table = Report::new(&t.snapshot, &t.assessment, &t.alerts).to_table();
            for header in ["QUEUES    ", "LAMBDA    ", "KINESIS   ", "DYNAMODB  "] {
                let (counted, listed) = accounted(&table, header);
                assert_eq!(counted, listed, "{scenario:?} {header}:\n{table}");
            }
        }
    }
}

#[cfg(test)]
mod table_tests {
    use super::*;
    use crate::model::{Assessment, Gap, Snapshot};

    /// Names and errors from AWS cannot add rows to the table or act on the terminal.
    #[test]
    fn outside_names_stay_on_their_row() {
        let mut s = Snapshot::default();
        let forged = "x\n  ✓ calm-queue            in queue    0\u{1b}[2J\u{202E}";
        s.connect.queues.push(crate::model::Queue { name: forged.into(), ..Default::default() });
        s.gaps.push(Gap::section(crate::model::Section::Lambda, format!("boom{forged}")));
        let a = Assessment::default();
        let table = Report::new(&s, &a, &[]).to_table();
        assert!(!table.lines().any(|l| l.starts_with("  ✓ calm-queue")), "{table}");
        assert!(!table.chars().any(|c| c != '\n' && crate::sanitize::is_unsafe(c)), "{table:?}");
    }
}

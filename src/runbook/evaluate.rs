//! Turning a check into a verdict with evidence: from a snapshot (metrics, service states, SSM
//! ping, failover headroom) or from what remote commands printed (DNS, TCP, logs, services).
//! Pure functions: no I/O, so every rule is unit-tested.

use super::def::{Check, TcpDest};
use super::output;
use super::record::{Outcome, ServerResult, ServerStatus};
use crate::model::{
    Address, Level, MetricId, NexTalkFigure, PingStatus, Section, ServiceStatus, Snapshot, Thresholds,
};
use crate::source::{CommandStatus, Invocation, RemoteAction, Target};
use std::collections::BTreeMap;

/// A check's verdict: the outcome, one row per server (for per-server checks) and the lines a
/// person reads to believe it.
#[derive(Debug, Clone, PartialEq)]
pub struct Evaluation {
    pub outcome: Outcome,
    pub servers: Vec<ServerResult>,
    pub evidence: Vec<String>,
}

impl Evaluation {
    fn error(message: impl Into<String>) -> Self {
        Evaluation { outcome: Outcome::Error, servers: vec![], evidence: vec![message.into()] }
    }

    /// Pass when every row passed, fail when any failed, error when some could not be judged.
    fn from_servers(servers: Vec<ServerResult>) -> Self {
        let outcome = if servers.is_empty() {
            Outcome::Error
        } else if servers.iter().any(|s| s.status == ServerStatus::Fail) {
            Outcome::Fail
        } else if servers.iter().all(|s| s.status == ServerStatus::Pass) {
            Outcome::Pass
        } else {
            Outcome::Error
        };
        let mut evidence: Vec<String> = servers.iter().map(ServerResult::line).collect();
        if servers.is_empty() {
            evidence.push("no NexTalk servers to check".into());
        }
        Evaluation { outcome, servers, evidence }
    }
}

/// Whether the check is answered from a snapshot (otherwise by remote commands).
pub fn needs_snapshot(check: &Check) -> bool {
    match check {
        Check::Metric { .. } | Check::SsmPing | Check::Failover { .. } | Check::Pane { .. } => true,
        Check::Service { via, .. } => *via == super::def::ServiceSource::Snapshot,
        Check::Dns { .. } | Check::Tcp { .. } | Check::Log { .. } => false,
    }
}

/// The remote commands a check needs: each a command and the servers it runs on.
pub fn remote_plan(
    check: &Check,
    servers: &[Target],
    params: &BTreeMap<String, String>,
    peer_hosts: &BTreeMap<String, Address>,
) -> Result<Vec<(RemoteAction, Vec<Target>)>, String> {
    if servers.is_empty() {
        return Err("no NexTalk servers to run it on".into());
    }
    let all = servers.to_vec();
    // Checked at load already; checked again here because this is the last stop before a
    // command, and params can be overridden after loading.
    let host = |h: &super::def::HostRef| -> Result<String, String> {
        let h = h.resolve(params);
        super::validate::host_name(h)?;
        Ok(h.to_string())
    };
    Ok(match check {
        Check::Dns { name } => vec![(RemoteAction::ResolveDns { name: host(name)? }, all)],
        Check::Tcp { dest: TcpDest::Host { host: h, port } } => {
            vec![(RemoteAction::TestTcp { host: host(h)?, port: *port }, all)]
        }
        Check::Tcp { dest: TcpDest::Peers { port } } => {
            if servers.len() < 2 {
                return Err("only one NexTalk server is known: there is no peer to reach".into());
            }
            let mut plan = Vec::new();
            for from in servers {
                for to in servers.iter().filter(|t| t.server != from.server) {
                    // Addresses come from config, SSM or the simulator, not from the runbook
                    // file: check them with the renderer's rule before they reach a command.
                    let host = peer_hosts.get(&to.server).map_or(&to.server, |a| &a.host);
                    crate::source::powershell::check_host(host)
                        .map_err(|e| format!("{} cannot be reached: no usable address ({e})", to.server))?;
                    plan.push((
                        RemoteAction::TestTcp { host: host.clone(), port: *port },
                        vec![from.clone()],
                    ));
                }
            }
            plan
        }
        Check::Log { lines, .. } => vec![(RemoteAction::TailLog { lines: *lines }, all)],
        Check::Service { services, .. } => {
            vec![(RemoteAction::QueryServices { services: services.clone() }, all)]
        }
        Check::Metric { .. } | Check::SsmPing | Check::Failover { .. } | Check::Pane { .. } => {
            return Err(format!("a {} check is answered from a snapshot", check.label()));
        }
    })
}

/// One answered remote command of a check.
#[derive(Debug, Clone)]
pub struct Answer {
    pub action: RemoteAction,
    pub targets: Vec<Target>,
    /// The invocations, or why there are none (send failed).
    pub result: Result<Vec<Invocation>, String>,
}

pub fn from_snapshot(
    check: &Check,
    servers: &[Target],
    thresholds: &Thresholds,
    snap: &Snapshot,
) -> Evaluation {
    match check {
        Check::Metric { metric, entity } => metric_check(*metric, entity.as_deref(), thresholds, snap),
        Check::Service { services, .. } => per_server(servers, snap, NexTalkFigure::Services, |srv| {
            services
                .iter()
                .map(|name| {
                    let state = srv.and_then(|s| s.service(name)).map(|w| w.status);
                    service_row(name, state)
                })
                .collect()
        }),
        Check::SsmPing => per_server(servers, snap, NexTalkFigure::SsmPing, |srv| {
            let row = match srv.map(|s| s.ssm_ping) {
                Some(PingStatus::Online) => (ServerStatus::Pass, "SSM agent Online".to_string()),
                Some(p @ (PingStatus::ConnectionLost | PingStatus::Inactive)) => {
                    (ServerStatus::Fail, format!("SSM agent {}", p.as_str()))
                }
                Some(PingStatus::Unknown) | None => {
                    (ServerStatus::Unknown, "SSM agent ping unknown".to_string())
                }
            };
            vec![(None, row.0, row.1)]
        }),
        Check::Failover { max_pct } => failover_check(*max_pct, thresholds, snap),
        Check::Pane { pane, column, row } => pane_check(pane, column.as_deref(), row.as_deref(), snap),
        Check::Dns { .. } | Check::Tcp { .. } | Check::Log { .. } => {
            Evaluation::error(format!("a {} check needs remote commands, not a snapshot", check.label()))
        }
    }
}

fn service_row(name: &str, state: Option<ServiceStatus>) -> (Option<String>, ServerStatus, String) {
    let subject = Some(name.to_string());
    match state {
        Some(ServiceStatus::Running) => (subject, ServerStatus::Pass, format!("{name} Running")),
        Some(ServiceStatus::Unknown) | None => {
            (subject, ServerStatus::Unknown, format!("{name} state unknown"))
        }
        Some(ServiceStatus::NotFound) => (
            subject,
            ServerStatus::Fail,
            format!("{name} is not installed (no service of that name or display name)"),
        ),
        Some(s) => (subject, ServerStatus::Fail, format!("{name} is {}", s.as_str())),
    }
}

/// Rows for each configured server, looked up by name in the snapshot. Only a gap in the
/// figure the check reads (`figure`, on that server or all) makes a server's row unknown; a
/// gap in another figure (ports, say) changes nothing here.
fn per_server(
    servers: &[Target],
    snap: &Snapshot,
    figure: NexTalkFigure,
    rows: impl Fn(Option<&crate::model::NexTalkServer>) -> Vec<(Option<String>, ServerStatus, String)>,
) -> Evaluation {
    let mut out = Vec::new();
    for t in servers {
        let srv = snap.nextalk.servers.iter().find(|s| s.name == t.server);
        let gap = snap.gaps.iter().find(|g| g.hides(figure, &t.server));
        let rows = if let Some(gap) = gap {
            vec![(None, ServerStatus::Unknown, format!("{} not known: {}", figure_words(figure), gap.error))]
        } else if srv.is_none() {
            vec![(None, ServerStatus::Unknown, "not in the latest snapshot".to_string())]
        } else {
            rows(srv)
        };
        for (subject, status, detail) in rows {
            out.push(ServerResult { server: t.server.clone(), subject, status, detail });
        }
    }
    Evaluation::from_servers(out)
}

fn figure_words(figure: NexTalkFigure) -> &'static str {
    match figure {
        NexTalkFigure::Ports => "ports in use",
        NexTalkFigure::Services => "service states",
        NexTalkFigure::SsmPing => "SSM agent ping",
    }
}

/// The gap that leaves a metric's figures missing: for NexTalk, one that hides the ports of
/// a server (or of all) is shown for that server only, so only a whole-section gap blocks.
fn section_gap(snap: &Snapshot, section: Section) -> Option<&crate::model::Gap> {
    snap.gaps.iter().find(|g| g.section == section && g.figure.is_none() && g.server.is_none())
}

/// Every (entity, value) the snapshot has for a metric; `None` where it has no figure.
pub fn metric_values(metric: MetricId, snap: &Snapshot) -> Vec<(String, Option<f64>)> {
    let c = &snap.connect;
    let one = |v: Option<f64>| vec![("Connect instance".to_string(), v)];
    match metric {
        MetricId::ConcurrentCallsPct => one(c.calls_pct()),
        MetricId::ConcurrentChatsPct => one(c.chats_pct()),
        MetricId::MissedCalls => one(Some(c.missed_calls as f64)),
        MetricId::ThrottledCalls => one(Some(c.throttled_calls as f64)),
        MetricId::ContactFlowErrors => one(Some(c.contact_flow_errors as f64)),
        MetricId::ContactsInQueue => {
            c.queues.iter().map(|q| (q.name.clone(), Some(q.contacts_in_queue as f64))).collect()
        }
        // Nobody waiting means an age of zero, not "no data".
        MetricId::OldestContactAge => {
            c.queues.iter().map(|q| (q.name.clone(), Some(q.oldest_contact_age_s.unwrap_or(0.0)))).collect()
        }
        // No contact left the queue in the window: no figure, which a check calls unknown.
        MetricId::ServiceLevel => c.queues.iter().map(|q| (q.name.clone(), q.service_level_pct)).collect(),
        MetricId::AbandonmentRate => {
            c.queues.iter().map(|q| (q.name.clone(), q.abandonment_rate_pct)).collect()
        }
        MetricId::LambdaErrorRate => {
            snap.lambda.iter().map(|f| (f.name.clone(), f.error_rate_pct())).collect()
        }
        MetricId::LambdaThrottles => {
            snap.lambda.iter().map(|f| (f.name.clone(), Some(f.throttles as f64))).collect()
        }
        MetricId::LambdaDurationP99 => {
            snap.lambda.iter().map(|f| (f.name.clone(), f.duration_p99_ms)).collect()
        }
        MetricId::IteratorAge => snap.kinesis.iter().map(|k| (k.name.clone(), k.iterator_age_ms)).collect(),
        MetricId::PutLatency => snap.kinesis.iter().map(|k| (k.name.clone(), k.put_latency_ms)).collect(),
        MetricId::ThroughputExceeded => {
            snap.kinesis.iter().map(|k| (k.name.clone(), Some(k.throughput_exceeded() as f64))).collect()
        }
        MetricId::ReadUtilisation => snap.dynamodb.iter().map(|d| (d.name.clone(), d.read_pct())).collect(),
        MetricId::WriteUtilisation => snap.dynamodb.iter().map(|d| (d.name.clone(), d.write_pct())).collect(),
        MetricId::ThrottleEvents => {
            snap.dynamodb.iter().map(|d| (d.name.clone(), Some(d.throttles() as f64))).collect()
        }
        MetricId::PortUtilisation => {
            snap.nextalk.servers.iter().map(|s| (s.name.clone(), s.port_pct())).collect()
        }
        MetricId::FailoverLoad => {
            vec![("NexTalk".to_string(), snap.nextalk.failover().and_then(|f| f.load_pct))]
        }
    }
}

/// The entities (tables, streams…) whose `metric` is at warn or crit in `snap`.
pub fn failing_entities(metric: MetricId, thresholds: &Thresholds, snap: &Snapshot) -> Vec<String> {
    metric_values(metric, snap)
        .into_iter()
        .filter_map(|(name, v)| {
            let v = v?;
            (thresholds.health(metric, v).level >= Level::Warn).then_some(name)
        })
        .collect()
}

fn metric_check(
    metric: MetricId,
    entity: Option<&str>,
    thresholds: &Thresholds,
    snap: &Snapshot,
) -> Evaluation {
    let section = metric.section();
    if let Some(gap) = section_gap(snap, section) {
        return Evaluation::error(format!(
            "{} figures are missing from the snapshot: {}",
            section.title(),
            gap.error
        ));
    }
    let values: Vec<_> = metric_values(metric, snap)
        .into_iter()
        .filter(|(e, _)| entity.is_none_or(|want| e == want))
        .collect();
    if values.is_empty() {
        let what =
            entity.map_or_else(|| format!("no {} figures", section.title()), |e| format!("no entity {e:?}"));
        return Evaluation::error(format!("{} in the snapshot for {}", what, metric.label()));
    }
    let mut outcome = Outcome::Pass;
    let mut evidence = Vec::new();
    let mut any_value = false;
    for (name, value) in &values {
        match value {
            None => match snap
                .gaps
                .iter()
                .find(|g| section == Section::NexTalk && g.hides(NexTalkFigure::Ports, name))
            {
                Some(gap) => evidence.push(format!("{name}: {} no data: {}", metric.label(), gap.error)),
                None => evidence.push(format!("{name}: {} no data", metric.label())),
            },
            Some(v) => {
                any_value = true;
                let health = thresholds.health(metric, *v);
                if health.level >= Level::Warn {
                    outcome = Outcome::Fail;
                    let reason = health.reason.unwrap_or_default();
                    evidence.push(format!("{name}: {reason} ({})", health.level));
                } else {
                    evidence.push(format!("{name}: {} {} ok", metric.label(), metric.format(*v)));
                }
            }
        }
    }
    if !any_value {
        outcome = Outcome::Error;
    }
    // Failures first: at 3 a.m. the bad row is the one to read.
    evidence.sort_by_key(|l| !l.ends_with("(crit)") && !l.ends_with("(warn)"));
    Evaluation { outcome, servers: vec![], evidence }
}

/// A data-defined pane's rows against their own limits. Every column of a row goes into its
/// evidence line (`dxcon-1: state 0 < 0.5 (crit); bps in 0b/s, bps out 0b/s, errors 0`), so the
/// figures an escalation asks for are in the record with the verdict.
fn pane_check(pane: &str, column: Option<&str>, row: Option<&str>, snap: &Snapshot) -> Evaluation {
    let Some(data) = snap.panes.iter().find(|p| p.id == pane) else {
        return Evaluation::error(format!(
            "no pane {pane:?} in the figures (enable its preset, `presets = [...]`, or declare it in [[panes]])"
        ));
    };
    if let Some(gap) = section_gap(snap, Section::Panes) {
        return Evaluation::error(format!("{} figures are missing: {}", data.def.title, gap.error));
    }
    let judged: Vec<usize> = match column {
        Some(label) => match data.def.column(label) {
            Some(c) => vec![c],
            None => {
                let labels: Vec<&str> = data.def.columns.iter().map(|c| c.label.as_str()).collect();
                return Evaluation::error(format!(
                    "pane {pane:?} has no column {label:?} (columns: {})",
                    labels.join(", ")
                ));
            }
        },
        None => (0..data.def.columns.len()).collect(),
    };
    let rows: Vec<usize> =
        (0..data.rows.len()).filter(|&r| row.is_none_or(|want| data.rows[r].name == want)).collect();
    if rows.is_empty() {
        let what = row.map_or_else(|| "no rows".to_string(), |r| format!("no row {r:?}"));
        return Evaluation::error(format!("pane {pane:?} has {what} in the figures"));
    }
    let mut outcome = Outcome::Pass;
    let mut any_value = false;
    let mut evidence = Vec::new();
    for r in rows {
        let name = &data.rows[r].name;
        let mut worst = crate::model::Health::ok();
        for &c in &judged {
            let col = &data.def.columns[c];
            let v = data.value(r, c);
            any_value |= v.is_some();
            let h = col.health(v);
            if h.level > worst.level {
                worst = h;
            }
        }
        let figures: Vec<String> = data
            .def
            .columns
            .iter()
            .enumerate()
            .map(|(c, col)| {
                let v = data.value(r, c).map_or_else(|| "no data".to_string(), |v| col.format(v));
                format!("{} {v}", col.label)
            })
            .collect();
        let figures = figures.join(", ");
        match worst.level {
            Level::Warn | Level::Crit => {
                outcome = Outcome::Fail;
                let reason = worst.reason.unwrap_or_default();
                evidence.push(format!("{name}: {reason} ({}); {figures}", worst.level));
            }
            Level::Unknown => evidence.push(format!("{name}: unknown; {figures}")),
            Level::Ok => evidence.push(format!("{name}: ok; {figures}")),
        }
    }
    if !any_value && outcome == Outcome::Pass {
        outcome = Outcome::Error;
    }
    evidence.sort_by_key(|l| !l.contains("(crit)") && !l.contains("(warn)"));
    Evaluation { outcome, servers: vec![], evidence }
}

fn failover_check(max_pct: Option<f64>, thresholds: &Thresholds, snap: &Snapshot) -> Evaluation {
    if let Some(gap) = section_gap(snap, Section::NexTalk) {
        return Evaluation::error(format!("NexTalk figures are missing from the snapshot: {}", gap.error));
    }
    let limit = max_pct.or(thresholds.get(MetricId::FailoverLoad).crit).unwrap_or(100.0);
    let Some(f) = snap.nextalk.failover() else {
        return Evaluation::error(
            "fewer than two NexTalk servers in the snapshot: there is nothing to fail over to",
        );
    };
    let (Some(total), Some(load)) = (f.ports_in_use_total, f.load_pct) else {
        // Each server whose ports are unknown, with its own gap's words.
        let why = snap
            .nextalk
            .servers
            .iter()
            .filter(|s| s.ports_in_use.is_none())
            .map(|s| match snap.gaps.iter().find(|g| g.hides(NexTalkFigure::Ports, &s.name)) {
                Some(gap) => format!("{}: ports in use unknown: {}", s.name, gap.error),
                None => format!("{}: ports in use unknown", s.name),
            })
            .collect();
        return Evaluation { outcome: Outcome::Error, servers: vec![], evidence: why };
    };
    let line = format!(
        "{total} ports in use on all servers; the survivor would have {} ports: load {} (limit {})",
        f.survivor_capacity,
        MetricId::FailoverLoad.format(load),
        MetricId::FailoverLoad.format(limit),
    );
    let outcome = if load <= limit { Outcome::Pass } else { Outcome::Fail };
    Evaluation { outcome, servers: vec![], evidence: vec![line] }
}

/// The peer a `tcp` check to peers tried to reach at `host` (not one of `targets`, the
/// servers it ran on), and where that address came from.
fn peer_at(host: &str, targets: &[Target], peer_hosts: &BTreeMap<String, Address>) -> output::Peer {
    peer_hosts
        .iter()
        .find(|(server, a)| a.host == host && !targets.iter().any(|t| &t.server == *server))
        .map(|(server, a)| output::Peer { server: server.clone(), from: a.source.describe().to_string() })
        .unwrap_or_else(|| output::Peer {
            server: host.to_string(),
            from: "its config name: no address in the config or from SSM".to_string(),
        })
}

/// Judges one invocation of a remote check on one server (the reading and the rules are in
/// `output`, next to the formats they read).
fn judge(
    check: &Check,
    action: &RemoteAction,
    inv: &Invocation,
    targets: &[Target],
    peer_hosts: &BTreeMap<String, Address>,
) -> Vec<output::Row> {
    match inv.status {
        CommandStatus::Success | CommandStatus::Failed => {}
        other @ (CommandStatus::Pending
        | CommandStatus::InProgress
        | CommandStatus::Delayed
        | CommandStatus::Cancelled
        | CommandStatus::TimedOut
        | CommandStatus::Cancelling) => {
            return vec![(
                None,
                ServerStatus::Unknown,
                format!("command {}: {}", other.as_str(), output::why(inv)),
            )];
        }
    }
    let reading = output::read(action, inv);
    match check {
        Check::Dns { .. } => output::dns_verdict(&reading, inv),
        Check::Tcp { dest } => {
            let peer = match dest {
                TcpDest::Peers { .. } => reading.tcp_host().map(|h| peer_at(h, targets, peer_hosts)),
                TcpDest::Host { .. } => None,
            };
            output::tcp_verdict(&reading, inv, peer.as_ref())
        }
        Check::Log { pattern, lines, expect } => output::log_verdict(&reading, inv, pattern, *lines, *expect),
        Check::Service { services, .. } => output::service_verdict(&reading, inv, services, service_row),
        Check::Metric { .. } | Check::SsmPing | Check::Failover { .. } | Check::Pane { .. } => vec![(
            None,
            ServerStatus::Unknown,
            format!("a {} check is answered from a snapshot, not by {}", check.label(), action.summary()),
        )],
    }
}

/// The verdict of a remote check from all its answers. A server that gave no answer is
/// unknown, never a pass.
pub fn from_remote(check: &Check, answers: &[Answer], peer_hosts: &BTreeMap<String, Address>) -> Evaluation {
    let mut rows = Vec::new();
    for a in answers {
        match &a.result {
            Err(e) => {
                for t in &a.targets {
                    rows.push(ServerResult {
                        server: t.server.clone(),
                        subject: None,
                        status: ServerStatus::Unknown,
                        detail: format!("{} could not be sent: {e}", a.action.summary()),
                    });
                }
            }
            Ok(invs) => {
                for t in &a.targets {
                    match invs.iter().find(|i| i.server == t.server) {
                        None => rows.push(ServerResult {
                            server: t.server.clone(),
                            subject: None,
                            status: ServerStatus::Unknown,
                            detail: format!("no result for {}", a.action.summary()),
                        }),
                        Some(inv) => {
                            for (subject, status, detail) in
                                judge(check, &a.action, inv, &a.targets, peer_hosts)
                            {
                                rows.push(ServerResult { server: t.server.clone(), subject, status, detail });
                            }
                        }
                    }
                }
            }
        }
    }
    Evaluation::from_servers(rows)
}

//! Plain text for people: `runbook list`, `runbook show`, and step results as the headless
//! driver prints them. The console renders the same data its own way.

use super::def::{ActionKind, CapacityChange, Check, Expect, On, Runbook, ServiceSource, StepKind, TcpDest};
use super::engine::ConfirmRequest;
use super::library::Ranked;
use super::record::StepRecord;
use crate::sanitize::sanitize_text;
use std::fmt::Write as _;

/// One line per runbook, in `rank` order: id, title, where it comes from; `*` marks those
/// that fit the alerts, and an indented line per fitted alert says why. Titles come from user
/// files and alert text from telemetry, so both are sanitised before they reach a terminal.
pub fn list(ranked: &[Ranked]) -> String {
    let w = ranked.iter().map(|r| r.runbook.id.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for r in ranked {
        let rb = r.runbook;
        let mark = if r.fits_any() { "*" } else { " " };
        let line = format!("{mark} {:<w$}  {}  [{}]", rb.id, rb.title, rb.origin);
        let _ = writeln!(out, "{}", sanitize_text(&line));
        for fit in &r.fits {
            let line = format!("      {}", fit.describe());
            let _ = writeln!(out, "{}", sanitize_text(&line));
        }
    }
    out
}

/// What a step does, in one line.
pub fn describe_step(rb: &Runbook, kind: &StepKind) -> String {
    match kind {
        StepKind::Manual { text } => format!("manual: {text}"),
        StepKind::Check(c) => match c {
            Check::Pane { pane, column, row } => {
                let what = column.as_ref().map_or_else(|| "every column".to_string(), |c| format!("{c:?}"));
                let of = row.as_ref().map_or_else(|| "every row".to_string(), |r| r.clone());
                format!("check {what} of {of} in pane {pane} against the pane's limits")
            }
            Check::Metric { metric, entity } => match entity {
                Some(e) => {
                    format!("check {} ({}) of {e} against the thresholds", metric.label(), metric.key())
                }
                None => format!(
                    "check {} ({}) of every entity against the thresholds",
                    metric.label(),
                    metric.key()
                ),
            },
            Check::Service { services, via } => {
                let via = match via {
                    ServiceSource::Snapshot => "from the latest snapshot",
                    ServiceSource::Remote => "by asking each server",
                };
                format!("check {} Running on each server, {via}", services.join(", "))
            }
            Check::Dns { name } => format!("resolve {} from each server", name.resolve(&rb.params)),
            Check::Tcp { dest: TcpDest::Host { host, port } } => {
                format!("open TCP {}:{port} from each server", host.resolve(&rb.params))
            }
            Check::Tcp { dest: TcpDest::Peers { port } } => {
                format!("open TCP port {port} from each server to the others")
            }
            Check::Log { pattern, lines, expect } => {
                let want = match expect {
                    Expect::Absent => "no line matches",
                    Expect::Present => "some line matches",
                };
                format!(
                    "read the last {lines} lines of the newest NexTalk log on each server; pass when {want} {:?}",
                    pattern.source
                )
            }
            Check::SsmPing => "check the SSM agent is Online on each server".into(),
            Check::Failover { max_pct } => match max_pct {
                Some(m) => format!("check one server could carry all the load (failover load ≤ {m}%)"),
                None => {
                    "check one server could carry all the load (failover load within its threshold)".into()
                }
            },
        },
        StepKind::Action(a) => {
            let what = match &a.kind {
                ActionKind::RestartService { service } => format!("restart service {service}"),
                ActionKind::OpenLog => "open the newest NexTalk log".into(),
                ActionKind::SetFlag { flag, value } => {
                    format!("set flag {flag} to {value:?} (ssm:PutParameter)")
                }
                ActionKind::UpdateTable { entity, change } => {
                    let table = entity.as_deref().unwrap_or("the table its check finds failing");
                    match change {
                        CapacityChange::OnDemand => {
                            format!("switch {table} to on-demand (dynamodb:UpdateTable)")
                        }
                        CapacityChange::Raise(f) => {
                            format!("raise {table}'s provisioned capacity {f}x (dynamodb:UpdateTable)")
                        }
                    }
                }
                ActionKind::DoubleShards { entity } => format!(
                    "double the open shards of {} (kinesis:UpdateShardCount)",
                    entity.as_deref().unwrap_or("the stream its check finds failing")
                ),
                ActionKind::GrowStorage { entity, grow_pct, autoscale_pct } => format!(
                    "grow the storage of {} by {grow_pct}%{} (rds:ModifyDBInstance)",
                    entity.as_deref().unwrap_or("the DB instance its pane shows failing"),
                    autoscale_pct.map(|p| format!(", autoscaling up to {p}% above that")).unwrap_or_default()
                ),
                ActionKind::ShareQueue { share, associate: true } => {
                    format!(
                        "add the queue of share {share} to its routing profile (connect:AssociateRoutingProfileQueues)"
                    )
                }
                ActionKind::ShareQueue { share, associate: false } => format!(
                    "take the queue of share {share} off its routing profile (connect:DisassociateRoutingProfileQueues)"
                ),
            };
            let on = match &a.on {
                // An AWS API call has no server to run on.
                On::All | On::Failed | On::Server(_) if a.kind.is_control_plane() => {
                    "on the AWS API".to_string()
                }
                On::All => "on every server".to_string(),
                On::Failed => {
                    let of = a.failures_of.map(|i| rb.steps[i].id.as_str()).unwrap_or("the previous check");
                    format!("on each server where {of} failed")
                }
                On::Server(s) => format!("on {s}"),
            };
            let mut s = format!("action (confirmed first): {what} {on}");
            if let Some(v) = a.verifies {
                let _ = write!(s, ", then re-check {}", rb.steps[v].id);
            }
            s
        }
    }
}

/// `runbook show`: everything a person needs to judge the runbook before running it.
pub fn show(rb: &Runbook) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "{} — {}", rb.id, rb.title);
    let _ = writeln!(out, "source: {}", rb.origin);
    let _ = writeln!(out, "\n{}\n", rb.summary);
    let a = &rb.applies_to;
    let mut applies: Vec<String> = a.sections.iter().map(|s| format!("section {}", s.key())).collect();
    applies.extend(a.metrics.iter().map(|m| format!("metric {}", m.key())));
    applies.extend(a.services.iter().map(|s| format!("service {s}")));
    applies.extend(a.fixes.iter().map(|k| format!("fixes {k}")));
    applies.extend(a.diagnoses.iter().map(|k| format!("diagnoses {k}")));
    if !applies.is_empty() {
        let _ = writeln!(out, "applies to: {}", applies.join(", "));
    }
    for (k, v) in &rb.params {
        let _ = writeln!(out, "param {k} = {v}");
    }
    out.push('\n');
    for (i, step) in rb.steps.iter().enumerate() {
        let _ = writeln!(out, "{:>2}. [{}] {} ({})", i + 1, step.kind.label(), step.title, step.id);
        let _ = writeln!(out, "      {}", describe_step(rb, &step.kind));
        if step.advisory {
            let _ = writeln!(out, "      advisory: shown, but does not decide whether the run ends healthy");
        }
        if let Some(help) = &step.help {
            let _ = writeln!(out, "      if it fails: {help}");
        }
    }
    out
}

/// A step result as the headless driver prints it: a status line, then the evidence indented.
pub fn record(rec: &StepRecord, total: usize) -> String {
    let mut out = format!(
        "[{}/{total}] {} {:<8} {}",
        rec.step + 1,
        rec.outcome.symbol(),
        rec.outcome.as_str().to_uppercase(),
        rec.title
    );
    if let Some(a) = &rec.recheck_of {
        let _ = write!(out, "  (re-check after {a})");
    }
    out.push('\n');
    for line in &rec.evidence {
        // Continuation lines (matching log lines) carry their own extra indent.
        for l in line.lines() {
            let _ = writeln!(out, "      {l}");
        }
    }
    out
}

/// What will run, for a confirmation prompt or the headless "not run" notice.
pub fn plan(plan: &ConfirmRequest) -> String {
    let mut s = format!("will run: {}", plan.summary);
    if let Some(r) = &plan.refusal {
        let _ = write!(s, "\n      {r}");
    }
    s
}

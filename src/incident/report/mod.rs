//! The incident report, a pure function of the incident's files: [`build`] folds the timeline
//! and the figure series into a [`Report`] (which is also the JSON export), and
//! [`markdown`] / [`html`] lay it out following the operations manual's templates: the
//! incident report (summary, severity, detection, impact, timeline, actions, evidence), the
//! RCA (root cause, follow-ups) and one change request per remediation.
//!
//! Only figures the files hold are reported; anything else says `unknown` and why.

mod html;
mod markdown;
mod svg;

pub use html::html;
pub use markdown::markdown;

use super::event::{Clock, CommandPhase, Drill, Event, EventKind};
use super::record::Incident;
use super::series::{Series, key_entity, key_metric};
use crate::model::{MetricId, Section, Timestamp, fmt_duration};
use serde::Serialize;
use std::collections::BTreeMap;
use std::time::Duration;

pub const SCHEMA: &str = "switchboard.incident-report/1";

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub id: String,
    pub title: String,
    pub drill: Option<Drill>,
    pub severity: String,
    pub severity_meaning: &'static str,
    pub status: String,
    pub declared: When,
    pub mitigated: Option<When>,
    pub resolved: Option<When>,
    pub summary: Text,
    pub detection: Option<Detection>,
    pub impact: Impact,
    pub timeline: Vec<Entry>,
    pub actions: Vec<ActionOutcome>,
    pub evidence: Vec<Evidence>,
    pub root_cause: Text,
    pub follow_ups: Vec<String>,
    pub changes: Vec<ChangeRecord>,
    pub notifications: Vec<Notification>,
    pub charts: Vec<Chart>,
    pub integrity: Integrity,
    pub generated_at: Timestamp,
}

/// A time with its clock and who.
#[derive(Debug, Clone, Serialize)]
pub struct When {
    pub at: Timestamp,
    pub clock: Clock,
    pub who: String,
}

impl When {
    fn of(e: &Event) -> When {
        When { at: e.at, clock: e.clock, who: e.who.clone() }
    }

    /// `2026-11-22 03:02:05 (simulated)`.
    pub fn text(&self) -> String {
        time_text(self.at, self.clock)
    }
}

pub fn time_text(at: Timestamp, clock: Clock) -> String {
    let s = at.rfc3339().replace('T', " ").trim_end_matches('Z').to_string();
    match clock {
        Clock::Wall => format!("{s} UTC"),
        Clock::Simulated => format!("{s} UTC, simulated"),
    }
}

/// Text the engineer wrote, or what the report says in its place.
#[derive(Debug, Clone, Serialize)]
pub struct Text {
    pub text: String,
    /// `engineer` (entered) or `generated` / `missing`.
    pub source: &'static str,
}

#[derive(Debug, Clone, Serialize)]
pub struct Detection {
    pub when: When,
    pub what: String,
    pub reason: String,
    pub severity: String,
    /// Declared this long after the first alert, when both are on the wall clock.
    pub declared_after: Option<String>,
}

/// One impact figure: a value when the files hold it, else `null`; `text` says which.
#[derive(Debug, Clone, Serialize)]
pub struct Figure {
    pub value: Option<serde_json::Value>,
    pub text: String,
}

impl Figure {
    fn unknown(why: impl Into<String>) -> Figure {
        Figure { value: None, text: format!("unknown: {}", why.into()) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Impact {
    pub affected_queues: Figure,
    pub peak_oldest_contact_age: Figure,
    pub missed_calls: Figure,
    pub abandoned_calls: Figure,
    /// First alert raised to last alert cleared, on one clock.
    pub alert_duration: Figure,
    /// Declared to resolved, wall clock.
    pub open_for: Figure,
    pub alerts: Vec<AlertSpan>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AlertSpan {
    pub run: String,
    pub key: String,
    pub what: String,
    pub severity: String,
    pub raised: When,
    pub raised_figure: Option<String>,
    pub limit: Option<String>,
    pub cleared: Option<When>,
    pub cleared_figure: Option<String>,
    pub duration: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub n: usize,
    pub when: When,
    pub event: &'static str,
    pub text: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub details: Vec<String>,
    /// The event as stored.
    pub data: Event,
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionOutcome {
    pub run: String,
    pub runbook: String,
    pub step: String,
    pub summary: String,
    pub targets: Vec<String>,
    pub decision: String,
    pub command_ids: Vec<String>,
    /// Per target: `nt-a: Success`.
    pub results: Vec<String>,
    /// The step's recorded outcome and the re-check after it, when there was one.
    pub outcome: String,
    pub verification: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Evidence {
    pub when: When,
    pub run: String,
    pub step: String,
    pub title: String,
    pub outcome: String,
    pub lines: Vec<String>,
}

/// The change request template, filled in for one remediation.
#[derive(Debug, Clone, Serialize)]
pub struct ChangeRecord {
    pub id: String,
    pub what: String,
    pub targets: Vec<String>,
    pub document: Option<String>,
    pub script: Vec<String>,
    pub why: String,
    pub risk: String,
    pub rollback: String,
    pub requested_by: String,
    pub confirmed_by: String,
    pub confirmed: Option<When>,
    pub command_ids: Vec<String>,
    pub outcome: String,
    pub verification: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub message_id: String,
    pub target: String,
    pub trigger: Option<String>,
    pub queued: Option<When>,
    pub state: String,
    pub attempts: Option<u32>,
    pub reference: Option<String>,
    pub error: Option<String>,
}

/// One chart: the series of an alert's figure in one run, with its limits and alert windows.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub run: String,
    pub key: String,
    pub title: String,
    pub clock: Clock,
    pub metric: Option<MetricId>,
    pub limits: [Option<f64>; 2],
    pub points: Vec<(Timestamp, f64)>,
    /// For a state (a service): the state at each sample; `points` are 1 (healthy) or 0.
    pub states: Vec<(Timestamp, String)>,
    pub windows: Vec<(Timestamp, Option<Timestamp>)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Integrity {
    pub events: usize,
    pub skipped_lines: usize,
    /// SHA-256 of `timeline.jsonl` as exported, so the report can be checked against it.
    pub timeline_sha256: Option<String>,
    pub samples: usize,
    /// The audit log's chain head at export time, when the audit log keeps one.
    pub audit_chain: Option<serde_json::Value>,
}

/// What [`build`] needs besides the incident and its series.
#[derive(Debug, Clone, Default)]
pub struct Context {
    pub timeline_sha256: Option<String>,
    pub audit_chain: Option<serde_json::Value>,
    pub now: Option<Timestamp>,
}

pub fn build(inc: &Incident, series: &Series, ctx: &Context) -> Report {
    let declared = inc.events.first().map(When::of).unwrap_or(When {
        at: inc.declared_at,
        clock: Clock::Wall,
        who: inc.declared_by.clone(),
    });
    let status_when = |to: super::Status| {
        inc.events.iter().rev().find_map(|e| match &e.kind {
            EventKind::StatusChanged { to: t, .. } if *t == to => Some(When::of(e)),
            _ => None,
        })
    };
    let (mitigated, resolved) = match inc.status {
        super::Status::Open => (None, None),
        super::Status::Mitigated => (status_when(super::Status::Mitigated), None),
        super::Status::Resolved => {
            (status_when(super::Status::Mitigated), status_when(super::Status::Resolved))
        }
    };
    let spans = alert_spans(&inc.events);
    let detection = spans.iter().min_by_key(|s| (s.raised.clock == Clock::Simulated, s.raised.at)).map(|s| {
        let declared_after = (s.raised.clock == declared.clock && declared.at >= s.raised.at)
            .then(|| fmt_duration(declared.at.since(s.raised.at)));
        Detection {
            when: s.raised.clone(),
            what: s.what.clone(),
            reason: first_reason(&inc.events, &s.key).unwrap_or_default(),
            severity: s.severity.clone(),
            declared_after,
        }
    });
    let timeline = inc
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| Entry {
            n: i + 1,
            when: When::of(e),
            event: e.kind.tag(),
            text: e.kind.describe(),
            details: match &e.kind {
                EventKind::Step { evidence, .. } => lines(evidence),
                _ => vec![],
            },
            data: e.clone(),
        })
        .collect();
    let evidence = inc
        .events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Step { run, step, title, kind, outcome, evidence, .. } if kind == "check" => {
                Some(Evidence {
                    when: When::of(e),
                    run: run.clone(),
                    step: step.clone(),
                    title: title.clone(),
                    outcome: outcome.clone(),
                    lines: lines(evidence),
                })
            }
            _ => None,
        })
        .collect();
    let (actions, changes) = remediations(inc);
    let summary = match &inc.summary {
        Some(s) => Text { text: s.clone(), source: "engineer" },
        None => Text { text: generated_summary(inc, &spans, &actions), source: "generated" },
    };
    let root_cause = match &inc.root_cause {
        Some(s) => Text { text: s.clone(), source: "engineer" },
        None => Text {
            text: format!("not entered yet (switchboard incident edit {} --root-cause \"…\")", inc.id),
            source: "missing",
        },
    };
    Report {
        schema: SCHEMA,
        id: inc.id.to_string(),
        title: inc.title.clone(),
        drill: inc.drill.clone(),
        severity: inc.severity.to_string(),
        severity_meaning: inc.severity.meaning(),
        status: inc.status.to_string(),
        declared,
        mitigated,
        resolved,
        summary,
        detection,
        impact: impact(inc, series, spans.clone()),
        timeline,
        actions,
        evidence,
        root_cause,
        follow_ups: inc.follow_ups.clone(),
        changes,
        notifications: notifications(&inc.events),
        charts: charts(&spans, series),
        integrity: Integrity {
            events: inc.events.len(),
            skipped_lines: inc.skipped_lines,
            timeline_sha256: ctx.timeline_sha256.clone(),
            samples: series.samples.len(),
            audit_chain: ctx.audit_chain.clone(),
        },
        generated_at: ctx.now.unwrap_or_else(Timestamp::now),
    }
}

/// Evidence entries can hold several lines (a log check's matches): one line each.
fn lines(evidence: &[String]) -> Vec<String> {
    evidence
        .iter()
        .flat_map(|e| e.lines())
        .map(|l| l.trim_end().to_string())
        .filter(|l| !l.is_empty())
        .collect()
}

fn first_reason(events: &[Event], key: &str) -> Option<String> {
    events.iter().find_map(|e| match &e.kind {
        EventKind::AlertRaised { key: k, reason, .. } if k == key => Some(reason.clone()),
        _ => None,
    })
}

/// Each alert from raised to cleared (or still active), per run.
fn alert_spans(events: &[Event]) -> Vec<AlertSpan> {
    let mut out: Vec<AlertSpan> = Vec::new();
    for e in events {
        match &e.kind {
            EventKind::AlertRaised { run, key, what, severity, figure, limit, .. } => out.push(AlertSpan {
                run: run.clone(),
                key: key.clone(),
                what: what.clone(),
                severity: severity.to_string(),
                raised: When::of(e),
                raised_figure: figure.clone(),
                limit: limit.clone(),
                cleared: None,
                cleared_figure: None,
                duration: None,
            }),
            EventKind::AlertCleared { run, key, figure, .. } => {
                if let Some(span) =
                    out.iter_mut().rev().find(|s| &s.run == run && &s.key == key && s.cleared.is_none())
                {
                    span.duration = Some(fmt_duration(e.at.since(span.raised.at)));
                    span.cleared = Some(When::of(e));
                    span.cleared_figure = figure.clone();
                }
            }
            _ => {}
        }
    }
    out
}

fn impact(inc: &Incident, series: &Series, alerts: Vec<AlertSpan>) -> Impact {
    let no_samples = "no run attached to the incident recorded figures";
    let have = !series.samples.is_empty();
    let mut queues: Vec<String> = alerts
        .iter()
        .filter_map(|a| match key_entity(&a.key) {
            Some((Section::Queues, q)) => Some(q.to_string()),
            _ => None,
        })
        .collect();
    queues.sort();
    queues.dedup();
    let affected_queues = if !queues.is_empty() {
        Figure { value: Some(serde_json::json!(queues)), text: queues.join(", ") }
    } else if have {
        Figure { value: Some(serde_json::json!([])), text: "none: no queue alert was raised".into() }
    } else {
        Figure::unknown(no_samples)
    };

    let age_key = MetricId::OldestContactAge.key();
    let peak = series
        .samples
        .iter()
        .flat_map(|s| {
            s.values
                .iter()
                .filter(|(k, _)| key_metric(k) == Some(MetricId::OldestContactAge) && k.ends_with(age_key))
                .map(move |(k, v)| (*v, k, s))
        })
        .max_by(|a, b| a.0.total_cmp(&b.0));
    let peak_oldest_contact_age = match peak {
        Some((v, _, _)) if v <= 0.0 => Figure {
            value: Some(serde_json::json!({"seconds": 0})),
            text: format!(
                "0s: no contact was waiting in any queue at any of the {} samples",
                series.samples.len()
            ),
        },
        Some((v, k, s)) => {
            let queue = key_entity(k).map(|(_, q)| q).unwrap_or("");
            Figure {
                value: Some(serde_json::json!({"seconds": v, "queue": queue, "at": s.at, "clock": s.clock})),
                text: format!(
                    "{} in queue {queue} at {} (over {} samples)",
                    MetricId::OldestContactAge.format(v),
                    time_text(s.at, s.clock),
                    series.samples.len()
                ),
            }
        }
        None => Figure::unknown(no_samples),
    };

    // Missed calls is a per-minute rate at each sample: the total is the rate integrated
    // over the time between samples of one run, an estimate and said to be one.
    let missed_key = super::series::figure_key(Section::Connect, "", MetricId::MissedCalls);
    let mut runs: Vec<&str> = series.samples.iter().map(|s| s.run.as_str()).collect();
    runs.dedup();
    let mut total = 0.0;
    let mut peak_rate: Option<f64> = None;
    let mut covered = Duration::ZERO;
    for run in &runs {
        let pts = series.values(run, &missed_key);
        for w in pts.windows(2) {
            let dt = w[1].0.since(w[0].0);
            total += w[0].1 * dt.as_secs_f64() / 60.0;
            covered += dt;
        }
        for (_, v) in &pts {
            peak_rate = Some(peak_rate.map_or(*v, |p: f64| p.max(*v)));
        }
    }
    let missed_calls = match peak_rate {
        Some(p) if covered > Duration::ZERO => Figure {
            value: Some(
                serde_json::json!({"estimated_total": total.round(), "peak_per_minute": p, "covered_s": covered.as_secs()}),
            ),
            text: format!(
                "about {} over {} of samples (estimated from per-minute rates), peak {}",
                total.round() as i64,
                fmt_duration(covered),
                MetricId::MissedCalls.format(p)
            ),
        },
        Some(p) => Figure {
            value: Some(serde_json::json!({"estimated_total": null, "peak_per_minute": p})),
            text: format!(
                "total unknown (one sample only), {} at that sample",
                MetricId::MissedCalls.format(p)
            ),
        },
        None => Figure::unknown(no_samples),
    };
    let abandoned_calls =
        Figure::unknown("Switchboard does not read abandoned contacts (Connect's CONTACTS_ABANDONED) yet");

    let alert_duration = {
        let same_clock: Vec<&AlertSpan> =
            alerts.iter().filter(|a| a.raised.clock == alerts[0].raised.clock).collect();
        match same_clock.first() {
            None => Figure::unknown("no alert was recorded"),
            Some(first) => {
                let start = same_clock.iter().map(|a| a.raised.at).min().unwrap_or(first.raised.at);
                let open: Vec<&&AlertSpan> = same_clock.iter().filter(|a| a.cleared.is_none()).collect();
                let end = same_clock.iter().filter_map(|a| a.cleared.as_ref().map(|c| c.at)).max();
                match (open.is_empty(), end) {
                    (true, Some(end)) => Figure {
                        value: Some(
                            serde_json::json!({"seconds": end.since(start).as_secs(), "clock": first.raised.clock}),
                        ),
                        text: format!(
                            "{} ({} → {})",
                            fmt_duration(end.since(start)),
                            time_text(start, first.raised.clock),
                            time_text(end, first.raised.clock)
                        ),
                    },
                    _ => Figure {
                        value: None,
                        text: format!(
                            "unknown: {} alert(s) still active when the last run ended (first raised {})",
                            open.len(),
                            time_text(start, first.raised.clock)
                        ),
                    },
                }
            }
        }
    };
    let open_for = match inc.open_for() {
        Some((d, clock)) => Figure {
            value: Some(serde_json::json!({"seconds": d.as_secs()})),
            text: format!(
                "{} (declared → resolved, {})",
                fmt_duration(d),
                match clock {
                    super::Clock::Wall => "wall clock",
                    super::Clock::Simulated => "simulated time",
                }
            ),
        },
        None if inc.resolved_at.is_some() => {
            Figure::unknown("declared and resolved on different clocks (the simulator's and the wall clock)")
        }
        None => Figure::unknown("not resolved yet"),
    };
    Impact {
        affected_queues,
        peak_oldest_contact_age,
        missed_calls,
        abandoned_calls,
        alert_duration,
        open_for,
        alerts,
        note: inc.impact_note.clone(),
    }
}

/// What a kind of remediation risks and how to undo it. Matched on the audit log's action
/// kind; a kind not listed says so rather than guess.
fn risk_and_rollback(action: &str) -> (&'static str, &'static str) {
    match action {
        "restart_service" => (
            "the service is down for the seconds a restart takes; the sessions it carries drop and reconnect",
            "none needed: a restart changes no configuration. If the service does not come back, \
             start it by hand (Start-Service) or move traffic to the other NexTalk server",
        ),
        _ => ("not described for this kind of action", "not described for this kind of action"),
    }
}

fn remediations(inc: &Incident) -> (Vec<ActionOutcome>, Vec<ChangeRecord>) {
    // Commands grouped by (run, step), in the order they began.
    let mut order: Vec<(String, String)> = Vec::new();
    let mut groups: BTreeMap<(String, String), Vec<&Event>> = BTreeMap::new();
    for e in &inc.events {
        if let EventKind::Command { run, step, .. } = &e.kind {
            let k = (run.clone(), step.clone());
            if !groups.contains_key(&k) {
                order.push(k.clone());
            }
            groups.entry(k).or_default().push(e);
        }
    }
    let mut actions = Vec::new();
    let mut changes = Vec::new();
    for (n, key) in order.iter().enumerate() {
        let evs = &groups[key];
        let (run, step) = key;
        let mut summary = String::new();
        let mut action_kind = String::new();
        let mut runbook = String::new();
        let mut targets: Vec<String> = Vec::new();
        let mut decision = "not recorded".to_string();
        let mut confirmed: Option<When> = None;
        let mut confirmed_by = "not recorded".to_string();
        let mut command_ids: Vec<String> = Vec::new();
        let mut results: Vec<String> = Vec::new();
        let mut document = None;
        let mut script = Vec::new();
        let mut requested_by = String::new();
        for e in evs {
            let EventKind::Command {
                runbook: rb,
                action,
                summary: s,
                targets: t,
                phase,
                command_id,
                status,
                message,
                document: d,
                script: sc,
                ..
            } = &e.kind
            else {
                continue;
            };
            runbook = rb.clone();
            if !action.is_empty() {
                action_kind = action.clone();
            }
            match phase {
                CommandPhase::Confirmed => {
                    decision = "confirmed".into();
                    confirmed = Some(When::of(e));
                    confirmed_by = match message {
                        Some(m) => format!("{} ({m})", e.who),
                        None => e.who.clone(),
                    };
                    if targets.is_empty() {
                        targets = t.clone();
                    }
                }
                CommandPhase::Declined => decision = "declined: not run".into(),
                CommandPhase::Refused => decision = "refused: read-only mode".into(),
                CommandPhase::Requested => {
                    summary = s.clone();
                    targets = t.clone();
                    document = d.clone();
                    script = sc.clone();
                    requested_by = e.who.clone();
                }
                CommandPhase::Sent => command_ids.extend(command_id.clone()),
                CommandPhase::SendFailed => {
                    results.push(format!("not sent: {}", message.clone().unwrap_or_default()))
                }
                CommandPhase::Ended => {
                    let who = t.first().cloned().unwrap_or_default();
                    let server = who.split(' ').next().unwrap_or("").to_string();
                    results.push(format!(
                        "{server}: {}{}",
                        status.clone().unwrap_or_default(),
                        message.as_ref().map(|m| format!(" ({m})")).unwrap_or_default()
                    ));
                }
                CommandPhase::StatusUnknown => {
                    results.push(format!("status unknown: {}", message.clone().unwrap_or_default()))
                }
            }
            if summary.is_empty() {
                summary = s.clone();
            }
        }
        command_ids.dedup();
        let step_result = inc.events.iter().rev().find_map(|e| match &e.kind {
            EventKind::Step { run: r, step: st, outcome, recheck_of: None, kind, evidence, .. }
                if r == run && st == step && kind == "action" =>
            {
                Some(format!(
                    "{outcome}{}",
                    if evidence.is_empty() { String::new() } else { format!(": {}", evidence.join("; ")) }
                ))
            }
            _ => None,
        });
        let verification = inc.events.iter().rev().find_map(|e| match &e.kind {
            EventKind::Step { run: r, recheck_of: Some(of), title, outcome, evidence, .. }
                if r == run && of == step =>
            {
                Some(format!(
                    "re-check \"{title}\": {outcome}{}",
                    if evidence.is_empty() { String::new() } else { format!(" ({})", evidence.join("; ")) }
                ))
            }
            _ => None,
        });
        let outcome = step_result
            .unwrap_or_else(|| if results.is_empty() { decision.clone() } else { results.join("; ") });
        // Why: the failed check just before the decision, with its evidence, and the
        // runbook's own words for the step.
        let first_at = inc.events.iter().position(|e| std::ptr::eq(e, evs[0])).unwrap_or(0);
        let failed_check = inc.events[..first_at].iter().rev().find_map(|e| match &e.kind {
            EventKind::Step { run: r, kind, outcome, title, evidence, .. }
                if r == run && kind == "check" && (outcome == "fail" || outcome == "error") =>
            {
                Some(format!("check \"{title}\" {outcome}: {}", evidence.join("; ")))
            }
            _ => None,
        });
        let help = inc.events.iter().find_map(|e| match &e.kind {
            EventKind::Step { run: r, step: st, help: Some(h), recheck_of: None, .. }
                if r == run && st == step =>
            {
                Some(h.clone())
            }
            _ => None,
        });
        let why = failed_check.unwrap_or_else(|| format!("runbook {runbook} step {step}"));
        let (risk, rollback) = risk_and_rollback(&action_kind);
        let risk = match &help {
            Some(h) => format!("{risk}. Runbook: {}", h.replace('\n', " ")),
            None => risk.to_string(),
        };
        actions.push(ActionOutcome {
            run: run.clone(),
            runbook: runbook.clone(),
            step: step.clone(),
            summary: summary.clone(),
            targets: targets.clone(),
            decision: decision.clone(),
            command_ids: command_ids.clone(),
            results: results.clone(),
            outcome: outcome.clone(),
            verification: verification.clone(),
        });
        if decision == "confirmed" || !command_ids.is_empty() {
            changes.push(ChangeRecord {
                id: format!("{}-C{}", inc.id, n + 1),
                what: summary,
                targets,
                document,
                script,
                why,
                risk,
                rollback: rollback.to_string(),
                requested_by: if requested_by.is_empty() { confirmed_by.clone() } else { requested_by },
                confirmed_by,
                confirmed,
                command_ids,
                outcome,
                verification,
            });
        }
    }
    (actions, changes)
}

fn notifications(events: &[Event]) -> Vec<Notification> {
    let mut out: Vec<Notification> = Vec::new();
    for e in events {
        let (id, target) = match &e.kind {
            EventKind::NotificationQueued { message_id, target, .. }
            | EventKind::NotificationSent { message_id, target, .. }
            | EventKind::NotificationFailed { message_id, target, .. } => (message_id, target),
            _ => continue,
        };
        let i = match out.iter().position(|n| &n.message_id == id) {
            Some(i) => i,
            None => {
                out.push(Notification {
                    message_id: id.clone(),
                    target: target.clone(),
                    trigger: None,
                    queued: None,
                    state: "queued".into(),
                    attempts: None,
                    reference: None,
                    error: None,
                });
                out.len() - 1
            }
        };
        let n = &mut out[i];
        match &e.kind {
            EventKind::NotificationQueued { trigger, .. } => {
                n.trigger = Some(trigger.clone());
                n.queued = Some(When::of(e));
            }
            EventKind::NotificationSent { attempts, reference, .. } => {
                n.state = format!("sent {}", time_text(e.at, e.clock));
                n.attempts = Some(*attempts);
                n.reference = reference.clone();
            }
            EventKind::NotificationFailed { attempts, error, .. } => {
                n.state = "given up".into();
                n.attempts = Some(*attempts);
                n.error = Some(error.clone());
            }
            _ => {}
        }
    }
    out
}

fn charts(spans: &[AlertSpan], series: &Series) -> Vec<Chart> {
    let mut out: Vec<Chart> = Vec::new();
    for span in spans {
        if out.iter().any(|c| c.run == span.run && c.key == span.key) {
            continue;
        }
        let windows: Vec<(Timestamp, Option<Timestamp>)> = spans
            .iter()
            .filter(|s| s.run == span.run && s.key == span.key)
            .map(|s| (s.raised.at, s.cleared.as_ref().map(|c| c.at)))
            .collect();
        let clock = series.samples.iter().find(|s| s.run == span.run).map_or(span.raised.clock, |s| s.clock);
        let chart = match key_metric(&span.key) {
            Some(m) => {
                let points = series.values(&span.run, &span.key);
                Chart {
                    run: span.run.clone(),
                    key: span.key.clone(),
                    title: format!("{}: {}", span.what, m.label()),
                    clock,
                    metric: Some(m),
                    limits: series.limits(&span.run, m),
                    points,
                    states: vec![],
                    windows,
                }
            }
            None => {
                let states = series.states(&span.run, &span.key);
                let good = super::series::healthy_state(&span.key).unwrap_or("");
                let points = states.iter().map(|(t, s)| (*t, if s == good { 1.0 } else { 0.0 })).collect();
                Chart {
                    run: span.run.clone(),
                    key: span.key.clone(),
                    title: format!("{}: state", span.what),
                    clock,
                    metric: None,
                    limits: [None, None],
                    points,
                    states,
                    windows,
                }
            }
        };
        if chart.points.len() >= 2 {
            out.push(chart);
        }
    }
    out
}

fn generated_summary(inc: &Incident, spans: &[AlertSpan], actions: &[ActionOutcome]) -> String {
    let mut s = String::new();
    if let Some(d) = &inc.drill {
        s.push_str(&format!("Drill on the simulator (scenario {}). ", d.scenario));
    }
    match spans.first() {
        Some(a) => s.push_str(&format!(
            "First alert: {} ({}) at {}. ",
            a.what,
            first_reason(&inc.events, &a.key).unwrap_or_default(),
            a.raised.text()
        )),
        None => s.push_str("No alert was recorded on the timeline. "),
    }
    let done: Vec<String> = actions
        .iter()
        .map(|a| {
            let results = if a.results.is_empty() { a.decision.clone() } else { a.results.join(", ") };
            format!("{} ({results})", a.summary)
        })
        .collect();
    if !done.is_empty() {
        s.push_str(&format!("Remediation: {}. ", done.join("; ")));
    }
    let open = spans.iter().filter(|a| a.cleared.is_none()).count();
    if !spans.is_empty() {
        if open == 0 {
            s.push_str("Every alert cleared. ");
        } else {
            s.push_str(&format!("{open} alert(s) still active at the last recorded snapshot. "));
        }
    }
    s.push_str(&format!("Status: {}.", inc.status));
    s
}

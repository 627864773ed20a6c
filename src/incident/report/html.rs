//! The report as one self-contained HTML page: inline CSS, inline SVG charts, no scripts, no
//! external resources, so it can be mailed, archived and opened offline. It is also
//! well-formed XML (void elements closed, everything escaped), so a strict parser can check it.

use super::{Figure, Report, svg, time_text};
use std::fmt::Write as _;

pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,Segoe UI,sans-serif;max-width:960px;margin:2em auto;padding:0 1em;color:#222;line-height:1.45}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\
table{border-collapse:collapse;margin:.5em 0;width:100%}td,th{border:1px solid #ccc;padding:.3em .5em;text-align:left;vertical-align:top}\
th{background:#f3f3f3}.drill{background:#fff3cd;border:2px solid #d39e00;padding:.6em 1em;font-weight:bold}\
pre{background:#f6f8fa;padding:.6em;overflow-x:auto;white-space:pre-wrap}code{background:#f6f8fa;padding:0 .2em}\
ol.timeline li{margin:.2em 0}.when{font-variant-numeric:tabular-nums;color:#555}.unknown{color:#8a6d3b}\
svg.chart{max-width:100%;height:auto;border:1px solid #ddd;margin:.5em 0}";

fn fig(f: &Figure) -> String {
    if f.value.is_none() { format!(r#"<span class="unknown">{}</span>"#, esc(&f.text)) } else { esc(&f.text) }
}

pub fn html(r: &Report) -> String {
    let mut s = String::new();
    let drill = if r.drill.is_some() { "[DRILL] " } else { "" };
    let title = format!("{drill}{}: {}", r.id, r.title);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n<title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n",
        esc(&title)
    );
    let _ = writeln!(s, "<h1>{}</h1>", esc(&title));
    if let Some(d) = &r.drill {
        let _ = writeln!(
            s,
            "<p class=\"drill\">DRILL: this incident ran on the built-in simulator (scenario <code>{}</code>); nothing in production was changed. Times marked <em>simulated</em> are the simulator's clock.</p>",
            esc(&d.scenario)
        );
    }
    s.push_str("<table>\n");
    let row = |s: &mut String, k: &str, v: String| {
        let _ = writeln!(s, "<tr><th>{}</th><td>{v}</td></tr>", esc(k));
    };
    row(&mut s, "Severity", esc(&format!("{} ({})", r.severity, r.severity_meaning)));
    row(&mut s, "Status", esc(&r.status));
    row(&mut s, "Declared", esc(&format!("{} by {}", r.declared.text(), r.declared.who)));
    if let Some(m) = &r.mitigated {
        row(&mut s, "Mitigated", esc(&format!("{} by {}", m.text(), m.who)));
    }
    if let Some(m) = &r.resolved {
        row(&mut s, "Resolved", esc(&format!("{} by {}", m.text(), m.who)));
    }
    match &r.detection {
        Some(d) => row(
            &mut s,
            "Detected",
            esc(&format!("{}: {} ({}, {})", d.when.text(), d.what, d.reason, d.severity)),
        ),
        None => {
            row(&mut s, "Detected", "<span class=\"unknown\">unknown: no alert was recorded</span>".into())
        }
    }
    s.push_str("</table>\n");

    let _ = writeln!(s, "<h2>Summary</h2>\n<p>{}</p>", esc(&r.summary.text));

    let i = &r.impact;
    s.push_str("<h2>Impact</h2>\n<table>\n");
    row(&mut s, "Affected queues", fig(&i.affected_queues));
    row(&mut s, "Peak oldest contact age", fig(&i.peak_oldest_contact_age));
    row(&mut s, "Missed calls", fig(&i.missed_calls));
    row(&mut s, "Abandoned calls", fig(&i.abandoned_calls));
    row(&mut s, "Duration of the alerts", fig(&i.alert_duration));
    row(&mut s, "Open for", fig(&i.open_for));
    if let Some(n) = &i.note {
        row(&mut s, "Noted by the engineer", esc(n));
    }
    s.push_str("</table>\n");
    if !i.alerts.is_empty() {
        s.push_str("<table>\n<tr><th>Alert</th><th>Severity</th><th>Raised (figure / limit)</th><th>Cleared (figure)</th><th>Lasted</th></tr>\n");
        for a in &i.alerts {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{} ({} / {})</td><td>{}</td><td>{}</td></tr>",
                esc(&a.what),
                esc(&a.severity),
                esc(&a.raised.text()),
                esc(a.raised_figure.as_deref().unwrap_or("?")),
                esc(a.limit.as_deref().unwrap_or("?")),
                esc(&match &a.cleared {
                    Some(c) => format!("{} ({})", c.text(), a.cleared_figure.as_deref().unwrap_or("?")),
                    None => "still active".into(),
                }),
                esc(a.duration.as_deref().unwrap_or("-"))
            );
        }
        s.push_str("</table>\n");
    }

    s.push_str("<h2>Charts</h2>\n");
    if r.charts.is_empty() {
        s.push_str("<p class=\"unknown\">No figures were recorded for the alerts (no run was attached to the incident).</p>\n");
    }
    for c in &r.charts {
        let _ = writeln!(s, "<figure>{}</figure>", svg::chart(c));
    }

    s.push_str("<h2>Timeline</h2>\n<p>In the order it happened. Times are UTC; <em>simulated</em> marks the simulator's clock.</p>\n<ol class=\"timeline\">\n");
    for e in &r.timeline {
        let _ = write!(
            s,
            "<li><span class=\"when\">{}</span> · {} · {}",
            esc(&e.when.text()),
            esc(&e.when.who),
            esc(&e.text)
        );
        if !e.details.is_empty() {
            s.push_str("<pre>");
            for d in &e.details {
                s.push_str(&esc(d));
                s.push('\n');
            }
            s.push_str("</pre>");
        }
        s.push_str("</li>\n");
    }
    s.push_str("</ol>\n");

    s.push_str("<h2>Actions and outcomes</h2>\n");
    if r.actions.is_empty() {
        s.push_str("<p>No remediation was requested.</p>\n");
    } else {
        s.push_str("<table>\n<tr><th>Action</th><th>Targets</th><th>Decision</th><th>Command ids</th><th>Results</th><th>Outcome</th></tr>\n");
        for a in &r.actions {
            let _ = writeln!(
                s,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}{}</td></tr>",
                esc(&a.summary),
                esc(&a.targets.join(", ")),
                esc(&a.decision),
                a.command_ids
                    .iter()
                    .map(|c| format!("<code>{}</code>", esc(c)))
                    .collect::<Vec<_>>()
                    .join("<br/>"),
                esc(&a.results.join("; ")),
                esc(&a.outcome),
                a.verification.as_ref().map(|v| format!("<br/>verified: {}", esc(v))).unwrap_or_default()
            );
        }
        s.push_str("</table>\n");
    }

    s.push_str("<h2>Evidence</h2>\n");
    for e in &r.evidence {
        let _ = writeln!(
            s,
            "<h3>{}: {} <span class=\"when\">({})</span></h3>",
            esc(&e.title),
            esc(&e.outcome),
            esc(&e.when.text())
        );
        s.push_str("<pre>");
        for l in &e.lines {
            s.push_str(&esc(l));
            s.push('\n');
        }
        s.push_str("</pre>\n");
    }

    s.push_str("<h2>Root cause analysis</h2>\n");
    let _ = writeln!(s, "<p><strong>Root cause:</strong> {}</p>", esc(&r.root_cause.text));
    s.push_str("<p><strong>Follow-ups:</strong></p>\n<ul>\n");
    if r.follow_ups.is_empty() {
        s.push_str("<li class=\"unknown\">none entered yet</li>\n");
    }
    for f in &r.follow_ups {
        let _ = writeln!(s, "<li>{}</li>", esc(f));
    }
    s.push_str("</ul>\n");

    s.push_str("<h2>Change records</h2>\n");
    if r.changes.is_empty() {
        s.push_str("<p>No change was made.</p>\n");
    }
    for c in &r.changes {
        let _ = writeln!(s, "<h3>{}: {}</h3>\n<table>", esc(&c.id), esc(&c.what));
        row(&mut s, "What", esc(&c.what));
        row(&mut s, "Targets", esc(&c.targets.join(", ")));
        row(&mut s, "Why", esc(&c.why));
        row(&mut s, "Risk", esc(&c.risk));
        row(&mut s, "Rollback", esc(&c.rollback));
        row(&mut s, "Requested by", esc(&c.requested_by));
        let conf = match &c.confirmed {
            Some(w) => format!("{} at {}", c.confirmed_by, w.text()),
            None => c.confirmed_by.clone(),
        };
        row(&mut s, "Confirmed by", esc(&conf));
        row(&mut s, "Command ids", esc(&c.command_ids.join(", ")));
        row(&mut s, "Outcome", esc(&c.outcome));
        row(&mut s, "Verification", esc(c.verification.as_deref().unwrap_or("none recorded")));
        s.push_str("</table>\n");
        if !c.script.is_empty() {
            let _ = write!(s, "<p>{} ran:</p><pre>", esc(c.document.as_deref().unwrap_or("The command")));
            for l in &c.script {
                s.push_str(&esc(l));
                s.push('\n');
            }
            s.push_str("</pre>\n");
        }
    }

    s.push_str("<h2>Notifications</h2>\n");
    if r.notifications.is_empty() {
        s.push_str("<p>None (no notification target was configured when the incident changed).</p>\n");
    } else {
        s.push_str("<table>\n<tr><th>Id</th><th>To</th><th>Why</th><th>State</th><th>Attempts</th><th>Receiver's id</th></tr>\n");
        for n in &r.notifications {
            let _ = writeln!(
                s,
                "<tr><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&n.message_id),
                esc(&n.target),
                esc(n.trigger.as_deref().unwrap_or("-")),
                esc(&match &n.error {
                    Some(e) => format!("{}: {e}", n.state),
                    None => n.state.clone(),
                }),
                n.attempts.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
                esc(n.reference.as_deref().unwrap_or("-"))
            );
        }
        s.push_str("</table>\n");
    }

    let g = &r.integrity;
    s.push_str("<h2>Record</h2>\n<ul>\n");
    let _ = writeln!(
        s,
        "<li>Timeline: {} events{}; SHA-256 of timeline.jsonl: <code>{}</code></li>",
        g.events,
        if g.skipped_lines > 0 {
            format!(" ({} unreadable line(s) skipped)", g.skipped_lines)
        } else {
            String::new()
        },
        esc(g.timeline_sha256.as_deref().unwrap_or("not computed"))
    );
    let _ = writeln!(s, "<li>Figures behind the charts: {} samples</li>", g.samples);
    match &g.audit_chain {
        Some(v) => {
            let _ = writeln!(
                s,
                "<li>Audit log at export: {} records, chain head <code>{}</code>; verify: {}</li>",
                esc(&v["count"].to_string()),
                esc(v["last_sha256"].as_str().unwrap_or("")),
                esc(v["verify"].as_str().unwrap_or(""))
            );
        }
        None => {
            s.push_str("<li>Audit log at export: no chain head (no audit log, or none written yet)</li>\n")
        }
    }
    let _ = writeln!(
        s,
        "<li>Generated: {}</li>\n</ul>\n</body>\n</html>",
        esc(&time_text(r.generated_at, super::Clock::Wall))
    );
    s
}

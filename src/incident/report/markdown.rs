//! The report as Markdown, for tickets and wikis. Every text from outside (titles, notes,
//! evidence) is escaped, so a `|` or a `#` in a log line cannot break the layout.

use super::{Figure, Report, time_text};
use std::fmt::Write as _;

/// Backslash-escapes Markdown's punctuation and folds line breaks, for running text and
/// table cells.
pub(super) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A fenced block whose fence is longer than any run of backticks inside it.
fn fenced(lang: &str, lines: &[String]) -> String {
    let longest = lines.iter().flat_map(|l| l.split(|c| c != '`').map(str::len).max()).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let mut s = format!("{fence}{lang}\n");
    for l in lines {
        s.push_str(&l.replace(['\r', '\u{1b}'], ""));
        s.push('\n');
    }
    s.push_str(&fence);
    s.push('\n');
    s
}

fn code(s: &str) -> String {
    let longest = s.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if s.starts_with('`') || s.ends_with('`') { " " } else { "" };
    format!("{fence}{pad}{s}{pad}{fence}")
}

fn fig(f: &Figure) -> String {
    esc(&f.text)
}

pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let drill = if r.drill.is_some() { "[DRILL] " } else { "" };
    let _ = writeln!(s, "# {}{}: {}\n", esc(drill), r.id, esc(&r.title));
    if let Some(d) = &r.drill {
        let _ = writeln!(
            s,
            "> **DRILL.** This incident ran on the built-in simulator (scenario {}): nothing in production \
             was changed. Times marked *simulated* are the simulator's clock; the others are wall-clock.\n",
            code(&d.scenario)
        );
    }
    s.push_str("| | |\n|---|---|\n");
    let _ = writeln!(s, "| Severity | {} ({}) |", r.severity, esc(r.severity_meaning));
    let _ = writeln!(s, "| Status | {} |", r.status);
    let _ = writeln!(s, "| Declared | {} by {} |", esc(&r.declared.text()), esc(&r.declared.who));
    if let Some(m) = &r.mitigated {
        let _ = writeln!(s, "| Mitigated | {} by {} |", esc(&m.text()), esc(&m.who));
    }
    if let Some(m) = &r.resolved {
        let _ = writeln!(s, "| Resolved | {} by {} |", esc(&m.text()), esc(&m.who));
    }
    match &r.detection {
        Some(d) => {
            let after =
                d.declared_after.as_ref().map(|a| format!("; declared {a} later")).unwrap_or_default();
            let _ = writeln!(
                s,
                "| Detected | {}: {} ({}, {}){} |",
                esc(&d.when.text()),
                esc(&d.what),
                esc(&d.reason),
                d.severity,
                esc(&after)
            );
        }
        None => s.push_str("| Detected | unknown: no alert was recorded on the timeline |\n"),
    }

    let _ = writeln!(s, "\n## Summary\n\n{}", esc(&r.summary.text));
    if r.summary.source == "generated" {
        let _ = writeln!(
            s,
            "\n*Generated from the timeline; set your own with* {}.",
            code(&format!("switchboard incident edit {} --summary \"…\"", r.id))
        );
    }

    let i = &r.impact;
    s.push_str("\n## Impact\n\n");
    let _ = writeln!(s, "- Affected queues: {}", fig(&i.affected_queues));
    let _ = writeln!(s, "- Peak oldest contact age: {}", fig(&i.peak_oldest_contact_age));
    let _ = writeln!(s, "- Missed calls: {}", fig(&i.missed_calls));
    let _ = writeln!(s, "- Abandoned calls: {}", fig(&i.abandoned_calls));
    let _ = writeln!(s, "- Duration of the alerts: {}", fig(&i.alert_duration));
    let _ = writeln!(s, "- Open for: {}", fig(&i.open_for));
    if let Some(n) = &i.note {
        let _ = writeln!(s, "- Noted by the engineer: {}", esc(n));
    }
    if !i.alerts.is_empty() {
        s.push_str("\n| Alert | Severity | Raised (figure / limit) | Cleared (figure) | Lasted |\n|---|---|---|---|---|\n");
        for a in &i.alerts {
            let raised = format!(
                "{} ({} / {})",
                a.raised.text(),
                a.raised_figure.as_deref().unwrap_or("?"),
                a.limit.as_deref().unwrap_or("?")
            );
            let cleared = match &a.cleared {
                Some(c) => format!("{} ({})", c.text(), a.cleared_figure.as_deref().unwrap_or("?")),
                None => "still active".into(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} |",
                esc(&a.what),
                a.severity,
                esc(&raised),
                esc(&cleared),
                a.duration.as_deref().unwrap_or("-")
            );
        }
    }

    s.push_str("\n## Timeline\n\nIn the order it happened. Times are UTC; *simulated* marks the simulator's clock.\n\n");
    for e in &r.timeline {
        let _ = writeln!(s, "{}. **{}** · {} · {}", e.n, esc(&e.when.text()), esc(&e.when.who), esc(&e.text));
        for d in &e.details {
            let _ = writeln!(s, "   - {}", code(d));
        }
    }

    s.push_str("\n## Actions and outcomes\n\n");
    if r.actions.is_empty() {
        s.push_str("No remediation was requested.\n");
    }
    for a in &r.actions {
        let ids = if a.command_ids.is_empty() {
            "no command sent".to_string()
        } else {
            a.command_ids.iter().map(|c| format!("command {}", code(c))).collect::<Vec<_>>().join(", ")
        };
        let _ = writeln!(
            s,
            "- **{}** on {} ({} / {}): {}; {}; results: {}; outcome: {}",
            esc(&a.summary),
            esc(&a.targets.join(", ")),
            esc(&a.runbook),
            esc(&a.step),
            esc(&a.decision),
            ids,
            esc(&if a.results.is_empty() { "none".to_string() } else { a.results.join("; ") }),
            esc(&a.outcome)
        );
        if let Some(v) = &a.verification {
            let _ = writeln!(s, "  - verified: {}", esc(v));
        }
    }

    s.push_str("\n## Evidence\n\n");
    if r.evidence.is_empty() {
        s.push_str("No check was recorded.\n");
    }
    for e in &r.evidence {
        let _ = writeln!(s, "### {}: {} ({})\n", esc(&e.title), e.outcome, esc(&e.when.text()));
        if e.lines.is_empty() {
            s.push_str("(no evidence lines)\n\n");
        } else {
            s.push_str(&fenced("text", &e.lines));
            s.push('\n');
        }
    }

    s.push_str("## Root cause analysis\n\n");
    let _ = writeln!(s, "**Root cause:** {}\n", esc(&r.root_cause.text));
    s.push_str("**Follow-ups:**\n\n");
    if r.follow_ups.is_empty() {
        let _ = writeln!(
            s,
            "- none entered yet ({})",
            code(&format!("switchboard incident edit {} --follow-up \"…\"", r.id))
        );
    }
    for f in &r.follow_ups {
        let _ = writeln!(s, "- {}", esc(f));
    }

    s.push_str("\n## Change records\n\n");
    if r.changes.is_empty() {
        s.push_str("No change was made.\n");
    }
    for c in &r.changes {
        let _ = writeln!(s, "### {}: {}\n", c.id, esc(&c.what));
        s.push_str("| Field | |\n|---|---|\n");
        let row = |s: &mut String, k: &str, v: &str| {
            let _ = writeln!(s, "| {k} | {} |", esc(v));
        };
        row(&mut s, "What", &c.what);
        row(&mut s, "Targets", &c.targets.join(", "));
        row(&mut s, "Why", &c.why);
        row(&mut s, "Risk", &c.risk);
        row(&mut s, "Rollback", &c.rollback);
        row(&mut s, "Requested by", &c.requested_by);
        let conf = match &c.confirmed {
            Some(w) => format!("{} at {}", c.confirmed_by, w.text()),
            None => c.confirmed_by.clone(),
        };
        row(&mut s, "Confirmed by", &conf);
        row(
            &mut s,
            "Command ids",
            &if c.command_ids.is_empty() { "none".into() } else { c.command_ids.join(", ") },
        );
        row(&mut s, "Outcome", &c.outcome);
        row(&mut s, "Verification", c.verification.as_deref().unwrap_or("none recorded"));
        if !c.script.is_empty() {
            let _ = writeln!(s, "\n{} ran:\n", esc(c.document.as_deref().unwrap_or("The command")));
            s.push_str(&fenced("powershell", &c.script));
        }
        s.push('\n');
    }

    s.push_str("## Notifications\n\n");
    if r.notifications.is_empty() {
        s.push_str("None (no [[notify]] target was configured when the incident changed).\n");
    } else {
        s.push_str("| Id | To | Why | State | Attempts | Receiver's id |\n|---|---|---|---|---|---|\n");
        for n in &r.notifications {
            let state = match &n.error {
                Some(e) => format!("{}: {e}", n.state),
                None => n.state.clone(),
            };
            let _ = writeln!(
                s,
                "| {} | {} | {} | {} | {} | {} |",
                code(&n.message_id),
                esc(&n.target),
                esc(n.trigger.as_deref().unwrap_or("-")),
                esc(&state),
                n.attempts.map(|a| a.to_string()).unwrap_or_else(|| "-".into()),
                esc(n.reference.as_deref().unwrap_or("-"))
            );
        }
    }

    s.push_str("\n## Record\n\n");
    let g = &r.integrity;
    let _ = writeln!(
        s,
        "- Timeline: {} events{}; SHA-256 of timeline.jsonl: {}",
        g.events,
        if g.skipped_lines > 0 {
            format!(" ({} unreadable line(s) skipped)", g.skipped_lines)
        } else {
            String::new()
        },
        g.timeline_sha256.as_deref().map(code).unwrap_or_else(|| "not computed".into())
    );
    let _ = writeln!(s, "- Figures behind the charts: {} samples", g.samples);
    match &g.audit_chain {
        Some(v) => {
            let _ = writeln!(
                s,
                "- Audit log at export: {} records, chain head {}; verify: {}",
                v["count"],
                code(v["last_sha256"].as_str().unwrap_or("")),
                esc(v["verify"].as_str().unwrap_or(""))
            );
        }
        None => s.push_str("- Audit log at export: no chain head (no audit log, or none written yet)\n"),
    }
    let _ = writeln!(s, "- Generated: {}", time_text(r.generated_at, super::Clock::Wall));
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_punctuation_and_backticks_cannot_break_out() {
        assert_eq!(esc("a|b *c* #d\ne"), "a\\|b \\*c\\* \\#d e");
        assert_eq!(code("x`y"), "``x`y``");
        assert_eq!(code("`x"), "`` `x ``");
        let f = fenced("text", &["```".to_string(), "ok".to_string()]);
        assert!(f.starts_with("````text\n```\nok\n````"), "{f}");
    }
}

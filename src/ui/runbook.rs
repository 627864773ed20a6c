//! The runbook run: every step with its live state (pending ·, running with a spinner,
//! pass ✓, fail ✖ with its evidence and what to do next, skipped –, refused ⊘), the command
//! in flight with its SSM status, and what the run waits for. Follows the current step unless
//! the engineer scrolls back.

use crate::app::geometry::overlay;
use crate::app::guide::Guide;
use crate::app::{JobOrigin, State};
use crate::runbook::{Outcome, Request, StepKind, StepRecord};
use crate::theme::{Role, Theme};
use crate::ui::wrap::{clip, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
/// Evidence lines shown per step; the rest are counted.
const EVIDENCE: usize = 6;

pub fn spinner(state: &State) -> &'static str {
    SPINNER[state.spinner % SPINNER.len()]
}

fn outcome_style(theme: &Theme, o: Outcome) -> Style {
    match o {
        Outcome::Pass | Outcome::Done => theme.style(Role::Ok),
        Outcome::Fail => theme.style(Role::Crit),
        Outcome::Error => theme.style(Role::Unknown),
        Outcome::Refused => theme.style(Role::Warn),
        Outcome::Skipped | Outcome::Declined => theme.style(Role::Muted),
    }
}

/// What the run waits for, in words, with the command's live status when one runs.
pub fn waiting(state: &State, guide: &Guide) -> String {
    if guide.run.is_finished() {
        let v = guide.run.verdict();
        return if v.healthy {
            "finished: healthy".into()
        } else {
            format!("finished: NOT healthy: {}", v.problems.join("; "))
        };
    }
    if let Some(w) = guide.run.waiting() {
        let rb = guide.run.runbook();
        let check = rb.steps.get(w.step).map_or("", |s| s.id.as_str());
        let action = rb.steps.get(w.of).map_or("", |s| s.id.as_str());
        let waited = match w.since {
            Some(since) => crate::model::fmt_duration(state.now.since(since)),
            None => "0s".into(),
        };
        return format!(
            "{} re-check after {action}: waiting for {check} to pass, {waited} of {} ({} look(s) so far)",
            spinner(state),
            crate::model::fmt_duration(w.within),
            w.attempts
        );
    }
    let jobs: Vec<_> = guide.in_flight.iter().filter_map(|id| state.jobs.get(id)).collect();
    if let [job] = jobs.as_slice() {
        let took = crate::model::age(state.now, Some(job.started));
        return format!(
            "{} {} via SSM, {took}: {}",
            spinner(state),
            job.job.action.summary(),
            job.progress()
        );
    }
    if let Some(oldest) = jobs.iter().map(|j| j.started).min() {
        let took = crate::model::age(state.now, Some(oldest));
        let steps = guide.run.active_steps().len();
        return format!(
            "{} {} commands via SSM at once for {steps} checks, {took}",
            spinner(state),
            jobs.len()
        );
    }
    if guide.fresh.is_some() {
        return format!("{} waiting for fresh telemetry to re-check", spinner(state));
    }
    match guide.run.pending().first() {
        Some(Request::Confirm(_)) => "waiting for your confirmation".into(),
        Some(Request::Retry { .. }) => "declined: Enter to Retry or Skip the step".into(),
        Some(Request::Manual { .. }) => "waiting for you: Enter to answer the manual step".into(),
        Some(Request::OpenLog { .. }) => "opening the log".into(),
        Some(Request::Remote(_)) => format!("{} sending", spinner(state)),
        Some(Request::Snapshot { .. }) => format!("{} reading the snapshot", spinner(state)),
        None => String::new(),
    }
}

/// The view's lines and the index of the line to keep in sight when following.
pub fn lines(state: &State, guide: &Guide, theme: &Theme, width: usize) -> (Vec<Line<'static>>, usize) {
    let rb = guide.run.runbook();
    let records = guide.run.records();
    let current = guide.run.current_step();
    let active = guide.run.active_steps();
    let total = rb.steps.len();
    let mut out: Vec<Line<'static>> = Vec::new();
    let mut focus_line = 0;
    let indent = "      ";
    let text_w = width.saturating_sub(indent.len()).max(10);
    for (i, step) in rb.steps.iter().enumerate() {
        let latest: Option<&StepRecord> = records.iter().rev().find(|r| r.step == i);
        let is_current = active.contains(&i);
        if current == Some(i) {
            focus_line = out.len();
        }
        let (symbol, style) = match (is_current, latest) {
            (true, _) => (spinner(state).to_string(), theme.style(Role::Highlight)),
            (false, Some(r)) => (r.outcome.symbol().to_string(), outcome_style(theme, r.outcome)),
            (false, None) => ("·".to_string(), theme.style(Role::Muted)),
        };
        let kind = step.kind.label();
        let state_word = match (is_current, latest) {
            (true, _) => match guide.run.pending().first() {
                Some(Request::Confirm(_)) => "to confirm".to_string(),
                Some(Request::Manual { .. }) => "waiting for you".to_string(),
                Some(Request::Retry { .. }) => "declined: retry or skip".to_string(),
                _ if guide.run.waiting().is_some_and(|w| w.step == i) => "waiting for the fix".to_string(),
                _ => "running".to_string(),
            },
            (false, Some(r)) => match &r.recheck_of {
                Some(action) => format!("{} (re-check after {action})", r.outcome),
                None => r.outcome.to_string(),
            },
            (false, None) => "pending".to_string(),
        };
        let advisory = if step.advisory { " (advisory)" } else { "" };
        let head = clip(
            &format!(" {symbol} {}/{total} {kind:<6} {}{advisory}", i + 1, step.title),
            width.saturating_sub(state_word.len() + 2),
        );
        let pad = width.saturating_sub(head.chars().count() + state_word.chars().count() + 1);
        out.push(Line::from(vec![
            Span::styled(head, style),
            Span::raw(" ".repeat(pad)),
            Span::styled(state_word, style),
        ]));
        if is_current {
            // Each command of this step under way, with its live SSM status.
            let mine = guide.in_flight.iter().filter_map(|id| state.jobs.get(id)).filter(|job| {
                matches!(job.origin, JobOrigin::Runbook { .. })
                    && job.job.runbook.as_ref().is_some_and(|(_, s)| *s == step.id)
            });
            for job in mine {
                let id = job.command_id.as_deref().map(|c| format!(" ({c})")).unwrap_or_default();
                let line = format!("{indent}{}: {}{id}", job.job.action.summary(), job.progress());
                out.push(Line::from(Span::styled(clip(&line, width), theme.style(Role::Highlight))));
            }
            if let Some(w) = guide.run.waiting().filter(|w| w.step == i)
                && let Some(last) = &w.last
            {
                for e in last.iter().take(EVIDENCE) {
                    let line = format!("{indent}not yet: {e}");
                    out.push(Line::from(Span::styled(clip(&line, width), theme.style(Role::Warn))));
                }
            }
        }
        let Some(r) = latest else { continue };
        let shown = r.evidence.len().min(EVIDENCE);
        for e in &r.evidence[..shown] {
            for piece in wrap(e, text_w) {
                out.push(Line::from(format!("{indent}{piece}")));
            }
        }
        if r.evidence.len() > shown {
            let more = format!("{indent}… {} more", r.evidence.len() - shown);
            out.push(Line::from(Span::styled(more, theme.style(Role::Muted))));
        }
        let failed = matches!(r.outcome, Outcome::Fail | Outcome::Error);
        if failed
            && !is_current
            && let Some(help) = crate::runbook::advice::help_for(step, Some(&state.snapshot))
        {
            for (k, piece) in wrap(&help, text_w.saturating_sub(2)).into_iter().enumerate() {
                let lead = if k == 0 { "→ " } else { "  " };
                out.push(Line::from(Span::styled(format!("{indent}{lead}{piece}"), theme.style(Role::Warn))));
            }
        }
        if let (StepKind::Manual { .. }, true) = (&step.kind, is_current)
            && let Some(text) = crate::runbook::advice::text_for(step, Some(&state.snapshot))
        {
            for piece in wrap(&text, text_w) {
                out.push(Line::from(format!("{indent}{piece}")));
            }
        }
    }
    if current.is_none() {
        focus_line = out.len();
    }
    (out, focus_line)
}

/// The bottom lines: what the run waits for, or its verdict.
fn footer(state: &State, guide: &Guide, theme: &Theme, width: usize) -> Vec<Line<'static>> {
    let style = if guide.run.is_finished() {
        if guide.run.verdict().healthy { theme.style(Role::Ok) } else { theme.style(Role::Crit) }
    } else {
        theme.style(Role::Highlight)
    };
    wrap(&waiting(state, guide), width.saturating_sub(1))
        .into_iter()
        .map(|piece| Line::from(Span::styled(format!(" {piece}"), style)))
        .collect()
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(guide) = state.guide.as_ref() else { return };
    let rect = overlay(area, 110);
    let rb = guide.run.runbook();
    let block = Block::bordered()
        .title(Span::styled(format!(" Runbook {}: {} ", rb.id, rb.title), theme.style(Role::Title)))
        .title_bottom(Line::from(" j/k scroll · Enter answer · Esc hide (the run goes on) ").right_aligned())
        .border_style(theme.style(Role::Focus))
        .style(theme.style(Role::Popup));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let width = inner.width as usize;
    let foot = footer(state, guide, theme, width);
    let foot_h = (foot.len() as u16).min(3).min(inner.height / 2);
    let [body, rule, bottom] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(u16::from(foot_h > 0)),
        Constraint::Length(foot_h),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new("─".repeat(width)).style(theme.style(Role::Border)), rule);
    frame.render_widget(Paragraph::new(foot), bottom);
    let (lines, focus) = lines(state, guide, theme, width);
    let height = body.height as usize;
    // Keep the current step in the upper third, and the last lines (what the run waits for)
    // in view once it is near the end.
    let max_offset = lines.len().saturating_sub(height);
    let follow = focus.saturating_sub(height / 3).min(max_offset);
    let offset = follow.saturating_sub(guide.scroll_back);
    frame.render_widget(Paragraph::new(lines).scroll((offset as u16, 0)), body);
}

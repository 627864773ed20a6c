//! The bottom line: where the data comes from and how fresh it is, the READ-ONLY badge, the
//! last message or error, and key hints from the active keymap. In filter or command mode it is
//! the prompt.

use crate::app::update::key_context;
use crate::app::{JobOrigin, Mode, Popup, State};
use crate::keymap::{Action, Context, Keymap, key_label};
use crate::model::age;
use crate::source::SourceError;
use crate::theme::{Role, Theme};
use crate::ui::fit::fit;
use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Shown right-aligned when there is room, most useful first.
const HINTS: [(Action, &str); 11] = [
    (Action::Help, "help"),
    // Only on panes whose rows have a log (see `offered`).
    (Action::OpenLog, "log"),
    (Action::Runbooks, "runbooks"),
    (Action::Filter, "filter"),
    (Action::CommandPalette, "cmd"),
    (Action::Flags, "flags"),
    (Action::Detail, "detail"),
    (Action::CycleSort, "sort"),
    (Action::ZoomPane, "zoom"),
    (Action::Refresh, "refresh"),
    (Action::Quit, "quit"),
];

/// The keys of dialogs, help, the picker and the runbook view, while one is on top.
const POPUP_HINTS: [(Action, &str); 5] = [
    (Action::Confirm, "select"),
    (Action::NextChoice, "next"),
    (Action::Down, "scroll"),
    (Action::Cancel, "close"),
    (Action::Help, "help"),
];

/// The log view's keys, while it is on top.
const LOG_HINTS: [(Action, &str); 8] = [
    (Action::Filter, "search"),
    (Action::SearchNext, "next"),
    (Action::FollowLog, "follow"),
    (Action::CycleLevel, "level"),
    (Action::Back, "close"),
    (Action::ToggleWrap, "wrap"),
    (Action::SaveLog, "save"),
    (Action::Help, "help"),
];

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, keymap: &Keymap) {
    let bar = theme.style(Role::StatusBar);
    frame.render_widget(Paragraph::new("").style(bar), area);
    if state.mode != Mode::Normal {
        let prompt = match state.mode {
            Mode::Filter | Mode::Search => "/".to_string(),
            Mode::Palette | Mode::Normal => ":".to_string(),
            Mode::Declare(severity) => format!("declare {} (Tab severity, Enter, Esc): ", severity.as_str()),
            Mode::Note => "note (Enter adds it, Esc): ".to_string(),
        };
        let width = prompt.chars().count() as u16;
        let line = Line::from(vec![
            Span::styled(prompt, theme.style(Role::Input)),
            Span::styled(state.input.clone(), theme.style(Role::Input)),
        ]);
        frame.render_widget(Paragraph::new(line).style(bar), area);
        let x = area.x + width + state.input.chars().count() as u16;
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        return;
    }

    let mut left: Vec<Span> = Vec::new();
    if state.read_only {
        left.push(Span::styled(" READ-ONLY ", theme.style(Role::Badge)));
    }
    // On every screen: these figures are not a real contact center's.
    if state.simulated {
        left.push(Span::styled(" SIMULATOR ", theme.style(Role::Badge)));
    }
    // The incident this console records to, on every screen, so nobody forgets it is open.
    if let Some(inc) = &state.incident {
        let id = inc.id.as_deref().unwrap_or("incident…");
        left.push(Span::styled(format!(" {id} {} ", inc.status.as_str()), theme.style(Role::Badge)));
    }
    left.push(Span::raw(format!(" {} ", state.source_label)));
    let feed = &state.feed;
    let fresh = if !state.sources.is_empty() {
        // Several sources on their own intervals: each one's age, a failing one marked.
        let parts: Vec<String> = state
            .sources
            .iter()
            .map(|s| {
                let mark = if s.failing { "✖" } else { "" };
                let when = if s.last_ok.is_some() { age(state.now, s.last_ok) } else { "–".into() };
                format!("{mark}{} {when}", s.label)
            })
            .collect();
        format!("↻ {}", parts.join(" · "))
    } else if feed.in_flight {
        "refreshing…".to_string()
    } else if feed.last_ok.is_some() {
        format!("↻ {} ago", age(state.now, feed.last_ok))
    } else {
        "no data yet".to_string()
    };
    left.push(Span::raw(format!("{fresh} ")));
    match &feed.error {
        Some(SourceError::Throttled { operation }) => {
            left.push(Span::styled(format!("{operation} throttled "), theme.style(Role::Warn)))
        }
        Some(e) => left.push(Span::styled(format!("✖ {e} "), theme.style(Role::Crit))),
        None => {}
    }
    if !state.pending.is_empty() {
        let keys: Vec<String> = state.pending.iter().map(|k| key_label(*k)).collect();
        left.push(Span::styled(format!("{}… ", keys.join(" ")), theme.style(Role::Highlight)));
    }
    // The last thing said to the engineer before what runs: when the line is too short, the
    // progress is what gets cut (it is also in the runbook view), not the answer to a key.
    if let Some(m) = &state.message {
        let style = if m.error { theme.style(Role::Crit) } else { theme.style(Role::Highlight) };
        left.push(Span::styled(format!("{} ", m.text), style));
    }
    // Commands in flight, live: what, where, and each server's SSM status.
    // (A runbook's own are in the runbook view.)
    for job in state.jobs.values().filter(|j| j.in_flight() && !matches!(j.origin, JobOrigin::Runbook { .. }))
    {
        let text = format!("{} {}: {} ", crate::ui::runbook::spinner(state), job.summary(), job.progress());
        left.push(Span::styled(text, theme.style(Role::Highlight)));
    }
    if let Some(g) = state.guide.as_ref().filter(|g| !g.run.is_finished())
        && !state.popups.iter().any(|p| matches!(p, Popup::Runbook))
    {
        let step = g.run.current_step().map_or(0, |s| s + 1);
        let text = format!("runbook {} {step}/{} (R) ", g.run.runbook().id, g.run.runbook().steps.len());
        left.push(Span::styled(text, theme.style(Role::Highlight)));
    }
    let left = fit_spans(left, area.width as usize);
    let used: usize = left.iter().map(|s| s.width()).sum();
    frame.render_widget(Paragraph::new(Line::from(left)), area);

    let room = (area.width as usize).saturating_sub(used + 1);
    // The keys of what has the keyboard, looked up where `update` looks them up: the footer
    // never offers a key that does something else here.
    let hints = match key_context(state) {
        Context::Log => hints_in(keymap, Context::Log, &LOG_HINTS, room),
        Context::Popup => hints_in(keymap, Context::Popup, &POPUP_HINTS, room),
        _ => hints(keymap, state.pane(state.focus).rows.has_logs(), room),
    };
    let w = hints.chars().count() as u16;
    if w > 0 {
        let at = Rect { x: area.right().saturating_sub(w + 1), width: w, ..area };
        frame.render_widget(Paragraph::new(hints).style(theme.style(Role::Muted).patch(bar)), at);
    }
}

/// Spans cut to `width` columns, the one that does not fit ending in `…` (a message cut
/// without a sign reads as whole).
fn fit_spans(spans: Vec<Span<'static>>, width: usize) -> Vec<Span<'static>> {
    let mut out = Vec::with_capacity(spans.len());
    let mut used = 0;
    for s in spans {
        let w = s.width();
        if used + w <= width {
            used += w;
            out.push(s);
            continue;
        }
        let room = width.saturating_sub(used);
        if room > 0 {
            out.push(Span::styled(fit(&s.content, room), s.style));
        }
        break;
    }
    out
}

/// `? help  l log  / filter …` for the panes, as many as fit in `room` columns; `l log` only
/// where the focused pane's rows open logs.
pub fn hints(keymap: &Keymap, has_logs: bool, room: usize) -> String {
    let offered: Vec<(Action, &str)> =
        HINTS.into_iter().filter(|(a, _)| *a != Action::OpenLog || has_logs).collect();
    hints_in(keymap, Context::Table, &offered, room)
}

/// The keys `context` (else `[global]`) binds to each action, as many as fit.
fn hints_in(keymap: &Keymap, context: Context, list: &[(Action, &str)], room: usize) -> String {
    let mut out = String::new();
    for &(action, word) in list {
        let key = keymap.hint(context, action).or_else(|| keymap.hint(Context::Global, action));
        let Some(key) = key else { continue };
        let piece = format!("{key} {word}");
        let extra = if out.is_empty() { piece.chars().count() } else { piece.chars().count() + 2 };
        if out.chars().count() + extra > room {
            break;
        }
        if !out.is_empty() {
            out.push_str("  ");
        }
        out.push_str(&piece);
    }
    out
}

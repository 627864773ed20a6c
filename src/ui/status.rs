//! The bottom line: where the data comes from and how fresh it is, the READ-ONLY badge, the
//! last message or error, and key hints from the active keymap. In filter or command mode it is
//! the prompt.

use crate::app::update::key_context;
use crate::app::{JobOrigin, Mode, Popup, State};
use crate::keymap::{Action, Context, Keymap, key_label};
use crate::model::{Timestamp, age};
use crate::source::SourceError;
use crate::source::aws::budget::{Origin, QueueSource};
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
    // A replay: where it is on the recording's own clock, how fast, how many marked events
    // are behind it.
    if let Some(r) = &state.replay {
        let play = if r.status.paused { "⏸" } else { "▶" };
        let speed = r.status.speed;
        let speed = if speed.fract() == 0.0 { format!("{speed:.0}") } else { format!("{speed}") };
        let events = if r.markers.is_empty() {
            String::new()
        } else {
            format!(" ev {}/{}", r.passed(), r.markers.len())
        };
        let text = format!(
            " REPLAY {play} {}/{} ×{speed}{events} ",
            r.status.position.clock(),
            r.status.end.clock()
        );
        left.push(Span::styled(text, theme.style(Role::Badge)));
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
    let fresh = Span::raw(format!("{fresh} "));
    // Where the queue figures come from, beside the label it qualifies; the long form when it
    // fits with the sources' ages, else the short one (the first thing cut is the ages' tail).
    if let Some(qs) = &state.queue_source {
        let used: usize = left.iter().map(|s| s.width()).sum::<usize>() + fresh.width();
        let room = (area.width as usize).saturating_sub(used);
        let warn = qs.note.is_some();
        let text = [Detail::WithNote, Detail::Long]
            .into_iter()
            .map(|d| provenance(qs, state.now, d))
            .find(|t| t.chars().count() <= room)
            .unwrap_or_else(|| provenance(qs, state.now, Detail::Compact));
        let style = if warn { theme.style(Role::Warn) } else { theme.style(Role::StatusBar) };
        left.push(Span::styled(text, style));
    }
    left.push(fresh);
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

/// How much of the provenance fits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// `Q team! 6s bob@host:42` (`!`: there is a note).
    Compact,
    /// `queues: team cache, 6s old · lease bob@host:42, 8s left`.
    Long,
    /// The long form and the note (why this console polls alone, the holder's error).
    WithNote,
}

/// The queue figures' provenance for the status bar. Whatever is not known is `?`, never a
/// guess.
pub fn provenance(qs: &QueueSource, now: Timestamp, detail: Detail) -> String {
    let old = qs.taken_at.map_or_else(|| "?".to_string(), |t| age(now, Some(t)));
    // The lease's time left as this process last saw it, counted down on our clock since.
    let left = match (qs.lease_expires_in_s, qs.checked_at) {
        (Some(left), Some(checked)) => {
            let left = left - crate::source::aws::budget::age_s(checked, now);
            if left > 0.0 { format!("{}s left", left.ceil() as u64) } else { "run out".to_string() }
        }
        _ => "?".to_string(),
    };
    let holder = qs.lease_holder.as_deref().unwrap_or("?");
    let warn = qs.note.is_some();
    if detail == Detail::Compact {
        let (word, who) = match qs.origin {
            Origin::OwnPoll => ("own", String::new()),
            Origin::TeamLeader => ("lead", String::new()),
            Origin::TeamCache => ("team", format!(" {}", fit(holder, 24))),
        };
        return format!("Q {word}{} {old}{who} ", if warn { "!" } else { "" });
    }
    let (what, lease) = match qs.origin {
        Origin::OwnPoll => ("own poll", String::new()),
        Origin::TeamLeader => ("team lead", format!(" · lease ours, {left}")),
        Origin::TeamCache => ("team cache", format!(" · lease {holder}, {left}")),
    };
    // The note carries service error text: one line, whatever it holds.
    let note = match (&qs.note, detail) {
        (Some(n), Detail::WithNote) => {
            format!(" · {}", n.chars().map(|c| if c.is_control() { ' ' } else { c }).collect::<String>())
        }
        _ => String::new(),
    };
    format!("queues: {what}, {old} old{lease}{note} ")
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Msg, SourceAge, update};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    const T0: u64 = 1_700_000_000_000;

    fn team_cache() -> QueueSource {
        QueueSource {
            origin: Origin::TeamCache,
            taken_at: Some(Timestamp(T0 - 6_000)),
            age_s: Some(6.0),
            team_table: Some("switchboard-team".into()),
            lease_holder: Some("bob@wallboard-3:4242".into()),
            lease_expires_in_s: Some(8.0),
            lease_taken_at: Some(Timestamp(T0 - 600_000)),
            me: Some("amy@laptop:77".into()),
            team_connect_calls_per_s: Some(0.67),
            checked_at: Some(Timestamp(T0)),
            note: None,
        }
    }

    /// The live console's state with four sources and `qs` taken in through `update`, as the
    /// runtime sends it.
    fn live_state(qs: Option<QueueSource>, now: Timestamp, size: (u16, u16)) -> State {
        let mut s = State::new(crate::model::Thresholds::default(), 10);
        s.source_label = "aws:123456789012/us-east-1".into();
        s.sources = ["metrics", "queues", "ping", "services"]
            .iter()
            .map(|l| SourceAge { label: l.to_string(), last_ok: Some(Timestamp(T0 - 2_000)), failing: false })
            .collect();
        s.feed.last_ok = Some(Timestamp(T0 - 2_000));
        s.size = size;
        update(&mut s, Msg::QueueSource(qs.map(Box::new)), &Keymap::default());
        s.now = now;
        s
    }

    fn bar(s: &State) -> String {
        let (w, h) = s.size;
        let mut term = Terminal::new(TestBackend::new(w, h)).unwrap();
        term.draw(|f| crate::ui::draw(f, s, &Theme::plain(), &Keymap::default())).unwrap();
        let buf = term.backend().buffer().clone();
        (0..w).map(|x| buf[(x, h - 1)].symbol()).collect()
    }

    #[test]
    fn the_status_bar_says_where_the_queue_figures_come_from_at_every_width() {
        let now = Timestamp(T0 + 3_000);
        let s = live_state(Some(team_cache()), now, (200, 60));
        let wide = bar(&s);
        assert!(
            wide.contains("queues: team cache, 9s old · lease bob@wallboard-3:4242, 5s left"),
            "the age and the lease count on from when they were read: {wide}"
        );
        assert!(wide.contains("↻ metrics 5s · queues 5s · ping 5s · services 5s"), "{wide}");
        for size in [(120, 36), (80, 24)] {
            let narrow = bar(&live_state(Some(team_cache()), now, size));
            assert!(narrow.contains("Q team 9s bob@wallboard-3:4242"), "{size:?}: {narrow}");
            assert!(narrow.starts_with(" aws:123456789012/us-east-1 Q team"), "{size:?}: {narrow}");
        }
        // No provenance (the simulator, no Connect instance): nothing is claimed.
        let none = bar(&live_state(None, now, (200, 60)));
        assert!(!none.contains("queues:") && !none.contains(" Q "), "{none}");
    }

    #[test]
    fn own_poll_lead_and_the_unknown_are_told_apart() {
        let now = Timestamp(T0 + 3_000);
        let at = |qs: QueueSource, d| provenance(&qs, now, d);
        let own = QueueSource::own_poll(Some(Timestamp(T0 - 1_000)), Timestamp(T0));
        assert_eq!(at(own.clone(), Detail::Long), "queues: own poll, 4s old ");
        assert_eq!(at(own, Detail::Compact), "Q own 4s ");
        let lead = QueueSource {
            origin: Origin::TeamLeader,
            lease_holder: Some("amy@laptop:77".into()),
            ..team_cache()
        };
        assert_eq!(at(lead.clone(), Detail::Long), "queues: team lead, 9s old · lease ours, 5s left ");
        assert_eq!(at(lead, Detail::Compact), "Q lead 9s ");
        // Nothing known: question marks, not zeros or a made-up holder.
        let unknown =
            QueueSource { taken_at: None, lease_holder: None, lease_expires_in_s: None, ..team_cache() };
        assert_eq!(at(unknown.clone(), Detail::Long), "queues: team cache, ? old · lease ?, ? ");
        assert_eq!(at(unknown, Detail::Compact), "Q team ? ? ");
        // A lease seen running out, and one that already had.
        let later = Timestamp(T0 + 9_000);
        assert!(
            provenance(&team_cache(), later, Detail::Long).contains("lease bob@wallboard-3:4242, run out")
        );
        // Polling alone although a team table is configured: said, with why, on one line.
        let alone = QueueSource {
            origin: Origin::OwnPoll,
            lease_holder: None,
            note: Some("team table switchboard-team unreadable (GetItem: throttled)\n: polling alone".into()),
            ..team_cache()
        };
        assert_eq!(
            at(alone.clone(), Detail::WithNote),
            "queues: own poll, 9s old · team table switchboard-team unreadable (GetItem: throttled) : polling alone "
        );
        assert_eq!(at(alone.clone(), Detail::Compact), "Q own! 9s ");
        let s = live_state(Some(alone), now, (200, 60));
        assert!(bar(&s).contains("own poll, 9s old · team table switchboard-team unreadable"), "{}", bar(&s));
    }
}

//! `I` with an incident open: its id, severity, status and title, and the timeline this
//! console wrote for it (newest last, in view from the start), with the keys that act on it.

use crate::app::geometry::overlay;
use crate::app::{Popup, State};
use crate::incident::{Clock, EventKind, Status};
use crate::theme::{Role, Theme};
use crate::ui::wrap::clip;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(inc) = &state.incident else { return };
    let scroll = match state.popups.last() {
        Some(Popup::Incident { scroll }) => *scroll,
        _ => 0,
    };
    let rect = overlay(area, 120);
    let id = inc.id.as_deref().unwrap_or("(being created)");
    let title = format!(" {id} · {} · {} ", inc.severity.as_str(), inc.status.as_str());
    let status_style = match inc.status {
        Status::Open => theme.style(Role::Crit),
        Status::Mitigated => theme.style(Role::Warn),
        Status::Resolved => theme.style(Role::Ok),
    };
    // Short enough beside the hidden-events count on an 80-column screen.
    let keys = if rect.width >= 110 {
        " n note · m mitigated · :resolve · :export md|json|html · Esc close "
    } else {
        " n note · m mitigated · :resolve · :export md · Esc "
    };
    // What the window leaves out, said on the border: `scroll` counts lines back from the
    // newest event (shown last), under the title line.
    let height = (Block::bordered().inner(rect).height as usize).saturating_sub(1);
    let first = inc.timeline.len().saturating_sub(height).saturating_sub(scroll);
    let newer = inc.timeline.len().saturating_sub(first + height);
    let hidden = match (first, newer) {
        (0, 0) => String::new(),
        (0, n) => format!(" +{n} newer ↓ "),
        (o, 0) => format!(" +{o} earlier ↑ "),
        (o, n) => format!(" +{o} ↑ +{n} ↓ "),
    };
    let block = Block::bordered()
        .title(Span::styled(title, status_style))
        .title_bottom(Line::from(hidden).left_aligned())
        .title_bottom(Line::from(keys).right_aligned())
        .border_style(theme.style(Role::Focus))
        .style(theme.style(Role::Popup));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let width = inner.width as usize;
    let mut lines: Vec<Line> =
        vec![Line::from(Span::styled(clip(&format!(" {}", inc.title), width), theme.style(Role::Title)))];
    if inc.timeline.is_empty() {
        lines.push(Line::from(Span::styled(" nothing on the timeline yet", theme.style(Role::Muted))));
    }
    for e in inc.timeline.iter().skip(first).take(height) {
        let style = match &e.kind {
            EventKind::AlertRaised { .. } | EventKind::NotificationFailed { .. } => theme.style(Role::Crit),
            EventKind::AlertCleared { .. } => theme.style(Role::Ok),
            EventKind::Declared { .. }
            | EventKind::Edited { .. }
            | EventKind::StatusChanged { .. }
            | EventKind::Note { .. }
            | EventKind::RunStarted { .. }
            | EventKind::RunFinished { .. }
            | EventKind::Step { .. }
            | EventKind::Command { .. }
            | EventKind::NotificationQueued { .. }
            | EventKind::NotificationSent { .. }
            | EventKind::Attached { .. } => theme.style(Role::Text),
        };
        // The demo's events are on the simulator's clock: say so beside the time.
        let clock = match e.clock {
            Clock::Wall => " wall",
            Clock::Simulated => " sim ",
        };
        let text = format!(" {}{clock}  {:<12} {}", e.at.clock(), clip(&e.who, 12), e.kind.describe());
        lines.push(Line::from(Span::styled(clip(&text, width), style)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

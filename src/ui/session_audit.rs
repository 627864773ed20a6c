//! `:audit`: what this session wrote to the audit log, newest last (in view from the start),
//! with the file it is in.

use crate::app::geometry::overlay;
use crate::app::{Popup, State};
use crate::theme::{Role, Theme};
use crate::ui::wrap::clip;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let scroll = match state.popups.last() {
        Some(Popup::Audit { scroll }) => *scroll,
        _ => 0,
    };
    let rect = overlay(area, 120);
    let where_ = match &state.audit_path {
        Ok(p) => p.clone(),
        Err(e) => format!("none: {e}"),
    };
    let mut block = Block::bordered()
        .title(Span::styled(" Actions this session ", theme.style(Role::Title)))
        .title_bottom(Line::from(format!(" {where_} ")).right_aligned())
        .border_style(theme.style(Role::Focus))
        .style(theme.style(Role::Popup));
    // `scroll` counts lines back from the newest record, which is shown last.
    let height = rect.height.saturating_sub(2) as usize;
    let total = state.audit_records.len();
    let first = total.saturating_sub(height).saturating_sub(scroll);
    let shown = total.saturating_sub(first).min(height);
    // The records the window leaves out, in the words every scrolled list uses.
    if let Some(hidden) =
        crate::ui::pane_frame::hidden_label(state.audit_dropped + first, total - first - shown)
    {
        block =
            block.title_bottom(Line::from(Span::styled(hidden, theme.style(Role::Highlight))).left_aligned());
    }
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let width = inner.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    if state.audit_records.is_empty() {
        lines.push(Line::from(Span::styled(" nothing recorded yet", theme.style(Role::Muted))));
    }
    for r in state.audit_records.iter().skip(first).take(height) {
        let targets: Vec<&str> = r.targets.iter().map(|t| t.server.as_str()).collect();
        let style = match r.status.as_str() {
            "Success" => theme.style(Role::Ok),
            "refused" | "declined" => theme.style(Role::Warn),
            "Failed" | "TimedOut" | "Cancelled" | "send_failed" | "status_unknown" => theme.style(Role::Crit),
            _ => theme.style(Role::Text),
        };
        let mut text =
            format!(" {}  {:<10} {}  {}", r.time.clock(), r.status, r.action.summary, targets.join(","));
        if let Some(id) = &r.command_id {
            text.push_str(&format!("  {id}"));
        }
        if let (Some(rb), Some(step)) = (&r.runbook, &r.step) {
            text.push_str(&format!("  [{rb}/{step}]"));
        }
        lines.push(Line::from(Span::styled(clip(&text, width), style)));
    }
    frame.render_widget(Paragraph::new(lines), inner);
}

//! `?`: every binding of the active keymap, by context, as the keymap spells it, so the help
//! is right however keys were remapped.

use crate::app::command::COMMANDS;
use crate::app::geometry::overlay;
use crate::app::help::{line_count, sections};
use crate::app::{Popup, State};
use crate::keymap::{Action, Context, Keymap};
use crate::theme::{Role, Theme};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

fn lines(keymap: &Keymap, theme: &Theme) -> Vec<Line<'static>> {
    let sections = sections(keymap);
    let key_width = sections.iter().flat_map(|(_, es)| es).map(|e| e.keys.chars().count()).max().unwrap_or(0);
    let mut out = Vec::new();
    for (context, entries) in sections {
        out.push(Line::from(Span::styled(context.name().to_string(), theme.style(Role::Header))));
        for e in entries {
            out.push(Line::from(vec![
                Span::styled(format!("  {:<key_width$}  ", e.keys), theme.style(Role::Highlight)),
                Span::raw(e.description),
            ]));
        }
        out.push(Line::from(""));
    }
    out.push(Line::from(Span::styled("commands", theme.style(Role::Header))));
    out.push(Line::from(format!("  {COMMANDS}")));
    out
}

/// ` j scroll · Esc close `, from whatever keys the keymap uses.
fn footer(keymap: &Keymap) -> String {
    let key = |a: Action| keymap.hint(Context::Popup, a).or_else(|| keymap.hint(Context::Global, a));
    let mut parts = Vec::new();
    if let Some(k) = key(Action::Down) {
        parts.push(format!("{k} scroll"));
    }
    if let Some(k) = key(Action::Back).or_else(|| key(Action::Help)) {
        parts.push(format!("{k} close"));
    }
    format!(" {} ", parts.join(" · "))
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme, keymap: &Keymap) {
    let scroll = match state.popups.last() {
        Some(Popup::Help { scroll }) => *scroll,
        _ => 0,
    };
    let rect = overlay(area, 90);
    let title = format!(" Help: keymap {} ", keymap.name);
    let block = Block::bordered()
        .title(Span::styled(title, theme.style(Role::Title)))
        .title_bottom(Line::from(footer(keymap)).right_aligned())
        .border_style(theme.style(Role::Focus))
        .style(theme.style(Role::Popup));
    frame.render_widget(Clear, rect);
    let max_scroll = line_count(keymap).saturating_sub(rect.height.saturating_sub(2) as usize);
    let scroll = scroll.min(max_scroll) as u16;
    frame.render_widget(Paragraph::new(lines(keymap, theme)).block(block).scroll((scroll, 0)), rect);
}

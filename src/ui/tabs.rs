//! The top line: every pane's title with its health mark, the focused one highlighted, so the
//! whole system's state is readable even when one pane fills the screen.

use crate::app::{Pane, State};
use crate::theme::{Role, Theme};
use crate::ui::cells::level_style;
use crate::ui::pane_frame::pane_level;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

const GAP: u16 = 2;

/// Each tab's pane, label and starting column; labels that do not fit are shortened (the
/// alerts count goes first), so all six section titles stay visible at 80 columns.
pub fn tabs(state: &State, width: u16) -> Vec<(Pane, String, u16)> {
    let label = |p: Pane, with_count: bool| {
        let sym = pane_level(state, p).symbol();
        match p {
            Pane::Alerts if with_count => format!("{sym} {} {}", p.title(), state.alerts.len()),
            _ => format!("{sym} {}", p.title()),
        }
    };
    let place = |with_count: bool| {
        let mut x = 1u16;
        let mut out = Vec::new();
        for p in Pane::ALL {
            let l = label(p, with_count);
            let w = l.chars().count() as u16;
            out.push((p, l, x));
            x += w + GAP;
        }
        (out, x.saturating_sub(GAP))
    };
    let (full, end) = place(true);
    if end <= width { full } else { place(false).0 }
}

/// The pane whose tab is at column `x`.
pub fn tab_at(state: &State, width: u16, x: u16) -> Option<Pane> {
    tabs(state, width)
        .into_iter()
        .find(|(_, l, start)| x >= *start && x < start + l.chars().count() as u16)
        .map(|(p, _, _)| p)
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (i, (pane, label, _)) in tabs(state, area.width).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" ".repeat(GAP as usize)));
        }
        let level = pane_level(state, pane);
        let style = if pane == state.focus { theme.style(Role::Highlight) } else { theme.style(Role::Text) };
        // The mark keeps its level colour; the title carries the focus highlight.
        let (sym, rest) = label.split_at(level.symbol().len());
        spans.push(Span::styled(sym.to_string(), level_style(theme, level).patch(style)));
        spans.push(Span::styled(rest.to_string(), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

//! The top line: every pane's title with its health mark, the focused one highlighted, so the
//! whole system's state is readable even when one pane fills the screen. Where each tab goes
//! is `app::geometry::tabs` (mouse clicks use the same).

use crate::app::State;
use crate::app::geometry::{TAB_GAP, tabs};
use crate::theme::{Role, Theme};
use crate::ui::cells::level_style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = vec![Span::raw(" ")];
    for (i, (pane, label, _)) in tabs(state, area.width).into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::raw(" ".repeat(TAB_GAP as usize)));
        }
        let level = state.pane_level(pane);
        let style = if pane == state.focus { theme.style(Role::Highlight) } else { theme.style(Role::Text) };
        // The mark keeps its level colour; the title carries the focus highlight.
        let (sym, rest) = label.split_at(level.symbol().len());
        spans.push(Span::styled(sym.to_string(), level_style(theme, level).patch(style)));
        spans.push(Span::styled(rest.to_string(), style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

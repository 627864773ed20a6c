//! The top line: every pane's title with its health mark, the focused one highlighted, so the
//! whole system's state is readable even when one pane fills the screen. Where each tab goes
//! is `app::geometry::tabs` (mouse clicks use the same).

use crate::app::State;
use crate::app::geometry::tabs;
use crate::theme::{Role, Theme};
use crate::ui::cells::level_style;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let mut spans = Vec::new();
    let mut x = 0u16;
    for tab in tabs(state, area.width) {
        spans.push(Span::raw(" ".repeat(tab.x.saturating_sub(x) as usize)));
        x = tab.x + tab.label.chars().count() as u16;
        let level_style = level_style(theme, tab.level);
        match tab.pane() {
            Some(pane) => {
                let style =
                    if pane == state.focus { theme.style(Role::Highlight) } else { theme.style(Role::Text) };
                // The mark keeps its level colour; the title carries the focus highlight.
                let (sym, rest) = tab.label.split_at(tab.level.symbol().len());
                spans.push(Span::styled(sym.to_string(), level_style.patch(style)));
                spans.push(Span::styled(rest.to_string(), style));
            }
            // A marker for panes off screen: in the colour of the worst of them.
            None => spans.push(Span::styled(tab.label, level_style)),
        }
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

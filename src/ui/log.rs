//! The open log, full screen between the tab bar and the status line: at 80x24 every column
//! counts, and the status line below stays for the search prompt and messages.

use crate::app::State;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;

/// Where the log view goes on a screen of `area`.
pub fn rect(area: Rect) -> Rect {
    Rect { y: area.y + 1, height: area.height.saturating_sub(2), ..area }
}

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let Some(session) = &state.log else { return };
    let rect = rect(area);
    frame.render_widget(Clear, rect);
    session.view.render(frame, rect, theme);
}

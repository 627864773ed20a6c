//! The open log, full screen between the tab bar and the status line: at 80x24 every column
//! counts, and the status line below stays for the search prompt and messages.

use crate::app::LogSession;
use crate::app::geometry::log_rect;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::widgets::Clear;

pub fn draw(frame: &mut Frame, area: Rect, session: &LogSession, theme: &Theme) {
    let rect = log_rect(area);
    frame.render_widget(Clear, rect);
    session.view.render(frame, rect, theme);
}

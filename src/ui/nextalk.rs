//! The failover view (NexTalk): the declared table of servers and their services
//! (`app::panes::nextalk`) over one line saying whether one server could carry both.

use crate::app::State;
use crate::app::panes::PaneId;
use crate::model::{Level, MetricId};
use crate::theme::{Role, Theme};
use crate::ui::cells::{level_style, mark_span};
use crate::ui::pane_frame;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn draw(frame: &mut Frame, pane: PaneId, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, pane, rect, state, theme);
    pane_frame::table(frame, state, pane, &body, theme);
    frame.render_widget(Paragraph::new(failover_line(state, theme, body.bottom.width)), body.bottom);
}

/// "Can one server carry both?" in one line, marked like every other figure, worded to fit.
pub fn failover_line(state: &State, theme: &Theme, width: u16) -> Line<'static> {
    let servers = &state.snapshot.nextalk.servers;
    let Some(f) = state.snapshot.nextalk.failover() else {
        let (level, text) = match servers.len() {
            0 => (Level::Unknown, " Failover: no server".to_string()),
            1 => (Level::Crit, " Failover: no second server".to_string()),
            _ => {
                let unknown: Vec<&str> =
                    servers.iter().filter(|s| s.ports_in_use.is_none()).map(|s| s.name.as_str()).collect();
                (Level::Unknown, format!(" Failover: unknown (ports unknown on {})", unknown.join(", ")))
            }
        };
        return Line::from(vec![mark_span(theme, level), Span::styled(text, level_style(theme, level))]);
    };
    let level = state.thresholds.level(MetricId::FailoverLoad, f.load_pct);
    let load = if f.load_pct.is_finite() { MetricId::FailoverLoad.format(f.load_pct) } else { "∞".into() };
    let ports = format!("{}/{} ports", f.ports_in_use_total, f.survivor_capacity);
    let long = if f.load_pct <= 100.0 {
        format!(" Failover: one server would carry both at {load} ({ports})")
    } else {
        format!(" Failover: one server cannot carry both: {load} ({ports})")
    };
    let text = if long.chars().count() < width as usize {
        long
    } else {
        format!(" Failover: {load} on one ({ports})")
    };
    let style = if level == Level::Ok { theme.style(Role::Text) } else { level_style(theme, level) };
    Line::from(vec![mark_span(theme, level), Span::styled(text, style)])
}

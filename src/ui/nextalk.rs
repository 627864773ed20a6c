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
    let Some(f) = state.snapshot.nextalk.failover() else {
        let level = if state.snapshot.nextalk.servers.is_empty() { Level::Unknown } else { Level::Crit };
        return Line::from(vec![
            mark_span(theme, level),
            Span::styled(" Failover: no second server", level_style(theme, level)),
        ]);
    };
    let (Some(load_pct), Some(total)) = (f.load_pct, f.ports_in_use_total) else {
        // A server's ports are not known: nobody can say whether one would carry both.
        let unknown: Vec<&str> = state
            .snapshot
            .nextalk
            .servers
            .iter()
            .filter(|s| s.ports_in_use.is_none())
            .map(|s| s.name.as_str())
            .collect();
        let text = format!(" Failover: unknown (no ports figure for {})", unknown.join(", "));
        return Line::from(vec![
            mark_span(theme, Level::Unknown),
            Span::styled(text, level_style(theme, Level::Unknown)),
        ]);
    };
    let level = state.thresholds.level(MetricId::FailoverLoad, load_pct);
    let load = if load_pct.is_finite() { MetricId::FailoverLoad.format(load_pct) } else { "∞".into() };
    let ports = format!("{total}/{} ports", f.survivor_capacity);
    let long = if load_pct <= 100.0 {
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

//! NexTalk: ports per server, each Windows service's state, SSM reachability, and whether one
//! server could carry both (failover headroom).

use crate::app::{Pane, State};
use crate::model::age;
use crate::model::assess::{ping_health, service_health};
use crate::model::{Level, MetricId, Section};
use crate::theme::{Role, Theme};
use crate::ui::cells::{bar, figure, level_style, mark, mark_span};
use crate::ui::pane_frame::{self, Column, name_column, selected_in_slice, visible};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph};

const BAR: usize = 6;

pub fn draw(frame: &mut Frame, rect: Rect, state: &State, theme: &Theme) {
    let body = pane_frame::draw(frame, Pane::NexTalk, rect, state, theme);
    let (first, count) = visible(state, Pane::NexTalk, &body);
    let t = &state.thresholds;
    let servers = &state.snapshot.nextalk.servers;
    let rows = state.table(Pane::NexTalk).rows[first..first + count]
        .iter()
        .filter_map(|r| {
            let srv = servers.get(r.item)?;
            Some(match r.sub {
                None => {
                    let level = state.assessment.row(Section::NexTalk, &srv.name).level;
                    let pct = srv.port_pct();
                    let port_level = t.level(MetricId::PortUtilisation, pct);
                    let ping = ping_health(srv.ssm_ping);
                    vec![
                        mark(theme, level),
                        Cell::from(srv.name.clone()).style(theme.style(Role::Title)),
                        figure(theme, format!("{}/{}", srv.ports_in_use, srv.ports_capacity), port_level),
                        figure(
                            theme,
                            format!("{} {}", bar(pct, BAR), MetricId::PortUtilisation.format(pct)),
                            port_level,
                        ),
                        figure(theme, srv.ssm_ping.short().to_string(), ping.level),
                        Cell::from(age(state.now, srv.last_seen)),
                    ]
                }
                Some(i) => {
                    let svc = srv.services.get(i)?;
                    let health = service_health(&svc.name, svc.status);
                    vec![
                        mark(theme, health.level),
                        Cell::from(format!("  {}", short_service_name(&svc.name))),
                        Cell::from(""),
                        figure(theme, svc.status.as_str().to_string(), health.level),
                        Cell::from(""),
                        Cell::from(""),
                    ]
                }
            })
        })
        .collect();
    let wide = body.rows.width >= 60;
    let columns = [
        Column::new("", Constraint::Length(1)),
        name_column(state, Pane::NexTalk, first, count, "Server / service"),
        Column::new("Ports", Constraint::Length(5)),
        Column::new("Load/state", Constraint::Length(BAR as u16 + 5)),
        Column::new("SSM", Constraint::Length(8)),
        Column::new("Seen", Constraint::Length(5)).when(wide),
    ];
    let selected = selected_in_slice(state, Pane::NexTalk, first, count);
    pane_frame::table(frame, &body, &columns, rows, selected, theme);
    frame.render_widget(Paragraph::new(failover_line(state, theme, body.bottom.width)), body.bottom);
}

/// Inside the NexTalk pane the product name adds nothing: `Chat Bridge` reads faster than
/// `NexTalk Chat Bridge`. The detail view and alerts keep the full service name.
pub fn short_service_name(name: &str) -> &str {
    name.strip_prefix("NexTalk ").filter(|rest| !rest.is_empty()).unwrap_or(name)
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

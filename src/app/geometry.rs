//! Where everything goes for a given terminal size and state: which pane is where, which of
//! its rows fit, where each tab starts. Pure geometry (ratatui's `layout` module only: plain
//! rectangles and its constraint solver, nothing that draws), owned by `app` so `update`
//! (paging, mouse hits, scroll limits) and `ui` (drawing) agree without `app` knowing `ui`.

use crate::app::pane::Pane;
use crate::app::state::State;
use ratatui::layout::{Constraint, Layout, Margin, Rect};

/// From this size up, all six panes and the alerts pane are shown at once.
pub const GRID_MIN_WIDTH: u16 = 160;
pub const GRID_MIN_HEIGHT: u16 = 48;
/// From this size up (a 120x40 window, a laptop half-screen), the six panes are shown two
/// by three under the alerts strip: a pane narrower than ~50 columns or shorter than ~8 lines
/// stops being readable, so below this it is one pane at a time.
pub const MEDIUM_MIN_WIDTH: u16 = 110;
pub const MEDIUM_MIN_HEIGHT: u16 = 34;
/// Alerts listed in the strip above a single pane (compact layout).
const STRIP_ALERTS: usize = 3;
/// Alerts listed in the alerts pane of the grid before it scrolls.
const GRID_ALERTS: usize = 6;

pub fn area(size: (u16, u16)) -> Rect {
    Rect::new(0, 0, size.0, size.1)
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Screen {
    pub tabs: Rect,
    /// The short alerts summary above a single pane (not itself a pane).
    pub strip: Option<Rect>,
    /// The panes on screen and where.
    pub panes: Vec<(Pane, Rect)>,
    pub status: Rect,
    pub grid: bool,
}

impl Screen {
    pub fn pane_rect(&self, pane: Pane) -> Option<Rect> {
        self.panes.iter().find(|(p, _)| *p == pane).map(|(_, r)| *r)
    }
}

pub fn is_grid(area: Rect) -> bool {
    area.width >= GRID_MIN_WIDTH && area.height >= GRID_MIN_HEIGHT
}

pub fn is_medium(area: Rect) -> bool {
    !is_grid(area) && area.width >= MEDIUM_MIN_WIDTH && area.height >= MEDIUM_MIN_HEIGHT
}

pub fn screen(area: Rect, state: &State) -> Screen {
    let [tabs, middle, status] =
        Layout::vertical([Constraint::Length(1), Constraint::Fill(1), Constraint::Length(1)]).areas(area);
    let medium = is_medium(area);
    let grid = is_grid(area) || medium;
    let alerts = state.alerts.len().max(1);
    let single = |strip: bool| {
        if !strip || state.focus == Pane::Alerts {
            return (None, vec![(state.focus, middle)]);
        }
        let h = 1 + alerts.min(STRIP_ALERTS) as u16;
        let [strip, main] = Layout::vertical([Constraint::Length(h), Constraint::Fill(1)]).areas(middle);
        (Some(strip), vec![(state.focus, main)])
    };
    let (strip, panes) = if !grid {
        // Zoom gives the strip's lines to the pane as well.
        single(!state.zoom)
    } else if state.zoom || (medium && state.focus == Pane::Alerts) {
        single(true)
    } else if medium {
        let h = 1 + alerts.min(STRIP_ALERTS) as u16;
        let [strip, grid_area] = Layout::vertical([Constraint::Length(h), Constraint::Fill(1)]).areas(middle);
        let rows: [Rect; 3] = Layout::vertical([Constraint::Fill(1); 3]).areas(grid_area);
        let cols = [Constraint::Percentage(55), Constraint::Percentage(45)];
        let [q, c] = Layout::horizontal(cols).areas(rows[0]);
        let [n, l] = Layout::horizontal(cols).areas(rows[1]);
        let [k, d] = Layout::horizontal(cols).areas(rows[2]);
        (Some(strip), six_panes([q, c, n, l, k, d]))
    } else {
        // Border, header row, then up to GRID_ALERTS alerts.
        let h = 3 + alerts.min(GRID_ALERTS) as u16;
        let [alerts_box, grid_area] =
            Layout::vertical([Constraint::Length(h), Constraint::Fill(1)]).areas(middle);
        let [top, bottom] = Layout::vertical([Constraint::Fill(1); 2]).areas(grid_area);
        let cols = [Constraint::Percentage(40), Constraint::Percentage(30), Constraint::Percentage(30)];
        let [q, c, n] = Layout::horizontal(cols).areas(top);
        let [l, k, d] = Layout::horizontal(cols).areas(bottom);
        let mut panes = vec![(Pane::Alerts, alerts_box)];
        panes.extend(six_panes([q, c, n, l, k, d]));
        (None, panes)
    };
    Screen { tabs, strip, panes, status, grid }
}

/// The six data panes in reading order (mouse hit-testing and drawing share it).
fn six_panes(areas: [Rect; 6]) -> Vec<(Pane, Rect)> {
    let order = [Pane::Queues, Pane::Connect, Pane::NexTalk, Pane::Lambda, Pane::Kinesis, Pane::DynamoDb];
    order.into_iter().zip(areas).collect()
}

/// The parts of a pane inside its border.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Body {
    /// One line saying the section's data is stale and why (zero height when fresh).
    pub notice: Rect,
    /// Gauges above the table (Connect).
    pub top: Rect,
    pub header: Rect,
    /// The table's rows: exactly as many lines as rows are drawn.
    pub rows: Rect,
    /// A summary line under the table (NexTalk failover).
    pub bottom: Rect,
}

pub fn body(pane: Pane, rect: Rect, state: &State) -> Body {
    let inner = rect.inner(Margin::new(1, 1));
    let stale = pane.section().is_some_and(|s| {
        let st = state.section_status(s);
        st.error.is_some() || st.last_good.is_none()
    });
    let notice = u16::from(stale);
    let top = if pane == Pane::Connect { 2 } else { 0 };
    let bottom = if pane == Pane::NexTalk { 1 } else { 0 };
    let [notice, top, header, rows, bottom] = Layout::vertical([
        Constraint::Length(notice),
        Constraint::Length(top),
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(bottom),
    ])
    .areas(inner);
    Body { notice, top, header, rows, bottom }
}

/// Columns between two tabs.
pub const TAB_GAP: u16 = 2;

/// Each tab's pane, label and starting column; labels that do not fit are shortened (the
/// alerts count goes first), so all six section titles stay visible at 80 columns.
pub fn tabs(state: &State, width: u16) -> Vec<(Pane, String, u16)> {
    let label = |p: Pane, with_count: bool| {
        let sym = state.pane_level(p).symbol();
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
            x += w + TAB_GAP;
        }
        (out, x.saturating_sub(TAB_GAP))
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

/// Where the log view goes on a screen of `area`: full width between the tab bar and the
/// status line.
pub fn log_rect(area: Rect) -> Rect {
    Rect { y: area.y + 1, height: area.height.saturating_sub(2), ..area }
}

/// Lines of log text the log view shows at this terminal size (its page for PageUp/PageDown).
pub fn log_page(size: (u16, u16)) -> usize {
    crate::logview::body_height(log_rect(area(size)).height)
}

/// Where an overlay goes: between the tab bar and the status line (both stay readable), the
/// full width unless the screen is much wider than `max_w` columns.
pub fn overlay(area: Rect, max_w: u16) -> Rect {
    let middle = Rect { y: area.y + 1, height: area.height.saturating_sub(2), ..area };
    // A box with a sliver of panes showing beside it only looks broken: go full width then.
    if area.width < max_w + 20 { middle } else { centered(middle, max_w, middle.height) }
}

/// A box of at most `w` x `h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

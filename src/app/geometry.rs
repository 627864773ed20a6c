//! Where everything goes for a given terminal size and state: which pane is where, which of
//! its rows fit, where each tab starts. Pure geometry (ratatui's `layout` module only: plain
//! rectangles and its constraint solver, nothing that draws), owned by `app` so `update`
//! (paging, mouse hits, scroll limits) and `ui` (drawing) agree without `app` knowing `ui`.

use crate::app::panes::{PaneId, View};
use crate::app::state::State;
use crate::model::Level;
use ratatui::layout::{Constraint, Layout, Margin, Rect};

/// From this size up, every pane is shown at once: the alerts across the top, the others
/// three to a row under it.
pub const GRID_MIN_WIDTH: u16 = 160;
pub const GRID_MIN_HEIGHT: u16 = 48;
/// From this size up (a 120x40 window, a laptop half-screen), the panes are shown two to a
/// row under the alerts strip (the six built-in ones two by three): a pane narrower than ~50 columns or shorter than ~8 lines
/// stops being readable, so below this it is one pane at a time.
pub const MEDIUM_MIN_WIDTH: u16 = 110;
pub const MEDIUM_MIN_HEIGHT: u16 = 34;
/// Panes the medium grid shows at once (three rows of two): with the presets and config
/// panes there are a dozen and more, and a pane shorter than about seven lines shows no rows;
/// the page that holds the focused pane is shown, Tab walks through them all.
pub const MEDIUM_PAGE: usize = 6;
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
    pub panes: Vec<(PaneId, Rect)>,
    pub status: Rect,
    pub grid: bool,
}

impl Screen {
    pub fn pane_rect(&self, pane: PaneId) -> Option<Rect> {
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
    let alerts_pane = state.alerts_pane();
    let focus_is_alerts = alerts_pane == Some(state.focus);
    let single = |strip: bool| {
        if !strip || focus_is_alerts {
            return (None, vec![(state.focus, middle)]);
        }
        let h = 1 + alerts.min(STRIP_ALERTS) as u16;
        let [strip, main] = Layout::vertical([Constraint::Length(h), Constraint::Fill(1)]).areas(middle);
        (Some(strip), vec![(state.focus, main)])
    };
    let (strip, panes) = if !grid {
        // Zoom gives the strip's lines to the pane as well.
        single(!state.zoom)
    } else if state.zoom || (medium && focus_is_alerts) {
        single(true)
    } else if medium {
        let h = 1 + alerts.min(STRIP_ALERTS) as u16;
        let [strip, grid_area] = Layout::vertical([Constraint::Length(h), Constraint::Fill(1)]).areas(middle);
        let cols = [Constraint::Percentage(55), Constraint::Percentage(45)];
        (Some(strip), place_grid(state, &medium_page(state), grid_area, &cols))
    } else {
        let mut panes = Vec::new();
        let grid_area = match alerts_pane {
            Some(pane) => {
                // Border, header row, then up to GRID_ALERTS alerts.
                let h = 3 + alerts.min(GRID_ALERTS) as u16;
                let [alerts_box, grid_area] =
                    Layout::vertical([Constraint::Length(h), Constraint::Fill(1)]).areas(middle);
                panes.push((pane, alerts_box));
                grid_area
            }
            None => middle,
        };
        let cols = [Constraint::Percentage(40), Constraint::Percentage(30), Constraint::Percentage(30)];
        panes.extend(place_grid(state, &grid_panes(state), grid_area, &cols));
        (None, panes)
    };
    Screen { tabs, strip, panes, status, grid }
}

/// The panes of the grids (all but the alerts list) in reading order: by `grid_rank`, then
/// focus order. Mouse hit-testing and drawing share it.
pub fn grid_panes(state: &State) -> Vec<PaneId> {
    let mut panes: Vec<PaneId> = state.pane_ids().filter(|p| state.pane(*p).view != View::Alerts).collect();
    panes.sort_by_key(|p| (state.pane(*p).grid_rank, *p));
    panes
}

/// The medium grid's page: the [`MEDIUM_PAGE`] grid panes that hold the focused one (the
/// first page when the focus is not in the grid).
pub fn medium_page(state: &State) -> Vec<PaneId> {
    let all = grid_panes(state);
    let page = all.iter().position(|p| *p == state.focus).map_or(0, |i| i / MEDIUM_PAGE);
    all.chunks(MEDIUM_PAGE).nth(page).map(<[PaneId]>::to_vec).unwrap_or_default()
}

/// Lines a pane would use to show all its rows: border, header, the rows, and a line for a
/// gauge, summary or notice. Rows of the grid share the height in proportion to it, so a
/// preset with two rows does not take the lines twelve queues need.
fn wanted_lines(state: &State, pane: PaneId) -> u16 {
    let rows = u16::try_from(state.table(pane).rows.len()).unwrap_or(u16::MAX);
    rows.saturating_add(4).clamp(5, 40)
}

/// `panes` in rows of `cols.len()`, left to right, each row a share of `area`'s height in
/// proportion to what its tallest pane wants; a last row with fewer panes shares its width
/// evenly among them.
fn place_grid(state: &State, panes: &[PaneId], area: Rect, cols: &[Constraint]) -> Vec<(PaneId, Rect)> {
    if panes.is_empty() || cols.is_empty() {
        return Vec::new();
    }
    let rows = panes.chunks(cols.len());
    let weights: Vec<Constraint> = panes
        .chunks(cols.len())
        .map(|row| Constraint::Fill(row.iter().map(|p| wanted_lines(state, *p)).max().unwrap_or(5)))
        .collect();
    let heights = Layout::vertical(weights).split(area);
    let mut out = Vec::with_capacity(panes.len());
    for (row, rect) in rows.zip(heights.iter()) {
        let widths =
            if row.len() == cols.len() { cols.to_vec() } else { vec![Constraint::Fill(1); row.len()] };
        let cells = Layout::horizontal(widths).split(*rect);
        out.extend(row.iter().copied().zip(cells.iter().copied()));
    }
    out
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

pub fn body(pane: PaneId, rect: Rect, state: &State) -> Body {
    let inner = rect.inner(Margin::new(1, 1));
    let spec = state.pane(pane);
    let stale = spec.section.is_some_and(|s| {
        let st = state.section_status(s);
        st.error.is_some() || st.last_good.is_none()
    });
    let notice = u16::from(stale);
    let top = spec.view.lines_above();
    let bottom = spec.view.lines_below();
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

/// One entry of the tab bar, starting at column `x`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tab {
    pub label: String,
    pub x: u16,
    /// The pane's health, or the worst of the panes a marker stands for.
    pub level: Level,
    pub target: TabTarget,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TabTarget {
    Pane(PaneId),
    /// `‹3✖` / `✖3›`: this many panes scrolled off to that side; a click focuses the nearest.
    More {
        nearest: PaneId,
        count: usize,
    },
}

impl Tab {
    pub fn pane(&self) -> Option<PaneId> {
        match self.target {
            TabTarget::Pane(p) => Some(p),
            TabTarget::More { .. } => None,
        }
    }

    fn width(&self) -> u16 {
        self.label.chars().count() as u16
    }
}

/// The tab bar for a screen `width` wide: every pane's title with its health mark. Labels that
/// do not fit are shortened (the alerts count goes first), so all six section titles stay
/// visible at 80 columns; when even the short labels do not fit (a dozen panes), the bar shows
/// the run of tabs around the focused one, with a marker on each side that has panes off
/// screen, saying how many and the worst health among them.
pub fn tabs(state: &State, width: u16) -> Vec<Tab> {
    let alerts_pane = state.alerts_pane();
    let label = |p: PaneId, with_count: bool| {
        let sym = state.pane_level(p).symbol();
        let title = &state.pane(p).title;
        if with_count && Some(p) == alerts_pane {
            format!("{sym} {title} {}", state.alerts.len())
        } else {
            format!("{sym} {title}")
        }
    };
    let all: Vec<PaneId> = state.pane_ids().collect();
    for with_count in [true, false] {
        let labels: Vec<String> = all.iter().map(|p| label(*p, with_count)).collect();
        let placed = place_tabs(state, &all, &labels, 0, all.len());
        if end_of(&placed) <= width {
            return placed;
        }
    }
    // Scrolled: the first window (from the left) that holds the focus and fits.
    let labels: Vec<String> = all.iter().map(|p| label(*p, false)).collect();
    let focus = all.iter().position(|p| *p == state.focus).unwrap_or(0);
    let mut best = place_tabs(state, &all, &labels, focus, focus + 1);
    for start in 0..=focus {
        let mut end = focus + 1;
        let mut fitting = None;
        while end <= all.len() {
            let placed = place_tabs(state, &all, &labels, start, end);
            if end_of(&placed) > width {
                break;
            }
            fitting = Some(placed);
            end += 1;
        }
        if let Some(placed) = fitting {
            best = placed;
            break;
        }
    }
    best
}

/// The tabs `start..end` of `panes` from column 1, with markers for the panes left out.
fn place_tabs(state: &State, panes: &[PaneId], labels: &[String], start: usize, end: usize) -> Vec<Tab> {
    let worst = |ps: &[PaneId]| ps.iter().map(|p| state.pane_level(*p)).max().unwrap_or(Level::Ok);
    let mut out = Vec::new();
    let mut x = 1u16;
    let mut push = |tab: Tab| {
        let w = tab.width();
        out.push(Tab { x, ..tab });
        x += w + TAB_GAP;
    };
    let before = &panes[..start];
    if let Some(&nearest) = before.last() {
        let level = worst(before);
        let label = format!("‹{}{}", before.len(), level.symbol());
        push(Tab { label, x: 0, level, target: TabTarget::More { nearest, count: before.len() } });
    }
    for (p, l) in panes[start..end].iter().zip(&labels[start..end]) {
        push(Tab { label: l.clone(), x: 0, level: state.pane_level(*p), target: TabTarget::Pane(*p) });
    }
    let after = &panes[end..];
    if let Some(&nearest) = after.first() {
        let level = worst(after);
        let label = format!("{}{}›", level.symbol(), after.len());
        push(Tab { label, x: 0, level, target: TabTarget::More { nearest, count: after.len() } });
    }
    out
}

/// The column after the last tab.
fn end_of(tabs: &[Tab]) -> u16 {
    tabs.last().map_or(0, |t| t.x + t.width())
}

/// The pane a click at column `x` of the tab bar focuses.
pub fn tab_at(state: &State, width: u16, x: u16) -> Option<PaneId> {
    tabs(state, width).into_iter().find(|t| x >= t.x && x < t.x + t.width()).map(|t| match t.target {
        TabTarget::Pane(p) => p,
        TabTarget::More { nearest, .. } => nearest,
    })
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

//! The border, title and stale-data notice every pane shares, and the table inside it.

use crate::app::geometry::{Body, body};
use crate::app::{Pane, State, window};
use crate::model::Level;
use crate::model::age;
use crate::theme::{Role, Theme};
use crate::ui::cells::{level_style, mark_span};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

/// Draws the frame of a pane and returns where its parts go.
pub fn draw(frame: &mut Frame, pane: Pane, rect: Rect, state: &State, theme: &Theme) -> Body {
    let focused = state.focus == pane;
    let t = state.table(pane);
    let mut title = vec![
        Span::raw(" "),
        mark_span(theme, state.pane_level(pane)),
        Span::styled(format!(" {} ", pane.title()), theme.style(Role::Title)),
    ];
    let total = total_rows(state, pane);
    if t.filter.is_empty() {
        title.push(Span::styled(format!("({total}) "), theme.style(Role::Muted)));
    } else {
        title.push(Span::styled(format!("/{} ", t.filter), theme.style(Role::Highlight)));
        title.push(Span::styled(format!("({} of {total}) ", t.rows.len()), theme.style(Role::Muted)));
    }
    if pane.sort_keys().len() > 1 && pane.sort_keys().first() != Some(&t.sort) {
        title.push(Span::styled(format!("sort:{} ", t.sort.name()), theme.style(Role::Muted)));
    }
    let border = if focused { theme.style(Role::Focus) } else { theme.style(Role::Border) };
    let block = Block::bordered().border_style(border).title(Line::from(title));
    frame.render_widget(block, rect);

    let parts = body(pane, rect, state);
    if parts.notice.height > 0
        && let Some(section) = pane.section()
    {
        let st = state.section_status(section);
        let text = match (&st.error, st.last_good) {
            // The age first: in a narrow pane the end of a long error is what gets cut.
            (Some(e), Some(t)) => format!("? data {} old · {e}", age(state.now, Some(t))),
            (Some(e), None) => format!("? no data yet · {e}"),
            (None, _) => "waiting for the first data…".to_string(),
        };
        let style = level_style(theme, Level::Unknown);
        frame.render_widget(Paragraph::new(text).style(style), parts.notice);
    }
    parts
}

/// How many rows the pane would have unfiltered (for the `(3 of 1000)` title).
fn total_rows(state: &State, pane: Pane) -> usize {
    let s = &state.snapshot;
    match pane {
        Pane::Queues => s.connect.queues.len(),
        Pane::Connect => crate::app::rows::CONNECT_FIGURES.len(),
        Pane::Lambda => s.lambda.len(),
        Pane::Kinesis => s.kinesis.len(),
        Pane::DynamoDb => s.dynamodb.len(),
        Pane::NexTalk => s.nextalk.servers.iter().map(|srv| 1 + srv.services.len()).sum(),
        Pane::Alerts => state.alerts.len(),
    }
}

/// The slice of a pane's rows that fits on screen: `(first index, how many)`.
pub fn visible(state: &State, pane: Pane, body: &Body) -> (usize, usize) {
    let t = state.table(pane);
    let height = body.rows.height as usize;
    let first = window(t.selected, t.offset, height, t.rows.len());
    (first, height.min(t.rows.len().saturating_sub(first)))
}

/// One table column; narrow panes drop the columns they have no room for (the detail view
/// still shows every figure).
#[derive(Debug, Clone, Copy)]
pub struct Column {
    pub header: &'static str,
    pub width: Constraint,
    pub shown: bool,
}

impl Column {
    pub const fn new(header: &'static str, width: Constraint) -> Column {
        Column { header, width, shown: true }
    }

    pub const fn when(self, shown: bool) -> Column {
        Column { shown, ..self }
    }
}

/// Renders a header and the already-sliced visible rows (one cell per column, shown or not);
/// `selected` is relative to the slice.
pub fn table(
    frame: &mut Frame,
    body: &Body,
    columns: &[Column],
    rows: Vec<Vec<Cell<'static>>>,
    selected: Option<usize>,
    theme: &Theme,
) {
    let rows = rows.into_iter().enumerate().map(|(i, cells)| {
        let cells = cells.into_iter().zip(columns).filter(|(_, c)| c.shown).map(|(cell, _)| cell);
        let row = Row::new(cells);
        if Some(i) == selected { row.style(theme.style(Role::Selected)) } else { row }
    });
    let shown = || columns.iter().filter(|c| c.shown);
    let area = Rect { height: body.header.height + body.rows.height, ..body.header };
    let header = Row::new(shown().map(|c| c.header)).style(theme.style(Role::Header));
    let table = Table::new(rows, shown().map(|c| c.width)).header(header).column_spacing(1);
    frame.render_widget(table, area);
}

/// The name column, as wide as the longest name on screen (within limits), so the figures sit
/// close to the names and a `Why` column gets the rest.
pub fn name_column(state: &State, pane: Pane, first: usize, count: usize, header: &'static str) -> Column {
    let rows = &state.table(pane).rows[first..first + count];
    let longest = rows
        .iter()
        .map(|r| {
            let name = crate::app::rows::name(state, pane, *r);
            match r.sub {
                Some(_) => crate::ui::nextalk::short_service_name(name).chars().count() + 2,
                None => name.chars().count(),
            }
        })
        .max()
        .unwrap_or(0);
    Column::new(header, Constraint::Length(longest.max(header.len()).clamp(8, 32) as u16))
}

/// The selected row's position within the visible slice, when the pane has focus.
pub fn selected_in_slice(state: &State, pane: Pane, first: usize, count: usize) -> Option<usize> {
    let sel = state.table(pane).selected;
    (state.focus == pane && sel >= first && sel < first + count).then(|| sel - first)
}

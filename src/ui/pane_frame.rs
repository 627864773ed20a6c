//! The border, title and stale-data notice every pane shares, and the declared table inside it
//! (`PaneRows::columns` and `cells`), so a pane that is only a table needs no drawing code.

use crate::app::geometry::{Body, body};
use crate::app::panes::{Column, PaneId, Shown, Width};
use crate::app::{State, window};
use crate::model::{Level, age};
use crate::theme::{Role, Theme};
use crate::ui::cells::{declared, level_style, mark_span};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Row, Table};

/// Draws the frame of a pane and returns where its parts go.
pub fn draw(frame: &mut Frame, pane: PaneId, rect: Rect, state: &State, theme: &Theme) -> Body {
    let spec = state.pane(pane);
    let focused = state.focus == pane;
    let t = state.table(pane);
    let mut title = vec![
        Span::raw(" "),
        mark_span(theme, state.pane_level(pane)),
        Span::styled(format!(" {} ", spec.title), theme.style(Role::Title)),
    ];
    let total = spec.rows.total(state);
    if t.filter.is_empty() {
        title.push(Span::styled(format!("({total}) "), theme.style(Role::Muted)));
    } else {
        title.push(Span::styled(format!("/{} ", t.filter), theme.style(Role::Highlight)));
        title.push(Span::styled(format!("({} of {total}) ", t.rows.len()), theme.style(Role::Muted)));
    }
    if spec.sort_keys.len() > 1 && spec.sort_keys.first() != Some(&t.sort) {
        title.push(Span::styled(format!("sort:{} ", t.sort.name()), theme.style(Role::Muted)));
    }
    let border = if focused { theme.style(Role::Focus) } else { theme.style(Role::Border) };
    let block = Block::bordered().border_style(border).title(Line::from(title));
    frame.render_widget(block, rect);

    let parts = body(pane, rect, state);
    if parts.notice.height > 0
        && let Some(section) = spec.section
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

/// The slice of a pane's rows that fits on screen: `(first index, how many)`.
pub fn visible(state: &State, pane: PaneId, body: &Body) -> (usize, usize) {
    let t = state.table(pane);
    let height = body.rows.height as usize;
    let first = window(t.selected, t.offset, height, t.rows.len());
    (first, height.min(t.rows.len().saturating_sub(first)))
}

/// Draws the pane's declared table (header and the visible rows) into `body`; returns how
/// many rows it drew.
pub fn table(frame: &mut Frame, state: &State, pane: PaneId, body: &Body, theme: &Theme) -> usize {
    let spec = state.pane(pane);
    let (first, count) = visible(state, pane, body);
    let width = body.rows.width;
    let columns = spec.rows.columns(width);
    let cells: Vec<_> = state.table(pane).rows[first..first + count]
        .iter()
        .map(|r| spec.rows.cells(state, *r, width))
        .collect();
    // The name column is as wide as the longest name on screen (within limits).
    let name_width = columns.iter().position(|c| c.width == Width::Name).map(|i| {
        let longest = cells.iter().filter_map(|row| row.get(i)).map(|c| c.text.chars().count()).max();
        longest.unwrap_or(0).max(columns[i].header.len()).clamp(8, 32) as u16
    });
    let shown = |c: &Column| match c.shown {
        Shown::Always => true,
        Shown::Wide(w) => width >= w,
        Shown::BesideName(w) => width >= w + name_width.unwrap_or(20),
    };
    let constraint = |c: &Column| match c.width {
        Width::Fixed(w) => Constraint::Length(w),
        Width::Name => Constraint::Length(name_width.unwrap_or(8)),
        Width::Fill(n) => Constraint::Fill(n),
    };
    let selected = selected_in_slice(state, pane, first, count);
    let rows = cells.iter().enumerate().map(|(i, row)| {
        let row = Row::new(
            row.iter().zip(&columns).filter(|(_, c)| shown(c)).map(|(cell, _)| declared(theme, cell)),
        );
        if Some(i) == selected { row.style(theme.style(Role::Selected)) } else { row }
    });
    let area = Rect { height: body.header.height + body.rows.height, ..body.header };
    let header =
        Row::new(columns.iter().filter(|c| shown(c)).map(|c| c.header)).style(theme.style(Role::Header));
    let widths: Vec<Constraint> = columns.iter().filter(|c| shown(c)).map(constraint).collect();
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
    count
}

/// The selected row's position within the visible slice, when the pane has focus.
pub fn selected_in_slice(state: &State, pane: PaneId, first: usize, count: usize) -> Option<usize> {
    let sel = state.table(pane).selected;
    (state.focus == pane && sel >= first && sel < first + count).then(|| sel - first)
}

//! The border, title and stale-data notice every pane shares, and the declared table inside it
//! (`PaneRows::columns` and `cells`), so a pane that is only a table needs no drawing code.

use crate::app::geometry::{Body, body};
use crate::app::panes::{Cell as Declared, Column, PaneId, Shown, Width};
use crate::app::{State, window};
use crate::model::{Level, age};
use crate::theme::{Role, Theme};
use crate::ui::cells::{declared, declared_selected, level_style, mark_span};
use crate::ui::fit::{column_widths, fit};
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
    let unread = spec.rows.unread(state);
    if unread > 0 {
        title.push(Span::styled(format!("+{unread} unread "), theme.style(Role::Highlight)));
    }
    if spec.sort_keys.len() > 1 && spec.sort_keys.first() != Some(&t.sort) {
        title.push(Span::styled(format!("sort:{} ", t.sort.name()), theme.style(Role::Muted)));
    }
    let border = if focused { theme.style(Role::Focus) } else { theme.style(Role::Border) };
    let parts = body(pane, rect, state);
    let mut block = Block::bordered().border_style(border).title(Line::from(title));
    // Rows off screen are said on the bottom border: `↑2 · +3 more ↓`.
    if let Some(more) = hidden_rows(state, pane, &parts) {
        block =
            block.title_bottom(Line::from(Span::styled(more, theme.style(Role::Highlight))).right_aligned());
    }
    frame.render_widget(block, rect);

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

/// What the pane's rows hide above and below the visible slice, as the bottom border says it
/// (`↑2 · +3 more ↓`); `None` when every row is on screen.
pub fn hidden_rows(state: &State, pane: PaneId, body: &Body) -> Option<String> {
    let total = state.table(pane).rows.len();
    let (first, count) = visible(state, pane, body);
    hidden_label(first, total.saturating_sub(first + count))
}

/// `↑2 · +3 more ↓` for `above` rows above a window and `below` under it; `None` when none.
/// Every scrolled list says what it hides in these words.
pub fn hidden_label(above: usize, below: usize) -> Option<String> {
    let parts: Vec<String> =
        [(above > 0).then(|| format!("↑{above}")), (below > 0).then(|| format!("+{below} more ↓"))]
            .into_iter()
            .flatten()
            .collect();
    (!parts.is_empty()).then(|| format!(" {} ", parts.join(" · ")))
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
    let area = Rect { height: body.header.height + body.rows.height, ..body.header };
    let widths: Vec<Constraint> = columns.iter().filter(|c| shown(c)).map(constraint).collect();
    // Each cell cut to its own column with `…`, so a long name or reason says it goes on.
    let room = column_widths(&widths, area.width, 1);
    let rows = cells.iter().enumerate().map(|(i, row)| {
        let is_selected = Some(i) == selected;
        let row =
            Row::new(row.iter().zip(&columns).filter(|(_, c)| shown(c)).zip(&room).map(|((cell, _), w)| {
                let fitted = Declared { text: fit(&cell.text, *w as usize), tone: cell.tone };
                if is_selected { declared_selected(theme, &fitted) } else { declared(theme, &fitted) }
            }));
        if is_selected { row.style(theme.style(Role::Selected)) } else { row }
    });
    let header =
        Row::new(columns.iter().filter(|c| shown(c)).map(|c| c.header)).style(theme.style(Role::Header));
    frame.render_widget(Table::new(rows, widths).header(header).column_spacing(1), area);
    count
}

/// The selected row's position within the visible slice, when the pane has focus.
pub fn selected_in_slice(state: &State, pane: PaneId, first: usize, count: usize) -> Option<usize> {
    let sel = state.table(pane).selected;
    (state.focus == pane && sel >= first && sel < first + count).then(|| sel - first)
}

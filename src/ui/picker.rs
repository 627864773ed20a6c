//! `R`: the runbooks on offer. Those that fit the current alerts come first, marked; the
//! selected one's summary is shown beneath the list.

use crate::app::geometry::overlay;
use crate::app::{Popup, State, window};
use crate::theme::{Role, Theme};
use crate::ui::wrap::{clip, wrap};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

pub fn draw(frame: &mut Frame, area: Rect, state: &State, theme: &Theme) {
    let selected = match state.popups.last() {
        Some(Popup::Picker { selected }) => *selected,
        _ => state
            .popups
            .iter()
            .find_map(|p| match p {
                Popup::Picker { selected } => Some(*selected),
                _ => None,
            })
            .unwrap_or(0),
    };
    let rect = overlay(area, 100);
    let block = Block::bordered()
        .title(Span::styled(" Runbooks ", theme.style(Role::Title)))
        .title_bottom(Line::from(" ★ fits the current alerts · Enter start · Esc close ").right_aligned())
        .border_style(theme.style(Role::Focus))
        .style(theme.style(Role::Popup));
    let inner = block.inner(rect);
    frame.render_widget(Clear, rect);
    frame.render_widget(block, rect);
    let list_h = (state.picker.len() as u16).min(inner.height.saturating_sub(4).max(1));
    let [list, _, about] =
        Layout::vertical([Constraint::Length(list_h), Constraint::Length(1), Constraint::Fill(1)])
            .areas(inner);
    let first = window(selected, 0, list.height as usize, state.picker.len());
    let width = list.width as usize;
    let id_w = state.library.iter().map(|r| r.id.chars().count()).max().unwrap_or(0).min(28);
    let lines: Vec<Line> = state
        .picker
        .iter()
        .enumerate()
        .skip(first)
        .take(list.height as usize)
        .filter_map(|(i, (index, fits))| {
            let rb = state.library.get(*index)?;
            let fits = !fits.is_empty();
            let mark = if fits { "★" } else { " " };
            let text = clip(&format!(" {mark} {:<id_w$}  {}", rb.id, rb.title), width);
            let style = if i == selected {
                theme.style(Role::Selected)
            } else if fits {
                theme.style(Role::Highlight)
            } else {
                theme.style(Role::Text)
            };
            Some(Line::from(Span::styled(format!("{text:<width$}"), style)))
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
    if let Some((rb, why)) =
        state.picker.get(selected).and_then(|(i, why)| Some((state.library.get(*i)?, why)))
    {
        let mut lines = vec![Line::from(Span::styled(
            format!(" {} steps · {}", rb.steps.len(), rb.origin),
            theme.style(Role::Muted),
        ))];
        // Why it is where it is in the list: what it fixes or diagnoses of the current alerts.
        lines.extend(why.iter().map(|w| {
            Line::from(Span::styled(clip(&format!(" ★ {w}"), width), theme.style(Role::Highlight)))
        }));
        lines.extend(
            wrap(&rb.summary, width.saturating_sub(2)).into_iter().map(|l| Line::from(format!(" {l}"))),
        );
        frame.render_widget(Paragraph::new(lines), about);
    }
}

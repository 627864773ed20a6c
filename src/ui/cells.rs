//! Styles shared by the views: health marks and figures in their level's colour, and a
//! declared cell (`app::panes::Cell`) in its tone.

use crate::app::panes::{Cell as Declared, Tone};
use crate::model::Level;
use crate::theme::{Role, Theme};
use ratatui::style::Style;
use ratatui::text::Span;
use ratatui::widgets::Cell;

pub fn role(level: Level) -> Role {
    match level {
        Level::Ok => Role::Ok,
        Level::Unknown => Role::Unknown,
        Level::Warn => Role::Warn,
        Level::Crit => Role::Crit,
    }
}

pub fn level_style(theme: &Theme, level: Level) -> Style {
    theme.style(role(level))
}

/// The level's symbol in the level's style: colour is never the only signal.
pub fn mark(theme: &Theme, level: Level) -> Cell<'static> {
    Cell::from(level.symbol()).style(level_style(theme, level))
}

pub fn mark_span(theme: &Theme, level: Level) -> Span<'static> {
    Span::styled(level.symbol(), level_style(theme, level))
}

/// A figure in the style of its own level (ok figures stay plain text).
pub fn figure(theme: &Theme, text: String, level: Level) -> Cell<'static> {
    let style = if level == Level::Ok { theme.style(Role::Text) } else { level_style(theme, level) };
    Cell::from(text).style(style)
}

/// The style of a tone (ok figures stay plain text).
pub fn tone_style(theme: &Theme, tone: Tone) -> Style {
    match tone {
        Tone::Plain => Style::default(),
        Tone::Figure(Level::Ok) => theme.style(Role::Text),
        Tone::Figure(level) | Tone::Level(level) => level_style(theme, level),
        Tone::Muted => theme.style(Role::Muted),
        Tone::Title => theme.style(Role::Title),
    }
}

/// A cell as its pane declared it, styled by its tone.
pub fn declared(theme: &Theme, cell: &Declared) -> Cell<'static> {
    Cell::from(cell.text.clone()).style(tone_style(theme, cell.tone))
}

/// A cell of the selected row: the selection's style over the cell's own, so a theme whose
/// cells carry a background (high-contrast) highlights the whole row, not just the gaps
/// between its columns.
pub fn declared_selected(theme: &Theme, cell: &Declared) -> Cell<'static> {
    let style = tone_style(theme, cell.tone).patch(theme.style(Role::Selected));
    Cell::from(cell.text.clone()).style(style)
}

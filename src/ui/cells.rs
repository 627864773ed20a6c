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

/// A cell as its pane declared it, styled by its tone.
pub fn declared(theme: &Theme, cell: &Declared) -> Cell<'static> {
    let text = cell.text.clone();
    match cell.tone {
        Tone::Plain => Cell::from(text),
        Tone::Figure(level) => figure(theme, text, level),
        Tone::Level(level) => Cell::from(text).style(level_style(theme, level)),
        Tone::Muted => Cell::from(text).style(theme.style(Role::Muted)),
        Tone::Title => Cell::from(text).style(theme.style(Role::Title)),
    }
}

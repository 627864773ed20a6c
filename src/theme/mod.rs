//! Themes: styles named by meaning (ok, warn, crit…), not by widget. Shipped themes live in
//! `themes/*.toml` (embedded); users add or override them in the config directory.

mod color;
mod file;
mod load;

pub use color::{parse_color, parse_modifier};

use ratatui::style::{Modifier, Style};
use std::collections::HashMap;

macro_rules! roles {
    ($( $id:ident => $name:literal ),+ $(,)?) => {
        /// What a style means. Widgets ask for a role, never for a colour.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Role { $($id),+ }

        impl Role {
            pub const ALL: &'static [Role] = &[$(Role::$id),+];

            /// The key used in theme files.
            pub fn name(self) -> &'static str {
                match self { $(Role::$id => $name),+ }
            }

            pub fn from_name(name: &str) -> Option<Role> {
                match name { $($name => Some(Role::$id),)+ _ => None }
            }
        }
    };
}

roles! {
    Text => "text",
    Muted => "muted",
    Title => "title",
    Border => "border",
    Focus => "focus",
    Selected => "selected",
    Header => "header",
    Ok => "ok",
    Warn => "warn",
    Crit => "crit",
    Unknown => "unknown",
    StatusBar => "status_bar",
    Badge => "badge",
    Highlight => "highlight",
    Input => "input",
    Popup => "popup",
    Danger => "danger",
}

#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: HashMap<Role, Style>,
}

impl Theme {
    pub fn new(name: impl Into<String>, styles: HashMap<Role, Style>) -> Self {
        Theme { name: name.into(), styles }
    }

    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    /// For `NO_COLOR` and dumb terminals: meaning carried by modifiers and symbols only.
    pub fn plain() -> Self {
        let bold = Style::default().add_modifier(Modifier::BOLD);
        let styles = HashMap::from([
            (Role::Title, bold),
            (Role::Focus, bold),
            (Role::Header, Style::default().add_modifier(Modifier::UNDERLINED)),
            (Role::Selected, Style::default().add_modifier(Modifier::REVERSED)),
            (Role::Crit, bold),
            (Role::Warn, Style::default()),
            (Role::Muted, Style::default().add_modifier(Modifier::DIM)),
            (Role::StatusBar, Style::default().add_modifier(Modifier::REVERSED)),
            (Role::Badge, Style::default().add_modifier(Modifier::REVERSED | Modifier::BOLD)),
            (Role::Highlight, Style::default().add_modifier(Modifier::REVERSED)),
            (Role::Danger, bold),
        ]);
        Theme::new("plain", styles)
    }
}

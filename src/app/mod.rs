//! Application state and the only place it changes (`update`), plus the runtime that feeds it
//! events and draws it.

pub mod command;
pub mod mouse;
pub mod msg;
pub mod pane;
pub mod rows;
pub mod runtime;
pub mod state;
pub mod update;

pub use msg::{Effect, Msg};
pub use pane::{Pane, SortKey};
pub use runtime::{ConsoleOptions, ThemeLoader, run_console};
pub use state::{FeedStatus, Message, Mode, Popup, SectionStatus, State, TableView, window};
pub use update::update;

#[cfg(test)]
mod tests;

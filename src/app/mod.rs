//! Application state and the only place it changes (`update`), plus the runtime that feeds it
//! events and draws it.

pub mod command;
pub mod dialog;
pub mod exec;
pub mod guide;
pub mod jobs;
pub mod log_pump;
pub mod log_session;
pub mod mouse;
pub mod msg;
pub mod pane;
pub mod restart;
pub mod rows;
pub mod runtime;
pub mod state;
pub mod update;

pub use dialog::{Button, Dialog, Purpose};
pub use jobs::{JobId, JobOrigin, LiveJob, RemoteJob, ServerTarget};
pub use log_session::{LogId, LogSession, LogSource};
pub use msg::{Effect, Msg};
pub use pane::{Pane, SortKey};
pub use runtime::{ConsoleOptions, Feed, RefreshHook, ThemeLoader, run_console};
pub use state::{FeedStatus, Message, Mode, Popup, SectionStatus, SourceAge, State, TableView, window};
pub use update::update;

#[cfg(test)]
mod log_tests;
#[cfg(test)]
mod session_tests;
#[cfg(test)]
mod tests;

//! Application state and the only place it changes (`update`): what a message does to the
//! state and which effects it asks for. No I/O, no tokio, no terminal, no drawing; the console
//! shell (`crate::console`) feeds it messages, carries out its effects and draws it with `ui`.

pub mod command;
pub mod dialog;
pub mod direct;
pub mod flags;
pub mod geometry;
pub mod guide;
pub mod help;
pub mod incident;
pub mod intake;
pub mod jobs;
pub mod log_session;
pub mod mouse;
pub mod msg;
pub mod panes;
pub mod replay;
pub mod restart;
pub mod rows;
pub mod state;
pub mod update;

pub use dialog::{Button, Dialog, Purpose};
pub use intake::{Intake, Prepared, Spent, TableOrder};
pub use jobs::{JobId, JobOrigin, LiveJob, RemoteJob, ServerTarget};
pub use log_session::{LogId, LogSession, LogSource};
pub use msg::{Effect, Mouse, MouseKind, Msg};
pub use panes::{PaneId, PaneSpec, SortKey};
pub use state::{
    Earlier, FeedStatus, Message, Mode, Popup, PopupKind, SectionStatus, SourceAge, State, TableView, window,
};
pub use update::update;

#[cfg(test)]
mod tests;

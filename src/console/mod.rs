//! The console shell: the terminal's lifecycle (`tui`), the event loop that feeds `app::update`
//! and draws with `ui` (`runtime`), and the effects it carries out off the loop: remote
//! commands and their audit records (`exec`), log tails (`log_pump`), taking in snapshots
//! (`intake`). The only room that
//! knows about tokio tasks and the terminal; `app` stays pure.

pub mod exec;
pub mod flight;
pub mod incident_desk;
pub mod intake;
pub mod log_pump;
pub mod runtime;
pub mod tui;

pub use runtime::{Backfill, ConsoleOptions, Feed, RefreshHook, ThemeLoader, run_console};

#[cfg(test)]
mod tests;

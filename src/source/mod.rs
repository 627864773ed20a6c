//! Everything that talks to the outside world, behind small traits. Implementations: `sim`
//! (the built-in simulated contact center); AWS and SSH land beside it. Types from outside
//! crates (AWS SDK, ssh2) never leave their module.

pub mod aws;
pub mod logs;
pub mod powershell;
pub mod ps51;
pub mod recording;
pub mod remote;
pub mod replay;
pub mod sim;
pub mod ssh;
pub mod tailing;

use crate::model::{Snapshot, Timestamp};
use futures::future::BoxFuture;

pub use logs::{LogLevel, LogLine, LogOpener, LogTail};
pub use remote::{
    AWS_TARGET, CommandId, CommandStatus, Invocation, QueueShareCall, Remote, RemoteAction, RemoteError,
    TableCapacity, Target, rds_answer,
};

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SourceError {
    /// The service said slow down; shown as "throttled", not as an error wall.
    #[error("{operation}: throttled")]
    Throttled { operation: String },
    /// Missing permission: names the IAM action to grant.
    #[error("{operation} on {resource}: access denied (grant {iam_action})")]
    AccessDenied { operation: String, resource: String, iam_action: String },
    #[error("{operation} on {resource}: {message}")]
    Failed { operation: String, resource: String, message: String },
}

/// What time it is where the figures come from: the wall clock for AWS, simulated time for the
/// demo. The console measures every age, "since" and "seen" on its source's clock, so a
/// simulated `last_seen` is never compared with today's date and the ages of a demo run at
/// `--speed 60` move in simulated minutes.
pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

/// The clock of the real world.
#[derive(Debug, Clone, Copy, Default)]
pub struct WallClock;

impl Clock for WallClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// Collects one snapshot of whatever this source covers.
pub trait Telemetry: Send {
    /// A short label for the status bar: `demo:calm`, `aws:123456789012/eu-west-2`.
    fn describe(&self) -> String;
    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>>;

    /// After a collection: collect again this soon, if that is sooner than the source's
    /// interval (a team lease that runs out before the next refresh is taken over when it
    /// runs out, not up to a refresh later). `None`: the interval as usual.
    fn next_collect_in(&self) -> Option<std::time::Duration> {
        None
    }
}

/// Turns the results of several independent sources (each collected on its own interval)
/// into the one snapshot the console shows. `feed` is the source's index in the list the
/// console was given.
pub trait Compose: Send {
    fn update(&mut self, feed: usize, result: Result<Snapshot, SourceError>)
    -> Result<Snapshot, SourceError>;

    /// What the status bar calls feed `feed` when there are several (`metrics`, `queues`).
    fn feed_label(&self, _feed: usize) -> Option<String> {
        None
    }

    /// Where the queue figures come from (own poll, team lease, team cache), as of `now`;
    /// `None` when the source has no such notion (the simulator, no Connect instance).
    fn queue_source(&self, _now: Timestamp) -> Option<aws::budget::QueueSource> {
        None
    }
}

/// One source alone: its result is the snapshot.
pub struct SingleSource;

impl Compose for SingleSource {
    fn update(
        &mut self,
        _feed: usize,
        result: Result<Snapshot, SourceError>,
    ) -> Result<Snapshot, SourceError> {
        result
    }
}

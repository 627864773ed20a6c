//! Remote commands on NexTalk servers: what to run, where, and how it is going. On AWS these
//! become SSM Run Command invocations; on the simulator they act on the model.

use futures::future::BoxFuture;
use serde::Serialize;

/// What to run. Every value in here comes from validated config, never from telemetry, logs or
/// the keyboard; renderers (PowerShell for SSM) quote each value as a literal.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum RemoteAction {
    /// Restart one Windows service (mutating).
    RestartService { service: String },
    /// Read the state of these Windows services.
    QueryServices { services: Vec<String> },
    /// Read the last `lines` lines of the newest NexTalk log.
    TailLog { lines: u32 },
    /// Resolve a DNS name from the server.
    ResolveDns { name: String },
    /// Open a TCP connection from the server to host:port.
    TestTcp { host: String, port: u16 },
    /// Read one Windows performance counter (`\NexTalk\Ports In Use`) with `Get-Counter`.
    ReadCounter { counter: String },
}

impl RemoteAction {
    /// Whether running it changes anything (refused in read-only mode).
    pub fn is_mutating(&self) -> bool {
        matches!(self, RemoteAction::RestartService { .. })
    }

    /// One line for lists and the audit log.
    pub fn summary(&self) -> String {
        match self {
            RemoteAction::RestartService { service } => format!("restart service {service}"),
            RemoteAction::QueryServices { services } => format!("query services {}", services.join(", ")),
            RemoteAction::TailLog { lines } => format!("read last {lines} log lines"),
            RemoteAction::ResolveDns { name } => format!("resolve {name}"),
            RemoteAction::TestTcp { host, port } => format!("connect to {host}:{port}"),
            RemoteAction::ReadCounter { counter } => format!("read counter {counter}"),
        }
    }
}

/// A NexTalk server as a command target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Target {
    pub server: String,
    /// EC2 instance id (the SSM target).
    pub instance_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct CommandId(pub String);

impl std::fmt::Display for CommandId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// SSM's invocation states.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum CommandStatus {
    Pending,
    InProgress,
    Delayed,
    Success,
    Cancelled,
    TimedOut,
    Failed,
    Cancelling,
}

impl CommandStatus {
    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            CommandStatus::Success
                | CommandStatus::Cancelled
                | CommandStatus::TimedOut
                | CommandStatus::Failed
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            CommandStatus::Pending => "Pending",
            CommandStatus::InProgress => "InProgress",
            CommandStatus::Delayed => "Delayed",
            CommandStatus::Success => "Success",
            CommandStatus::Cancelled => "Cancelled",
            CommandStatus::TimedOut => "TimedOut",
            CommandStatus::Failed => "Failed",
            CommandStatus::Cancelling => "Cancelling",
        }
    }
}

/// Progress of one command on one target.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invocation {
    pub command_id: CommandId,
    pub server: String,
    pub status: CommandStatus,
    /// -1 when the command never started.
    pub response_code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    /// AWS cuts stdout at 24,000 and stderr at 8,000 characters.
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
}

impl Invocation {
    /// What a command that never reached a terminal status within our patience counts as,
    /// after switchboard cancelled it (`waited` as people read it, e.g. `10m`).
    pub fn cancelled_after(command_id: &CommandId, server: &str, waited: &str) -> Invocation {
        Invocation {
            command_id: command_id.clone(),
            server: server.to_string(),
            status: CommandStatus::TimedOut,
            response_code: None,
            stdout: String::new(),
            stderr: format!("no terminal status after {waited}; cancelled by switchboard"),
            stdout_truncated: false,
            stderr_truncated: false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RemoteError {
    #[error("unknown server {0}")]
    UnknownServer(String),
    #[error("unknown command {0}")]
    UnknownCommand(String),
    /// Right after SendCommand, SSM may not know the invocation yet: retry briefly.
    #[error("invocation {0} does not exist (yet)")]
    InvocationDoesNotExist(String),
    #[error("{operation}: throttled")]
    Throttled { operation: String },
    #[error("refused: {0}")]
    Refused(String),
    #[error("{operation}: {message}")]
    Failed { operation: String, message: String },
}

/// Runs remote commands and reports their progress.
pub trait Remote: Send + Sync {
    fn describe(&self) -> String;
    fn send<'a>(
        &'a self,
        action: &'a RemoteAction,
        targets: &'a [Target],
    ) -> BoxFuture<'a, Result<CommandId, RemoteError>>;
    fn poll<'a>(
        &'a self,
        id: &'a CommandId,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Invocation, RemoteError>>;
    fn cancel<'a>(&'a self, id: &'a CommandId) -> BoxFuture<'a, Result<(), RemoteError>>;
}

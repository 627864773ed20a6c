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
    // Control-plane changes: AWS API calls, not scripts on a server. They travel the same
    // road as a restart (confirmation, read-only refusal, audit requested/sent/ended, the
    // engine's re-check) and run on the one target [`Target::aws`] names.
    /// SSM PutParameter (Overwrite) of an emergency flag's parameter (mutating).
    SetParameter { parameter: String, value: String },
    /// DynamoDB UpdateTable: new provisioned capacity, or on-demand billing (mutating).
    UpdateTable { table: String, capacity: TableCapacity },
    /// Kinesis UpdateShardCount (UNIFORM_SCALING) to `target` open shards; `None`: double the
    /// count DescribeStreamSummary reports when it runs (mutating).
    UpdateShardCount { stream: String, target: Option<u32> },
    /// RDS ModifyDBInstance with ApplyImmediately: AllocatedStorage to `allocated_gib` GiB and,
    /// when set, MaxAllocatedStorage (storage autoscaling's ceiling) to `max_allocated_gib`
    /// (mutating). Storage only grows.
    ModifyDbStorage { instance: String, allocated_gib: u32, max_allocated_gib: Option<u32> },
    /// Connect AssociateRoutingProfileQueues (`associate`) or DisassociateRoutingProfileQueues
    /// of one queue on one channel of one routing profile (mutating).
    RoutingProfileQueue(QueueShareCall),
}

/// One queue into (or out of) a routing profile: every id from the config (`[[queue_shares]]`,
/// checked there), the names only for people.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct QueueShareCall {
    pub associate: bool,
    pub instance_id: String,
    pub routing_profile_id: String,
    pub routing_profile: String,
    pub queue_id: String,
    pub queue: String,
    /// `CHAT`, `VOICE`, `TASK` or `EMAIL`.
    pub channel: String,
    /// Only sent when associating.
    pub priority: u32,
    pub delay_s: u32,
}

impl QueueShareCall {
    pub fn operation(&self) -> &'static str {
        if self.associate { "AssociateRoutingProfileQueues" } else { "DisassociateRoutingProfileQueues" }
    }
}

/// What UpdateTable is asked to set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum TableCapacity {
    /// BillingMode PROVISIONED with these capacity units per second.
    Provisioned { read: u64, write: u64 },
    /// BillingMode PAY_PER_REQUEST.
    OnDemand,
}

impl std::fmt::Display for TableCapacity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TableCapacity::Provisioned { read, write } => write!(f, "provisioned {read} RCU / {write} WCU"),
            TableCapacity::OnDemand => f.write_str("on-demand (PAY_PER_REQUEST)"),
        }
    }
}

impl RemoteAction {
    /// Whether running it changes anything (refused in read-only mode).
    pub fn is_mutating(&self) -> bool {
        match self {
            RemoteAction::RestartService { .. }
            | RemoteAction::SetParameter { .. }
            | RemoteAction::UpdateTable { .. }
            | RemoteAction::UpdateShardCount { .. }
            | RemoteAction::ModifyDbStorage { .. } => true,
            RemoteAction::RoutingProfileQueue(_) => true,
            RemoteAction::QueryServices { .. }
            | RemoteAction::TailLog { .. }
            | RemoteAction::ResolveDns { .. }
            | RemoteAction::TestTcp { .. }
            | RemoteAction::ReadCounter { .. } => false,
        }
    }

    /// An AWS API call rather than a PowerShell script on a NexTalk server.
    pub fn is_control_plane(&self) -> bool {
        self.api_call().is_some()
    }

    /// The AWS operation and its request, as the confirmation shows it and the backend sends
    /// it; `None` for the PowerShell commands (those show their script).
    pub fn api_call(&self) -> Option<Vec<String>> {
        match self {
            RemoteAction::SetParameter { parameter, value } => Some(vec![
                "ssm:PutParameter".into(),
                format!("  Name      = {parameter}"),
                format!("  Value     = {value}"),
                "  Type      = String".into(),
                "  Overwrite = true".into(),
            ]),
            RemoteAction::UpdateTable { table, capacity } => {
                let mut lines = vec!["dynamodb:UpdateTable".into(), format!("  TableName   = {table}")];
                match capacity {
                    TableCapacity::Provisioned { read, write } => {
                        lines.push("  BillingMode = PROVISIONED".into());
                        lines.push(format!(
                            "  ProvisionedThroughput = {{ ReadCapacityUnits = {read}, WriteCapacityUnits = {write} }}"
                        ));
                    }
                    TableCapacity::OnDemand => lines.push("  BillingMode = PAY_PER_REQUEST".into()),
                }
                Some(lines)
            }
            RemoteAction::UpdateShardCount { stream, target } => {
                let target = match target {
                    Some(n) => n.to_string(),
                    None => "2 x OpenShardCount (kinesis:DescribeStreamSummary, read first)".into(),
                };
                Some(vec![
                    "kinesis:UpdateShardCount".into(),
                    format!("  StreamName       = {stream}"),
                    format!("  TargetShardCount = {target}"),
                    "  ScalingType      = UNIFORM_SCALING".into(),
                ])
            }
            RemoteAction::ModifyDbStorage { instance, allocated_gib, max_allocated_gib } => {
                let mut lines = vec![
                    "rds:ModifyDBInstance".into(),
                    format!("  DBInstanceIdentifier = {instance}"),
                    format!("  AllocatedStorage     = {allocated_gib}"),
                ];
                if let Some(max) = max_allocated_gib {
                    lines.push(format!("  MaxAllocatedStorage  = {max}"));
                }
                lines.push("  ApplyImmediately     = true".into());
                Some(lines)
            }
            RemoteAction::RoutingProfileQueue(c) => {
                let mut lines = vec![
                    format!("connect:{}", c.operation()),
                    format!("  InstanceId       = {}", c.instance_id),
                    format!("  RoutingProfileId = {} ({})", c.routing_profile_id, c.routing_profile),
                ];
                if c.associate {
                    lines.push(format!(
                        "  QueueConfigs     = [ {{ QueueReference = {{ QueueId = {} ({}), Channel = {} }}, \
                         Priority = {}, Delay = {} }} ]",
                        c.queue_id, c.queue, c.channel, c.priority, c.delay_s
                    ));
                } else {
                    lines.push(format!(
                        "  QueueReferences  = [ {{ QueueId = {} ({}), Channel = {} }} ]",
                        c.queue_id, c.queue, c.channel
                    ));
                }
                Some(lines)
            }
            RemoteAction::RestartService { .. }
            | RemoteAction::QueryServices { .. }
            | RemoteAction::TailLog { .. }
            | RemoteAction::ResolveDns { .. }
            | RemoteAction::TestTcp { .. }
            | RemoteAction::ReadCounter { .. } => None,
        }
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
            RemoteAction::SetParameter { parameter, value } => {
                format!("set parameter {parameter} to {value:?}")
            }
            RemoteAction::UpdateTable { table, capacity } => format!("update table {table} to {capacity}"),
            RemoteAction::UpdateShardCount { stream, target: Some(n) } => {
                format!("update shard count of stream {stream} to {n}")
            }
            RemoteAction::UpdateShardCount { stream, target: None } => {
                format!("double the shard count of stream {stream}")
            }
            RemoteAction::ModifyDbStorage { instance, allocated_gib, max_allocated_gib } => {
                let autoscale =
                    max_allocated_gib.map(|m| format!(", autoscaling up to {m} GiB")).unwrap_or_default();
                format!("grow the storage of DB instance {instance} to {allocated_gib} GiB{autoscale}")
            }
            RemoteAction::RoutingProfileQueue(c) if c.associate => format!(
                "add queue {} ({}) to routing profile {} at priority {}",
                c.queue, c.channel, c.routing_profile, c.priority
            ),
            RemoteAction::RoutingProfileQueue(c) => {
                format!("take queue {} ({}) off routing profile {}", c.queue, c.channel, c.routing_profile)
            }
        }
    }
}

/// The one line a ModifyDBInstance (or DescribeDBInstances) answer is recorded as, the same
/// from RDS and from the simulator: what the instance is now and what is pending
/// (`ModifyDBInstance nextalk-config-db: DBInstanceStatus available, AllocatedStorage 200 GiB,
/// pending AllocatedStorage 300 GiB`).
pub fn rds_answer(operation: &str, db: &crate::model::DbInstance) -> String {
    let gib = |v: Option<u32>| v.map_or_else(|| "not reported".to_string(), |g| format!("{g} GiB"));
    let mut s = format!(
        "{operation} {}: DBInstanceStatus {}, AllocatedStorage {}",
        db.id,
        if db.status.is_empty() { "not reported" } else { &db.status },
        gib(db.allocated_gib)
    );
    if let Some(p) = db.pending_allocated_gib {
        s.push_str(&format!(", pending AllocatedStorage {p} GiB"));
    }
    if let Some(m) = db.max_allocated_gib {
        s.push_str(&format!(", MaxAllocatedStorage {m} GiB"));
    }
    s
}

/// A NexTalk server as a command target.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Target {
    pub server: String,
    /// EC2 instance id (the SSM target).
    pub instance_id: String,
}

/// The `server` of the one target a control-plane action runs on.
pub const AWS_TARGET: &str = "aws";

impl Target {
    /// The target of a control-plane action: the AWS API itself, naming the resource changed
    /// (`parameter /cc/flags/crm-bypass`) where a server's instance id would be.
    pub fn aws(resource: String) -> Target {
        Target { server: AWS_TARGET.to_string(), instance_id: resource }
    }
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

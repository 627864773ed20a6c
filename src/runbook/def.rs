//! A runbook once loaded and validated: every value that can reach a remote command has passed
//! `validate`, every reference (metric key, `verifies`) points at something real.

use crate::model::{MetricId, Section};
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct Runbook {
    /// Stable id: `nextalk-connectivity`. A user file with the same id replaces a shipped one.
    pub id: String,
    pub title: String,
    /// What it is for, in a sentence or two.
    pub summary: String,
    pub applies_to: AppliesTo,
    /// Named host names used by steps as `"{name}"` (e.g. the Connect endpoint), overridable
    /// without editing the file (see `Runbook::set_param`).
    pub params: BTreeMap<String, String>,
    pub steps: Vec<Step>,
    /// Who to hand over to when the run ends not healthy and no other runbook fits what is
    /// left (`escalation = "..."`).
    pub escalation: Option<String>,
    pub origin: Origin,
}

/// Where a runbook came from, for `runbook list` and error messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Embedded in the binary; the name is the file under `runbooks/`.
    Shipped(&'static str),
    User(PathBuf),
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Shipped(name) => write!(f, "shipped ({name})"),
            Origin::User(path) => write!(f, "{}", path.display()),
        }
    }
}

/// When a runbook is offered for the current alerts, and how well it fits them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppliesTo {
    /// A weak fit: any alert in these sections.
    pub sections: Vec<Section>,
    /// Older spelling of `diagnoses` for metric alerts; kept so existing user runbooks work.
    pub metrics: Vec<MetricId>,
    /// Older spelling of `diagnoses` for service alerts: an alert about one of these Windows
    /// services (on any server) matches.
    pub services: Vec<String>,
    /// Alerts the runbook clears by itself (it has the action that ends them).
    pub fixes: Vec<AlertKind>,
    /// Alerts the runbook explains (checks and evidence) without an action that ends them.
    pub diagnoses: Vec<AlertKind>,
}

/// What an alert is about, as a runbook names it: a thresholds key (`lambda_error_rate_pct`)
/// or a Windows service that is not running (`service:NexTalk Chat Bridge`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertKind {
    Metric(MetricId),
    Service(String),
    /// A row of a data-defined pane (a preset or `[[panes]]`): `pane:dx` (any row, any
    /// column), `pane:dx:state` (that column), `pane:apigw/nextalk-app-api:5xx` (that row too).
    Pane {
        pane: String,
        row: Option<String>,
        column: Option<String>,
    },
}

impl AlertKind {
    /// Alert keys are `section:entity:metric_key` or `nextalk:server:service:<name>`.
    pub fn matches(&self, alert_key: &str) -> bool {
        match self {
            AlertKind::Metric(m) => alert_key.ends_with(&format!(":{}", m.key())),
            AlertKind::Service(name) => alert_key.split_once(":service:").is_some_and(|(_, s)| s == name),
            // `panes:<pane>/<row>:<column label>`; a row name may hold `:`, the label may not
            // start the key, so the pane is matched at the front and the column at the end.
            AlertKind::Pane { pane, row, column } => {
                let front = match row {
                    Some(r) => format!("panes:{pane}/{r}:"),
                    None => format!("panes:{pane}/"),
                };
                alert_key.starts_with(&front)
                    && column.as_ref().is_none_or(|c| alert_key.ends_with(&format!(":{c}")))
            }
        }
    }
}

impl fmt::Display for AlertKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AlertKind::Metric(m) => write!(f, "{}", m.key()),
            AlertKind::Service(s) => write!(f, "service:{s}"),
            AlertKind::Pane { pane, row, column } => {
                write!(f, "pane:{pane}")?;
                if let Some(r) = row {
                    write!(f, "/{r}")?;
                }
                match column {
                    Some(c) => write!(f, ":{c}"),
                    None => Ok(()),
                }
            }
        }
    }
}

#[derive(Debug, Clone)]
pub struct Step {
    pub id: String,
    pub title: String,
    /// What a failure means and what to do next, shown beside a failed result.
    pub help: Option<String>,
    /// A check that is there to diagnose (e.g. old ERROR lines in a log): its failure is shown
    /// but does not make the run unhealthy once the real checks pass.
    pub advisory: bool,
    /// Texts chosen by the figures (`[[steps.advice]]`): the first that holds replaces `help`
    /// (a manual step's `text`); see `runbook::advice`.
    pub advice: Vec<Advice>,
    pub kind: StepKind,
}

/// `when = "<metric key> <op> <number>"` and the text to show while it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Advice {
    pub metric: MetricId,
    pub op: Op,
    pub value: f64,
    pub text: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Above,
    AtLeast,
    Below,
    AtMost,
}

impl Op {
    pub fn holds(self, figure: f64, limit: f64) -> bool {
        match self {
            Op::Above => figure > limit,
            Op::AtLeast => figure >= limit,
            Op::Below => figure < limit,
            Op::AtMost => figure <= limit,
        }
    }
}

#[derive(Debug, Clone)]
pub enum StepKind {
    Check(Check),
    Action(Action),
    /// An instruction the engineer carries out and marks done (or skips, with a reason).
    Manual {
        text: String,
    },
}

impl StepKind {
    pub fn label(&self) -> &'static str {
        match self {
            StepKind::Check(_) => "check",
            StepKind::Action(_) => "action",
            StepKind::Manual { .. } => "manual",
        }
    }
}

/// A host name written literally or as a reference to one of the runbook's params.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostRef {
    Literal(String),
    Param(String),
}

impl HostRef {
    /// The host name in force. Params are checked at load and on every override, so a missing
    /// one cannot happen for a runbook built by the loader; the fallback keeps this total.
    pub fn resolve<'a>(&'a self, params: &'a BTreeMap<String, String>) -> &'a str {
        match self {
            HostRef::Literal(h) => h,
            HostRef::Param(p) => params.get(p).map(String::as_str).unwrap_or(""),
        }
    }
}

/// Which log lines a `log` check looks for, and whether finding them is good or bad.
#[derive(Debug, Clone)]
pub struct LogPattern {
    /// As written in the file, for display.
    pub source: String,
    pub regex: regex::Regex,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// Pass when no line matches (e.g. no ERROR lines).
    Absent,
    /// Pass when at least one line matches (e.g. "Connected to Amazon Connect").
    Present,
}

/// Where a service check reads service states from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceSource {
    /// The latest telemetry snapshot (cheap, as fresh as the last collection).
    Snapshot,
    /// Ask each server now (`RemoteAction::QueryServices`).
    Remote,
}

#[derive(Debug, Clone)]
pub enum TcpDest {
    Host {
        host: HostRef,
        port: u16,
    },
    /// From each NexTalk server to every other one, on this port.
    Peers {
        port: u16,
    },
}

#[derive(Debug, Clone)]
pub enum Check {
    /// A figure against the thresholds in force: pass when not Warn/Crit. `entity` narrows it
    /// to one queue/function/stream/table/server; otherwise every entity must pass.
    Metric { metric: MetricId, entity: Option<String> },
    /// Each service is Running on each NexTalk server.
    Service { services: Vec<String>, via: ServiceSource },
    /// The name resolves from each server.
    Dns { name: HostRef },
    /// A TCP connection can be opened from each server.
    Tcp { dest: TcpDest },
    /// A pattern in the last `lines` lines of the newest NexTalk log on each server.
    Log { pattern: LogPattern, lines: u32, expect: Expect },
    /// The SSM agent is Online on each server (otherwise no remote command can reach it).
    SsmPing,
    /// Rows of a data-defined pane against the pane's own limits: pass when no judged column
    /// (or `column`) of any row (or `row`) is at warn or crit. The evidence shows every column
    /// of each row, the figures an escalation asks for.
    Pane { pane: String, column: Option<String>, row: Option<String> },
    /// One server could carry the load of both: failover load at most `max_pct`
    /// (default: the crit limit of `nextalk_failover_load_pct`, else 100%).
    Failover { max_pct: Option<f64> },
}

impl Check {
    pub fn label(&self) -> &'static str {
        match self {
            Check::Metric { .. } => "metric",
            Check::Service { .. } => "service",
            Check::Dns { .. } => "dns",
            Check::Tcp { .. } => "tcp",
            Check::Log { .. } => "log",
            Check::SsmPing => "ssm_ping",
            Check::Failover { .. } => "failover",
            Check::Pane { .. } => "pane",
        }
    }

    /// Whether the result is per NexTalk server (so `on = "failed"` can target the failures).
    pub fn is_per_server(&self) -> bool {
        !matches!(self, Check::Metric { .. } | Check::Failover { .. } | Check::Pane { .. })
    }
}

/// Which servers an action runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum On {
    /// Every NexTalk server.
    All,
    /// The servers where the check it remediates (`verifies`, else the nearest check before it)
    /// failed.
    Failed,
    Server(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum ActionKind {
    /// Restart a Windows service (mutating).
    RestartService { service: String },
    /// Open the newest NexTalk log in the console's log pane (a UI effect, changes nothing).
    OpenLog,
    /// Set an emergency flag (`[[flags]]`, by name) to one of its values: SSM PutParameter
    /// (mutating).
    SetFlag { flag: String, value: String },
    /// Change a DynamoDB table's capacity (UpdateTable, mutating): `entity` names the table,
    /// else the one the `verifies` metric check finds at warn or crit.
    UpdateTable { entity: Option<String>, change: CapacityChange },
    /// Double a Kinesis stream's open shards (UpdateShardCount, UNIFORM_SCALING; mutating):
    /// `entity` names the stream, else the one the `verifies` metric check finds failing.
    DoubleShards { entity: Option<String> },
    /// Grow an RDS instance's storage by `grow_pct` percent (ModifyDBInstance AllocatedStorage,
    /// ApplyImmediately; mutating): `entity` names the DB instance, else the one whose free
    /// storage an RDS pane shows at warn or crit. `autoscale_pct`: also set MaxAllocatedStorage that far
    /// above the new size (storage autoscaling).
    GrowStorage { entity: Option<String>, grow_pct: u32, autoscale_pct: Option<u32> },
    /// Add a queue to another routing profile (`share_queue`, Connect
    /// AssociateRoutingProfileQueues) or take it off again (`unshare_queue`,
    /// DisassociateRoutingProfileQueues); `share` names a `[[queue_shares]]` entry (mutating).
    ShareQueue { share: String, associate: bool },
}

/// How `update_table` changes the capacity.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CapacityChange {
    /// BillingMode PAY_PER_REQUEST: no capacity to manage, pay per request.
    OnDemand,
    /// Provisioned read and write capacity times this factor (> 1), rounded up.
    Raise(f64),
}

impl ActionKind {
    pub fn label(&self) -> &'static str {
        match self {
            ActionKind::RestartService { .. } => "restart_service",
            ActionKind::OpenLog => "open_log",
            ActionKind::SetFlag { .. } => "set_flag",
            ActionKind::UpdateTable { .. } => "update_table",
            ActionKind::DoubleShards { .. } => "double_shards",
            ActionKind::GrowStorage { .. } => "grow_storage",
            ActionKind::ShareQueue { associate: true, .. } => "share_queue",
            ActionKind::ShareQueue { associate: false, .. } => "unshare_queue",
        }
    }

    /// The remote command it runs on NexTalk servers, when it runs one. The AWS API calls are
    /// planned by the engine from the figures it has (the flag's parameter, the table's
    /// capacity), so they are not known here.
    pub fn remote(&self) -> Option<crate::source::RemoteAction> {
        match self {
            ActionKind::RestartService { service } => {
                Some(crate::source::RemoteAction::RestartService { service: service.clone() })
            }
            ActionKind::OpenLog
            | ActionKind::SetFlag { .. }
            | ActionKind::UpdateTable { .. }
            | ActionKind::DoubleShards { .. }
            | ActionKind::GrowStorage { .. } => None,
            ActionKind::ShareQueue { .. } => None,
        }
    }

    /// Whether it changes anything (refused in read-only mode).
    pub fn is_mutating(&self) -> bool {
        match self {
            ActionKind::RestartService { .. } => self.remote().is_some_and(|r| r.is_mutating()),
            ActionKind::SetFlag { .. }
            | ActionKind::UpdateTable { .. }
            | ActionKind::DoubleShards { .. }
            | ActionKind::GrowStorage { .. } => true,
            ActionKind::ShareQueue { .. } => true,
            ActionKind::OpenLog => false,
        }
    }

    /// An AWS API call (planned against the figures), not a command on the servers.
    pub fn is_control_plane(&self) -> bool {
        match self {
            ActionKind::SetFlag { .. }
            | ActionKind::UpdateTable { .. }
            | ActionKind::DoubleShards { .. }
            | ActionKind::GrowStorage { .. } => true,
            ActionKind::ShareQueue { .. } => true,
            ActionKind::RestartService { .. } | ActionKind::OpenLog => false,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Action {
    pub kind: ActionKind,
    pub on: On,
    /// Index of the check step re-run after the action, so "the re-check passes" is visible.
    pub verifies: Option<usize>,
    /// How long the re-check waits for the fix to show before it counts as failed
    /// (`verify_within`, seconds); `None`: the engine's default for what the check reads.
    pub verify_within: Option<std::time::Duration>,
    /// The checks before it that it needs (`after = [...]`, besides the one it takes its
    /// targets from and the one it verifies); the others may still run while it is offered.
    /// `None`: every check before it.
    pub after: Option<Vec<usize>>,
    /// Index of the check whose failures `On::Failed` targets (the `verifies` check, else the
    /// nearest check before the action).
    pub failures_of: Option<usize>,
    /// What the checks before it must have found for it to be offered at all (`requires =
    /// [...]`): a failover that only helps while the other site can carry the load is not
    /// offered when it cannot. Empty: no condition.
    pub requires: Vec<Requirement>,
}

/// One condition of `requires`: `"<check>"` (it passed), `"<check> passes on <server>"` or
/// `"<check> fails on <server>"` (that server's row of a per-server check).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requirement {
    pub check: usize,
    pub server: Option<String>,
    pub pass: bool,
}

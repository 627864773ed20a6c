//! One telemetry snapshot of the contact center, as every source (simulator, AWS) delivers it.
//! Rates are per minute (the CloudWatch period the console uses); durations carry their unit
//! in the field name.

use crate::model::time::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Snapshot {
    pub taken_at: Timestamp,
    /// Where the figures come from: `demo:chat-bridge-down` or `aws:123456789012/us-east-1`.
    pub source: String,
    pub connect: Connect,
    pub lambda: Vec<LambdaFunction>,
    pub kinesis: Vec<KinesisStream>,
    pub dynamodb: Vec<DynamoTable>,
    pub nextalk: NexTalk,
    /// The emergency flags (`[[flags]]`, or the simulator's own) with their current values.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flags: Vec<Flag>,
    /// RDS instances as DescribeDBInstances describes them (storage, status, pending
    /// changes): what `grow_storage` is planned against.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub db_instances: Vec<DbInstance>,
    /// Queues that can be shared with another routing profile's agents (`[[queue_shares]]`,
    /// or the simulator's own), with whether they are now.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub queue_shares: Vec<crate::model::QueueShare>,
    /// The data-defined panes (`[[panes]]`, presets), in their configured order.
    pub panes: Vec<crate::model::custom::PaneData>,
    /// Sections that could not be collected this time, with why.
    pub gaps: Vec<Gap>,
}

/// An emergency flag: an SSM Parameter Store parameter that contact flows read (a CRM-lookup
/// bypass, a queue's emergency message), the values it may take and what each one does.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Flag {
    /// `crm_bypass`: what runbooks and the console call it.
    pub name: String,
    /// The parameter's name: `/contact-center/flags/crm-bypass`.
    pub parameter: String,
    /// Every value it may be set to, with what that value does, in the config's order.
    pub values: Vec<FlagValue>,
    /// The value GetParameter returned; `None` when it could not be read (see `error`) or the
    /// parameter does not exist yet.
    pub current: Option<String>,
    /// Why the current value is not known (`ParameterNotFound`, access denied…).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// When `current` was read (the source's clock: simulated time in the demo); `None` when
    /// it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub read_at: Option<Timestamp>,
    /// The parameter's version as Parameter Store reports it (each PutParameter adds one).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<i64>,
    /// When the parameter last changed (GetParameters' `LastModifiedDate`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified_at: Option<Timestamp>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct FlagValue {
    pub value: String,
    /// What setting this value does, in the words the confirmation shows.
    pub meaning: String,
}

impl Flag {
    pub fn meaning(&self, value: &str) -> Option<&str> {
        self.values.iter().find(|v| v.value == value).map(|v| v.meaning.as_str())
    }
}

/// An RDS DB instance's storage as DescribeDBInstances reports it. Sizes are GiB, RDS's unit
/// for AllocatedStorage; a field RDS did not return is `None` (never a 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct DbInstance {
    /// DBInstanceIdentifier: `nextalk-config-db`.
    pub id: String,
    /// DBInstanceStatus: `available`, `modifying`, `storage-optimization`, `storage-full`…
    pub status: String,
    /// Engine: `sqlserver-se`…
    #[serde(skip_serializing_if = "Option::is_none")]
    pub engine: Option<String>,
    /// StorageType: `gp2`, `gp3`, `io1`, `io2`, `standard` (magnetic).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_type: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocated_gib: Option<u32>,
    /// MaxAllocatedStorage: the storage autoscaling ceiling; `None`: autoscaling is off.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_allocated_gib: Option<u32>,
    /// PendingModifiedValues.AllocatedStorage: a storage change accepted, not applied yet.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pending_allocated_gib: Option<u32>,
}

/// An RDS DBInstanceIdentifier as RDS accepts it: 1 to 63 letters, digits or hyphens, a letter
/// first, no hyphen last and no two in a row. The one rule for runbooks, the simulator and the
/// RDS calls, so nothing else reaches a ModifyDBInstance.
pub fn check_db_instance_id(s: &str) -> Result<(), String> {
    let b = s.as_bytes();
    let ok = (1..=63).contains(&b.len())
        && b[0].is_ascii_alphabetic()
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
        && !s.ends_with('-')
        && !s.contains("--");
    if ok {
        Ok(())
    } else {
        Err(format!(
            "invalid DB instance identifier {s:?}: 1 to 63 letters, digits or hyphens, a letter first, no \
             hyphen last or twice in a row"
        ))
    }
}

/// The one rule for a flag's name (config and runbooks): lower-case letters, digits, `_`, `-`.
pub fn check_flag_name(s: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&s.len())
        && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && s.as_bytes()[0].is_ascii_alphanumeric();
    if ok {
        Ok(())
    } else {
        Err(format!("invalid flag name {s:?}: use 1 to 64 lower-case letters, digits, '_' or '-'"))
    }
}

/// An SSM parameter name as Parameter Store accepts it: letters, digits and `_.-/`, at most
/// 1011 characters and 15 levels below the root, not under the reserved `aws`/`ssm` prefixes.
pub fn check_parameter_name(s: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("invalid parameter name {s:?}: {why}"));
    if s.is_empty() || s.len() > 1011 {
        return bad("must be 1 to 1011 characters");
    }
    if !s.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-' | b'/')) {
        return bad("use letters, digits, '_', '.', '-' and '/'");
    }
    if s.contains("//") || (s.contains('/') && !s.starts_with('/')) || s.ends_with('/') {
        return bad("a hierarchy starts with '/' and has no empty level");
    }
    if s.matches('/').count() > 15 {
        return bad("at most 15 levels");
    }
    let first = s.trim_start_matches('/').split('/').next().unwrap_or("").to_ascii_lowercase();
    if first.starts_with("aws") || first.starts_with("ssm") {
        return bad("names beginning with aws or ssm are reserved by AWS");
    }
    Ok(())
}

/// A flag value: 1 to 256 printable ASCII characters without quotes (contact flows compare
/// it as a string; nothing in it can need escaping).
pub fn check_flag_value(s: &str) -> Result<(), String> {
    let ok = (1..=256).contains(&s.len())
        && s.bytes().all(|b| (b' '..=b'~').contains(&b) && b != b'"' && b != b'\\');
    if ok {
        Ok(())
    } else {
        Err(format!("invalid flag value {s:?}: use 1 to 256 printable characters, no quotes or backslashes"))
    }
}

#[cfg(test)]
mod flag_rules {
    use super::*;

    #[test]
    fn names_parameters_and_values() {
        assert!(check_flag_name("crm_bypass").is_ok());
        assert!(check_flag_name("CRM").is_err());
        assert!(check_parameter_name("/contact-center/flags/crm-bypass").is_ok());
        assert!(check_parameter_name("plain_name").is_ok());
        for bad in ["", "/a//b", "a/b", "/a/", "/aws/x", "ssm-thing", "/a b", "/x'; rm"] {
            assert!(check_parameter_name(bad).is_err(), "{bad}");
        }
        assert!(check_flag_value("on").is_ok());
        assert!(check_flag_value("say \"hi\"").is_err());
        assert!(check_flag_value("").is_err());
    }
}

impl Snapshot {
    /// Replaces this snapshot's figures of `section` by `from`'s (taking them out of `from`).
    /// The queues are their own section inside Connect's figures: each side keeps the other.
    pub fn take_section(&mut self, from: &mut Snapshot, section: Section) {
        use std::mem::take;
        match section {
            Section::Queues => self.connect.queues = take(&mut from.connect.queues),
            Section::Connect => {
                let queues = take(&mut self.connect.queues);
                self.connect = take(&mut from.connect);
                self.connect.queues = queues;
            }
            Section::Lambda => self.lambda = take(&mut from.lambda),
            Section::Kinesis => self.kinesis = take(&mut from.kinesis),
            Section::DynamoDb => self.dynamodb = take(&mut from.dynamodb),
            Section::NexTalk => self.nextalk = take(&mut from.nextalk),
            Section::Panes => self.panes = take(&mut from.panes),
        }
    }
}

/// The panes of the console and the sections of a snapshot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Section {
    Connect,
    Queues,
    Lambda,
    Kinesis,
    DynamoDb,
    NexTalk,
    /// Every data-defined pane (`[[panes]]`, presets); rows are `<pane id>/<row>`.
    Panes,
}

impl Section {
    pub const ALL: [Section; 7] = [
        Section::Queues,
        Section::Connect,
        Section::Lambda,
        Section::Kinesis,
        Section::DynamoDb,
        Section::NexTalk,
        Section::Panes,
    ];

    pub fn title(self) -> &'static str {
        match self {
            Section::Connect => "Connect",
            Section::Queues => "Queues",
            Section::Lambda => "Lambda",
            Section::Kinesis => "Kinesis",
            Section::DynamoDb => "DynamoDB",
            Section::NexTalk => "NexTalk",
            Section::Panes => "Panes",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Section::Connect => "connect",
            Section::Queues => "queues",
            Section::Lambda => "lambda",
            Section::Kinesis => "kinesis",
            Section::DynamoDb => "dynamodb",
            Section::NexTalk => "nextalk",
            Section::Panes => "panes",
        }
    }

    pub fn from_key(key: &str) -> Option<Section> {
        Section::ALL.iter().copied().find(|s| s.key() == key)
    }
}

/// Something a snapshot could not collect this time, with why. A gap names a section; when it
/// names one figure of it (a NexTalk server's ports, its service states), only that figure is
/// missing and everything else in the section stands, so a check that does not need the
/// figure is judged as usual.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Gap {
    pub section: Section,
    pub error: String,
    /// `None`: the whole section is missing or stale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub figure: Option<NexTalkFigure>,
    /// The NexTalk server the gap is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server: Option<String>,
}

impl Gap {
    /// The whole section is missing or stale.
    pub fn section(section: Section, error: impl Into<String>) -> Gap {
        Gap { section, error: error.into(), figure: None, server: None }
    }

    /// One figure of the NexTalk section, on every server (`server: None`) or on one.
    pub fn nextalk(figure: NexTalkFigure, server: Option<&str>, error: impl Into<String>) -> Gap {
        Gap {
            section: Section::NexTalk,
            error: error.into(),
            figure: Some(figure),
            server: server.map(String::from),
        }
    }

    /// Whether this gap leaves `figure` of `server` missing.
    pub fn hides(&self, figure: NexTalkFigure, server: &str) -> bool {
        self.section == Section::NexTalk
            && self.figure.is_none_or(|f| f == figure)
            && self.server.as_deref().is_none_or(|s| s == server)
    }
}

/// The NexTalk figures that come from different places (CloudWatch or an SSM probe for ports,
/// an SSM Run Command probe for services, DescribeInstanceInformation for ping and address).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NexTalkFigure {
    Ports,
    Services,
    SsmPing,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Connect {
    pub instance_id: String,
    pub concurrent_calls: u32,
    pub concurrent_calls_quota: u32,
    pub concurrent_chats: u32,
    pub concurrent_chats_quota: u32,
    pub missed_calls: u32,
    pub throttled_calls: u32,
    pub contact_flow_errors: u32,
    pub queues: Vec<Queue>,
}

impl Connect {
    /// `None` while the quota is not known (0): a share of nothing is no figure.
    pub fn calls_pct(&self) -> Option<f64> {
        pct(self.concurrent_calls as f64, self.concurrent_calls_quota as f64)
    }

    pub fn chats_pct(&self) -> Option<f64> {
        pct(self.concurrent_chats as f64, self.concurrent_chats_quota as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct Queue {
    pub id: String,
    pub name: String,
    pub contacts_in_queue: u32,
    /// Age of the oldest waiting contact; `None` when nobody waits.
    pub oldest_contact_age_s: Option<f64>,
    pub agents_online: u32,
    pub agents_available: u32,
    pub agents_on_contact: u32,
    /// Service figures over the recent window (Connect GetMetricDataV2 live, the last 15
    /// minutes by default); each `None` when the window holds no contact it could be computed
    /// from (or the figures could not be fetched): unknown, never 0.
    /// Share of the contacts that left the queue that an agent answered within
    /// `service_level_threshold_s`.
    pub service_level_pct: Option<f64>,
    /// The answer-within threshold the service level was computed for (per queue).
    pub service_level_threshold_s: Option<u32>,
    /// Share of the queued contacts whose caller gave up waiting.
    pub abandonment_rate_pct: Option<f64>,
    /// Average wait of the contacts an agent answered.
    pub avg_answer_time_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct LambdaFunction {
    pub name: String,
    pub invocations: u64,
    pub errors: u64,
    pub throttles: u64,
    /// `None` when the function was not invoked in the period.
    pub duration_p99_ms: Option<f64>,
    pub concurrent_executions: u32,
}

impl LambdaFunction {
    /// `None` when the function was not invoked: no invocations, no rate (not 0 %).
    pub fn error_rate_pct(&self) -> Option<f64> {
        pct(self.errors as f64, self.invocations as f64)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct KinesisStream {
    pub name: String,
    /// Consumer lag; `None` when no consumer reads the stream.
    pub iterator_age_ms: Option<f64>,
    pub put_latency_ms: Option<f64>,
    pub incoming_records: u64,
    pub write_throughput_exceeded: u64,
    pub read_throughput_exceeded: u64,
    /// Open shards (the figure UpdateShardCount scales from); `None` when not known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub open_shards: Option<u32>,
}

impl KinesisStream {
    pub fn throughput_exceeded(&self) -> u64 {
        self.write_throughput_exceeded + self.read_throughput_exceeded
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct DynamoTable {
    pub name: String,
    /// Capacity units per second.
    pub consumed_read: f64,
    /// `None` for on-demand tables.
    pub provisioned_read: Option<f64>,
    pub consumed_write: f64,
    pub provisioned_write: Option<f64>,
    pub read_throttles: u64,
    pub write_throttles: u64,
}

impl DynamoTable {
    pub fn read_pct(&self) -> Option<f64> {
        self.provisioned_read.and_then(|p| pct(self.consumed_read, p))
    }

    pub fn write_pct(&self) -> Option<f64> {
        self.provisioned_write.and_then(|p| pct(self.consumed_write, p))
    }

    pub fn throttles(&self) -> u64 {
        self.read_throttles + self.write_throttles
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct NexTalk {
    pub servers: Vec<NexTalkServer>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default)]
pub struct NexTalkServer {
    pub name: String,
    /// EC2 instance id, the SSM target.
    pub instance_id: String,
    /// `None` when no figure came for it (AWS: no datapoint of the ports metric): unknown,
    /// never 0.
    pub ports_in_use: Option<u32>,
    pub ports_capacity: u32,
    pub services: Vec<WinService>,
    pub ssm_ping: PingStatus,
    pub last_seen: Option<Timestamp>,
    /// How the other servers reach this one, and where that address came from.
    pub address: Option<Address>,
}

/// A host name or IP address other servers use to reach a NexTalk server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub host: String,
    pub source: AddressSource,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AddressSource {
    /// `address` in `[[nextalk.servers]]`.
    Config,
    /// DescribeInstanceInformation's `IPAddress`.
    SsmIpAddress,
    /// DescribeInstanceInformation's `ComputerName`.
    SsmComputerName,
    /// The simulated servers' internal names.
    Simulator,
}

impl AddressSource {
    /// For evidence: `from SSM (IPAddress)`.
    pub fn describe(self) -> &'static str {
        match self {
            AddressSource::Config => "the address in the config",
            AddressSource::SsmIpAddress => "the IP address SSM reports",
            AddressSource::SsmComputerName => "the computer name SSM reports",
            AddressSource::Simulator => "the simulator's internal name",
        }
    }
}

impl NexTalkServer {
    pub fn port_pct(&self) -> Option<f64> {
        pct(f64::from(self.ports_in_use?), f64::from(self.ports_capacity))
    }

    pub fn service(&self, name: &str) -> Option<&WinService> {
        self.services.iter().find(|s| s.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WinService {
    pub name: String,
    pub status: ServiceStatus,
}

/// Windows service states, spelled as `Get-Service` prints them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum ServiceStatus {
    Running,
    Stopped,
    StartPending,
    StopPending,
    Paused,
    /// The server has no service of that name or display name (what our query prints as
    /// `name|NotFound`; Windows itself has no such state).
    NotFound,
    #[default]
    Unknown,
}

impl ServiceStatus {
    pub fn parse(s: &str) -> ServiceStatus {
        match s.trim() {
            "Running" => ServiceStatus::Running,
            "Stopped" => ServiceStatus::Stopped,
            "StartPending" => ServiceStatus::StartPending,
            "StopPending" => ServiceStatus::StopPending,
            "Paused" => ServiceStatus::Paused,
            "NotFound" => ServiceStatus::NotFound,
            _ => ServiceStatus::Unknown,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceStatus::Running => "Running",
            ServiceStatus::Stopped => "Stopped",
            ServiceStatus::StartPending => "StartPending",
            ServiceStatus::StopPending => "StopPending",
            ServiceStatus::Paused => "Paused",
            ServiceStatus::NotFound => "NotFound",
            ServiceStatus::Unknown => "Unknown",
        }
    }
}

/// SSM agent ping, as DescribeInstanceInformation reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum PingStatus {
    Online,
    ConnectionLost,
    Inactive,
    #[default]
    Unknown,
}

impl PingStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            PingStatus::Online => "Online",
            PingStatus::ConnectionLost => "ConnectionLost",
            PingStatus::Inactive => "Inactive",
            PingStatus::Unknown => "Unknown",
        }
    }

    /// At most 8 characters, for narrow columns: `ConnectionLost` cut to `Connect` would read
    /// as its opposite.
    pub fn short(self) -> &'static str {
        match self {
            PingStatus::ConnectionLost => "Lost",
            other => other.as_str(),
        }
    }
}

/// Could the survivors carry everything if the busiest-capacity server failed?
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Failover {
    /// `None` when a server's ports are not known: then nobody can say.
    pub ports_in_use_total: Option<u32>,
    /// Port capacity left after losing the largest server.
    pub survivor_capacity: u32,
    /// `ports_in_use_total` as a share of `survivor_capacity` (>100 means calls would drop);
    /// `None` when the total is unknown.
    pub load_pct: Option<f64>,
}

impl Failover {
    /// Whether one server could carry all the calls; `None` when that is not known.
    pub fn survivable(&self) -> Option<bool> {
        self.load_pct.map(|p| p <= 100.0)
    }
}

impl NexTalk {
    /// `None` with fewer than two servers (there is nothing to fail over to) or while any
    /// server's ports in use are unknown (the load cannot be told).
    pub fn failover(&self) -> Option<Failover> {
        if self.servers.len() < 2 {
            return None;
        }
        let total: Option<u32> = self.servers.iter().map(|s| s.ports_in_use).sum();
        let capacity: u32 = self.servers.iter().map(|s| s.ports_capacity).sum();
        let largest = self.servers.iter().map(|s| s.ports_capacity).max().unwrap_or(0);
        let survivor_capacity = capacity - largest;
        let load_pct = total.map(|total| {
            if survivor_capacity == 0 {
                if total == 0 { 0.0 } else { f64::INFINITY }
            } else {
                f64::from(total) / f64::from(survivor_capacity) * 100.0
            }
        });
        Some(Failover { ports_in_use_total: total, survivor_capacity, load_pct })
    }
}

/// Percentage; `None` for an empty denominator (AWS: "no data / divide by zero"), which is
/// unknown, not 0 %.
pub fn pct(part: f64, whole: f64) -> Option<f64> {
    (whole > 0.0).then(|| part / whole * 100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(in_use: u32, cap: u32) -> NexTalkServer {
        NexTalkServer { ports_in_use: Some(in_use), ports_capacity: cap, ..Default::default() }
    }

    #[test]
    fn failover_load_is_both_servers_on_the_smaller_survivor() {
        let n = NexTalk { servers: vec![server(30, 96), server(40, 96)] };
        let f = n.failover().unwrap();
        assert_eq!(f.ports_in_use_total, Some(70));
        assert_eq!(f.survivor_capacity, 96);
        assert!((f.load_pct.unwrap() - 72.9).abs() < 0.1);
        assert_eq!(f.survivable(), Some(true));
        let n = NexTalk { servers: vec![server(60, 96), server(50, 96)] };
        assert_eq!(n.failover().unwrap().survivable(), Some(false));
        assert!(NexTalk { servers: vec![server(1, 96)] }.failover().is_none());
        // One server's ports unknown: the load is unknown too, not computed from a 0.
        let mut n = NexTalk { servers: vec![server(30, 96), server(40, 96)] };
        n.servers[1].ports_in_use = None;
        let f = n.failover().unwrap();
        assert_eq!((f.ports_in_use_total, f.load_pct, f.survivable()), (None, None, None));
        assert_eq!(n.servers[1].port_pct(), None);
    }

    #[test]
    fn a_server_without_a_ports_figure_leaves_ports_and_failover_unknown() {
        let unknown = NexTalkServer { ports_in_use: None, ports_capacity: 96, ..Default::default() };
        assert_eq!(unknown.port_pct(), None);
        let f = NexTalk { servers: vec![server(10, 96), unknown] }.failover().unwrap();
        assert_eq!((f.ports_in_use_total, f.load_pct, f.survivable()), (None, None, None));
        assert_eq!(f.survivor_capacity, 96);
    }

    #[test]
    fn rates_of_nothing_are_unknown_not_zero() {
        let f = LambdaFunction { errors: 0, invocations: 0, ..Default::default() };
        assert_eq!(f.error_rate_pct(), None);
        let f = LambdaFunction { errors: 3, invocations: 60, ..Default::default() };
        assert!((f.error_rate_pct().unwrap() - 5.0).abs() < 1e-9);
        let c = Connect { concurrent_calls: 4, concurrent_calls_quota: 0, ..Default::default() };
        assert_eq!(c.calls_pct(), None);
        let d = DynamoTable { provisioned_read: Some(0.0), ..Default::default() };
        assert_eq!(d.read_pct(), None);
    }

    #[test]
    fn service_status_parses_get_service_output() {
        assert_eq!(ServiceStatus::parse(" Running\r"), ServiceStatus::Running);
        assert_eq!(ServiceStatus::parse("StopPending"), ServiceStatus::StopPending);
        assert_eq!(ServiceStatus::parse("weird"), ServiceStatus::Unknown);
    }
}

//! `[aws]` in the config file: which Connect instance, which Lambda functions, Kinesis streams
//! and DynamoDB tables, which NexTalk servers and Windows services, and how often to look.
//! Compiled with or without the `aws` feature, so a UI-only build still reads (and checks) a
//! config written for AWS.
//!
//! ```toml
//! [aws]
//! account_id = "123456789012"   # optional: skips STS GetCallerIdentity for the label
//! max_attempts = 3              # SDK attempts per request (1 = no retries)
//! operation_timeout_ms = 10000  # whole request including retries
//! connect_timeout_ms = 3000
//!
//! [aws.refresh]                 # seconds between refreshes, per source
//! metrics_s = 60
//! queues_s = 15
//! ssm_ping_s = 60
//! services_s = 120
//! service_s = 60                # queue service figures (GetMetricDataV2), with the queues
//!
//! [aws.connect]
//! instance_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
//! queues = ["Billing", "Support"]   # empty or absent: every STANDARD queue
//! channels = ["VOICE", "CHAT"]
//! concurrent_calls_quota = 100      # optional: when the metrics cannot tell
//! concurrent_chats_quota = 500
//! rate_per_s = 1.0                  # our share of Connect's 5 req/s per account and Region
//! burst = 3                         # of its burst of 8: a refresh after a pause goes at once
//! throttle_retries = 4
//! service_level_s = 20              # SERVICE_LEVEL: answered within this many seconds
//! service_level_s_by_queue = { "TTY Relay" = 60 }   # per queue, by name
//! service_window_minutes = 15       # GetMetricDataV2 looks back this far
//!
//! [aws.metrics]
//! window_minutes = 15               # look back this far for the newest datapoint
//! lambda = ["connect-*", "nextalk-auth"]   # names or glob patterns (ListMetrics)
//! kinesis = ["ctr-stream"]
//! dynamodb = ["contacts-*"]
//!
//! [aws.ports]                       # NexTalk port usage: a custom CloudWatch metric
//! namespace = "NexTalk"
//! metric = "PortsInUse"
//! statistic = "Maximum"
//! dimensions = { InstanceId = "{instance_id}" }   # {instance_id} and {server} are filled in
//!
//! [aws.logs]                       # Lambda error logs (CloudWatch Logs FilterLogEvents)
//! lookback_minutes = 15             # how far back the first read goes
//! poll_interval_s = 5               # between two reads for new events (quota: 5-25 TPS shared)
//! error_terms = ["ERROR", "Error", "Exception", "Task timed out"]   # any of them marks an error
//! rate_per_s = 2.0                  # our share of FilterLogEvents' 5-25 req/s (all log tails)
//! burst = 4
//!
//! [aws.ssm]
//! services = ["NexTalk App API", "NexTalk Chat Bridge"]
//! log_dir = 'C:\ProgramData\NexTalk\Logs'
//!
//! [[aws.servers]]
//! name = "nt-a"
//! instance_id = "i-0123456789abcdef0"
//! port_capacity = 96
//! ```

use serde::Deserialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AwsSettings {
    /// The account for the status bar label. When absent, STS GetCallerIdentity asks.
    #[serde(default)]
    pub account_id: Option<String>,
    /// SDK attempts per request, first try included (CloudWatch, SSM, STS). Connect calls are
    /// retried by our own jittered backoff instead, see [`ConnectSettings`].
    #[serde(default = "defaults::max_attempts")]
    pub max_attempts: u32,
    /// Upper bound for one API call including SDK retries.
    #[serde(default = "defaults::operation_timeout_ms")]
    pub operation_timeout_ms: u64,
    #[serde(default = "defaults::connect_timeout_ms")]
    pub connect_timeout_ms: u64,
    #[serde(default)]
    pub refresh: RefreshSettings,
    /// The top-level `[[flags]]`, handed over by the config: the only parameters this backend
    /// reads and the only values it ever writes to them.
    #[serde(skip)]
    pub flags: Vec<crate::model::Flag>,
    /// The top-level `[[queue_shares]]`, handed over by the config: the only routing profile
    /// and queue ids this backend ever associates or disassociates.
    #[serde(skip)]
    pub queue_shares: Vec<crate::model::QueueShare>,
    #[serde(default)]
    pub connect: Option<ConnectSettings>,
    #[serde(default)]
    pub metrics: MetricSettings,
    #[serde(default)]
    pub ports: PortMetricSettings,
    #[serde(default)]
    pub logs: LogSettings,
    #[serde(default)]
    pub ssm: SsmSettings,
    /// The team cache: one console polls Connect, the others read its figures from DynamoDB.
    #[serde(default)]
    pub team: Option<TeamSettings>,
    /// The NexTalk servers (normally two).
    #[serde(default)]
    pub servers: Vec<ServerSettings>,
    /// The data-defined panes (`[[panes]]`, presets): the config hands them over, so their
    /// columns are batched into the same GetMetricData calls as the built-in panes.
    #[serde(skip)]
    pub panes: Vec<crate::model::PaneDef>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RefreshSettings {
    /// CloudWatch GetMetricData (Connect instance, Lambda, Kinesis, DynamoDB, NexTalk ports).
    /// The metrics have a 60 s period: refreshing faster only costs money.
    #[serde(default = "defaults::metrics_s")]
    pub metrics_s: u64,
    /// Connect GetCurrentMetricData (live queue figures).
    #[serde(default = "defaults::queues_s")]
    pub queues_s: u64,
    /// SSM DescribeInstanceInformation (agent ping).
    #[serde(default = "defaults::ssm_ping_s")]
    pub ssm_ping_s: u64,
    /// The Windows service probe (an SSM Run Command per refresh: keep it slow).
    #[serde(default = "defaults::services_s")]
    pub services_s: u64,
    /// The ports probe (`[aws.ports] counter`), an SSM Run Command per refresh too.
    #[serde(default = "defaults::services_s")]
    pub ports_probe_s: u64,
    /// SSM GetParameters of the `[[flags]]` (one call per 10 flags).
    #[serde(default = "defaults::ssm_ping_s")]
    pub flags_s: u64,
    /// RDS DescribeDBInstances of the RDS panes' instances (storage, status, pending changes).
    #[serde(default = "defaults::ssm_ping_s")]
    pub rds_s: u64,
    /// The queues' service figures (GetMetricDataV2): fetched by the queues source, at most
    /// this often. They cover a 15-minute window, so a minute old is still news.
    #[serde(default = "defaults::service_s")]
    pub service_s: u64,
}

impl Default for RefreshSettings {
    fn default() -> Self {
        RefreshSettings {
            metrics_s: defaults::metrics_s(),
            queues_s: defaults::queues_s(),
            ssm_ping_s: defaults::ssm_ping_s(),
            services_s: defaults::services_s(),
            ports_probe_s: defaults::services_s(),
            flags_s: defaults::ssm_ping_s(),
            rds_s: defaults::ssm_ping_s(),
            service_s: defaults::service_s(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectSettings {
    /// The Amazon Connect instance id (the UUID, not the ARN).
    pub instance_id: String,
    /// Queue names to watch; empty means every STANDARD queue of the instance.
    #[serde(default)]
    pub queues: Vec<String>,
    /// Channels counted in the live queue figures.
    #[serde(default = "defaults::channels")]
    pub channels: Vec<String>,
    /// Concurrent-calls quota of the instance, used when the metrics cannot derive it (no calls
    /// right now). Without it, and without calls, the percentage reads 0.
    #[serde(default)]
    pub concurrent_calls_quota: Option<u32>,
    #[serde(default)]
    pub concurrent_chats_quota: Option<u32>,
    /// Our Connect calls per second in the long run (every Connect call of this process, all
    /// sources together). GetCurrentMetricData has a 5 req/s quota per account and Region
    /// shared by every caller (other engineers, wallboards, scripts): take a minority of it.
    #[serde(default = "defaults::connect_rate_per_s")]
    pub rate_per_s: f64,
    /// Calls that may go out at once after a quiet spell (the quota's burst is 8): a refresh
    /// of up to `burst` pages arrives in one round trip's time.
    #[serde(default = "defaults::connect_burst")]
    pub burst: u32,
    /// Retries of a throttled (or 5xx) Connect call, with exponential backoff and jitter.
    #[serde(default = "defaults::throttle_retries")]
    pub throttle_retries: u32,
    #[serde(default = "defaults::backoff_min_ms")]
    pub backoff_min_ms: u64,
    #[serde(default = "defaults::backoff_max_ms")]
    pub backoff_max_ms: u64,
    /// SERVICE_LEVEL's threshold: the share of contacts an agent answered within this many
    /// seconds. Connect takes whole seconds from 1 to 604800 (a week).
    #[serde(default = "defaults::service_level_s")]
    pub service_level_s: u32,
    /// Per-queue thresholds by queue name; the others use `service_level_s`.
    #[serde(default)]
    pub service_level_s_by_queue: BTreeMap<String, u32>,
    /// The window the service figures cover, ending now.
    #[serde(default = "defaults::service_window_minutes")]
    pub service_window_minutes: u32,
    /// GetMetricDataV2 wants the instance ARN; by default it is built from the partition of
    /// the Region, the account and `instance_id`.
    #[serde(default)]
    pub instance_arn: Option<String>,
}

/// SERVICE_LEVEL thresholds Connect accepts, in seconds.
pub const SERVICE_LEVEL_RANGE: std::ops::RangeInclusive<u32> = 1..=604_800;

impl ConnectSettings {
    /// The answer-within threshold for the queue called `name`.
    pub fn service_level_s_for(&self, name: &str) -> u32 {
        self.service_level_s_by_queue.get(name).copied().unwrap_or(self.service_level_s)
    }

    /// The instance ARN for GetMetricDataV2: the configured one, else built from the account
    /// and Region; `None` while the account is not known.
    pub fn instance_arn(&self, account: &str, region: &str) -> Option<String> {
        if let Some(arn) = &self.instance_arn {
            return Some(arn.clone());
        }
        let known = account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit());
        known.then(|| {
            format!("arn:{}:connect:{region}:{account}:instance/{}", partition(region), self.instance_id)
        })
    }
}

/// The AWS partition a Region belongs to (ARNs differ in China and GovCloud).
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else if region.starts_with("us-isob-") {
        "aws-iso-b"
    } else if region.starts_with("us-iso-") {
        "aws-iso"
    } else {
        "aws"
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetricSettings {
    /// How far back GetMetricData looks; the newest datapoint in the window wins, so sparse
    /// metrics (emitted only when non-zero) still show a value.
    #[serde(default = "defaults::window_minutes")]
    pub window_minutes: u32,
    /// Count metrics (Sum) whose newest datapoint is older than this read as 0: AWS emits
    /// many counts only while something happens, so an old datapoint is not "now".
    #[serde(default = "defaults::count_fresh_minutes")]
    pub count_fresh_minutes: u32,
    /// Lambda function names or glob patterns (`*`, `?`, `[...]`).
    #[serde(default)]
    pub lambda: Vec<String>,
    /// Kinesis stream names or glob patterns.
    #[serde(default)]
    pub kinesis: Vec<String>,
    /// DynamoDB table names or glob patterns.
    #[serde(default)]
    pub dynamodb: Vec<String>,
}

impl Default for MetricSettings {
    fn default() -> Self {
        MetricSettings {
            window_minutes: defaults::window_minutes(),
            count_fresh_minutes: defaults::count_fresh_minutes(),
            lambda: Vec::new(),
            kinesis: Vec::new(),
            dynamodb: Vec::new(),
        }
    }
}

/// Where NexTalk port usage comes from: a custom CloudWatch metric (usually published by the
/// CloudWatch agent from a Windows performance counter).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PortMetricSettings {
    #[serde(default = "defaults::ports_namespace")]
    pub namespace: String,
    #[serde(default = "defaults::ports_metric")]
    pub metric: String,
    /// CloudWatch statistic: Maximum (default), Average, Minimum, Sum, or a percentile `p90`.
    #[serde(default = "defaults::ports_statistic")]
    pub statistic: String,
    /// Dimension name → value; `{instance_id}` and `{server}` in a value are replaced per
    /// server.
    #[serde(default = "defaults::ports_dimensions")]
    pub dimensions: BTreeMap<String, String>,
    /// A Windows performance counter with the ports in use (`\NexTalk\Ports In Use`), read
    /// through SSM with `Get-Counter` for the servers the metric has no datapoint for. None:
    /// no fallback, the ports of such a server are unknown.
    #[serde(default)]
    pub counter: Option<String>,
}

/// A dimension value naming a placeholder that is not filled in (`{name}` for `{server}`):
/// such a query would never match a datapoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadPlaceholder {
    pub dimension: String,
    pub value: String,
    /// As written, braces included (`{name}`), or the unclosed rest (`{instance_id`).
    pub placeholder: String,
}

impl PortMetricSettings {
    /// Placeholders filled in per server.
    pub const PLACEHOLDERS: [&'static str; 2] = ["{instance_id}", "{server}"];

    /// The first `{…}` in a dimension value that is not one of [`Self::PLACEHOLDERS`].
    pub fn unknown_placeholder(&self) -> Option<BadPlaceholder> {
        for (dimension, value) in &self.dimensions {
            let mut rest = value.as_str();
            while let Some(open) = rest.find('{') {
                let tail = &rest[open..];
                let placeholder = match tail.find('}') {
                    Some(close) => &tail[..=close],
                    None => tail,
                };
                if !Self::PLACEHOLDERS.contains(&placeholder) {
                    return Some(BadPlaceholder {
                        dimension: dimension.clone(),
                        value: value.clone(),
                        placeholder: placeholder.to_string(),
                    });
                }
                rest = &tail[placeholder.len()..];
            }
        }
        None
    }
}

impl Default for PortMetricSettings {
    fn default() -> Self {
        PortMetricSettings {
            namespace: defaults::ports_namespace(),
            metric: defaults::ports_metric(),
            statistic: defaults::ports_statistic(),
            dimensions: defaults::ports_dimensions(),
            counter: None,
        }
    }
}

/// `[aws.logs]`: reading Lambda error logs with CloudWatch Logs FilterLogEvents, whose 5-25
/// requests/s quota per account and Region is shared by everyone and cannot be raised.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    /// How far back the first read of a function's log goes.
    #[serde(default = "defaults::lookback_minutes")]
    pub lookback_minutes: u32,
    /// Pause between two reads for new events; at least 2 s.
    #[serde(default = "defaults::poll_interval_s")]
    pub poll_interval_s: u64,
    /// An event containing any of these (case-sensitive, as CloudWatch matches) is an error.
    /// They become the filter pattern `?ERROR ?Error ?Exception ?"Task timed out"`.
    #[serde(default = "defaults::error_terms")]
    pub error_terms: Vec<String>,
    /// Events per FilterLogEvents page (AWS allows 1-10,000).
    #[serde(default = "defaults::page_limit")]
    pub page_limit: u32,
    /// Our FilterLogEvents calls per second in the long run, all open log tails together
    /// (the account's 5-25 req/s cannot be raised).
    #[serde(default = "defaults::logs_rate_per_s")]
    pub rate_per_s: f64,
    /// Calls that may go out at once after a quiet spell.
    #[serde(default = "defaults::logs_burst")]
    pub burst: u32,
    /// Retries of a throttled (or 5xx) call, with exponential backoff and jitter.
    #[serde(default = "defaults::throttle_retries")]
    pub throttle_retries: u32,
    #[serde(default = "defaults::logs_backoff_min_ms")]
    pub backoff_min_ms: u64,
    #[serde(default = "defaults::logs_backoff_max_ms")]
    pub backoff_max_ms: u64,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            lookback_minutes: defaults::lookback_minutes(),
            poll_interval_s: defaults::poll_interval_s(),
            error_terms: defaults::error_terms(),
            page_limit: defaults::page_limit(),
            rate_per_s: defaults::logs_rate_per_s(),
            burst: defaults::logs_burst(),
            throttle_retries: defaults::throttle_retries(),
            backoff_min_ms: defaults::logs_backoff_min_ms(),
            backoff_max_ms: defaults::logs_backoff_max_ms(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SsmSettings {
    /// Windows services probed on every server (service or display names).
    #[serde(default = "defaults::services")]
    pub services: Vec<String>,
    /// The NexTalk log folder on the servers (for log tails).
    #[serde(default = "defaults::log_dir")]
    pub log_dir: String,
    /// SendCommand TimeoutSeconds: a command not started by then is not run.
    #[serde(default = "defaults::delivery_timeout_s")]
    pub delivery_timeout_s: u32,
    /// `executionTimeout` of AWS-RunPowerShellScript.
    #[serde(default = "defaults::execution_timeout_s")]
    pub execution_timeout_s: u32,
    /// How long the service probe waits for its invocations before giving up on them.
    #[serde(default = "defaults::probe_timeout_s")]
    pub probe_timeout_s: u64,
    /// Pause between two GetCommandInvocation polls.
    #[serde(default = "defaults::poll_interval_ms")]
    pub poll_interval_ms: u64,
    /// How long GetCommandInvocation may answer InvocationDoesNotExist after SendCommand
    /// (SSM is eventually consistent) before that counts as an error.
    #[serde(default = "defaults::invocation_grace_ms")]
    pub invocation_grace_ms: u64,
}

impl Default for SsmSettings {
    fn default() -> Self {
        SsmSettings {
            services: defaults::services(),
            log_dir: defaults::log_dir(),
            delivery_timeout_s: defaults::delivery_timeout_s(),
            execution_timeout_s: defaults::execution_timeout_s(),
            probe_timeout_s: defaults::probe_timeout_s(),
            poll_interval_ms: defaults::poll_interval_ms(),
            invocation_grace_ms: defaults::invocation_grace_ms(),
        }
    }
}

/// `[aws.team]`: share one Connect poller between every console of the team through a
/// DynamoDB table (`switchboard team init` creates it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamSettings {
    /// The DynamoDB table (on-demand, key `pk` of type string, TTL on `ttl`).
    pub table: String,
    /// How long a lease lasts without renewal. The holder renews it with every refresh, so it
    /// must be longer than `[aws.refresh] queues_s` plus a slow poll; when the holder is gone,
    /// another console takes over after at most this long.
    #[serde(default = "defaults::lease_s")]
    pub lease_s: u64,
    /// Figures larger than this (after compression) are split over several items; DynamoDB's
    /// item limit is 400 KB, names and the other attributes included.
    #[serde(default = "defaults::max_item_kb")]
    pub max_item_kb: u32,
    /// How this process is named in the lease (default `user@host:pid`).
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServerSettings {
    /// The name on screen and in the audit log.
    pub name: String,
    /// EC2 instance id: the SSM target and the usual port-metric dimension.
    pub instance_id: String,
    /// Simultaneous call channels the server can carry.
    pub port_capacity: u32,
    /// How the other servers reach this one; `None`: the address SSM reports.
    #[serde(default)]
    pub address: Option<String>,
}

impl AwsSettings {
    /// Every problem found, each naming its key (`aws.servers[1].instance_id: ...`), so the
    /// config loader can point at it. Empty when all is well.
    pub fn validate(&self) -> Vec<String> {
        let mut problems = Vec::new();
        let mut bad = |key: String, msg: String| problems.push(format!("{key}: {msg}"));
        if let Some(acct) = &self.account_id
            && !(acct.len() == 12 && acct.bytes().all(|b| b.is_ascii_digit()))
        {
            bad("aws.account_id".into(), format!("{acct:?} is not a 12-digit account id"));
        }
        if self.max_attempts == 0 {
            bad("aws.max_attempts".into(), "must be at least 1".into());
        }
        for (key, v) in [
            ("metrics_s", self.refresh.metrics_s),
            ("queues_s", self.refresh.queues_s),
            ("ssm_ping_s", self.refresh.ssm_ping_s),
            ("services_s", self.refresh.services_s),
            ("ports_probe_s", self.refresh.ports_probe_s),
            ("flags_s", self.refresh.flags_s),
            ("rds_s", self.refresh.rds_s),
            ("service_s", self.refresh.service_s),
        ] {
            if v == 0 {
                bad(format!("aws.refresh.{key}"), "must be at least 1 second".into());
            }
        }
        if let Some(c) = &self.connect {
            if !is_connect_id(&c.instance_id) {
                bad(
                    "aws.connect.instance_id".into(),
                    format!("{:?} is not a Connect instance id", c.instance_id),
                );
            }
            for (i, ch) in c.channels.iter().enumerate() {
                if !matches!(ch.as_str(), "VOICE" | "CHAT" | "TASK" | "EMAIL") {
                    bad(
                        format!("aws.connect.channels[{i}]"),
                        format!("{ch:?} is not VOICE, CHAT, TASK or EMAIL"),
                    );
                }
            }
            if c.backoff_min_ms > c.backoff_max_ms {
                bad("aws.connect.backoff_min_ms".into(), "must not exceed backoff_max_ms".into());
            }
            check_pacing("aws.connect", c.rate_per_s, c.burst, &mut bad);
            let range = format!(
                "must be whole seconds from {} to {} (Connect's SERVICE_LEVEL range)",
                SERVICE_LEVEL_RANGE.start(),
                SERVICE_LEVEL_RANGE.end()
            );
            if !SERVICE_LEVEL_RANGE.contains(&c.service_level_s) {
                bad("aws.connect.service_level_s".into(), range.clone());
            }
            for (name, v) in &c.service_level_s_by_queue {
                if !SERVICE_LEVEL_RANGE.contains(v) {
                    bad("aws.connect.service_level_s_by_queue".into(), format!("{name:?} {range}"));
                }
            }
            if c.service_window_minutes == 0 || c.service_window_minutes > 24 * 60 {
                bad("aws.connect.service_window_minutes".into(), "must be between 1 and 1440".into());
            }
            if let Some(arn) = &c.instance_arn {
                let ok = arn.starts_with("arn:")
                    && arn.split(':').nth(2) == Some("connect")
                    && arn.ends_with(&format!(":instance/{}", c.instance_id));
                if !ok {
                    bad(
                        "aws.connect.instance_arn".into(),
                        format!("{arn:?} is not the ARN of instance {}", c.instance_id),
                    );
                }
            }
        }
        if let Some(t) = &self.team {
            if !is_table_name(&t.table) {
                bad(
                    "aws.team.table".into(),
                    format!("{:?} is not a DynamoDB table name (3-255 of A-Z a-z 0-9 _ . -)", t.table),
                );
            }
            if t.lease_s <= self.refresh.queues_s {
                bad(
                    "aws.team.lease_s".into(),
                    format!(
                        "must be longer than aws.refresh.queues_s ({} s): the holder renews it once per refresh",
                        self.refresh.queues_s
                    ),
                );
            }
            if !(1..=390).contains(&t.max_item_kb) {
                bad(
                    "aws.team.max_item_kb".into(),
                    "must be between 1 and 390 (the item limit is 400 KB)".into(),
                );
            }
            if self.connect.is_none() {
                bad("aws.team".into(), "needs [aws.connect]: the team shares Connect's queue figures".into());
            }
        }
        if self.metrics.window_minutes == 0 || self.metrics.window_minutes > 24 * 60 {
            bad("aws.metrics.window_minutes".into(), "must be between 1 and 1440".into());
        }
        for (key, list) in [
            ("lambda", &self.metrics.lambda),
            ("kinesis", &self.metrics.kinesis),
            ("dynamodb", &self.metrics.dynamodb),
        ] {
            for (i, p) in list.iter().enumerate() {
                if let Err(e) = super::names::NamePattern::parse(p) {
                    bad(format!("aws.metrics.{key}[{i}]"), e);
                }
            }
        }
        if let Some(p) = self.ports.unknown_placeholder() {
            bad(
                "aws.ports.dimensions".into(),
                format!(
                    "{} = {:?}: unknown placeholder {:?} (use {{instance_id}} or {{server}})",
                    p.dimension, p.value, p.placeholder
                ),
            );
        }
        if let Some(counter) = &self.ports.counter
            && let Err(e) = crate::source::powershell::check_counter(counter)
        {
            bad("aws.ports.counter".into(), e.to_string());
        }
        if super::names::statistic_is_valid(&self.ports.statistic).is_err() {
            bad(
                "aws.ports.statistic".into(),
                format!("{:?} is not a CloudWatch statistic", self.ports.statistic),
            );
        }
        self.logs.validate(&mut bad);
        for (i, s) in self.ssm.services.iter().enumerate() {
            if let Err(e) = crate::source::powershell::check_service_name(s) {
                bad(format!("aws.ssm.services[{i}]"), e.to_string());
            }
        }
        if let Err(e) = crate::source::powershell::check_path(&self.ssm.log_dir) {
            bad("aws.ssm.log_dir".into(), e.to_string());
        }
        if self.servers.len() > 50 {
            bad("aws.servers".into(), "at most 50 servers (the SSM SendCommand limit)".into());
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, s) in self.servers.iter().enumerate() {
            if s.name.trim().is_empty() {
                bad(format!("aws.servers[{i}].name"), "must not be empty".into());
            } else if !names.insert(s.name.as_str()) {
                bad(format!("aws.servers[{i}].name"), format!("{:?} appears twice", s.name));
            }
            if let Some(a) = &s.address
                && let Err(e) = crate::source::powershell::check_host(a)
            {
                bad(format!("aws.servers[{i}].address"), e.to_string());
            }
            if !is_instance_id(&s.instance_id) {
                bad(
                    format!("aws.servers[{i}].instance_id"),
                    format!("{:?} is not an EC2 instance id", s.instance_id),
                );
            }
        }
        problems
    }
}

impl LogSettings {
    fn validate(&self, bad: &mut impl FnMut(String, String)) {
        if self.lookback_minutes == 0 || self.lookback_minutes > 24 * 60 {
            bad("aws.logs.lookback_minutes".into(), "must be between 1 and 1440".into());
        }
        if self.poll_interval_s < MIN_LOG_POLL_S {
            bad(
                "aws.logs.poll_interval_s".into(),
                format!(
                    "must be at least {MIN_LOG_POLL_S} (FilterLogEvents allows 5-25 requests/s per account)"
                ),
            );
        }
        if !(1..=10_000).contains(&self.page_limit) {
            bad("aws.logs.page_limit".into(), "must be between 1 and 10000".into());
        }
        if self.backoff_min_ms > self.backoff_max_ms {
            bad("aws.logs.backoff_min_ms".into(), "must not exceed backoff_max_ms".into());
        }
        check_pacing("aws.logs", self.rate_per_s, self.burst, bad);
        if let Err(e) = super::lambda_logs::ErrorFilter::new(&self.error_terms) {
            bad("aws.logs.error_terms".into(), e);
        }
    }
}

/// A token bucket's settings: a positive rate (fractions allowed: 0.5 = one call every 2 s)
/// and a burst of at least one call.
fn check_pacing(table: &str, rate_per_s: f64, burst: u32, bad: &mut impl FnMut(String, String)) {
    if !(rate_per_s.is_finite() && rate_per_s > 0.0 && rate_per_s <= MAX_RATE_PER_S) {
        bad(format!("{table}.rate_per_s"), format!("must be above 0 and at most {MAX_RATE_PER_S}"));
    }
    if !(1..=MAX_BURST).contains(&burst) {
        bad(format!("{table}.burst"), format!("must be between 1 and {MAX_BURST}"));
    }
}

/// Far above any quota these APIs have: a larger figure is a typo, not a plan.
const MAX_RATE_PER_S: f64 = 100.0;
const MAX_BURST: u32 = 100;

/// FilterLogEvents' quota is 5-25 requests/s for the whole account; a tail that polls faster
/// than this starves every other reader.
pub const MIN_LOG_POLL_S: u64 = 2;

/// `i-` then 8 or 17 hex digits (also `mi-` managed instances, which SSM targets the same way).
pub fn is_instance_id(s: &str) -> bool {
    let hex = s.strip_prefix("i-").or_else(|| s.strip_prefix("mi-"));
    hex.is_some_and(|h| (8..=17).contains(&h.len()) && h.bytes().all(|b| b.is_ascii_hexdigit()))
}

/// DynamoDB's rule for table names.
pub fn is_table_name(s: &str) -> bool {
    (3..=255).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"_.-".contains(&b))
}

/// A Connect instance id is a UUID.
pub fn is_connect_id(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    parts.iter().map(|p| p.len()).eq([8, 4, 4, 4, 12])
        && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_hexdigit()))
}

mod defaults {
    use std::collections::BTreeMap;

    pub fn max_attempts() -> u32 {
        3
    }
    pub fn operation_timeout_ms() -> u64 {
        10_000
    }
    pub fn connect_timeout_ms() -> u64 {
        3_000
    }
    pub fn metrics_s() -> u64 {
        60
    }
    pub fn queues_s() -> u64 {
        15
    }
    pub fn ssm_ping_s() -> u64 {
        60
    }
    pub fn services_s() -> u64 {
        120
    }
    pub fn service_s() -> u64 {
        60
    }
    pub fn service_level_s() -> u32 {
        20
    }
    pub fn service_window_minutes() -> u32 {
        15
    }
    pub fn channels() -> Vec<String> {
        vec!["VOICE".into(), "CHAT".into()]
    }
    pub fn connect_rate_per_s() -> f64 {
        1.0
    }
    pub fn connect_burst() -> u32 {
        3
    }
    pub fn throttle_retries() -> u32 {
        4
    }
    pub fn backoff_min_ms() -> u64 {
        300
    }
    pub fn backoff_max_ms() -> u64 {
        5_000
    }
    pub fn lease_s() -> u64 {
        45
    }
    pub fn max_item_kb() -> u32 {
        350
    }
    pub fn window_minutes() -> u32 {
        15
    }
    pub fn count_fresh_minutes() -> u32 {
        5
    }
    pub fn ports_namespace() -> String {
        "NexTalk".into()
    }
    pub fn ports_metric() -> String {
        "PortsInUse".into()
    }
    pub fn ports_statistic() -> String {
        "Maximum".into()
    }
    pub fn ports_dimensions() -> BTreeMap<String, String> {
        BTreeMap::from([("InstanceId".to_string(), "{instance_id}".to_string())])
    }
    pub fn lookback_minutes() -> u32 {
        15
    }
    pub fn poll_interval_s() -> u64 {
        5
    }
    pub fn error_terms() -> Vec<String> {
        super::super::lambda_logs::DEFAULT_ERROR_TERMS.map(String::from).to_vec()
    }
    pub fn page_limit() -> u32 {
        10_000
    }
    pub fn logs_rate_per_s() -> f64 {
        2.0
    }
    pub fn logs_burst() -> u32 {
        4
    }
    pub fn logs_backoff_min_ms() -> u64 {
        500
    }
    pub fn logs_backoff_max_ms() -> u64 {
        10_000
    }
    pub fn services() -> Vec<String> {
        vec!["NexTalk App API".into(), "NexTalk Chat Bridge".into()]
    }
    pub fn log_dir() -> String {
        r"C:\ProgramData\NexTalk\Logs".into()
    }
    pub fn delivery_timeout_s() -> u32 {
        60
    }
    pub fn execution_timeout_s() -> u32 {
        120
    }
    pub fn probe_timeout_s() -> u64 {
        60
    }
    pub fn poll_interval_ms() -> u64 {
        1_000
    }
    pub fn invocation_grace_ms() -> u64 {
        5_000
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_level_thresholds_are_per_queue_and_in_connects_range() {
        let ok: AwsSettings = toml::from_str(
            "[connect]\ninstance_id = \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"\nservice_level_s_by_queue = { \"TTY Relay\" = 60 }\n",
        )
        .unwrap();
        assert!(ok.validate().is_empty(), "{:?}", ok.validate());
        let c = ok.connect.as_ref().unwrap();
        assert_eq!((c.service_level_s_for("TTY Relay"), c.service_level_s_for("Billing")), (60, 20));
        assert_eq!((c.service_window_minutes, ok.refresh.service_s), (15, 60));
        assert_eq!(
            c.instance_arn("123456789012", "eu-west-2").as_deref(),
            Some("arn:aws:connect:eu-west-2:123456789012:instance/aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee")
        );
        assert!(c.instance_arn("123456789012", "cn-north-1").unwrap().starts_with("arn:aws-cn:connect:"));
        assert_eq!(c.instance_arn("unknown", "eu-west-2"), None, "no account, no ARN");
        let bad: AwsSettings = toml::from_str(
            "[connect]\ninstance_id = \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"\nservice_level_s = 0\nservice_level_s_by_queue = { Billing = 700000 }\nservice_window_minutes = 0\ninstance_arn = \"arn:aws:connect:x:1:instance/other\"\n",
        )
        .unwrap();
        let p = bad.validate();
        for key in [
            "aws.connect.service_level_s:",
            "aws.connect.service_level_s_by_queue: \"Billing\" must be whole seconds",
            "aws.connect.service_window_minutes:",
            "aws.connect.instance_arn:",
        ] {
            assert!(p.iter().any(|m| m.starts_with(key)), "{key} in {p:?}");
        }
    }

    const FULL: &str = r#"
account_id = "123456789012"
[refresh]
queues_s = 10
[connect]
instance_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
queues = ["Billing"]
[metrics]
lambda = ["connect-*"]
[logs]
poll_interval_s = 10
[ports]
dimensions = { Server = "{server}" }
[[servers]]
name = "nt-a"
instance_id = "i-0123456789abcdef0"
port_capacity = 96
"#;

    #[test]
    fn a_full_section_parses_and_validates() {
        let s: AwsSettings = toml::from_str(FULL).unwrap();
        assert_eq!(s.refresh.queues_s, 10);
        assert_eq!(s.refresh.metrics_s, 60);
        assert_eq!(s.servers[0].port_capacity, 96);
        assert_eq!(s.ssm.services.len(), 2);
        assert_eq!((s.logs.poll_interval_s, s.logs.lookback_minutes), (10, 15));
        assert!(s.validate().is_empty(), "{:?}", s.validate());
    }

    #[test]
    fn unknown_keys_are_refused() {
        let err = toml::from_str::<AwsSettings>("regoin = \"x\"").unwrap_err();
        assert!(err.message().contains("unknown field `regoin`"), "{err}");
    }

    #[test]
    fn validation_names_the_offending_key() {
        let src = r#"
account_id = "12"
[logs]
poll_interval_s = 1
error_terms = ["ERROR", ""]
[ssm]
services = ["Chat'Bridge"]
[[servers]]
name = "a"
instance_id = "x-1"
port_capacity = 1
"#;
        let s: AwsSettings = toml::from_str(src).unwrap();
        let p = s.validate();
        assert!(p.iter().any(|m| m.starts_with("aws.account_id:")), "{p:?}");
        assert!(!p.iter().any(|m| m.starts_with("aws.ports")), "the default dimensions are fine: {p:?}");
        assert!(p.iter().any(|m| m.starts_with("aws.ssm.services[0]:")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("aws.logs.poll_interval_s:")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("aws.logs.error_terms:")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("aws.servers[0].instance_id:")), "{p:?}");
    }

    #[test]
    fn pacing_defaults_leave_most_of_the_quota_and_bad_values_are_named() {
        let s: AwsSettings = toml::from_str(FULL).unwrap();
        let c = s.connect.as_ref().unwrap();
        // Connect's quota is 5/s with a burst of 8 for the whole account and Region.
        assert!(c.rate_per_s <= 2.5 && c.burst <= 4, "{} / {}", c.rate_per_s, c.burst);
        assert_eq!((c.rate_per_s, c.burst), (1.0, 3));
        assert_eq!((s.logs.rate_per_s, s.logs.burst), (2.0, 4));
        let src = r#"
[connect]
instance_id = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
rate_per_s = 0
burst = 0
[logs]
rate_per_s = -1.5
"#;
        let p = toml::from_str::<AwsSettings>(src).unwrap().validate();
        assert!(p.iter().any(|m| m.starts_with("aws.connect.rate_per_s:")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("aws.connect.burst:")), "{p:?}");
        assert!(p.iter().any(|m| m.starts_with("aws.logs.rate_per_s:")), "{p:?}");
        let half: AwsSettings = toml::from_str(
            "[connect]\ninstance_id = \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"\nrate_per_s = 0.5\nburst = 8\n",
        )
        .unwrap();
        assert!(half.validate().is_empty(), "{:?}", half.validate());
    }

    #[test]
    fn team_settings_are_checked_against_the_refresh() {
        let ok: AwsSettings =
            toml::from_str(&format!("{FULL}\n[team]\ntable = \"switchboard-team\"\n")).unwrap();
        assert!(ok.validate().is_empty(), "{:?}", ok.validate());
        assert_eq!(ok.team.as_ref().map(|t| (t.lease_s, t.max_item_kb)), Some((45, 350)));
        let src = format!("{FULL}\n[team]\ntable = \"a b\"\nlease_s = 10\nmax_item_kb = 400\n");
        let p = toml::from_str::<AwsSettings>(&src).unwrap().validate();
        assert!(p.iter().any(|m| m.starts_with("aws.team.table:")), "{p:?}");
        assert!(
            p.iter().any(|m| m.starts_with("aws.team.lease_s:") && m.contains("queues_s (10 s)")),
            "{p:?}"
        );
        assert!(p.iter().any(|m| m.starts_with("aws.team.max_item_kb:")), "{p:?}");
        let no_connect = toml::from_str::<AwsSettings>("[team]\ntable = \"tbl\"\n").unwrap().validate();
        assert!(no_connect.iter().any(|m| m.starts_with("aws.team:")), "{no_connect:?}");
    }

    #[test]
    fn only_known_placeholders_may_appear_in_port_dimensions() {
        let with = |dims: &str| {
            let s: AwsSettings = toml::from_str(&format!("[ports]\ndimensions = {dims}\n")).unwrap();
            s.ports.unknown_placeholder().map(|b| b.placeholder)
        };
        assert_eq!(with(r#"{ InstanceId = "{instance_id}", Host = "nt-{server}.corp" }"#), None);
        assert_eq!(with(r#"{ Server = "{name}" }"#).as_deref(), Some("{name}"));
        assert_eq!(with(r#"{ Server = "{server}-{instance}" }"#).as_deref(), Some("{instance}"));
        assert_eq!(with(r#"{ Server = "x{instance_id" }"#).as_deref(), Some("{instance_id"));
        let s: AwsSettings = toml::from_str("[ports]\ndimensions = { Server = \"{name}\" }\n").unwrap();
        assert_eq!(
            s.validate(),
            [
                r#"aws.ports.dimensions: Server = "{name}": unknown placeholder "{name}" (use {instance_id} or {server})"#
            ]
        );
    }

    #[test]
    fn ids_are_recognised() {
        assert!(is_instance_id("i-0123456789abcdef0"));
        assert!(is_instance_id("i-1234abcd"));
        assert!(!is_instance_id("i-xyz"));
        assert!(is_connect_id("aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"));
        assert!(!is_connect_id("arn:aws:connect:..."));
    }
}

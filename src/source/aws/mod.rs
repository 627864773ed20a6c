//! The live AWS backend: CloudWatch metrics, Amazon Connect queues, SSM agent ping and
//! Windows service probes, and SSM Run Command for remediation. AWS SDK types stay in here.
//!
//! How the console runs it (see also `AwsContext::sources`):
//! - main builds [`AwsOptions`] from the CLI and reads [`AwsSettings`] from `[aws]`, then
//!   `AwsContext::load(&options, settings)`.
//! - Each [`AwsSource`] is a `Box<dyn Telemetry>` with its own interval. Run each in its own
//!   task: one request in flight per source, a tick while one is pending is skipped.
//! - Each collection returns only its part of a Snapshot (the rest empty). Feed results, Ok
//!   or Err, to one [`AwsComposer`] under the source's [`AwsPart`], and show
//!   `composer.snapshot()`: every part's last good figures, a gap on the sections of a part
//!   that is failing (with "throttled" / the missing IAM action), nothing else disturbed.
//! - `MetricsCollector::history(minutes)` fills the trends at start.
//! - `AwsContext::remote()` is the `Remote` for runbook actions.
//! - Logs: `AwsContext::lambda_error_log(function)` follows a Lambda function's errors in
//!   CloudWatch Logs; `AwsContext::ssm_log_snapshot(server, log_dir, lines)` reads a NexTalk
//!   server's newest log once through SSM Run Command, for servers without SSH. Both are
//!   `LogTail`s with a `state()` watch for the log view's status line.
//!
//! Least privilege (read-only sources plus Run Command on tagged NexTalk servers only):
//!
//! ```json
//! {"Version": "2012-10-17", "Statement": [
//!   {"Effect": "Allow", "Resource": "*", "Action": [
//!     "cloudwatch:GetMetricData", "cloudwatch:ListMetrics",
//!     "connect:ListQueues", "connect:GetCurrentMetricData",
//!     "ssm:DescribeInstanceInformation", "ssm:GetCommandInvocation", "ssm:CancelCommand",
//!     "sts:GetCallerIdentity"]},
//!   {"Effect": "Allow", "Action": "logs:FilterLogEvents",
//!    "Resource": "arn:aws:logs:<region>:<account>:log-group:/aws/lambda/*"},
//!   {"Effect": "Allow", "Action": "ssm:SendCommand",
//!    "Resource": "arn:aws:ssm:<region>::document/AWS-RunPowerShellScript"},
//!   {"Effect": "Allow", "Action": "ssm:SendCommand",
//!    "Resource": "arn:aws:ec2:<region>:<account>:instance/*",
//!    "Condition": {"StringEquals": {"aws:ResourceTag/Role": "nextalk"}}}]}
//! ```
//!
//! Settings, options, name patterns, the metric plan and the composer are plain
//! Rust and build without the `aws` feature; the SDK parts need it.

pub mod budget;
pub mod compose;
pub mod lambda_logs;
pub mod names;
pub mod options;
pub mod plan;
pub mod settings;
pub mod ssm_logs;

#[cfg(feature = "aws")]
pub mod all_at_once;
#[cfg(feature = "aws")]
pub mod cloudwatch;
#[cfg(feature = "aws")]
pub mod connect;
#[cfg(feature = "aws")]
pub mod context;
#[cfg(feature = "aws")]
mod errors;
#[cfg(feature = "aws")]
pub mod flags;
#[cfg(feature = "aws")]
pub mod lambda_error_log;
#[cfg(feature = "aws")]
pub mod log_opener;
#[cfg(feature = "aws")]
pub mod pacing;
#[cfg(feature = "aws")]
pub mod rds;
#[cfg(feature = "aws")]
pub mod routing;
#[cfg(feature = "aws")]
pub mod sns;
#[cfg(feature = "aws")]
pub mod ssm_exec;
#[cfg(feature = "aws")]
pub mod ssm_ping;
#[cfg(feature = "aws")]
pub mod ssm_ports;
#[cfg(feature = "aws")]
pub mod ssm_remote;
#[cfg(feature = "aws")]
pub mod ssm_services;
#[cfg(feature = "aws")]
pub mod stats;
#[cfg(feature = "aws")]
pub mod team;

pub use compose::{AwsComposer, AwsFeeds, AwsPart};
pub use lambda_logs::ErrorFilter;
pub use options::AwsOptions;
pub use settings::AwsSettings;
pub use ssm_logs::SsmLogSnapshot;

#[cfg(feature = "aws")]
pub use all_at_once::AwsAllAtOnce;
#[cfg(feature = "aws")]
pub use cloudwatch::MetricsCollector;
#[cfg(feature = "aws")]
pub use connect::{QueueListReload, QueuesCollector};
#[cfg(feature = "aws")]
pub use context::{AwsContext, AwsSource};
#[cfg(feature = "aws")]
pub use lambda_error_log::LambdaErrorLog;
#[cfg(feature = "aws")]
pub use log_opener::{AwsLogOpener, ServerLogAccess};
#[cfg(feature = "aws")]
pub use ssm_ping::SsmPingCollector;
#[cfg(feature = "aws")]
pub use ssm_remote::SsmRemote;
#[cfg(feature = "aws")]
pub use ssm_services::ServiceProbeCollector;
#[cfg(feature = "aws")]
pub use stats::ApiStats;

//! Where and as whom: the standard aws-config chain (environment, profiles, SSO,
//! credential_process, instance roles) with the CLI's `--profile`, `--region` and
//! `--endpoint-url` on top, one set of SDK clients sharing retry, timeout and request-counting
//! settings, and the `aws:<account>/<region>` label for the status bar.

use super::budget::{ApiBudget, Pacing, QueueSource};
use super::cloudwatch::MetricsCollector;
use super::compose::{AwsComposer, AwsPart};
use super::connect::{QueueListReload, QueuesCollector};
use super::lambda_error_log::LambdaErrorLog;
use super::options::AwsOptions;
use super::pacing::{Quota, QuotaKey, TokenBucket, shared_bucket};
use super::settings::AwsSettings;
use super::ssm_logs::{SnapshotTiming, SsmLogSnapshot};
use super::ssm_ping::SsmPingCollector;
use super::ssm_ports::PortsProbeCollector;
use super::ssm_remote::SsmRemote;
use super::ssm_services::ServiceProbeCollector;
use super::stats::ApiStats;
use super::team::{TeamQueues, TeamTable, TeamView};
use crate::model::Timestamp;
use crate::source::{SourceError, Target, Telemetry};
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_cloudwatch::config::Credentials;
use std::sync::Arc;
use std::time::Duration;

/// Loaded AWS configuration and clients. Cheap to clone.
#[derive(Clone)]
pub struct AwsContext {
    sdk: SdkConfig,
    settings: Arc<AwsSettings>,
    account: String,
    region: String,
    stats: ApiStats,
    /// Paces every Connect call of the process for this account and Region.
    connect_bucket: Arc<TokenBucket>,
    /// Paces every FilterLogEvents call of the process (all open Lambda log tails): its quota
    /// is shared by the whole account.
    logs_bucket: Arc<TokenBucket>,
    /// `[aws.team]`: the table and what the queues source tells about it.
    team: Option<Team>,
}

#[derive(Clone)]
struct Team {
    table: TeamTable,
    view: Arc<TeamView>,
}

/// One AWS source as the console runs it: its own task, its own interval, one request in
/// flight; each result goes to [`AwsComposer::update`] under `part`.
pub struct AwsSource {
    pub part: AwsPart,
    pub interval: Duration,
    pub telemetry: Box<dyn Telemetry>,
    /// For the queues: ask for a fresh ListQueues on the next collection (a manual refresh
    /// should find queues created since the console started).
    pub reload: Option<QueueListReload>,
}

impl AwsContext {
    /// Resolves credentials, Region and endpoint, then the account (settings first, else STS
    /// GetCallerIdentity; when that fails the label says `unknown`, the console still runs).
    pub async fn load(options: &AwsOptions, settings: AwsSettings) -> Result<AwsContext, SourceError> {
        let problems = settings.validate();
        if !problems.is_empty() {
            return Err(SourceError::Failed {
                operation: "settings".into(),
                resource: "[aws]".into(),
                message: problems.join("; "),
            });
        }
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts.max(1)))
            .timeout_config(
                TimeoutConfig::builder()
                    .operation_timeout(Duration::from_millis(settings.operation_timeout_ms))
                    .connect_timeout(Duration::from_millis(settings.connect_timeout_ms))
                    .build(),
            );
        if let Some(p) = &options.profile {
            loader = loader.profile_name(p);
        }
        if let Some(r) = &options.region {
            loader = loader.region(Region::new(r.clone()));
        }
        if let Some(u) = &options.endpoint_url {
            loader = loader.endpoint_url(u);
        }
        if options.emulator_credentials {
            // Emulators want SigV4-signed requests but check no secret.
            loader = loader.credentials_provider(Credentials::new(
                "AKIDEMULATOR",
                "emulator",
                None,
                None,
                "emulator",
            ));
        }
        let sdk = loader.load().await;
        let region = match sdk.region() {
            Some(r) => r.to_string(),
            None => {
                return Err(SourceError::Failed {
                    operation: "aws-config".into(),
                    resource: "region".into(),
                    message: "no AWS Region: pass --region or set AWS_REGION / a profile region".into(),
                });
            }
        };
        let stats = ApiStats::default();
        let account = match &settings.account_id {
            Some(a) => a.clone(),
            None => {
                let sts = aws_sdk_sts::Client::from_conf(
                    aws_sdk_sts::config::Builder::from(&sdk).interceptor(stats.clone()).build(),
                );
                match sts.get_caller_identity().send().await {
                    Ok(out) => out.account().unwrap_or("unknown").to_string(),
                    Err(_) => "unknown".to_string(),
                }
            }
        };
        let (rate, burst) = settings.connect.as_ref().map_or((1.0, 1), |c| (c.rate_per_s, c.burst));
        let key = |quota| QuotaKey {
            quota,
            account: account.clone(),
            region: region.clone(),
            endpoint: sdk.endpoint_url().map(str::to_string),
        };
        let connect_bucket = shared_bucket(key(Quota::Connect), rate, burst);
        let logs_bucket = shared_bucket(key(Quota::Logs), settings.logs.rate_per_s, settings.logs.burst);
        let team = match (&settings.team, &settings.connect) {
            (Some(t), Some(c)) => {
                let conf = aws_sdk_dynamodb::config::Builder::from(&sdk).interceptor(stats.clone()).build();
                let client = aws_sdk_dynamodb::Client::from_conf(conf);
                let table = TeamTable::new(client, t.clone(), &account, &region, &c.instance_id);
                Some(Team { table, view: Arc::default() })
            }
            _ => None,
        };
        Ok(AwsContext {
            sdk,
            settings: Arc::new(settings),
            account,
            region,
            stats,
            connect_bucket,
            logs_bucket,
            team,
        })
    }

    /// Who the credentials belong to: the caller's ARN from STS GetCallerIdentity
    /// (`arn:aws:sts::123456789012:assumed-role/OnCall/jdoe`), for the audit log's
    /// `aws_identity`. The account id in the config says only where; this says who. Asked
    /// once per session that can act (the console, `runbook run`), not per snapshot.
    pub async fn caller_arn(&self) -> Result<String, SourceError> {
        let sts = aws_sdk_sts::Client::from_conf(
            aws_sdk_sts::config::Builder::from(&self.sdk).interceptor(self.stats.clone()).build(),
        );
        let out = sts
            .get_caller_identity()
            .send()
            .await
            .map_err(|e| super::errors::source_error("GetCallerIdentity", "caller", &e))?;
        out.arn().map(str::to_string).ok_or_else(|| SourceError::Failed {
            operation: "GetCallerIdentity".into(),
            resource: "caller".into(),
            message: "the answer has no Arn".into(),
        })
    }

    /// `aws:<account>/<region>` for the status bar.
    pub fn describe(&self) -> String {
        format!("aws:{}/{}", self.account, self.region)
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    pub fn region(&self) -> &str {
        &self.region
    }

    pub fn settings(&self) -> &AwsSettings {
        &self.settings
    }

    /// Requests per operation since start (all sources of this context).
    pub fn stats(&self) -> ApiStats {
        self.stats.clone()
    }

    /// The API budget gauge: this process's calls per second per API, throttles seen, and
    /// the buckets that pace Connect and CloudWatch Logs.
    pub fn budget(&self) -> ApiBudget {
        let mut b = self.stats.budget();
        b.connect_pacing = self.settings.connect.as_ref().map(|_| pacing(&self.connect_bucket));
        b.logs_pacing = Some(pacing(&self.logs_bucket));
        b.team_connect_calls_per_s =
            self.team.as_ref().and_then(|t| t.view.source()).and_then(|s| s.team_connect_calls_per_s);
        b
    }

    /// Where the queue figures come from (`None` without `[aws.connect]`); `taken_at` is when
    /// the queues part last delivered figures.
    pub fn queue_source(&self, taken_at: Option<Timestamp>, now: Timestamp) -> Option<QueueSource> {
        self.settings.connect.as_ref()?;
        match self.team.as_ref().and_then(|t| t.view.source()) {
            Some(team) => Some(team.at(now)),
            None => Some(QueueSource::own_poll(taken_at, now)),
        }
    }

    /// `switchboard team init`: creates the team table (on-demand, TTL on `ttl`).
    pub async fn create_team_table(&self, table: &str) -> Result<super::team::Created, SourceError> {
        let conf = aws_sdk_dynamodb::config::Builder::from(&self.sdk).interceptor(self.stats.clone()).build();
        let client = aws_sdk_dynamodb::Client::from_conf(conf);
        super::team::create_table(&client, table, Duration::from_secs(120)).await
    }

    /// Team mode: the table, as this process uses it (`None` without `[aws.team]`).
    pub fn team_table(&self) -> Option<TeamTable> {
        self.team.as_ref().map(|t| t.table.clone())
    }

    /// Gives the team lease up if this process holds it (call it once the sources have
    /// stopped, before the process exits), so another console takes over at once rather than
    /// after the lease runs out. Best effort: when it fails, the lease simply expires.
    pub async fn release(&self) {
        if let Some(team) = &self.team
            && team.view.holding()
        {
            let _ = team.table.release().await;
        }
    }

    /// The composer that merges the sources' results; seeded with the configured servers.
    pub fn composer(&self) -> AwsComposer {
        AwsComposer::new(self.describe(), &self.settings)
    }

    pub fn metrics(&self) -> MetricsCollector {
        MetricsCollector::new(self.cloudwatch_client(), self.settings.clone(), self.describe())
    }

    /// `None` without `[aws.connect]`.
    pub fn queues(&self) -> Option<QueuesCollector> {
        let connect = self.settings.connect.clone()?;
        let arn = connect.instance_arn(&self.account, &self.region);
        Some(QueuesCollector::new(
            self.connect_client(),
            connect,
            self.describe(),
            self.connect_bucket.clone(),
            arn,
            Duration::from_secs(self.settings.refresh.service_s.max(1)),
        ))
    }

    pub fn ssm_ping(&self) -> SsmPingCollector {
        SsmPingCollector::new(self.ssm_client(), self.settings.clone(), self.describe())
    }

    pub fn service_probe(&self) -> ServiceProbeCollector {
        ServiceProbeCollector::new(self.ssm_client(), self.settings.clone(), self.describe())
    }

    /// The `Get-Counter` ports probe (`[aws.ports] counter`).
    pub fn ports_probe(&self) -> PortsProbeCollector {
        PortsProbeCollector::new(self.ssm_client(), self.settings.clone(), self.describe())
    }

    /// SSM Run Command for runbook actions, and the AWS API calls of the AWS actions
    /// (PutParameter, DynamoDB UpdateTable).
    pub fn remote(&self) -> SsmRemote {
        SsmRemote::new(self.ssm_client(), self.settings.clone(), self.describe())
            .with_dynamodb(self.dynamodb_client())
            .with_kinesis(self.kinesis_client())
            .with_rds(self.rds_client())
            .with_connect(self.connect_client())
    }

    /// GetParameters of the `[[flags]]`.
    pub fn flags_reader(&self) -> super::flags::FlagsReader {
        super::flags::FlagsReader::new(self.ssm_client(), self.settings.flags.clone(), self.describe())
    }

    /// A Lambda function's error events from CloudWatch Logs (`/aws/lambda/<function>`):
    /// the `[aws.logs]` look-back first, then new events every `poll_interval_s`.
    pub fn lambda_error_log(&self, function: &str) -> LambdaErrorLog {
        LambdaErrorLog::new(
            self.logs_client(),
            function,
            self.settings.logs.clone(),
            self.logs_bucket.clone(),
        )
    }

    /// The last `lines` lines of a configured server's newest log in `log_dir` (default
    /// `[aws.ssm] log_dir`), read once through SSM Run Command: for servers without SSH.
    /// Waits up to `[aws.ssm] probe_timeout_s` for the command.
    pub fn ssm_log_snapshot(
        &self,
        server: &str,
        log_dir: Option<&str>,
        lines: u32,
    ) -> Result<SsmLogSnapshot, SourceError> {
        let Some(srv) = self.settings.servers.iter().find(|s| s.name == server) else {
            return Err(SourceError::Failed {
                operation: "read log".into(),
                resource: server.to_string(),
                message: "not a configured NexTalk server ([[nextalk.servers]])".into(),
            });
        };
        let mut settings = (*self.settings).clone();
        if let Some(dir) = log_dir {
            // Checked against the path allowlist when rendered, like the configured default.
            settings.ssm.log_dir = dir.to_string();
        }
        let log_dir = settings.ssm.log_dir.clone();
        let timing = SnapshotTiming {
            poll_interval: Duration::from_millis(settings.ssm.poll_interval_ms.max(50)),
            timeout: Duration::from_secs(settings.ssm.probe_timeout_s.max(1)),
        };
        let remote = SsmRemote::new(self.ssm_client(), Arc::new(settings), self.describe());
        let target = Target { server: srv.name.clone(), instance_id: srv.instance_id.clone() };
        Ok(SsmLogSnapshot::new(Arc::new(remote), target, &log_dir, lines, timing))
    }

    /// Every source with its refresh interval, ready to be run by the console.
    pub fn sources(&self) -> Vec<AwsSource> {
        let r = &self.settings.refresh;
        let every = |s: u64| Duration::from_secs(s.max(1));
        AwsPart::configured(&self.settings)
            .into_iter()
            .filter_map(|part| {
                let mut reload = None;
                let (interval, telemetry): (u64, Box<dyn Telemetry>) = match part {
                    AwsPart::Metrics => (r.metrics_s, Box::new(self.metrics())),
                    AwsPart::Queues => {
                        let queues = self.queues()?;
                        reload = Some(queues.reload_handle());
                        let telemetry: Box<dyn Telemetry> = match &self.team {
                            Some(team) => Box::new(TeamQueues::new(
                                queues,
                                team.table.clone(),
                                self.stats.clone(),
                                team.view.clone(),
                                self.describe(),
                                self.settings
                                    .connect
                                    .as_ref()
                                    .map(|c| c.instance_id.clone())
                                    .unwrap_or_default(),
                            )),
                            None => Box::new(queues),
                        };
                        (r.queues_s, telemetry)
                    }
                    AwsPart::SsmPing => (r.ssm_ping_s, Box::new(self.ssm_ping())),
                    AwsPart::Services => (r.services_s, Box::new(self.service_probe())),
                    AwsPart::PortsProbe => (r.ports_probe_s, Box::new(self.ports_probe())),
                    AwsPart::Flags => (r.flags_s, Box::new(self.flags_reader())),
                    AwsPart::DbInstances => (r.rds_s, Box::new(self.db_instances_reader())),
                };
                Some(AwsSource { part, interval: every(interval), telemetry, reload })
            })
            .collect()
    }

    fn cloudwatch_client(&self) -> aws_sdk_cloudwatch::Client {
        let conf =
            aws_sdk_cloudwatch::config::Builder::from(&self.sdk).interceptor(self.stats.clone()).build();
        aws_sdk_cloudwatch::Client::from_conf(conf)
    }

    fn connect_client(&self) -> aws_sdk_connect::Client {
        // No SDK retries: Connect calls go through our token bucket and jittered backoff, so
        // each attempt is paced under the shared 5 req/s quota.
        let conf = aws_sdk_connect::config::Builder::from(&self.sdk)
            .interceptor(self.stats.clone())
            .retry_config(RetryConfig::disabled())
            .build();
        aws_sdk_connect::Client::from_conf(conf)
    }

    fn logs_client(&self) -> aws_sdk_cloudwatchlogs::Client {
        // No SDK retries: FilterLogEvents goes through our token bucket and jittered backoff,
        // so each attempt is paced under the shared 5-25 req/s quota.
        let conf = aws_sdk_cloudwatchlogs::config::Builder::from(&self.sdk)
            .interceptor(self.stats.clone())
            .retry_config(RetryConfig::disabled())
            .build();
        aws_sdk_cloudwatchlogs::Client::from_conf(conf)
    }

    fn dynamodb_client(&self) -> aws_sdk_dynamodb::Client {
        let conf = aws_sdk_dynamodb::config::Builder::from(&self.sdk).interceptor(self.stats.clone()).build();
        aws_sdk_dynamodb::Client::from_conf(conf)
    }

    fn kinesis_client(&self) -> aws_sdk_kinesis::Client {
        let conf = aws_sdk_kinesis::config::Builder::from(&self.sdk).interceptor(self.stats.clone()).build();
        aws_sdk_kinesis::Client::from_conf(conf)
    }

    fn rds_client(&self) -> aws_sdk_rds::Client {
        let conf = aws_sdk_rds::config::Builder::from(&self.sdk).interceptor(self.stats.clone()).build();
        aws_sdk_rds::Client::from_conf(conf)
    }

    /// DescribeDBInstances of the RDS panes' instances.
    pub fn db_instances_reader(&self) -> super::rds::DbInstancesReader {
        super::rds::DbInstancesReader::new(self.rds_client(), &self.settings.panes, self.describe())
    }

    fn ssm_client(&self) -> aws_sdk_ssm::Client {
        let conf = aws_sdk_ssm::config::Builder::from(&self.sdk).interceptor(self.stats.clone()).build();
        aws_sdk_ssm::Client::from_conf(conf)
    }
}

fn pacing(bucket: &TokenBucket) -> Pacing {
    let (waited_calls, waited) = bucket.waits();
    Pacing {
        rate_per_s: bucket.rate_per_s(),
        burst: bucket.burst(),
        waited_calls,
        waited_s: (waited.as_secs_f64() * 100.0).round() / 100.0,
    }
}

//! Amazon Connect live queue figures: ListQueues (paged, STANDARD) once and on demand, then
//! GetCurrentMetricData grouped by QUEUE for at most 100 queues per request, paged by hand;
//! and, at most every `[aws.refresh] service_s`, each queue's service figures over the last
//! `service_window_minutes` from GetMetricDataV2 (SERVICE_LEVEL at the queue's threshold,
//! ABANDONMENT_RATE, AVG_QUEUE_ANSWER_TIME), also ≤ 100 queues per request and paged.
//! Every call (retries included) takes a token from the process's one Connect bucket for the
//! account and Region (see `pacing`): a refresh goes out at once on the saved-up burst, a long
//! run settles at our share of the shared 5 req/s. Throttled or failing calls are retried with
//! exponential backoff and jitter; when that runs out the pane says "throttled" rather than
//! showing an error wall.

use super::errors::{Failure, classify};
use super::pacing::TokenBucket;
use super::settings::ConnectSettings;
use crate::model::{Gap, Queue, Section, Snapshot, Timestamp};
use crate::source::{SourceError, Telemetry};
use aws_sdk_connect::Client;
use aws_sdk_connect::primitives::DateTime;
use aws_sdk_connect::types::{
    Channel, CurrentMetric, CurrentMetricName, FilterV2, Filters, Grouping, MetricV2, QueueType, ThresholdV2,
    Unit,
};
use backon::{ExponentialBuilder, Retryable};
use futures::future::BoxFuture;
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// GetCurrentMetricData filters take at most 100 queues.
pub const MAX_QUEUES_PER_REQUEST: usize = 100;
/// ListQueues' MaxResults ceiling.
const LIST_PAGE_SIZE: i32 = 1000;
/// GetMetricDataV2 takes at most 20 SERVICE_LEVEL metrics (thresholds) per request.
pub const MAX_SERVICE_LEVELS_PER_REQUEST: usize = 20;

/// GetMetricDataV2's names for the service figures.
const SERVICE_LEVEL: &str = "SERVICE_LEVEL";
const ABANDONMENT_RATE: &str = "ABANDONMENT_RATE";
const AVG_QUEUE_ANSWER_TIME: &str = "AVG_QUEUE_ANSWER_TIME";

/// The queue figures the console shows; OLDEST_CONTACT_AGE is in seconds because every
/// request groups by QUEUE (without a grouping it comes back in milliseconds though labelled
/// SECONDS).
const METRICS: [(CurrentMetricName, Unit); 5] = [
    (CurrentMetricName::ContactsInQueue, Unit::Count),
    (CurrentMetricName::OldestContactAge, Unit::Seconds),
    (CurrentMetricName::AgentsOnline, Unit::Count),
    (CurrentMetricName::AgentsAvailable, Unit::Count),
    (CurrentMetricName::AgentsOnContact, Unit::Count),
];

/// Asks the queues source to list the instance's queues again on its next refresh (after
/// queues were added or renamed). Cheap to clone; hand it to whatever handles a key press.
#[derive(Debug, Clone, Default)]
pub struct QueueListReload(Arc<AtomicBool>);

impl QueueListReload {
    pub fn request(&self) {
        self.0.store(true, Ordering::Relaxed);
    }

    fn take(&self) -> bool {
        self.0.swap(false, Ordering::Relaxed)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct QueueRef {
    id: String,
    name: String,
}

/// One queue's figures from GetMetricDataV2; `None` where Connect sent no value.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ServiceFigures {
    pub service_level_pct: Option<f64>,
    pub service_level_threshold_s: u32,
    pub abandonment_rate_pct: Option<f64>,
    pub avg_answer_time_s: Option<f64>,
}

/// The newest service figures and when they were asked for.
#[derive(Debug, Clone)]
struct ServiceState {
    /// When the last attempt went out (paces the next one, failed or not).
    tried: tokio::time::Instant,
    /// The last good answer: when, and the figures by queue id.
    good: Option<(Timestamp, HashMap<String, ServiceFigures>)>,
    error: Option<SourceError>,
}

pub struct QueuesCollector {
    client: Client,
    settings: ConnectSettings,
    label: String,
    bucket: Arc<TokenBucket>,
    reload: QueueListReload,
    queues: Option<Vec<QueueRef>>,
    /// Configured names ListQueues did not return.
    unknown_names: Vec<String>,
    /// GetMetricDataV2's ResourceArn; `None` while the account is unknown.
    instance_arn: Option<String>,
    service_every: Duration,
    service: Option<ServiceState>,
}

impl QueuesCollector {
    /// `bucket` paces every call; share one per account and Region (`pacing::shared_bucket`).
    /// `instance_arn` is GetMetricDataV2's ResourceArn (`None`: the service figures stay
    /// unknown, with a gap saying why); `service_every` how often they are fetched.
    pub fn new(
        client: Client,
        settings: ConnectSettings,
        label: String,
        bucket: Arc<TokenBucket>,
        instance_arn: Option<String>,
        service_every: Duration,
    ) -> Self {
        QueuesCollector {
            client,
            settings,
            label,
            bucket,
            reload: QueueListReload::default(),
            queues: None,
            unknown_names: Vec::new(),
            instance_arn,
            service_every,
            service: None,
        }
    }

    pub fn reload_handle(&self) -> QueueListReload {
        self.reload.clone()
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(Duration::from_millis(self.settings.backoff_min_ms))
            .with_max_delay(Duration::from_millis(self.settings.backoff_max_ms))
            .with_max_times(self.settings.throttle_retries as usize)
    }

    /// One Connect call: paced, retried on throttling and transient failures with jittered
    /// exponential backoff.
    async fn call<T, E, F, Fut>(&self, operation: &str, resource: &str, mut send: F) -> Result<T, SourceError>
    where
        F: FnMut() -> Fut,
        Fut: Future<
            Output = Result<
                T,
                aws_sdk_connect::error::SdkError<
                    E,
                    aws_smithy_runtime_api::client::orchestrator::HttpResponse,
                >,
            >,
        >,
        E: aws_sdk_connect::error::ProvideErrorMetadata + std::error::Error + 'static,
    {
        let bucket = self.bucket.clone();
        let attempt = || {
            let fut = send();
            let bucket = bucket.clone();
            async move {
                bucket.acquire().await;
                fut.await.map_err(|e| classify(&e))
            }
        };
        attempt
            .retry(self.backoff())
            .sleep(tokio::time::sleep)
            .when(Failure::is_retryable)
            .await
            .map_err(|f| f.into_source(operation, resource))
    }

    async fn list_queues(&mut self) -> Result<(), SourceError> {
        let instance = self.settings.instance_id.clone();
        let mut all = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let t = token.clone();
            let out = self
                .call("ListQueues", &format!("instance {instance}"), || {
                    self.client
                        .list_queues()
                        .instance_id(&instance)
                        .queue_types(QueueType::Standard)
                        .max_results(LIST_PAGE_SIZE)
                        .set_next_token(t.clone())
                        .send()
                })
                .await?;
            for q in out.queue_summary_list() {
                if let (Some(id), Some(name)) = (q.id(), q.name()) {
                    all.push(QueueRef { id: id.to_string(), name: name.to_string() });
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        let wanted = &self.settings.queues;
        self.unknown_names = wanted.iter().filter(|w| !all.iter().any(|q| &q.name == *w)).cloned().collect();
        if !wanted.is_empty() {
            // Keep the configured order: it is the order people asked for.
            all = wanted.iter().filter_map(|w| all.iter().find(|q| &q.name == w).cloned()).collect();
        } else {
            all.sort_by(|a, b| a.name.cmp(&b.name));
        }
        self.queues = Some(all);
        Ok(())
    }

    /// One chunk of at most 100 queues, every page of it (NextToken pages follow each other).
    async fn chunk_figures(
        &self,
        chunk: &[QueueRef],
        instance: &str,
        channels: &[Channel],
        metrics: &[CurrentMetric],
    ) -> Result<HashMap<String, Queue>, SourceError> {
        let mut figures: HashMap<String, Queue> = HashMap::new();
        let ids: Vec<String> = chunk.iter().map(|q| q.id.clone()).collect();
        let filters = Filters::builder().set_queues(Some(ids)).set_channels(Some(channels.to_vec())).build();
        let resource = format!("instance {instance}, {} queues", chunk.len());
        let mut token: Option<String> = None;
        loop {
            let t = token.clone();
            let out = self
                .call("GetCurrentMetricData", &resource, || {
                    self.client
                        .get_current_metric_data()
                        .instance_id(instance)
                        .filters(filters.clone())
                        .groupings(Grouping::Queue)
                        .set_current_metrics(Some(metrics.to_vec()))
                        .max_results(MAX_QUEUES_PER_REQUEST as i32)
                        .set_next_token(t.clone())
                        .send()
                })
                .await?;
            for r in out.metric_results() {
                let Some(id) = r.dimensions().and_then(|d| d.queue()).and_then(|q| q.id()) else {
                    continue;
                };
                let row = figures.entry(id.to_string()).or_default();
                for c in r.collections() {
                    let Some(name) = c.metric().and_then(|m| m.name()) else { continue };
                    // A null value means "no data": leave the default (0 / None).
                    let Some(v) = c.value() else { continue };
                    apply(row, name, v);
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(figures),
            }
        }
    }

    /// Every queue's service figures, batched (≤ 100 queues and ≤ 20 thresholds a request),
    /// the batches out together on the bucket like the live figures' chunks.
    async fn service_figures(
        &self,
        queues: &[QueueRef],
    ) -> Result<HashMap<String, ServiceFigures>, SourceError> {
        let Some(arn) = self.instance_arn.clone() else {
            return Err(SourceError::Failed {
                operation: "GetMetricDataV2".into(),
                resource: format!("instance {}", self.settings.instance_id),
                message: "the instance ARN needs the account id: set [aws] account_id (or \
                          [aws.connect] instance_arn), or allow sts:GetCallerIdentity"
                    .into(),
            });
        };
        // Whole seconds (the wire format), EndTime never in the future.
        let end = (Timestamp::now().0 / 1000) as i64;
        let start = end - i64::from(self.settings.service_window_minutes) * 60;
        let with_threshold: Vec<(QueueRef, u32)> =
            queues.iter().map(|q| (q.clone(), self.settings.service_level_s_for(&q.name))).collect();
        let batches = service_batches(with_threshold);
        let calls = batches.iter().map(|b| self.service_batch(&arn, b, start, end));
        let mut out = HashMap::new();
        for part in futures::future::try_join_all(calls).await? {
            out.extend(part);
        }
        Ok(out)
    }

    /// One GetMetricDataV2 batch, every page of it.
    async fn service_batch(
        &self,
        arn: &str,
        batch: &[(QueueRef, u32)],
        start: i64,
        end: i64,
    ) -> Result<HashMap<String, ServiceFigures>, SourceError> {
        let ids: Vec<String> = batch.iter().map(|(q, _)| q.id.clone()).collect();
        let want: HashMap<&str, u32> = batch.iter().map(|(q, t)| (q.id.as_str(), *t)).collect();
        let mut thresholds: Vec<u32> = batch.iter().map(|(_, t)| *t).collect();
        thresholds.sort_unstable();
        thresholds.dedup();
        let mut filters = vec![FilterV2::builder().filter_key("QUEUE").set_filter_values(Some(ids)).build()];
        if !self.settings.channels.is_empty() {
            // The same channels as the live figures (they do not count towards the 100 values).
            filters.push(
                FilterV2::builder()
                    .filter_key("CHANNEL")
                    .set_filter_values(Some(self.settings.channels.clone()))
                    .build(),
            );
        }
        let mut metrics: Vec<MetricV2> = thresholds
            .iter()
            .map(|t| {
                let threshold =
                    ThresholdV2::builder().comparison("LT").threshold_value(f64::from(*t)).build();
                MetricV2::builder().name(SERVICE_LEVEL).threshold(threshold).build()
            })
            .collect();
        metrics.push(MetricV2::builder().name(ABANDONMENT_RATE).build());
        metrics.push(MetricV2::builder().name(AVG_QUEUE_ANSWER_TIME).build());
        let resource = format!("instance {}, {} queues", self.settings.instance_id, batch.len());
        let mut figures: HashMap<String, ServiceFigures> = HashMap::new();
        let mut token: Option<String> = None;
        loop {
            let t = token.clone();
            let out = self
                .call("GetMetricDataV2", &resource, || {
                    self.client
                        .get_metric_data_v2()
                        .resource_arn(arn)
                        .start_time(DateTime::from_secs(start))
                        .end_time(DateTime::from_secs(end))
                        .set_filters(Some(filters.clone()))
                        .groupings("QUEUE")
                        .set_metrics(Some(metrics.clone()))
                        .max_results(MAX_QUEUES_PER_REQUEST as i32)
                        .set_next_token(t.clone())
                        .send()
                })
                .await?;
            for r in out.metric_results() {
                let Some(id) = r.dimensions().and_then(|d| d.get("QUEUE")) else { continue };
                let Some(&threshold) = want.get(id.as_str()) else { continue };
                let row = figures
                    .entry(id.clone())
                    .or_insert(ServiceFigures { service_level_threshold_s: threshold, ..Default::default() });
                for c in r.collections() {
                    let Some(m) = c.metric() else { continue };
                    // A missing value means no data (no contact, or a divide by zero): unknown.
                    let v = c.value().filter(|v| v.is_finite());
                    match m.name() {
                        Some(SERVICE_LEVEL) => {
                            // Each SERVICE_LEVEL comes back for every queue of the batch: the
                            // queue's own threshold is the one that counts.
                            let at = m.threshold().first().and_then(|t| t.threshold_value());
                            if at.is_some_and(|at| (at - f64::from(threshold)).abs() < 0.5) {
                                row.service_level_pct = v.map(|v| v.clamp(0.0, 100.0));
                            }
                        }
                        Some(ABANDONMENT_RATE) => row.abandonment_rate_pct = v.map(|v| v.clamp(0.0, 100.0)),
                        Some(AVG_QUEUE_ANSWER_TIME) => row.avg_answer_time_s = v.map(|v| v.max(0.0)),
                        _ => {}
                    }
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => return Ok(figures),
            }
        }
    }

    /// Fetches the service figures when they are due (or the queue list changed); keeps the
    /// last good ones through a failure, up to one window old.
    async fn refresh_service(&mut self, queues: &[QueueRef], listed: bool) {
        let due = listed || self.service.as_ref().is_none_or(|s| s.tried.elapsed() >= self.service_every);
        if !due {
            return;
        }
        let result = self.service_figures(queues).await;
        let previous = self.service.take().and_then(|s| s.good);
        self.service = Some(match result {
            Ok(figures) => ServiceState {
                tried: tokio::time::Instant::now(),
                good: Some((Timestamp::now(), figures)),
                error: None,
            },
            Err(e) => {
                let window_ms = u64::from(self.settings.service_window_minutes) * 60_000;
                let now = Timestamp::now();
                let good = previous.filter(|(at, _)| now.0.saturating_sub(at.0) <= window_ms);
                ServiceState { tried: tokio::time::Instant::now(), good, error: Some(e) }
            }
        });
    }

    /// The live figures of every watched queue.
    pub async fn collect_now(&mut self) -> Result<Snapshot, SourceError> {
        let listed = self.reload.take() || self.queues.is_none();
        if listed {
            self.list_queues().await?;
        }
        let queues = self.queues.clone().unwrap_or_default();
        let mut figures: HashMap<String, Queue> = HashMap::new();
        let instance = self.settings.instance_id.clone();
        let channels: Vec<Channel> =
            self.settings.channels.iter().map(|c| Channel::from(c.as_str())).collect();
        let metrics: Vec<CurrentMetric> = METRICS
            .iter()
            .map(|(n, u)| CurrentMetric::builder().name(n.clone()).unit(u.clone()).build())
            .collect();
        // The chunks go out together: the bucket lets the first `burst` of them leave at once
        // (a refresh of up to burst×100 queues takes one round trip) and paces the rest.
        let pages = queues
            .chunks(MAX_QUEUES_PER_REQUEST)
            .map(|chunk| self.chunk_figures(chunk, &instance, &channels, &metrics));
        for part in futures::future::try_join_all(pages).await? {
            figures.extend(part);
        }
        self.refresh_service(&queues, listed).await;
        let service = self.service.as_ref().and_then(|s| s.good.as_ref()).map(|(_, f)| f);
        let rows = queues
            .iter()
            .map(|q| {
                let mut row = figures.remove(&q.id).unwrap_or_default();
                row.id = q.id.clone();
                row.name = q.name.clone();
                if row.contacts_in_queue == 0 {
                    row.oldest_contact_age_s = None;
                }
                if let Some(s) = service {
                    // A queue the answer did not mention had no data: its figures stay unknown.
                    let f = s.get(&q.id).copied().unwrap_or(ServiceFigures {
                        service_level_threshold_s: self.settings.service_level_s_for(&q.name),
                        ..Default::default()
                    });
                    row.service_level_pct = f.service_level_pct;
                    row.service_level_threshold_s = Some(f.service_level_threshold_s);
                    row.abandonment_rate_pct = f.abandonment_rate_pct;
                    row.avg_answer_time_s = f.avg_answer_time_s;
                }
                row
            })
            .collect();
        let mut snap =
            Snapshot { taken_at: Timestamp::now(), source: self.label.clone(), ..Default::default() };
        snap.connect.instance_id = instance;
        snap.connect.queues = rows;
        if !self.unknown_names.is_empty() {
            snap.gaps.push(Gap::section(
                Section::Queues,
                format!("ListQueues: no STANDARD queue named {}", self.unknown_names.join(", ")),
            ));
        }
        if let Some(ServiceState { error: Some(e), good, .. }) = &self.service {
            let kept = match good {
                Some((at, _)) => format!(" (service figures from {})", at.clock()),
                None => " (service figures unknown)".to_string(),
            };
            snap.gaps.push(Gap::section(Section::Queues, format!("{e}{kept}")));
        }
        Ok(snap)
    }
}

/// Queues in GetMetricDataV2 batches: at most 100 queues and at most 20 distinct thresholds
/// each (every threshold is one SERVICE_LEVEL metric of the request). Queues sharing a
/// threshold go together, so per-queue thresholds cost as few requests as they can.
pub fn service_batches<Q>(mut queues: Vec<(Q, u32)>) -> Vec<Vec<(Q, u32)>> {
    queues.sort_by_key(|(_, t)| *t);
    let mut out: Vec<Vec<(Q, u32)>> = Vec::new();
    let mut distinct = 0;
    for (q, t) in queues {
        let fits = out.last().is_some_and(|b| {
            let new_threshold = b.last().is_none_or(|(_, last)| *last != t);
            b.len() < MAX_QUEUES_PER_REQUEST && (!new_threshold || distinct < MAX_SERVICE_LEVELS_PER_REQUEST)
        });
        if !fits {
            out.push(Vec::new());
            distinct = 0;
        }
        if let Some(batch) = out.last_mut() {
            if batch.last().is_none_or(|(_, last)| *last != t) {
                distinct += 1;
            }
            batch.push((q, t));
        }
    }
    out
}

fn apply(row: &mut Queue, name: &CurrentMetricName, v: f64) {
    let n = v.max(0.0).round() as u32;
    match name {
        CurrentMetricName::ContactsInQueue => row.contacts_in_queue = n,
        CurrentMetricName::OldestContactAge => row.oldest_contact_age_s = Some(v.max(0.0)),
        CurrentMetricName::AgentsOnline => row.agents_online = n,
        CurrentMetricName::AgentsAvailable => row.agents_available = n,
        CurrentMetricName::AgentsOnContact => row.agents_on_contact = n,
        _ => {}
    }
}

impl Telemetry for QueuesCollector {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(self.collect_now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn batches_hold_at_most_100_queues_and_20_thresholds() {
        let even: Vec<(usize, u32)> = (0..250).map(|i| (i, 20)).collect();
        let b = service_batches(even);
        assert_eq!(b.iter().map(Vec::len).collect::<Vec<_>>(), [100, 100, 50]);
        // 30 thresholds over 60 queues: 20 in the first request, 10 in the second.
        let spread: Vec<(usize, u32)> = (0..60).map(|i| (i, 1 + (i as u32 % 30))).collect();
        let b = service_batches(spread);
        let distinct = |b: &Vec<(usize, u32)>| {
            let mut t: Vec<u32> = b.iter().map(|x| x.1).collect();
            t.dedup();
            t.len()
        };
        assert_eq!(b.iter().map(distinct).collect::<Vec<_>>(), [20, 10]);
        assert_eq!(b.iter().map(Vec::len).sum::<usize>(), 60);
        assert!(service_batches(Vec::<(usize, u32)>::new()).is_empty());
    }
}

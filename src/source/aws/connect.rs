//! Amazon Connect live queue figures: ListQueues (paged, STANDARD) once and on demand, then
//! GetCurrentMetricData grouped by QUEUE for at most 100 queues per request, paged by hand.
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
use aws_sdk_connect::types::{Channel, CurrentMetric, CurrentMetricName, Filters, Grouping, QueueType, Unit};
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

pub struct QueuesCollector {
    client: Client,
    settings: ConnectSettings,
    label: String,
    bucket: Arc<TokenBucket>,
    reload: QueueListReload,
    queues: Option<Vec<QueueRef>>,
    /// Configured names ListQueues did not return.
    unknown_names: Vec<String>,
}

impl QueuesCollector {
    /// `bucket` paces every call; share one per account and Region (`pacing::shared_bucket`).
    pub fn new(client: Client, settings: ConnectSettings, label: String, bucket: Arc<TokenBucket>) -> Self {
        QueuesCollector {
            client,
            settings,
            label,
            bucket,
            reload: QueueListReload::default(),
            queues: None,
            unknown_names: Vec::new(),
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

    /// The live figures of every watched queue.
    pub async fn collect_now(&mut self) -> Result<Snapshot, SourceError> {
        if self.reload.take() || self.queues.is_none() {
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
        let rows = queues
            .iter()
            .map(|q| {
                let mut row = figures.remove(&q.id).unwrap_or_default();
                row.id = q.id.clone();
                row.name = q.name.clone();
                if row.contacts_in_queue == 0 {
                    row.oldest_contact_age_s = None;
                }
                row
            })
            .collect();
        let mut snap =
            Snapshot { taken_at: Timestamp::now(), source: self.label.clone(), ..Default::default() };
        snap.connect.instance_id = instance;
        snap.connect.queues = rows;
        if !self.unknown_names.is_empty() {
            snap.gaps.push(Gap {
                section: Section::Queues,
                error: format!("ListQueues: no STANDARD queue named {}", self.unknown_names.join(", ")),
            });
        }
        Ok(snap)
    }
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

//! CloudWatch: every metric of every section in as few GetMetricData calls as allowed (500
//! queries each), names behind glob patterns found with ListMetrics (paged), and a history
//! replay that fills the trends when the console starts.

use super::errors::source_error;
use super::names::NameSet;
use super::plan::{
    self, Field, Freshness, MAX_QUERIES_PER_CALL, MetricQuery, PERIOD_S, PaneTargets, Points, Quotas, Targets,
};
use super::settings::AwsSettings;
use crate::model::{Gap, NexTalkFigure, Section, Snapshot, Timestamp};
use crate::source::{SourceError, Telemetry};
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{
    Dimension, DimensionFilter, Metric, MetricDataQuery, MetricStat, ScanBy, StatusCode,
};
use futures::future::BoxFuture;
use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Resolved names are looked up again after this long (new functions, streams, tables).
const REDISCOVER_AFTER: Duration = Duration::from_secs(15 * 60);
/// Rows per data-defined pane: a glob that matches thousands of names is a typo, and each
/// row costs one query per column.
pub const MAX_PANE_ROWS: usize = 100;

/// The CloudWatch source: Connect instance figures, Lambda, Kinesis, DynamoDB, NexTalk ports.
pub struct MetricsCollector {
    client: Client,
    settings: Arc<AwsSettings>,
    label: String,
    lambda: NameSet,
    kinesis: NameSet,
    dynamodb: NameSet,
    targets: Option<(Instant, Targets)>,
    /// The last fetch of the metrics published at a longer period (daily), and when: they
    /// change once a period, so they are asked for again only every [`LONG_REFETCH`].
    /// Kept with the queries they answer: ids are positions, and rediscovery moves them.
    long: Option<(Instant, Vec<MetricQuery>, HashMap<String, Points>)>,
}

/// How often metrics with a period of their own (S3's daily storage figures) are fetched.
const LONG_REFETCH: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// What one ListMetrics lookup is for.
struct Discovery<'a> {
    namespace: &'a str,
    metric: &'a str,
    /// Dimensions that must be present with these values (`None`: any value).
    dims: Vec<(&'a str, Option<&'a str>)>,
    /// The dimension whose values are the names.
    name_dim: &'a str,
}

impl MetricsCollector {
    pub fn new(client: Client, settings: Arc<AwsSettings>, label: String) -> Self {
        let m = &settings.metrics;
        MetricsCollector {
            lambda: NameSet::parse(&m.lambda),
            kinesis: NameSet::parse(&m.kinesis),
            dynamodb: NameSet::parse(&m.dynamodb),
            client,
            label,
            targets: None,
            long: None,
            settings,
        }
    }

    /// Forget resolved names so the next refresh runs ListMetrics again.
    pub fn rediscover(&mut self) {
        self.targets = None;
    }

    /// Names the patterns resolved to at the last discovery.
    pub fn targets(&self) -> Option<&Targets> {
        self.targets.as_ref().map(|(_, t)| t)
    }

    /// How many queries a refresh sends (and so ceil(n / 500) GetMetricData calls).
    pub fn query_count(&self) -> usize {
        self.targets().map_or(0, |t| plan::plan(t).len())
    }

    async fn list_names(&self, d: &Discovery<'_>) -> Result<Vec<String>, SourceError> {
        let filters: Vec<DimensionFilter> = d
            .dims
            .iter()
            .map(|(name, value)| {
                DimensionFilter::builder().name(*name).set_value(value.map(str::to_string)).build()
            })
            .collect();
        let mut names = BTreeSet::new();
        let mut token: Option<String> = None;
        loop {
            let out = self
                .client
                .list_metrics()
                .namespace(d.namespace)
                .metric_name(d.metric)
                .set_dimensions(Some(filters.clone()))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| source_error("ListMetrics", &format!("{}/{}", d.namespace, d.metric), &e))?;
            for m in out.metrics() {
                let dims = m.dimensions();
                // Only the metric with exactly the filtered dimensions: skips per-index
                // (GlobalSecondaryIndexName) and per-version (ExecutedVersion) variants.
                if dims.len() != d.dims.len() {
                    continue;
                }
                if let Some(v) = dims.iter().find(|x| x.name() == Some(d.name_dim)).and_then(|x| x.value()) {
                    names.insert(v.to_string());
                }
            }
            match out.next_token() {
                Some(t) if !t.is_empty() => token = Some(t.to_string()),
                _ => break,
            }
        }
        Ok(names.into_iter().collect())
    }

    async fn resolve(
        &self,
        set: &NameSet,
        namespace: &str,
        metric: &str,
        dim: &str,
    ) -> Result<Vec<String>, SourceError> {
        if !set.needs_discovery() {
            return Ok(set.resolve([]));
        }
        let found =
            self.list_names(&Discovery { namespace, metric, dims: vec![(dim, None)], name_dim: dim }).await?;
        Ok(set.resolve(found.iter().map(String::as_str)))
    }

    /// ListMetrics for every pattern kind that has globs, and for the instance's contact flows.
    pub async fn discover(&mut self) -> Result<Targets, SourceError> {
        let s = self.settings.clone();
        let instance = s.connect.as_ref().map(|c| c.instance_id.clone());
        let contact_flows = match &instance {
            Some(inst) => {
                let d = Discovery {
                    namespace: "AWS/Connect",
                    metric: "ContactFlowErrors",
                    dims: vec![
                        ("InstanceId", Some(inst)),
                        ("MetricGroup", Some("ContactFlow")),
                        ("ContactFlowName", None),
                    ],
                    name_dim: "ContactFlowName",
                };
                self.list_names(&d).await?
            }
            None => Vec::new(),
        };
        let targets = Targets {
            connect_instance: instance,
            contact_flows,
            lambda: self.resolve(&self.lambda, "AWS/Lambda", "Invocations", "FunctionName").await?,
            kinesis: self.resolve(&self.kinesis, "AWS/Kinesis", "IncomingRecords", "StreamName").await?,
            dynamodb: self
                .resolve(&self.dynamodb, "AWS/DynamoDB", "ConsumedReadCapacityUnits", "TableName")
                .await?,
            servers: s.servers.clone(),
            ports: s.ports.clone(),
            panes: self.discover_panes().await,
        };
        self.targets = Some((Instant::now(), targets.clone()));
        Ok(targets)
    }

    /// Each data-defined pane's rows: exact names as written, globs through ListMetrics on the
    /// pane's first column (with the pane's and that column's fixed dimensions). A pane whose lookup fails keeps
    /// no rows and says why; the other panes and sections are not held back by it.
    async fn discover_panes(&self) -> Vec<PaneTargets> {
        let mut out = Vec::new();
        for def in &self.settings.panes {
            let set = NameSet::parse(&def.rows);
            let first = def.columns.first().map_or("", |c| c.metric.as_str());
            let mut dims: Vec<(&str, Option<&str>)> = vec![(def.row_dimension.as_str(), None)];
            dims.extend(def.dimensions.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))));
            // The first column's own dimensions too: its metric has exactly these (S3's request
            // metrics carry FilterId), and the lookup keeps only exact matches.
            if let Some(c) = def.columns.first() {
                dims.extend(c.dimensions.iter().map(|(k, v)| (k.as_str(), Some(v.as_str()))));
            }
            let found = if set.needs_discovery() {
                let d = Discovery {
                    namespace: &def.namespace,
                    metric: first,
                    dims,
                    name_dim: &def.row_dimension,
                };
                self.list_names(&d).await.map(|names| set.resolve(names.iter().map(String::as_str)))
            } else {
                Ok(set.resolve([]))
            };
            let def = Arc::new(def.clone());
            out.push(match found {
                Ok(mut rows) => {
                    // The pane says how many it leaves out (its title), never a silent cut.
                    let unread = rows.len().saturating_sub(MAX_PANE_ROWS);
                    rows.truncate(MAX_PANE_ROWS);
                    PaneTargets { def, rows, error: None, unread }
                }
                Err(e) => {
                    let error = Some(format!("pane {}: {e}", def.id));
                    PaneTargets { def, rows: Vec::new(), error, unread: 0 }
                }
            });
        }
        out
    }

    /// Current targets, discovering when there are none or they are old. A failed
    /// re-discovery keeps the old names (and says so) rather than blanking the panes.
    async fn current_targets(&mut self) -> Result<(Targets, Vec<Gap>), SourceError> {
        let fresh = self.targets.as_ref().is_some_and(|(at, _)| at.elapsed() < REDISCOVER_AFTER);
        if fresh && let Some((_, t)) = &self.targets {
            return Ok((t.clone(), Vec::new()));
        }
        let old = self.targets.clone();
        match self.discover().await {
            Ok(t) => Ok((t, Vec::new())),
            Err(e) => match old {
                Some((at, t)) => {
                    self.targets = Some((at, t.clone()));
                    let error = format!("{e} (using the names found earlier)");
                    let gaps = [Section::Lambda, Section::Kinesis, Section::DynamoDb]
                        .into_iter()
                        .map(|section| Gap::section(section, error.clone()))
                        .collect();
                    Ok((t, gaps))
                }
                None => Err(e),
            },
        }
    }

    /// GetMetricData for `queries` over [start, end), in calls of at most 500 queries, each
    /// paged to the end. Queries CloudWatch refused (Forbidden, InternalError) come back as gaps.
    async fn fetch(
        &self,
        queries: &[MetricQuery],
        start_ms: u64,
        end_ms: u64,
    ) -> Result<(HashMap<String, Points>, Vec<Gap>), SourceError> {
        let mut series: HashMap<String, Points> = HashMap::new();
        let mut gaps = Vec::new();
        for chunk in queries.chunks(MAX_QUERIES_PER_CALL) {
            let sdk_queries: Vec<MetricDataQuery> = chunk.iter().map(to_sdk_query).collect();
            let mut token: Option<String> = None;
            loop {
                let out = self
                    .client
                    .get_metric_data()
                    .set_metric_data_queries(Some(sdk_queries.clone()))
                    .start_time(DateTime::from_millis(start_ms as i64))
                    .end_time(DateTime::from_millis(end_ms as i64))
                    .scan_by(ScanBy::TimestampDescending)
                    .set_next_token(token.take())
                    .send()
                    .await
                    .map_err(|e| source_error("GetMetricData", &format!("{} queries", chunk.len()), &e))?;
                for r in out.metric_data_results() {
                    let Some(id) = r.id() else { continue };
                    let points = series.entry(id.to_string()).or_default();
                    for (ts, v) in r.timestamps().iter().zip(r.values()) {
                        if let Ok(ms) = ts.to_millis() {
                            points.push((ms.max(0) as u64, *v));
                        }
                    }
                    if let Some(code @ (StatusCode::Forbidden | StatusCode::InternalError)) = r.status_code()
                        && let Some(q) = chunk.iter().find(|q| q.id == id)
                    {
                        let detail: Vec<_> = r.messages().iter().filter_map(|m| m.value()).collect();
                        let detail = if detail.is_empty() {
                            String::new()
                        } else {
                            format!(" ({})", detail.join("; "))
                        };
                        let error =
                            format!("GetMetricData {}/{}: {}{detail}", q.namespace, q.metric, code.as_str());
                        gaps.push(match q.field {
                            Field::Ports(_) => Gap::nextalk(NexTalkFigure::Ports, None, error),
                            other => Gap::section(other.section(), error),
                        });
                    }
                }
                match out.next_token() {
                    Some(t) if !t.is_empty() => token = Some(t.to_string()),
                    _ => break,
                }
            }
        }
        gaps.dedup();
        Ok((series, gaps))
    }

    /// The metrics with a period of their own, in calls apart from the minute figures (their
    /// window is two of their periods: a minute query over two days would return 2,880
    /// datapoints). Cached for [`LONG_REFETCH`]; a failed fetch is a gap on the panes and keeps
    /// the last figures, it does not fail the refresh.
    async fn fetch_long(&mut self, queries: &[MetricQuery], end: u64) -> (HashMap<String, Points>, Vec<Gap>) {
        if let Some((at, asked, points)) = &self.long
            && at.elapsed() < LONG_REFETCH
            && asked.as_slice() == queries
        {
            return (points.clone(), Vec::new());
        }
        let longest = queries.iter().map(|q| u64::try_from(q.period_s).unwrap_or(0)).max().unwrap_or(0);
        let start = end.saturating_sub(2 * longest * 1000);
        match self.fetch(queries, start, end).await {
            Ok((points, gaps)) => {
                self.long = Some((Instant::now(), queries.to_vec(), points.clone()));
                (points, gaps)
            }
            Err(e) => {
                let kept = match &self.long {
                    Some((_, asked, p)) if asked.as_slice() == queries => p.clone(),
                    Some(_) | None => HashMap::new(),
                };
                (kept, vec![Gap::section(Section::Panes, format!("{e} (daily figures)"))])
            }
        }
    }

    fn freshness(&self) -> Freshness {
        let m = &self.settings.metrics;
        Freshness {
            count_ms: u64::from(m.count_fresh_minutes.max(1)) * 60_000,
            gauge_ms: u64::from(m.window_minutes.max(1)) * 60_000,
        }
    }

    fn quotas(&self) -> Quotas {
        let c = self.settings.connect.as_ref();
        Quotas {
            concurrent_calls: c.and_then(|c| c.concurrent_calls_quota),
            concurrent_chats: c.and_then(|c| c.concurrent_chats_quota),
        }
    }

    /// One refresh: the newest value of every metric, as of now.
    pub async fn collect_now(&mut self) -> Result<Snapshot, SourceError> {
        let (targets, stale_names) = self.current_targets().await?;
        let queries = plan::plan(&targets);
        let end = period_end(Timestamp::now().0);
        let start = end.saturating_sub(u64::from(self.settings.metrics.window_minutes.max(1)) * 60_000);
        let (short, long): (Vec<MetricQuery>, Vec<MetricQuery>) =
            queries.iter().cloned().partition(|q| !q.is_long());
        let (mut series, mut gaps) = self.fetch(&short, start, end).await?;
        if !long.is_empty() {
            let (points, long_gaps) = self.fetch_long(&long, end).await;
            series.extend(points);
            gaps.extend(long_gaps);
        }
        let mut snap = plan::assemble(&targets, &queries, &series, end, self.freshness(), &self.quotas());
        snap.taken_at = Timestamp::now();
        snap.source = self.label.clone();
        snap.gaps.extend(gaps);
        snap.gaps.extend(stale_names);
        snap.gaps.extend(
            targets
                .panes
                .iter()
                .filter_map(|p| p.error.as_ref())
                .map(|e| Gap::section(Section::Panes, e.clone())),
        );
        Ok(snap)
    }

    /// The last `minutes` as one snapshot per minute, oldest first, for filling trends at
    /// start: feed each to `model::History::record` before the first live snapshot. Same
    /// queries and call count as a refresh (more datapoints per query, paged if needed). Only
    /// the metric part: queue, ping and service fields are empty.
    pub async fn history(&mut self, minutes: u32) -> Result<Vec<Snapshot>, SourceError> {
        let (targets, _) = self.current_targets().await?;
        // The minute figures only: a daily figure has no per-minute history to replay.
        let queries: Vec<MetricQuery> = plan::plan(&targets).into_iter().filter(|q| !q.is_long()).collect();
        let end = period_end(Timestamp::now().0);
        let start = end.saturating_sub(u64::from(minutes.max(1)) * 60_000);
        let (series, _) = self.fetch(&queries, start, end).await?;
        // Replayed instants are exact buckets: a count belongs to its own minute only.
        let fresh = Freshness { count_ms: 0, gauge_ms: self.freshness().gauge_ms };
        let quotas = self.quotas();
        Ok(plan::bucket_times(&series)
            .into_iter()
            .map(|at| {
                let mut s = plan::assemble(&targets, &queries, &series, at, fresh, &quotas);
                s.source = self.label.clone();
                s
            })
            .collect())
    }
}

/// The end of the current minute: GetMetricData's window then includes the bucket in progress.
fn period_end(now_ms: u64) -> u64 {
    let p = PERIOD_S as u64 * 1000;
    (now_ms / p + 1) * p
}

fn to_sdk_query(q: &MetricQuery) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(&q.namespace)
        .metric_name(&q.metric)
        .set_dimensions(Some(
            q.dimensions.iter().map(|(k, v)| Dimension::builder().name(k).value(v).build()).collect(),
        ))
        .build();
    MetricDataQuery::builder()
        .id(&q.id)
        .metric_stat(MetricStat::builder().metric(metric).period(q.period_s).stat(&q.stat).build())
        .return_data(true)
        .build()
}

impl Telemetry for MetricsCollector {
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
    fn the_window_ends_after_the_current_minute() {
        assert_eq!(period_end(120_000), 180_000);
        assert_eq!(period_end(179_999), 180_000);
    }
}

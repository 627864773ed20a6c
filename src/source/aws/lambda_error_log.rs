//! A Lambda function's error log from CloudWatch Logs: FilterLogEvents on
//! `/aws/lambda/<function>` with an "any error term" filter pattern, first over a look-back
//! window, then again every few seconds for what is new.
//!
//! FilterLogEvents has a 5-25 requests/s quota per account and Region that nobody can raise
//! and every engineer's console shares. So: one sweep (a query and its pages) per poll
//! interval at most, our calls paced by the process's one FilterLogEvents token bucket for the account and Region, a
//! bounded number of pages per call, and a throttled call retried with jittered exponential
//! backoff rather than at once. The SDK's own retries are off, so each retry waits its turn.

use super::errors::classify;
use super::lambda_logs::{ErrorFilter, OVERLAP_MS, SeenEvents, event_lines, log_group};
use super::pacing::TokenBucket;
use super::settings::LogSettings;
use crate::model::Timestamp;
use crate::source::SourceError;
use crate::source::logs::{LogLine, LogTail};
use crate::source::tailing::TailState;
use aws_sdk_cloudwatchlogs::Client;
use aws_sdk_cloudwatchlogs::operation::filter_log_events::{FilterLogEventsError, FilterLogEventsOutput};
use backon::{ExponentialBuilder, Retryable};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

const OPERATION: &str = "FilterLogEvents";
/// Pages read in one `next_batch`; a busy look-back continues on the next call, so one call
/// never holds the caller (or the quota) for long.
const PAGES_PER_CALL: usize = 5;

/// Follows one function's error events. Each `next_batch` either reads (when a read is due or
/// unfinished) or answers at once with nothing.
pub struct LambdaErrorLog {
    client: Client,
    function: String,
    group: String,
    settings: LogSettings,
    filter: ErrorFilter,
    bucket: Arc<TokenBucket>,
    state: watch::Sender<TailState>,
    /// Where the next sweep starts (ms since the epoch); `None` before the first.
    start_ms: Option<i64>,
    /// The sweep under way: its start, when it began, and the page token to continue from.
    sweep: Option<Sweep>,
    seen: SeenEvents,
    next_sweep_at: Option<Instant>,
}

struct Sweep {
    start_ms: i64,
    began_ms: i64,
    token: Option<String>,
}

impl LambdaErrorLog {
    /// `settings` are checked when the config is loaded; terms that slipped past fall back to
    /// the defaults rather than sending a broken pattern.
    pub fn new(
        client: Client,
        function: &str,
        settings: LogSettings,
        bucket: Arc<TokenBucket>,
    ) -> LambdaErrorLog {
        let filter = ErrorFilter::new(&settings.error_terms).unwrap_or_default();
        let group = log_group(function);
        let (state, _) = watch::channel(TailState::Connecting { to: format!("CloudWatch Logs {group}") });
        LambdaErrorLog {
            client,
            function: function.to_string(),
            group,
            settings,
            filter,
            bucket,
            state,
            start_ms: None,
            sweep: None,
            seen: SeenEvents::default(),
            next_sweep_at: None,
        }
    }

    pub fn function(&self) -> &str {
        &self.function
    }

    pub fn log_group(&self) -> &str {
        &self.group
    }

    /// The filter pattern sent with every request.
    pub fn filter_pattern(&self) -> &str {
        self.filter.pattern()
    }

    /// How the tail is doing, for the log view's status line; follows every change.
    pub fn state(&self) -> watch::Receiver<TailState> {
        self.state.subscribe()
    }

    fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(Duration::from_millis(self.settings.backoff_min_ms))
            .with_max_delay(Duration::from_millis(self.settings.backoff_max_ms))
            .with_max_times(self.settings.throttle_retries as usize)
    }

    async fn read(&mut self) -> Result<Vec<LogLine>, SourceError> {
        if self.sweep.is_none() {
            if self.next_sweep_at.is_some_and(|at| Instant::now() < at) {
                return Ok(Vec::new());
            }
            let now = now_ms();
            let lookback = i64::from(self.settings.lookback_minutes) * 60_000;
            let start_ms = self.start_ms.unwrap_or(now - lookback);
            self.sweep = Some(Sweep { start_ms, began_ms: now, token: None });
        }
        let mut lines = Vec::new();
        let mut pages = 0;
        // An empty answer means "nothing new" to a reader, so while the sweep goes on and has
        // found nothing yet (empty pages with a token, events the filter drops), read on.
        while pages < PAGES_PER_CALL || lines.is_empty() {
            pages += 1;
            let Some(sweep) = &self.sweep else { break };
            let (start_ms, token) = (sweep.start_ms, sweep.token.clone());
            let page = match self.page(start_ms, token).await {
                Ok(page) => page,
                // Lines already taken are marked seen: hand them out now, and let the next
                // sweep (which will likely fail the same way) report the error.
                Err(e) if !lines.is_empty() => {
                    self.failed(e);
                    break;
                }
                Err(e) => return Err(self.failed(e)),
            };
            self.take(&page, &mut lines);
            match (page.next_token(), &mut self.sweep) {
                // Empty pages can still carry a token: the search is not over yet.
                (Some(next), Some(sweep)) if !next.is_empty() => sweep.token = Some(next.to_string()),
                _ => {
                    self.finish_sweep();
                    break;
                }
            }
        }
        Ok(lines)
    }

    /// One page, paced and retried on throttling and transient failures.
    async fn page(
        &self,
        start_ms: i64,
        token: Option<String>,
    ) -> Result<
        FilterLogEventsOutput,
        aws_sdk_cloudwatchlogs::error::SdkError<FilterLogEventsError, HttpResponse>,
    > {
        let bucket = self.bucket.clone();
        let send = || {
            let request = self
                .client
                .filter_log_events()
                .log_group_name(&self.group)
                .filter_pattern(self.filter.pattern())
                .start_time(start_ms)
                .limit(self.settings.page_limit.clamp(1, 10_000) as i32)
                .set_next_token(token.clone());
            let bucket = bucket.clone();
            async move {
                bucket.acquire().await;
                request.send().await
            }
        };
        send.retry(self.backoff())
            .sleep(tokio::time::sleep)
            .when(|e| classify(e).is_retryable())
            .notify(|_, after| {
                self.state.send_replace(TailState::Reconnecting {
                    in_secs: after.as_secs(),
                    reason: format!("{OPERATION} throttled or unavailable"),
                });
            })
            .await
    }

    /// The page's events that match and were not shown before, as lines, oldest first.
    fn take(&mut self, page: &FilterLogEventsOutput, lines: &mut Vec<LogLine>) {
        let mut events: Vec<_> = page.events().iter().collect();
        // CloudWatch interleaves the streams by time; keep that order even where an emulator
        // does not.
        events.sort_by_key(|e| e.timestamp().unwrap_or(0));
        for e in events {
            let (Some(message), Some(at)) = (e.message(), e.timestamp()) else { continue };
            let id = e.event_id().map_or_else(|| format!("{at}/{message}"), str::to_string);
            if !self.filter.matches(message) || !self.seen.first_time(&id, at) {
                continue;
            }
            lines.extend(event_lines(Timestamp(u64::try_from(at).unwrap_or(0)), message));
        }
    }

    fn finish_sweep(&mut self) {
        if let Some(sweep) = self.sweep.take() {
            // Everything stamped before the sweep began has been asked for; the next sweep
            // starts a little earlier still, for events CloudWatch ingests late.
            let next = (sweep.began_ms - OVERLAP_MS).max(sweep.start_ms);
            self.seen.forget_before(next);
            self.start_ms = Some(next);
        }
        self.next_sweep_at = Some(Instant::now() + Duration::from_secs(self.settings.poll_interval_s.max(1)));
        self.state.send_replace(TailState::Following { source: self.group.clone() });
    }

    /// A failed read: the sweep starts over (from the same time) after the poll interval, and
    /// the state and error say what to do about it.
    fn failed(
        &mut self,
        e: aws_sdk_cloudwatchlogs::error::SdkError<FilterLogEventsError, HttpResponse>,
    ) -> SourceError {
        self.sweep = None;
        self.next_sweep_at = Some(Instant::now() + Duration::from_secs(self.settings.poll_interval_s.max(1)));
        let not_found =
            matches!(e.as_service_error(), Some(FilterLogEventsError::ResourceNotFoundException(_)));
        let error = if not_found {
            SourceError::Failed {
                operation: OPERATION.into(),
                resource: self.group.clone(),
                message: format!(
                    "log group not found: function {} has not logged yet (or is not called that)",
                    self.function
                ),
            }
        } else {
            classify(&e).into_source(OPERATION, &self.group)
        };
        let state = match (&error, not_found) {
            (_, true) => TailState::Waiting { reason: format!("{} has not logged yet", self.function) },
            (SourceError::Throttled { .. }, _) => {
                let in_secs = self.settings.poll_interval_s;
                TailState::Reconnecting { in_secs, reason: format!("{OPERATION} throttled") }
            }
            (e, _) => TailState::Failed { message: e.to_string() },
        };
        self.state.send_replace(state);
        error
    }
}

type HttpResponse = aws_smithy_runtime_api::client::orchestrator::HttpResponse;

fn now_ms() -> i64 {
    i64::try_from(Timestamp::now().0).unwrap_or(i64::MAX)
}

impl LogTail for LambdaErrorLog {
    fn describe(&self) -> String {
        format!("{} errors (CloudWatch Logs, filter {})", self.group, self.filter.pattern())
    }

    fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
        Box::pin(self.read())
    }
}

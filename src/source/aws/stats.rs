//! Counts the requests each AWS operation put on the wire (retries included) and the answers
//! that said "slow down". CloudWatch is priced per metric requested and Connect's quota is
//! shared, so "how many calls did a refresh make" and "how close to the quota are we" are
//! worth showing (the API budget gauge), and the tests assert on them.

use super::budget::{ApiBudget, ApiUse};
use super::errors::THROTTLING_CODES;
use aws_sdk_cloudwatch::config::interceptors::BeforeTransmitInterceptorContextRef;
use aws_sdk_cloudwatch::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::AfterDeserializationInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Rates are measured over the last minute.
pub const RATE_WINDOW: Duration = Duration::from_secs(60);

#[derive(Debug, Default)]
struct OpStats {
    calls: u64,
    throttled: u64,
    /// When each call of the last [`RATE_WINDOW`] went out.
    recent: VecDeque<Instant>,
}

#[derive(Debug)]
struct Inner {
    started: Instant,
    ops: BTreeMap<String, OpStats>,
}

/// Requests per operation name (`GetMetricData`, `GetCurrentMetricData`, …). Cheap to clone;
/// every client of one `AwsContext` shares one.
#[derive(Debug, Clone)]
pub struct ApiStats {
    inner: Arc<Mutex<Inner>>,
}

impl Default for ApiStats {
    fn default() -> Self {
        ApiStats { inner: Arc::new(Mutex::new(Inner { started: Instant::now(), ops: BTreeMap::new() })) }
    }
}

impl ApiStats {
    pub fn count(&self, operation: &str) -> u64 {
        self.with(|i| i.ops.get(operation).map_or(0, |o| o.calls))
    }

    pub fn all(&self) -> BTreeMap<String, u64> {
        self.with(|i| i.ops.iter().map(|(k, v)| (k.clone(), v.calls)).collect())
    }

    pub fn total(&self) -> u64 {
        self.all().values().sum()
    }

    /// Answers to `operation` that were throttling errors.
    pub fn throttled(&self, operation: &str) -> u64 {
        self.with(|i| i.ops.get(operation).map_or(0, |o| o.throttled))
    }

    /// Calls per second of each operation over the last minute (or since start, if that is
    /// shorter), with totals and throttles. The pacing rows are the caller's to fill in.
    pub fn budget(&self) -> ApiBudget {
        self.budget_at(Instant::now())
    }

    fn budget_at(&self, now: Instant) -> ApiBudget {
        self.with(|i| {
            // Since start when younger than the window, but at least a second, so the first
            // burst of a young process does not read as hundreds per second.
            let window = now.saturating_duration_since(i.started).clamp(Duration::from_secs(1), RATE_WINDOW);
            let apis = i
                .ops
                .iter_mut()
                .map(|(op, s)| {
                    prune(&mut s.recent, now);
                    let in_window = s.recent.iter().filter(|t| now.saturating_duration_since(**t) <= window);
                    ApiUse {
                        service: service_of(op),
                        operation: op.clone(),
                        calls: s.calls,
                        calls_per_s: round2(in_window.count() as f64 / window.as_secs_f64()),
                        throttled: s.throttled,
                    }
                })
                .collect();
            ApiBudget { window_s: round2(window.as_secs_f64()), apis, ..ApiBudget::default() }
        })
    }

    fn with<T>(&self, f: impl FnOnce(&mut Inner) -> T) -> T {
        let mut guard = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut guard)
    }

    fn bump(&self, operation: &str, now: Instant) {
        self.with(|i| {
            let s = i.ops.entry(operation.to_string()).or_default();
            s.calls += 1;
            s.recent.push_back(now);
            prune(&mut s.recent, now);
        });
    }

    fn bump_throttled(&self, operation: &str) {
        self.with(|i| i.ops.entry(operation.to_string()).or_default().throttled += 1);
    }
}

fn prune(recent: &mut VecDeque<Instant>, now: Instant) {
    while recent.front().is_some_and(|t| now.saturating_duration_since(*t) > RATE_WINDOW) {
        recent.pop_front();
    }
}

fn round2(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// `connect` for `GetCurrentMetricData`: the IAM service prefix, as the README's policy names it.
fn service_of(operation: &str) -> String {
    super::errors::service(operation).unwrap_or("other").to_string()
}

/// Whether an error answer says "slow down": HTTP 429, or one of the throttling codes in the
/// error-type header (REST-JSON, awsJson) or in the body (awsJson `__type`, CBOR).
pub fn is_throttling_answer(status: u16, error_type: Option<&str>, body: Option<&[u8]>) -> bool {
    if status == 429 {
        return true;
    }
    if status < 400 {
        return false;
    }
    // `x-amzn-errortype: ThrottlingException:http://internal.amazon.com/...`
    let code = |s: &str| s.split([':', '#']).find(|p| !p.is_empty()).map(str::to_string);
    if let Some(t) = error_type.and_then(code) {
        return THROTTLING_CODES.contains(&t.as_str());
    }
    let Some(body) = body else { return false };
    THROTTLING_CODES.iter().any(|c| {
        let c = c.as_bytes();
        body.windows(c.len()).enumerate().any(|(at, w)| w == c && is_whole_code(body, at, c.len()))
    })
}

/// The code at `at..at+len` is a whole string value, not part of a longer word: in JSON
/// `"Code"` or `"prefix#Code"`; in CBOR a text string whose length byte comes right before it.
fn is_whole_code(body: &[u8], at: usize, len: usize) -> bool {
    let before = at.checked_sub(1).and_then(|i| body.get(i)).copied();
    let after = body.get(at + len).copied();
    let json = matches!(before, Some(b'"' | b'#')) && after == Some(b'"');
    let cbor = match len {
        0..=23 => before == Some(0x60 + len as u8),
        _ => before == u8::try_from(len).ok() && at.checked_sub(2).and_then(|i| body.get(i)) == Some(&0x78),
    };
    json || cbor
}

impl Intercept for ApiStats {
    fn name(&self) -> &'static str {
        "SwitchboardApiStats"
    }

    // Runs once per attempt, just before the request is sent: retries count too.
    fn read_before_transmit(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        if let Some(meta) = cfg.load::<Metadata>() {
            self.bump(meta.name(), Instant::now());
        }
        Ok(())
    }

    // Runs once per attempt that got an answer; by now the body of a non-streaming answer has
    // been read into memory, so the error code in it can be looked at.
    fn read_after_deserialization(
        &self,
        context: &AfterDeserializationInterceptorContextRef<'_>,
        _components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response();
        let status = response.status().as_u16();
        let error_type = response.headers().get("x-amzn-errortype");
        if is_throttling_answer(status, error_type, response.body().bytes())
            && let Some(meta) = cfg.load::<Metadata>()
        {
            self.bump_throttled(meta.name());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_are_per_second_over_the_last_minute() {
        let stats = ApiStats::default();
        let t0 = stats.with(|i| i.started);
        for s in 0..120 {
            stats.bump("GetCurrentMetricData", t0 + Duration::from_millis(500 * s));
        }
        stats.bump("GetMetricData", t0);
        stats.bump_throttled("GetCurrentMetricData");
        let b = stats.budget_at(t0 + Duration::from_secs(60));
        assert_eq!(b.window_s, 60.0);
        let gcmd = b.apis.iter().find(|a| a.operation == "GetCurrentMetricData").unwrap();
        assert_eq!((gcmd.service.as_str(), gcmd.calls, gcmd.throttled), ("connect", 120, 1));
        assert_eq!(gcmd.calls_per_s, 2.0);
        // Ten minutes on, nothing new: the rate falls to zero, the totals stay.
        let later = stats.budget_at(t0 + Duration::from_secs(600));
        let gcmd = later.apis.iter().find(|a| a.operation == "GetCurrentMetricData").unwrap();
        assert_eq!((gcmd.calls, gcmd.calls_per_s), (120, 0.0));
        let gmd = later.apis.iter().find(|a| a.operation == "GetMetricData").unwrap();
        assert_eq!(gmd.service, "cloudwatch");
    }

    #[test]
    fn a_young_process_measures_since_start() {
        let stats = ApiStats::default();
        let t0 = stats.with(|i| i.started);
        for _ in 0..10 {
            stats.bump("GetCurrentMetricData", t0);
        }
        assert_eq!(stats.budget_at(t0 + Duration::from_secs(5)).apis[0].calls_per_s, 2.0);
        assert_eq!(stats.budget_at(t0).apis[0].calls_per_s, 10.0, "at least a one-second window");
    }

    #[test]
    fn throttling_answers_are_recognised_by_status_header_or_body() {
        assert!(is_throttling_answer(429, None, None));
        assert!(is_throttling_answer(400, Some("ThrottlingException:http://internal"), None));
        assert!(!is_throttling_answer(400, Some("ValidationException"), Some(b"Throttling")));
        assert!(is_throttling_answer(400, None, Some(br#"{"__type":"com.amazon#ThrottlingException"}"#)));
        // CBOR: `s` is the text-string header of a 19-byte string, `g` of the next key.
        assert!(is_throttling_answer(400, None, Some(b"\xa2f__typesThrottlingExceptiongmessage")));
        assert!(!is_throttling_answer(400, None, Some(b"\xa2f__typetThrottlingExceptionX")));
        assert!(!is_throttling_answer(400, None, Some(br#"{"message":"Throttling settings are fine"}"#)));
        assert!(!is_throttling_answer(400, None, Some(br#"{"__type":"ThrottlingExceptionalCase"}"#)));
        assert!(!is_throttling_answer(200, None, Some(b"ThrottlingException")));
        assert!(!is_throttling_answer(403, None, Some(br#"{"__type":"AccessDeniedException"}"#)));
    }
}

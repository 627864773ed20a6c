//! Pacing of calls to an API whose quota is shared by a whole account and Region (Connect's
//! GetCurrentMetricData: 5 requests/s, burst 8, for every engineer, wallboard and script;
//! CloudWatch Logs FilterLogEvents: 5-25/s, not adjustable).
//!
//! A token bucket, the same model AWS uses to enforce those quotas: `burst` tokens to start
//! with, refilled at `rate_per_s`, one token per request. A refresh after a quiet spell (the
//! first one, above all) goes out at once on the saved-up burst, so 200 queues arrive in one
//! round trip's time; a long run of calls settles at `rate_per_s`. The defaults take a
//! minority of the account's quota and leave the rest to everyone else.
//!
//! There is one bucket per API, account and Region in the whole process ([`shared_bucket`]),
//! so every collector, retry and log tail of every `AwsContext` draws from the same budget.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug)]
pub struct TokenBucket {
    rate_per_s: f64,
    burst: f64,
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Tokens in the bucket at `at`; below zero when callers are queued for future tokens.
    tokens: f64,
    at: Instant,
    /// Calls that had to wait for a token, and for how long in all (for the budget gauge).
    waited: u64,
    waited_total: Duration,
}

impl TokenBucket {
    /// A full bucket. `rate_per_s` must be positive and `burst` at least 1 (the settings check
    /// both); out-of-range values are clamped rather than trusted.
    pub fn new(rate_per_s: f64, burst: u32) -> Self {
        let rate_per_s = if rate_per_s.is_finite() && rate_per_s > 0.0 { rate_per_s } else { 1.0 };
        let burst = f64::from(burst.max(1));
        TokenBucket {
            rate_per_s,
            burst,
            state: Mutex::new(State {
                tokens: burst,
                at: Instant::now(),
                waited: 0,
                waited_total: Duration::ZERO,
            }),
        }
    }

    pub fn rate_per_s(&self) -> f64 {
        self.rate_per_s
    }

    pub fn burst(&self) -> u32 {
        self.burst as u32
    }

    /// Takes one token, waiting until it is there. Callers are served in the order they asked:
    /// a caller that finds the bucket empty books the next free token and sleeps until it has
    /// been refilled, so no caller can jump the queue and the long-run rate is exact.
    pub async fn acquire(&self) {
        let wait = self.book(Instant::now());
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }

    /// Books one token at `now`; returns how long the caller must wait for it.
    fn book(&self, now: Instant) -> Duration {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let elapsed = now.saturating_duration_since(s.at).as_secs_f64();
        s.tokens = (s.tokens + elapsed * self.rate_per_s).min(self.burst);
        s.at = now;
        s.tokens -= 1.0;
        if s.tokens >= 0.0 {
            return Duration::ZERO;
        }
        let wait = Duration::from_secs_f64(-s.tokens / self.rate_per_s);
        s.waited += 1;
        s.waited_total += wait;
        wait
    }

    /// Calls that had to wait for a token so far, and their total wait.
    pub fn waits(&self) -> (u64, Duration) {
        let s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        (s.waited, s.waited_total)
    }
}

/// Which quota a bucket stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Quota {
    /// Amazon Connect's API calls (GetCurrentMetricData, ListQueues).
    Connect,
    /// CloudWatch Logs FilterLogEvents.
    Logs,
}

/// Whose quota: the API, the account, the Region, and the endpoint when it is overridden
/// (`--endpoint-url`: an emulator is not AWS's quota, and each test's stand-in is its own).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct QuotaKey {
    pub quota: Quota,
    pub account: String,
    pub region: String,
    pub endpoint: Option<String>,
}

/// The process's one bucket for `key`. The first caller's rate and burst make it; later
/// callers (another context on the same account, a second console source) share that bucket
/// whatever they ask for, since the quota they spend is the same.
pub fn shared_bucket(key: QuotaKey, rate_per_s: f64, burst: u32) -> Arc<TokenBucket> {
    static BUCKETS: OnceLock<Mutex<HashMap<QuotaKey, Arc<TokenBucket>>>> = OnceLock::new();
    let map = BUCKETS.get_or_init(Default::default);
    let mut map = map.lock().unwrap_or_else(|e| e.into_inner());
    map.entry(key).or_insert_with(|| Arc::new(TokenBucket::new(rate_per_s, burst))).clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn the_burst_goes_at_once_then_the_rate_holds() {
        let b = TokenBucket::new(2.0, 3);
        let start = Instant::now();
        for _ in 0..3 {
            b.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO, "a full bucket spends its burst at once");
        for _ in 0..4 {
            b.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::from_millis(2000), "then 2 per second");
        assert_eq!(b.waits().0, 4);
    }

    #[tokio::test(start_paused = true)]
    async fn a_quiet_spell_refills_only_up_to_the_burst() {
        let b = TokenBucket::new(4.0, 2);
        b.acquire().await;
        b.acquire().await;
        tokio::time::sleep(Duration::from_secs(60)).await;
        let start = Instant::now();
        for _ in 0..4 {
            b.acquire().await;
        }
        // Two saved up (not 240), then 4/s for the other two.
        assert_eq!(start.elapsed(), Duration::from_millis(500));
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_callers_share_one_rate() {
        let b = Arc::new(TokenBucket::new(5.0, 1));
        let start = Instant::now();
        let tasks: Vec<_> = (0..10)
            .map(|_| {
                let b = b.clone();
                tokio::spawn(async move { b.acquire().await })
            })
            .collect();
        for t in tasks {
            t.await.unwrap();
        }
        // 1 from the burst, 9 more at 200 ms each.
        assert_eq!(start.elapsed(), Duration::from_millis(1800));
    }

    #[test]
    fn one_bucket_per_quota_account_region_and_endpoint() {
        let key = |quota, region: &str, endpoint: Option<&str>| QuotaKey {
            quota,
            account: "111111111111".into(),
            region: region.into(),
            endpoint: endpoint.map(str::to_string),
        };
        let a = shared_bucket(key(Quota::Connect, "eu-west-2", None), 1.0, 3);
        let b = shared_bucket(key(Quota::Connect, "eu-west-2", None), 9.0, 9);
        let c = shared_bucket(key(Quota::Connect, "us-east-1", None), 1.0, 3);
        let d = shared_bucket(key(Quota::Logs, "eu-west-2", None), 1.0, 3);
        let e = shared_bucket(key(Quota::Connect, "eu-west-2", Some("http://127.0.0.1:1")), 1.0, 3);
        assert!(Arc::ptr_eq(&a, &b), "same quota: the first settings hold");
        assert_eq!((b.rate_per_s(), b.burst()), (1.0, 3));
        for other in [&c, &d, &e] {
            assert!(!Arc::ptr_eq(&a, other));
        }
    }
}

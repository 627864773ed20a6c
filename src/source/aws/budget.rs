//! What this process spends of the account's API quotas, and where the queue figures came
//! from: plain data for `snapshot` JSON and (later) the console's status bar. Filled by the
//! request-counting interceptor (`stats`), the token buckets (`pacing`) and the team cache
//! (`team`); compiled without the `aws` feature so the UI can name the types either way.

use crate::model::Timestamp;
use serde::Serialize;

/// The API budget gauge: calls per second per API from this process, throttles seen, the
/// pacing that bounds them, and in team mode the team's Connect rate.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct ApiBudget {
    /// The window the rates are measured over (the last minute, or since start if shorter).
    pub window_s: f64,
    /// One row per operation this process called, by name.
    pub apis: Vec<ApiUse>,
    /// The token bucket every Connect call of this process draws from.
    pub connect_pacing: Option<Pacing>,
    /// The one every FilterLogEvents call draws from.
    pub logs_pacing: Option<Pacing>,
    /// In team mode: Connect calls per second of the lease holder (the whole team's Connect
    /// traffic from switchboard), as it last reported.
    pub team_connect_calls_per_s: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ApiUse {
    /// `connect`, `cloudwatch`, `logs`, `ssm`, `sts`, `dynamodb`.
    pub service: String,
    /// `GetCurrentMetricData`, `GetMetricData`, …
    pub operation: String,
    /// Requests put on the wire since start (retries included).
    pub calls: u64,
    /// Requests per second over the window.
    pub calls_per_s: f64,
    /// Answers that said "slow down" (throttling codes, HTTP 429) since start.
    pub throttled: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pacing {
    pub rate_per_s: f64,
    pub burst: u32,
    /// Calls that had to wait for a token since start, and how long they waited in all.
    pub waited_calls: u64,
    pub waited_s: f64,
}

/// Where the queue figures on screen came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Origin {
    /// This process polled Connect itself (no team table, or it could not be read).
    OwnPoll,
    /// This process holds the team lease: it polled Connect and wrote the figures for all.
    TeamLeader,
    /// Read from the team table, written by the lease holder.
    TeamCache,
}

/// The queue figures' provenance, for the status bar and `snapshot` JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct QueueSource {
    pub origin: Origin,
    /// When the figures were taken (by whoever polled).
    pub taken_at: Option<Timestamp>,
    /// Their age when this was read.
    pub age_s: Option<f64>,
    /// Team mode: the table, who holds the lease and until when.
    pub team_table: Option<String>,
    pub lease_holder: Option<String>,
    pub lease_expires_in_s: Option<f64>,
    /// When the lease holder took the lease (the last handover), by its clock; to the
    /// millisecond, since handovers are measured in seconds.
    #[serde(serialize_with = "millis")]
    pub lease_taken_at: Option<Timestamp>,
    /// This process's own name in the lease.
    pub me: Option<String>,
    /// Team mode: the lease holder's Connect calls per second (the team's Connect traffic).
    pub team_connect_calls_per_s: Option<f64>,
    /// When this process last looked (read the table or polled); `lease_expires_in_s` was
    /// taken then and is counted down from it.
    pub checked_at: Option<Timestamp>,
    /// Why this process polls on its own budget although a team table is configured (the
    /// table cannot be read), or why the figures are stale (the holder's last error).
    pub note: Option<String>,
}

impl QueueSource {
    pub fn own_poll(taken_at: Option<Timestamp>, now: Timestamp) -> QueueSource {
        QueueSource {
            origin: Origin::OwnPoll,
            taken_at,
            age_s: taken_at.map(|t| age_s(t, now)),
            team_table: None,
            lease_holder: None,
            lease_expires_in_s: None,
            lease_taken_at: None,
            me: None,
            team_connect_calls_per_s: None,
            checked_at: Some(now),
            note: None,
        }
    }

    /// The same provenance, its ages taken again at `now`.
    pub fn at(&self, now: Timestamp) -> QueueSource {
        let mut out = self.clone();
        out.age_s = self.taken_at.map(|t| age_s(t, now));
        if let (Some(left), Some(checked)) = (self.lease_expires_in_s, self.checked_at) {
            out.lease_expires_in_s = Some(((left - age_s(checked, now)) * 1000.0).round() / 1000.0);
        }
        out
    }
}

fn millis<S: serde::Serializer>(t: &Option<Timestamp>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => s.serialize_str(&humantime::format_rfc3339_millis(t.to_system_time()).to_string()),
        None => s.serialize_none(),
    }
}

/// Seconds from `then` to `now`, never negative (clocks of two consoles differ a little).
pub fn age_s(then: Timestamp, now: Timestamp) -> f64 {
    now.0.saturating_sub(then.0) as f64 / 1000.0
}

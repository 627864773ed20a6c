//! Wall-clock instants as plain data, so the simulator can run on its own clock and the JSON
//! stays byte-identical for a given seed.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Milliseconds since the Unix epoch (UTC).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Timestamp(pub u64);

impl Timestamp {
    pub fn now() -> Self {
        SystemTime::now().into()
    }

    pub fn from_secs(secs: u64) -> Self {
        Timestamp(secs.saturating_mul(1000))
    }

    pub fn plus(self, d: Duration) -> Self {
        Timestamp(self.0.saturating_add(d.as_millis() as u64))
    }

    /// Time from `earlier` to `self`, zero when `earlier` is later.
    pub fn since(self, earlier: Timestamp) -> Duration {
        Duration::from_millis(self.0.saturating_sub(earlier.0))
    }

    pub fn to_system_time(self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.0)
    }

    /// RFC 3339 in UTC, seconds precision: `2026-11-22T03:00:00Z`.
    pub fn rfc3339(self) -> String {
        humantime::format_rfc3339_seconds(self.to_system_time()).to_string()
    }

    /// `HH:MM:SS` (UTC) for compact on-screen use.
    pub fn clock(self) -> String {
        let s = self.rfc3339();
        s.get(11..19).unwrap_or("--:--:--").to_string()
    }
}

impl From<SystemTime> for Timestamp {
    fn from(t: SystemTime) -> Self {
        Timestamp(t.duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0))
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.rfc3339())
    }
}

/// Milliseconds (how the files that store instants as numbers write them) or the RFC 3339 text
/// `Serialize` writes (a snapshot read back from a flight recording).
impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Either {
            Millis(u64),
            Text(String),
        }
        match Either::deserialize(d)? {
            Either::Millis(ms) => Ok(Timestamp(ms)),
            Either::Text(s) => {
                humantime::parse_rfc3339_weak(&s).map(Timestamp::from).map_err(serde::de::Error::custom)
            }
        }
    }
}

/// `42s` since `t`, or `-` when it never happened.
pub fn age(now: Timestamp, t: Option<Timestamp>) -> String {
    match t {
        // Whole seconds: ages tick once a second, so milliseconds would only flicker.
        Some(t) => match now.since(t).as_secs() {
            0 => "0s".into(),
            secs => fmt_duration(Duration::from_secs(secs)),
        },
        None => "-".into(),
    }
}

/// Compact duration for people: `850ms`, `42s`, `4m12s`, `3h05m`, `2d04h`.
pub fn fmt_duration(d: Duration) -> String {
    let ms = d.as_millis() as u64;
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let s = ms / 1000;
    match s {
        0..=59 => format!("{s}s"),
        60..=3599 => {
            let (m, r) = (s / 60, s % 60);
            if r == 0 { format!("{m}m") } else { format!("{m}m{r:02}s") }
        }
        3600..=86_399 => format!("{}h{:02}m", s / 3600, (s % 3600) / 60),
        _ => format!("{}d{:02}h", s / 86_400, (s % 86_400) / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_like_an_operator_writes_them() {
        assert_eq!(fmt_duration(Duration::from_millis(850)), "850ms");
        let now = Timestamp::from_secs(1_000);
        assert_eq!(age(now, None), "-");
        assert_eq!(age(now, Some(Timestamp(999_400))), "0s", "under a second reads 0s");
        assert_eq!(age(now, Some(Timestamp::from_secs(748))), "4m12s");
        assert_eq!(fmt_duration(Duration::from_secs(42)), "42s");
        assert_eq!(fmt_duration(Duration::from_secs(252)), "4m12s");
        assert_eq!(fmt_duration(Duration::from_secs(180)), "3m");
        assert_eq!(fmt_duration(Duration::from_secs(3600 + 300)), "1h05m");
        assert_eq!(fmt_duration(Duration::from_secs(86_400 * 2 + 3600 * 4)), "2d04h");
    }

    #[test]
    fn timestamps_print_as_rfc3339_utc() {
        let t = Timestamp::from_secs(1_795_827_600);
        assert_eq!(t.rfc3339(), "2026-11-28T01:00:00Z");
        assert_eq!(t.clock(), "01:00:00");
        assert_eq!(serde_json::to_string(&t).unwrap(), "\"2026-11-28T01:00:00Z\"");
        // Read back from its own text and from milliseconds alike.
        assert_eq!(serde_json::from_str::<Timestamp>("\"2026-11-28T01:00:00Z\"").unwrap(), t);
        assert_eq!(serde_json::from_str::<Timestamp>("1795827600000").unwrap(), t);
        assert!(serde_json::from_str::<Timestamp>("\"yesterday\"").is_err());
    }
}

//! The rest of the seeds' contact center, as CloudWatch would show it: the Lex bots of the
//! contact flows, the API Gateway APIs (the NexTalk App API for third parties, the PEGA CRM
//! API the caller lookup calls), the NexTalk configuration database on RDS, the two Direct
//! Connect links of the NexTalk sites, the EventBridge rules, the recordings bucket and the
//! Synthetics canaries. Any data-defined pane over these namespaces (a preset or a team's own
//! `[[panes]]`) reads its rows and values here, the way the live console reads CloudWatch.
//!
//! This is also where the causes of the newer incidents live; the models they reach read them
//! every tick:
//! - a Direct Connect link down: the NexTalk server of that site cannot reach Amazon Connect
//!   (its Chat Bridge hand-offs fail, its bridged chats drop; `nextalk`);
//! - the PEGA CRM down: its canary fails and the caller lookup hangs until its timeout
//!   (`lambda`), which API Gateway counts as 504s;
//! - Lex failing: the flow blocks that call it take their error branch (contact-flow errors);
//! - the configuration database's storage full: the NexTalk App API's writes fail (API
//!   Gateway 5xx, errors in the NexTalk log).
//!
//! Its randomness is its own (a hash of seed, row, metric and minute, or its own generator),
//! so adding it changed nothing the older models do.

use super::custom::unit_hash;
use super::queues::ContactEvents;
use super::rng::SimRng;
use super::window::Window;
use crate::model::DbInstance;

pub const LEX_BOTS: [&str; 2] = ["MAINMENU01", "CHATBOT001"];
pub const APP_API: &str = "nextalk-app-api";
pub const CRM_API: &str = "pega-crm-api";
pub const APIS: [&str; 2] = [APP_API, CRM_API];
pub const CONFIG_DB: &str = "nextalk-config-db";
/// One link per NexTalk site, in server order: nt-a's site, then nt-b's.
pub const DX_CONNECTIONS: [&str; 2] = ["dxcon-fh6ayh1d", "dxcon-fgq9x2kt"];
pub const RULES: [&str; 3] = ["ctr-archive-to-s3", "agent-event-sync", "nextalk-config-changed"];
pub const BUCKETS: [&str; 2] = ["cc-call-recordings-prod", "cc-ivr-transcripts-prod"];
pub const CRM_CANARY: &str = "pega-crm-health";
pub const CANARIES: [&str; 3] = [CRM_CANARY, "connect-ccp-login", "nextalk-app-api-health"];

/// How long a failing link's optics throw CRC errors before it goes down.
const DX_DEGRADE_S: i64 = 45;
/// Share of the caller lookup's invocations that hang while the CRM is down: it accepts the
/// connection and never answers.
pub const CRM_DOWN_HANG: f64 = 0.95;
/// API Gateway's integration timeout: a hung CRM request ends as a 504 after it.
const API_TIMEOUT_MS: f64 = 29_000.0;
/// NexTalk App API requests per second (both servers, third parties) and the share that write.
const APP_API_RATE: f64 = 8.0;
const APP_API_WRITES: f64 = 0.35;
/// The configuration database: about 18 GB free on a normal night, of 200 GiB allocated
/// (gp3, SQL Server Standard).
const DB_FREE: f64 = 18e9;
const DB_ALLOCATED_GIB: u32 = 200;
const GIB: f64 = 1_073_741_824.0;
/// How long RDS is `modifying` before added storage is usable: AWS says the space is
/// typically there within minutes; the demo takes 4 to 7.
const DB_MODIFY_S: (f64, f64) = (240.0, 420.0);
/// `storage-optimization` after that: hours (up to a day on large volumes); the instance
/// serves normally meanwhile, but its storage cannot be changed again.
const DB_OPTIMIZE_S: i64 = 2 * 3600;
/// RDS takes no storage change within 6 hours of the last one (or while it is optimized).
pub const DB_STORAGE_COOLDOWN_S: i64 = 6 * 3600;

#[derive(Debug, Clone)]
struct DxLink {
    /// Since when its optics degrade (CRC errors), then it goes down.
    failing_since: Option<i64>,
    crc: Window<u32>,
}

impl DxLink {
    fn up(&self, t: i64) -> bool {
        self.failing_since.is_none_or(|s| t < s + DX_DEGRADE_S)
    }
}

#[derive(Debug, Clone)]
pub struct Estate {
    seed: u64,
    rng: SimRng,
    dx: Vec<DxLink>,
    pub crm_up: bool,
    /// Share of Lex runtime requests that fail with a system error (an incident; 0 normally).
    pub lex_error_share: f64,
    /// Bytes per second a runaway writer adds to the configuration database.
    db_growth: f64,
    db: ConfigDb,
    lex_requests: [Window<u32>; 2],
    lex_errors: [Window<u32>; 2],
    api_requests: [Window<u32>; 2],
    api_5xx: [Window<u32>; 2],
    /// CRM API requests that hung into the integration timeout this minute.
    crm_hung: Window<u32>,
    ended: Window<u32>,
    /// Contact-flow errors the estate caused in the last second.
    pub flow_errors: u32,
}

/// One row's value for a metric the estate models: `None` inside means no datapoint.
pub type Answer = Option<Option<f64>>;

impl Estate {
    pub fn new(seed: u64) -> Estate {
        Estate {
            seed,
            rng: SimRng::new(seed ^ 0xE57A_7E00_C0FF_EE11),
            dx: vec![DxLink { failing_since: None, crc: Window::default() }; DX_CONNECTIONS.len()],
            crm_up: true,
            lex_error_share: 0.0,
            db_growth: 0.0,
            db: ConfigDb::new(),
            lex_requests: Default::default(),
            lex_errors: Default::default(),
            api_requests: Default::default(),
            api_5xx: Default::default(),
            crm_hung: Window::default(),
            ended: Window::default(),
            flow_errors: 0,
        }
    }

    /// The link of NexTalk site `link` starts failing now (CRC errors, then down).
    pub fn fail_link(&mut self, t: i64, link: usize) {
        if let Some(l) = self.dx.get_mut(link) {
            l.failing_since.get_or_insert(t);
        }
    }

    pub fn link_up(&self, t: i64, link: usize) -> bool {
        self.dx.get(link).is_none_or(|l| l.up(t))
    }

    /// When the link went down (after its degraded stretch).
    pub fn link_down_since(&self, t: i64, link: usize) -> Option<i64> {
        let l = self.dx.get(link)?;
        l.failing_since.map(|s| s + DX_DEGRADE_S).filter(|&d| d <= t)
    }

    /// Whether NexTalk server `server` reaches Amazon Connect: over its site's link.
    pub fn server_reaches_connect(&self, t: i64, server: usize) -> bool {
        self.link_up(t, server)
    }

    /// A writer starts filling the configuration database at `bytes_per_s`.
    pub fn grow_db(&mut self, bytes_per_s: f64) {
        self.db_growth = bytes_per_s.max(0.0);
    }

    pub fn db_full(&self) -> bool {
        self.db.free() <= 0.0
    }

    /// DescribeDBInstances of the configuration database, as of second `t`.
    pub fn db_instance(&self, t: i64) -> DbInstance {
        self.db.describe(t)
    }

    /// ModifyDBInstance (AllocatedStorage, ApplyImmediately) of `id` at second `t`, with RDS's
    /// own refusals; the answer is what the real call returns: the status as it was and the
    /// new size under PendingModifiedValues (the space arrives minutes later).
    pub fn modify_db_storage(
        &mut self,
        t: i64,
        id: &str,
        allocated_gib: u32,
        max_allocated_gib: Option<u32>,
    ) -> Result<DbInstance, String> {
        if id != CONFIG_DB {
            return Err(format!("DBInstanceNotFound: DBInstance {id} not found."));
        }
        let took =
            DB_MODIFY_S.0 + (DB_MODIFY_S.1 - DB_MODIFY_S.0) * unit_hash(&[self.seed, t as u64], "rds-modify");
        self.db.modify(t, allocated_gib, max_allocated_gib, took.round() as i64)
    }

    /// One second. `crm_calls` are the lookup Lambda's calls to the CRM API this second and
    /// how many of them hung.
    pub fn step(&mut self, t: i64, ev: &ContactEvents, crm_calls: (u32, u32)) {
        self.db.step(t, self.db_growth);
        // Lex: the main menu bot takes about three turns per voice call, the chat bot one per chat.
        self.flow_errors = 0;
        for (b, requests) in [ev.voice_arrivals * 3, ev.chat_arrivals].into_iter().enumerate() {
            let failed = if self.lex_error_share > 0.0 {
                self.rng.binomial(requests, self.lex_error_share)
            } else {
                0
            };
            self.lex_requests[b].set(t, requests);
            self.lex_errors[b].set(t, failed);
            // The flow's Get customer input block takes its error branch on a failed turn.
            self.flow_errors += failed;
        }
        // API Gateway: App API traffic, its writes failing while the database is full.
        let app = self.rng.poisson(APP_API_RATE);
        let app_failed = if self.db_full() { self.rng.binomial(app, APP_API_WRITES) } else { 0 };
        self.api_requests[0].set(t, app);
        self.api_5xx[0].set(t, app_failed);
        let (calls, hung) = crm_calls;
        self.api_requests[1].set(t, calls);
        self.api_5xx[1].set(t, hung);
        self.crm_hung.set(t, hung);
        self.ended.set(t, ev.ended);
        for l in &mut self.dx {
            let degrading = l.failing_since.is_some_and(|s| t >= s && t < s + DX_DEGRADE_S);
            let errors = if degrading { self.rng.range(2, 40) } else { 0 };
            l.crc.set(t, errors);
        }
    }

    /// A level that wanders ±15 % by the minute around `base`.
    fn wander(&self, t: i64, key: &str, base: f64) -> f64 {
        let minute = t.div_euclid(60) as u64;
        base * (0.85 + 0.3 * unit_hash(&[self.seed, minute], key))
    }

    /// The names the estate has for a pane's rows, as ListMetrics would list them; `None` for
    /// a namespace and dimension it does not model.
    pub fn rows(namespace: &str, row_dimension: &str) -> Option<&'static [&'static str]> {
        Some(match (namespace, row_dimension) {
            ("AWS/Lex", "BotId") => &LEX_BOTS,
            ("AWS/ApiGateway", "ApiName") => &APIS,
            ("AWS/RDS", "DBInstanceIdentifier") => &[CONFIG_DB],
            ("AWS/DX", "ConnectionId") => &DX_CONNECTIONS,
            ("AWS/Events", "RuleName") => &RULES,
            ("AWS/S3", "BucketName") => &BUCKETS,
            ("CloudWatchSynthetics", "CanaryName") => &CANARIES,
            _ => return None,
        })
    }

    /// `metric` of row `row` now; `None` for a metric the estate does not model (the generic
    /// model answers instead). Counts are per minute (CloudWatch's Sum over one period).
    pub fn value(&self, t: i64, namespace: &str, metric: &str, row: &str) -> Answer {
        let key = format!("{namespace}/{metric}/{row}");
        let w = |base: f64| Some(Some(self.wander(t, &key, base)));
        let count = |v: u64| Some(Some(v as f64));
        match namespace {
            "AWS/Lex" => {
                let b = LEX_BOTS.iter().position(|&n| n == row)?;
                match metric {
                    "RuntimeRequestCount" => count(self.lex_requests[b].sum()),
                    "RuntimeSystemErrors" => count(self.lex_errors[b].sum()),
                    "RuntimeUserErrors" => count(self.lex_requests[b].sum() / 200),
                    "RuntimeThrottledEvents" => count(0),
                    "RuntimeSuccessfulRequestLatency" => w(if b == 0 { 620.0 } else { 180.0 }),
                    _ => None,
                }
            }
            "AWS/ApiGateway" => {
                let a = APIS.iter().position(|&n| n == row)?;
                let requests = self.api_requests[a].sum();
                match metric {
                    "Count" => count(requests),
                    "5XXError" => count(self.api_5xx[a].sum()),
                    "4XXError" => count(requests / 150),
                    "Latency" | "IntegrationLatency" => {
                        // Once more than 1 % of requests hang, the p99 is the integration timeout.
                        if a == 1 && self.crm_hung.sum() * 100 > requests.max(1) {
                            Some(Some(API_TIMEOUT_MS))
                        } else {
                            w(if a == 0 { 85.0 } else { 240.0 })
                        }
                    }
                    _ => None,
                }
            }
            "AWS/RDS" if row == CONFIG_DB => {
                let full = self.db_full();
                match metric {
                    "CPUUtilization" => w(if full { 46.0 } else { 17.0 }),
                    // Minimum over the minute, as the pane asks CloudWatch: space that arrived
                    // 20 s ago shows a minute after the last second without it.
                    "FreeStorageSpace" => Some(Some(self.db.free_min.min().round())),
                    "DatabaseConnections" => w(if full { 118.0 } else { 42.0 }).map(|v| v.map(f64::round)),
                    "ReadLatency" => w(0.0021),
                    "WriteLatency" => w(if full { 0.0062 } else { 0.0034 }),
                    _ => None,
                }
            }
            "AWS/DX" => {
                let l = DX_CONNECTIONS.iter().position(|&n| n == row)?;
                let up = self.link_up(t, l);
                let traffic = |base: f64| if up { w(base) } else { Some(Some(0.0)) };
                match metric {
                    "ConnectionState" => Some(Some(if up { 1.0 } else { 0.0 })),
                    "ConnectionBpsIngress" => traffic(if l == 0 { 182e6 } else { 164e6 }),
                    "ConnectionBpsEgress" => traffic(if l == 0 { 96e6 } else { 88e6 }),
                    "ConnectionCRCErrorCount" | "ConnectionErrorCount" => count(self.dx[l].crc.sum()),
                    _ => None,
                }
            }
            "AWS/Events" => {
                let r = RULES.iter().position(|&n| n == row)?;
                let invocations = match r {
                    0 => self.ended.sum(),
                    1 => self.wander(t, &key, 300.0).round() as u64,
                    _ => u64::from(unit_hash(&[self.seed, t.div_euclid(60) as u64], &key) < 0.1),
                };
                match metric {
                    "Invocations" | "TriggeredRules" => count(invocations),
                    "FailedInvocations" | "ThrottledRules" | "DeadLetterInvocations" => count(0),
                    _ => None,
                }
            }
            "AWS/S3" => {
                let b = BUCKETS.iter().position(|&n| n == row)?;
                match metric {
                    "AllRequests" => count(self.ended.sum() * if b == 0 { 2 } else { 1 }),
                    "5xxErrors" | "4xxErrors" => count(0),
                    // Daily: the size as of midnight, growing about 0.1 % a day.
                    "BucketSizeBytes" => Some(Some(if b == 0 { 4.21e12 } else { 0.38e12 })),
                    "NumberOfObjects" => Some(Some(if b == 0 { 18.4e6 } else { 2.1e6 })),
                    _ => None,
                }
            }
            "CloudWatchSynthetics" => {
                let c = CANARIES.iter().position(|&n| n == row)?;
                let up = c != 0 || self.crm_up;
                match metric {
                    "SuccessPercent" => Some(Some(if up { 100.0 } else { 0.0 })),
                    // A failing check runs into the canary's 30 s page-load timeout.
                    "Duration" if !up => Some(Some(30_000.0)),
                    "Duration" => w([850.0, 2400.0, 320.0][c]).map(|v| v.map(f64::round)),
                    "Failed" => count(u64::from(!up)),
                    _ => None,
                }
            }
            _ => None,
        }
    }
}

/// Where the configuration database's storage is in a change.
#[derive(Debug, Clone, Copy, PartialEq)]
enum DbState {
    Available,
    /// Accepted at `since`; the new size is usable at `done_at`.
    Modifying {
        to_gib: u32,
        done_at: i64,
    },
    /// The new size is there; RDS optimizes the volume until `until`.
    Optimizing {
        until: i64,
    },
}

/// The NexTalk configuration database's storage, as RDS runs it: the writer fills what is
/// allocated (SQL Server refuses writes at 0 free), a storage change is `modifying` for
/// minutes, then the space is there while the volume is `storage-optimization`.
#[derive(Debug, Clone)]
struct ConfigDb {
    allocated_gib: u32,
    max_allocated_gib: Option<u32>,
    used: f64,
    state: DbState,
    /// When the last storage change was accepted (RDS's 6-hour rule counts from it).
    last_change: Option<i64>,
    /// Free bytes of each second of the last minute: CloudWatch's Minimum over the period.
    free_min: Window<f64>,
}

impl ConfigDb {
    fn new() -> ConfigDb {
        let allocated_gib = DB_ALLOCATED_GIB;
        ConfigDb {
            allocated_gib,
            max_allocated_gib: None,
            used: f64::from(allocated_gib) * GIB - DB_FREE,
            state: DbState::Available,
            last_change: None,
            free_min: Window::filled(DB_FREE),
        }
    }

    fn capacity(&self) -> f64 {
        f64::from(self.allocated_gib) * GIB
    }

    fn free(&self) -> f64 {
        (self.capacity() - self.used).max(0.0)
    }

    fn step(&mut self, t: i64, growth: f64) {
        match self.state {
            DbState::Modifying { to_gib, done_at } if t >= done_at => {
                self.allocated_gib = to_gib;
                self.state = DbState::Optimizing { until: t + DB_OPTIMIZE_S };
            }
            DbState::Optimizing { until } if t >= until => self.state = DbState::Available,
            DbState::Available | DbState::Modifying { .. } | DbState::Optimizing { .. } => {}
        }
        // The writer keeps writing; at 0 free SQL Server refuses the rest.
        self.used = (self.used + growth).min(self.capacity());
        self.free_min.set(t, self.free());
    }

    fn status(&self) -> &'static str {
        match self.state {
            DbState::Available if self.free() <= 0.0 => "storage-full",
            DbState::Available => "available",
            DbState::Modifying { .. } => "modifying",
            DbState::Optimizing { .. } => "storage-optimization",
        }
    }

    fn describe(&self, _t: i64) -> DbInstance {
        DbInstance {
            id: CONFIG_DB.to_string(),
            status: self.status().to_string(),
            engine: Some("sqlserver-se".into()),
            storage_type: Some("gp3".into()),
            allocated_gib: Some(self.allocated_gib),
            max_allocated_gib: self.max_allocated_gib,
            pending_allocated_gib: match self.state {
                DbState::Modifying { to_gib, .. } => Some(to_gib),
                DbState::Available | DbState::Optimizing { .. } => None,
            },
        }
    }

    /// RDS's rules for a storage change, in the order it applies them: the instance must be
    /// `available` (or `storage-full`, which RDS lets you grow out of), not within 6 hours of
    /// the last storage change nor while that one is optimized, and storage only grows, by at
    /// least 10 %.
    fn modify(&mut self, t: i64, to_gib: u32, max_gib: Option<u32>, took: i64) -> Result<DbInstance, String> {
        let before = self.describe(t);
        match self.state {
            DbState::Available => {}
            DbState::Modifying { .. } => {
                return Err(format!(
                    "InvalidDBInstanceState: DB instance {CONFIG_DB} is not in available state (it is {}).",
                    self.status()
                ));
            }
            DbState::Optimizing { .. } => {
                return Err(
                    "InvalidParameterCombination: You can't currently modify the storage of this DB \
                            instance because the previous storage change is being optimized."
                        .into(),
                );
            }
        }
        if let Some(last) = self.last_change.filter(|&l| t < l + DB_STORAGE_COOLDOWN_S) {
            let left = (last + DB_STORAGE_COOLDOWN_S - t).max(0);
            return Err(format!(
                "InvalidParameterCombination: You can't currently modify the storage of this DB instance: \
                 6 hours must pass after the previous storage change (about {} min left).",
                (left + 59) / 60
            ));
        }
        if to_gib < self.allocated_gib {
            return Err("InvalidParameterValue: Cannot reduce allocated storage.".into());
        }
        let least = (self.allocated_gib * 110).div_ceil(100);
        if to_gib < least {
            return Err(format!(
                "InvalidParameterCombination: The allocated storage must be increased by at least 10% (from {} \
                 GiB: at least {least} GiB).",
                self.allocated_gib
            ));
        }
        if to_gib > MAX_SQLSERVER_GIB {
            return Err(format!(
                "InvalidParameterValue: Invalid storage size for engine name sqlserver-se and storage type \
                 gp3: {to_gib}"
            ));
        }
        if let Some(max) = max_gib
            && u64::from(max) * 10 < u64::from(to_gib) * 11
        {
            return Err(format!(
                "InvalidParameterCombination: MaxAllocatedStorage ({max} GiB) must be at least 10% more than the \
                 allocated storage ({to_gib} GiB)."
            ));
        }
        if max_gib.is_some() {
            self.max_allocated_gib = max_gib;
        }
        self.last_change = Some(t);
        self.state = DbState::Modifying { to_gib, done_at: t + took.max(1) };
        // The response describes the instance as it was, the change pending.
        Ok(DbInstance {
            pending_allocated_gib: Some(to_gib),
            max_allocated_gib: self.max_allocated_gib,
            ..before
        })
    }
}

/// RDS for SQL Server: at most 16 TiB of storage.
const MAX_SQLSERVER_GIB: u32 = 16_384;

#[cfg(test)]
mod tests {
    use super::*;

    /// The writer of the rds-storage-full scenario, from second 1.
    fn filling() -> Estate {
        let mut e = Estate::new(1);
        e.grow_db(60e6);
        e
    }

    fn run(e: &mut Estate, from: i64, to: i64) {
        let ev = ContactEvents::default();
        for t in from..=to {
            e.step(t, &ev, (0, 0));
        }
    }

    fn free_min(e: &Estate, t: i64) -> f64 {
        e.value(t, "AWS/RDS", "FreeStorageSpace", CONFIG_DB).flatten().unwrap()
    }

    /// As RDS does it: the answer has the change pending; `modifying` for minutes with the old
    /// size; then the new size with the volume `storage-optimization`; the writer keeps writing,
    /// so the free space declines from the new size; the pane's Minimum shows it a minute later.
    #[test]
    fn a_storage_change_is_pending_then_modifying_then_there() {
        let mut e = filling();
        run(&mut e, 1, 400);
        assert!(e.db_full());
        let db = e.db_instance(400);
        assert_eq!(
            (db.status.as_str(), db.allocated_gib, db.storage_type.as_deref()),
            ("storage-full", Some(200), Some("gp3"))
        );
        let answer = e.modify_db_storage(400, CONFIG_DB, 300, None).unwrap();
        assert_eq!(
            crate::source::rds_answer("ModifyDBInstance", &answer),
            "ModifyDBInstance nextalk-config-db: DBInstanceStatus storage-full, AllocatedStorage 200 GiB, pending \
             AllocatedStorage 300 GiB"
        );
        run(&mut e, 401, 401);
        let db = e.db_instance(401);
        assert_eq!(
            (db.status.as_str(), db.allocated_gib, db.pending_allocated_gib),
            ("modifying", Some(200), Some(300))
        );
        // Not before 4 minutes, within 7.
        run(&mut e, 402, 400 + 239);
        assert!(e.db_full(), "still modifying");
        let mut arrived = None;
        for t in 640..=820 {
            run(&mut e, t, t);
            if !e.db_full() {
                arrived = Some(t);
                break;
            }
        }
        let arrived = arrived.expect("the space arrives within 7 minutes");
        let db = e.db_instance(arrived);
        assert_eq!(
            (db.status.as_str(), db.allocated_gib, db.pending_allocated_gib),
            ("storage-optimization", Some(300), None)
        );
        assert_eq!(free_min(&e, arrived), 0.0, "the minute still has seconds at 0");
        run(&mut e, arrived + 1, arrived + 60);
        let free = free_min(&e, arrived + 60);
        let expected = 100.0 * GIB - 60e6 * 60.0;
        assert!((free - expected).abs() < 60e6 * 2.0, "{free} vs {expected}");
        run(&mut e, arrived + 61, arrived + 120);
        assert!(free_min(&e, arrived + 120) < free, "the writer keeps writing");
    }

    #[test]
    fn rds_refuses_a_small_increase_a_decrease_a_second_change_and_an_unknown_instance() {
        let mut e = Estate::new(1);
        run(&mut e, 1, 10);
        for (to, why) in [
            (
                210,
                "InvalidParameterCombination: The allocated storage must be increased by at least 10% (from 200 GiB: at least 220 GiB).",
            ),
            (100, "InvalidParameterValue: Cannot reduce allocated storage."),
            (
                20_000,
                "InvalidParameterValue: Invalid storage size for engine name sqlserver-se and storage type gp3: 20000",
            ),
        ] {
            assert_eq!(e.modify_db_storage(10, CONFIG_DB, to, None).unwrap_err(), why);
        }
        assert_eq!(
            e.modify_db_storage(10, "nope", 300, None).unwrap_err(),
            "DBInstanceNotFound: DBInstance nope not found."
        );
        assert!(
            e.modify_db_storage(10, CONFIG_DB, 300, Some(320))
                .unwrap_err()
                .contains("MaxAllocatedStorage (320 GiB)")
        );
        e.modify_db_storage(10, CONFIG_DB, 220, None).unwrap();
        assert!(
            e.modify_db_storage(11, CONFIG_DB, 300, None).unwrap_err().starts_with("InvalidDBInstanceState:")
        );
        run(&mut e, 11, 10 + 500);
        assert!(e.modify_db_storage(511, CONFIG_DB, 300, None).unwrap_err().contains("being optimized"));
        run(&mut e, 512, 10 + DB_OPTIMIZE_S + 500);
        let t = 10 + DB_OPTIMIZE_S + 500;
        assert_eq!(e.db_instance(t).status, "available");
        let err = e.modify_db_storage(t, CONFIG_DB, 300, None).unwrap_err();
        assert!(err.contains("6 hours must pass after the previous storage change"), "{err}");
        let later = 10 + DB_STORAGE_COOLDOWN_S;
        assert!(e.modify_db_storage(later, CONFIG_DB, 300, None).is_ok());
    }
}

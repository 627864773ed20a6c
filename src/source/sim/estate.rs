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
/// The configuration database: about 18 GB free on a normal night.
const DB_FREE: f64 = 18e9;

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
    db_free: f64,
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
            db_free: DB_FREE,
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
        self.db_free <= 0.0
    }

    /// One second. `crm_calls` are the lookup Lambda's calls to the CRM API this second and
    /// how many of them hung.
    pub fn step(&mut self, t: i64, ev: &ContactEvents, crm_calls: (u32, u32)) {
        self.db_free = (self.db_free - self.db_growth).max(0.0);
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
                    "FreeStorageSpace" => Some(Some(self.db_free.round())),
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

//! The team cache: many consoles, one Connect poller, the figures shared through DynamoDB.
//!
//! Connect's GetCurrentMetricData quota (5 req/s, burst 8) is the whole account's. With
//! `[aws.team] table = "…"`, one process at a time holds a lease on the instance's item in
//! that table and polls Connect; every other process reads the figures it wrote instead of
//! calling Connect. Nothing has to be deployed: any console can hold the lease, and when its
//! holder stops renewing it (crashed, laptop closed), the next console to look after the
//! expiry takes it over.
//!
//! One item per Connect instance (`pk = switchboard#connect#<account>#<region>#<instance>`):
//! - the lease: `lease_holder`, `lease_expires_ms` (the holder's clock), `lease_generation`
//!   (+1 per takeover);
//! - the figures: `fig_taken_ms`, `fig_version` (+1 per write) and `fig_data`, the queue rows
//!   as deflated JSON. Figures larger than `max_item_kb` go in chunk items
//!   (`<pk>#chunk#<slot>#<i>`, each with `fig_data` and `fig_version`) written before the
//!   head; writes alternate between two slots, so a reader that read head version v finds v's
//!   chunks intact until write v+2;
//! - `team_calls_per_s` (the holder's Connect rate: the team's), `poll_error` (its last poll's
//!   error);
//! - `ttl` (epoch seconds, a day on): DynamoDB deletes an abandoned item by itself, lazily,
//!   so readers never rely on it and check `lease_expires_ms` themselves.
//!
//! Attribute names are compound on purpose: DynamoDB reserves hundreds of plain words (`data`,
//! `ttl`, …) in expressions. Every write of the holder is conditional on
//! `lease_holder = :me`, and the figures write renews the lease, so one UpdateItem per refresh
//! is all the holder pays; a holder that lost the lease (it was too slow) finds out from the
//! failed condition and becomes a reader. A reader pays one eventually consistent GetItem per
//! refresh (0.5 read units per 4 KB).

use super::budget::{Origin, QueueSource, age_s};
use super::connect::QueuesCollector;
use super::errors::classify;
use super::settings::TeamSettings;
use super::stats::ApiStats;
use crate::model::{Gap, Queue, Section, Snapshot, Timestamp};
use crate::source::{SourceError, Telemetry};
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::primitives::Blob;
use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::io::{Read as _, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

type Item = HashMap<String, AttributeValue>;

/// How long an abandoned item (and old chunks) stays before DynamoDB's TTL may delete it.
const TTL_S: u64 = 24 * 3600;
/// BatchGetItem takes at most 100 keys.
const MAX_CHUNKS: usize = 100;

/// The queue rows as they travel through the table: short keys, since every byte is paid
/// for on every read by every console.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WireQueue {
    i: String,
    n: String,
    c: u32,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    o: Option<f64>,
    a: u32,
    v: u32,
    k: u32,
    /// The service figures (GetMetricDataV2): service level and its threshold, abandonment,
    /// average answer time. Absent when unknown, and absent in what an older holder wrote.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    sl: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    st: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    ab: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    aa: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct WireFigures {
    queues: Vec<WireQueue>,
    /// The holder's gaps on the Queues section (configured queue names Connect does not have).
    #[serde(default)]
    gaps: Vec<String>,
}

/// The queue rows and gaps of a queues snapshot, deflated.
pub fn encode(snap: &Snapshot) -> Vec<u8> {
    let wire = WireFigures {
        queues: snap
            .connect
            .queues
            .iter()
            .map(|q| WireQueue {
                i: q.id.clone(),
                n: q.name.clone(),
                c: q.contacts_in_queue,
                o: q.oldest_contact_age_s,
                a: q.agents_online,
                v: q.agents_available,
                k: q.agents_on_contact,
                sl: q.service_level_pct,
                st: q.service_level_threshold_s,
                ab: q.abandonment_rate_pct,
                aa: q.avg_answer_time_s,
            })
            .collect(),
        gaps: snap.gaps.iter().filter(|g| g.section == Section::Queues).map(|g| g.error.clone()).collect(),
    };
    // Serialising plain rows cannot fail; writing into a Vec cannot fail.
    let json = serde_json::to_vec(&wire).unwrap_or_default();
    let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    let _ = z.write_all(&json);
    z.finish().unwrap_or_default()
}

/// What [`encode`] made, back into queue rows and gap texts. Bytes from the table are outside
/// input: anything that does not decode is an error, never a panic.
pub fn decode(bytes: &[u8]) -> Result<(Vec<Queue>, Vec<String>), String> {
    // A bound on what a hostile or broken item can make us allocate.
    const MAX_JSON: u64 = 256 * 1024 * 1024;
    let mut json = Vec::new();
    flate2::read::DeflateDecoder::new(bytes)
        .take(MAX_JSON)
        .read_to_end(&mut json)
        .map_err(|e| format!("figures do not inflate: {e}"))?;
    let wire: WireFigures =
        serde_json::from_slice(&json).map_err(|e| format!("figures do not parse: {e}"))?;
    let queues = wire
        .queues
        .into_iter()
        .map(|w| Queue {
            id: w.i,
            name: w.n,
            contacts_in_queue: w.c,
            oldest_contact_age_s: w.o,
            agents_online: w.a,
            agents_available: w.v,
            agents_on_contact: w.k,
            service_level_pct: w.sl,
            service_level_threshold_s: w.st,
            abandonment_rate_pct: w.ab,
            avg_answer_time_s: w.aa,
        })
        .collect();
    Ok((queues, wire.gaps))
}

/// `bytes` in pieces of at most `max` (at least one piece, even when empty).
pub fn chunk(bytes: &[u8], max: usize) -> Vec<&[u8]> {
    if bytes.is_empty() {
        return vec![bytes];
    }
    bytes.chunks(max.max(1)).collect()
}

/// The item as read: the lease and, when present, the figures.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TeamItem {
    pub holder: Option<String>,
    pub expires_at: Timestamp,
    /// When the holder took the lease (its clock); absent in what an older version wrote.
    pub taken_lease_at: Option<Timestamp>,
    pub generation: u64,
    pub version: u64,
    pub taken_at: Option<Timestamp>,
    pub calls_per_s: Option<f64>,
    pub error: Option<String>,
    /// Inline figures, or how many chunk items hold them in which slot.
    pub figures: Option<Vec<u8>>,
    pub chunks: u64,
    pub slot: u64,
}

impl TeamItem {
    fn from_item(item: &Item) -> TeamItem {
        let s = |k: &str| item.get(k).and_then(|v| v.as_s().ok()).cloned();
        let n = |k: &str| item.get(k).and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<f64>().ok());
        let u = |k: &str| n(k).map_or(0, |v| v.max(0.0) as u64);
        TeamItem {
            holder: s("lease_holder"),
            expires_at: Timestamp(u("lease_expires_ms")),
            taken_lease_at: n("lease_taken_ms").map(|v| Timestamp(v.max(0.0) as u64)),
            generation: u("lease_generation"),
            version: u("fig_version"),
            taken_at: n("fig_taken_ms").map(|v| Timestamp(v.max(0.0) as u64)),
            calls_per_s: n("team_calls_per_s"),
            error: s("poll_error"),
            figures: item.get("fig_data").and_then(|v| v.as_b().ok()).map(|b| b.as_ref().to_vec()),
            chunks: u("fig_chunks"),
            slot: u("fig_slot"),
        }
    }

    /// The holder has written no figures since it took the lease (it is still polling): a
    /// reader should look again soon rather than a refresh later.
    pub fn figures_predate_lease(&self) -> bool {
        match (self.taken_at, self.taken_lease_at) {
            (None, _) => true,
            (Some(fig), Some(lease)) => fig < lease,
            (Some(_), None) => false,
        }
    }

    /// Someone holds the lease and it has not run out by our clock.
    pub fn lease_live(&self, now: Timestamp) -> bool {
        self.holder.is_some() && self.expires_at > now
    }
}

/// A failed conditional write: someone else holds the lease.
#[derive(Debug)]
pub enum WriteError {
    LostLease,
    Failed(SourceError),
}

/// The team table, as one process sees it.
#[derive(Clone)]
pub struct TeamTable {
    client: Client,
    settings: TeamSettings,
    pk: String,
    me: String,
}

impl TeamTable {
    pub fn new(
        client: Client,
        settings: TeamSettings,
        account: &str,
        region: &str,
        instance: &str,
    ) -> TeamTable {
        let me = settings.name.clone().unwrap_or_else(process_name);
        let pk = format!("switchboard#connect#{account}#{region}#{instance}");
        TeamTable { client, settings, pk, me }
    }

    pub fn me(&self) -> &str {
        &self.me
    }

    pub fn table(&self) -> &str {
        &self.settings.table
    }

    pub fn lease_ms(&self) -> u64 {
        self.settings.lease_s.saturating_mul(1000)
    }

    fn resource(&self) -> String {
        format!("table {}", self.settings.table)
    }

    fn chunk_key(&self, slot: u64, i: usize) -> Item {
        HashMap::from([("pk".to_string(), AttributeValue::S(format!("{}#chunk#{slot}#{i}", self.pk)))])
    }

    fn key(&self) -> Item {
        HashMap::from([("pk".to_string(), AttributeValue::S(self.pk.clone()))])
    }

    /// The item (lease and figures); an empty one when nobody ever wrote it. Eventually
    /// consistent (half the price) unless `consistent`.
    pub async fn read(&self, consistent: bool) -> Result<TeamItem, SourceError> {
        let out = self
            .client
            .get_item()
            .table_name(&self.settings.table)
            .set_key(Some(self.key()))
            .consistent_read(consistent)
            .send()
            .await
            .map_err(|e| classify(&e).into_source("GetItem", &self.resource()))?;
        Ok(out.item().map(TeamItem::from_item).unwrap_or_default())
    }

    /// The figures of `item`: inline, or gathered from its chunks (each checked to belong to
    /// the same write).
    pub async fn figures(&self, item: &TeamItem) -> Result<Option<Vec<u8>>, SourceError> {
        if item.figures.is_some() || item.chunks == 0 {
            return Ok(item.figures.clone());
        }
        let n = usize::try_from(item.chunks).unwrap_or(usize::MAX);
        if n > MAX_CHUNKS {
            return Err(self.bad(format!("{n} chunks, more than {MAX_CHUNKS}")));
        }
        let keys: Vec<Item> = (0..n).map(|i| self.chunk_key(item.slot, i)).collect();
        let mut wanted =
            KeysAndAttributes::builder().set_keys(Some(keys)).build().map_err(|e| self.bad(e.to_string()))?;
        let mut got: HashMap<String, Item> = HashMap::new();
        // UnprocessedKeys (throttling, size) are asked for again, a bounded number of times.
        for _ in 0..5 {
            let out = self
                .client
                .batch_get_item()
                .request_items(&self.settings.table, wanted.clone())
                .send()
                .await
                .map_err(|e| classify(&e).into_source("BatchGetItem", &self.resource()))?;
            for it in out.responses().and_then(|r| r.get(&self.settings.table)).into_iter().flatten() {
                if let Some(pk) = it.get("pk").and_then(|v| v.as_s().ok()) {
                    got.insert(pk.clone(), it.clone());
                }
            }
            match out.unprocessed_keys().and_then(|u| u.get(&self.settings.table)) {
                Some(rest) if !rest.keys().is_empty() => wanted = rest.clone(),
                _ => break,
            }
        }
        let mut bytes = Vec::new();
        for i in 0..n {
            let pk = format!("{}#chunk#{}#{i}", self.pk, item.slot);
            let Some(c) = got.get(&pk) else {
                return Err(self.bad(format!("chunk {i} of {n} is missing")));
            };
            let version =
                c.get("fig_version").and_then(|v| v.as_n().ok()).and_then(|v| v.parse::<u64>().ok());
            if version != Some(item.version) {
                // Overwritten by a newer write between our two reads: the next refresh reads it.
                return Err(self.bad(format!("chunk {i} is from another write (torn read)")));
            }
            match c.get("fig_data").and_then(|v| v.as_b().ok()) {
                Some(b) => bytes.extend_from_slice(b.as_ref()),
                None => return Err(self.bad(format!("chunk {i} has no data"))),
            }
        }
        Ok(Some(bytes))
    }

    fn bad(&self, message: String) -> SourceError {
        SourceError::Failed { operation: "team cache".into(), resource: self.resource(), message }
    }

    /// Takes the lease when nobody holds it, it has run out, or it is already ours.
    /// `Ok(false)`: someone else holds it.
    pub async fn try_acquire(&self, now: Timestamp) -> Result<bool, SourceError> {
        let r = self
            .client
            .update_item()
            .table_name(&self.settings.table)
            .set_key(Some(self.key()))
            .update_expression(
                "SET lease_holder = :me, lease_expires_ms = :exp, lease_taken_ms = :now, lease_generation = if_not_exists(lease_generation, :zero) + :one, #ttl = :ttl",
            )
            .condition_expression("attribute_not_exists(pk) OR lease_expires_ms < :now OR lease_holder = :me")
            .expression_attribute_names("#ttl", "ttl")
            .expression_attribute_values(":me", AttributeValue::S(self.me.clone()))
            .expression_attribute_values(":exp", num(now.0 + self.lease_ms()))
            .expression_attribute_values(":now", num(now.0))
            .expression_attribute_values(":zero", num(0))
            .expression_attribute_values(":one", num(1))
            .expression_attribute_values(":ttl", num(now.0 / 1000 + TTL_S))
            .send()
            .await;
        match r {
            Ok(_) => Ok(true),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Ok(false)
            }
            Err(e) => Err(classify(&e).into_source("UpdateItem", &self.resource())),
        }
    }

    /// The holder's write: the figures (or the poll's error, keeping the last figures) and a
    /// renewed lease, in one conditional UpdateItem (plus chunk items before it when the
    /// figures do not fit in one item).
    pub async fn write(
        &self,
        now: Timestamp,
        last_version: u64,
        outcome: Result<(Timestamp, Vec<u8>), String>,
        calls_per_s: f64,
    ) -> Result<u64, WriteError> {
        let version = last_version + 1;
        let exp = num(now.0 + self.lease_ms());
        let ttl = num(now.0 / 1000 + TTL_S);
        let mut set = vec!["lease_expires_ms = :exp", "#ttl = :ttl", "team_calls_per_s = :rate"];
        let mut remove = Vec::new();
        let mut values: Vec<(&str, AttributeValue)> =
            vec![(":me", AttributeValue::S(self.me.clone())), (":exp", exp), (":ttl", ttl.clone())];
        values.push((":rate", num_f(calls_per_s)));
        match outcome {
            Ok((taken_at, bytes)) => {
                let max = self.settings.max_item_kb.max(1) as usize * 1024;
                set.extend(["fig_taken_ms = :taken", "fig_version = :version"]);
                values.push((":taken", num(taken_at.0)));
                values.push((":version", num(version)));
                remove.push("poll_error");
                if bytes.len() <= max {
                    set.extend(["fig_data = :fig", "fig_chunks = :zero"]);
                    values.push((":fig", AttributeValue::B(Blob::new(bytes))));
                    values.push((":zero", num(0)));
                } else {
                    let slot = version % 2;
                    let pieces = chunk(&bytes, max);
                    if pieces.len() > MAX_CHUNKS {
                        return Err(WriteError::Failed(self.bad(format!(
                            "{} KB of figures need more than {MAX_CHUNKS} chunks of {} KB",
                            bytes.len() / 1024,
                            self.settings.max_item_kb
                        ))));
                    }
                    for (i, piece) in pieces.iter().enumerate() {
                        let mut item = self.chunk_key(slot, i);
                        item.insert("fig_data".into(), AttributeValue::B(Blob::new(piece.to_vec())));
                        item.insert("fig_version".into(), num(version));
                        item.insert("ttl".into(), ttl.clone());
                        self.client
                            .put_item()
                            .table_name(&self.settings.table)
                            .set_item(Some(item))
                            .send()
                            .await
                            .map_err(|e| {
                                WriteError::Failed(classify(&e).into_source("PutItem", &self.resource()))
                            })?;
                    }
                    set.extend(["fig_chunks = :chunks", "fig_slot = :slot"]);
                    values.push((":chunks", num(pieces.len() as u64)));
                    values.push((":slot", num(slot)));
                    remove.push("fig_data");
                }
            }
            Err(message) => {
                set.push("poll_error = :err");
                values.push((":err", AttributeValue::S(message)));
            }
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let mut req = self
            .client
            .update_item()
            .table_name(&self.settings.table)
            .set_key(Some(self.key()))
            .update_expression(expression)
            .condition_expression("lease_holder = :me")
            .expression_attribute_names("#ttl", "ttl");
        for (k, v) in values {
            req = req.expression_attribute_values(k, v);
        }
        match req.send().await {
            Ok(_) => Ok(version),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Err(WriteError::LostLease)
            }
            Err(e) => Err(WriteError::Failed(classify(&e).into_source("UpdateItem", &self.resource()))),
        }
    }

    /// Gives the lease up (the process is ending), so the next console takes over at once
    /// instead of after the expiry. The figures stay for the readers.
    pub async fn release(&self) -> Result<(), SourceError> {
        let r = self
            .client
            .update_item()
            .table_name(&self.settings.table)
            .set_key(Some(self.key()))
            .update_expression("SET lease_expires_ms = :zero")
            .condition_expression("lease_holder = :me")
            .expression_attribute_values(":me", AttributeValue::S(self.me.clone()))
            .expression_attribute_values(":zero", num(0))
            .send()
            .await;
        match r {
            Ok(_) => Ok(()),
            Err(e) if e.as_service_error().is_some_and(|s| s.is_conditional_check_failed_exception()) => {
                Ok(())
            }
            Err(e) => Err(classify(&e).into_source("UpdateItem", &self.resource())),
        }
    }
}

/// What `team init` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    Created,
    /// The table was there already (its TTL setting was still made sure of).
    Existed,
}

/// Creates the team table: on-demand billing, key `pk` (string), TTL on `ttl`; waits up to
/// `wait` for it to become ACTIVE (TTL can only be set on an active table).
pub async fn create_table(
    client: &Client,
    table: &str,
    wait: std::time::Duration,
) -> Result<Created, SourceError> {
    use aws_sdk_dynamodb::types::{
        AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType, TableStatus,
        TimeToLiveSpecification,
    };
    let resource = format!("table {table}");
    let failed = |message: String| SourceError::Failed {
        operation: "CreateTable".into(),
        resource: resource.clone(),
        message,
    };
    let attribute = AttributeDefinition::builder()
        .attribute_name("pk")
        .attribute_type(ScalarAttributeType::S)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let key = KeySchemaElement::builder()
        .attribute_name("pk")
        .key_type(KeyType::Hash)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    let created = client
        .create_table()
        .table_name(table)
        .billing_mode(BillingMode::PayPerRequest)
        .attribute_definitions(attribute)
        .key_schema(key)
        .send()
        .await;
    let outcome = match created {
        Ok(_) => Created::Created,
        Err(e) if e.as_service_error().is_some_and(|s| s.is_resource_in_use_exception()) => Created::Existed,
        Err(e) => return Err(classify(&e).into_source("CreateTable", &resource)),
    };
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let out = client
            .describe_table()
            .table_name(table)
            .send()
            .await
            .map_err(|e| classify(&e).into_source("DescribeTable", &resource))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            break;
        }
        if tokio::time::Instant::now() >= deadline {
            return Err(failed(format!("not ACTIVE after {} s", wait.as_secs())));
        }
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    let ttl = TimeToLiveSpecification::builder()
        .attribute_name("ttl")
        .enabled(true)
        .build()
        .map_err(|e| failed(e.to_string()))?;
    match client.update_time_to_live().table_name(table).time_to_live_specification(ttl).send().await {
        Ok(_) => Ok(outcome),
        // Already enabled (a second `team init`): DynamoDB refuses to set it again.
        Err(e)
            if outcome == Created::Existed
                && e.as_service_error()
                    .is_some_and(|s| s.meta().message().is_some_and(|m| m.contains("already enabled"))) =>
        {
            Ok(outcome)
        }
        Err(e) => Err(classify(&e).into_source("UpdateTimeToLive", &resource)),
    }
}

fn num(v: u64) -> AttributeValue {
    AttributeValue::N(v.to_string())
}

fn num_f(v: f64) -> AttributeValue {
    let v = if v.is_finite() { v.max(0.0) } else { 0.0 };
    AttributeValue::N(format!("{:.2}", v))
}

/// Seconds from `now` to `then`: negative once `then` has passed (a lease that ran out).
fn signed_s(now: Timestamp, then: Timestamp) -> f64 {
    (then.0 as f64 - now.0 as f64) / 1000.0
}

/// `user@host:pid`: who holds the lease, for the status bar of everyone else.
fn process_name() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .ok()
        .filter(|u| !u.is_empty())
        .unwrap_or_else(|| "someone".into());
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into());
    format!("{user}@{host}:{}", std::process::id())
}

/// What the queues source shares with whoever shows its provenance or ends the process.
#[derive(Debug, Default)]
pub struct TeamView {
    source: Mutex<Option<QueueSource>>,
    /// The queues source holds the lease right now.
    holding: AtomicBool,
}

impl TeamView {
    /// The provenance of the last figures, if the source has run.
    pub fn source(&self) -> Option<QueueSource> {
        self.source.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn holding(&self) -> bool {
        self.holding.load(Ordering::SeqCst)
    }

    fn set(&self, source: QueueSource, holding: bool) {
        *self.source.lock().unwrap_or_else(|e| e.into_inner()) = Some(source);
        self.holding.store(holding, Ordering::SeqCst);
    }
}

/// The queues source in team mode: reads the team's figures, or holds the lease and polls.
pub struct TeamQueues {
    poller: QueuesCollector,
    table: TeamTable,
    stats: ApiStats,
    view: Arc<TeamView>,
    label: String,
    instance_id: String,
    /// While we hold the lease: until when (our clock) and the version we last wrote.
    held_until: Option<Timestamp>,
    /// When we took the lease we hold.
    lease_taken_at: Option<Timestamp>,
    version: u64,
    /// When to look at the table again if sooner than the refresh interval (see
    /// [`TeamQueues::next_read`]).
    next_read: Option<std::time::Duration>,
}

impl TeamQueues {
    pub fn new(
        poller: QueuesCollector,
        table: TeamTable,
        stats: ApiStats,
        view: Arc<TeamView>,
        label: String,
        instance_id: String,
    ) -> TeamQueues {
        TeamQueues {
            poller,
            table,
            stats,
            view,
            label,
            instance_id,
            held_until: None,
            lease_taken_at: None,
            version: 0,
            next_read: None,
        }
    }

    fn show(
        &self,
        origin: Origin,
        item: Option<&TeamItem>,
        taken_at: Option<Timestamp>,
        note: Option<String>,
    ) {
        let now = Timestamp::now();
        let source = QueueSource {
            origin,
            taken_at,
            age_s: taken_at.map(|t| age_s(t, now)),
            team_table: Some(self.table.table().to_string()),
            lease_holder: match origin {
                Origin::TeamLeader => Some(self.table.me().to_string()),
                Origin::TeamCache => item.and_then(|i| i.holder.clone()),
                Origin::OwnPoll => None,
            },
            lease_expires_in_s: match origin {
                Origin::TeamLeader => self.held_until.map(|t| signed_s(now, t)),
                Origin::TeamCache => item.map(|i| signed_s(now, i.expires_at)),
                Origin::OwnPoll => None,
            },
            lease_taken_at: match origin {
                Origin::TeamLeader => self.lease_taken_at,
                Origin::TeamCache => item.and_then(|i| i.taken_lease_at),
                Origin::OwnPoll => None,
            },
            me: Some(self.table.me().to_string()),
            checked_at: Some(now),
            note,
            team_connect_calls_per_s: match origin {
                Origin::TeamCache => item.and_then(|i| i.calls_per_s),
                Origin::TeamLeader => Some(self.own_connect_rate()),
                Origin::OwnPoll => None,
            },
        };
        self.view.set(source, origin == Origin::TeamLeader);
    }

    fn own_connect_rate(&self) -> f64 {
        self.stats.budget().apis.iter().filter(|a| a.service == "connect").map(|a| a.calls_per_s).sum()
    }

    /// The table cannot be read: poll Connect on this process's own budget.
    async fn own_poll(&mut self, why: &SourceError) -> Result<Snapshot, SourceError> {
        self.held_until = None;
        let result = self.poller.collect_now().await;
        let taken = result.as_ref().ok().map(|s| s.taken_at);
        let note = format!(
            "team table {} unreadable ({why}): polling Connect on our own budget",
            self.table.table()
        );
        self.show(Origin::OwnPoll, None, taken, Some(note));
        result
    }

    /// We hold the lease: poll, then write the figures (renewing the lease).
    async fn lead(&mut self) -> Result<Snapshot, SourceError> {
        let result = self.poller.collect_now().await;
        let now = Timestamp::now();
        let outcome = match &result {
            Ok(snap) => Ok((snap.taken_at, encode(snap))),
            Err(e) => Err(e.to_string()),
        };
        let taken = result.as_ref().ok().map(|s| s.taken_at);
        match self.table.write(now, self.version, outcome, self.own_connect_rate()).await {
            Ok(version) => {
                self.version = version;
                self.held_until = Some(Timestamp(now.0 + self.table.lease_ms()));
                self.show(Origin::TeamLeader, None, taken, None);
            }
            Err(WriteError::LostLease) => {
                // Too slow: someone took over. These figures are still good; next time we read.
                self.held_until = None;
                let note =
                    "lost the team lease while polling; reading the new holder's figures next".to_string();
                self.show(Origin::OwnPoll, None, taken, Some(note));
            }
            Err(WriteError::Failed(e)) => {
                self.held_until = None;
                let note = format!("could not write the team figures ({e}); others poll on their own");
                self.show(Origin::OwnPoll, None, taken, Some(note));
            }
        }
        result
    }

    /// When a reader of `item` should look again, if sooner than a refresh: just after the
    /// lease runs out (a dead holder is replaced within the lease time, not up to a refresh
    /// later), and within a second while a new holder has not written its first figures (so
    /// the readers who lost the race for the lease get them promptly) — only during its first
    /// `lease_ms`: a holder whose polls keep failing is not read every second for hours.
    pub fn next_read(item: &TeamItem, now: Timestamp, lease_ms: u64) -> Option<std::time::Duration> {
        // Past the expiry on our clock, so the lease reads as run out when we look.
        const AFTER_EXPIRY_MS: u64 = 100;
        const WHILE_POLLING_MS: u64 = 1000;
        item.holder.as_ref()?;
        let until_expiry = item.expires_at.0.saturating_sub(now.0) + AFTER_EXPIRY_MS;
        let just_taken = item.taken_lease_at.is_some_and(|t| now.0 < t.0.saturating_add(lease_ms));
        let ms = if just_taken && item.figures_predate_lease() {
            until_expiry.min(WHILE_POLLING_MS)
        } else {
            until_expiry
        };
        Some(std::time::Duration::from_millis(ms))
    }

    /// Someone else holds the lease: their figures, as of when they took them.
    async fn follow(&mut self, item: &TeamItem) -> Result<Snapshot, SourceError> {
        self.held_until = None;
        self.lease_taken_at = None;
        self.next_read = TeamQueues::next_read(item, Timestamp::now(), self.table.lease_ms());
        let note = item.error.as_ref().map(|e| format!("lease holder's last poll failed: {e}"));
        self.show(Origin::TeamCache, Some(item), item.taken_at, note);
        let (Some(bytes), Some(taken_at)) = (self.table.figures(item).await?, item.taken_at) else {
            return Err(SourceError::Failed {
                operation: "team cache".into(),
                resource: format!("table {}", self.table.table()),
                message: format!(
                    "waiting for the first figures of the lease holder {}",
                    item.holder.as_deref().unwrap_or("?")
                ),
            });
        };
        let (queues, gaps) = decode(&bytes).map_err(|message| SourceError::Failed {
            operation: "team cache".into(),
            resource: format!("table {}", self.table.table()),
            message,
        })?;
        let mut snap = Snapshot { taken_at, source: self.label.clone(), ..Default::default() };
        snap.connect.instance_id = self.instance_id.clone();
        snap.connect.queues = queues;
        snap.gaps = gaps.into_iter().map(|error| Gap::section(Section::Queues, error)).collect();
        if let Some(e) = &item.error {
            // The figures are the holder's last good ones; say why they are not newer.
            snap.gaps.push(Gap::section(Section::Queues, format!("team lease holder: {e}")));
        }
        Ok(snap)
    }

    pub async fn collect_now(&mut self) -> Result<Snapshot, SourceError> {
        let now = Timestamp::now();
        // Only a reader schedules an early look; set again by `follow`.
        self.next_read = None;
        // Our own lease, still good by our clock: no need to read, just poll and write.
        if self.held_until.is_some_and(|t| t > now) {
            return self.lead().await;
        }
        let item = match self.table.read(false).await {
            Ok(item) => item,
            Err(e) => return self.own_poll(&e).await,
        };
        if item.lease_live(now) && item.holder.as_deref() != Some(self.table.me()) {
            return self.follow(&item).await;
        }
        match self.table.try_acquire(now).await {
            Ok(true) => {}
            // Someone was quicker: read what they hold (their figures may not be there yet).
            Ok(false) => {
                return match self.table.read(false).await {
                    Ok(item) => self.follow(&item).await,
                    Err(e) => self.own_poll(&e).await,
                };
            }
            Err(e) => return self.own_poll(&e).await,
        }
        // Trust, then verify with a strongly consistent read (once per takeover): the
        // conditional write is atomic on DynamoDB, but an emulator that is not would otherwise
        // let two consoles poll at once, and the quota is the team's.
        match self.table.read(true).await {
            Ok(now_held) if now_held.holder.as_deref() == Some(self.table.me()) => {
                self.version = now_held.version.max(item.version);
                self.held_until = Some(Timestamp(now.0 + self.table.lease_ms()));
                self.lease_taken_at = now_held.taken_lease_at.or(Some(now));
                self.lead().await
            }
            Ok(other) => self.follow(&other).await,
            Err(e) => self.own_poll(&e).await,
        }
    }
}

impl Telemetry for TeamQueues {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(self.collect_now())
    }

    fn next_collect_in(&self) -> Option<std::time::Duration> {
        self.next_read
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queues(n: usize) -> Snapshot {
        let mut s = Snapshot::default();
        s.connect.queues = (0..n)
            .map(|i| Queue {
                id: format!("3f2a9c1e-0000-4000-8000-{i:012}"),
                name: format!("Support tier {} {i}", i % 3),
                contacts_in_queue: (i % 7) as u32,
                oldest_contact_age_s: (i % 7 > 0).then_some(i as f64 * 1.5),
                agents_online: (i % 5) as u32,
                agents_available: (i % 2) as u32,
                agents_on_contact: (i % 3) as u32,
                // Some queues with service figures, some without (unknown must stay unknown).
                service_level_pct: (i % 4 > 0).then_some(100.0 - (i % 40) as f64 * 0.7),
                service_level_threshold_s: Some(if i % 10 == 0 { 60 } else { 20 }),
                abandonment_rate_pct: (i % 4 > 0).then_some((i % 13) as f64 * 0.5),
                avg_answer_time_s: (i % 4 > 1).then_some((i % 90) as f64),
            })
            .collect();
        s.gaps.push(Gap::section(Section::Queues, "ListQueues: no STANDARD queue named X"));
        s.gaps.push(Gap::section(Section::Lambda, "not ours"));
        s
    }

    #[test]
    fn figures_survive_the_round_trip_and_shrink() {
        let snap = queues(1000);
        let bytes = encode(&snap);
        let (back, gaps) = decode(&bytes).unwrap();
        assert_eq!(back, snap.connect.queues);
        assert_eq!(gaps, ["ListQueues: no STANDARD queue named X"], "only the Queues section's gaps");
        let json = serde_json::to_vec(&snap.connect.queues).unwrap().len();
        // The README's cost figures come from this line (`cargo test figures_survive -- --nocapture`).
        eprintln!("1,000 queues: {} bytes deflated, {json} bytes as plain JSON", bytes.len());
        assert!(bytes.len() * 5 < json, "{} bytes deflated vs {json} as plain JSON", bytes.len());
        assert!(bytes.len() < 350 * 1024, "1,000 queues fit one item: {} bytes", bytes.len());
    }

    #[test]
    fn what_an_older_holder_wrote_decodes_with_the_service_figures_unknown() {
        let old = br#"{"queues":[{"i":"q1","n":"Billing","c":2,"o":30.0,"a":3,"v":1,"k":2}]}"#;
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(old).unwrap();
        let (back, _) = decode(&z.finish().unwrap()).unwrap();
        assert_eq!(back[0].contacts_in_queue, 2);
        let q = &back[0];
        assert_eq!(
            (q.service_level_pct, q.service_level_threshold_s, q.abandonment_rate_pct, q.avg_answer_time_s),
            (None, None, None, None)
        );
    }

    #[test]
    fn broken_figures_are_an_error_not_a_panic() {
        assert!(decode(b"not deflate at all").is_err());
        let mut z = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
        z.write_all(b"{\"queues\": 5}").unwrap();
        assert!(decode(&z.finish().unwrap()).unwrap_err().contains("parse"));
    }

    #[test]
    fn chunks_cover_the_bytes_in_order() {
        let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
        let pieces = chunk(&bytes, 3000);
        assert_eq!(pieces.iter().map(|p| p.len()).collect::<Vec<_>>(), [3000, 3000, 3000, 1000]);
        assert_eq!(pieces.concat(), bytes);
        assert_eq!(chunk(&[], 10).len(), 1);
    }

    #[test]
    fn a_reader_looks_again_when_the_lease_runs_out_and_soon_after_a_handover() {
        use std::time::Duration;
        let now = Timestamp(1_000_000);
        let steady = TeamItem {
            holder: Some("a".into()),
            expires_at: Timestamp(1_007_000),
            taken_lease_at: Some(Timestamp(900_000)),
            taken_at: Some(Timestamp(995_000)),
            ..Default::default()
        };
        assert!(!steady.figures_predate_lease());
        // Just after the expiry: the console's refresh only takes it if it is sooner.
        let next = |item: &TeamItem| TeamQueues::next_read(item, now, 10_000);
        assert_eq!(next(&steady), Some(Duration::from_millis(7_100)));
        // A new holder is still polling: its first figures are a second away at most.
        let handed_over = TeamItem { taken_lease_at: Some(Timestamp(999_000)), ..steady.clone() };
        assert!(handed_over.figures_predate_lease());
        assert_eq!(next(&handed_over), Some(Duration::from_millis(1_000)));
        let never_wrote = TeamItem { taken_at: None, ..handed_over.clone() };
        assert_eq!(next(&never_wrote), Some(Duration::from_millis(1_000)));
        // A holder whose polls have failed since it took the lease long ago: no hurry.
        let failing = TeamItem { taken_at: None, ..steady.clone() };
        assert!(failing.figures_predate_lease());
        assert_eq!(next(&failing), Some(Duration::from_millis(7_100)));
        // Already run out (the race for it was lost just now): look again at once.
        let expired = TeamItem { expires_at: Timestamp(999_000), ..steady.clone() };
        assert_eq!(next(&expired), Some(Duration::from_millis(100)));
        // What an older holder wrote (no lease time): its figures count as its own.
        let older = TeamItem { taken_lease_at: None, ..steady.clone() };
        assert!(!older.figures_predate_lease());
        // Nobody holds it: nothing to wait for, the refresh takes it.
        assert_eq!(next(&TeamItem { holder: None, ..steady }), None);
        assert_eq!(signed_s(Timestamp(2_000), Timestamp(500)), -1.5);
    }

    #[test]
    fn a_lease_is_live_only_while_held_and_unexpired() {
        let now = Timestamp(1_000_000);
        let held =
            TeamItem { holder: Some("a".into()), expires_at: Timestamp(1_000_500), ..Default::default() };
        assert!(held.lease_live(now));
        assert!(!TeamItem { expires_at: Timestamp(999_999), ..held.clone() }.lease_live(now));
        assert!(!TeamItem { holder: None, ..held }.lease_live(now));
    }
}

//! What the simulated Lambda functions write to CloudWatch Logs: `START` / `END` / `REPORT`
//! per invocation, `Task timed out after 8.00 seconds` for a hung call, and for a DynamoDB
//! write that ran out of retries a Node.js stack trace and `ERROR Invoke Error`.
//!
//! It follows the model, never steers it: the figures come from [`Lambda`]'s last tick, and
//! request ids, offsets and durations come from a random stream of their own, so logging
//! changes no scenario figure. Memory is bounded: a ring of invocations per function, with
//! every failure kept (up to a few per second) and a sample of the successes.

use super::lambda::Lambda;
use super::names;
use super::rng::SimRng;
use super::stamp;
use crate::model::Timestamp;
use std::collections::VecDeque;

/// Invocations kept per function; older ones are gone, as past a log group's retention.
pub const LAMBDA_LOG_CAPACITY: usize = 600;
/// Failed invocations logged per function and second; past this a burst is sampled, which a
/// reader of an error log could not tell apart anyway.
const MAX_FAILURES_PER_S: u32 = 8;
/// One successful invocation per function is logged every this many seconds.
const SUCCESS_EVERY_S: i64 = 10;

/// One CloudWatch Logs event as FilterLogEvents would return it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LambdaLogEvent {
    pub at: Timestamp,
    pub event_id: String,
    /// As the runtime wrote it: tabs, several lines for a stack trace.
    pub message: String,
}

/// Events read from a function's log.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LambdaLogBatch {
    pub events: Vec<LambdaLogEvent>,
    /// Ask for invocations since this sequence number next time.
    pub next_seq: u64,
    /// Invocations that left the ring before they could be read.
    pub skipped: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Ok,
    TimedOut,
    /// A DynamoDB write to this table was throttled past the SDK's retries.
    WriteThrottled {
        table: usize,
    },
}

#[derive(Debug, Clone, Copy)]
struct Record {
    /// When the invocation ended (ms since the epoch).
    end_ms: u64,
    request: (u64, u64),
    outcome: Outcome,
    duration_ms: f64,
    memory_used_mb: u32,
}

#[derive(Debug, Clone, Default)]
struct FunctionLog {
    /// Sequence number of `records[0]`.
    first_seq: u64,
    records: VecDeque<Record>,
}

impl FunctionLog {
    fn push(&mut self, r: Record) {
        if self.records.len() == LAMBDA_LOG_CAPACITY {
            self.records.pop_front();
            self.first_seq += 1;
        }
        self.records.push_back(r);
    }

    fn next_seq(&self) -> u64 {
        self.first_seq + self.records.len() as u64
    }
}

#[derive(Debug, Clone)]
pub struct LambdaLogs {
    rng: SimRng,
    logs: Vec<FunctionLog>,
    memory_mb: Vec<u32>,
}

impl LambdaLogs {
    pub fn new(rng: SimRng, functions: usize) -> LambdaLogs {
        LambdaLogs {
            rng,
            logs: vec![FunctionLog::default(); functions],
            memory_mb: (0..functions).map(|i| if i % 3 == 0 { 256 } else { 128 }).collect(),
        }
    }

    /// Logs what each function did in second `t`.
    pub fn record(&mut self, t: i64, lambda: &Lambda) {
        let second = stamp(t).0;
        for (i, tick) in lambda.last_ticks().enumerate() {
            let Some(log) = self.logs.get_mut(i) else { break };
            let mut batch = Vec::new();
            let timeouts = tick.timed_out.min(MAX_FAILURES_PER_S);
            let throttled = tick.write_failed.min(MAX_FAILURES_PER_S - timeouts);
            for _ in 0..timeouts {
                batch.push((Outcome::TimedOut, tick.timeout_ms));
            }
            if let Some(table) = tick.table {
                for _ in 0..throttled {
                    // The SDK's retries with backoff make a throttled write slow before it fails.
                    batch.push((
                        Outcome::WriteThrottled { table },
                        tick.median_ms * self.rng.uniform(3.0, 8.0),
                    ));
                }
            }
            let succeeded = tick.invoked.saturating_sub(tick.timed_out + tick.write_failed);
            if succeeded > 0 && (t + i as i64).rem_euclid(SUCCESS_EVERY_S) == 0 {
                batch.push((Outcome::Ok, tick.median_ms * self.rng.uniform(0.6, 1.8)));
            }
            let mut records: Vec<Record> = batch
                .into_iter()
                .map(|(outcome, duration_ms)| Record {
                    end_ms: second + u64::from(self.rng.range(0, 999)),
                    request: (self.rng.u64(), self.rng.u64()),
                    outcome,
                    duration_ms,
                    memory_used_mb: self.rng.range(70, 110),
                })
                .collect();
            records.sort_by_key(|r| r.end_ms);
            for r in records {
                log.push(r);
            }
        }
    }

    /// Invocations of function `i` from sequence number `seq` on, as events.
    pub fn since(&self, i: usize, seq: u64) -> Option<LambdaLogBatch> {
        let log = self.logs.get(i)?;
        let skipped = log.first_seq.saturating_sub(seq);
        let start = seq.saturating_sub(log.first_seq) as usize;
        let name = names::function(i);
        let memory = self.memory_mb.get(i).copied().unwrap_or(128);
        let events = log
            .records
            .iter()
            .enumerate()
            .skip(start)
            .flat_map(|(k, r)| render(&name, memory, log.first_seq + k as u64, r))
            .collect();
        Some(LambdaLogBatch { events, next_seq: log.next_seq(), skipped })
    }

    /// Invocations of function `i` that ended at or after `from`.
    pub fn ended_since(&self, i: usize, from: Timestamp) -> Option<LambdaLogBatch> {
        let log = self.logs.get(i)?;
        let first = log.records.iter().position(|r| r.end_ms >= from.0).unwrap_or(log.records.len());
        let mut batch = self.since(i, log.first_seq + first as u64)?;
        batch.skipped = 0;
        Some(batch)
    }
}

const PTEE_MESSAGE: &str = "The level of configured provisioned throughput for the table was exceeded. \
                            Consider increasing your provisioning level with the UpdateTable API.";

/// One invocation as the Node.js runtime logs it, each event with its own id.
fn render(function: &str, memory_mb: u32, seq: u64, r: &Record) -> Vec<LambdaLogEvent> {
    let id = request_id(r.request);
    let start_ms = r.end_ms.saturating_sub(r.duration_ms.round() as u64);
    let iso = |ms: u64| iso_millis(Timestamp(ms));
    let mut messages: Vec<(u64, String)> =
        vec![(start_ms, format!("START RequestId: {id} Version: $LATEST\n"))];
    let mut status = "";
    match r.outcome {
        Outcome::Ok => {}
        Outcome::TimedOut => {
            messages.push((r.end_ms, format!("{} {id} Task timed out after 8.00 seconds\n", iso(r.end_ms))));
            status = "\tStatus: timeout";
        }
        Outcome::WriteThrottled { table } => {
            let table = names::table(table);
            let handler = js_name(function.trim_start_matches("connect-"));
            let at = r.end_ms.saturating_sub(2);
            messages.push((
                at,
                format!(
                    "{}\t{id}\tERROR\tFailed to write to {table}: ProvisionedThroughputExceededException: {PTEE_MESSAGE}\n\
                     \x20   at throwDefaultError (/var/runtime/node_modules/@aws-sdk/node_modules/@smithy/smithy-client/dist-cjs/index.js:867:20)\n\
                     \x20   at de_ProvisionedThroughputExceededExceptionRes (/var/runtime/node_modules/@aws-sdk/client-dynamodb/dist-cjs/index.js:2279:21)\n\
                     \x20   at async {handler} (/var/task/index.mjs:41:5)\n\
                     \x20   at async Runtime.handler (/var/task/index.mjs:12:3)\n",
                    iso(at)
                ),
            ));
            messages.push((
                r.end_ms,
                format!(
                    "{}\t{id}\tERROR\tInvoke Error \t{{\"errorType\":\"ProvisionedThroughputExceededException\",\
                     \"errorMessage\":\"{PTEE_MESSAGE}\",\"name\":\"ProvisionedThroughputExceededException\",\
                     \"$fault\":\"client\",\"stack\":[\"ProvisionedThroughputExceededException: {PTEE_MESSAGE}\",\
                     \"    at async {handler} (/var/task/index.mjs:41:5)\"]}}\n",
                    iso(r.end_ms)
                ),
            ));
        }
    }
    messages.push((r.end_ms, format!("END RequestId: {id}\n")));
    let billed = r.duration_ms.ceil() as u64;
    messages.push((
        r.end_ms,
        format!(
            "REPORT RequestId: {id}\tDuration: {:.2} ms\tBilled Duration: {billed} ms\tMemory Size: {memory_mb} MB\t\
             Max Memory Used: {} MB{status}\t\n",
            r.duration_ms, r.memory_used_mb
        ),
    ));
    messages
        .into_iter()
        .enumerate()
        .map(|(k, (ms, message))| LambdaLogEvent {
            at: Timestamp(ms),
            event_id: format!("{seq:016}{k:02}"),
            message,
        })
        .collect()
}

/// `save-contact-record` → `saveContactRecord`, as the handler's function would be called.
fn js_name(kebab: &str) -> String {
    let mut out = String::with_capacity(kebab.len());
    let mut upper = false;
    for c in kebab.chars() {
        match c {
            '-' => upper = true,
            c if upper => {
                out.push(c.to_ascii_uppercase());
                upper = false;
            }
            c => out.push(c),
        }
    }
    out
}

fn request_id((a, b): (u64, u64)) -> String {
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        a >> 32,
        (a >> 16) & 0xffff,
        a & 0x0fff,
        0x8000 | ((b >> 48) & 0x3fff),
        b & 0xffff_ffff_ffff
    )
}

/// `2026-11-22T03:04:05.123Z`, as the runtimes write it.
fn iso_millis(at: Timestamp) -> String {
    humantime::format_rfc3339_millis(at.to_system_time()).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::sim::{DEFAULT_SNAPSHOT_AT, Scenario, SimParams, Simulator};

    fn sim(scenario: Scenario) -> Simulator {
        let mut s = Simulator::new(SimParams::with_scenario(scenario, 1));
        s.advance_to(DEFAULT_SNAPSHOT_AT);
        s
    }

    fn messages(s: &Simulator, function: &str) -> Vec<String> {
        s.lambda_log_since(function, 0)
            .expect("known function")
            .events
            .into_iter()
            .map(|e| e.message)
            .collect()
    }

    #[test]
    fn lambda_errors_logs_timeouts_of_lookup_customer_only() {
        let s = sim(Scenario::LambdaErrors);
        let lookup = messages(&s, "connect-lookup-customer");
        let timeouts = lookup.iter().filter(|m| m.contains("Task timed out after 8.00 seconds")).count();
        assert!(timeouts > 20, "{timeouts} timeouts");
        assert!(lookup.iter().any(|m| m.starts_with("REPORT RequestId: ") && m.contains("Status: timeout")));
        let router = messages(&s, "connect-tty-router");
        assert!(router.iter().all(|m| !m.contains("timed out") && !m.contains("ERROR")));
        assert!(router.iter().any(|m| m.starts_with("START RequestId: ")), "successes are logged too");
    }

    #[test]
    fn the_last_minute_of_the_log_has_as_many_failures_as_the_snapshot_says() {
        for (scenario, function, mark) in [
            (Scenario::LambdaErrors, "connect-lookup-customer", "Task timed out"),
            (Scenario::DynamoDbThrottling, "connect-save-contact-record", "Invoke Error"),
        ] {
            let s = sim(scenario);
            let errors = s.snapshot().lambda.iter().find(|f| f.name == function).map(|f| f.errors);
            // The one-minute window holds the last 60 whole seconds, now included.
            let from = Timestamp(s.now().0 - 59_000);
            let batch = s.lambda_log_from(function, from).expect("known function");
            let logged = batch.events.iter().filter(|e| e.message.contains(mark)).count() as u64;
            assert!(logged > 0, "{scenario:?}");
            assert_eq!(Some(logged), errors, "{scenario:?}: {function}");
        }
    }

    #[test]
    fn dynamodb_throttling_logs_stack_traces_in_save_contact_record() {
        let s = sim(Scenario::DynamoDbThrottling);
        let save = messages(&s, "connect-save-contact-record");
        let trace =
            save.iter().find(|m| m.contains("\tERROR\tFailed to write to CallRecords")).expect("a trace");
        assert!(trace.lines().count() >= 4 && trace.contains("\n    at "), "{trace}");
        assert!(save.iter().any(|m| {
            m.contains("\tERROR\tInvoke Error \t{\"errorType\":\"ProvisionedThroughputExceededException\"")
        }));
        assert!(
            messages(&sim(Scenario::Calm), "connect-save-contact-record")
                .iter()
                .all(|m| !m.contains("ERROR"))
        );
    }

    #[test]
    fn the_ring_is_bounded_and_readers_learn_what_they_missed() {
        let mut logs = LambdaLogs::new(SimRng::new(1), 1);
        let record = |end_ms| Record {
            end_ms,
            request: (1, 2),
            outcome: Outcome::TimedOut,
            duration_ms: 8000.0,
            memory_used_mb: 80,
        };
        for i in 0..LAMBDA_LOG_CAPACITY as u64 + 10 {
            logs.logs[0].push(record(i * 1000));
        }
        let b = logs.since(0, 3).expect("function 0");
        assert_eq!((b.skipped, b.next_seq), (7, LAMBDA_LOG_CAPACITY as u64 + 10));
        assert_eq!(b.events.len(), LAMBDA_LOG_CAPACITY * 4, "START, timeout, END, REPORT each");
        assert!(logs.since(0, b.next_seq).expect("function 0").events.is_empty());
        let recent = logs.ended_since(0, Timestamp(LAMBDA_LOG_CAPACITY as u64 * 1000)).expect("function 0");
        assert_eq!((recent.events.len(), recent.skipped), (10 * 4, 0));
        assert!(logs.since(1, 0).is_none());
        assert!(sim(Scenario::Calm).lambda_log_since("no-such-function", 0).is_none());
    }

    #[test]
    fn same_seed_same_log() {
        let a = messages(&sim(Scenario::DynamoDbThrottling), "connect-save-contact-record");
        let b = messages(&sim(Scenario::DynamoDbThrottling), "connect-save-contact-record");
        assert_eq!(a, b);
    }
}

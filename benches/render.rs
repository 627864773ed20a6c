//! How long one full frame takes at 160x48 with a large estate (1,000 queues, 200 Lambda
//! functions, 50 Kinesis streams), and how long taking in one snapshot of it takes: all of it,
//! the intake worker's half, and the key loop's share (what the loop does per snapshot).

use criterion::measurement::{Measurement, ValueFormatter};
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use std::time::Duration;
use switchboard::app::{Intake, Msg, State, update};
use switchboard::keymap::Keymap;
use switchboard::model::*;
use switchboard::source::sim::{SimParams, Simulator};
use switchboard::theme::Theme;

const T0: u64 = 1_795_827_600;

/// CPU time of the benchmark's thread (`CLOCK_THREAD_CPUTIME_ID`), not wall time: on this
/// 2-core machine other builds run beside the benchmark, and time spent waiting for a core is
/// not the code's. (Caches and memory bandwidth are still shared.)
struct ThreadCpu;

fn thread_cpu_ns() -> u64 {
    let mut ts = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: clock_gettime writes the timespec it is given, and this clock always exists on
    // Linux.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as u64 * 1_000_000_000 + ts.tv_nsec as u64
}

impl Measurement for ThreadCpu {
    type Intermediate = u64;
    type Value = u64;
    fn start(&self) -> u64 {
        thread_cpu_ns()
    }
    fn end(&self, start: u64) -> u64 {
        thread_cpu_ns().saturating_sub(start)
    }
    fn add(&self, a: &u64, b: &u64) -> u64 {
        a + b
    }
    fn zero(&self) -> u64 {
        0
    }
    fn to_f64(&self, v: &u64) -> f64 {
        *v as f64
    }
    fn formatter(&self) -> &dyn ValueFormatter {
        &Nanos
    }
}

/// Nanoseconds, shown in ns, µs or ms.
struct Nanos;

impl ValueFormatter for Nanos {
    fn scale_values(&self, typical: f64, values: &mut [f64]) -> &'static str {
        let (factor, unit) = match typical {
            t if t < 1e3 => (1.0, "ns"),
            t if t < 1e6 => (1e-3, "µs"),
            _ => (1e-6, "ms"),
        };
        values.iter_mut().for_each(|v| *v *= factor);
        unit
    }
    fn scale_throughputs(
        &self,
        _typical: f64,
        _t: &criterion::Throughput,
        values: &mut [f64],
    ) -> &'static str {
        // No throughputs are declared here; per-iteration time it is.
        self.scale_values(values.first().copied().unwrap_or(0.0), values)
    }
    fn scale_for_machines(&self, _values: &mut [f64]) -> &'static str {
        "ns"
    }
}

fn estate(step: u64) -> Snapshot {
    let w = |i: u64| ((i * 7 + step * 3) % 23) as f64;
    Snapshot {
        taken_at: Timestamp::from_secs(T0 + step * 15),
        source: "bench".into(),
        connect: Connect {
            concurrent_calls: 40 + (step % 9) as u32,
            concurrent_calls_quota: 100,
            concurrent_chats: 12,
            concurrent_chats_quota: 100,
            missed_calls: 1,
            queues: (0..1000)
                .map(|i| Queue {
                    id: format!("q-{i}"),
                    name: format!("queue-{i:04}"),
                    contacts_in_queue: w(i) as u32,
                    oldest_contact_age_s: Some(w(i) * 11.0),
                    agents_online: 10,
                    agents_available: (i % 4) as u32,
                    agents_on_contact: 6,
                    // The service figures' cells and findings are drawn and judged too.
                    service_level_pct: Some(100.0 - w(i) * 2.0),
                    service_level_threshold_s: Some(20),
                    abandonment_rate_pct: Some(w(i) / 4.0),
                    avg_answer_time_s: Some(w(i)),
                })
                .collect(),
            ..Default::default()
        },
        lambda: (0..200)
            .map(|i| LambdaFunction {
                name: format!("function-{i:03}"),
                invocations: 500,
                errors: w(i) as u64 / 4,
                throttles: 0,
                duration_p99_ms: Some(100.0 + w(i) * 150.0),
                concurrent_executions: 5,
            })
            .collect(),
        kinesis: (0..50)
            .map(|i| KinesisStream {
                name: format!("stream-{i:02}"),
                iterator_age_ms: Some(w(i) * 4000.0),
                put_latency_ms: Some(20.0 + w(i)),
                incoming_records: 1000,
                ..Default::default()
            })
            .collect(),
        dynamodb: (0..20)
            .map(|i| DynamoTable {
                name: format!("table-{i:02}"),
                consumed_read: w(i) * 40.0,
                provisioned_read: Some(1000.0),
                consumed_write: 100.0,
                provisioned_write: Some(1000.0),
                ..Default::default()
            })
            .collect(),
        nextalk: NexTalk {
            servers: ["nt-a", "nt-b"]
                .iter()
                .map(|name| NexTalkServer {
                    name: name.to_string(),
                    instance_id: format!("i-{name}"),
                    ports_in_use: Some(40),
                    ports_capacity: 96,
                    services: ["NexTalk Server", "NexTalk App API", "NexTalk Chat Bridge"]
                        .iter()
                        .map(|s| WinService { name: s.to_string(), status: ServiceStatus::Running })
                        .collect(),
                    ssm_ping: PingStatus::Online,
                    last_seen: Some(Timestamp::from_secs(T0 + step * 15)),
                    address: None,
                })
                .collect(),
        },
        flags: vec![],
        db_instances: vec![],
        queue_shares: vec![],
        panes: vec![],
        gaps: vec![],
    }
}

/// The three ways of taking in `next` on `state`: all of it on one thread (`update` with the
/// raw snapshot, what the key loop did before the intake worker), the worker's half
/// (`Intake::prepare`), and what is left for the key loop (`update` with the prepared result).
fn intake(
    c: &mut Criterion<ThreadCpu>,
    what: &str,
    state: &State,
    next: &Snapshot,
    at: Timestamp,
    keymap: &Keymap,
) {
    c.bench_function(&format!("intake {what}: whole, on one thread"), |b| {
        b.iter_batched(
            || (state.clone(), Box::new(next.clone())),
            |(mut s, snap)| {
                update(&mut s, Msg::Telemetry { result: Ok(snap), at }, keymap);
                s
            },
            criterion::BatchSize::LargeInput,
        )
    });
    c.bench_function(&format!("intake {what}: worker's half (Intake::prepare)"), |b| {
        b.iter_batched(
            || (Intake::new(state), next.clone(), state.table_orders()),
            |(mut intake, snap, orders)| intake.prepare(snap, at, &orders),
            criterion::BatchSize::LargeInput,
        )
    });
    let prepared = Intake::new(state).prepare(next.clone(), at, &state.table_orders());
    c.bench_function(&format!("intake {what}: key loop's share (update with the prepared result)"), |b| {
        b.iter_batched(
            || (state.clone(), Box::new(prepared.clone())),
            |(mut s, p)| {
                update(&mut s, Msg::Prepared { result: Ok(p), at }, keymap);
                s
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

fn bench(c: &mut Criterion<ThreadCpu>) {
    let keymap = Keymap::load("default", None).unwrap_or_default();
    let theme = Theme::load("dark", None).unwrap_or_else(|_| Theme::plain());
    // The console's default history (`[ui] history`, 120 samples), full: after four minutes
    // at 2 s, or half an hour at 15 s.
    let history = switchboard::config::DEFAULT_HISTORY;
    let mut state = State::new(Thresholds::default(), history);
    state.size = (160, 48);
    state.source_label = "bench".into();
    for step in 0..history as u64 {
        let at = Timestamp::from_secs(T0 + step * 15);
        update(&mut state, Msg::Telemetry { result: Ok(Box::new(estate(step))), at }, &keymap);
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();

    c.bench_function("frame 160x48, 1000 queues + 200 functions + 50 streams", |b| {
        b.iter(|| {
            terminal.draw(|f| switchboard::ui::draw(f, black_box(&state), &theme, &keymap)).unwrap();
        })
    });
    let step = history as u64 + 1;
    let next = estate(step);
    intake(c, "of that estate", &state, &next, Timestamp::from_secs(T0 + step * 15), &keymap);

    // The demo's own figures at that size (`demo --queues 1000 --functions 200 --streams 50`),
    // as its console holds them after the backfill: every 2 s of simulated time.
    let mut sim = Simulator::new(SimParams { tables: SimParams::default().tables, ..SimParams::large(1) });
    let start = sim.elapsed();
    let mut state = State::new(Thresholds::default(), history);
    state.size = (160, 48);
    for i in 0..history as u64 {
        sim.advance_to(start + Duration::from_secs(2 * i));
        let at = sim.now();
        update(&mut state, Msg::Telemetry { result: Ok(Box::new(sim.snapshot())), at }, &keymap);
    }
    sim.advance_to(start + Duration::from_secs(2 * history as u64));
    let (next, at) = (sim.snapshot(), sim.now());
    intake(c, "of the simulator's 1000 queues", &state, &next, at, &keymap);
}

criterion_group! {
    name = benches;
    config = Criterion::default().with_measurement(ThreadCpu).sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);

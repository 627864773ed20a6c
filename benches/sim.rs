//! Simulator cost at scale: one 1-second step and one snapshot of a contact center with 1,000
//! queues, 200 Lambda functions, 50 Kinesis streams and 50 DynamoDB tables.

use criterion::{Criterion, criterion_group, criterion_main};
use std::hint::black_box;
use std::time::Duration;
use switchboard::source::sim::{DEFAULT_SNAPSHOT_AT, Scenario, SimParams, Simulator, TICK};

fn large(scenario: Scenario) -> Simulator {
    let mut sim = Simulator::new(SimParams { scenario, ..SimParams::large(1) });
    sim.advance_to(DEFAULT_SNAPSHOT_AT);
    sim
}

fn bench(c: &mut Criterion) {
    let mut sim = large(Scenario::PortExhaustion);
    c.bench_function("step 1s (1000 queues, 200 functions, 50 streams)", |b| {
        b.iter(|| sim.step(black_box(TICK)))
    });
    let sim = large(Scenario::Calm);
    c.bench_function("snapshot (1000 queues, 200 functions, 50 streams)", |b| {
        b.iter(|| black_box(sim.snapshot()))
    });
    let sim = large(Scenario::Calm);
    c.bench_function("snapshot to JSON (1000 queues)", |b| {
        b.iter(|| serde_json::to_vec(&sim.snapshot()).map(|v| v.len()).unwrap_or(0))
    });
    let mut sim = Simulator::new(SimParams::default());
    c.bench_function("step 1s (default size)", |b| b.iter(|| sim.step(black_box(TICK))));
    c.bench_function("new + 15 min warm-up (1000 queues)", |b| {
        b.iter(|| Simulator::new(black_box(SimParams::large(2))).elapsed() == Duration::ZERO)
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);

//! How long one full frame takes at 160x48 with a large estate (1,000 queues, 200 Lambda
//! functions, 50 Kinesis streams), and how long taking in one snapshot of it takes.

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use std::hint::black_box;
use switchboard::app::{Msg, State, update};
use switchboard::keymap::Keymap;
use switchboard::model::*;
use switchboard::theme::Theme;

const T0: u64 = 1_795_827_600;

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
        queue_shares: vec![],
        panes: vec![],
        gaps: vec![],
    }
}

fn bench(c: &mut Criterion) {
    let keymap = Keymap::load("default", None).unwrap_or_default();
    let theme = Theme::load("dark", None).unwrap_or_else(|_| Theme::plain());
    let mut state = State::new(Thresholds::default(), 60);
    state.size = (160, 48);
    state.source_label = "bench".into();
    // A full history, as after a quarter of an hour at 15 s.
    for step in 0..60 {
        let at = Timestamp::from_secs(T0 + step * 15);
        update(&mut state, Msg::Telemetry { result: Ok(Box::new(estate(step))), at }, &keymap);
    }
    let mut terminal = Terminal::new(TestBackend::new(160, 48)).unwrap();

    c.bench_function("frame 160x48, 1000 queues + 200 functions + 50 streams", |b| {
        b.iter(|| {
            terminal.draw(|f| switchboard::ui::draw(f, black_box(&state), &theme, &keymap)).unwrap();
        })
    });

    let next = estate(61);
    c.bench_function("update with one snapshot of that estate", |b| {
        b.iter_batched(
            || (state.clone(), Box::new(next.clone())),
            |(mut s, snap)| {
                let at = Timestamp::from_secs(T0 + 61 * 15);
                update(&mut s, Msg::Telemetry { result: Ok(snap), at }, &keymap);
                s
            },
            criterion::BatchSize::LargeInput,
        )
    });
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(30).measurement_time(std::time::Duration::from_secs(3));
    targets = bench
}
criterion_main!(benches);

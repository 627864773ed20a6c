//! A hand-built contact center for render tests and benches: known names, known trouble
//! (a stopped Chat Bridge on nt-a, a queue waiting too long, a hot DynamoDB table), so tests
//! do not depend on the simulator.

#![allow(dead_code)]

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use std::collections::HashMap;
use switchboard::app::{Msg, State, update};
use switchboard::keymap::{Action, Binding, Context, Key, Keymap};
use switchboard::model::*;
use switchboard::theme::{Role, Theme};

pub const T0: u64 = 1_795_827_600;

pub fn queue(name: &str, waiting: u32, oldest: Option<f64>, avail: u32, online: u32) -> Queue {
    Queue {
        id: format!("q-{name}"),
        name: name.into(),
        contacts_in_queue: waiting,
        oldest_contact_age_s: oldest,
        agents_online: online,
        agents_available: avail,
        agents_on_contact: online - avail,
        // No service figures: the tests that need them set them.
        ..Default::default()
    }
}

/// The contact center at step `i` (figures drift a little so trends have shape).
pub fn snapshot(i: u64) -> Snapshot {
    let wobble = (i % 5) as u32;
    Snapshot {
        taken_at: Timestamp::from_secs(T0 + i * 15),
        source: "fixture".into(),
        connect: Connect {
            instance_id: "inst-0001".into(),
            concurrent_calls: 40 + wobble * 3,
            concurrent_calls_quota: 100,
            concurrent_chats: 12 + wobble,
            concurrent_chats_quota: 100,
            missed_calls: 2,
            throttled_calls: 0,
            contact_flow_errors: wobble,
            queues: vec![
                queue("Billing", 12 + wobble, Some(252.0), 0, 6),
                queue("Claims", 4, Some(75.0), 1, 8),
                queue("General", 2 + wobble, Some(20.0), 3, 12),
                queue("Spanish", 0, None, 2, 4),
                queue("TTY Relay", 1, Some(30.0), 1, 2),
            ],
        },
        lambda: vec![
            LambdaFunction {
                name: "crm-lookup".into(),
                invocations: 600,
                errors: 42,
                throttles: 0,
                duration_p99_ms: Some(2400.0),
                concurrent_executions: 12,
            },
            LambdaFunction {
                name: "route-caller".into(),
                invocations: 900,
                errors: 0,
                throttles: 0,
                duration_p99_ms: Some(180.0 + wobble as f64 * 10.0),
                concurrent_executions: 8,
            },
        ],
        kinesis: vec![
            KinesisStream {
                name: "ctr-stream".into(),
                iterator_age_ms: Some(90_000.0 + i as f64 * 1000.0),
                put_latency_ms: Some(35.0),
                incoming_records: 4200,
                ..Default::default()
            },
            KinesisStream {
                name: "agent-events".into(),
                iterator_age_ms: Some(800.0),
                put_latency_ms: Some(22.0),
                incoming_records: 1500,
                ..Default::default()
            },
        ],
        dynamodb: vec![
            DynamoTable {
                name: "CallTransactions".into(),
                consumed_read: 970.0,
                provisioned_read: Some(1000.0),
                consumed_write: 300.0,
                provisioned_write: Some(1000.0),
                read_throttles: 3,
                write_throttles: 0,
            },
            DynamoTable {
                name: "Sessions".into(),
                consumed_read: 120.0,
                consumed_write: 40.0,
                ..Default::default()
            },
        ],
        nextalk: NexTalk {
            servers: vec![
                server("nt-a", "i-0a1", 40, ServiceStatus::Stopped, i),
                server("nt-b", "i-0b2", 50, ServiceStatus::Running, i),
            ],
        },
        flags: vec![],
        db_instances: vec![],
        queue_shares: vec![],
        panes: vec![],
        gaps: vec![],
    }
}

fn server(name: &str, id: &str, in_use: u32, bridge: ServiceStatus, i: u64) -> NexTalkServer {
    NexTalkServer {
        name: name.into(),
        instance_id: id.into(),
        ports_in_use: Some(in_use),
        ports_capacity: 96,
        services: vec![
            WinService { name: "NexTalk Server".into(), status: ServiceStatus::Running },
            WinService { name: "NexTalk App API".into(), status: ServiceStatus::Running },
            WinService { name: "NexTalk Chat Bridge".into(), status: bridge },
        ],
        address: None,
        ssm_ping: PingStatus::Online,
        last_seen: Some(Timestamp::from_secs(T0 + i * 15)),
    }
}

/// A console that has seen `steps` collections of the fixture, sized `w` x `h`.
pub fn state(w: u16, h: u16, steps: u64) -> State {
    let mut s = State::new(Thresholds::default(), 60);
    s.source_label = "fixture".into();
    s.theme_name = "test".into();
    s.size = (w, h);
    for i in 0..steps {
        let at = Timestamp::from_secs(T0 + i * 15);
        update(&mut s, Msg::Telemetry { result: Ok(Box::new(snapshot(i))), at }, &keymap());
    }
    update(&mut s, Msg::Tick(Timestamp::from_secs(T0 + steps * 15 - 12)), &keymap());
    s
}

/// Distinct colours per role, so tests can tell which role styled a cell.
pub fn theme() -> Theme {
    let fg = |c: Color| Style::default().fg(c);
    Theme::new(
        "test",
        HashMap::from([
            (Role::Ok, fg(Color::Green)),
            (Role::Warn, fg(Color::Yellow)),
            (Role::Crit, fg(Color::Red).add_modifier(Modifier::BOLD)),
            (Role::Unknown, fg(Color::Magenta)),
            (Role::Title, Style::default().add_modifier(Modifier::BOLD)),
            (Role::Focus, fg(Color::Cyan)),
            (Role::Border, fg(Color::DarkGray)),
            (Role::Selected, Style::default().bg(Color::Blue)),
            (Role::Header, Style::default().add_modifier(Modifier::UNDERLINED)),
            (Role::Muted, fg(Color::Gray)),
            (Role::Highlight, Style::default().add_modifier(Modifier::REVERSED)),
            (Role::StatusBar, Style::default().bg(Color::Black)),
            (Role::Badge, fg(Color::White).bg(Color::Red)),
            (Role::Danger, fg(Color::LightRed).add_modifier(Modifier::BOLD)),
        ]),
    )
}

fn k(c: char) -> Key {
    Key::new(KeyCode::Char(c), KeyModifiers::NONE)
}

fn code(c: KeyCode) -> Key {
    Key::new(c, KeyModifiers::NONE)
}

/// A keymap like the shipped default, built by hand so these tests stand alone.
pub fn keymap() -> Keymap {
    use Action::*;
    let b = |context, keys: Vec<Key>, action| Binding { context, keys, action, description: String::new() };
    Keymap {
        name: "fixture".into(),
        bindings: vec![
            b(Context::Global, vec![k('q')], Quit),
            b(Context::Global, vec![Key::new(KeyCode::Char('c'), KeyModifiers::CONTROL)], Quit),
            b(Context::Global, vec![k('?')], Help),
            b(Context::Global, vec![code(KeyCode::Tab)], NextPane),
            b(Context::Global, vec![Key::new(KeyCode::BackTab, KeyModifiers::SHIFT)], PrevPane),
            b(Context::Global, vec![k('1')], PaneQueues),
            b(Context::Global, vec![k('2')], PaneConnect),
            b(Context::Global, vec![k('3')], PaneLambda),
            b(Context::Global, vec![k('4')], PaneKinesis),
            b(Context::Global, vec![k('5')], PaneDynamoDb),
            b(Context::Global, vec![k('6')], PaneNexTalk),
            b(Context::Global, vec![k('a')], PaneAlerts),
            b(Context::Global, vec![k(':')], CommandPalette),
            b(Context::Global, vec![k('r')], Refresh),
            b(Context::Global, vec![k('z')], ZoomPane),
            b(Context::Global, vec![code(KeyCode::Esc)], Back),
            b(Context::Table, vec![k('j')], Down),
            b(Context::Table, vec![code(KeyCode::Down)], Down),
            b(Context::Table, vec![k('k')], Up),
            b(Context::Table, vec![code(KeyCode::Up)], Up),
            b(Context::Table, vec![k('g'), k('g')], Top),
            b(Context::Table, vec![k('G')], Bottom),
            b(Context::Table, vec![code(KeyCode::Enter)], Detail),
            b(Context::Table, vec![k('/')], Filter),
            b(Context::Table, vec![k('s')], CycleSort),
            b(Context::Global, vec![k('R')], Runbooks),
            b(Context::Global, vec![k('F')], Flags),
            b(Context::Table, vec![Key::new(KeyCode::Char('r'), KeyModifiers::CONTROL)], RestartService),
            b(Context::Popup, vec![code(KeyCode::Enter)], Confirm),
            b(Context::Popup, vec![code(KeyCode::Tab)], NextChoice),
            b(Context::Popup, vec![code(KeyCode::Esc)], Cancel),
            b(Context::Popup, vec![k('j')], Down),
            b(Context::Popup, vec![k('k')], Up),
            b(Context::Popup, vec![k('q')], Back),
            b(Context::Input, vec![code(KeyCode::Enter)], FilterAccept),
            b(Context::Input, vec![code(KeyCode::Esc)], FilterClear),
        ],
    }
}

/// The buffer as text, one line per row, trailing blanks trimmed.
pub fn text(buf: &Buffer) -> String {
    let area = buf.area;
    let mut out = String::new();
    for y in 0..area.height {
        let mut line = String::new();
        for x in 0..area.width {
            line.push_str(buf[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// Where `needle` starts on screen (column, row), by characters.
pub fn find(buf: &Buffer, needle: &str) -> Option<(u16, u16)> {
    let area = buf.area;
    for y in 0..area.height {
        let cells: Vec<&str> = (0..area.width).map(|x| buf[(x, y)].symbol()).collect();
        let first = needle.chars().next()?.to_string();
        for x in 0..cells.len() {
            if cells[x] != first {
                continue;
            }
            let mut rest = String::new();
            for c in &cells[x..] {
                rest.push_str(c);
                if rest.chars().count() >= needle.chars().count() {
                    break;
                }
            }
            if rest == needle {
                return Some((x as u16, y));
            }
        }
    }
    None
}

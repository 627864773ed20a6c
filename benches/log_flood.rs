//! Key response of the console while its log view floods at 50,000 lines/s.
//!
//! The console's loop (src/console/runtime.rs) is reproduced in-process without a terminal: the
//! fixture console at 160x48 with the shipped keymap and the dark theme, nt-a's log open in the
//! view (ring of the default 10,000 lines, full from the start), a ratatui `TestBackend` drawn
//! with the real `ui::draw`. The loop selects over the message channel (capacity 64, as in the
//! runtime), a key channel and the once-a-second tick, runs `update`, and redraws when dirty but
//! at most once per frame (16 ms: runtime.rs's `FRAME` is private, so its value is copied here).
//!
//! A keyboard thread sends a key every 50 ms (a cycle of `k`, `G`, `/Bridge` typed, Enter,
//! Esc); each key is timed from its send until the end of the first draw after the `update`
//! that took it. Lines come from a producer thread at 50,000 lines/s as raw NexTalk lines
//! parsed by `LineParser` (what the SSH tail's thread does), in one of these shapes:
//!
//! - direct: `Msg::LogLines` of 500 lines every 10 ms straight onto the loop's channel;
//! - pumped, 100 ms polls: a tail whose thread reads 5,000 lines every 100 ms (the SSH tail's
//!   shortest poll interval) behind the real `LogPumps`, which hands the loop one batch per
//!   250 ms pace (~12,500 lines);
//! - pumped, 1 s polls: the SSH tail's default poll, 50,000 lines a second in one batch.
//!
//! A baseline runs the same loop and keys with the log open but no new lines. Last, the same
//! flooded frames are drawn by `TestBackend` and by a `CrosstermBackend` that counts the bytes
//! it would send, for what the in-memory backend leaves out (the escape-sequence encoding; the
//! terminal's own work is still not measured).
//!
//! `cargo bench --no-default-features --bench log_flood` runs 10 s per shape; `cargo test
//! --all-targets` runs 1 s of each (2 s of the 1 s poll shape, so that its lines arrive) and
//! only checks that the loop works and the lines got through (never the timing).
//! Criterion is not used: the figures wanted are latency percentiles of one long run.

#[path = "../tests/support/fixture.rs"]
mod fixture;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::FutureExt;
use futures::future::BoxFuture;
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};
use std::cell::Cell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io;
use std::rc::Rc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};
use switchboard::app::{Effect, LogId, Msg, Popup, State, update};
use switchboard::console::log_pump::LogPumps;
use switchboard::keymap::{Key, Keymap};
use switchboard::logview::DEFAULT_CAPACITY;
use switchboard::model::Timestamp;
use switchboard::source::tailing::{LineParser, TailState};
use switchboard::source::{LogLine, LogOpener, LogTail, SourceError};
use switchboard::theme::Theme;
use tokio::sync::mpsc;
use tokio::time::{MissedTickBehavior, interval_at, sleep_until};

/// runtime.rs's `FRAME` (private there): shortest time between two frames.
const FRAME: Duration = Duration::from_millis(16);
/// The runtime's message channel.
const MSG_CHANNEL: usize = 64;
/// `SshTail`'s batches in flight and its largest `next_batch` (private there).
const TAIL_CHANNEL_BATCHES: usize = 4;
const MAX_LINES_PER_BATCH: usize = 50_000;
const SIZE: (u16, u16) = (160, 48);
const LINES_PER_SEC: usize = 50_000;
const KEY_EVERY: Duration = Duration::from_millis(50);

/// The keys, in a cycle: scroll up and follow, then a search typed, run and cleared.
const KEYS: &[(KeyCode, Kind)] = &[
    (KeyCode::Char('k'), Kind::Scroll),
    (KeyCode::Char('G'), Kind::Follow),
    (KeyCode::Char('k'), Kind::Scroll),
    (KeyCode::Char('G'), Kind::Follow),
    (KeyCode::Char('/'), Kind::SearchPrompt),
    (KeyCode::Char('B'), Kind::Typing),
    (KeyCode::Char('r'), Kind::Typing),
    (KeyCode::Char('i'), Kind::Typing),
    (KeyCode::Char('d'), Kind::Typing),
    (KeyCode::Char('g'), Kind::Typing),
    (KeyCode::Char('e'), Kind::Typing),
    (KeyCode::Enter, Kind::SearchRun),
    (KeyCode::Char('k'), Kind::Scroll),
    (KeyCode::Char('G'), Kind::Follow),
    (KeyCode::Esc, Kind::SearchClear),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Scroll,
    Follow,
    SearchPrompt,
    Typing,
    SearchRun,
    SearchClear,
}

impl Kind {
    fn label(self) -> &'static str {
        match self {
            Kind::Scroll => "k",
            Kind::Follow => "G",
            Kind::SearchPrompt => "/",
            Kind::Typing => "typing",
            Kind::SearchRun => "Enter",
            Kind::SearchClear => "Esc",
        }
    }
}

#[derive(Debug, Clone, Copy)]
enum Flood {
    None,
    /// `Msg::LogLines` of `lines` every `every`, straight onto the loop's channel.
    Direct {
        lines: usize,
        every: Duration,
    },
    /// A tail whose thread reads `lines` every `every` (one SSH poll), behind `LogPumps`.
    Pumped {
        lines: usize,
        every: Duration,
    },
}

struct Scenario {
    name: &'static str,
    flood: Flood,
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let run_for = if full { Duration::from_secs(10) } else { Duration::from_secs(1) };
    let per = |every: Duration| LINES_PER_SEC * every.as_millis() as usize / 1000;
    let ms = Duration::from_millis;
    let scenarios = [
        Scenario { name: "baseline (log open, no new lines)", flood: Flood::None },
        Scenario {
            name: "flood, direct: 500 lines / 10 ms",
            flood: Flood::Direct { lines: per(ms(10)), every: ms(10) },
        },
        Scenario {
            name: "flood, LogPumps, 100 ms polls",
            flood: Flood::Pumped { lines: per(ms(100)), every: ms(100) },
        },
        Scenario {
            name: "flood, LogPumps, 1 s polls",
            flood: Flood::Pumped { lines: per(ms(1000)), every: ms(1000) },
        },
    ];
    // As the console runs (src/main.rs): two workers.
    let runtime =
        tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
    let keymap = Keymap::load("default", None).expect("shipped keymap");
    let theme = Theme::load("dark", None).expect("shipped theme");
    let cpus = thread::available_parallelism().map(|n| n.get()).unwrap_or(0);

    println!(
        "log flood: {}x{} TestBackend, shipped keymap, theme {}, ring {DEFAULT_CAPACITY} lines, frame cap {} ms, \
         a key every {} ms, {} s per run, {cpus} CPUs{}",
        SIZE.0,
        SIZE.1,
        theme.name,
        FRAME.as_millis(),
        KEY_EVERY.as_millis(),
        run_for.as_secs(),
        if full { "" } else { " (test mode: the 1 s poll shape 2 s; figures not meaningful)" },
    );
    let mut reports = Vec::new();
    for scenario in &scenarios {
        // Long enough for at least one of the shape's polls to arrive, with a second to spare
        // (the 1 s poll shape gets 2 s in test mode).
        let run_for = match scenario.flood.every() {
            Some(every) => run_for.max(every + Duration::from_secs(1)),
            None => run_for,
        };
        let report = run(&runtime, scenario, run_for, &keymap, &theme);
        check(scenario, &report);
        reports.push(report);
    }
    print_reports(&scenarios, &reports);
    let frames = if full { 600 } else { 20 };
    print_write_cost(&write_cost(&keymap, &theme, frames));
}

/// What one run measured.
struct Report {
    elapsed: Duration,
    keys: Vec<(Kind, Duration)>,
    draws: Vec<Duration>,
    /// Time `update` took for each `LogLines` batch, and the batch sizes.
    batch_updates: Vec<Duration>,
    batch_sizes: Vec<usize>,
    lines_absorbed: usize,
    lines_offered: usize,
    /// The process's CPU time over the run (all threads), if /proc says.
    cpu: Option<Duration>,
    load_before: Option<String>,
    log_open_at_end: bool,
    error: Option<String>,
}

/// One key as the keyboard thread sent it.
struct SentKey {
    event: KeyEvent,
    kind: Kind,
    sent: Instant,
}

fn run(
    runtime: &tokio::runtime::Runtime,
    scenario: &Scenario,
    run_for: Duration,
    keymap: &Keymap,
    theme: &Theme,
) -> Report {
    let load_before = std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|l| l.split_whitespace().next().map(str::to_string));
    let (tail_tx, tail_rx) = mpsc::channel::<Vec<LogLine>>(TAIL_CHANNEL_BATCHES);
    let opener = Arc::new(FloodOpener { rx: Mutex::new(Some(tail_rx)) });
    let stop = Arc::new(AtomicBool::new(false));

    let mut state = fixture::state(SIZE.0, SIZE.1, 20);
    state.theme_name = theme.name.clone();
    state.log_capacity = DEFAULT_CAPACITY;
    state.now = Timestamp::now();
    let mut terminal = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("terminal");

    let (mut outcome, threads, cpu_before) = runtime.block_on(async {
        let (tx, rx) = mpsc::channel::<Msg>(MSG_CHANNEL);
        let mut pumps = LogPumps::new(opener, tx.clone());
        // Open nt-a's log as the operator does (NexTalk pane, `l`), the effect handled as the
        // runtime handles it.
        update(&mut state, key_msg(KeyCode::Char('6')), keymap);
        let mut log = None;
        for effect in update(&mut state, key_msg(KeyCode::Char('l')), keymap) {
            if let Effect::OpenLog { log: id, source } = effect {
                pumps.open(id, &source).expect("open the flood log");
                log = Some(id);
            }
        }
        let log = log.expect("`l` on the NexTalk pane opens a log");
        // A full ring from the start, so every run draws the same amount of text.
        let mut parser = LineParser::default();
        let mut seq = 0;
        update(
            &mut state,
            Msg::LogLines { log, lines: chunk(&mut parser, &mut seq, DEFAULT_CAPACITY) },
            keymap,
        );

        // Kept open to the end unless the producer takes it: without lines the tail waits,
        // as an idle one does.
        let mut tail_tx = Some(tail_tx);
        let producer = match scenario.flood {
            Flood::None => None,
            Flood::Direct { lines, every } => {
                let tx = tx.clone();
                let stop = stop.clone();
                Some(thread::spawn(move || {
                    produce(lines, every, &stop, seq, |lines| {
                        tx.blocking_send(Msg::LogLines { log, lines }).is_ok()
                    })
                }))
            }
            Flood::Pumped { lines, every } => {
                let stop = stop.clone();
                let tail_tx = tail_tx.take().expect("tail channel");
                Some(thread::spawn(move || {
                    produce(lines, every, &stop, seq, |batch| tail_tx.blocking_send(batch).is_ok())
                }))
            }
        };
        let (key_tx, key_rx) = mpsc::channel::<SentKey>(MSG_CHANNEL);
        let keyboard = {
            let stop = stop.clone();
            thread::spawn(move || type_keys(&key_tx, &stop))
        };
        drop(tx);
        let cpu_before = process_cpu();
        let report =
            console_loop(&mut state, &mut terminal, keymap, theme, rx, key_rx, &mut pumps, log, run_for)
                .await;
        stop.store(true, Ordering::SeqCst);
        // Dropping the pumps drops the tail (its channel closes) and the loop's receivers went
        // with `console_loop`, so blocked senders return.
        drop(pumps);
        drop(tail_tx);
        (report, (producer, keyboard), cpu_before)
    });
    let (producer, keyboard) = threads;
    outcome.lines_offered = producer.map(|p| p.join().expect("producer thread")).unwrap_or(0);
    keyboard.join().expect("keyboard thread");
    outcome.cpu = match (cpu_before, process_cpu()) {
        (Some(a), Some(b)) => Some(b.saturating_sub(a)),
        _ => None,
    };
    outcome.load_before = load_before;
    outcome.log_open_at_end = matches!(state.popups.last(), Some(Popup::Log(_)));
    outcome
}

/// runtime.rs's `event_loop`, without the terminal, the feeds and the remote side: the same
/// select, the same frame cap, `update`, and the log effects handled by the same `LogPumps`.
#[allow(clippy::too_many_arguments)]
async fn console_loop(
    state: &mut State,
    terminal: &mut Terminal<TestBackend>,
    keymap: &Keymap,
    theme: &Theme,
    mut rx: mpsc::Receiver<Msg>,
    mut keys: mpsc::Receiver<SentKey>,
    pumps: &mut LogPumps,
    log: LogId,
    run_for: Duration,
) -> Report {
    let mut report = Report {
        elapsed: Duration::ZERO,
        keys: Vec::new(),
        draws: Vec::new(),
        batch_updates: Vec::new(),
        batch_sizes: Vec::new(),
        lines_absorbed: 0,
        lines_offered: 0,
        cpu: None,
        load_before: None,
        log_open_at_end: false,
        error: None,
    };
    let start = tokio::time::Instant::now();
    let end = sleep_until(start + run_for);
    tokio::pin!(end);
    let mut second = interval_at(start + Duration::from_secs(1), Duration::from_secs(1));
    second.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut last_frame = start - FRAME;
    // Keys taken by `update` since the last draw.
    let mut waiting: Vec<(Kind, Instant)> = Vec::new();

    loop {
        if state.dirty && last_frame.elapsed() >= FRAME {
            let began = Instant::now();
            if let Err(e) = terminal.draw(|f| switchboard::ui::draw(f, state, theme, keymap)) {
                report.error = Some(format!("draw: {e}"));
                break;
            }
            state.dirty = false;
            let drawn = Instant::now();
            last_frame = tokio::time::Instant::from_std(drawn);
            report.draws.push(drawn - began);
            report.keys.extend(waiting.drain(..).map(|(kind, sent)| (kind, drawn - sent)));
        }
        let next_frame = last_frame + FRAME;
        let mut key = None;
        let msg = tokio::select! {
            k = keys.recv() => match k {
                Some(k) => {
                    key = Some((k.kind, k.sent));
                    Some(Msg::Key(Key::from(k.event)))
                }
                None => {
                    report.error = Some("the keyboard thread went away".into());
                    break;
                }
            },
            Some(msg) = rx.recv() => Some(msg),
            _ = second.tick() => Some(Msg::Tick(Timestamp::now())),
            _ = sleep_until(next_frame), if state.dirty => None,
            _ = &mut end => break,
        };
        let Some(msg) = msg else { continue };
        let batch = match &msg {
            Msg::LogLines { log: id, lines } if *id == log => Some(lines.len()),
            _ => None,
        };
        let began = Instant::now();
        let mut effects: std::collections::VecDeque<Effect> = update(state, msg, keymap).into();
        if let Some(n) = batch {
            report.batch_updates.push(began.elapsed());
            report.batch_sizes.push(n);
            report.lines_absorbed += n;
        }
        if let Some(k) = key {
            waiting.push(k);
        }
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::OpenLog { log, source } => {
                    if let Err(error) = pumps.open(log, &source) {
                        effects.extend(update(state, Msg::LogOpenFailed { log, error }, keymap));
                    }
                }
                Effect::CloseLog(log) => pumps.close(log),
                Effect::SaveLog { log, job } => pumps.save(log, job),
                Effect::Quit => report.error = Some("a key quit the console".into()),
                // The keys used here ask for nothing else; the runtime's other effects
                // (remote commands, themes, mouse) have no part in this measurement.
                _ => {}
            }
        }
        if report.error.is_some() {
            break;
        }
    }
    report.elapsed = start.elapsed();
    report
}

/// The keyboard: one key every `KEY_EVERY`, the cycle of `KEYS`, until told to stop.
fn type_keys(tx: &mpsc::Sender<SentKey>, stop: &AtomicBool) {
    let mut next = Instant::now() + KEY_EVERY;
    for &(code, kind) in KEYS.iter().cycle() {
        sleep_to(next);
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let key = SentKey { event: KeyEvent::new(code, KeyModifiers::NONE), kind, sent: Instant::now() };
        if tx.blocking_send(key).is_err() {
            return;
        }
        next += KEY_EVERY;
    }
}

/// Sends `lines` parsed lines every `every` on a fixed schedule (a late send is followed at
/// once by the next, so the offered rate holds unless the reader pushes back). Returns the
/// lines sent.
fn produce(
    lines: usize,
    every: Duration,
    stop: &AtomicBool,
    first_seq: u64,
    mut send: impl FnMut(Vec<LogLine>) -> bool,
) -> usize {
    let mut parser = LineParser::default();
    let mut seq = first_seq;
    let mut sent = 0;
    let mut next = Instant::now() + every;
    loop {
        sleep_to(next);
        if stop.load(Ordering::SeqCst) {
            return sent;
        }
        let batch = chunk(&mut parser, &mut seq, lines);
        if !send(batch) {
            return sent;
        }
        sent += lines;
        next += every;
    }
}

fn sleep_to(when: Instant) {
    let now = Instant::now();
    if when > now {
        thread::sleep(when - now);
    }
}

/// `n` NexTalk lines as the server writes them, read as one chunk and parsed line by line
/// like the SSH tail's thread does (sanitised, split into time, level and text).
fn chunk(parser: &mut LineParser, seq: &mut u64, n: usize) -> Vec<LogLine> {
    let now = Timestamp::now();
    let stamp = now.rfc3339();
    let mut raw = String::with_capacity(n * 110);
    for _ in 0..n {
        nextalk_line(&mut raw, &stamp, *seq);
        *seq += 1;
    }
    raw.as_bytes().split(|&b| b == b'\n').filter(|l| !l.is_empty()).map(|l| parser.parse(l, now)).collect()
}

fn nextalk_line(out: &mut String, stamp: &str, i: u64) {
    // Kinds and figures from a hash of the line number, not a short cycle, so the row a screen
    // position shows after a scroll is an unrelated line, as in a real log.
    let h = splitmix(i);
    let port = h % 96;
    let session = (h >> 8) % 1_000_000;
    let _ = match (h >> 32) % 20 {
        0 => writeln!(
            out,
            "{stamp} ERROR [ChatBridge] Heartbeat from Amazon Connect missing for session {session:06}, \
             reconnecting (attempt {})",
            h % 5 + 1
        ),
        7 => writeln!(
            out,
            "{stamp} WARN  [Server] Port utilisation {}% on span 2 (threshold 85%)",
            80 + h % 20
        ),
        13 => writeln!(out, "{stamp} DEBUG [AppAPI] GET /api/v2/ports/{port}/state 200 in {} ms", h % 40),
        17 => writeln!(
            out,
            "{stamp} INFO  [Server] CDR call={i:010} ani=+4420794600{:02} dnis=+448001234567 queue=Billing \
             agent=agent{:03} port={port} duration={}s disposition=ANSWERED trunk=SIP-2 codec=G.711u jitter={} ms",
            h % 100,
            (h >> 4) % 300,
            (h >> 12) % 900,
            (h >> 20) % 30
        ),
        n if n % 2 == 0 => writeln!(
            out,
            "{stamp} INFO  [Server] Call {i:08X} answered on port {port} by agent{:03}",
            (h >> 4) % 300
        ),
        _ => writeln!(
            out,
            "{stamp} INFO  [ChatBridge] Relayed {} bytes for session {session:06} to Connect",
            64 + (h >> 4) % 4000
        ),
    };
}

fn splitmix(i: u64) -> u64 {
    let mut z = i.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn key_msg(code: KeyCode) -> Msg {
    Msg::Key(Key::new(code, KeyModifiers::NONE))
}

/// Hands out one tail, fed by the producer thread over a channel like `SshTail`'s.
struct FloodOpener {
    rx: Mutex<Option<mpsc::Receiver<Vec<LogLine>>>>,
}

impl LogOpener for FloodOpener {
    fn describe(&self) -> String {
        "flood".into()
    }
    fn server_log(&self, _: &str) -> Result<Box<dyn LogTail>, String> {
        let rx = self.rx.lock().expect("opener").take().ok_or("the flood log is already open")?;
        Ok(Box::new(FloodTail { rx }))
    }
    fn lambda_log(&self, f: &str) -> Result<Box<dyn LogTail>, String> {
        Err(format!("no flood for {f}"))
    }
}

struct FloodTail {
    rx: mpsc::Receiver<Vec<LogLine>>,
}

impl LogTail for FloodTail {
    fn describe(&self) -> String {
        "flood nt-a".into()
    }
    /// `SshTail::next_lines`: waits for a batch, then takes whatever else is already queued.
    fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
        async move {
            let Some(mut lines) = self.rx.recv().await else { return Ok(Vec::new()) };
            while lines.len() < MAX_LINES_PER_BATCH {
                match self.rx.try_recv() {
                    Ok(more) => lines.extend(more),
                    Err(_) => break,
                }
            }
            Ok(lines)
        }
        .boxed()
    }
}

/// User plus system CPU time of this process, from /proc (Linux; USER_HZ taken as 100).
fn process_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

impl Flood {
    /// How often lines come, if they do.
    fn every(self) -> Option<Duration> {
        match self {
            Flood::None => None,
            Flood::Direct { every, .. } | Flood::Pumped { every, .. } => Some(every),
        }
    }

    /// Lines per arrival.
    fn lines(self) -> usize {
        match self {
            Flood::None => 0,
            Flood::Direct { lines, .. } | Flood::Pumped { lines, .. } => lines,
        }
    }
}

/// Fails only when the loop broke: no frames, no keys answered, lines that never arrived, the
/// view gone. Never on timing: every shape runs at least a second past its first poll, so one
/// whole poll's lines must have reached the loop whatever the machine's load.
fn check(scenario: &Scenario, r: &Report) {
    let name = scenario.name;
    assert!(r.error.is_none(), "{name}: the loop broke: {}", r.error.as_deref().unwrap_or_default());
    assert!(!r.draws.is_empty(), "{name}: nothing was drawn");
    assert!(!r.keys.is_empty(), "{name}: no key reached the screen");
    assert!(r.log_open_at_end, "{name}: the log view closed");
    match scenario.flood {
        Flood::None => assert_eq!(r.lines_absorbed, 0, "{name}: lines without a flood"),
        flood => {
            let one_poll = flood.lines();
            assert!(
                r.lines_absorbed >= one_poll,
                "{name}: {} lines reached the loop in {:?}, not even one poll's {one_poll}",
                r.lines_absorbed,
                r.elapsed
            );
            assert!(r.lines_absorbed <= r.lines_offered, "{name}: more lines absorbed than offered");
        }
    }
}

/// What `TestBackend` leaves out of a frame: crossterm turning the changed cells into escape
/// sequences. Both backends draw the same frames of the flooded view (500 new lines before
/// each); the crossterm one writes into memory, so the terminal's own cost is still not in it.
struct WriteCost {
    test: Vec<Duration>,
    crossterm: Vec<Duration>,
    bytes: Vec<usize>,
}

fn write_cost(keymap: &Keymap, theme: &Theme, frames: usize) -> WriteCost {
    let mut state = fixture::state(SIZE.0, SIZE.1, 20);
    state.log_capacity = DEFAULT_CAPACITY;
    update(&mut state, key_msg(KeyCode::Char('6')), keymap);
    let log = update(&mut state, key_msg(KeyCode::Char('l')), keymap)
        .into_iter()
        .find_map(|e| match e {
            Effect::OpenLog { log, .. } => Some(log),
            _ => None,
        })
        .expect("`l` opens a log");
    let following = TailState::Following { source: "flood nt-a".into() };
    update(&mut state, Msg::LogState { log, state: following }, keymap);
    let mut parser = LineParser::default();
    let mut seq = 0;
    update(&mut state, Msg::LogLines { log, lines: chunk(&mut parser, &mut seq, DEFAULT_CAPACITY) }, keymap);
    let mut test = Terminal::new(TestBackend::new(SIZE.0, SIZE.1)).expect("terminal");
    let fixed = TerminalOptions { viewport: Viewport::Fixed(Rect::new(0, 0, SIZE.0, SIZE.1)) };
    let written = Rc::new(Cell::new(0));
    let mut real = Terminal::with_options(CrosstermBackend::new(Counting(written.clone())), fixed)
        .expect("crossterm terminal");
    let mut cost = WriteCost { test: Vec::new(), crossterm: Vec::new(), bytes: Vec::new() };
    for _ in 0..frames {
        update(&mut state, Msg::LogLines { log, lines: chunk(&mut parser, &mut seq, 500) }, keymap);
        let began = Instant::now();
        test.draw(|f| switchboard::ui::draw(f, &state, theme, keymap)).expect("draw");
        cost.test.push(began.elapsed());
        let began = Instant::now();
        real.draw(|f| switchboard::ui::draw(f, &state, theme, keymap)).expect("draw");
        cost.crossterm.push(began.elapsed());
        cost.bytes.push(written.replace(0));
    }
    assert!(cost.bytes.iter().all(|&b| b > 0), "crossterm wrote nothing for a changed frame");
    cost
}

/// Counts the bytes written and keeps none (the writer's own accessor is unstable in ratatui).
struct Counting(Rc<Cell<usize>>);

impl io::Write for Counting {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.set(self.0.get() + buf.len());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

fn sorted(mut v: Vec<Duration>) -> Vec<Duration> {
    v.sort();
    v
}

/// Nearest-rank percentile of sorted durations.
fn pct(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn ms(d: Duration) -> String {
    format!("{:.2}", d.as_secs_f64() * 1000.0)
}

fn print_reports(scenarios: &[Scenario], reports: &[Report]) {
    println!();
    println!("key latency, send -> end of the first draw after its update (ms):");
    println!("  {:<36} {:>5} {:>8} {:>8} {:>8} {:>8}", "run", "keys", "median", "p95", "p99", "max");
    for (s, r) in scenarios.iter().zip(reports) {
        let keys = sorted(r.keys.iter().map(|&(_, d)| d).collect());
        println!(
            "  {:<36} {:>5} {:>8} {:>8} {:>8} {:>8}",
            s.name,
            keys.len(),
            ms(pct(&keys, 50.0)),
            ms(pct(&keys, 95.0)),
            ms(pct(&keys, 99.0)),
            ms(pct(&keys, 100.0))
        );
    }
    println!();
    println!("by key (count median/max ms):");
    for (s, r) in scenarios.iter().zip(reports) {
        let mut by_kind: BTreeMap<Kind, Vec<Duration>> = BTreeMap::new();
        for &(kind, d) in &r.keys {
            by_kind.entry(kind).or_default().push(d);
        }
        let parts: Vec<String> = by_kind
            .into_iter()
            .map(|(kind, v)| {
                let v = sorted(v);
                format!("{} {} {}/{}", kind.label(), v.len(), ms(pct(&v, 50.0)), ms(pct(&v, 100.0)))
            })
            .collect();
        println!("  {:<36} {}", s.name, parts.join(", "));
    }
    println!();
    println!("throughput and cost:");
    println!(
        "  {:<36} {:>10} {:>10} {:>8} {:>17} {:>8} {:>9} {:>17} {:>6} {:>5}",
        "run",
        "offered/s",
        "absorbed/s",
        "frames/s",
        "draw med/p99/max",
        "batches",
        "max batch",
        "upd med/p99/max",
        "cpu",
        "load"
    );
    for (s, r) in scenarios.iter().zip(reports) {
        let secs = r.elapsed.as_secs_f64();
        let draws = sorted(r.draws.clone());
        let upd = sorted(r.batch_updates.clone());
        let cpu =
            r.cpu.map(|c| format!("{:.0}%", 100.0 * c.as_secs_f64() / secs)).unwrap_or_else(|| "?".into());
        println!(
            "  {:<36} {:>10.0} {:>10.0} {:>8.1} {:>17} {:>8} {:>9} {:>17} {:>6} {:>5}",
            s.name,
            r.lines_offered as f64 / secs,
            r.lines_absorbed as f64 / secs,
            draws.len() as f64 / secs,
            format!("{}/{}/{}", ms(pct(&draws, 50.0)), ms(pct(&draws, 99.0)), ms(pct(&draws, 100.0))),
            r.batch_sizes.len(),
            r.batch_sizes.iter().max().copied().unwrap_or(0),
            format!("{}/{}/{}", ms(pct(&upd, 50.0)), ms(pct(&upd, 99.0)), ms(pct(&upd, 100.0))),
            cpu,
            r.load_before.as_deref().unwrap_or("?"),
        );
    }
    println!(
        "  (offered - absorbed: lines still in the tail or the pump, which paces batches 250 ms apart, at the cutoff)"
    );
    println!(
        "  (cpu: the whole process, producer and keyboard threads included, per wall second; \
         load: 1-min load average before the run)"
    );
}

fn print_write_cost(c: &WriteCost) {
    let test = sorted(c.test.clone());
    let real = sorted(c.crossterm.clone());
    let mut bytes = c.bytes.clone();
    bytes.sort();
    let kb = |b: usize| b as f64 / 1024.0;
    let median_bytes = bytes[bytes.len() / 2];
    println!();
    println!("one frame of the flooded view (500 new lines before each, {} frames):", test.len());
    println!(
        "  TestBackend draw (as measured above)   median {} ms, p99 {} ms",
        ms(pct(&test, 50.0)),
        ms(pct(&test, 99.0))
    );
    println!(
        "  CrosstermBackend, bytes counted          median {} ms, p99 {} ms, {:.1} KiB per frame (max {:.1}); \
         at {:.0} frames/s {:.1} MiB/s for the terminal",
        ms(pct(&real, 50.0)),
        ms(pct(&real, 99.0)),
        kb(median_bytes),
        kb(bytes[bytes.len() - 1]),
        1000.0 / FRAME.as_millis() as f64,
        kb(median_bytes) * 1000.0 / FRAME.as_millis() as f64 / 1024.0
    );
}

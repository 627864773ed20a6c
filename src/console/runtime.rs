//! The console's event loop: terminal events, telemetry and a once-a-second tick go into
//! `update`; effects come out; a frame is drawn when something changed, at most ~60 times a
//! second. The loop never awaits a source: collection runs in its own task.

use crate::app::intake::Intake;
use crate::app::jobs::ServerTarget;
use crate::app::msg::{Effect, Mouse, MouseKind, Msg};
use crate::app::replay::{Marker, ReplayView};
use crate::app::state::{Earlier, Message, SourceAge, State};
use crate::app::update::update;
use crate::audit::AuditLog;
use crate::console::exec::{ExecOptions, Executor};
use crate::console::flight::{Flight, FlightOptions};
use crate::console::incident_desk::{Desk, DeskOptions};
use crate::console::intake::{IntakeWorker, Job, Ready};
use crate::console::log_pump::LogPumps;
use crate::console::tui::Tui;
use crate::keymap::{Key, Keymap};
use crate::model::{Snapshot, Thresholds, Timestamp, fmt_duration};
use crate::runbook::Library;
use crate::source::replay::Player;
use crate::source::{Clock, Compose, LogOpener, Remote, SourceError, Telemetry};
use crate::theme::Theme;
use crate::ui;
use anyhow::Context as _;
use crossterm::event::{Event, EventStream, KeyEventKind, MouseButton, MouseEventKind};
use futures::StreamExt;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior, interval, interval_at, sleep_until, timeout};

/// Shortest time between two frames (~60 fps).
const FRAME: Duration = Duration::from_millis(16);
/// Spinner speed while a command runs.
const ANIMATE: Duration = Duration::from_millis(150);

/// Earlier snapshots for the console to take in before its first frame (see
/// `ConsoleOptions::backfill`).
pub type Backfill = Box<dyn Iterator<Item = Earlier> + Send>;

/// Loads a theme by name for `:theme NAME`; the error names the file and position.
pub type ThemeLoader = Box<dyn Fn(&str) -> Result<Theme, String> + Send>;

/// One telemetry source with its own refresh interval (the simulator is one; AWS is four:
/// CloudWatch, Connect, SSM ping, the service probe).
pub struct Feed {
    pub telemetry: Box<dyn Telemetry>,
    pub every: Duration,
}

/// Called when the engineer asks for a refresh (`r`), before the feeds are woken: lets a
/// source do the expensive part it skips on timed refreshes (Connect's ListQueues).
pub type RefreshHook = Box<dyn Fn() + Send>;

pub struct ConsoleOptions {
    /// Each runs in its own task, one collection in flight; their results meet in `compose`.
    pub feeds: Vec<Feed>,
    pub on_manual_refresh: Vec<RefreshHook>,
    pub compose: Box<dyn Compose>,
    pub keymap: Keymap,
    pub theme: Theme,
    pub theme_loader: ThemeLoader,
    pub thresholds: Thresholds,
    /// The data-defined panes (`[[panes]]`), shown after the built-in ones.
    pub panes: Vec<crate::model::PaneDef>,
    /// Samples kept per trend.
    pub history: usize,
    pub read_only: bool,
    pub mouse: bool,
    /// Shown in the status bar: `demo:calm`, `aws:123456789012/eu-west-2`.
    pub source_label: String,
    /// Where remote commands (checks, restarts) go.
    pub remote: Arc<dyn Remote>,
    /// The open audit log. Without one the console runs read-only: a tool that cannot
    /// record what it does must not change production.
    pub audit: Option<AuditLog>,
    /// Why there is no audit log, for the status line.
    pub audit_error: Option<String>,
    pub runbooks: Library,
    /// The NexTalk servers commands may go to, with their restartable services.
    pub targets: Vec<ServerTarget>,
    /// Earlier snapshots, oldest first, taken in before the first frame so the sparklines show
    /// what led up to now and each alert is as old as it really is. Made one at a time as
    /// they are taken in: the demo's lead-up at 1,000 queues is ~80 snapshots, ~20 MB held
    /// at once.
    pub backfill: Backfill,
    pub exec: ExecOptions,
    /// Opens the logs `l` and the runbooks' open-log steps show.
    pub logs: Arc<dyn LogOpener>,
    /// Lines each log view keeps (`[ui] log_lines`).
    pub log_lines: usize,
    /// The sources' clock (simulated time in the demo): every age on screen is read on it.
    pub clock: Arc<dyn Clock>,
    /// The figures come from the simulator (the status bar says so on every screen).
    pub simulated: bool,
    /// A word for the first screen (why the console runs on the simulator), if any.
    pub notice: Option<String>,
    /// The themes `:theme` accepts.
    pub themes: Vec<String>,
    /// Where incidents declared here are kept, or why there is nowhere (said when `I` asks).
    pub incidents: Result<DeskOptions, String>,
    /// The flight recorder (every console has one; a replay does not record itself).
    pub flight: Option<FlightOptions>,
    /// `switchboard replay`: the player behind the feed and clock, and the events it marks.
    pub replay: Option<ReplayOptions>,
}

pub struct ReplayOptions {
    pub player: Arc<Player>,
    pub markers: Vec<Marker>,
}

/// Runs the interactive console until the user quits or the process is told to stop.
pub async fn run_console(opts: ConsoleOptions) -> anyhow::Result<()> {
    let mut tui = Tui::enter(opts.mouse).context("setting up the terminal")?;
    let result = event_loop(&mut tui, opts).await;
    drop(tui);
    result
}

async fn event_loop(tui: &mut Tui, opts: ConsoleOptions) -> anyhow::Result<()> {
    let ConsoleOptions {
        feeds,
        on_manual_refresh,
        compose,
        keymap,
        mut theme,
        theme_loader,
        thresholds,
        panes,
        history,
        read_only,
        mouse,
        source_label,
        remote,
        audit,
        audit_error,
        runbooks,
        targets,
        backfill,
        exec,
        logs,
        log_lines,
        clock,
        simulated,
        notice,
        themes,
        incidents,
        flight,
        replay,
    } = opts;
    let mut state = State::with_panes(thresholds, history, crate::app::panes::with_defined(&panes));
    state.source_label = source_label;
    state.theme_name = theme.name.clone();
    state.themes = themes;
    state.simulated = simulated;
    state.mouse = mouse;
    state.log_capacity = log_lines;
    state.now = clock.now();
    let size = tui.terminal.size()?;
    state.size = (size.width, size.height);
    prepare(&mut state, read_only, &audit, audit_error, runbooks, targets, backfill);
    if let Some(text) = notice {
        // After prepare: an error of its own (no audit log) is added, not hidden.
        let text = match state.message.take() {
            Some(m) => format!("{text}; {}", m.text),
            None => text,
        };
        state.message = Some(Message { text, error: false });
    }

    let (tx, mut rx) = mpsc::channel::<Msg>(64);
    let executor = Executor::new(remote, audit, tx.clone(), exec);
    let mut log_pumps = LogPumps::new(logs, tx.clone());
    let player = replay.map(|r| {
        state.replay = Some(ReplayView::new(r.player.status(), r.markers));
        // A replay changes nothing, whatever the command line said.
        state.read_only = true;
        r.player
    });
    // The newest frame the replay handed to the state: the same frame again (paused) adds
    // no trend sample.
    let mut replayed: Option<Timestamp> = None;
    let incident_root = incidents.as_ref().ok().map(|o| o.store.clone());
    let desk = incidents.map(|opts| Desk::start(opts, clock.clone(), tx.clone()));
    let flight = match flight {
        Some(opts) => Some(Flight::start(opts, tx.clone()).map_err(anyhow::Error::msg)?),
        None => None,
    };
    // The incident the recorder writes to, and whether it still does (not once resolved).
    let mut recording_for: Option<String> = None;
    if feeds.len() > 1 {
        state.sources = (0..feeds.len())
            .map(|i| SourceAge {
                label: compose.feed_label(i).unwrap_or_else(|| feeds[i].telemetry.describe()),
                last_ok: None,
                failing: false,
            })
            .collect();
    }
    // The feeds' answers are composed, recorded and taken in on the intake worker; the loop
    // swaps the prepared result in. Started after the backfill: it judges against that state.
    let (ready_tx, mut ready_rx) = mpsc::channel::<Ready>(16);
    let worker =
        IntakeWorker::start(Intake::new(&state), compose, flight.as_ref().map(Flight::sink), ready_tx)
            .context("starting the intake worker")?;
    // Bumped when the state is rebuilt on the loop (a replay's jump): results prepared
    // against the state before are dropped, as the jump would have wiped them.
    let mut epoch: u64 = 0;
    let (feed_tx, mut feed_rx) = mpsc::channel::<FeedMsg>(16);
    let mut refresh_txs = Vec::new();
    let mut collectors = Vec::new();
    for (index, feed) in feeds.into_iter().enumerate() {
        // Capacity 1: a second "refresh now" while one is queued adds nothing.
        let (refresh_tx, refresh_rx) = mpsc::channel::<()>(1);
        refresh_txs.push(refresh_tx);
        collectors.push(tokio::spawn(collect(index, feed, feed_tx.clone(), refresh_rx, clock.clone())));
    }
    drop(feed_tx);
    let mut terminal_events = EventStream::new();
    let mut second = interval_at(Instant::now() + Duration::from_secs(1), Duration::from_secs(1));
    second.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut animate = interval(ANIMATE);
    animate.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut stop = Stop::new()?;
    let mut last_frame = Instant::now() - FRAME;

    // Audit writes under way: awaited before the console exits, so a record asked for just
    // before quitting is on disk when the process ends.
    let mut audits: Vec<tokio::task::JoinHandle<()>> = Vec::new();
    // What a feed's SourceAnswered asked for, run together with its Telemetry's effects.
    let mut answered_effects: Vec<Effect> = Vec::new();
    let outcome = 'run: loop {
        if state.dirty && last_frame.elapsed() >= FRAME {
            tui.terminal.draw(|f| ui::draw(f, &state, &theme, &keymap))?;
            state.dirty = false;
            last_frame = Instant::now();
        }
        let next_frame = last_frame + FRAME;
        let msg = tokio::select! {
            ev = terminal_events.next() => match ev {
                Some(Ok(ev)) => terminal_msg(ev),
                Some(Err(e)) => break 'run Err(anyhow::Error::new(e).context("reading the terminal")),
                None => break 'run Ok(()),
            },
            Some(msg) = rx.recv() => Some(msg),
            Some(fm) = feed_rx.recv() => {
                match fm {
                    // A replay's collection is a wait for the next frame, not a refresh.
                    FeedMsg::Collecting { .. } if player.is_some() => {}
                    FeedMsg::Collecting { feed } => worker.send(Job::Collecting { feed }),
                    // The same frame again (paused) adds no trend sample.
                    FeedMsg::Result { result: Ok(s), .. } if player.is_some() && replayed == Some(s.taken_at) => {}
                    FeedMsg::Result { feed, result, at } => {
                        if player.is_some() {
                            replayed = result.as_ref().ok().map(|s| s.taken_at);
                        }
                        let orders = state.table_orders();
                        worker.send(Job::Answer { feed, result, at, orders, epoch });
                    }
                }
                None
            }
            Some(ready) = ready_rx.recv() => match ready {
                Ready::Collecting { feed } => Some(Msg::Collecting { feed }),
                Ready::Answered { feed, ok, at, provenance, result, epoch: sent } => {
                    let answered = Msg::SourceAnswered { index: feed, ok, at };
                    // The status bar's bookkeeping, and a re-check's count of fresh answers
                    // (which may ask for one more collection): its effects run with the
                    // composed snapshot's below.
                    answered_effects = update(&mut state, answered, &keymap);
                    answered_effects.extend(update(&mut state, Msg::QueueSource(provenance), &keymap));
                    (sent == epoch).then_some(Msg::Prepared { result, at })
                }
            },
            _ = second.tick() => {
                if let Some(p) = &player {
                    answered_effects = update(&mut state, Msg::Replay(p.status()), &keymap);
                }
                Some(Msg::Tick(clock.now()))
            }
            // Only armed while a command or re-check is under way: idle stays idle.
            _ = animate.tick(), if state.busy() => Some(Msg::Animate),
            // Only armed when a frame is owed but came too soon after the last one.
            _ = sleep_until(next_frame), if state.dirty => None,
            _ = stop.recv() => break 'run Ok(()),
        };
        let mut effects: std::collections::VecDeque<Effect> = std::mem::take(&mut answered_effects).into();
        match msg {
            Some(msg) => effects.extend(update(&mut state, msg, &keymap)),
            None if effects.is_empty() => continue,
            None => {}
        }
        if let Some(spent) = state.take_spent() {
            worker.send(Job::Drop(spent));
        }
        while let Some(effect) = effects.pop_front() {
            match effect {
                Effect::Quit => break 'run Ok(()),
                Effect::RefreshNow => {
                    for hook in &on_manual_refresh {
                        hook();
                    }
                    for refresh_tx in &refresh_txs {
                        // Full means a refresh is already queued.
                        let _ = refresh_tx.try_send(());
                    }
                }
                Effect::SetTheme(name) => {
                    let loaded = match theme_loader(&name) {
                        Ok(t) => {
                            theme = t;
                            Ok(theme.name.clone())
                        }
                        Err(e) => Err(e),
                    };
                    effects.extend(update(&mut state, Msg::ThemeLoaded(loaded), &keymap));
                }
                Effect::SetMouse(on) => tui.set_mouse(on)?,
                Effect::Remote(job) => {
                    executor.run(job, state.read_only);
                }
                Effect::Audit(entry) => {
                    audits.retain(|h| !h.is_finished());
                    audits.push(executor.audit(entry));
                }
                Effect::OpenLog { log, source } => {
                    if let Err(error) = log_pumps.open(log, &source) {
                        effects.extend(update(&mut state, Msg::LogOpenFailed { log, error }, &keymap));
                    }
                }
                Effect::CloseLog(log) => log_pumps.close(log),
                Effect::SaveLog { log, job } => log_pumps.save(log, job),
                Effect::Replay(op) => {
                    if let Some(p) = &player {
                        if p.apply(op) {
                            let earlier = lead_up(p, history);
                            replayed = earlier.last().map(|e| e.snapshot.taken_at);
                            effects.extend(update(&mut state, Msg::ReplayRewind(earlier), &keymap));
                            epoch += 1;
                            worker.send(Job::Reseed(Box::new(Intake::new(&state))));
                        }
                        effects.extend(update(&mut state, Msg::Replay(p.status()), &keymap));
                    }
                }
                Effect::Incident(op) => {
                    use crate::app::incident::{IncidentOp, IncidentReply};
                    let declare = matches!(op, IncidentOp::Declare { .. });
                    let sent = match &desk {
                        Ok(desk) => desk.send(op),
                        Err(why) => Err(why.clone()),
                    };
                    if let Err(e) = sent {
                        // A declaration that cannot be made is undone on screen, not left pending.
                        let reply = if declare {
                            IncidentReply::Declared(Err(e), None)
                        } else {
                            IncidentReply::Failed(e)
                        };
                        effects.extend(update(&mut state, Msg::Incident(reply), &keymap));
                    }
                }
            }
        }
        if let Some(f) = &flight {
            follow_incident(&state, f, incident_root.as_ref(), &mut recording_for);
        }
    };
    for c in collectors {
        c.abort();
    }
    // Before the recorder: the worker holds one of its senders (its frames go out first).
    drop(ready_rx);
    let _ = tokio::task::spawn_blocking(move || worker.finish(Duration::from_secs(5))).await;
    if let Some(f) = flight {
        // Off the async workers: the recorder closes its files (their gzip trailers).
        let _ = tokio::task::spawn_blocking(move || f.finish(Duration::from_secs(5))).await;
    }
    // However the console ends (q, a signal, the terminal gone), commands still in flight get
    // their `abandoned` record.
    for effect in crate::app::update::on_exit(&state) {
        if let Effect::Audit(entry) = effect {
            audits.push(executor.audit(entry));
        }
    }
    for h in audits {
        let _ = timeout(Duration::from_secs(5), h).await;
    }
    outcome
}

/// What a console watching the recording would have taken in up to the player's position:
/// the trends' worth of frames before it, each a sample, and before those one frame every
/// [`ALERT_EVERY`] for the alert book (so an alert is as old as the recording says).
fn lead_up(player: &Player, history: usize) -> Vec<Earlier> {
    let frames = player.frames();
    if frames.is_empty() {
        return Vec::new();
    }
    let i = player.frame_at(player.now()).min(frames.len() - 1);
    let trend_from = (i + 1).saturating_sub(history.max(1));
    let mut out = Vec::new();
    let mut last_alerted: Option<Timestamp> = None;
    for (j, f) in frames[..=i].iter().enumerate() {
        let trends = j >= trend_from;
        if !trends && last_alerted.is_some_and(|t| f.at.since(t) < ALERT_EVERY) {
            continue;
        }
        last_alerted = Some(f.at);
        out.push(Earlier { snapshot: f.snapshot.clone(), alerts: true, trends });
    }
    out
}

/// How often, before the trends' window, a jump samples the recording for the alert book.
const ALERT_EVERY: Duration = Duration::from_secs(10);

/// Tells the recorder when the console's incident is declared (attach its window) and when
/// it is resolved (that recording is complete).
fn follow_incident(
    state: &State,
    flight: &Flight,
    store: Option<&crate::incident::IncidentStore>,
    recording_for: &mut Option<String>,
) {
    let open = state
        .incident
        .as_ref()
        .filter(|i| i.status != crate::incident::Status::Resolved)
        .and_then(|i| i.id.clone());
    if open == *recording_for {
        return;
    }
    if recording_for.is_some() {
        flight.detach();
    }
    if let (Some(id), Some(store)) = (&open, store)
        && let Ok(parsed) = crate::incident::IncidentId::parse(id)
    {
        flight.attach(&parsed, store);
    }
    *recording_for = open;
}

/// Everything the state needs before the first frame: mode, runbooks, targets, the trends'
/// history, and a word about anything that went wrong on the way.
#[allow(clippy::too_many_arguments)]
fn prepare(
    state: &mut State,
    read_only: bool,
    audit: &Option<AuditLog>,
    audit_error: Option<String>,
    runbooks: Library,
    targets: Vec<ServerTarget>,
    backfill: Backfill,
) {
    state.read_only = read_only;
    state.library = runbooks.runbooks;
    state.targets = targets;
    absorb_backfill(state, backfill);
    let mut notes = Vec::new();
    match audit {
        Some(log) => state.audit_path = Ok(log.path().display().to_string()),
        None => {
            let why = audit_error.unwrap_or_else(|| "no audit log".into());
            state.audit_path = Err(why.clone());
            state.read_only = true;
            notes.push(format!("{why}; read-only: nothing changes without a record"));
        }
    }
    if let Some(e) = runbooks.errors.first() {
        notes.push(format!("skipped runbook: {e}"));
    }
    if !notes.is_empty() {
        state.message = Some(Message { text: notes.join("; "), error: true });
    }
}

/// Feeds earlier snapshots into the state at the times they describe, on the source's clock
/// (simulated time in the demo), the clock every age is then read on.
pub fn absorb_backfill(state: &mut State, backfill: impl IntoIterator<Item = Earlier>) {
    for earlier in backfill {
        state.absorb_earlier(earlier);
    }
}

/// The terminal's events in `app`'s terms. Terminals with the kitty protocol also report key
/// releases: the console acts on presses only. Of the mouse, only left clicks and the wheel
/// mean anything.
pub fn terminal_msg(ev: Event) -> Option<Msg> {
    match ev {
        Event::Key(k) if k.kind == KeyEventKind::Release => None,
        Event::Key(k) => Some(Msg::Key(Key::from(k))),
        Event::Mouse(m) => {
            let kind = match m.kind {
                MouseEventKind::Down(MouseButton::Left) => MouseKind::Click,
                MouseEventKind::ScrollUp => MouseKind::ScrollUp,
                MouseEventKind::ScrollDown => MouseKind::ScrollDown,
                _ => return None,
            };
            Some(Msg::Mouse(Mouse { kind, column: m.column, row: m.row }))
        }
        Event::Resize(w, h) => Some(Msg::Resize(w, h)),
        _ => None,
    }
}

/// What a feed's task reports to the loop.
enum FeedMsg {
    Collecting { feed: usize },
    Result { feed: usize, result: Result<Box<Snapshot>, SourceError>, at: Timestamp },
}

/// Collects on every interval, or at once when asked. One collection at a time: ticks that
/// pass while one is under way are skipped, and a refresh asked for meanwhile is dropped
/// because the answer on its way is already fresh.
async fn collect(
    index: usize,
    feed: Feed,
    tx: mpsc::Sender<FeedMsg>,
    mut refresh: mpsc::Receiver<()>,
    clock: Arc<dyn Clock>,
) {
    let Feed { mut telemetry, every } = feed;
    let every = every.max(Duration::from_millis(100));
    // A source that never answers must show up as an error, not as a frozen age.
    let patience = (every * 3).max(Duration::from_secs(10));
    let mut ticks = interval(every);
    ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
    loop {
        tokio::select! {
            _ = ticks.tick() => {}
            asked = refresh.recv() => if asked.is_none() { return },
        }
        if tx.send(FeedMsg::Collecting { feed: index }).await.is_err() {
            return;
        }
        let result = match timeout(patience, telemetry.collect()).await {
            Ok(r) => r.map(Box::new),
            Err(_) => Err(SourceError::Failed {
                operation: "collect".into(),
                resource: telemetry.describe(),
                message: format!("no answer within {}", fmt_duration(patience)),
            }),
        };
        while refresh.try_recv().is_ok() {}
        match telemetry.next_collect_in().filter(|soon| *soon < every) {
            Some(soon) => ticks.reset_after(soon),
            None => ticks.reset(),
        }
        if tx.send(FeedMsg::Result { feed: index, result, at: clock.now() }).await.is_err() {
            return;
        }
    }
}

/// SIGTERM and SIGHUP (the SSH session went away) end the console like `q` does, so the
/// terminal is restored.
struct Stop {
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
    #[cfg(unix)]
    hup: tokio::signal::unix::Signal,
}

impl Stop {
    #[cfg(unix)]
    fn new() -> anyhow::Result<Stop> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Stop {
            term: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            hup: signal(SignalKind::hangup()).context("listening for SIGHUP")?,
        })
    }

    #[cfg(not(unix))]
    fn new() -> anyhow::Result<Stop> {
        Ok(Stop {})
    }

    #[cfg(unix)]
    async fn recv(&mut self) {
        tokio::select! {
            _ = self.term.recv() => {}
            _ = self.hup.recv() => {}
        }
    }

    #[cfg(not(unix))]
    async fn recv(&mut self) {
        let _ = tokio::signal::ctrl_c().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MetricId, Section};
    use crate::source::sim::{Scenario, SimParams, Simulator};

    #[test]
    fn without_an_audit_log_the_console_is_read_only_and_says_why() {
        let mut state = State::new(Thresholds::default(), 10);
        let why = Some("audit log /x cannot be opened: permission denied".to_string());
        prepare(&mut state, false, &None, why, Library::default(), vec![], Box::new(std::iter::empty()));
        assert!(state.read_only);
        let text = state.message.map(|m| m.text).unwrap_or_default();
        assert!(text.contains("permission denied") && text.contains("read-only"), "{text}");
        assert!(state.audit_path.is_err());
    }

    #[test]
    fn backfill_fills_the_trends_and_dates_samples_on_the_source_clock() {
        let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 7));
        let mut snaps = Vec::new();
        for t in (0..150).step_by(5) {
            sim.advance_to(Duration::from_secs(t));
            snaps.push(Earlier { snapshot: sim.snapshot(), alerts: true, trends: t >= 50 });
        }
        let mut state = State::new(Thresholds::default(), 120);
        state.now = sim.now();
        absorb_backfill(&mut state, snaps);
        let queue = state.snapshot.connect.queues[0].name.clone();
        let series = state.history.get(Section::Queues, &queue, MetricId::ContactsInQueue).unwrap();
        assert_eq!(series.len(), 20, "only the samples meant for the trends");
        // Each sample counts at the simulated time it describes: the newest at 145 s, and the
        // Chat Bridge alert from the incident at 120 s.
        assert_eq!(state.feed.last_ok, Some(sim.now()));
        let bridge = state.alerts.iter().find(|a| a.reason.contains("Chat Bridge")).unwrap();
        assert_eq!(bridge.since, crate::source::sim::EPOCH.plus(Duration::from_secs(120)));
    }
}

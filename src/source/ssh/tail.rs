//! [`SshTail`]: a server's newest NexTalk log, followed over SFTP on a thread of its own.
//!
//! ssh2 is blocking, so each tail owns one OS thread that connects, polls and reconnects, and
//! a second one that turns raw lines into sanitised [`LogLine`]s: reading the next block over
//! SFTP and parsing the last one overlap, which is what keeps a fast-growing log at wire speed.
//! Lines travel on in batches over bounded channels (a slow reader slows both threads down
//! instead of growing memory), and the state for the status line travels over a `watch`
//! channel. Dropping the `SshTail` stops both threads.
//!
//! Polling: while the file grows, the follower reads again at once (up to `MAX_READ` per read,
//! so a burst moves in large blocks); when a read finds nothing new right after growth, the
//! next look comes after a few milliseconds, doubling up to the configured poll interval, so a
//! writer in the middle of a burst is not left waiting a whole interval, and an idle file costs
//! one poll per interval.

use super::connect::{Connection, connect};
use super::error::SshError;
use super::follow::{Follower, Poll, StartAt};
use super::remote_path::RemoteDir;
use super::settings::SshSettings;
use super::sftp_dir::SftpDir;
use crate::model::Timestamp;
use crate::sanitize::sanitize_line;
use crate::source::tailing::{LineParser, TailState};
use crate::source::{LogLine, LogTail, SourceError};
use backon::BackoffBuilder as _;
use futures::future::BoxFuture;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, watch};

/// Batches in flight between the thread and the reader (each up to 8 MiB of log).
const CHANNEL_BATCHES: usize = 4;
/// Most lines one `next_batch` returns, so one call never hands over an unbounded backlog.
const MAX_LINES_PER_BATCH: usize = 50_000;
/// The first pause after a poll that found nothing new while the file was growing; it doubles
/// on each further empty poll up to the configured poll interval.
const FAST_POLL: Duration = Duration::from_millis(2);
/// Raw batches in flight between the reading thread and the parsing thread.
const RAW_BATCHES: usize = 2;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SshTailOptions {
    /// Where to start in the newest file when the tail begins.
    pub start: StartAt,
    /// Keep following (and reconnect after errors). When false, the tail reads up to the end
    /// of the file once and stops; any error ends it.
    pub follow: bool,
    /// First pause before reconnecting; doubles (with jitter) up to `reconnect_max`.
    pub reconnect_min: Duration,
    pub reconnect_max: Duration,
}

impl Default for SshTailOptions {
    fn default() -> Self {
        SshTailOptions {
            start: StartAt::LastLines(1000),
            follow: true,
            reconnect_min: Duration::from_secs(1),
            reconnect_max: Duration::from_secs(30),
        }
    }
}

/// The reading thread's output, in order, to the parsing thread.
enum Raw {
    Lines(RawBatch),
    CaughtUp,
    Fatal(SshError),
}

/// Complete lines as read, back to back, with where each ends.
#[derive(Default)]
struct RawBatch {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    received: Timestamp,
}

impl RawBatch {
    fn push(&mut self, line: &[u8]) {
        self.bytes.extend_from_slice(line);
        self.ends.push(self.bytes.len());
    }

    fn lines(&self) -> impl Iterator<Item = &[u8]> {
        let starts = std::iter::once(0).chain(self.ends.iter().copied());
        starts.zip(self.ends.iter().copied()).map(|(a, b)| &self.bytes[a..b])
    }
}

enum Msg {
    Lines(Vec<LogLine>),
    /// The thread reached the end of the newest file.
    CaughtUp,
    Fatal(SshError),
}

pub struct SshTail {
    describe: String,
    rx: mpsc::Receiver<Msg>,
    state: watch::Receiver<TailState>,
    /// Set by the thread when it queues a `CaughtUp`, cleared when it is read: at most one
    /// is ever queued, so an idle tail does not fill the channel.
    caught_up_queued: Arc<AtomicBool>,
    /// A `CaughtUp` was read together with lines: the next call returns empty at once.
    caught_up_pending: bool,
    error: Option<SshError>,
    stop: Arc<Stopper>,
}

impl SshTail {
    /// Starts following `server`'s log in a new thread. Returns at once; connection progress
    /// shows in [`SshTail::state`].
    pub fn start(server: &str, settings: SshSettings, options: SshTailOptions) -> Result<SshTail, SshError> {
        let settings_err = |message: String| SshError::Settings { server: server.into(), message };
        settings.validate().map_err(|(field, msg)| settings_err(format!("settings: {field}: {msg}")))?;
        let pattern = glob::Pattern::new(&settings.file_glob).map_err(|e| settings_err(e.to_string()))?;
        let dir = RemoteDir::parse(&settings.log_dir);
        let follower = Follower::new(pattern, !dir.is_windows(), options.start);
        let describe = format!("ssh {server}:{}", dir.display_file(&settings.file_glob));

        let (tx, rx) = mpsc::channel(CHANNEL_BATCHES);
        let to = format!("{server} ({}:{})", settings.host, settings.port);
        let (state_tx, state) = watch::channel(TailState::Connecting { to });
        let caught_up_queued = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(Stopper::default());
        let (raw_tx, raw_rx) = std::sync::mpsc::sync_channel(RAW_BATCHES);
        let parser_tx = tx.clone();
        std::thread::Builder::new()
            .name(format!("ssh-parse-{server}"))
            .spawn(move || parse_lines(raw_rx, parser_tx))
            .map_err(|e| settings_err(format!("cannot start the parsing thread: {e}")))?;
        let worker = Worker {
            server: server.to_owned(),
            settings,
            options,
            dir,
            follower,
            raw: raw_tx,
            tx,
            state: state_tx,
            caught_up_queued: caught_up_queued.clone(),
            stop: stop.clone(),
        };
        std::thread::Builder::new()
            .name(format!("ssh-tail-{server}"))
            .spawn(move || worker.run())
            .map_err(|e| settings_err(format!("cannot start the tail thread: {e}")))?;
        Ok(SshTail { describe, rx, state, caught_up_pending: false, caught_up_queued, error: None, stop })
    }

    /// The state for the status line; `changed().await` on it to redraw when it moves.
    pub fn state(&self) -> watch::Receiver<TailState> {
        self.state.clone()
    }

    /// Why the tail stopped, when it stopped on an error. For an unknown host key,
    /// `error().and_then(SshError::unknown_host_key)` is the key to offer for acceptance.
    pub fn error(&self) -> Option<&SshError> {
        self.error.as_ref()
    }

    /// Lines as they arrive. Resolves as soon as any are there; resolves empty only when the
    /// tail has caught up with the file (once per poll interval while idle, and once right
    /// after the initial lines), or when the tail has ended. An error is returned once the tail
    /// has given up (and again on every later call).
    async fn next_lines(&mut self) -> Result<Vec<LogLine>, SourceError> {
        if let Some(e) = &self.error {
            return Err(e.clone().into());
        }
        if std::mem::take(&mut self.caught_up_pending) {
            return Ok(Vec::new());
        }
        let mut lines = match self.rx.recv().await {
            None => return Ok(Vec::new()),
            Some(Msg::Lines(lines)) => lines,
            Some(Msg::CaughtUp) => {
                self.caught_up_queued.store(false, Ordering::SeqCst);
                return Ok(Vec::new());
            }
            Some(Msg::Fatal(e)) => {
                self.error = Some(e.clone());
                return Err(e.into());
            }
        };
        // Take whatever else is already waiting, without waiting for more.
        while lines.len() < MAX_LINES_PER_BATCH {
            match self.rx.try_recv() {
                Ok(Msg::Lines(more)) => lines.extend(more),
                Ok(Msg::CaughtUp) => {
                    self.caught_up_queued.store(false, Ordering::SeqCst);
                    self.caught_up_pending = true;
                    break;
                }
                Ok(Msg::Fatal(e)) => {
                    // Deliver the lines now, the error on the next call.
                    self.error = Some(e);
                    break;
                }
                Err(_) => break,
            }
        }
        Ok(lines)
    }
}

impl LogTail for SshTail {
    fn describe(&self) -> String {
        self.describe.clone()
    }

    fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
        Box::pin(self.next_lines())
    }

    fn watch_state(&self) -> Option<watch::Receiver<TailState>> {
        Some(self.state())
    }
}

impl Drop for SshTail {
    fn drop(&mut self) {
        // Not joined: the thread may be inside a network call for up to the timeout, and the
        // UI must not wait for that. It exits as soon as it looks.
        self.stop.stop();
    }
}

/// Lets the thread sleep and still stop at once when asked.
#[derive(Default)]
struct Stopper {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stopper {
    fn stop(&self) {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner()) = true;
        self.wake.notify_all();
    }

    fn is_stopped(&self) -> bool {
        *self.stopped.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Sleeps for `d`; true when stopped meanwhile.
    fn wait(&self, d: Duration) -> bool {
        let guard = self.stopped.lock().unwrap_or_else(|e| e.into_inner());
        let (guard, _) =
            self.wake.wait_timeout_while(guard, d, |stopped| !*stopped).unwrap_or_else(|e| e.into_inner());
        *guard
    }
}

/// The parsing thread: raw lines in, sanitised `LogLine`s out, in the order they came. Ends
/// when the reading thread is gone (its sender dropped) or nobody reads the lines any more.
fn parse_lines(raw: std::sync::mpsc::Receiver<Raw>, tx: mpsc::Sender<Msg>) {
    let mut parser = LineParser::default();
    while let Ok(msg) = raw.recv() {
        let out = match msg {
            Raw::Lines(batch) => {
                let lines = batch.lines().map(|l| parser.parse(l, batch.received)).collect();
                Msg::Lines(lines)
            }
            Raw::CaughtUp => Msg::CaughtUp,
            Raw::Fatal(e) => Msg::Fatal(e),
        };
        if tx.blocking_send(out).is_err() {
            return;
        }
    }
}

struct Worker {
    server: String,
    settings: SshSettings,
    options: SshTailOptions,
    dir: RemoteDir,
    follower: Follower,
    /// To the parsing thread.
    raw: std::sync::mpsc::SyncSender<Raw>,
    /// Only to notice that nobody reads any more.
    tx: mpsc::Sender<Msg>,
    state: watch::Sender<TailState>,
    caught_up_queued: Arc<AtomicBool>,
    stop: Arc<Stopper>,
}

/// How a connection ended without an error.
enum End {
    /// Stopped, or nobody is reading any more.
    Stopped,
    /// Read once to the end (not following).
    Done,
}

impl Worker {
    fn run(mut self) {
        let mut backoff = self.backoff();
        loop {
            if self.stopped() {
                return;
            }
            let to = format!("{} ({}:{})", self.server, self.settings.host, self.settings.port);
            self.set_state(TailState::Connecting { to });
            let result = match connect(&self.server, &self.settings) {
                Ok(conn) => {
                    backoff = self.backoff(); // connected: the next failure starts short again
                    self.follow(&conn)
                }
                Err(e) => Err(e),
            };
            let error = match result {
                Ok(End::Stopped) => return,
                Ok(End::Done) => return self.set_state(TailState::Stopped),
                Err(e) => e,
            };
            if error.is_fatal() || !self.options.follow {
                self.set_state(TailState::Failed { message: error.to_string() });
                let _ = self.raw.send(Raw::Fatal(error));
                return;
            }
            let delay = backoff.next().unwrap_or(self.options.reconnect_max);
            if self.count_down(delay, &error) {
                return;
            }
        }
    }

    fn backoff(&self) -> backon::ExponentialBackoff {
        backon::ExponentialBuilder::default()
            .with_min_delay(self.options.reconnect_min)
            .with_max_delay(self.options.reconnect_max)
            .with_factor(2.0)
            .with_jitter()
            .without_max_times()
            .build()
    }

    /// Reads until the connection fails or the tail is stopped.
    fn follow(&mut self, conn: &Connection) -> Result<End, SshError> {
        let mut dir = SftpDir::new(&conn.sftp, &self.dir);
        let mut shown: Option<String> = None;
        // The pause before the next look when a poll finds nothing new: short right after the
        // file grew, doubling to the poll interval while it stays quiet.
        let mut idle_wait = self.settings.poll_interval;
        loop {
            if self.stopped() {
                return Ok(End::Stopped);
            }
            let mut batch = RawBatch { received: Timestamp::now(), ..RawBatch::default() };
            let poll = self.follower.poll(&mut dir, &mut |raw| batch.push(raw));
            let poll = match poll {
                Ok(p) => p,
                // The directory itself is missing: the connection is fine, the path is not.
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Poll::NoFile,
                // The follower rolled back; `batch` is dropped and read again after reconnecting.
                Err(e) => return Err(SshError::Sftp { server: self.server.clone(), message: e.to_string() }),
            };
            if let Some(name) = self.follower.current_file()
                && shown.as_deref() != Some(name)
            {
                shown = Some(name.to_owned());
                // File names come from the server: no escape sequences into the status line.
                let source =
                    sanitize_line(format!("{}:{}", self.server, self.dir.display_file(name)).as_bytes());
                self.set_state(TailState::Following { source });
            }
            if !batch.ends.is_empty() && self.raw.send(Raw::Lines(batch)).is_err() {
                return Ok(End::Stopped);
            }
            match poll {
                Poll::Progress => {
                    idle_wait = FAST_POLL.min(self.settings.poll_interval);
                    continue;
                }
                Poll::Idle => {}
                Poll::NoFile => {
                    if !self.options.follow {
                        return Err(SshError::NoLogFile {
                            server: self.server.clone(),
                            dir: self.dir.display().into(),
                            glob: self.settings.file_glob.clone(),
                        });
                    }
                    shown = None;
                    let reason =
                        format!("no file matching {} in {}", self.settings.file_glob, self.dir.display());
                    self.set_state(TailState::Waiting { reason });
                }
            }
            if !self.caught_up_queued.swap(true, Ordering::SeqCst) && self.raw.send(Raw::CaughtUp).is_err() {
                return Ok(End::Stopped);
            }
            if !self.options.follow {
                return Ok(End::Done);
            }
            let wait = idle_wait;
            idle_wait = (idle_wait * 2).min(self.settings.poll_interval);
            if self.stop.wait(wait) {
                return Ok(End::Stopped);
            }
        }
    }

    /// Shows "reconnecting in Ns" second by second; true when stopped meanwhile.
    fn count_down(&self, delay: Duration, error: &SshError) -> bool {
        let reason = error.to_string();
        let mut left = delay;
        while !left.is_zero() {
            let in_secs = left.as_secs() + u64::from(left.subsec_nanos() > 0);
            self.set_state(TailState::Reconnecting { in_secs, reason: reason.clone() });
            let step = left.min(Duration::from_secs(1));
            if self.stop.wait(step) {
                return true;
            }
            left -= step;
        }
        false
    }

    fn stopped(&self) -> bool {
        self.stop.is_stopped() || self.tx.is_closed()
    }

    fn set_state(&self, state: TailState) {
        self.state.send_if_modified(|s| {
            let changed = *s != state;
            *s = state;
            changed
        });
    }
}

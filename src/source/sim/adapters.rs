//! The simulator behind the source traits. All adapters share one simulator and one clock;
//! each call first brings simulated time up to the clock, then does its work, holding the lock
//! only for that (never across an await: the futures they return are already complete).

use super::{SharedSim, Simulator};
use crate::model::{Snapshot, Timestamp};
use crate::source::aws::lambda_logs::{ErrorFilter, event_lines, log_group};
use crate::source::logs::{LogLevel, LogLine, LogTail};
use crate::source::remote::{CommandId, Invocation, Remote, RemoteAction, RemoteError, Target};
use crate::source::{Clock, SourceError, Telemetry};
use futures::FutureExt;
use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// At most this much simulated time is computed in one call. After a long pause (a laptop
/// asleep, a debugger) the clock is re-anchored instead of freezing the console to catch up.
const MAX_CATCH_UP: Duration = Duration::from_secs(3600);

/// Fastest supported clock: a simulated day in under a tenth of a second.
pub const MAX_SPEED: f64 = 1_000_000.0;

/// How simulated time follows the wall clock.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum SimClock {
    /// Simulated elapsed time = `base` + real time since `started` × `speed`.
    Real { started: Instant, base: Duration, speed: f64 },
    /// Time moves only when someone steps the simulator (tests, scripted demos).
    Manual,
}

impl SimClock {
    fn target(&self) -> Option<Duration> {
        match *self {
            SimClock::Real { started, base, speed } => Some(base + started.elapsed().mul_f64(speed)),
            SimClock::Manual => None,
        }
    }
}

/// A shared simulator and the clock that drives it; cheap to clone, one per adapter.
#[derive(Debug, Clone)]
pub struct SimHandle {
    sim: SharedSim,
    clock: Arc<Mutex<SimClock>>,
}

fn poisoned() -> String {
    "simulator state lost: an earlier panic poisoned its lock".to_string()
}

impl SimHandle {
    /// Runs `speed` simulated seconds per real second from the simulator's current time. A
    /// speed that is not a positive finite number counts as 1; above [`MAX_SPEED`] it is capped.
    pub fn realtime(sim: SharedSim, speed: f64) -> SimHandle {
        let base = sim.lock().map(|s| s.elapsed()).unwrap_or_default();
        // Bounded so that elapsed × speed can never overflow a Duration (which would panic).
        let speed = if speed.is_finite() && speed > 0.0 { speed.min(MAX_SPEED) } else { 1.0 };
        let clock = SimClock::Real { started: Instant::now(), base, speed };
        SimHandle { sim, clock: Arc::new(Mutex::new(clock)) }
    }

    pub fn manual(sim: SharedSim) -> SimHandle {
        SimHandle { sim, clock: Arc::new(Mutex::new(SimClock::Manual)) }
    }

    pub fn sim(&self) -> &SharedSim {
        &self.sim
    }

    /// Brings simulated time up to the clock, then runs `f` on the simulator.
    pub fn with<R>(&self, f: impl FnOnce(&mut Simulator) -> R) -> Result<R, String> {
        let target = self.clock.lock().map_err(|_| poisoned())?.target();
        let mut sim = self.sim.lock().map_err(|_| poisoned())?;
        if let Some(target) = target {
            let now = sim.elapsed();
            let reachable = target.min(now + MAX_CATCH_UP);
            sim.advance_to(reachable);
            if reachable < target {
                let elapsed = sim.elapsed();
                drop(sim);
                if let Ok(mut clock) = self.clock.lock()
                    && let SimClock::Real { started, base, .. } = &mut *clock
                {
                    *started = Instant::now();
                    *base = elapsed;
                }
                sim = self.sim.lock().map_err(|_| poisoned())?;
            }
        }
        Ok(f(&mut sim))
    }
}

/// Simulated time as the clock reads it now, whether or not a source has caught up with it
/// yet: the instant the next snapshot will describe.
impl Clock for SimHandle {
    fn now(&self) -> Timestamp {
        let target = self.clock.lock().ok().and_then(|c| c.target());
        match target {
            Some(t) => super::EPOCH.plus(t),
            // A manual clock is wherever the simulator was stepped to.
            None => self.sim.lock().map(|s| s.now()).unwrap_or(super::EPOCH),
        }
    }
}

/// Telemetry from the simulator.
#[derive(Debug, Clone)]
pub struct SimSource {
    handle: SimHandle,
    label: String,
}

impl SimSource {
    pub fn new(handle: SimHandle) -> SimSource {
        let label =
            handle.with(|s| format!("demo:{}", s.scenario().name())).unwrap_or_else(|_| "demo".into());
        SimSource { handle, label }
    }

    pub fn handle(&self) -> &SimHandle {
        &self.handle
    }

    /// A snapshot right now, without going through the async trait.
    pub fn collect_now(&self) -> Result<Snapshot, SourceError> {
        self.handle.with(|s| s.snapshot()).map_err(|message| SourceError::Failed {
            operation: "collect".into(),
            resource: self.label.clone(),
            message,
        })
    }
}

impl Telemetry for SimSource {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        futures::future::ready(self.collect_now()).boxed()
    }
}

/// Remote commands on the simulated NexTalk servers.
#[derive(Debug, Clone)]
pub struct SimRemote {
    handle: SimHandle,
}

impl SimRemote {
    pub fn new(handle: SimHandle) -> SimRemote {
        SimRemote { handle }
    }

    fn run<R>(
        &self,
        operation: &str,
        f: impl FnOnce(&mut Simulator) -> Result<R, RemoteError>,
    ) -> Result<R, RemoteError> {
        self.handle
            .with(f)
            .unwrap_or_else(|message| Err(RemoteError::Failed { operation: operation.into(), message }))
    }
}

impl Remote for SimRemote {
    fn describe(&self) -> String {
        "demo SSM Run Command".into()
    }

    fn send<'a>(
        &'a self,
        action: &'a RemoteAction,
        targets: &'a [Target],
    ) -> BoxFuture<'a, Result<CommandId, RemoteError>> {
        futures::future::ready(self.run("SendCommand", |s| s.submit(action, targets))).boxed()
    }

    fn poll<'a>(
        &'a self,
        id: &'a CommandId,
        target: &'a Target,
    ) -> BoxFuture<'a, Result<Invocation, RemoteError>> {
        futures::future::ready(self.run("GetCommandInvocation", |s| s.invocation(id, &target.server))).boxed()
    }

    fn cancel<'a>(&'a self, id: &'a CommandId) -> BoxFuture<'a, Result<(), RemoteError>> {
        futures::future::ready(self.run("CancelCommand", |s| s.cancel(id))).boxed()
    }
}

/// Follows one simulated server's NexTalk log, like `Get-Content -Tail N -Wait`.
#[derive(Debug, Clone)]
pub struct SimLogTail {
    handle: SimHandle,
    server: String,
    /// Lines shown on the first call, before following.
    backlog: usize,
    next_seq: Option<u64>,
}

impl SimLogTail {
    pub fn new(handle: SimHandle, server: impl Into<String>, backlog: usize) -> SimLogTail {
        SimLogTail { handle, server: server.into(), backlog, next_seq: None }
    }

    fn fail(&self, message: String) -> SourceError {
        SourceError::Failed { operation: "tail log".into(), resource: self.server.clone(), message }
    }

    fn read(&mut self) -> Result<Vec<LogLine>, SourceError> {
        let (server, next_seq, backlog) = (self.server.clone(), self.next_seq, self.backlog);
        let read = self
            .handle
            .with(|s| match next_seq {
                None => Some((s.log_tail(&server, backlog)?, 0, s.log_next_seq(&server)?, s.now())),
                Some(seq) => s.log_since(&server, seq).map(|b| (b.lines, b.skipped, b.next_seq, s.now())),
            })
            .map_err(|m| self.fail(m))?;
        let Some((mut lines, skipped, next, now)) = read else {
            return Err(self.fail("unknown NexTalk server".into()));
        };
        self.next_seq = Some(next);
        if skipped > 0 {
            let text =
                format!("[switchboard] {skipped} log lines were rotated away before they could be read");
            lines.insert(0, LogLine { at: lines.first().map_or(now, |l| l.at), level: LogLevel::Warn, text });
        }
        Ok(lines)
    }
}

impl LogTail for SimLogTail {
    fn describe(&self) -> String {
        format!("demo {}: C:\\ProgramData\\NexTalk\\Logs\\NexTalk.log", self.server)
    }

    fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
        futures::future::ready(self.read()).boxed()
    }
}

/// Follows one simulated Lambda function's error events, as `LambdaErrorLog` does in
/// CloudWatch Logs: the invocations of the look-back window first, then new ones; only the
/// events the error filter matches, split into lines the same way.
#[derive(Debug, Clone)]
pub struct SimLambdaLog {
    handle: SimHandle,
    function: String,
    lookback: Duration,
    filter: ErrorFilter,
    next_seq: Option<u64>,
}

impl SimLambdaLog {
    pub fn new(handle: SimHandle, function: impl Into<String>, lookback: Duration) -> SimLambdaLog {
        SimLambdaLog {
            handle,
            function: function.into(),
            lookback,
            filter: ErrorFilter::default(),
            next_seq: None,
        }
    }

    fn fail(&self, message: String) -> SourceError {
        SourceError::Failed {
            operation: "FilterLogEvents".into(),
            resource: log_group(&self.function),
            message,
        }
    }

    fn read(&mut self) -> Result<Vec<LogLine>, SourceError> {
        let (function, next_seq, lookback) = (self.function.clone(), self.next_seq, self.lookback);
        let batch = self
            .handle
            .with(|s| match next_seq {
                None => {
                    let from = Timestamp(s.now().0.saturating_sub(lookback.as_millis() as u64));
                    s.lambda_log_from(&function, from)
                }
                Some(seq) => s.lambda_log_since(&function, seq),
            })
            .map_err(|m| self.fail(m))?;
        let Some(batch) = batch else {
            return Err(self.fail("log group not found: no such function in the demo".into()));
        };
        self.next_seq = Some(batch.next_seq);
        let mut lines = Vec::new();
        if batch.skipped > 0 {
            let at = batch.events.first().map_or(Timestamp(0), |e| e.at);
            let text =
                format!("[switchboard] {} invocations left the log before they could be read", batch.skipped);
            lines.push(LogLine { at, level: LogLevel::Warn, text });
        }
        for e in batch.events.iter().filter(|e| self.filter.matches(&e.message)) {
            lines.extend(event_lines(e.at, &e.message));
        }
        Ok(lines)
    }
}

impl LogTail for SimLambdaLog {
    fn describe(&self) -> String {
        format!("demo {} errors (filter {})", log_group(&self.function), self.filter.pattern())
    }

    fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
        futures::future::ready(self.read()).boxed()
    }
}

//! A flight recording played back as a source, like the simulator: its [`Player`] is the
//! console's clock (the recording's own time, moving at `speed` while it plays) and its
//! [`ReplaySource`] hands the console the frame at that time. Pausing, seeking and the speed
//! are [`ReplayOp`]s the console's keys ask for. Nothing here changes anything: the replay's
//! [`ReplayRemote`] and [`ReplayLogs`] refuse every command and log.

use crate::model::{Snapshot, Timestamp};
use crate::source::recording::{Frame, Recording};
use crate::source::{
    Clock, CommandId, Invocation, LogOpener, LogTail, Remote, RemoteAction, RemoteError, SourceError, Target,
    Telemetry,
};
use futures::future::BoxFuture;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// What the keys ask of a replay.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ReplayOp {
    TogglePause,
    /// Move by this much on the recording's clock (negative: back).
    Step(i64),
    /// Go to this instant of the recording.
    Seek(Timestamp),
    /// Twice as fast, or half (within [`SPEEDS`]).
    Faster,
    Slower,
}

/// The speeds `+`/`-` step through.
pub const SPEEDS: [f64; 11] = [0.25, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 60.0, 120.0, 300.0];

/// Where a replay is, for the status bar.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReplayStatus {
    pub position: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub speed: f64,
    pub paused: bool,
}

#[derive(Debug)]
struct Play {
    /// The position at `since`, from where it moves on at `speed` unless paused.
    at: Timestamp,
    since: Instant,
    speed: f64,
    paused: bool,
}

/// The recording and where the playback is in it.
pub struct Player {
    frames: Vec<Frame>,
    play: Mutex<Play>,
}

impl Player {
    /// Starts at the recording's first frame, playing at `speed`.
    pub fn new(rec: Recording, speed: f64) -> Arc<Player> {
        let at = rec.start().unwrap_or_default();
        let play = Play { at, since: Instant::now(), speed, paused: false };
        Arc::new(Player { frames: rec.frames, play: Mutex::new(play) })
    }

    pub fn frames(&self) -> &[Frame] {
        &self.frames
    }

    fn start(&self) -> Timestamp {
        self.frames.first().map(|f| f.at).unwrap_or_default()
    }

    fn end(&self) -> Timestamp {
        self.frames.last().map(|f| f.at).unwrap_or_default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Play> {
        // A panic while holding it leaves plain numbers behind: still usable.
        self.play.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn position_of(&self, p: &Play) -> Timestamp {
        if p.paused {
            return p.at;
        }
        let moved = p.since.elapsed().as_secs_f64() * p.speed * 1000.0;
        Timestamp(p.at.0.saturating_add(moved as u64)).min(self.end())
    }

    pub fn status(&self) -> ReplayStatus {
        let p = self.lock();
        let position = self.position_of(&p);
        // At the end it stops, and says so: the clock does not run on past the recording.
        let paused = p.paused || position >= self.end();
        ReplayStatus { position, start: self.start(), end: self.end(), speed: p.speed, paused }
    }

    /// Carries out `op`; true when the position jumped (the console then rebuilds what it
    /// shows from the frames before the new position).
    pub fn apply(&self, op: ReplayOp) -> bool {
        let mut p = self.lock();
        let now = self.position_of(&p);
        p.at = now;
        p.since = Instant::now();
        match op {
            ReplayOp::TogglePause => {
                // Play again from the start once it reached the end.
                if p.paused || now >= self.end() {
                    p.paused = false;
                    if now >= self.end() {
                        p.at = self.start();
                        return true;
                    }
                } else {
                    p.paused = true;
                }
                false
            }
            ReplayOp::Step(ms) => {
                let to = if ms < 0 {
                    now.0.saturating_sub(ms.unsigned_abs())
                } else {
                    now.0.saturating_add(ms as u64)
                };
                p.at = Timestamp(to).clamp(self.start(), self.end());
                true
            }
            ReplayOp::Seek(t) => {
                p.at = t.clamp(self.start(), self.end());
                true
            }
            ReplayOp::Faster | ReplayOp::Slower => {
                let i = SPEEDS.iter().position(|s| *s >= p.speed).unwrap_or(SPEEDS.len() - 1);
                let i = match op {
                    ReplayOp::Faster if SPEEDS[i] > p.speed => i,
                    ReplayOp::Faster => (i + 1).min(SPEEDS.len() - 1),
                    _ => i.saturating_sub(1),
                };
                p.speed = SPEEDS[i];
                false
            }
        }
    }

    /// The index of the frame on screen at `at`.
    pub fn frame_at(&self, at: Timestamp) -> usize {
        self.frames.partition_point(|f| f.at <= at).saturating_sub(1)
    }
}

impl Clock for Player {
    fn now(&self) -> Timestamp {
        self.position_of(&self.lock())
    }
}

/// The replay's telemetry: the frame at the player's position, each frame once; while
/// nothing new is due (paused, frames far apart) it waits, answering the frame on screen again
/// every few seconds so the console never takes the replay for a source that hangs.
pub struct ReplaySource {
    player: Arc<Player>,
    last: Option<usize>,
    label: String,
}

/// How long a collection waits for the next frame before answering the current one again.
const HEARTBEAT: Duration = Duration::from_secs(3);

impl ReplaySource {
    pub fn new(player: Arc<Player>, label: String) -> ReplaySource {
        ReplaySource { player, last: None, label }
    }
}

impl Telemetry for ReplaySource {
    fn describe(&self) -> String {
        self.label.clone()
    }

    fn collect(&mut self) -> BoxFuture<'_, Result<Snapshot, SourceError>> {
        Box::pin(async move {
            let waited = Instant::now();
            loop {
                let i = self.player.frame_at(self.player.now());
                if self.last != Some(i) || waited.elapsed() >= HEARTBEAT {
                    self.last = Some(i);
                    return self.player.frames.get(i).map(|f| f.snapshot.clone()).ok_or_else(|| {
                        SourceError::Failed {
                            operation: "replay".into(),
                            resource: self.label.clone(),
                            message: "the recording holds no frames".into(),
                        }
                    });
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        })
    }
}

const REFUSED: &str = "a replay changes nothing (it plays back a recording)";

/// Every command is refused: a replay has nothing to send it to.
pub struct ReplayRemote;

impl Remote for ReplayRemote {
    fn describe(&self) -> String {
        "replay (no remote)".into()
    }

    fn send<'a>(
        &'a self,
        _: &'a RemoteAction,
        _: &'a [Target],
    ) -> BoxFuture<'a, Result<CommandId, RemoteError>> {
        Box::pin(async { Err(RemoteError::Refused(REFUSED.into())) })
    }

    fn poll<'a>(
        &'a self,
        id: &'a CommandId,
        _: &'a Target,
    ) -> BoxFuture<'a, Result<Invocation, RemoteError>> {
        Box::pin(async move { Err(RemoteError::UnknownCommand(id.0.clone())) })
    }

    fn cancel<'a>(&'a self, _: &'a CommandId) -> BoxFuture<'a, Result<(), RemoteError>> {
        Box::pin(async { Err(RemoteError::Refused(REFUSED.into())) })
    }
}

/// A recording holds telemetry, not logs.
pub struct ReplayLogs;

impl LogOpener for ReplayLogs {
    fn describe(&self) -> String {
        "replay (no logs)".into()
    }

    fn server_log(&self, server: &str) -> Result<Box<dyn LogTail>, String> {
        Err(format!("{server}: a recording holds telemetry, not logs"))
    }

    fn lambda_log(&self, function: &str) -> Result<Box<dyn LogTail>, String> {
        Err(format!("{function}: a recording holds telemetry, not logs"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recording(n: u64) -> Recording {
        let frames = (0..n)
            .map(|i| {
                let at = Timestamp::from_secs(1000 + i * 2);
                Frame { at, snapshot: Snapshot { taken_at: at, ..Snapshot::default() } }
            })
            .collect();
        Recording {
            path: "r".into(),
            source: "demo".into(),
            simulated: true,
            frames,
            incidents: vec![],
            cut_short: None,
        }
    }

    #[test]
    fn seeking_stepping_and_speed_move_the_position_on_the_recordings_clock() {
        let p = Player::new(recording(100), 1.0);
        assert!(!p.apply(ReplayOp::TogglePause));
        let s = p.status();
        assert!(s.paused);
        assert_eq!(s.position, Timestamp::from_secs(1000));
        assert!(p.apply(ReplayOp::Step(30_000)));
        assert_eq!(p.now(), Timestamp::from_secs(1030));
        assert_eq!(p.frame_at(p.now()), 15);
        assert!(p.apply(ReplayOp::Step(-60_000)));
        assert_eq!(p.now(), Timestamp::from_secs(1000), "not before the start");
        p.apply(ReplayOp::Seek(Timestamp::from_secs(9999)));
        assert_eq!(p.now(), Timestamp::from_secs(1198), "not past the end");
        p.apply(ReplayOp::Faster);
        p.apply(ReplayOp::Faster);
        assert_eq!(p.status().speed, 4.0);
        p.apply(ReplayOp::Slower);
        assert_eq!(p.status().speed, 2.0);
        for _ in 0..20 {
            p.apply(ReplayOp::Slower);
        }
        assert_eq!(p.status().speed, SPEEDS[0]);
        // At the end, play starts over.
        assert!(p.apply(ReplayOp::TogglePause));
        assert_eq!(p.status().position, Timestamp::from_secs(1000));
        assert!(!p.status().paused);
    }

    #[tokio::test]
    async fn the_source_hands_out_the_frame_at_the_position_once() {
        let p = Player::new(recording(10), 1.0);
        p.apply(ReplayOp::TogglePause);
        let mut src = ReplaySource::new(p.clone(), "replay".into());
        assert_eq!(src.collect().await.unwrap().taken_at, Timestamp::from_secs(1000));
        p.apply(ReplayOp::Seek(Timestamp::from_secs(1005)));
        assert_eq!(src.collect().await.unwrap().taken_at, Timestamp::from_secs(1004));
        // Paused and nothing new: the same frame again, only after the heartbeat.
        let t = Instant::now();
        assert_eq!(src.collect().await.unwrap().taken_at, Timestamp::from_secs(1004));
        assert!(t.elapsed() >= HEARTBEAT);
    }

    #[tokio::test]
    async fn every_command_is_refused() {
        let e =
            ReplayRemote.send(&RemoteAction::RestartService { service: "x".into() }, &[]).await.unwrap_err();
        assert!(e.to_string().contains("a replay changes nothing"), "{e}");
    }
}

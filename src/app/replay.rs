//! `switchboard replay`: the console on a flight recording. The state knows where the playback
//! is (for the status bar) and which events of the incident's timeline it marks; the keys ask
//! the player (in the console shell) to pause, step, seek or change speed.

use crate::app::msg::Effect;
use crate::app::state::{Earlier, Message, State};
use crate::keymap::Action;
use crate::model::Timestamp;
use crate::source::replay::{ReplayOp, ReplayStatus};

/// How far ←/→ move on the recording's clock.
pub const STEP_MS: i64 = 10_000;

/// An event of the timeline at a time of the recording.
#[derive(Debug, Clone, PartialEq)]
pub struct Marker {
    pub at: Timestamp,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReplayView {
    pub status: ReplayStatus,
    /// Oldest first.
    pub markers: Vec<Marker>,
}

impl ReplayView {
    pub fn new(status: ReplayStatus, mut markers: Vec<Marker>) -> ReplayView {
        markers.sort_by_key(|m| m.at);
        ReplayView { status, markers }
    }

    /// How many markers are at or before the position.
    pub fn passed(&self) -> usize {
        self.markers.partition_point(|m| m.at <= self.status.position)
    }
}

pub fn action(state: &mut State, action: Action, fx: &mut Vec<Effect>) {
    let Some(view) = &state.replay else {
        let text = format!("{}: only in a replay (switchboard replay FILE)", action.description());
        state.message = Some(Message { text, error: true });
        return;
    };
    let pos = view.status.position;
    let op = match action {
        Action::ReplayPause => ReplayOp::TogglePause,
        Action::ReplayBack => ReplayOp::Step(-STEP_MS),
        Action::ReplayForward => ReplayOp::Step(STEP_MS),
        Action::ReplaySlower => ReplayOp::Slower,
        Action::ReplayFaster => ReplayOp::Faster,
        Action::ReplayNextEvent | Action::ReplayPrevEvent => {
            let next = action == Action::ReplayNextEvent;
            // A second after the one just jumped to counts as "at it": `]` twice moves on.
            let found = if next {
                view.markers.iter().enumerate().find(|(_, m)| m.at.0 > pos.0 + 999)
            } else {
                view.markers.iter().enumerate().rev().find(|(_, m)| m.at.0 + 999 < pos.0)
            };
            let Some((i, m)) = found else {
                let text = if next {
                    "no marked event after this point"
                } else {
                    "no marked event before this point"
                };
                state.message = Some(Message { text: text.into(), error: false });
                return;
            };
            // What happened first: the line is cut at the right on a narrow screen.
            let text = format!("{} {} (event {}/{})", m.at.clock(), m.text, i + 1, view.markers.len());
            let at = m.at;
            state.message = Some(Message { text, error: false });
            ReplayOp::Seek(at)
        }
        // Only the replay's own actions come here.
        _ => return,
    };
    fx.push(Effect::Replay(op));
}

pub fn on_status(state: &mut State, status: ReplayStatus) {
    if let Some(view) = state.replay.as_mut()
        && view.status != status
    {
        view.status = status;
        // The console's clock is the recording's: ages are read at the position.
        state.now = status.position;
        state.dirty = true;
    }
}

/// The replay jumped: everything on screen is rebuilt from the frames before the new
/// position, as if the console had been watching up to there.
pub fn on_rewind(state: &mut State, earlier: Vec<Earlier>) {
    state.rewind();
    for e in earlier {
        state.absorb_earlier(e);
    }
    if let Some(view) = &state.replay {
        state.now = view.status.position;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Thresholds;

    fn replaying(at: u64) -> State {
        let mut s = State::new(Thresholds::default(), 10);
        let status = ReplayStatus {
            position: Timestamp::from_secs(at),
            start: Timestamp::from_secs(0),
            end: Timestamp::from_secs(1000),
            speed: 1.0,
            paused: false,
        };
        let markers = ["declared", "restart sent", "alert cleared"]
            .iter()
            .zip([300, 100, 500])
            .map(|(t, at)| Marker { at: Timestamp::from_secs(at), text: t.to_string() })
            .collect();
        s.replay = Some(ReplayView::new(status, markers));
        s
    }

    #[test]
    fn the_event_keys_seek_to_the_next_and_previous_marker() {
        let mut s = replaying(150);
        let mut fx = Vec::new();
        action(&mut s, Action::ReplayNextEvent, &mut fx);
        assert_eq!(fx, vec![Effect::Replay(ReplayOp::Seek(Timestamp::from_secs(300)))]);
        assert_eq!(s.message.as_ref().unwrap().text, "00:05:00 declared (event 2/3)");
        let mut fx = Vec::new();
        action(&mut s, Action::ReplayPrevEvent, &mut fx);
        assert_eq!(fx, vec![Effect::Replay(ReplayOp::Seek(Timestamp::from_secs(100)))]);
        // At the marker itself (the player lands on it), `]` moves on to the one after.
        let mut s = replaying(300);
        let mut fx = Vec::new();
        action(&mut s, Action::ReplayNextEvent, &mut fx);
        assert_eq!(fx, vec![Effect::Replay(ReplayOp::Seek(Timestamp::from_secs(500)))]);
        // Just after a marker jumped to (playing on), `[` goes to the one before it.
        let mut s = replaying(300);
        s.replay.as_mut().unwrap().status.position = Timestamp(300_500);
        let mut fx = Vec::new();
        action(&mut s, Action::ReplayPrevEvent, &mut fx);
        assert_eq!(fx, vec![Effect::Replay(ReplayOp::Seek(Timestamp::from_secs(100)))]);
        let mut s = replaying(600);
        let mut fx = Vec::new();
        action(&mut s, Action::ReplayNextEvent, &mut fx);
        assert!(fx.is_empty());
        assert_eq!(s.replay.as_ref().unwrap().passed(), 3);
    }

    #[test]
    fn outside_a_replay_the_keys_say_so_and_do_nothing() {
        let mut s = State::new(Thresholds::default(), 10);
        let mut fx = Vec::new();
        action(&mut s, Action::ReplayPause, &mut fx);
        assert!(fx.is_empty());
        assert!(s.message.unwrap().text.contains("only in a replay"));
    }
}

//! Every action a key can be bound to, by the name used in keymap files.

use serde::Serialize;

macro_rules! actions {
    ($( $id:ident => ($name:literal, $desc:literal) ),+ $(,)?) => {
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        pub enum Action { $($id),+ }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$id),+];

            /// The name used in keymap files (`run = "..."`).
            pub fn name(self) -> &'static str {
                match self { $(Action::$id => $name),+ }
            }

            /// Default description for the help overlay.
            pub fn description(self) -> &'static str {
                match self { $(Action::$id => $desc),+ }
            }
        }
    };
}

actions! {
    Quit => ("quit", "Quit"),
    Help => ("help", "Show or hide this help"),
    Back => ("back", "Back / close"),
    NextPane => ("pane.next", "Next pane"),
    PrevPane => ("pane.prev", "Previous pane"),
    PaneQueues => ("pane.queues", "Go to the Queues pane"),
    PaneConnect => ("pane.connect", "Go to the Connect pane"),
    PaneLambda => ("pane.lambda", "Go to the Lambda pane"),
    PaneKinesis => ("pane.kinesis", "Go to the Kinesis pane"),
    PaneDynamoDb => ("pane.dynamodb", "Go to the DynamoDB pane"),
    PaneNexTalk => ("pane.nextalk", "Go to the NexTalk pane"),
    PaneAlerts => ("pane.alerts", "Go to the alerts list"),
    ZoomPane => ("pane.zoom", "Zoom the focused pane"),
    CommandPalette => ("palette", "Command palette (:theme, :pane, :quit…)"),
    Refresh => ("refresh", "Refresh now"),
    ToggleMouse => ("mouse.toggle", "Turn mouse support on or off"),
    ReadOnly => ("readonly.on", "Switch to read-only for the rest of the session"),
    Up => ("row.up", "Move up"),
    Down => ("row.down", "Move down"),
    PageUp => ("row.page_up", "Page up"),
    PageDown => ("row.page_down", "Page down"),
    Top => ("row.top", "First row"),
    Bottom => ("row.bottom", "Last row"),
    Detail => ("detail", "Details of the selected row"),
    Filter => ("filter", "Filter the focused table"),
    CycleSort => ("sort.cycle", "Cycle the sort order"),
    Runbooks => ("runbooks", "Runbooks for the current alerts"),
    Flags => ("flags", "Emergency flags: current values, set one (confirmed)"),
    RestartService => ("service.restart", "Restart the selected Windows service"),
    OpenLog => ("log.open", "Open the log of the selected server or Lambda function"),
    Confirm => ("confirm", "Confirm"),
    Cancel => ("cancel", "Cancel"),
    NextChoice => ("choice.next", "Next choice"),
    PrevChoice => ("choice.prev", "Previous choice"),
    FilterAccept => ("filter.accept", "Keep the filter"),
    FilterClear => ("filter.clear", "Clear the filter"),
    FollowLog => ("log.follow", "Follow the log (jump to the end)"),
    SearchNext => ("search.next", "Next match"),
    SearchPrev => ("search.prev", "Previous match"),
    ToggleWrap => ("log.wrap", "Wrap long lines"),
    CycleLevel => ("log.level", "Cycle the level filter (ERROR/WARN/INFO)"),
    SaveLog => ("log.save", "Save the view's lines (at its level filter) to a file"),
    Incident => ("incident", "Declare an incident from the alert (or show the open one)"),
    IncidentNote => ("incident.note", "Add a note to the open incident"),
    IncidentMitigated => ("incident.mitigated", "Mark the open incident mitigated"),
    ReplayPause => ("replay.pause", "Replay: pause or play"),
    ReplayBack => ("replay.back", "Replay: 10 s back"),
    ReplayForward => ("replay.forward", "Replay: 10 s on"),
    ReplaySlower => ("replay.slower", "Replay: half the speed"),
    ReplayFaster => ("replay.faster", "Replay: twice the speed"),
    ReplayNextEvent => ("replay.next_event", "Replay: jump to the next marked event"),
    ReplayPrevEvent => ("replay.prev_event", "Replay: jump to the previous marked event"),
}

impl Action {
    pub fn from_name(name: &str) -> Option<Action> {
        Action::ALL.iter().copied().find(|a| a.name() == name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_are_unique() {
        for a in Action::ALL {
            assert_eq!(Action::from_name(a.name()), Some(*a));
        }
        let mut names: Vec<_> = Action::ALL.iter().map(|a| a.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), Action::ALL.len());
    }
}

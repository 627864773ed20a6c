//! The confirmation dialog (before anything runs on a server) and the manual-step prompt.
//! Both open on their harmless button; the harmful one may be disabled (read-only, or the
//! service name not typed yet when several servers are hit).

use crate::source::{RemoteAction, Target};

/// What answering the dialog feeds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// A runbook action step (`Request::Confirm`).
    Step { step: usize },
    /// Ctrl-r on a service row.
    Restart,
    /// A value chosen in the Flags view.
    Flag,
    /// A runbook manual step: done, skipped, or left for later.
    Manual { step: usize },
    /// A runbook action the engineer cancelled: offer it again, skip it, or leave it for later.
    Declined { step: usize },
}

/// The buttons, left to right. The first one of each set is the safe default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Cancel,
    Run,
    /// Manual step: close the prompt, the step stays open.
    Later,
    Skip,
    Done,
    /// A declined action: show its confirmation again.
    Retry,
}

impl Button {
    pub fn label(self) -> &'static str {
        match self {
            Button::Cancel => "Cancel",
            Button::Run => "Run",
            Button::Later => "Not yet",
            Button::Skip => "Skip",
            Button::Done => "Done",
            Button::Retry => "Retry",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dialog {
    pub purpose: Purpose,
    pub title: String,
    /// The remote command that will run, when there is one (an open-log step has none).
    pub action: Option<RemoteAction>,
    pub targets: Vec<Target>,
    /// One line: `restart service NexTalk Chat Bridge on nt-a (i-0a1…)`.
    pub summary: String,
    /// The manual step's instruction.
    pub instruction: Option<String>,
    pub mutating: bool,
    /// Why Run is disabled for good (read-only mode).
    pub refusal: Option<String>,
    /// Index into `buttons()`.
    pub choice: usize,
    /// What must be typed before Run is enabled (the service name, when restarting it on
    /// more than one server at once).
    pub must_type: Option<String>,
    pub typed: String,
    /// What the action does to live traffic, from the telemetry at hand (kept current while
    /// the dialog is open); a non-zero or unknown impact needs the name typed.
    pub impact: Option<crate::runbook::impact::Impact>,
    /// Why the runbook offers this: the failed checks' evidence about these targets, so the
    /// engineer sees the cause beside the command whatever the dialog covers.
    pub why: Vec<String>,
}

impl Dialog {
    /// A confirmation for `action` (or a UI effect when `None`) on `targets`.
    pub fn confirm(
        purpose: Purpose,
        title: String,
        action: Option<RemoteAction>,
        targets: Vec<Target>,
        summary: String,
        mutating: bool,
    ) -> Dialog {
        let must_type = match &action {
            Some(RemoteAction::RestartService { service }) if targets.len() > 1 => Some(service.clone()),
            // One server, or nothing that changes anything: the buttons are enough.
            Some(
                RemoteAction::RestartService { .. }
                | RemoteAction::QueryServices { .. }
                | RemoteAction::TailLog { .. }
                | RemoteAction::ResolveDns { .. }
                | RemoteAction::TestTcp { .. }
                | RemoteAction::ReadCounter { .. }
                // One resource each, shown before and after in the summary.
                | RemoteAction::SetParameter { .. }
                | RemoteAction::UpdateTable { .. }
                | RemoteAction::UpdateShardCount { .. }
                | RemoteAction::ModifyDbStorage { .. }
                | RemoteAction::RoutingProfileQueue(_),
            )
            | None => None,
        };
        Dialog {
            purpose,
            title,
            action,
            targets,
            summary,
            instruction: None,
            mutating,
            refusal: None,
            choice: 0,
            must_type,
            typed: String::new(),
            impact: None,
            why: Vec::new(),
        }
    }

    /// Sets the impact, and with it whether the name must be typed: one server and nothing
    /// live affected is the only case the buttons alone are enough for.
    pub fn set_impact(&mut self, impact: crate::runbook::impact::Impact) {
        let several = self.targets.len() > 1;
        self.must_type = match &self.action {
            Some(RemoteAction::RestartService { service }) if several || impact.needs_typing() => {
                Some(service.clone())
            }
            // Storage scaling is without downtime only on SSD volumes: on magnetic storage, or
            // with the type unknown, the impact is unknown and the instance's id is typed.
            Some(RemoteAction::ModifyDbStorage { instance, .. }) if impact.needs_typing() => Some(instance.clone()),
            // Its agents leave their own callers for another queue's: typed, like a restart.
            Some(RemoteAction::RoutingProfileQueue(c)) if impact.needs_typing() => Some(c.routing_profile.clone()),
            Some(
                RemoteAction::RestartService { .. }
                | RemoteAction::QueryServices { .. }
                | RemoteAction::TailLog { .. }
                | RemoteAction::ResolveDns { .. }
                | RemoteAction::TestTcp { .. }
                | RemoteAction::ReadCounter { .. }
                // One resource each, shown before and after in the summary; nothing in progress
                // is interrupted (their impact says so).
                | RemoteAction::SetParameter { .. }
                | RemoteAction::UpdateTable { .. }
                | RemoteAction::UpdateShardCount { .. }
                | RemoteAction::ModifyDbStorage { .. }
                | RemoteAction::RoutingProfileQueue(_),
            )
            | None => None,
        };
        self.impact = Some(impact);
        self.settle();
    }

    pub fn manual(step: usize, title: String, instruction: String) -> Dialog {
        Dialog {
            purpose: Purpose::Manual { step },
            title,
            action: None,
            targets: Vec::new(),
            summary: String::new(),
            instruction: Some(instruction),
            mutating: false,
            refusal: None,
            choice: 0,
            must_type: None,
            typed: String::new(),
            impact: None,
            why: Vec::new(),
        }
    }

    /// After Cancel in a runbook action's confirmation: the run stays on the step.
    pub fn declined(step: usize, title: String) -> Dialog {
        let mut d = Dialog::manual(step, title, String::new());
        d.purpose = Purpose::Declined { step };
        d.instruction = Some(
            "Not run. Retry shows the confirmation again (planned from the servers that fail now); \
             Skip goes on without it; Not yet keeps the run here (Enter in the runbook view asks again)."
                .into(),
        );
        d
    }

    pub fn buttons(&self) -> &'static [Button] {
        match self.purpose {
            Purpose::Manual { .. } => &[Button::Later, Button::Skip, Button::Done],
            Purpose::Declined { .. } => &[Button::Later, Button::Skip, Button::Retry],
            _ => &[Button::Cancel, Button::Run],
        }
    }

    pub fn selected(&self) -> Button {
        self.buttons().get(self.choice).copied().unwrap_or(Button::Cancel)
    }

    /// Whether pressing `button` would do anything; disabled buttons cannot be selected.
    pub fn enabled(&self, button: Button) -> bool {
        match button {
            Button::Run => {
                self.refusal.is_none() && self.must_type.as_ref().is_none_or(|want| *want == self.typed)
            }
            _ => true,
        }
    }

    /// Whether typed characters go into the dialog rather than to the keymap.
    pub fn takes_text(&self) -> bool {
        self.must_type.is_some() && self.refusal.is_none()
    }

    /// Moves the highlight by `delta`, wrapping, and lands on an enabled button (the first
    /// one, Cancel, always is).
    pub fn move_choice(&mut self, delta: isize) {
        let n = self.buttons().len() as isize;
        let mut i = self.choice as isize;
        for _ in 0..n {
            i = (i + delta).rem_euclid(n);
            if self.enabled(self.buttons()[i as usize]) {
                self.choice = i as usize;
                return;
            }
        }
        self.choice = 0;
    }

    /// After the typed text changed: a Run that became disabled is no longer highlighted.
    pub fn settle(&mut self) {
        if !self.enabled(self.selected()) {
            self.choice = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(name: &str) -> Target {
        Target { server: name.into(), instance_id: format!("i-{name}") }
    }

    fn restart(targets: Vec<Target>) -> Dialog {
        let action = RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() };
        Dialog::confirm(Purpose::Restart, "t".into(), Some(action), targets, "s".into(), true)
    }

    #[test]
    fn opens_on_cancel_and_tab_reaches_run() {
        let mut d = restart(vec![target("nt-a")]);
        assert_eq!(d.selected(), Button::Cancel);
        d.move_choice(1);
        assert_eq!(d.selected(), Button::Run);
        d.move_choice(1);
        assert_eq!(d.selected(), Button::Cancel);
    }

    #[test]
    fn several_servers_need_the_service_name_typed_first() {
        let mut d = restart(vec![target("nt-a"), target("nt-b")]);
        assert!(d.takes_text());
        d.move_choice(1);
        assert_eq!(d.selected(), Button::Cancel, "Run is disabled until the name is typed");
        d.typed = "NexTalk Chat Bridge".into();
        d.move_choice(1);
        assert_eq!(d.selected(), Button::Run);
        d.typed.pop();
        d.settle();
        assert_eq!(d.selected(), Button::Cancel);
    }

    #[test]
    fn a_refused_dialog_never_selects_run() {
        let mut d = restart(vec![target("nt-a")]);
        d.refusal = Some("read-only".into());
        d.move_choice(1);
        d.move_choice(-1);
        assert_eq!(d.selected(), Button::Cancel);
        assert!(!d.enabled(Button::Run));
    }

    /// Growing storage on SSD needs no typing (no downtime, by its impact); on magnetic
    /// storage the impact is unknown and the instance id must be typed first.
    #[test]
    fn a_storage_change_of_unknown_impact_needs_the_instance_typed() {
        use crate::model::{DbInstance, Snapshot};
        let grow = RemoteAction::ModifyDbStorage {
            instance: "nextalk-config-db".into(),
            allocated_gib: 300,
            max_allocated_gib: None,
        };
        let targets = vec![Target::aws("db nextalk-config-db".into())];
        for (storage, typed) in [("gp3", None), ("standard", Some("nextalk-config-db"))] {
            let snap = Snapshot {
                db_instances: vec![DbInstance {
                    id: "nextalk-config-db".into(),
                    status: "available".into(),
                    storage_type: Some(storage.into()),
                    ..Default::default()
                }],
                ..Default::default()
            };
            let mut d = Dialog::confirm(
                Purpose::Step { step: 3 },
                "t".into(),
                Some(grow.clone()),
                targets.clone(),
                "s".into(),
                true,
            );
            d.set_impact(crate::runbook::impact::of(Some(&grow), &targets, &snap));
            assert_eq!(d.must_type.as_deref(), typed, "{storage}");
        }
    }
}

//! The incident record: a fold of its timeline. Title, severity, status, root cause and
//! follow-ups are whatever the latest event says, so the file is the only truth.

use super::event::{Drill, EditField, Event, EventKind};
use super::{IncidentId, Severity, Status};
use crate::model::Timestamp;

#[derive(Debug, Clone, PartialEq)]
pub struct Incident {
    pub id: IncidentId,
    pub title: String,
    pub severity: Severity,
    pub status: Status,
    /// Set for a drill on the simulator: every message and report says so.
    pub drill: Option<Drill>,
    pub declared_at: Timestamp,
    pub declared_by: String,
    pub mitigated_at: Option<Timestamp>,
    pub resolved_at: Option<Timestamp>,
    pub summary: Option<String>,
    pub root_cause: Option<String>,
    pub follow_ups: Vec<String>,
    pub impact_note: Option<String>,
    pub events: Vec<Event>,
    /// Lines of the timeline that could not be read (a torn last line after a crash).
    pub skipped_lines: usize,
}

impl Incident {
    pub fn from_events(id: IncidentId, events: Vec<Event>, skipped_lines: usize) -> Result<Incident, String> {
        let Some(first) = events.first() else {
            return Err(format!("{id}: the timeline has no events"));
        };
        let EventKind::Declared { title, severity, drill } = &first.kind else {
            return Err(format!("{id}: the timeline does not begin with the declaration"));
        };
        let mut inc = Incident {
            id,
            title: title.clone(),
            severity: *severity,
            status: Status::Open,
            drill: drill.clone(),
            declared_at: first.at,
            declared_by: first.who.clone(),
            mitigated_at: None,
            resolved_at: None,
            summary: None,
            root_cause: None,
            follow_ups: Vec::new(),
            impact_note: None,
            events: Vec::new(),
            skipped_lines,
        };
        for e in &events[1..] {
            match &e.kind {
                EventKind::StatusChanged { to, .. } => {
                    inc.status = *to;
                    match to {
                        Status::Open => {
                            inc.mitigated_at = None;
                            inc.resolved_at = None;
                        }
                        Status::Mitigated => inc.mitigated_at = Some(e.at),
                        Status::Resolved => inc.resolved_at = Some(e.at),
                    }
                }
                EventKind::Edited { field, value } => match field {
                    EditField::Title => inc.title = value.clone(),
                    EditField::Severity => {
                        if let Some(s) = Severity::parse(value) {
                            inc.severity = s;
                        }
                    }
                    EditField::Summary => inc.summary = Some(value.clone()),
                    EditField::RootCause => inc.root_cause = Some(value.clone()),
                    EditField::FollowUp => inc.follow_ups.push(value.clone()),
                    EditField::Impact => inc.impact_note = Some(value.clone()),
                },
                EventKind::Declared { .. }
                | EventKind::Note { .. }
                | EventKind::RunStarted { .. }
                | EventKind::RunFinished { .. }
                | EventKind::AlertRaised { .. }
                | EventKind::AlertCleared { .. }
                | EventKind::Step { .. }
                | EventKind::Command { .. }
                | EventKind::NotificationQueued { .. }
                | EventKind::NotificationSent { .. }
                | EventKind::NotificationFailed { .. }
                | EventKind::Attached { .. } => {}
            }
        }
        inc.events = events;
        Ok(inc)
    }

    pub fn is_drill(&self) -> bool {
        self.drill.is_some()
    }

    /// `[DRILL] ` for drills, empty otherwise: the prefix of every message about it.
    pub fn drill_prefix(&self) -> &'static str {
        if self.is_drill() { "[DRILL] " } else { "" }
    }

    /// Declared → resolved on the wall clock, when resolved.
    /// Declared → resolved, when both are on one clock (a drill declared headless on the
    /// wall clock and resolved in the console on the simulator's has no honest span), and the
    /// clock it was read on.
    pub fn open_for(&self) -> Option<(std::time::Duration, super::Clock)> {
        let resolved = self.resolved_at?;
        let declared = self.events.first()?;
        let resolution = self.events.iter().rev().find(|e| {
            matches!(e.kind, super::EventKind::StatusChanged { to: Status::Resolved, .. }) && e.at == resolved
        })?;
        (declared.clock == resolution.clock).then(|| (resolved.since(self.declared_at), declared.clock))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(kind: EventKind, at: u64) -> Event {
        Event::at(Timestamp(at), super::super::Clock::Wall, "jdoe", kind)
    }

    #[test]
    fn the_record_is_the_latest_word_of_the_timeline() {
        let events = vec![
            ev(
                EventKind::Declared { title: "Chat down".into(), severity: Severity::Sev3, drill: None },
                1000,
            ),
            ev(EventKind::Edited { field: EditField::Severity, value: "sev2".into() }, 2000),
            ev(EventKind::Edited { field: EditField::FollowUp, value: "a".into() }, 2100),
            ev(EventKind::Edited { field: EditField::FollowUp, value: "b".into() }, 2200),
            ev(EventKind::StatusChanged { from: Status::Open, to: Status::Mitigated }, 3000),
            ev(EventKind::StatusChanged { from: Status::Mitigated, to: Status::Resolved }, 61_000),
        ];
        let inc = Incident::from_events(IncidentId::parse("INC-20261122-001").unwrap(), events, 0).unwrap();
        assert_eq!(inc.severity, Severity::Sev2);
        assert_eq!(inc.status, Status::Resolved);
        assert_eq!(inc.follow_ups, ["a", "b"]);
        assert_eq!(inc.mitigated_at, Some(Timestamp(3000)));
        assert_eq!(inc.open_for(), Some((std::time::Duration::from_secs(60), super::super::Clock::Wall)));
        assert_eq!(inc.drill_prefix(), "");
    }

    #[test]
    fn a_timeline_must_begin_with_its_declaration() {
        let id = IncidentId::parse("INC-20261122-001").unwrap();
        assert!(Incident::from_events(id.clone(), vec![], 0).is_err());
        let e = Incident::from_events(id, vec![ev(EventKind::Note { text: "x".into() }, 1)], 0).unwrap_err();
        assert!(e.contains("does not begin"), "{e}");
    }
}

//! Where a run that did not end healthy goes next: another runbook that fits the alerts still
//! open (by the same ranking the picker uses), else the escalation the runbook names. A run
//! never ends on "NOT healthy" alone.

use super::def::Runbook;
use super::library::{FitKind, rank};
use crate::model::{Alert, AlertBook, Level, Snapshot, Thresholds, assess};

/// The step after a run that is not healthy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    /// Run this runbook: it fits an alert that is still open.
    Runbook { id: String, title: String, why: String },
    /// No runbook fits what is left: hand it on.
    Escalate { text: String },
}

impl Next {
    /// One line: `next: run service-failure (NexTalk service failure): fixes crit alert …`.
    pub fn line(&self) -> String {
        match self {
            Next::Runbook { id, title, why } => format!("next: run {id} ({title}): {why}"),
            Next::Escalate { text } => format!("next: escalate: {text}"),
        }
    }
}

/// The alerts a snapshot raises by itself (no history: each starts at the snapshot).
pub fn alerts_of(snap: &Snapshot, thresholds: &Thresholds) -> Vec<Alert> {
    AlertBook::default().update(&assess(snap, thresholds).findings, snap.taken_at)
}

/// The next step for a run of `current` that did not end healthy, given the alerts open now.
/// The runbook's own `escalation` first when a crit alert it addresses is still open and no
/// other runbook fixes it (naming those alerts, then any other runbook that fits); else a
/// runbook that fits an open alert (fixes before diagnoses, as `rank` orders them); then the
/// escalation; then a hand-over naming what is still open.
pub fn next_step(current: &Runbook, alerts: &[Alert], library: &[Runbook]) -> Next {
    let ranked = rank(alerts, library);
    // A crit alert this runbook addresses and no other runbook fixes is what the escalation
    // is for: it comes first, with the alerts it is about, and a runbook that fits something
    // else still open comes after it (a side effect, a lesser alert), not instead of it.
    let fixed_elsewhere = |alert: &str| {
        ranked.iter().any(|r| {
            r.runbook.id != current.id && r.fits.iter().any(|f| f.kind == FitKind::Fixes && f.alert == alert)
        })
    };
    // Ranked on its own: the library handed in may not hold it (a user's runbook, a test).
    let own = rank(alerts, std::slice::from_ref(current));
    let orphans: Vec<&str> = own
        .iter()
        .flat_map(|r| r.fits.iter())
        .filter(|f| f.severity == Level::Crit && f.kind != FitKind::Section && !fixed_elsewhere(&f.alert))
        .map(|f| f.alert.as_str())
        .collect();
    if let Some(text) = &current.escalation
        && !orphans.is_empty()
    {
        let mut text = format!("{text} Still crit: {}.", orphans.join("; "));
        if let Some(Next::Runbook { id, title, why }) = other_runbook(current, &ranked) {
            text.push_str(&format!(" Then run {id} ({title}): {why}."));
        }
        return Next::Escalate { text };
    }
    if let Some(next) = other_runbook(current, &ranked) {
        return next;
    }
    if let Some(text) = &current.escalation {
        return Next::Escalate { text: text.clone() };
    }
    hand_over(alerts)
}

/// The best-ranked other runbook that fits an open alert by more than its section (or by its
/// section when the current runbook names no escalation).
fn other_runbook(current: &Runbook, ranked: &[crate::runbook::Ranked<'_>]) -> Option<Next> {
    let other = ranked
        .iter()
        .filter(|r| r.runbook.id != current.id && r.fits_any())
        // A runbook that fits only by section is weaker than an escalation the author wrote.
        .find(|r| r.fits.iter().any(|f| f.kind != FitKind::Section) || current.escalation.is_none());
    if let Some(r) = other
        && let Some(best) = r.fits.first()
    {
        let severity = match best.severity {
            Level::Crit => "crit",
            Level::Warn => "warn",
            Level::Ok | Level::Unknown => "",
        };
        return Some(Next::Runbook {
            id: r.runbook.id.clone(),
            title: r.runbook.title.clone(),
            why: format!("{} {severity} alert: {}", best.kind.label(), best.alert),
        });
    }
    None
}

/// No runbook and no escalation: hand over what is still open.
fn hand_over(alerts: &[Alert]) -> Next {
    let open: Vec<String> = alerts
        .iter()
        .filter(|a| a.severity >= Level::Warn)
        .map(|a| format!("{}: {}", a.what, a.reason))
        .collect();
    let text = if open.is_empty() {
        "no alert is open but a check above still fails: hand its evidence to the owner of that component"
            .to_string()
    } else {
        format!(
            "no runbook fits what is still open ({}); hand the results above to its owner",
            open.join("; ")
        )
    };
    Next::Escalate { text }
}

//! `switchboard replay FILE|INC`: a flight recording played back through the console, with
//! the incident's timeline events marked on the recording's clock.

use super::args::UiArgs;
use super::common::Globals;
use super::console::{ConsoleSource, console_base};
use crate::app::replay::Marker;
use crate::config::Config;
use crate::console::Feed;
use crate::console::flight::attachments;
use crate::console::runtime::ReplayOptions;
use crate::incident::{Clock, EventKind, Incident, IncidentId};
use crate::model::{AlertBook, Snapshot, Thresholds, assess};
use crate::source::SingleSource;
use crate::source::recording::{self, Recording};
use crate::source::replay::{Player, ReplayLogs, ReplayRemote, ReplaySource};
use anyhow::{Result, bail};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// How often the replay's feed looks for the next frame: well under the console's refresh,
/// so a frame shows when its time comes, not up to a refresh later.
const LOOK: Duration = Duration::from_millis(100);

pub(super) fn run(globals: &Globals, cfg: &Config, what: &str, speed: f64, ui: UiArgs) -> Result<u8> {
    if !(speed > 0.0 && speed <= 1000.0) {
        bail!("--speed must be more than 0 and at most 1000 (got {speed})");
    }
    if ui.record.is_some() {
        bail!("--record: a replay does not record itself (it plays back a recording)");
    }
    let (rec, incident) = load(cfg, what)?;
    if let Some(why) = &rec.cut_short {
        eprintln!(
            "switchboard: {}: {why}; replaying the {} frames before it",
            rec.path.display(),
            rec.frames.len()
        );
    }
    let markers = match &incident {
        Some(inc) => timeline_markers(inc, &rec),
        None => alert_markers(&rec, &cfg.thresholds()),
    };
    // The file is named in the first screen's notice; the bar keeps to the source.
    let label = format!("replay:{}", rec.source);
    let simulated = rec.simulated;
    let notice = format!(
        "replaying {} ({} frames, {}{}): Space pause · ←/→ 10 s · ] [ events · + - speed; read-only",
        rec.path.display(),
        rec.frames.len(),
        crate::model::fmt_duration(rec.end().unwrap_or_default().since(rec.start().unwrap_or_default())),
        incident
            .as_ref()
            .map(|i| format!(", {} events of {} marked", markers.len(), i.id))
            .unwrap_or_default(),
    );
    let targets = recorded_targets(&rec);
    let player = Player::new(rec, speed);
    let mut base = console_base(globals, cfg, &ui, &label, None)?;
    base.replay_mode();
    let source = ConsoleSource {
        label: label.clone(),
        feeds: vec![Feed { telemetry: Box::new(ReplaySource::new(player.clone(), label)), every: LOOK }],
        on_manual_refresh: Vec::new(),
        compose: Box::new(SingleSource),
        remote: Arc::new(ReplayRemote),
        logs: Arc::new(ReplayLogs),
        targets,
        backfill: Box::new(std::iter::empty()),
        clock: player.clone(),
        simulated,
        notice: Some(notice),
        drill: None,
        replay: Some(ReplayOptions { player, markers }),
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    base.run(source, &rt)
}

/// The recording `what` names: a file, or the recordings attached to an incident (joined in
/// order), with the incident whose timeline marks it.
fn load(cfg: &Config, what: &str) -> Result<(Recording, Option<Incident>)> {
    let panes = cfg.panes.clone();
    let relink = move |s: &mut Snapshot| {
        for data in &mut s.panes {
            if let Some(def) = panes.iter().find(|d| d.id == data.id) {
                data.def = Arc::new(def.clone());
            }
        }
    };
    let path = Path::new(what);
    if !path.exists()
        && let Ok(id) = IncidentId::parse(what)
    {
        let store = super::incident::store()?;
        let inc = store.load(&id).map_err(|e| anyhow::anyhow!("{e}"))?;
        let files = attachments(&store.dir(&id));
        if files.is_empty() {
            bail!(
                "{id}: no flight recording attached ({} does not exist; the console attaches one \
                 when the incident is declared there)",
                store.dir(&id).join("attachments").join(crate::console::flight::attachment_name(1)).display()
            );
        }
        let mut joined: Option<Recording> = None;
        for f in files {
            let next = recording::read(&f, &relink)?;
            match joined.as_mut() {
                None => joined = Some(next),
                Some(all) => {
                    // A console that came back: its window may overlap what is already here.
                    let end = all.end().unwrap_or_default();
                    all.frames.extend(next.frames.into_iter().filter(|fr| fr.at > end));
                    if all.cut_short.is_none() {
                        all.cut_short = next.cut_short;
                    }
                }
            }
        }
        let rec = joined.ok_or_else(|| anyhow::anyhow!("{id}: no flight recording attached"))?;
        return Ok((rec, Some(inc)));
    }
    let rec = recording::read(path, &relink)?;
    // A recording made while an incident was open names it: mark its timeline.
    let incident = rec.incidents.iter().rev().find_map(|id| {
        let id = IncidentId::parse(id).ok()?;
        super::incident::store().ok()?.load(&id).ok()
    });
    Ok((rec, incident))
}

/// The servers and services the recording shows, as the console's command targets: a restart
/// asked for on the replay then meets the same dialog and refusal as under `--read-only`
/// (and its `refused` audit record), not an "unknown server".
fn recorded_targets(rec: &Recording) -> Vec<crate::app::ServerTarget> {
    let Some(last) = rec.frames.last() else { return Vec::new() };
    last.snapshot
        .nextalk
        .servers
        .iter()
        .map(|s| crate::app::ServerTarget {
            target: crate::source::Target { server: s.name.clone(), instance_id: s.instance_id.clone() },
            services: s.services.iter().map(|svc| svc.name.clone()).collect(),
        })
        .collect()
}

/// The incident's events that fall inside the recording, on its clock.
fn timeline_markers(inc: &Incident, rec: &Recording) -> Vec<Marker> {
    let clock = if rec.simulated { Clock::Simulated } else { Clock::Wall };
    let (Some(start), Some(end)) = (rec.start(), rec.end()) else { return Vec::new() };
    inc.events
        .iter()
        .filter(|e| e.clock == clock && e.at >= start && e.at <= end)
        .filter(|e| marked(&e.kind))
        .map(|e| Marker { at: e.at, text: e.kind.describe() })
        .collect()
}

/// What a review steps through: what was seen, done and said; not the bookkeeping.
fn marked(kind: &EventKind) -> bool {
    match kind {
        EventKind::Declared { .. }
        | EventKind::StatusChanged { .. }
        | EventKind::Note { .. }
        | EventKind::AlertRaised { .. }
        | EventKind::AlertCleared { .. }
        | EventKind::Step { .. }
        | EventKind::Command { .. }
        | EventKind::RunStarted { .. }
        | EventKind::RunFinished { .. } => true,
        EventKind::Edited { .. }
        | EventKind::NotificationQueued { .. }
        | EventKind::NotificationSent { .. }
        | EventKind::NotificationFailed { .. }
        | EventKind::Attached { .. } => false,
    }
}

/// Without an incident: the alerts the recording shows raised and cleared, as the console's
/// alert book sees them frame by frame.
fn alert_markers(rec: &Recording, thresholds: &Thresholds) -> Vec<Marker> {
    let mut book = AlertBook::default();
    let mut active: Vec<(String, String)> = Vec::new();
    let mut out = Vec::new();
    for f in &rec.frames {
        let alerts = book.update(&assess(&f.snapshot, thresholds).findings, f.at);
        for a in &alerts {
            if !active.iter().any(|(k, _)| *k == a.key) {
                out.push(Marker { at: f.at, text: format!("✖ alert raised: {}: {}", a.what, a.reason) });
                active.push((a.key.clone(), a.what.clone()));
            }
        }
        active.retain(|(k, what)| {
            let still = alerts.iter().any(|a| a.key == *k);
            if !still {
                out.push(Marker { at: f.at, text: format!("✓ alert cleared: {what}") });
            }
            still
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::recording::{Encoder, Writer};
    use crate::source::sim::{Scenario, SimParams, Simulator};

    #[test]
    fn a_recording_without_an_incident_marks_its_alerts_raised_and_cleared() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.gz");
        let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 7));
        let mut w = Writer::create(&path, "demo:chat-bridge-down", true).unwrap();
        let mut enc = Encoder::default();
        for i in 0..120u64 {
            sim.advance_to(Duration::from_secs(100 + i * 2));
            let mut s = sim.snapshot();
            if i >= 90 {
                // The fix, as a restart leaves it: every service running again.
                for svc in s.nextalk.servers.iter_mut().flat_map(|srv| srv.services.iter_mut()) {
                    svc.status = crate::model::ServiceStatus::Running;
                }
            }
            w.frame(&enc.encode(&s)).unwrap();
        }
        w.finish().unwrap();
        let rec = recording::read(&path, &|_| {}).unwrap();
        let marks = alert_markers(&rec, &Thresholds::default());
        let raised = marks.iter().position(|m| m.text.contains("raised") && m.text.contains("Chat Bridge"));
        let cleared = marks.iter().position(|m| m.text.contains("cleared") && m.text.contains("Chat Bridge"));
        assert!(raised.is_some() && cleared.is_some(), "{marks:?}");
        assert!(raised < cleared);
    }
}

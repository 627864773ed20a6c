//! `switchboard incident open|note|status|list|show|edit|export|outbox`: the incident record
//! on the command line. Every change is one event on the incident's timeline; declaring and
//! status changes queue the configured notifications and start the background worker that
//! sends them, so no command waits on a receiver.

use super::args::{ExportFormat, Format, IncidentCommand, SimArgs};
use super::common::{audit_path, print_quietly, sim_params};
use crate::audit::local_user;
use crate::config::Config;
use crate::incident::report::{self, Context};
use crate::incident::store::{self as incident_store, write_atomic};
use crate::incident::{
    Drill, EditField, Event, EventKind, Incident, IncidentId, IncidentStore, Severity, Status,
};
use crate::notify::{self, Outbox, Worker, outbox};
use crate::source::aws::AwsOptions;
use anyhow::{Context as _, Result, anyhow};
use std::io::Write as _;
use std::path::{Path, PathBuf};

pub(super) fn store() -> Result<IncidentStore> {
    incident_store::default_root()
        .map(IncidentStore::new)
        .context("no data directory for incidents (set XDG_DATA_HOME or HOME)")
}

fn outbox() -> Result<Outbox> {
    outbox::default_root()
        .map(Outbox::new)
        .context("no data directory for the outbox (set XDG_DATA_HOME or HOME)")
}

pub(super) fn parse_id(s: &str) -> Result<IncidentId> {
    IncidentId::parse(s).map_err(|e| anyhow!(e))
}

/// What the background worker needs to be started like this process was.
struct Globals<'a> {
    config: Option<&'a Path>,
    audit: Option<PathBuf>,
    aws: &'a AwsOptions,
}

pub(super) fn run(
    cfg: &Config,
    aws: &AwsOptions,
    config_path: Option<&Path>,
    audit_cli: Option<&Path>,
    command: IncidentCommand,
) -> Result<u8> {
    let g = Globals { config: config_path, audit: audit_path(cfg, audit_cli).ok(), aws };
    let store = store()?;
    let who = local_user();
    match command {
        IncidentCommand::Open { title, severity, demo, scenario, seed, aws: _ } => {
            let title = title.trim().to_string();
            anyhow::ensure!(!title.is_empty(), "the title is empty");
            let severity = Severity::parse(&severity).context("severity: sev1 to sev4")?;
            let drill = if demo {
                let args = SimArgs { scenario, seed, ..SimArgs::empty() };
                let params = sim_params(cfg, &args)?;
                Some(Drill { scenario: params.scenario.name().to_string(), seed })
            } else {
                None
            };
            let id = store.create(Event::now(&who, EventKind::Declared { title, severity, drill }))?;
            print_quietly(&format!("{id}\n"))?;
            notify_about(&cfg.notify, &g, &store, &id)?;
            Ok(0)
        }
        IncidentCommand::Note { id, text } => {
            let id = parse_id(&id)?;
            let text = text.trim().to_string();
            anyhow::ensure!(!text.is_empty(), "the note is empty");
            store.append(&id, Event::now(&who, EventKind::Note { text }))?;
            print_quietly(&format!("{id}: note added\n"))?;
            Ok(0)
        }
        IncidentCommand::Status { id, status, aws: _ } => {
            let id = parse_id(&id)?;
            let to = Status::parse(&status).context("status: open, mitigated or resolved")?;
            let e = store.set_status(&id, to, &who)?;
            print_quietly(&format!("{id}: {}\n", e.kind.describe()))?;
            notify_about(&cfg.notify, &g, &store, &id)?;
            Ok(0)
        }
        IncidentCommand::List { format } => {
            let all = store.list()?;
            let mut rows = Vec::new();
            for r in all {
                match r {
                    Ok(inc) => rows.push(inc),
                    Err(e) => eprintln!("switchboard: {e}"),
                }
            }
            let text = match format {
                Format::Table => list_table(&rows),
                Format::Json => {
                    let v: Vec<serde_json::Value> = rows.iter().map(list_json).collect();
                    serde_json::to_string_pretty(&v)? + "\n"
                }
            };
            print_quietly(&text)?;
            Ok(0)
        }
        IncidentCommand::Show { id } => {
            let inc = store.load(&parse_id(&id)?)?;
            print_quietly(&show(&inc))?;
            Ok(0)
        }
        IncidentCommand::Edit { id, title, severity, summary, impact, root_cause, follow_up } => {
            let id = parse_id(&id)?;
            store.load(&id)?;
            let mut edits: Vec<(EditField, String)> = Vec::new();
            edits.extend(title.map(|v| (EditField::Title, v)));
            edits.extend(severity.map(|v| (EditField::Severity, v)));
            edits.extend(summary.map(|v| (EditField::Summary, v)));
            edits.extend(impact.map(|v| (EditField::Impact, v)));
            edits.extend(root_cause.map(|v| (EditField::RootCause, v)));
            edits.extend(follow_up.into_iter().map(|v| (EditField::FollowUp, v)));
            anyhow::ensure!(
                !edits.is_empty(),
                "nothing to set: give --title, --severity, --summary, --impact, --root-cause or --follow-up"
            );
            for (field, value) in edits {
                let value = value.trim().to_string();
                anyhow::ensure!(!value.is_empty(), "{} is empty", field.as_str());
                store.append(&id, Event::now(&who, EventKind::Edited { field, value }))?;
            }
            print_quietly(&format!("{id}: updated\n"))?;
            Ok(0)
        }
        IncidentCommand::Export { id, format, output } => {
            let id = parse_id(&id)?;
            let text = export(&store, &id, format, g.audit.as_deref())?;
            match output {
                Some(path) => {
                    write_atomic(&path, text.as_bytes())?;
                    eprintln!("switchboard: wrote {}", path.display());
                }
                None => print_quietly(&text)?,
            }
            Ok(0)
        }
        IncidentCommand::Outbox { deliver, background, aws: _ } => {
            let ob = outbox()?;
            if deliver {
                let log: Box<dyn FnMut(&str) + Send> = if background {
                    match outbox::log_file(&ob) {
                        Some(mut f) => Box::new(move |l: &str| {
                            let _ = writeln!(f, "{} {l}", crate::model::Timestamp::now().rfc3339());
                        }),
                        None => Box::new(|_: &str| {}),
                    }
                } else {
                    Box::new(|l: &str| eprintln!("switchboard: {l}"))
                };
                let mut w =
                    Worker { outbox: ob.clone(), store, audit_log: g.audit.clone(), aws: aws.clone(), log };
                let s = w.run(None)?;
                if !background {
                    eprintln!(
                        "switchboard: {} delivered, {} given up, {} attempts, {} still pending",
                        s.delivered, s.failed, s.attempts, s.still_pending
                    );
                }
                return Ok(if s.failed > 0 { 1 } else { 0 });
            }
            print_quietly(&outbox_listing(&ob)?)?;
            Ok(0)
        }
    }
}

/// Queues the notifications for the incident's newest event and starts a worker for them.
fn notify_about(
    targets: &[notify::Target],
    g: &Globals<'_>,
    store: &IncidentStore,
    id: &IncidentId,
) -> Result<()> {
    if targets.is_empty() {
        return Ok(());
    }
    let ob = outbox()?;
    let inc = store.load(id)?;
    let queued = notify::enqueue(store, &ob, &inc, inc.events.len() - 1, targets)?;
    if queued > 0 {
        spawn_worker(g, &ob).context("starting the notification worker")?;
    }
    Ok(())
}

/// `switchboard incident outbox --deliver --background`, detached: its own process group (a
/// Ctrl-C or a closed terminal does not stop it), output to the outbox's worker.log, nothing
/// inherited but the environment (where the webhook secrets are).
fn spawn_worker(g: &Globals<'_>, ob: &Outbox) -> Result<()> {
    let exe = std::env::current_exe().context("finding this program")?;
    let mut cmd = std::process::Command::new(exe);
    if let Some(c) = g.config {
        cmd.arg("--config").arg(c);
    }
    if let Some(a) = &g.audit {
        cmd.arg("--audit-log").arg(a);
    }
    cmd.args(["incident", "outbox", "--deliver", "--background"]);
    if let Some(p) = &g.aws.profile {
        cmd.args(["--profile", p]);
    }
    if let Some(r) = &g.aws.region {
        cmd.args(["--region", r]);
    }
    if let Some(u) = &g.aws.endpoint_url {
        cmd.args(["--endpoint-url", u]);
    }
    let log = outbox::log_file(ob);
    cmd.stdin(std::process::Stdio::null());
    match log.as_ref().and_then(|f| f.try_clone().ok().zip(f.try_clone().ok())) {
        Some((out, err)) => {
            cmd.stdout(out).stderr(err);
        }
        None => {
            cmd.stdout(std::process::Stdio::null()).stderr(std::process::Stdio::null());
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        cmd.process_group(0);
    }
    cmd.spawn()?;
    Ok(())
}

fn export(
    store: &IncidentStore,
    id: &IncidentId,
    format: ExportFormat,
    audit: Option<&Path>,
) -> Result<String> {
    let inc = store.load(id)?;
    let series = crate::incident::SeriesFile::new(store.series_path(id)).read()?;
    let bytes = std::fs::read(store.dir(id).join(incident_store::TIMELINE))?;
    let ctx = Context {
        timeline_sha256: Some(crate::audit::output_digest(&String::from_utf8_lossy(&bytes), "")),
        audit_chain: audit.and_then(audit_chain),
        now: None,
    };
    let r = report::build(&inc, &series, &ctx);
    Ok(match format {
        ExportFormat::Md => report::markdown(&r),
        ExportFormat::Json => serde_json::to_string_pretty(&r)? + "\n",
        ExportFormat::Html => report::html(&r),
    })
}

/// The audit log's chain head at export time, and what `audit verify` says of the log now,
/// so the report can be held against the log later (`switchboard audit verify`).
fn audit_chain(path: &Path) -> Option<serde_json::Value> {
    let head = crate::audit::read_head(path).ok()??;
    let verdict = crate::audit::verify(path)
        .map(|v| v.describe(path).lines().next().unwrap_or("").to_string())
        .unwrap_or_else(|e| format!("could not verify: {e}"));
    Some(serde_json::json!({
        "log": path.display().to_string(),
        "count": head.count,
        "last_sha256": head.last_sha256,
        "verify": verdict,
    }))
}

fn list_json(inc: &Incident) -> serde_json::Value {
    serde_json::json!({
        "id": inc.id,
        "title": inc.title,
        "severity": inc.severity,
        "status": inc.status,
        "drill": inc.drill,
        "declared_at": inc.declared_at,
        "declared_by": inc.declared_by,
        "resolved_at": inc.resolved_at,
        "events": inc.events.len(),
    })
}

fn list_table(rows: &[Incident]) -> String {
    let header = ["ID", "SEV", "STATUS", "DECLARED", "BY", "EVENTS", "TITLE"];
    let body: Vec<[String; 7]> = rows
        .iter()
        .map(|i| {
            [
                i.id.to_string(),
                i.severity.to_string(),
                i.status.to_string(),
                i.declared_at.rfc3339(),
                i.declared_by.clone(),
                i.events.len().to_string(),
                format!("{}{}", i.drill_prefix(), i.title),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for r in &body {
        for (w, c) in widths.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: &[String]| {
        let l: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(l.join("  ").trim_end());
        out.push('\n');
    };
    line(&header.map(String::from));
    for r in &body {
        line(r);
    }
    out
}

fn show(inc: &Incident) -> String {
    let mut s = format!("{}{}: {}\n", inc.drill_prefix(), inc.id, inc.title);
    s.push_str(&format!(
        "severity {} · status {} · declared {} by {}\n",
        inc.severity,
        inc.status,
        inc.declared_at.rfc3339(),
        inc.declared_by
    ));
    if let Some(d) = &inc.drill {
        s.push_str(&format!("DRILL on the simulator, scenario {}\n", d.scenario));
    }
    if let Some(rc) = &inc.root_cause {
        s.push_str(&format!("root cause: {rc}\n"));
    }
    for f in &inc.follow_ups {
        s.push_str(&format!("follow-up: {f}\n"));
    }
    if inc.skipped_lines > 0 {
        s.push_str(&format!("({} unreadable timeline line(s) skipped)\n", inc.skipped_lines));
    }
    s.push_str("\ntimeline (UTC; sim = the simulator's clock):\n");
    for (i, e) in inc.events.iter().enumerate() {
        s.push_str(&format!(
            "{:>3}. {} {:<4} {:<12} {}\n",
            i + 1,
            e.at.rfc3339(),
            e.clock.tag(),
            e.who,
            e.kind.describe()
        ));
        if let EventKind::Step { evidence, .. } = &e.kind {
            for l in evidence {
                s.push_str(&format!("       {l}\n"));
            }
        }
    }
    s
}

fn outbox_listing(ob: &Outbox) -> Result<String> {
    let pending = ob.pending()?;
    let (open, done) = ob.settled()?;
    let mut s = format!("outbox {}\n", ob.root().display());
    s.push_str(&format!("pending: {}\n", pending.len()));
    for m in &pending {
        let tried = ob.attempts(&m.id);
        let last = tried.last().map(|a| format!("; last: {}", a.error)).unwrap_or_default();
        s.push_str(&format!("  {}  to {}  {} attempt(s){last}\n", m.id, m.target.name, tried.len()));
    }
    let failed: Vec<_> = open.iter().chain(&done).filter(|s| !s.delivered).collect();
    s.push_str(&format!("given up: {}\n", failed.len()));
    for f in failed {
        s.push_str(&format!(
            "  {}  to {}  {}\n",
            f.message.id,
            f.message.target.name,
            f.error.clone().unwrap_or_default()
        ));
    }
    let sent = open.iter().chain(&done).filter(|s| s.delivered).count();
    s.push_str(&format!("delivered: {sent}\n"));
    if let Some(pid) = outbox::worker_pid(ob) {
        s.push_str(&format!("worker: pid {pid}\n"));
    }
    Ok(s)
}

/// What an incident declared in the console needs from the command line: the same outbox and
/// background worker as `incident open`, the same report as `incident export`.
pub(super) struct ConsoleHooks {
    pub(super) targets: Vec<notify::Target>,
    pub(super) config: Option<PathBuf>,
    pub(super) audit: Option<PathBuf>,
    pub(super) aws: AwsOptions,
}

impl crate::console::incident_desk::DeskHooks for ConsoleHooks {
    fn notify(&self, store: &IncidentStore, id: &IncidentId) -> std::result::Result<(), String> {
        let g = Globals { config: self.config.as_deref(), audit: self.audit.clone(), aws: &self.aws };
        notify_about(&self.targets, &g, store, id).map_err(|e| format!("{e:#}"))
    }

    fn report(
        &self,
        store: &IncidentStore,
        id: &IncidentId,
        format: crate::app::incident::ExportFormat,
    ) -> std::result::Result<String, String> {
        let format = match format {
            crate::app::incident::ExportFormat::Markdown => ExportFormat::Md,
            crate::app::incident::ExportFormat::Json => ExportFormat::Json,
            crate::app::incident::ExportFormat::Html => ExportFormat::Html,
        };
        export(store, id, format, self.audit.as_deref()).map_err(|e| format!("{e:#}"))
    }
}

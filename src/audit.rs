//! The audit log: append-only JSON lines, one record per thing done to production (and per
//! diagnostic command run there). Who (local user, AWS caller identity), what (action and
//! targets), when, and the outcome. A record is written, flushed and synced *before* a command
//! is sent and again when it ends, so a crash mid-action still leaves a trace.
//!
//! Raw command output never goes in: a record has only its SHA-256 (`output_sha256`, of stdout
//! followed by stderr: `cat stdout stderr | sha256sum`), enough to match a saved output to the
//! record without copying secrets or customer data into the log.

use crate::model::Timestamp;
use crate::source::{CommandStatus, Invocation, RemoteAction, Target};
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Who is acting, once per console or CLI session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    /// Distinguishes the records of one session from another's by the same user.
    pub id: String,
    pub user: String,
    /// `arn:aws:sts::123456789012:assumed-role/OnCall/jdoe`, when signed in to AWS.
    pub aws_identity: Option<String>,
    /// `demo:chat-bridge-down`, `aws:123456789012/us-east-1`.
    pub source: String,
}

impl Session {
    pub fn new(source: impl Into<String>, aws_identity: Option<String>) -> Session {
        Session { id: new_session_id(), user: local_user(), aws_identity, source: source.into() }
    }
}

/// The local user as the environment names it (`USER` on Unix, `USERNAME` on Windows).
pub fn local_user() -> String {
    ["USER", "LOGNAME", "USERNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.trim().is_empty()))
        .or_else(user_from_uid)
        .unwrap_or_else(|| "unknown".to_string())
}

/// Under cron, systemd or a stripped environment no variable names the user; the audit record
/// still must say who, so ask the kernel for the uid and the passwd file for its name.
fn user_from_uid() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let uid = status.lines().find_map(|l| l.strip_prefix("Uid:"))?.split_whitespace().next()?.to_string();
    let name = std::fs::read_to_string("/etc/passwd").ok().and_then(|passwd| {
        passwd.lines().find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            (f.nth(1)? == uid).then(|| name.to_string())
        })
    });
    Some(name.unwrap_or_else(|| format!("uid {uid}")))
}

/// Start time and process id: unique per session on one machine without a random source.
fn new_session_id() -> String {
    format!("{:x}-{:x}", Timestamp::now().0, std::process::id())
}

/// What was (or was to be) done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditAction {
    /// `restart_service`, `query_services`, `resolve_dns`, `open_log`…
    pub kind: String,
    /// `restart service NexTalk Chat Bridge`.
    pub summary: String,
}

impl AuditAction {
    pub fn remote(action: &RemoteAction) -> AuditAction {
        let kind = match action {
            RemoteAction::RestartService { .. } => "restart_service",
            RemoteAction::QueryServices { .. } => "query_services",
            RemoteAction::TailLog { .. } => "tail_log",
            RemoteAction::ResolveDns { .. } => "resolve_dns",
            RemoteAction::TestTcp { .. } => "test_tcp",
        };
        AuditAction { kind: kind.to_string(), summary: action.summary() }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditTarget {
    pub server: String,
    pub instance_id: String,
}

impl From<&Target> for AuditTarget {
    fn from(t: &Target) -> Self {
        AuditTarget { server: t.server.clone(), instance_id: t.instance_id.clone() }
    }
}

/// Where a command is in its life, as the audit log spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditStatus {
    /// About to be sent (written before sending).
    Requested,
    /// Accepted by the remote side; the record carries the command id.
    Sent,
    /// Could not be sent.
    SendFailed,
    /// Mutating action in read-only mode.
    Refused,
    /// The engineer chose not to run it.
    Declined,
    /// A terminal status of one target's invocation.
    Ended(CommandStatus),
    /// Sent, but its status could not be read any more: the outcome is not known.
    StatusUnknown,
}

impl AuditStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditStatus::Requested => "requested",
            AuditStatus::Sent => "sent",
            AuditStatus::SendFailed => "send_failed",
            AuditStatus::Refused => "refused",
            AuditStatus::Declined => "declined",
            AuditStatus::Ended(s) => s.as_str(),
            AuditStatus::StatusUnknown => "status_unknown",
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time")]
    pub time: Timestamp,
    pub user: String,
    pub aws_identity: Option<String>,
    pub session: String,
    pub source: String,
    pub runbook: Option<String>,
    pub step: Option<String>,
    pub action: AuditAction,
    pub targets: Vec<AuditTarget>,
    pub command_id: Option<String>,
    pub status: String,
    /// SHA-256 (hex) of stdout followed by stderr; never the output itself.
    pub output_sha256: Option<String>,
    pub message: Option<String>,
}

fn ser_time<S: Serializer>(t: &Timestamp, s: S) -> Result<S::Ok, S::Error> {
    // Millisecond precision so records of one quick command keep their order when sorted.
    s.serialize_str(&humantime::format_rfc3339_millis(t.to_system_time()).to_string())
}

fn de_time<'de, D: Deserializer<'de>>(d: D) -> Result<Timestamp, D::Error> {
    let s = String::deserialize(d)?;
    humantime::parse_rfc3339_weak(&s).map(Timestamp::from).map_err(serde::de::Error::custom)
}

/// What to record; the session fields and the time are filled in by `AuditLog::append`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub runbook: Option<String>,
    pub step: Option<String>,
    pub action: AuditAction,
    pub targets: Vec<AuditTarget>,
    pub command_id: Option<String>,
    pub status: AuditStatus,
    pub output_sha256: Option<String>,
    pub message: Option<String>,
}

impl Entry {
    pub fn new(action: AuditAction, targets: &[Target], status: AuditStatus) -> Entry {
        Entry {
            runbook: None,
            step: None,
            action,
            targets: targets.iter().map(AuditTarget::from).collect(),
            command_id: None,
            status,
            output_sha256: None,
            message: None,
        }
    }

    pub fn for_remote(action: &RemoteAction, targets: &[Target], status: AuditStatus) -> Entry {
        Entry::new(AuditAction::remote(action), targets, status)
    }

    pub fn in_runbook(mut self, runbook: &str, step: &str) -> Entry {
        self.runbook = Some(runbook.to_string());
        self.step = Some(step.to_string());
        self
    }

    pub fn command(mut self, id: impl Into<String>) -> Entry {
        self.command_id = Some(id.into());
        self
    }

    pub fn message(mut self, m: impl Into<String>) -> Entry {
        self.message = Some(m.into());
        self
    }

    /// The terminal state of one target's invocation: status and output digest.
    pub fn ended(mut self, inv: &Invocation) -> Entry {
        self.status = AuditStatus::Ended(inv.status);
        self.command_id = Some(inv.command_id.0.clone());
        self.targets.retain(|t| t.server == inv.server);
        self.output_sha256 = Some(output_digest(&inv.stdout, &inv.stderr));
        if let Some(code) = inv.response_code {
            let m = format!("exit code {code}");
            self.message = Some(match self.message.take() {
                Some(prev) => format!("{prev}; {m}"),
                None => m,
            });
        }
        self
    }
}

/// SHA-256, in hex, of stdout followed by stderr.
pub fn output_digest(stdout: &str, stderr: &str) -> String {
    let mut h = Sha256::new();
    h.update(stdout.as_bytes());
    h.update(stderr.as_bytes());
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// The open audit log of one session.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: File,
    session: Session,
}

/// `<data_dir>/audit.jsonl` (e.g. `~/.local/share/switchboard/audit.jsonl`).
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "switchboard").map(|d| d.data_dir().join("audit.jsonl"))
}

impl AuditLog {
    /// Opens for appending (creating it, and its directory, when missing); never truncates.
    /// On Unix the file is readable by its owner only.
    pub fn open(path: &Path, session: Session) -> io::Result<AuditLog> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let mut opts = OpenOptions::new();
        opts.read(true).append(true).create(true);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            opts.mode(0o600);
        }
        let mut file = opts.open(path)?;
        #[cfg(unix)]
        {
            // A file created by an older version (or by hand) gets tightened too.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        // After a crash mid-write the last line is torn; start ours on a fresh line so the
        // next record is not glued to the fragment and lost with it.
        let len = file.metadata()?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")?;
                file.sync_data()?;
            }
        }
        Ok(AuditLog { path: path.to_path_buf(), file, session })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn session(&self) -> &Session {
        &self.session
    }

    /// Records `entry` now: written in one call, flushed and synced to disk before returning,
    /// so the caller may send the command only after this succeeded.
    pub fn append(&mut self, entry: Entry) -> io::Result<AuditRecord> {
        let rec = AuditRecord {
            time: Timestamp::now(),
            user: self.session.user.clone(),
            aws_identity: self.session.aws_identity.clone(),
            session: self.session.id.clone(),
            source: self.session.source.clone(),
            runbook: entry.runbook,
            step: entry.step,
            action: entry.action,
            targets: entry.targets,
            command_id: entry.command_id,
            status: entry.status.as_str().to_string(),
            output_sha256: entry.output_sha256,
            message: entry.message,
        };
        self.append_record(&rec)?;
        Ok(rec)
    }

    /// Writes a complete record as one line.
    pub fn append_record(&mut self, rec: &AuditRecord) -> io::Result<()> {
        let mut line = serde_json::to_vec(rec).map_err(io::Error::other)?;
        line.push(b'\n');
        // One write of the whole line: with O_APPEND, concurrent sessions do not interleave.
        self.file.write_all(&line)?;
        self.file.flush()?;
        self.file.sync_data()
    }
}

/// Records read back, and how many lines could not be (a torn last line after a crash, or a
/// damaged one).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ReadOutcome {
    pub records: Vec<AuditRecord>,
    pub skipped: usize,
}

/// Reads the log; with `since`, only records from the last `since` (e.g. `--since 24h`).
pub fn read(path: &Path, since: Option<Duration>) -> io::Result<ReadOutcome> {
    let cutoff = since.map(|d| Timestamp(Timestamp::now().0.saturating_sub(d.as_millis() as u64)));
    read_from(BufReader::new(File::open(path)?), cutoff)
}

fn read_from(reader: impl BufRead, cutoff: Option<Timestamp>) -> io::Result<ReadOutcome> {
    let mut out = ReadOutcome::default();
    for line in reader.split(b'\n') {
        let line = line?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<AuditRecord>(&line) {
            Ok(rec) if cutoff.is_none_or(|c| rec.time >= c) => out.records.push(rec),
            Ok(_) => {}
            Err(_) => out.skipped += 1,
        }
    }
    Ok(out)
}

/// A plain table for `switchboard audit --format table`: one row per record.
pub fn format_table(records: &[AuditRecord]) -> String {
    let header = ["TIME", "USER", "SOURCE", "RUNBOOK/STEP", "ACTION", "TARGETS", "STATUS", "COMMAND"];
    let rows: Vec<[String; 8]> = records
        .iter()
        .map(|r| {
            let rb = match (&r.runbook, &r.step) {
                (Some(rb), Some(st)) => format!("{rb}/{st}"),
                (Some(rb), None) => rb.clone(),
                _ => "-".into(),
            };
            let targets: Vec<&str> = r.targets.iter().map(|t| t.server.as_str()).collect();
            let mut status = r.status.clone();
            if let Some(m) = &r.message {
                status = format!("{status} ({m})");
            }
            [
                r.time.rfc3339(),
                r.user.clone(),
                r.source.clone(),
                rb,
                r.action.summary.clone(),
                if targets.is_empty() { "-".into() } else { targets.join(",") },
                status,
                r.command_id.clone().unwrap_or_else(|| "-".into()),
            ]
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut push = |cells: &[String]| {
        let line: Vec<String> = cells.iter().zip(widths).map(|(c, w)| format!("{c:<w$}")).collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    };
    push(&header.map(String::from));
    for row in &rows {
        push(row);
    }
    out
}

#[cfg(test)]
mod user_tests {
    #[cfg(target_os = "linux")]
    #[test]
    fn the_uid_names_a_user_when_no_variable_does() {
        let who = super::user_from_uid().expect("procfs");
        let uid = std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("Uid:").map(|r| r.split_whitespace().next().unwrap().to_string()))
            .unwrap();
        if uid == "0" {
            assert_eq!(who, "root");
        } else {
            assert!(!who.is_empty() && who != "unknown", "{who}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::CommandId;

    fn session() -> Session {
        Session {
            id: "s1".into(),
            user: "jdoe".into(),
            aws_identity: Some("arn:aws:sts::123456789012:assumed-role/OnCall/jdoe".into()),
            source: "demo:chat-bridge-down".into(),
        }
    }

    fn target() -> Target {
        Target { server: "nt-b".into(), instance_id: "i-0b".into() }
    }

    fn restart() -> RemoteAction {
        RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() }
    }

    #[test]
    fn records_round_trip_through_the_file_and_appends_never_truncate() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/audit.jsonl");
        let mut log = AuditLog::open(&path, session()).unwrap();
        let a = log
            .append(
                Entry::for_remote(&restart(), &[target()], AuditStatus::Requested)
                    .in_runbook("nextalk-connectivity", "restart-chat-bridge"),
            )
            .unwrap();
        drop(log);
        let mut log = AuditLog::open(&path, session()).unwrap();
        let inv = Invocation {
            command_id: CommandId("cmd-1".into()),
            server: "nt-b".into(),
            status: CommandStatus::Success,
            response_code: Some(0),
            stdout: "restarted".into(),
            stderr: String::new(),
            stdout_truncated: false,
            stderr_truncated: false,
        };
        let b =
            log.append(Entry::for_remote(&restart(), &[target()], AuditStatus::Sent).ended(&inv)).unwrap();
        let back = read(&path, None).unwrap();
        assert_eq!(back.skipped, 0);
        assert_eq!(back.records, vec![a.clone(), b.clone()]);
        assert_eq!(a.status, "requested");
        assert_eq!(b.status, "Success");
        assert_eq!(b.command_id.as_deref(), Some("cmd-1"));
        assert_eq!(b.message.as_deref(), Some("exit code 0"));
        assert_eq!(b.output_sha256.as_deref(), Some(output_digest("restarted", "").as_str()));
        assert_eq!(a.aws_identity, session().aws_identity);
    }

    #[test]
    fn digests_are_sha256_of_stdout_then_stderr() {
        // sha256("abc")
        assert_eq!(
            output_digest("ab", "c"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[cfg(unix)]
    #[test]
    fn the_file_is_private_to_its_owner() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "").unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
        let _log = AuditLog::open(&path, session()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    fn record_at(secs: u64, status: &str) -> AuditRecord {
        AuditRecord {
            time: Timestamp::from_secs(secs),
            user: "jdoe".into(),
            aws_identity: None,
            session: "s1".into(),
            source: "demo".into(),
            runbook: None,
            step: None,
            action: AuditAction::remote(&restart()),
            targets: vec![AuditTarget::from(&target())],
            command_id: None,
            status: status.into(),
            output_sha256: None,
            message: None,
        }
    }

    #[test]
    fn since_keeps_only_recent_records() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path, session()).unwrap();
        let now = Timestamp::now().0 / 1000;
        log.append_record(&record_at(now - 3 * 3600, "old")).unwrap();
        log.append_record(&record_at(now - 60, "recent")).unwrap();
        let got = read(&path, Some(Duration::from_secs(3600))).unwrap();
        let statuses: Vec<_> = got.records.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses, ["recent"]);
        assert_eq!(read(&path, None).unwrap().records.len(), 2);
    }

    #[test]
    fn a_torn_last_line_is_skipped_and_the_next_record_starts_clean() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path, session()).unwrap();
        log.append_record(&record_at(100, "first")).unwrap();
        log.append_record(&record_at(200, "second")).unwrap();
        drop(log);
        // A crash mid-write: half a record, no newline.
        let full = serde_json::to_string(&record_at(300, "third")).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&full.as_bytes()[..full.len() / 2]).unwrap();
        drop(f);
        let got = read(&path, None).unwrap();
        assert_eq!(got.skipped, 1);
        let statuses: Vec<_> = got.records.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses, ["first", "second"]);
        // Reopening appends after the fragment on a new line: the new record survives.
        let mut log = AuditLog::open(&path, session()).unwrap();
        log.append_record(&record_at(400, "fourth")).unwrap();
        let got = read(&path, None).unwrap();
        assert_eq!(got.skipped, 1);
        let statuses: Vec<_> = got.records.iter().map(|r| r.status.as_str()).collect();
        assert_eq!(statuses, ["first", "second", "fourth"]);
    }

    #[test]
    fn records_hold_a_digest_never_the_output() {
        let secret = "password=hunter2";
        let inv = Invocation {
            command_id: CommandId("cmd-9".into()),
            server: "nt-b".into(),
            status: CommandStatus::Failed,
            response_code: Some(1),
            stdout: secret.into(),
            stderr: "boom".into(),
            stdout_truncated: false,
            stderr_truncated: false,
        };
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut log = AuditLog::open(&path, session()).unwrap();
        let rec =
            log.append(Entry::for_remote(&restart(), &[target()], AuditStatus::Sent).ended(&inv)).unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(!text.contains("hunter2") && !text.contains("boom"), "{text}");
        let json = serde_json::to_value(&rec).unwrap();
        let keys: Vec<&str> = json.as_object().unwrap().keys().map(String::as_str).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(
            sorted,
            [
                "action",
                "aws_identity",
                "command_id",
                "message",
                "output_sha256",
                "runbook",
                "session",
                "source",
                "status",
                "step",
                "targets",
                "time",
                "user"
            ]
        );
        assert_eq!(rec.status, "Failed");
    }

    #[test]
    fn the_table_has_one_row_per_record() {
        let mut r = record_at(1_795_827_600, "Success");
        r.runbook = Some("nextalk-connectivity".into());
        r.step = Some("restart-chat-bridge".into());
        r.command_id = Some("cmd-1".into());
        let t = format_table(&[r]);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(lines[0].starts_with("TIME"));
        assert!(lines[1].starts_with("2026-11-28T01:00:00Z  jdoe"), "{}", lines[1]);
        assert!(lines[1].contains("nextalk-connectivity/restart-chat-bridge"));
        let cells: Vec<&str> = lines[1].split("  ").map(str::trim).filter(|c| !c.is_empty()).collect();
        assert_eq!(&cells[4..], ["restart service NexTalk Chat Bridge", "nt-b", "Success", "cmd-1"]);
    }
}

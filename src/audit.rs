//! The audit log: append-only JSON lines, one record per thing done to production (and per
//! diagnostic command run there). Who (the local user as the OS knows it, the AWS caller
//! identity), what (action and targets), when, and the outcome. A record is written, flushed
//! and synced *before* a command is sent and again when it ends, so a crash mid-action still
//! leaves a trace.
//!
//! Raw command output never goes in: a record has only its SHA-256 (`output_sha256`, of stdout
//! followed by stderr: `cat stdout stderr | sha256sum`), enough to match a saved output to the
//! record without copying secrets or customer data into the log.
//!
//! **Tamper evidence.** Each record ends in `"prev_sha256":"…","sha256":"…"}`: `sha256` is the
//! SHA-256 of the line's bytes before `,"sha256":"`, and so covers `prev_sha256`, which is the
//! previous line's `sha256` (for a line without one, an older record or a torn fragment, the
//! SHA-256 of its bytes; 64 zeros before the first line). A head file beside the log
//! (`audit.jsonl.head`) holds the number of lines and the last `sha256`. [`verify`] walks the
//! chain: an edited record no longer matches its own hash, a deleted or moved one breaks the
//! link to its neighbour, a cut tail no longer reaches the head. Anyone who can rewrite both
//! files can still forge them; the head is what an incident report copies to be checked later.
//!
//! **The file.** Opened without following a symbolic link, refused unless it is a regular file,
//! created readable by its owner only. Writers take an exclusive `flock` around each append, so
//! two sessions on one log (the console and a headless run) keep one chain.

use crate::model::Timestamp;
use crate::sanitize::{self, escape_field};
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
    /// The user the OS runs this process as (uid → name): what `$USER` cannot fake.
    pub user: String,
    /// `$USER` (or `$LOGNAME`) when it names someone else than [`Session::user`] (e.g. a
    /// shared account, `sudo -E`, or a forged value), recorded as such.
    pub env_user: Option<String>,
    /// `arn:aws:sts::123456789012:assumed-role/OnCall/jdoe`, when signed in to AWS.
    pub aws_identity: Option<String>,
    /// `demo:chat-bridge-down`, `aws:123456789012/us-east-1`.
    pub source: String,
}

impl Session {
    pub fn new(source: impl Into<String>, aws_identity: Option<String>) -> Session {
        let user = local_user();
        let env_user = env_user().filter(|e| *e != user);
        Session { id: new_session_id(), user, env_user, aws_identity, source: source.into() }
    }
}

/// Longest value taken from the environment into a record.
const MAX_ENV_VALUE: usize = 256;

/// The local user as the OS knows this process: the real uid's name from the user database
/// (`getpwuid_r`, so LDAP and other NSS users are named too), else `uid N`. Environment
/// variables are not asked: anyone can set `USER` to anything, newlines included.
pub fn local_user() -> String {
    os_user().unwrap_or_else(|| "unknown".to_string())
}

#[cfg(unix)]
fn os_user() -> Option<String> {
    // SAFETY: getuid cannot fail and has no preconditions.
    let uid = unsafe { libc::getuid() };
    let mut buf = vec![0 as libc::c_char; 16 * 1024];
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is valid for the call: `pwd` and `found` are locals, `buf` is
    // writable for `buf.len()` bytes; on success `pw_name` points into `buf`, which outlives
    // its use below.
    let rc = unsafe { libc::getpwuid_r(uid, &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc == 0 && !found.is_null() && !pwd.pw_name.is_null() {
        // SAFETY: getpwuid_r succeeded, so pw_name is a NUL-terminated string inside `buf`.
        let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) };
        let name = name.to_string_lossy();
        if !name.is_empty() {
            return Some(sanitize::cut(&name, MAX_ENV_VALUE).into_owned());
        }
    }
    Some(format!("uid {uid}"))
}

#[cfg(not(unix))]
fn os_user() -> Option<String> {
    std::env::var("USERNAME").ok().filter(|v| !v.trim().is_empty())
}

/// `$USER`, else `$LOGNAME`, as given (cut to a sane length): recorded beside the OS user when
/// the two differ.
fn env_user() -> Option<String> {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .map(|v| sanitize::cut(&v, MAX_ENV_VALUE).into_owned())
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
            RemoteAction::ReadCounter { .. } => "read_counter",
            RemoteAction::SetParameter { .. } => "set_parameter",
            RemoteAction::UpdateTable { .. } => "update_table",
            RemoteAction::UpdateShardCount { .. } => "update_shard_count",
            RemoteAction::ModifyDbStorage { .. } => "modify_db_storage",
            RemoteAction::RoutingProfileQueue(c) if c.associate => "associate_routing_profile_queues",
            RemoteAction::RoutingProfileQueue(_) => "disassociate_routing_profile_queues",
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
    /// The console closed while it was in flight: no longer watched, it may still run
    /// remotely (the record carries the command id when there is one).
    Abandoned,
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
            AuditStatus::Abandoned => "abandoned",
        }
    }
}

/// One line of the audit log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    #[serde(serialize_with = "ser_time", deserialize_with = "de_time")]
    pub time: Timestamp,
    /// The OS user (see [`Session::user`]).
    pub user: String,
    /// `$USER` when it differs from `user`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub env_user: Option<String>,
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
    /// The chain: the previous line's `sha256` (see the module notes). `None` in records
    /// written before the chain existed. Set by [`AuditLog`] when writing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prev_sha256: Option<String>,
    /// This line's own hash; always the last field of the line. Set by [`AuditLog`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
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
    hex(&h.finalize())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

/// `prev_sha256` of the first line of a log.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// What ends every chained line: `,"sha256":"` + 64 hex digits + `"}`.
const HASH_KEY: &[u8] = b",\"sha256\":\"";
const HASH_TAIL_LEN: usize = HASH_KEY.len() + 64 + 2;

/// A chained line split into the bytes its hash covers and the hash it states.
fn split_chained(line: &[u8]) -> Option<(&[u8], &str)> {
    let cut = line.len().checked_sub(HASH_TAIL_LEN)?;
    let (covered, tail) = line.split_at(cut);
    let hash = tail.strip_prefix(HASH_KEY)?.strip_suffix(b"\"}")?;
    if hash.len() == 64 && hash.iter().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(b)) {
        Some((covered, std::str::from_utf8(hash).ok()?))
    } else {
        None
    }
}

/// What the next line's `prev_sha256` must be after `line`: its stated hash when it carries
/// one, else the SHA-256 of its bytes.
fn link_of(line: &[u8]) -> String {
    match split_chained(line) {
        Some((_, hash)) => hash.to_string(),
        None => sha256_hex(line),
    }
}

/// The head file beside a log: `audit.jsonl` → `audit.jsonl.head`.
pub fn head_path(log: &Path) -> PathBuf {
    let mut name = log.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".head");
    log.with_file_name(name)
}

/// The head record: how many lines the log has and the last one's `sha256`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Head {
    pub count: u64,
    pub last_sha256: String,
}

/// Reads the head file; `Ok(None)` when there is none.
pub fn read_head(log: &Path) -> io::Result<Option<Head>> {
    let path = head_path(log);
    let mut text = String::new();
    match open_no_follow(&path, OpenOptions::new().read(true)) {
        Ok(mut f) => {
            regular_file(&f, &path)?;
            Read::by_ref(&mut f).take(4096).read_to_string(&mut text)?;
        }
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    }
    serde_json::from_str(text.trim())
        .map(Some)
        .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("{}: {e}", path.display())))
}

/// Opens `path` with `opts`, refusing to follow a symbolic link in its last component (the
/// audit log and its head: a link planted there would have our records written, and its
/// target's permissions changed, somewhere else).
fn open_no_follow(path: &Path, opts: &mut OpenOptions) -> io::Result<File> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just after.
        opts.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    opts.open(path).map_err(|e| {
        #[cfg(unix)]
        if e.raw_os_error() == Some(libc::ELOOP) {
            return io::Error::new(
                e.kind(),
                format!("{} is a symbolic link; the audit log is never written through one", path.display()),
            );
        }
        e
    })
}

fn regular_file(f: &File, path: &Path) -> io::Result<()> {
    let meta = f.metadata()?;
    if meta.is_file() {
        Ok(())
    } else {
        Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not a regular file ({})", path.display(), crate::config::file_kind(&meta)),
        ))
    }
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
    /// Refuses a symbolic link and anything but a regular file. On Unix the file is readable
    /// by its owner only (created so, and tightened if it was not).
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
        let file = open_no_follow(path, &mut opts)?;
        regular_file(&file, path)?;
        #[cfg(unix)]
        {
            // A file created by an older version (or by hand) gets tightened too.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
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
    /// so the caller may send the command only after this succeeded. The record is returned as
    /// written, hashes included.
    pub fn append(&mut self, entry: Entry) -> io::Result<AuditRecord> {
        let rec = AuditRecord {
            time: Timestamp::now(),
            user: self.session.user.clone(),
            env_user: self.session.env_user.clone(),
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
            prev_sha256: None,
            sha256: None,
        };
        self.append_record(&rec)
    }

    /// Writes a complete record as one line, chained to the line before it; returns it as
    /// written (its `prev_sha256` and `sha256` filled in).
    pub fn append_record(&mut self, rec: &AuditRecord) -> io::Result<AuditRecord> {
        let mut rec = rec.clone();
        let _lock = Lock::exclusive(&self.file)?;
        let tail = Tail::read(&self.file)?;
        let before = self.lines_before(&tail)?;
        rec.prev_sha256 = Some(tail.last.clone().unwrap_or_else(|| GENESIS.to_string()));
        rec.sha256 = None;
        let mut line = Vec::with_capacity(512);
        // After a crash mid-write the last line is torn; start ours on a fresh line so the
        // next record is not glued to the fragment and lost with it.
        if !tail.ends_with_newline {
            line.push(b'\n');
        }
        let body = serde_json::to_vec(&rec).map_err(io::Error::other)?;
        // `{…,"prev_sha256":"…"}` → hash what precedes the closing brace, then close with the hash.
        let covered = body.strip_suffix(b"}").ok_or_else(|| io::Error::other("record is not an object"))?;
        let hash = sha256_hex(covered);
        line.extend_from_slice(covered);
        line.extend_from_slice(HASH_KEY);
        line.extend_from_slice(hash.as_bytes());
        line.extend_from_slice(b"\"}\n");
        // One write of the whole line: with O_APPEND, concurrent writers do not interleave.
        self.file.write_all(&line)?;
        self.file.flush()?;
        self.file.sync_data()?;
        rec.sha256 = Some(hash.clone());
        // The head follows the record: a crash between the two leaves the head one behind,
        // which `verify` recognises and the next append repairs.
        write_head(&self.path, &Head { count: before + 1, last_sha256: hash })?;
        Ok(rec)
    }

    /// How many lines the log had before this append, from the head when it agrees with the
    /// file. A head that is one record behind (a crash between a record and its head) is
    /// caught up. A head that disagrees otherwise is kept as it is, so a log cut or rewritten
    /// behind our back stays visibly short of its head instead of being silently re-counted.
    fn lines_before(&self, tail: &Tail) -> io::Result<u64> {
        let Some(last) = &tail.last else { return Ok(0) };
        match read_head(&self.path) {
            Ok(Some(head)) if &head.last_sha256 == last => Ok(head.count),
            Ok(Some(head)) if tail.before_last.as_ref() == Some(&head.last_sha256) => Ok(head.count + 1),
            Ok(Some(head)) => Ok(head.count),
            // No head yet (a log from before the chain) or an unreadable one: count the lines.
            Ok(None) | Err(_) => count_lines(&self.path),
        }
    }
}

/// Writes the head atomically: a private temporary file (never through a link), synced, then
/// renamed over the head (a rename replaces a link instead of following it).
fn write_head(log: &Path, head: &Head) -> io::Result<()> {
    let path = head_path(log);
    let mut tmp_name = path.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    tmp_name.push(".tmp");
    let tmp = path.with_file_name(tmp_name);
    let mut opts = OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut f = open_no_follow(&tmp, &mut opts)?;
    regular_file(&f, &tmp)?;
    let mut text = serde_json::to_vec(head).map_err(io::Error::other)?;
    text.push(b'\n');
    f.write_all(&text)?;
    f.sync_all()?;
    drop(f);
    std::fs::rename(&tmp, &path)?;
    #[cfg(unix)]
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        // The rename itself is durable only once the directory is synced.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
    }
    Ok(())
}

/// Non-empty lines in the log.
fn count_lines(path: &Path) -> io::Result<u64> {
    let f = open_no_follow(path, OpenOptions::new().read(true))?;
    let mut n = 0;
    for line in BufReader::new(f).split(b'\n') {
        if !line?.iter().all(u8::is_ascii_whitespace) {
            n += 1;
        }
    }
    Ok(n)
}

/// An exclusive advisory lock on the log for one append, released on drop. Holds the
/// descriptor number only: the `File` it belongs to outlives the lock (both live in
/// `append_record`, the lock dropped first).
struct Lock {
    #[cfg(unix)]
    fd: std::os::fd::RawFd,
}

impl Lock {
    fn exclusive(file: &File) -> io::Result<Lock> {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let fd = file.as_raw_fd();
            // SAFETY: `fd` is an open descriptor owned by `file`.
            if unsafe { libc::flock(fd, libc::LOCK_EX) } != 0 {
                return Err(io::Error::last_os_error());
            }
            Ok(Lock { fd })
        }
        #[cfg(not(unix))]
        {
            let _ = file;
            Ok(Lock {})
        }
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        #[cfg(unix)]
        // SAFETY: the descriptor is still open (see the type's notes); a failed unlock is
        // released anyway when the file is closed.
        unsafe {
            libc::flock(self.fd, libc::LOCK_UN);
        }
    }
}

/// The end of the log, read backwards: the links of its last two non-empty lines.
struct Tail {
    last: Option<String>,
    before_last: Option<String>,
    ends_with_newline: bool,
}

impl Tail {
    fn read(file: &File) -> io::Result<Tail> {
        let mut file = file;
        let len = file.metadata()?.len();
        let mut tail = Tail { last: None, before_last: None, ends_with_newline: true };
        if len == 0 {
            return Ok(tail);
        }
        let mut end = len;
        let mut last_byte = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1))?;
        file.read_exact(&mut last_byte)?;
        tail.ends_with_newline = last_byte[0] == b'\n';
        let mut found = Vec::new();
        while found.len() < 2 && end > 0 {
            let start = line_start(&mut file, end)?;
            let mut line = vec![0u8; (end - start) as usize];
            file.seek(SeekFrom::Start(start))?;
            file.read_exact(&mut line)?;
            while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                line.pop();
            }
            if !line.iter().all(u8::is_ascii_whitespace) {
                found.push(link_of(&line));
            }
            end = start;
        }
        let mut found = found.into_iter();
        tail.last = found.next();
        tail.before_last = found.next();
        Ok(tail)
    }
}

/// Offset where the line ending at `end` (exclusive; a trailing newline belongs to it)
/// starts.
fn line_start(file: &mut &File, end: u64) -> io::Result<u64> {
    const BLOCK: u64 = 8192;
    // Skip the line's own newline(s) at its end.
    let mut pos = end;
    let mut skipping = true;
    let mut buf = vec![0u8; BLOCK as usize];
    while pos > 0 {
        let from = pos.saturating_sub(BLOCK);
        let n = (pos - from) as usize;
        file.seek(SeekFrom::Start(from))?;
        file.read_exact(&mut buf[..n])?;
        for i in (0..n).rev() {
            let b = buf[i];
            if skipping {
                if b != b'\n' {
                    skipping = false;
                }
                continue;
            }
            if b == b'\n' {
                return Ok(from + i as u64 + 1);
            }
        }
        pos = from;
    }
    Ok(0)
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
    read_from(BufReader::new(open_for_reading(path)?), cutoff)
}

/// The log for reading: no link followed, nothing but a regular file (a FIFO or a device
/// planted at the path must not hang or flood the reader).
fn open_for_reading(path: &Path) -> io::Result<File> {
    let f = open_no_follow(path, OpenOptions::new().read(true))?;
    regular_file(&f, path)?;
    Ok(f)
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

/// What [`verify`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Every chained record matches its hash, follows the one before, and the head agrees.
    Intact {
        /// Non-empty lines in the log.
        lines: u64,
        /// The first line that carries a hash; lines before it were written before the chain
        /// existed and cannot be checked. `None`: no line carries one.
        chained_from: Option<usize>,
        /// The last line's link: what the head holds.
        head: Option<String>,
        /// Things worth knowing that are not tampering (a head one record behind after a
        /// crash, a torn line the chain passes over).
        notes: Vec<String>,
    },
    /// The first line found wrong, and how.
    Broken { line: usize, reason: String },
}

impl Verdict {
    /// 0 intact, 1 tampered (the caller's 3 stays "could not read").
    pub fn exit_code(&self) -> u8 {
        match self {
            Verdict::Intact { .. } => 0,
            Verdict::Broken { .. } => 1,
        }
    }

    /// One paragraph for people; the first line says it all.
    pub fn describe(&self, path: &Path) -> String {
        let path = sanitize::sanitize_one_line(&path.display().to_string());
        match self {
            Verdict::Broken { line, reason } => format!("{path}: line {line}: {reason}\n"),
            Verdict::Intact { lines, chained_from, head, notes } => {
                let mut out = match (chained_from, head) {
                    (None, _) if *lines == 0 => format!("{path}: empty, nothing to verify\n"),
                    (None, _) => format!(
                        "{path}: unchained before line {}: none of its {lines} record(s) carries a hash \
                         (written before the chain existed), so none can be checked\n",
                        lines + 1
                    ),
                    (Some(1), Some(h)) => {
                        format!("{path}: intact: {lines} record(s), chain head {h}\n")
                    }
                    (Some(n), Some(h)) => format!(
                        "{path}: intact from line {n}: unchained before line {n} (older records without \
                         a hash), {lines} line(s) in all, chain head {h}\n"
                    ),
                    (Some(_), None) => format!("{path}: intact: {lines} record(s)\n"),
                };
                for n in notes {
                    out.push_str(&format!("note: {n}\n"));
                }
                out
            }
        }
    }
}

/// Checks the log at `path` against its chain and its head (see the module notes).
pub fn verify(path: &Path) -> io::Result<Verdict> {
    let reader = BufReader::new(open_for_reading(path)?);
    // A damaged head is a finding, not a reason to give up.
    let head = match read_head(path) {
        Ok(h) => Ok(h),
        Err(e) if e.kind() == io::ErrorKind::InvalidData => Err(sanitize::echo(&e.to_string())),
        Err(e) => return Err(e),
    };
    let mut notes = Vec::new();
    let mut prev_link = GENESIS.to_string();
    // Links of the non-empty lines so far, by position, for comparing with the head.
    let mut links: Vec<(usize, String)> = Vec::new();
    let mut chained_from: Option<usize> = None;
    // A line that is not a record, after the chain started: fine only if the next record
    // chains over it (it was there, as it is, when that record was written).
    let mut pending_torn: Option<usize> = None;
    let mut physical = 0usize;
    for line in reader.split(b'\n') {
        physical += 1;
        let mut line = line?;
        if line.last() == Some(&b'\r') {
            line.pop();
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match split_chained(&line) {
            Some((covered, stated)) => {
                if sha256_hex(covered) != stated {
                    return Ok(Verdict::Broken {
                        line: physical,
                        reason: "modified: the record no longer matches its own sha256".into(),
                    });
                }
                let rec: AuditRecord = match serde_json::from_slice(&line) {
                    Ok(r) => r,
                    Err(e) => {
                        return Ok(Verdict::Broken {
                            line: physical,
                            reason: format!("not a valid record: {}", sanitize::echo(&e.to_string())),
                        });
                    }
                };
                if rec.prev_sha256.as_deref() != Some(prev_link.as_str()) {
                    let after = match links.last() {
                        Some((n, _)) => format!("line {n}"),
                        None => "the start of the log".to_string(),
                    };
                    return Ok(Verdict::Broken {
                        line: physical,
                        reason: format!(
                            "does not follow {after}: a record before it was deleted, moved or rewritten"
                        ),
                    });
                }
                if let Some(torn) = pending_torn.take() {
                    notes.push(format!(
                        "line {torn} is not a complete record (torn by a crash mid-write); the chain passes over it"
                    ));
                }
                chained_from.get_or_insert(physical);
                prev_link = stated.to_string();
            }
            None => {
                if chained_from.is_some() {
                    if let Some(torn) = pending_torn {
                        return Ok(Verdict::Broken {
                            line: torn,
                            reason: "not a chained record (edited, inserted, or torn)".into(),
                        });
                    }
                    pending_torn = Some(physical);
                }
                prev_link = sha256_hex(&line);
            }
        }
        links.push((physical, prev_link.clone()));
    }
    let lines = links.len() as u64;
    let Some(first) = chained_from else {
        // An old log: nothing to check against, whatever the head says.
        return Ok(Verdict::Intact { lines, chained_from: None, head: None, notes });
    };
    let head_link = links.last().map(|(_, l)| l.clone());
    let missing_at = links.last().map_or(1, |(n, _)| n + 1);
    let head_file = sanitize::sanitize_one_line(&head_path(path).display().to_string());
    let head = match head {
        Ok(Some(head)) => head,
        Ok(None) => {
            return Ok(Verdict::Broken {
                line: missing_at,
                reason: format!(
                    "the head file {head_file} is missing: whether records were cut from the end cannot be told"
                ),
            });
        }
        Err(e) => {
            return Ok(Verdict::Broken {
                line: missing_at,
                reason: format!("the head file is damaged: {e}"),
            });
        }
    };
    if head.count > lines {
        return Ok(Verdict::Broken {
            line: missing_at,
            reason: format!(
                "missing: the head counts {} record(s), the log has {lines} (records cut from the end, \
                 or deleted)",
                head.count
            ),
        });
    }
    let at_head = head.count.checked_sub(1).and_then(|i| links.get(i as usize));
    match at_head {
        Some((n, link)) if *link == head.last_sha256 => {
            let behind = lines - head.count;
            if behind == 1 {
                let last = links[links.len() - 1].0;
                notes.push(match pending_torn {
                    Some(torn) if torn == last => format!(
                        "line {last} is not a complete record and the head stops before it (torn by a crash \
                         mid-write)"
                    ),
                    _ => format!(
                        "the head is one record behind (line {last}: a crash between writing the record and \
                         the head)"
                    ),
                });
            } else if behind > 1 {
                return Ok(Verdict::Broken {
                    line: links[head.count as usize].0,
                    reason: format!(
                        "the head ends at line {n}; {behind} line(s) after it were added without updating it"
                    ),
                });
            } else if let Some(torn) = pending_torn {
                notes.push(format!("line {torn} is not a complete record (torn by a crash mid-write)"));
            }
        }
        Some((n, _)) => {
            return Ok(Verdict::Broken {
                line: *n,
                reason: format!(
                    "does not match the head ({} record(s), last sha256 {}): records were rewritten, or cut \
                     and replaced",
                    head.count, head.last_sha256
                ),
            });
        }
        None => {
            return Ok(Verdict::Broken {
                line: first,
                reason: "the head counts no records but the log has some".into(),
            });
        }
    }
    Ok(Verdict::Intact { lines, chained_from: Some(first), head: head_link, notes })
}

/// A plain table for `switchboard audit --format table`: one row per record, whatever the
/// fields hold. Every field is escaped ([`escape_field`]): a user name or message with a line
/// break, an escape sequence or a bidi control shows it as `\n`, `\u{1b}`, `\u{202e}` inside
/// its own cell instead of starting a row of its own.
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
            let mut user = r.user.clone();
            if let Some(env) = &r.env_user {
                user = format!("{user} (USER={env})");
            }
            [
                r.time.rfc3339(),
                user,
                r.source.clone(),
                rb,
                r.action.summary.clone(),
                if targets.is_empty() { "-".into() } else { targets.join(",") },
                status,
                r.command_id.clone().unwrap_or_else(|| "-".into()),
            ]
            .map(|cell| escape_field(&cell))
        })
        .collect();
    let mut widths = header.map(|h| h.chars().count());
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(unicode_width::UnicodeWidthStr::width(cell.as_str()));
        }
    }
    let mut out = String::new();
    let mut push = |cells: &[String]| {
        let line: Vec<String> = cells
            .iter()
            .zip(widths)
            .map(|(c, w)| {
                let pad = w.saturating_sub(unicode_width::UnicodeWidthStr::width(c.as_str()));
                format!("{c}{}", " ".repeat(pad))
            })
            .collect();
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
    fn the_user_is_the_uid_s_name_whatever_user_says() {
        let who = super::local_user();
        let uid = std::fs::read_to_string("/proc/self/status")
            .unwrap()
            .lines()
            .find_map(|l| l.strip_prefix("Uid:").map(|r| r.split_whitespace().next().unwrap().to_string()))
            .unwrap();
        let passwd = std::fs::read_to_string("/etc/passwd").unwrap();
        let expected = passwd
            .lines()
            .find_map(|l| {
                let f: Vec<&str> = l.split(':').collect();
                (f.get(2) == Some(&uid.as_str())).then(|| f[0].to_string())
            })
            .unwrap_or(format!("uid {uid}"));
        assert_eq!(who, expected);
        // The environment cannot change it (issue 11, item 12: USER=$'alice\n…' forged rows).
        // SAFETY of the test: set_var in a test binary whose other tests do not read USER.
        let saved = std::env::var_os("USER");
        unsafe { std::env::set_var("USER", "alice\n2026-11-22T03:00:00Z  bob  Success") };
        let s = super::Session::new("demo:x", None);
        match saved {
            Some(v) => unsafe { std::env::set_var("USER", v) },
            None => unsafe { std::env::remove_var("USER") },
        }
        assert_eq!(s.user, expected);
        assert_eq!(s.env_user.as_deref(), Some("alice\n2026-11-22T03:00:00Z  bob  Success"));
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
            env_user: None,
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
            env_user: None,
            prev_sha256: None,
            sha256: None,
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
                "prev_sha256",
                "runbook",
                "session",
                "sha256",
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

    #[test]
    fn the_table_cannot_be_forged_by_a_field() {
        // USER=$'alice\n2026-… bob … Success' once printed a second, fake row.
        let mut r = record_at(1_795_827_600, "requested");
        r.user = "root".into();
        r.env_user =
            Some("alice\n2026-11-28T01:00:00Z  bob  demo  -  restart service x  nt-a  Success".into());
        r.message = Some("boom\u{1b}[2J\u{1b}]52;c;aGk=\u{7}\u{202E}".into());
        r.command_id = Some("cmd\r\u{200B}1".into());
        let t = format_table(&[r]);
        assert_eq!(t.lines().count(), 2, "{t}");
        assert!(!t.chars().any(|c| c != '\n' && crate::sanitize::is_unsafe(c)), "{t:?}");
        let row = t.lines().nth(1).unwrap();
        assert!(row.contains("root (USER=alice\\n2026-11-28T01:00:00Z  bob"), "{row}");
        assert!(row.contains("boom\\u{1b}[2J\\u{1b}]52;c;aGk=\\u{7}\\u{202e}"), "{row}");
        assert!(row.contains("cmd\\r\\u{200b}1"), "{row}");
    }

    fn write_log(dir: &Path, n: usize) -> PathBuf {
        let path = dir.join("audit.jsonl");
        let mut log = AuditLog::open(&path, session()).unwrap();
        for i in 0..n {
            log.append(
                Entry::for_remote(&restart(), &[target()], AuditStatus::Requested).message(format!("#{i}")),
            )
            .unwrap();
        }
        path
    }

    fn lines(path: &Path) -> Vec<String> {
        std::fs::read_to_string(path).unwrap().lines().map(str::to_string).collect()
    }

    fn put(path: &Path, lines: &[String]) {
        std::fs::write(path, lines.iter().map(|l| format!("{l}\n")).collect::<String>()).unwrap();
    }

    fn broken_at(path: &Path) -> (usize, String) {
        match verify(path).unwrap() {
            Verdict::Broken { line, reason } => (line, reason),
            v => panic!("verified: {v:?}"),
        }
    }

    #[test]
    fn records_chain_and_the_head_follows() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_log(dir.path(), 4);
        let ls = lines(&path);
        let recs = read(&path, None).unwrap().records;
        assert_eq!(recs[0].prev_sha256.as_deref(), Some(GENESIS));
        for w in recs.windows(2) {
            assert_eq!(w[1].prev_sha256, w[0].sha256);
        }
        for (line, rec) in ls.iter().zip(&recs) {
            let (covered, hash) = split_chained(line.as_bytes()).expect("chained");
            assert_eq!(sha256_hex(covered), hash);
            assert_eq!(rec.sha256.as_deref(), Some(hash));
        }
        let head = read_head(&path).unwrap().unwrap();
        assert_eq!(head, Head { count: 4, last_sha256: recs[3].sha256.clone().unwrap() });
        let v = verify(&path).unwrap();
        assert_eq!(v.exit_code(), 0, "{v:?}");
        assert!(v.describe(&path).contains("intact: 4 record(s)"), "{}", v.describe(&path));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(head_path(&path)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600);
        }
    }

    #[test]
    fn an_edited_field_is_named_by_its_line() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_log(dir.path(), 5);
        let mut ls = lines(&path);
        ls[2] = ls[2].replace("requested", "Success");
        put(&path, &ls);
        let (line, reason) = broken_at(&path);
        assert_eq!(line, 3);
        assert!(reason.starts_with("modified"), "{reason}");
        // Rehashing the edited line does not help: the next one no longer follows it.
        let (covered, _) = split_chained(ls[2].as_bytes()).unwrap();
        let covered = covered.to_vec();
        ls[2] = format!(
            "{},\"sha256\":\"{}\"}}",
            String::from_utf8(covered.clone()).unwrap(),
            sha256_hex(&covered)
        );
        put(&path, &ls);
        let (line, reason) = broken_at(&path);
        assert_eq!(line, 4);
        assert!(reason.starts_with("does not follow line 3"), "{reason}");
    }

    #[test]
    fn deleted_reordered_and_cut_records_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_log(dir.path(), 5);
        let ls = lines(&path);
        let mut deleted = ls.clone();
        deleted.remove(1);
        put(&path, &deleted);
        assert_eq!(broken_at(&path).0, 2);
        let mut swapped = ls.clone();
        swapped.swap(2, 3);
        put(&path, &swapped);
        assert_eq!(broken_at(&path).0, 3);
        put(&path, &ls[..3]);
        let (line, reason) = broken_at(&path);
        assert_eq!(line, 4);
        assert!(reason.contains("the head counts 5 record(s), the log has 3"), "{reason}");
        // The first line deleted: the second no longer follows the start.
        put(&path, &ls[1..]);
        assert_eq!(
            broken_at(&path),
            (
                1,
                "does not follow the start of the log: a record before it was deleted, moved or rewritten"
                    .into()
            )
        );
    }

    #[test]
    fn a_crash_before_the_head_is_written_is_not_tampering() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_log(dir.path(), 3);
        let head = std::fs::read(head_path(&path)).unwrap();
        let mut log = AuditLog::open(&path, session()).unwrap();
        log.append(Entry::for_remote(&restart(), &[target()], AuditStatus::Sent)).unwrap();
        // As if the process died after the record and before its head.
        std::fs::write(head_path(&path), &head).unwrap();
        let v = verify(&path).unwrap();
        assert_eq!(v.exit_code(), 0, "{v:?}");
        assert!(v.describe(&path).contains("the head is one record behind"), "{}", v.describe(&path));
        // The next append catches the head up.
        log.append(Entry::for_remote(&restart(), &[target()], AuditStatus::Sent)).unwrap();
        assert_eq!(read_head(&path).unwrap().unwrap().count, 5);
        assert!(matches!(verify(&path).unwrap(), Verdict::Intact { notes, .. } if notes.is_empty()));
    }

    #[test]
    fn a_torn_line_is_passed_over_by_the_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = write_log(dir.path(), 2);
        let full = serde_json::to_string(&record_at(300, "third")).unwrap();
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&full.as_bytes()[..full.len() / 2]).unwrap();
        drop(f);
        // Before the next record: the head stops before the fragment.
        assert_eq!(verify(&path).unwrap().exit_code(), 0);
        let mut log = AuditLog::open(&path, session()).unwrap();
        log.append_record(&record_at(400, "fourth")).unwrap();
        let got = read(&path, None).unwrap();
        assert_eq!(got.skipped, 1);
        let v = verify(&path).unwrap();
        assert_eq!(v.exit_code(), 0, "{v:?}");
        assert!(v.describe(&path).contains("line 3 is not a complete record"), "{}", v.describe(&path));
    }

    #[test]
    fn old_logs_verify_as_unchained_and_chain_from_where_they_end() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut old: Vec<String> =
            (0..3).map(|i| serde_json::to_string(&record_at(100 + i, "Success")).unwrap()).collect();
        put(&path, &old);
        let v = verify(&path).unwrap();
        assert_eq!(v.exit_code(), 0);
        assert!(v.describe(&path).contains("unchained before line 4"), "{}", v.describe(&path));
        let mut log = AuditLog::open(&path, session()).unwrap();
        log.append_record(&record_at(200, "new")).unwrap();
        let v = verify(&path).unwrap();
        assert!(matches!(v, Verdict::Intact { chained_from: Some(4), lines: 4, .. }), "{v:?}");
        assert!(v.describe(&path).contains("unchained before line 4"), "{}", v.describe(&path));
        // The first chained record commits to the last old line.
        old[2] = old[2].replace("Success", "Failed");
        let mut ls = lines(&path);
        ls[2] = old[2].clone();
        put(&path, &ls);
        assert_eq!(broken_at(&path).0, 4);
    }

    #[cfg(unix)]
    #[test]
    fn a_symlink_is_refused_and_its_target_left_alone() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("victim");
        std::fs::write(&target, "precious\n").unwrap();
        std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o644)).unwrap();
        let link = dir.path().join("audit.jsonl");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let e = AuditLog::open(&link, session()).unwrap_err();
        assert!(e.to_string().contains("is a symbolic link"), "{e}");
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "precious\n");
        assert_eq!(std::fs::metadata(&target).unwrap().permissions().mode() & 0o777, 0o644);
        // Reading it back (`audit`, `audit verify`) refuses the link too.
        assert!(read(&link, None).is_err());
        // Not a regular file: a directory, a FIFO (which must not hang).
        let sub = dir.path().join("dir");
        std::fs::create_dir(&sub).unwrap();
        assert!(AuditLog::open(&sub, session()).unwrap_err().to_string().contains("directory"));
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = AuditLog::open(&fifo, session()).unwrap_err();
        assert!(e.to_string().contains("not a regular file (a FIFO)"), "{e}");
        assert!(read(&fifo, None).unwrap_err().to_string().contains("a FIFO"));
    }

    #[cfg(unix)]
    #[test]
    fn a_new_log_is_created_private() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new/audit.jsonl");
        let _log = AuditLog::open(&path, session()).unwrap();
        assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
    }

    #[test]
    fn two_sessions_on_one_log_keep_one_chain() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        let mut a = AuditLog::open(&path, session()).unwrap();
        let mut b = AuditLog::open(&path, session()).unwrap();
        let threads: Vec<_> = [0, 1]
            .into_iter()
            .map(|t| {
                let path = path.clone();
                std::thread::spawn(move || {
                    let mut log = AuditLog::open(&path, session()).unwrap();
                    for i in 0..25 {
                        log.append(
                            Entry::for_remote(&restart(), &[target()], AuditStatus::Sent)
                                .message(format!("{t}/{i}")),
                        )
                        .unwrap();
                    }
                })
            })
            .collect();
        a.append_record(&record_at(1, "a")).unwrap();
        b.append_record(&record_at(2, "b")).unwrap();
        for t in threads {
            t.join().unwrap();
        }
        let v = verify(&path).unwrap();
        assert!(matches!(v, Verdict::Intact { lines: 52, .. }), "{v:?}");
    }
}

//! Incidents on disk: one directory each under `<data dir>/incidents/`, every file append-only
//! JSON lines, each line written in one call, flushed and synced before the call returns.
//! Writers on one machine (the console, a runbook run, the notification worker, the CLI) take
//! an exclusive lock on the file for the write, so lines never interleave.

use super::event::{Event, EventKind};
use super::record::Incident;
use super::{IncidentId, Status};
use crate::model::Timestamp;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

pub const TIMELINE: &str = "timeline.jsonl";
pub const SERIES: &str = "series.jsonl";
pub const ATTACHMENTS: &str = "attachments";

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("no incident {0} (see `switchboard incident list`)")]
    NotFound(IncidentId),
    #[error("{0}")]
    Invalid(String),
}

fn io_at(path: &Path) -> impl FnOnce(io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.to_path_buf(), source }
}

/// The incidents directory.
#[derive(Debug, Clone)]
pub struct IncidentStore {
    root: PathBuf,
}

/// `<data dir>/incidents` (e.g. `~/.local/share/switchboard/incidents`), beside the audit log.
pub fn default_root() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "switchboard").map(|d| d.data_dir().join("incidents"))
}

impl IncidentStore {
    pub fn new(root: impl Into<PathBuf>) -> IncidentStore {
        IncidentStore { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn dir(&self, id: &IncidentId) -> PathBuf {
        self.root.join(id.as_str())
    }

    /// Declares a new incident: reserves the next free id of today (UTC) by creating its
    /// directory (atomic: two consoles declaring at once get different ids), then writes the
    /// `declared` event. Returns the id.
    pub fn create(&self, declared: Event) -> Result<IncidentId, StoreError> {
        if !matches!(declared.kind, EventKind::Declared { .. }) {
            return Err(StoreError::Invalid("an incident begins with its declaration".into()));
        }
        std::fs::create_dir_all(&self.root).map_err(io_at(&self.root))?;
        let date: String =
            Timestamp::now().rfc3339().chars().take(10).filter(|c| c.is_ascii_digit()).collect();
        let mut n = 1;
        let id = loop {
            let id = IncidentId::from_parts(&date, n);
            let dir = self.dir(&id);
            match std::fs::create_dir(&dir) {
                Ok(()) => break id,
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(StoreError::Io { path: dir, source: e }),
            }
            if n > 999_999 {
                return Err(StoreError::Invalid(format!("no free incident id left for {date}")));
            }
        };
        private_dir(&self.dir(&id));
        self.append(&id, declared)?;
        Ok(id)
    }

    pub fn exists(&self, id: &IncidentId) -> bool {
        self.dir(id).join(TIMELINE).is_file()
    }

    /// Appends one event to the incident's timeline (the console's way in: `append(id, Event)`).
    /// Durable when this returns. Returns the event as written (with `recorded_at`).
    pub fn append(&self, id: &IncidentId, mut event: Event) -> Result<Event, StoreError> {
        let dir = self.dir(id);
        if !dir.is_dir() {
            return Err(StoreError::NotFound(id.clone()));
        }
        event.recorded_at = Timestamp::now();
        append_json_line(&dir.join(TIMELINE), &event)?;
        Ok(event)
    }

    /// The incident as its timeline says.
    pub fn load(&self, id: &IncidentId) -> Result<Incident, StoreError> {
        let path = self.dir(id).join(TIMELINE);
        if !path.is_file() {
            return Err(StoreError::NotFound(id.clone()));
        }
        let (events, skipped) = read_json_lines::<Event>(&path)?;
        Incident::from_events(id.clone(), events, skipped).map_err(StoreError::Invalid)
    }

    /// Every incident, oldest id first. A directory that cannot be read is reported, not
    /// hidden.
    pub fn list(&self) -> Result<Vec<Result<Incident, StoreError>>, StoreError> {
        let entries = match std::fs::read_dir(&self.root) {
            Ok(e) => e,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(vec![]),
            Err(e) => return Err(StoreError::Io { path: self.root.clone(), source: e }),
        };
        let mut ids: Vec<IncidentId> = entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .filter_map(|e| IncidentId::parse(&e.file_name().to_string_lossy()).ok())
            .filter(|id| self.exists(id))
            .collect();
        ids.sort();
        Ok(ids.iter().map(|id| self.load(id)).collect())
    }

    /// Status changes go through here so an impossible one (resolved → resolved) is refused
    /// with the state it is in.
    pub fn set_status(&self, id: &IncidentId, to: Status, who: &str) -> Result<Event, StoreError> {
        let inc = self.load(id)?;
        if inc.status == to {
            return Err(StoreError::Invalid(format!("{id} is already {to}")));
        }
        self.append(id, Event::now(who, EventKind::StatusChanged { from: inc.status, to }))
    }

    /// Stores `bytes` as `attachments/<name>` (written whole, then renamed into place) and puts
    /// an `attached` event on the timeline.
    pub fn attach(
        &self,
        id: &IncidentId,
        name: &str,
        bytes: &[u8],
        description: &str,
        who: &str,
    ) -> Result<PathBuf, StoreError> {
        let ok = !name.is_empty()
            && name.len() <= 100
            && !name.starts_with('.')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
        if !ok {
            return Err(StoreError::Invalid(format!(
                "bad attachment name {name:?} (letters, digits, . - _)"
            )));
        }
        let dir = self.dir(id);
        if !dir.is_dir() {
            return Err(StoreError::NotFound(id.clone()));
        }
        let adir = dir.join(ATTACHMENTS);
        std::fs::create_dir_all(&adir).map_err(io_at(&adir))?;
        let path = adir.join(name);
        write_atomic(&path, bytes)?;
        self.append(
            id,
            Event::now(who, EventKind::Attached { name: name.into(), description: description.into() }),
        )?;
        Ok(path)
    }

    pub fn series_path(&self, id: &IncidentId) -> PathBuf {
        self.dir(id).join(SERIES)
    }
}

#[cfg(unix)]
fn private_dir(dir: &Path) {
    use std::os::unix::fs::PermissionsExt;
    // Timelines hold evidence from production; like the audit log, owner only. Best effort:
    // a filesystem without modes keeps its own.
    let _ = std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700));
}

#[cfg(not(unix))]
fn private_dir(_: &Path) {}

/// Opens `path` for appending (creating it), locked for this process while the returned file
/// lives. After a crash mid-write the last line is torn: the next line starts on a fresh one.
fn open_append_locked(path: &Path) -> Result<File, StoreError> {
    let mut opts = OpenOptions::new();
    opts.read(true).append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let mut file = opts.open(path).map_err(io_at(path))?;
    file.lock().map_err(io_at(path))?;
    let len = file.metadata().map_err(io_at(path))?.len();
    if len > 0 {
        let mut last = [0u8; 1];
        file.seek(SeekFrom::Start(len - 1)).map_err(io_at(path))?;
        file.read_exact(&mut last).map_err(io_at(path))?;
        if last[0] != b'\n' {
            file.write_all(b"\n").map_err(io_at(path))?;
        }
    }
    Ok(file)
}

/// One value as one line: a single write, flushed and synced before returning.
pub fn append_json_line<T: Serialize>(path: &Path, value: &T) -> Result<(), StoreError> {
    let mut line = serde_json::to_vec(value).map_err(|e| StoreError::Invalid(e.to_string()))?;
    line.push(b'\n');
    let mut file = open_append_locked(path)?;
    file.write_all(&line).map_err(io_at(path))?;
    file.flush().map_err(io_at(path))?;
    file.sync_data().map_err(io_at(path))
}

/// Every line that parses, and how many did not (a torn last line, a damaged one).
pub fn read_json_lines<T: DeserializeOwned>(path: &Path) -> Result<(Vec<T>, usize), StoreError> {
    let file = File::open(path).map_err(io_at(path))?;
    let mut out = Vec::new();
    let mut skipped = 0;
    for line in BufReader::new(file).split(b'\n') {
        let line = line.map_err(io_at(path))?;
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        match serde_json::from_slice::<T>(&line) {
            Ok(v) => out.push(v),
            Err(_) => skipped += 1,
        }
    }
    Ok((out, skipped))
}

/// Writes a whole file so a reader sees the old one or the new one, never half: a temporary
/// file beside it, synced, renamed over it, and the directory synced.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    {
        let mut f = File::create(&tmp).map_err(io_at(&tmp))?;
        f.write_all(bytes).map_err(io_at(&tmp))?;
        f.sync_all().map_err(io_at(&tmp))?;
    }
    std::fs::rename(&tmp, path).map_err(io_at(path))?;
    sync_dir(dir);
    Ok(())
}

/// Makes a rename or a new file in `dir` durable. Best effort where directories cannot be
/// opened (not on Unix).
pub fn sync_dir(dir: &Path) {
    #[cfg(unix)]
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
    #[cfg(not(unix))]
    let _ = dir;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::incident::{Clock, Severity};

    fn declared(title: &str) -> Event {
        Event::now("jdoe", EventKind::Declared { title: title.into(), severity: Severity::Sev2, drill: None })
    }

    #[test]
    fn ids_are_handed_out_in_order_and_events_come_back_in_order() {
        let dir = tempfile::tempdir().unwrap();
        let store = IncidentStore::new(dir.path().join("incidents"));
        let a = store.create(declared("first")).unwrap();
        let b = store.create(declared("second")).unwrap();
        assert!(a < b, "{a} {b}");
        assert!(a.as_str().ends_with("-001") && b.as_str().ends_with("-002"), "{a} {b}");
        store.append(&a, Event::now("jdoe", EventKind::Note { text: "one".into() })).unwrap();
        store
            .append(
                &a,
                Event::at(Timestamp(5), Clock::Simulated, "jdoe", EventKind::Note { text: "two".into() }),
            )
            .unwrap();
        let inc = store.load(&a).unwrap();
        assert_eq!(inc.title, "first");
        let notes: Vec<_> = inc
            .events
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::Note { text } => Some(text.as_str()),
                _ => None,
            })
            .collect();
        assert_eq!(notes, ["one", "two"]);
        assert!(inc.events.iter().all(|e| e.recorded_at.0 > 0));
        let listed: Vec<String> = store.list().unwrap().into_iter().map(|i| i.unwrap().title).collect();
        assert_eq!(listed, ["first", "second"]);
    }

    #[test]
    fn a_torn_line_is_skipped_and_the_next_event_survives() {
        let dir = tempfile::tempdir().unwrap();
        let store = IncidentStore::new(dir.path());
        let id = store.create(declared("t")).unwrap();
        let path = store.dir(&id).join(TIMELINE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(br#"{"at":"2026-11-22T03:00:00Z","clock":"wall","who":"x","event":"no"#).unwrap();
        drop(f);
        store.append(&id, Event::now("jdoe", EventKind::Note { text: "after".into() })).unwrap();
        let inc = store.load(&id).unwrap();
        assert_eq!(inc.skipped_lines, 1);
        assert!(matches!(&inc.events.last().unwrap().kind, EventKind::Note { text } if text == "after"));
    }

    #[test]
    fn status_changes_refuse_the_state_it_is_in_and_unknown_ids_say_so() {
        let dir = tempfile::tempdir().unwrap();
        let store = IncidentStore::new(dir.path());
        let id = store.create(declared("t")).unwrap();
        store.set_status(&id, Status::Resolved, "jdoe").unwrap();
        let e = store.set_status(&id, Status::Resolved, "jdoe").unwrap_err();
        assert_eq!(e.to_string(), format!("{id} is already resolved"));
        let other = IncidentId::parse("INC-20000101-001").unwrap();
        assert!(matches!(store.load(&other), Err(StoreError::NotFound(_))));
        assert!(matches!(
            store.append(&other, Event::now("x", EventKind::Note { text: "x".into() })),
            Err(StoreError::NotFound(_))
        ));
    }

    #[test]
    fn attachments_are_written_whole_and_named_safely() {
        let dir = tempfile::tempdir().unwrap();
        let store = IncidentStore::new(dir.path());
        let id = store.create(declared("t")).unwrap();
        let p = store.attach(&id, "telemetry.bin", b"abc", "flight recorder window", "jdoe").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"abc");
        assert!(store.attach(&id, "../x", b"", "", "jdoe").is_err());
        let inc = store.load(&id).unwrap();
        assert!(
            matches!(&inc.events.last().unwrap().kind, EventKind::Attached { name, .. } if name == "telemetry.bin")
        );
    }
}

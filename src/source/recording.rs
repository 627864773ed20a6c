//! Flight recordings: the console's telemetry, frame by frame, as a gzip stream of JSON lines.
//!
//! A line is a key frame (the whole snapshot as JSON) or a delta (only what changed since the
//! frame before, see [`diff`]); every [`KEY_EVERY`]th frame is a key frame, so a window can
//! start at any key frame and a damaged stretch costs at most one group. The gzip stream is
//! sync-flushed after every line: what was written before a `kill -9` decompresses, and the
//! reader ends a cut-off file at its last whole line and says so.
//!
//! The same lines go to a `--record` file, to the recorder's in-memory ring (the last hour by
//! default) and to an incident's `attachments/`, so what the console writes and what it keeps
//! are one encoding.

use crate::model::{Snapshot, Timestamp};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What the header line's `format` says.
pub const FORMAT: &str = "switchboard-recording";
pub const VERSION: u32 = 1;
/// A key frame every this many frames: at the console's 2 s refresh, one every two minutes.
pub const KEY_EVERY: usize = 60;

/// One line of a recording.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "line", rename_all = "snake_case")]
pub enum Line {
    /// First line of each file: what it is and where its figures came from.
    Header { format: String, version: u32, source: String, simulated: bool },
    /// The whole snapshot; `t` is its `taken_at` in milliseconds on the source's clock.
    Key { t: u64, snapshot: Value },
    /// What changed since the frame before.
    Delta { t: u64, patch: Value },
    /// The console attached the recording to this incident at `t`.
    Incident { t: u64, id: String },
}

impl Line {
    pub fn header(source: &str, simulated: bool) -> Line {
        Line::Header { format: FORMAT.into(), version: VERSION, source: source.into(), simulated }
    }

    pub fn to_text(&self) -> String {
        // A Line is made of strings, numbers and JSON values: it always serialises.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Turns snapshots into lines: key frames and deltas against the frame before.
#[derive(Debug, Default)]
pub struct Encoder {
    prev: Option<Value>,
    since_key: usize,
}

/// An encoded frame: its line, and whether a reader can start there.
#[derive(Debug, Clone)]
pub struct Encoded {
    pub t: Timestamp,
    pub text: String,
    pub key: bool,
}

impl Encoder {
    pub fn encode(&mut self, s: &Snapshot) -> Encoded {
        let value = serde_json::to_value(s).unwrap_or(Value::Null);
        let t = s.taken_at;
        let key = self.prev.is_none() || self.since_key + 1 >= KEY_EVERY;
        let line = match (&self.prev, key) {
            (Some(prev), false) => {
                self.since_key += 1;
                Line::Delta { t: t.0, patch: diff(prev, &value).unwrap_or(Value::Null) }
            }
            _ => {
                self.since_key = 0;
                Line::Key { t: t.0, snapshot: value.clone() }
            }
        };
        self.prev = Some(value);
        Encoded { t, text: line.to_text(), key }
    }
}

/// The patch that turns `old` into `new`, `None` when they are equal. Objects and arrays are
/// patched member by member (`{"{": {key: patch}, "-": [removed]}`, `{"[": {index: patch},
/// "n": length}`), anything else is replaced (`{"=": value}`): a refresh changes a few
/// figures of a large snapshot, and only those are written.
pub fn diff(old: &Value, new: &Value) -> Option<Value> {
    if old == new {
        return None;
    }
    let mut out = Map::new();
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut changed = Map::new();
            for (k, v) in b {
                match a.get(k) {
                    Some(o) => {
                        if let Some(p) = diff(o, v) {
                            changed.insert(k.clone(), p);
                        }
                    }
                    None => {
                        changed.insert(k.clone(), replace(v));
                    }
                }
            }
            let removed: Vec<Value> =
                a.keys().filter(|k| !b.contains_key(*k)).map(|k| Value::String(k.clone())).collect();
            out.insert("{".into(), Value::Object(changed));
            if !removed.is_empty() {
                out.insert("-".into(), Value::Array(removed));
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            let mut changed = Map::new();
            for (i, v) in b.iter().enumerate() {
                let p = match a.get(i) {
                    Some(o) => diff(o, v),
                    None => Some(replace(v)),
                };
                if let Some(p) = p {
                    changed.insert(i.to_string(), p);
                }
            }
            out.insert("[".into(), Value::Object(changed));
            out.insert("n".into(), Value::from(b.len()));
        }
        _ => return Some(replace(new)),
    }
    Some(Value::Object(out))
}

fn replace(v: &Value) -> Value {
    let mut m = Map::new();
    m.insert("=".into(), v.clone());
    Value::Object(m)
}

/// Applies a [`diff`] patch to `target`; `Null` is the patch of an unchanged frame.
pub fn apply(target: &mut Value, patch: &Value) -> Result<(), String> {
    let Value::Object(p) = patch else {
        return if patch.is_null() { Ok(()) } else { Err("a patch is not an object".into()) };
    };
    if let Some(v) = p.get("=") {
        *target = v.clone();
        return Ok(());
    }
    if let Some(Value::Object(changed)) = p.get("{") {
        let Value::Object(obj) = target else { return Err("an object patch on a non-object".into()) };
        for (k, sub) in changed {
            match obj.get_mut(k) {
                Some(slot) => apply(slot, sub)?,
                None => {
                    let mut fresh = Value::Null;
                    apply(&mut fresh, sub)?;
                    obj.insert(k.clone(), fresh);
                }
            }
        }
        if let Some(Value::Array(removed)) = p.get("-") {
            for k in removed.iter().filter_map(Value::as_str) {
                obj.remove(k);
            }
        }
        return Ok(());
    }
    if let Some(Value::Object(changed)) = p.get("[") {
        let Value::Array(arr) = target else { return Err("an array patch on a non-array".into()) };
        let n = p.get("n").and_then(Value::as_u64).ok_or("an array patch without its length")? as usize;
        arr.resize(n, Value::Null);
        for (i, sub) in changed {
            let i: usize = i.parse().map_err(|_| format!("array index {i:?} is not a number"))?;
            let slot = arr.get_mut(i).ok_or_else(|| format!("array index {i} beyond the length {n}"))?;
            apply(slot, sub)?;
        }
        return Ok(());
    }
    Err("a patch with none of =, {, [".into())
}

/// The recorder's memory: the frames of the last `window` on the recording's clock, in groups
/// that each begin with a key frame, so the window it hands out always starts at one.
///
/// Each group's lines are kept as one raw deflate stream, compressed as they come (the open
/// group's stream is finished when the next key frame starts a group): at 1,000 queues a group
/// is ~1.5 MB of JSON and ~170 KB deflated, and an hour is 30 groups. What goes to a file is
/// the lines themselves, inflated again one at a time, so the file is what writing the frames
/// as they came would have made.
#[derive(Debug)]
pub struct Ring {
    window: Duration,
    groups: VecDeque<Group>,
    /// A group could not be compressed: deltas are dropped until the next key frame, since a
    /// group without its key frame is of no use to a reader.
    lost: bool,
}

#[derive(Debug)]
struct Group {
    first: Timestamp,
    last: Timestamp,
    frames: usize,
    bytes: usize,
    body: Body,
}

enum Body {
    Open(flate2::write::DeflateEncoder<Vec<u8>>),
    Sealed(Box<[u8]>),
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Body::Open(z) => write!(f, "Open({} B so far)", z.get_ref().len()),
            Body::Sealed(b) => write!(f, "Sealed({} B)", b.len()),
        }
    }
}

impl Group {
    fn open(frame: &Encoded) -> Group {
        Group {
            first: frame.t,
            last: frame.t,
            frames: 0,
            bytes: 0,
            body: Body::Open(flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default())),
        }
    }

    fn add(&mut self, frame: &Encoded) -> std::io::Result<()> {
        let Body::Open(z) = &mut self.body else {
            return Err(std::io::Error::other("a frame for a sealed group"));
        };
        z.write_all(frame.text.as_bytes())?;
        z.write_all(b"\n")?;
        self.last = frame.t;
        self.frames += 1;
        self.bytes += frame.text.len() + 1;
        Ok(())
    }

    /// Ends the group's stream: no frame is added to it after its successor's key frame.
    fn seal(&mut self) -> std::io::Result<()> {
        // An empty body in the meantime (a failed finish leaves a group that is dropped); a
        // sealed group is left as it is.
        if let Body::Open(_) = self.body
            && let Body::Open(z) = std::mem::replace(&mut self.body, Body::Sealed(Box::default()))
        {
            self.body = Body::Sealed(z.finish()?.into_boxed_slice());
        }
        Ok(())
    }

    /// The memory its stream holds (the compressor's own state aside).
    fn held(&self) -> usize {
        match &self.body {
            Body::Open(z) => z.get_ref().capacity(),
            Body::Sealed(b) => b.len(),
        }
    }

    /// Writes its lines to `w` in order, the first as the key frame.
    fn write_to(&mut self, w: &mut Writer) -> std::io::Result<()> {
        let data: &[u8] = match &mut self.body {
            Body::Open(z) => {
                // A sync flush puts every line written so far into the buffer; the stream
                // goes on after it.
                z.flush()?;
                z.get_ref()
            }
            Body::Sealed(b) => b,
        };
        let mut lines = BufReader::new(flate2::read::DeflateDecoder::new(data));
        let mut buf = Vec::new();
        // Exactly its frames: a flushed, unfinished stream reads as cut off after them.
        for i in 0..self.frames {
            buf.clear();
            lines.read_until(b'\n', &mut buf)?;
            if buf.pop() != Some(b'\n') {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    format!("the kept window's frame {} of {} is cut off", i + 1, self.frames),
                ));
            }
            let text = std::str::from_utf8(&buf)
                .map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))?;
            w.frame_text(text, i == 0)?;
        }
        Ok(())
    }
}

impl Ring {
    pub fn new(window: Duration) -> Ring {
        Ring { window, groups: VecDeque::new(), lost: false }
    }

    /// Keeps a frame. An error (the compressor failing) costs the group it was for; the ring
    /// starts again at the next key frame.
    pub fn push(&mut self, frame: &Encoded) -> std::io::Result<()> {
        let kept = if frame.key {
            let sealed = self.groups.back_mut().map_or(Ok(()), Group::seal);
            if sealed.is_err() {
                self.drop_newest();
            }
            let mut group = Group::open(frame);
            let added = group.add(frame);
            match added {
                Ok(()) => {
                    self.groups.push_back(group);
                    self.lost = false;
                }
                Err(_) => self.lost = true,
            }
            sealed.and(added)
        } else {
            match self.groups.back_mut() {
                Some(group) if !self.lost => {
                    let added = group.add(frame);
                    if added.is_err() {
                        self.drop_newest();
                    }
                    added
                }
                // After a lost group (or before any key frame): nothing a reader can use.
                _ => Ok(()),
            }
        };
        // The oldest group goes once the next one alone still covers the window.
        let horizon = Timestamp(frame.t.0.saturating_sub(self.window.as_millis() as u64));
        while self.groups.len() > 1 && self.groups.get(1).is_some_and(|g| g.first <= horizon) {
            self.groups.pop_front();
        }
        kept
    }

    fn drop_newest(&mut self) {
        self.groups.pop_back();
        self.lost = true;
    }

    /// How many frames it keeps.
    pub fn len(&self) -> usize {
        self.groups.iter().map(|g| g.frames).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.groups.is_empty()
    }

    /// The oldest and newest kept frame's time.
    pub fn span(&self) -> Option<(Timestamp, Timestamp)> {
        Some((self.groups.front()?.first, self.groups.back()?.last))
    }

    /// Writes every kept frame to `w`, oldest first (the first is a key frame): the same
    /// lines, flushed the same way, as `w.frame` of each frame as it came.
    pub fn write_to(&mut self, w: &mut Writer) -> std::io::Result<()> {
        self.groups.iter_mut().try_for_each(|g| g.write_to(w))
    }

    /// The size of the kept lines, uncompressed (newlines included).
    pub fn bytes(&self) -> usize {
        self.groups.iter().map(|g| g.bytes).sum()
    }

    /// The memory the kept lines take, compressed (each open compressor's state aside).
    pub fn held(&self) -> usize {
        self.groups.iter().map(Group::held).sum()
    }
}

/// A recording being written: a gzip stream, flushed to the file after every line.
pub struct Writer {
    gz: flate2::write::GzEncoder<File>,
    path: PathBuf,
    lines: usize,
}

impl Writer {
    /// Creates (or replaces) `path` and writes the header. The file is the user's (0600):
    /// it holds the contact center's figures.
    pub fn create(path: &Path, source: &str, simulated: bool) -> std::io::Result<Writer> {
        let mut opts = std::fs::OpenOptions::new();
        opts.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut opts, 0o600);
        let file = opts.open(path)?;
        let gz = flate2::write::GzEncoder::new(file, flate2::Compression::default());
        let mut w = Writer { gz, path: path.to_path_buf(), lines: 0 };
        w.line(&Line::header(source, simulated).to_text())?;
        Ok(w)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes one line and sync-flushes it into the file, so a reader (or the next process
    /// after a crash) can decompress it; every key frame is also synced to the disk.
    pub fn line(&mut self, text: &str) -> std::io::Result<()> {
        self.gz.write_all(text.as_bytes())?;
        self.gz.write_all(b"\n")?;
        self.gz.flush()?;
        self.lines += 1;
        Ok(())
    }

    pub fn frame(&mut self, f: &Encoded) -> std::io::Result<()> {
        self.frame_text(&f.text, f.key)
    }

    /// A frame's line; a key frame is also synced to the disk.
    pub fn frame_text(&mut self, text: &str, key: bool) -> std::io::Result<()> {
        self.line(text)?;
        if key {
            self.gz.get_ref().sync_data()?;
        }
        Ok(())
    }

    /// Ends the gzip stream properly (its trailer), syncing the file.
    pub fn finish(self) -> std::io::Result<()> {
        let file = self.gz.finish()?;
        file.sync_all()
    }

    /// Compressed bytes written so far.
    pub fn compressed_len(&self) -> u64 {
        self.gz.get_ref().metadata().map(|m| m.len()).unwrap_or(0)
    }
}

/// One frame read back.
#[derive(Debug, Clone)]
pub struct Frame {
    pub at: Timestamp,
    pub snapshot: Snapshot,
}

/// A recording read back: its frames in order, the incidents it was attached to, and how it
/// ended.
#[derive(Debug, Clone)]
pub struct Recording {
    pub path: PathBuf,
    pub source: String,
    pub simulated: bool,
    pub frames: Vec<Frame>,
    pub incidents: Vec<String>,
    /// Why the file ends early (cut off mid-stream, a line that does not parse after good
    /// ones), when it does: the frames before it are kept.
    pub cut_short: Option<String>,
}

impl Recording {
    pub fn start(&self) -> Option<Timestamp> {
        self.frames.first().map(|f| f.at)
    }

    pub fn end(&self) -> Option<Timestamp> {
        self.frames.last().map(|f| f.at)
    }

    /// The index of the last frame at or before `at` (the first frame before the start).
    pub fn frame_at(&self, at: Timestamp) -> usize {
        self.frames.partition_point(|f| f.at <= at).saturating_sub(1)
    }
}

/// Why a recording cannot be read: always names the file.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("{path}: {error}")]
    Open { path: String, error: std::io::Error },
    #[error("{path}: not a switchboard recording ({why})")]
    NotARecording { path: String, why: String },
    #[error("{path}: line {line}: {why}")]
    Bad { path: String, line: usize, why: String },
    #[error("{path}: the recording holds no frames{}", .cut.as_ref().map(|c| format!(" ({c})")).unwrap_or_default())]
    Empty { path: String, cut: Option<String> },
}

/// Reads a recording whole. `relink` gives each data-defined pane back its definition, which a
/// snapshot does not carry (the config's, by pane id).
pub fn read(path: &Path, relink: &dyn Fn(&mut Snapshot)) -> Result<Recording, ReadError> {
    let shown = path.display().to_string();
    let file = File::open(path).map_err(|error| ReadError::Open { path: shown.clone(), error })?;
    let mut magic = [0u8; 2];
    let mut peek = BufReader::new(file);
    let head = peek.fill_buf().map_err(|error| ReadError::Open { path: shown.clone(), error })?;
    magic.iter_mut().zip(head.iter()).for_each(|(m, h)| *m = *h);
    if head.len() < 2 || magic != [0x1f, 0x8b] {
        return Err(ReadError::NotARecording { path: shown, why: "not gzip data".into() });
    }
    let mut lines = BufReader::new(flate2::read::MultiGzDecoder::new(peek));
    let mut rec = Recording {
        path: path.to_path_buf(),
        source: String::new(),
        simulated: false,
        frames: Vec::new(),
        incidents: Vec::new(),
        cut_short: None,
    };
    let mut current: Option<Value> = None;
    let mut seen_header = false;
    let mut buf = Vec::new();
    let mut n = 0usize;
    loop {
        buf.clear();
        match lines.by_ref().take(64 << 20).read_until(b'\n', &mut buf) {
            Ok(0) => break,
            Ok(_) if buf.last() != Some(&b'\n') => {
                rec.cut_short = Some(format!("cut off in line {}", n + 1));
                break;
            }
            Ok(_) => {}
            Err(e) => {
                if !seen_header {
                    return Err(ReadError::NotARecording { path: shown, why: format!("gzip: {e}") });
                }
                rec.cut_short = Some(format!("cut off after line {n} ({e})"));
                break;
            }
        }
        n += 1;
        let bad = |why: String| ReadError::Bad { path: shown.clone(), line: n, why };
        let line: Line = match serde_json::from_slice(&buf) {
            Ok(l) => l,
            Err(e) if !seen_header => {
                return Err(ReadError::NotARecording { path: shown, why: format!("line 1: {e}") });
            }
            Err(e) => return Err(bad(e.to_string())),
        };
        match line {
            Line::Header { format, version, source, simulated } => {
                if format != FORMAT {
                    return Err(bad(format!("format {format:?}, expected {FORMAT:?}")));
                }
                if version != VERSION {
                    return Err(bad(format!("version {version}, this switchboard reads {VERSION}")));
                }
                if !seen_header {
                    rec.source = source;
                    rec.simulated = simulated;
                }
                seen_header = true;
                // A new segment (a file appended to) starts again from a key frame.
                current = None;
            }
            _ if !seen_header => {
                return Err(ReadError::NotARecording { path: shown, why: "no header line".into() });
            }
            Line::Key { t, snapshot } => {
                rec.frames.push(decode(&snapshot, t, relink).map_err(bad)?);
                current = Some(snapshot);
            }
            Line::Delta { t, patch } => {
                let Some(value) = current.as_mut() else {
                    return Err(bad("a delta before any key frame".into()));
                };
                apply(value, &patch).map_err(bad)?;
                rec.frames.push(decode(value, t, relink).map_err(bad)?);
            }
            Line::Incident { id, .. } => {
                if !rec.incidents.contains(&id) {
                    rec.incidents.push(id);
                }
            }
        }
    }
    if rec.frames.is_empty() {
        return Err(ReadError::Empty { path: shown, cut: rec.cut_short });
    }
    if rec.frames.windows(2).any(|w| w[1].at < w[0].at) {
        // Frames are replayed by time: an out-of-order file is refused, not shuffled.
        let i = rec.frames.windows(2).position(|w| w[1].at < w[0].at).unwrap_or(0);
        return Err(ReadError::Bad {
            path: shown,
            line: 0,
            why: format!("frame {} goes back in time", i + 2),
        });
    }
    Ok(rec)
}

fn decode(v: &Value, t: u64, relink: &dyn Fn(&mut Snapshot)) -> Result<Frame, String> {
    let mut snapshot: Snapshot = serde_json::from_value(v.clone()).map_err(|e| format!("snapshot: {e}"))?;
    // The JSON text of `taken_at` has whole seconds; the line's `t` has the milliseconds.
    snapshot.taken_at = Timestamp(t);
    relink(&mut snapshot);
    Ok(Frame { at: Timestamp(t), snapshot })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::sim::{Scenario, SimParams, Simulator};

    fn frames(n: u64) -> Vec<Snapshot> {
        let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 7));
        (0..n)
            .map(|i| {
                sim.advance_to(Duration::from_secs(100 + i * 2));
                sim.snapshot()
            })
            .collect()
    }

    #[test]
    fn a_patch_turns_the_old_value_into_the_new_one() {
        let cases = [
            (
                serde_json::json!({"a": 1, "b": [1, 2, 3], "c": {"d": "x"}}),
                serde_json::json!({"a": 2, "b": [1, 5], "e": null}),
            ),
            (serde_json::json!([1, {"x": 1}]), serde_json::json!([1, {"x": 2}, 3, [4]])),
            (serde_json::json!({"a": 1}), serde_json::json!("text")),
        ];
        for (old, new) in cases {
            let mut v = old.clone();
            apply(&mut v, &diff(&old, &new).unwrap()).unwrap();
            assert_eq!(v, new, "{old} → {new}");
        }
        assert!(diff(&serde_json::json!({"a": 1}), &serde_json::json!({"a": 1})).is_none());
        let mut v = serde_json::json!(1);
        assert!(apply(&mut v, &serde_json::json!({"{": {}})).is_err());
    }

    #[test]
    fn a_written_recording_reads_back_frame_for_frame() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.gz");
        let snaps = frames(130);
        let mut w = Writer::create(&path, "demo:chat-bridge-down", true).unwrap();
        let mut enc = Encoder::default();
        let mut keys = 0;
        for s in &snaps {
            let f = enc.encode(s);
            keys += usize::from(f.key);
            w.frame(&f).unwrap();
        }
        w.finish().unwrap();
        assert_eq!(keys, 3, "a key frame every {KEY_EVERY}");
        let rec = read(&path, &|_| {}).unwrap();
        assert_eq!(rec.source, "demo:chat-bridge-down");
        assert!(rec.simulated && rec.cut_short.is_none());
        assert_eq!(rec.frames.len(), snaps.len());
        for (f, s) in rec.frames.iter().zip(&snaps) {
            assert_eq!(&f.snapshot, s, "frame at {}", s.taken_at);
        }
    }

    #[test]
    fn a_file_cut_off_mid_stream_keeps_what_was_flushed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.gz");
        let snaps = frames(20);
        let mut w = Writer::create(&path, "demo", true).unwrap();
        let mut enc = Encoder::default();
        for s in &snaps {
            w.frame(&enc.encode(s)).unwrap();
        }
        // As after a kill -9: no trailer (dropping would write one), the file as flushed.
        std::mem::forget(w);
        let bytes = std::fs::read(&path).unwrap();
        let rec = read(&path, &|_| {}).unwrap();
        assert!(rec.cut_short.is_some(), "no gzip trailer: said");
        assert_eq!(rec.frames.len(), 20, "every flushed frame");
        // And a torn last write: 40 bytes off the end, into the last frame.
        std::fs::write(&path, &bytes[..bytes.len() - 40]).unwrap();
        let rec = read(&path, &|_| {}).unwrap();
        assert!(rec.cut_short.is_some());
        assert_eq!(rec.frames.len(), 19, "all but the damaged last frame");
        assert_eq!(rec.frames[18].snapshot, snaps[18]);
    }

    #[test]
    fn bad_files_are_named_with_what_is_wrong() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.gz");
        let e = read(&missing, &|_| {}).unwrap_err().to_string();
        assert!(e.contains("none.gz") && e.contains("No such file"), "{e}");
        let text = dir.path().join("t.gz");
        std::fs::write(&text, "hello\n").unwrap();
        let e = read(&text, &|_| {}).unwrap_err().to_string();
        assert!(e.contains("t.gz") && e.contains("not gzip"), "{e}");
        let gz = |name: &str, body: &str| {
            let p = dir.path().join(name);
            let mut z = flate2::write::GzEncoder::new(File::create(&p).unwrap(), flate2::Compression::fast());
            z.write_all(body.as_bytes()).unwrap();
            z.finish().unwrap();
            p
        };
        let e = read(&gz("other.gz", "{\"x\": 1}\n"), &|_| {}).unwrap_err().to_string();
        assert!(e.contains("other.gz: not a switchboard recording"), "{e}");
        let header = Line::header("demo", true).to_text();
        let e = read(
            &gz("delta.gz", &format!("{header}\n{{\"line\":\"delta\",\"t\":1,\"patch\":null}}\n")),
            &|_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("delta.gz: line 2: a delta before any key frame"), "{e}");
        let e = read(&gz("empty.gz", &format!("{header}\n")), &|_| {}).unwrap_err().to_string();
        assert!(e.contains("empty.gz: the recording holds no frames"), "{e}");
        let e = read(
            &gz(
                "junk.gz",
                &format!("{header}\n{{\"line\":\"key\",\"t\":1,\"snapshot\":{{\"connect\":7}}}}\n"),
            ),
            &|_| {},
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("junk.gz: line 2: snapshot:"), "{e}");
    }

    /// An hour of the console at its default 2 s refresh, during an incident (the figures
    /// move every frame): what the recorder writes for it. `--nocapture` prints the figures.
    #[test]
    fn an_hour_of_telemetry_stays_small() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hour.gz");
        let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 7));
        let mut w = Writer::create(&path, "demo:chat-bridge-down", true).unwrap();
        let mut enc = Encoder::default();
        let mut raw = 0usize;
        let mut full = 0usize;
        for i in 0..1800u64 {
            sim.advance_to(Duration::from_secs(i * 2));
            let s = sim.snapshot();
            full += serde_json::to_string(&s).unwrap().len();
            let f = enc.encode(&s);
            raw += f.text.len();
            w.frame(&f).unwrap();
        }
        w.finish().unwrap();
        let gz = std::fs::metadata(&path).unwrap().len();
        println!("1800 frames: {full} B as whole snapshots, {raw} B as key frames + deltas, {gz} B on disk");
        assert!(raw < full / 2, "deltas are smaller than whole snapshots: {raw} vs {full}");
        assert!(gz < 4 << 20, "{gz} B for an hour");
        assert_eq!(read(&path, &|_| {}).unwrap().frames.len(), 1800);
    }

    /// The ring as it was before it compressed: every frame's line as it came, in groups from
    /// a key frame on. What it wrote to an incident is what the ring must still write.
    struct PlainRing {
        window: Duration,
        groups: VecDeque<Vec<Encoded>>,
    }

    impl PlainRing {
        fn push(&mut self, frame: Encoded) {
            let t = frame.t;
            match self.groups.back_mut() {
                Some(group) if !frame.key => group.push(frame),
                _ => self.groups.push_back(vec![frame]),
            }
            let horizon = Timestamp(t.0.saturating_sub(self.window.as_millis() as u64));
            while self.groups.len() > 1
                && self.groups.get(1).and_then(|g| g.first()).is_some_and(|f| f.t <= horizon)
            {
                self.groups.pop_front();
            }
        }
    }

    #[test]
    fn the_ring_keeps_the_window_from_a_key_frame_on() {
        let dir = tempfile::tempdir().unwrap();
        let mut ring = Ring::new(Duration::from_secs(60));
        let mut plain = PlainRing { window: Duration::from_secs(60), groups: VecDeque::new() };
        let mut enc = Encoder::default();
        let mut written = 0;
        for (i, s) in frames(200).into_iter().enumerate() {
            let f = enc.encode(&s);
            ring.push(&f).unwrap();
            plain.push(f);
            // Written out mid-group (its stream flushed, not finished), at a group's end and
            // at the end: the same bytes as the plain frames written one by one.
            if [100, 119, 150, 199].contains(&i) {
                let (new, old) =
                    (dir.path().join(format!("new{i}.gz")), dir.path().join(format!("old{i}.gz")));
                let mut w = Writer::create(&new, "demo", true).unwrap();
                ring.write_to(&mut w).unwrap();
                w.finish().unwrap();
                let mut w = Writer::create(&old, "demo", true).unwrap();
                plain.groups.iter().flatten().for_each(|f| w.frame(f).unwrap());
                w.finish().unwrap();
                assert_eq!(std::fs::read(&new).unwrap(), std::fs::read(&old).unwrap(), "after frame {i}");
                written += 1;
            }
        }
        assert_eq!(written, 4);
        let kept: Vec<&Encoded> = plain.groups.iter().flatten().collect();
        assert!(kept[0].key, "the window starts at a key frame");
        assert_eq!(ring.len(), kept.len());
        let (first, last) = ring.span().unwrap();
        assert_eq!((first, last), (kept[0].t, kept.last().unwrap().t));
        let span = last.since(first);
        // 2 s apart: the window (60 s) plus at most one group (60 frames, 120 s) before it.
        assert!(span >= Duration::from_secs(60) && span < Duration::from_secs(60 + 120), "{span:?}");
        assert_eq!(ring.bytes(), kept.iter().map(|f| f.text.len() + 1).sum::<usize>());
        // And what it wrote reads back as those frames.
        let rec = read(&dir.path().join("new199.gz"), &|_| {}).unwrap();
        assert_eq!(rec.frames.len(), kept.len());
        assert_eq!(rec.start(), Some(first));
    }

    /// Three hours of an incident's telemetry through a 30-minute ring: what it holds stops
    /// growing once the window is full, and is a fraction of the lines it keeps.
    #[test]
    fn the_memory_the_ring_holds_is_bounded() {
        let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 7));
        let mut ring = Ring::new(Duration::from_secs(1800));
        let mut enc = Encoder::default();
        let (mut full, mut most) = (0usize, 0usize);
        for i in 0..5400u64 {
            sim.advance_to(Duration::from_secs(i * 2));
            ring.push(&enc.encode(&sim.snapshot())).unwrap();
            if i == 1800 / 2 + KEY_EVERY as u64 {
                full = ring.held();
            }
            most = most.max(ring.held());
            assert!(
                ring.held() * 4 < ring.bytes().max(4096),
                "frame {i}: {} B held for {} B",
                ring.held(),
                ring.bytes()
            );
        }
        // The window plus the group before it, at most: a group more than when it was full.
        assert!(most <= full * 3 / 2, "{most} B at most, {full} B once the window was full");
        assert!(ring.len() <= 1800 / 2 + KEY_EVERY, "{} frames kept", ring.len());
    }
}

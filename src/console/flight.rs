//! The flight recorder: every snapshot the console takes in, encoded and written on a thread
//! of its own (the key loop only clones the snapshot into a channel). It keeps the last hour
//! (by default) in memory; `--record FILE` also writes everything to a file; while an incident
//! is open here, the kept window and everything after it go to the incident's
//! `attachments/telemetry.jsonl.gz`, so `switchboard replay INC` can show what led up to it.

use crate::app::msg::Msg;
use crate::incident::{Clock, Event, EventKind, IncidentId, IncidentStore};
use crate::model::{Snapshot, Timestamp};
use crate::source::recording::{Encoder, Line, Ring, Writer};
use std::path::{Path, PathBuf};
use std::time::Duration;
use tokio::sync::mpsc;

/// What the ring keeps when nothing says otherwise: the hour before an incident is declared.
pub const DEFAULT_WINDOW: Duration = Duration::from_secs(3600);

pub struct FlightOptions {
    /// `--record FILE`: every frame of the session, from the first.
    pub file: Option<PathBuf>,
    /// How far back the ring reaches (on the source's clock).
    pub window: Duration,
    /// `demo:chat-bridge-down`, `aws:…`: written in each file's header.
    pub source: String,
    /// The figures are the simulator's: the timeline's `attached` event is on its clock.
    pub simulated: bool,
    /// Who the timeline says attached the recording (the local user).
    pub who: String,
}

enum Order {
    Frame(Box<Snapshot>),
    /// An incident is open here: write the window and what follows into its attachments.
    Attach {
        id: IncidentId,
        store: IncidentStore,
    },
    /// It was resolved (or the console left it): that file is complete.
    Detach,
}

/// The running recorder: frames and incident changes go in here.
pub struct Flight {
    tx: Option<std::sync::mpsc::Sender<Order>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Flight {
    /// Creates the `--record` file (an error here stops the console before it starts: a
    /// recording asked for and not made must not go unnoticed) and starts the thread. What
    /// goes wrong later (a full disk) is said in the status bar through `replies`.
    pub fn start(opts: FlightOptions, replies: mpsc::Sender<Msg>) -> Result<Flight, String> {
        let file = match &opts.file {
            Some(path) => Some(
                Writer::create(path, &opts.source, opts.simulated)
                    .map_err(|e| format!("cannot write the recording {}: {e}", path.display()))?,
            ),
            None => None,
        };
        let (tx, rx) = std::sync::mpsc::channel::<Order>();
        let thread = std::thread::Builder::new()
            .name("flight-recorder".into())
            .spawn(move || {
                let mut w = Worker {
                    opts,
                    encoder: Encoder::default(),
                    ring: None,
                    file,
                    attached: None,
                    replies,
                    last_t: 0,
                };
                while let Ok(order) = rx.recv() {
                    w.handle(order);
                }
                w.close();
            })
            .map_err(|e| format!("cannot start the flight recorder: {e}"))?;
        Ok(Flight { tx: Some(tx), thread: Some(thread) })
    }

    /// A snapshot the console took in.
    pub fn frame(&self, s: &Snapshot) {
        self.send(Order::Frame(Box::new(s.clone())));
    }

    /// Where another thread (the intake worker) hands frames in.
    pub fn sink(&self) -> FrameSink {
        FrameSink { tx: self.tx.clone() }
    }

    pub fn attach(&self, id: &IncidentId, store: &IncidentStore) {
        self.send(Order::Attach { id: id.clone(), store: store.clone() });
    }

    pub fn detach(&self) {
        self.send(Order::Detach);
    }

    fn send(&self, order: Order) {
        if let Some(tx) = &self.tx {
            // A stopped recorder already said why; the console goes on without it.
            let _ = tx.send(order);
        }
    }

    /// Lets the thread write what is queued and close its files (their gzip trailers), waiting
    /// at most `patience`.
    pub fn finish(mut self, patience: Duration) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let deadline = std::time::Instant::now() + patience;
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

/// Frames into a running recorder from another thread; the recorder closes once the console
/// and every sink have let go.
pub struct FrameSink {
    tx: Option<std::sync::mpsc::Sender<Order>>,
}

impl FrameSink {
    /// A snapshot the console took in.
    pub fn frame(&self, s: &Snapshot) {
        if let Some(tx) = &self.tx {
            // A stopped recorder already said why; the console goes on without it.
            let _ = tx.send(Order::Frame(Box::new(s.clone())));
        }
    }
}

struct Attached {
    id: String,
    writer: Writer,
}

struct Worker {
    opts: FlightOptions,
    encoder: Encoder,
    /// Made on the first frame (its window is measured on the frames' clock).
    ring: Option<Ring>,
    file: Option<Writer>,
    attached: Option<Attached>,
    replies: mpsc::Sender<Msg>,
    /// The newest frame's time, for the incident line.
    last_t: u64,
}

impl Worker {
    fn handle(&mut self, order: Order) {
        match order {
            Order::Frame(s) => {
                let f = self.encoder.encode(&s);
                self.last_t = f.t.0;
                if let Some(w) = self.file.as_mut()
                    && let Err(e) = w.frame(&f)
                {
                    let path = w.path().display().to_string();
                    self.file = None;
                    self.say(Err(format!("recording to {path} stopped: {e}")));
                }
                if let Some(a) = self.attached.as_mut()
                    && let Err(e) = a.writer.frame(&f)
                {
                    let path = a.writer.path().display().to_string();
                    self.attached = None;
                    self.say(Err(format!("the incident's recording {path} stopped: {e}")));
                }
                let ring = self.ring.get_or_insert_with(|| Ring::new(self.opts.window));
                if let Err(e) = ring.push(&f) {
                    // The ring goes on from the next key frame; an attach before then has less.
                    self.say(Err(format!("flight recorder: the in-memory window lost frames: {e}")));
                }
            }
            Order::Attach { id, store } => {
                let name = id.to_string();
                if self.attached.as_ref().is_some_and(|a| a.id == name) {
                    return;
                }
                self.close_attached();
                let dir = store.dir(&id).join("attachments");
                match self.open_attachment(&name, &dir) {
                    Ok((a, kept)) => {
                        let file = a.writer.path().file_name().map(|f| f.to_string_lossy().into_owned());
                        let text = format!(
                            "flight recorder: {kept} attached to {id} ({})",
                            a.writer.path().display()
                        );
                        self.attached = Some(a);
                        // On the timeline too, at the newest frame's time on its clock, so the
                        // report lists the recording beside the events it shows.
                        let clock = if self.opts.simulated { Clock::Simulated } else { Clock::Wall };
                        let event = Event::at(
                            Timestamp(self.last_t),
                            clock,
                            self.opts.who.clone(),
                            EventKind::Attached {
                                name: file.unwrap_or_default(),
                                description: format!(
                                    "flight recording: {kept} before, then until resolved (switchboard replay {id})"
                                ),
                            },
                        );
                        match store.append(&id, event) {
                            Ok(_) => self.say(Ok(text)),
                            Err(e) => self.say(Err(format!("{text}; not on the timeline: {e}"))),
                        }
                    }
                    Err(e) => self.say(Err(format!("flight recorder: cannot attach to {id}: {e}"))),
                }
                let line = Line::Incident { t: self.last_t, id: name }.to_text();
                if let Some(w) = self.file.as_mut() {
                    let _ = w.line(&line);
                }
            }
            Order::Detach => self.close_attached(),
        }
    }

    /// A new file beside any earlier ones (a console that re-attaches after a restart adds
    /// one), holding the ring's window, then the incident line.
    fn open_attachment(&mut self, id: &str, dir: &Path) -> std::io::Result<(Attached, String)> {
        std::fs::create_dir_all(dir)?;
        let path = (1..)
            .map(|n| dir.join(attachment_name(n)))
            .find(|p| !p.exists())
            .unwrap_or_else(|| dir.join(attachment_name(1)));
        let mut writer = Writer::create(&path, &self.opts.source, self.opts.simulated)?;
        let span = match self.ring.as_ref().and_then(Ring::span) {
            Some((a, b)) => format!("the last {}", crate::model::fmt_duration(b.since(a))),
            None => "the telemetry from now on".to_string(),
        };
        if let Some(ring) = self.ring.as_mut() {
            ring.write_to(&mut writer)?;
        }
        writer.line(&Line::Incident { t: self.last_t, id: id.to_string() }.to_text())?;
        Ok((Attached { id: id.to_string(), writer }, span))
    }

    fn close_attached(&mut self) {
        if let Some(a) = self.attached.take() {
            let path = a.writer.path().display().to_string();
            if let Err(e) = a.writer.finish() {
                self.say(Err(format!("closing {path}: {e}")));
            }
        }
    }

    fn close(mut self) {
        self.close_attached();
        if let Some(w) = self.file.take() {
            let _ = w.finish();
        }
    }

    fn say(&self, text: Result<String, String>) {
        // The console may be on its way out; then nobody is left to tell.
        let _ = self.replies.try_send(Msg::Recorder(text));
    }
}

/// `telemetry.jsonl.gz`, then `telemetry-2.jsonl.gz`…
pub fn attachment_name(n: usize) -> String {
    if n <= 1 { "telemetry.jsonl.gz".to_string() } else { format!("telemetry-{n}.jsonl.gz") }
}

/// The recordings attached to an incident (its `attachments/` directory), in the order they
/// were made.
pub fn attachments(incident_dir: &Path) -> Vec<PathBuf> {
    let dir = incident_dir.join("attachments");
    (1..).map(|n| dir.join(attachment_name(n))).take_while(|p| p.exists()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::recording::read;
    use crate::source::sim::{Scenario, SimParams, Simulator};

    #[test]
    fn the_window_before_a_declaration_and_what_follows_go_to_the_incident() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("all.gz");
        let store = IncidentStore::new(dir.path().join("incidents"));
        let declared = EventKind::Declared {
            title: "Chat Bridge down".into(),
            severity: crate::incident::Severity::Sev2,
            drill: None,
        };
        let id = store.create(Event::now("jdoe", declared)).unwrap();
        let inc = store.dir(&id);
        let (tx, mut rx) = mpsc::channel(16);
        let opts = FlightOptions {
            file: Some(file.clone()),
            window: Duration::from_secs(120),
            source: "demo:chat-bridge-down".into(),
            simulated: true,
            who: "jdoe".into(),
        };
        let flight = Flight::start(opts, tx).unwrap();
        let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 7));
        for i in 0..300u64 {
            sim.advance_to(Duration::from_secs(i * 2));
            flight.frame(&sim.snapshot());
            if i == 200 {
                flight.attach(&id, &store);
            }
            if i == 250 {
                flight.detach();
            }
        }
        flight.finish(Duration::from_secs(10));
        let said = rx.try_recv().unwrap();
        let Msg::Recorder(Ok(text)) = said else { panic!("{said:?}") };
        assert!(text.contains(&format!("attached to {id}")), "{text}");
        let all = read(&file, &|_| {}).unwrap();
        assert_eq!(all.frames.len(), 300);
        assert_eq!(all.incidents, vec![id.to_string()]);
        let events = store.load(&id).unwrap().events;
        let last = events.last().unwrap();
        assert!(
            matches!(&last.kind, EventKind::Attached { name, .. } if name == "telemetry.jsonl.gz"),
            "{last:?}"
        );
        assert_eq!(last.at.since(crate::source::sim::EPOCH), Duration::from_secs(400), "the frame's time");
        let files = attachments(&inc);
        assert_eq!(files.len(), 1);
        let attached = read(&files[0], &|_| {}).unwrap();
        assert!(attached.cut_short.is_none(), "closed on detach");
        let (start, end) = (attached.start().unwrap(), attached.end().unwrap());
        // The window (2 min before frame 200 at 400 s, from a key frame on) to the detach.
        assert!(start.since(crate::source::sim::EPOCH) <= Duration::from_secs(400 - 120), "{start}");
        assert_eq!(end.since(crate::source::sim::EPOCH), Duration::from_secs(500));
        assert_eq!(attached.incidents, vec![id.to_string()]);
        // A second attach (a console that came back) adds a file, never overwrites.
        let (tx, _rx) = mpsc::channel(16);
        let opts = FlightOptions {
            file: None,
            window: DEFAULT_WINDOW,
            source: "demo".into(),
            simulated: true,
            who: "jdoe".into(),
        };
        let flight = Flight::start(opts, tx).unwrap();
        flight.frame(&sim.snapshot());
        flight.attach(&id, &store);
        flight.finish(Duration::from_secs(10));
        assert_eq!(attachments(&inc).len(), 2);
    }

    #[test]
    fn a_recording_that_cannot_be_made_is_refused_up_front() {
        let (tx, _rx) = mpsc::channel(1);
        let opts = FlightOptions {
            file: Some("/nonexistent-dir/x.gz".into()),
            window: DEFAULT_WINDOW,
            source: "demo".into(),
            simulated: true,
            who: "jdoe".into(),
        };
        let e = Flight::start(opts, tx).err().unwrap();
        assert!(e.contains("/nonexistent-dir/x.gz"), "{e}");
    }
}

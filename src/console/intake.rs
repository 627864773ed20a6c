//! The intake worker: the feeds' answers are composed, recorded and taken in on a thread of
//! its own, so the key loop only swaps a ready result in (`app::intake`). At 1,000 queues the
//! heavy half (assessment, alerts, every pane's sort, the trends' samples) takes milliseconds;
//! the loop's share stays under one (`cargo bench --bench render`).
//!
//! Order is kept: every feed message goes through the worker, one at a time, and comes back in
//! the order it went in, so "refreshing", "answered" and the figures reach the state in the
//! order the feeds sent them, as when the loop did it all.

use crate::app::intake::{Intake, Prepared, Spent, TableOrder};
use crate::console::flight::FrameSink;
use crate::model::{Snapshot, Timestamp};
use crate::source::aws::budget::QueueSource;
use crate::source::{Compose, SourceError};
use std::time::Duration;
use tokio::sync::mpsc;

/// What the loop hands the worker.
pub enum Job {
    Collecting {
        feed: usize,
    },
    Answer {
        feed: usize,
        result: Result<Box<Snapshot>, SourceError>,
        at: Timestamp,
        /// The tables' filters and sorts when it arrived: the rows are built for these.
        orders: Vec<TableOrder>,
        epoch: u64,
    },
    /// The state was changed another way (a replay's jump): judge against this from now on.
    Reseed(Box<Intake>),
    /// What a prepared result replaced on screen, dropped here rather than on the loop.
    Drop(Box<Spent>),
}

/// What the worker hands back, in the order the jobs came.
pub enum Ready {
    Collecting {
        feed: usize,
    },
    Answered {
        feed: usize,
        ok: bool,
        at: Timestamp,
        /// Where the queue figures come from, taken as they are composed (so the status bar
        /// and the figures agree).
        provenance: Option<Box<QueueSource>>,
        result: Result<Box<Prepared>, SourceError>,
        /// The loop's epoch when the job was sent: a result from before a reseed is stale.
        epoch: u64,
    },
}

pub struct IntakeWorker {
    jobs: Option<std::sync::mpsc::Sender<Job>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl IntakeWorker {
    /// Starts the thread; what it prepares comes back on `ready`.
    pub fn start(
        intake: Intake,
        mut compose: Box<dyn Compose>,
        flight: Option<FrameSink>,
        ready: mpsc::Sender<Ready>,
    ) -> std::io::Result<IntakeWorker> {
        let (tx, rx) = std::sync::mpsc::channel::<Job>();
        let thread = std::thread::Builder::new().name("intake".into()).spawn(move || {
            let mut intake = intake;
            while let Ok(job) = rx.recv() {
                let out = match job {
                    Job::Collecting { feed } => Ready::Collecting { feed },
                    Job::Answer { feed, result, at, orders, epoch } => {
                        let ok = result.is_ok();
                        let composed = compose.update(feed, result.map(|b| *b));
                        if let (Some(f), Ok(s)) = (&flight, &composed) {
                            f.frame(s);
                        }
                        let provenance = compose.queue_source(at).map(Box::new);
                        let result = composed.map(|s| Box::new(intake.prepare(s, at, &orders)));
                        Ready::Answered { feed, ok, at, provenance, result, epoch }
                    }
                    Job::Reseed(fresh) => {
                        intake = *fresh;
                        continue;
                    }
                    Job::Drop(spent) => {
                        drop(spent);
                        continue;
                    }
                };
                // The loop is gone: so is the console.
                if ready.blocking_send(out).is_err() {
                    return;
                }
            }
        })?;
        Ok(IntakeWorker { jobs: Some(tx), thread: Some(thread) })
    }

    pub fn send(&self, job: Job) {
        if let Some(tx) = &self.jobs {
            // A worker that stopped (it panicked) leaves the figures frozen; their ages say so.
            let _ = tx.send(job);
        }
    }

    /// Lets the thread finish what it holds (its recorder frames go out first), waiting at
    /// most `patience`. The loop's receiver must be dropped first, or a full channel holds it.
    pub fn finish(mut self, patience: Duration) {
        self.jobs = None;
        if let Some(t) = self.thread.take() {
            let deadline = std::time::Instant::now() + patience;
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }
}

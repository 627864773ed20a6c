//! The runtime's side of the log view: opens the log `update` asked for, pumps its lines into
//! the event loop as `Msg::LogLines` from a task of its own, and stops when the view closes.
//!
//! The event loop only spawns and aborts; it never awaits a tail. Aborting the task drops the
//! tail, which closes whatever it holds (an SSH tail stops its thread). Lines arrive in
//! batches at most a few times a second, so a chatty log cannot flood the loop with messages;
//! memory stays bounded by the view's ring, and the channel's back-pressure slows the pump
//! (never the UI) when the loop is busy.

use crate::app::log_session::{LogId, LogSource};
use crate::app::msg::Msg;
use crate::logview::SaveJob;
use crate::source::tailing::TailState;
use crate::source::{LogOpener, LogTail};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

/// Pause between two reads of a tail: lines that come meanwhile travel as one batch.
const PACE: Duration = Duration::from_millis(250);
/// Retry pauses for a tail without its own reconnect logic, doubling up to the maximum.
const RETRY_MIN: Duration = Duration::from_secs(1);
const RETRY_MAX: Duration = Duration::from_secs(30);

pub struct LogPumps {
    opener: Arc<dyn LogOpener>,
    tx: mpsc::Sender<Msg>,
    running: HashMap<LogId, JoinHandle<()>>,
}

impl LogPumps {
    pub fn new(opener: Arc<dyn LogOpener>, tx: mpsc::Sender<Msg>) -> LogPumps {
        LogPumps { opener, tx, running: HashMap::new() }
    }

    /// Opens `source` and starts pumping it as log `id`. The error is the opener's sentence
    /// for the status line. Must be called inside a tokio runtime.
    pub fn open(&mut self, id: LogId, source: &LogSource) -> Result<(), String> {
        let tail = match source {
            LogSource::Server(server) => self.opener.server_log(server)?,
            LogSource::Lambda(function) => self.opener.lambda_log(function)?,
        };
        self.running.retain(|_, task| !task.is_finished());
        let task = tokio::spawn(pump(id, tail, self.tx.clone()));
        if let Some(old) = self.running.insert(id, task) {
            old.abort();
        }
        Ok(())
    }

    /// Stops log `id` (nothing happens if it already ended).
    pub fn close(&mut self, id: LogId) {
        if let Some(task) = self.running.remove(&id) {
            task.abort();
        }
    }

    /// How many logs are being pumped.
    pub fn running(&self) -> usize {
        self.running.values().filter(|t| !t.is_finished()).count()
    }

    /// Writes `job` on a blocking thread and reports the path (or the error) as `LogSaved`.
    pub fn save(&self, id: LogId, job: SaveJob) {
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let path = job.path().display().to_string();
            let result = match tokio::task::spawn_blocking(move || job.write()).await {
                Ok(Ok(written)) => Ok(written),
                Ok(Err(e)) => Err(format!("{path}: {e}")),
                Err(e) => Err(format!("{path}: the write did not finish ({e})")),
            };
            let _ = tx.send(Msg::LogSaved { log: id, result }).await;
        });
    }
}

impl Drop for LogPumps {
    fn drop(&mut self) {
        for task in self.running.values() {
            task.abort();
        }
    }
}

/// Lines and states of one tail until it ends for good or the console goes away.
async fn pump(id: LogId, tail: Box<dyn LogTail>, tx: mpsc::Sender<Msg>) {
    match tail.watch_state() {
        Some(states) => {
            tokio::join!(forward_states(id, states, &tx), pump_lines(id, tail, &tx, true));
        }
        None => {
            let following = TailState::Following { source: tail.describe() };
            if tx.send(Msg::LogState { log: id, state: following }).await.is_ok() {
                pump_lines(id, tail, &tx, false).await;
            }
        }
    }
}

/// The tail's own state (connecting, reconnecting, failed) for the view's status line.
async fn forward_states(id: LogId, mut states: watch::Receiver<TailState>, tx: &mpsc::Sender<Msg>) {
    loop {
        let state = states.borrow_and_update().clone();
        if tx.send(Msg::LogState { log: id, state }).await.is_err() {
            return;
        }
        if states.changed().await.is_err() {
            return;
        }
    }
}

/// `watched`: the tail reports its own state and reconnects by itself, so an error from it is
/// final. Other tails are retried with a growing pause, the reason shown meanwhile.
async fn pump_lines(id: LogId, mut tail: Box<dyn LogTail>, tx: &mpsc::Sender<Msg>, watched: bool) {
    let mut retry = RETRY_MIN;
    let mut failing = false;
    loop {
        match tail.next_batch().await {
            Ok(lines) => {
                retry = RETRY_MIN;
                if std::mem::take(&mut failing) {
                    let state = TailState::Following { source: tail.describe() };
                    if tx.send(Msg::LogState { log: id, state }).await.is_err() {
                        return;
                    }
                }
                if !lines.is_empty() && tx.send(Msg::LogLines { log: id, lines }).await.is_err() {
                    return;
                }
                tokio::time::sleep(PACE).await;
            }
            Err(e) if watched => {
                let state = TailState::Failed { message: e.to_string() };
                let _ = tx.send(Msg::LogState { log: id, state }).await;
                return;
            }
            Err(e) => {
                failing = true;
                let state = TailState::Reconnecting { in_secs: retry.as_secs(), reason: e.to_string() };
                if tx.send(Msg::LogState { log: id, state }).await.is_err() {
                    return;
                }
                tokio::time::sleep(retry).await;
                retry = (retry * 2).min(RETRY_MAX);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Timestamp;
    use crate::source::{LogLevel, LogLine, SourceError};
    use futures::FutureExt;
    use futures::future::BoxFuture;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    /// A tail that hands out one line per call, fails when told to, and notes being dropped.
    struct Counter {
        n: usize,
        fail: Arc<AtomicBool>,
        dropped: Arc<AtomicBool>,
    }

    impl LogTail for Counter {
        fn describe(&self) -> String {
            "counter".into()
        }
        fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
            let result = if self.fail.load(Ordering::SeqCst) {
                Err(SourceError::Failed {
                    operation: "read".into(),
                    resource: "counter".into(),
                    message: "gone".into(),
                })
            } else {
                self.n += 1;
                Ok(vec![LogLine {
                    at: Timestamp(0),
                    level: LogLevel::Info,
                    text: format!("line {}", self.n),
                }])
            };
            futures::future::ready(result).boxed()
        }
    }

    impl Drop for Counter {
        fn drop(&mut self) {
            self.dropped.store(true, Ordering::SeqCst);
        }
    }

    struct Opener {
        fail: Arc<AtomicBool>,
        dropped: Arc<AtomicBool>,
        opened: AtomicUsize,
    }

    impl LogOpener for Opener {
        fn describe(&self) -> String {
            "test".into()
        }
        fn server_log(&self, _: &str) -> Result<Box<dyn LogTail>, String> {
            self.opened.fetch_add(1, Ordering::SeqCst);
            Ok(Box::new(Counter { n: 0, fail: self.fail.clone(), dropped: self.dropped.clone() }))
        }
        fn lambda_log(&self, f: &str) -> Result<Box<dyn LogTail>, String> {
            Err(format!("no logs for {f}"))
        }
    }

    async fn next(rx: &mut mpsc::Receiver<Msg>) -> Msg {
        match tokio::time::timeout(Duration::from_secs(5), rx.recv()).await {
            Ok(Some(msg)) => msg,
            other => panic!("no message from the pump: {other:?}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn lines_flow_until_the_log_is_closed_and_then_the_tail_is_dropped() {
        let fail = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicBool::new(false));
        let opener =
            Arc::new(Opener { fail: fail.clone(), dropped: dropped.clone(), opened: AtomicUsize::new(0) });
        let (tx, mut rx) = mpsc::channel(8);
        let mut pumps = LogPumps::new(opener, tx);
        let id = LogId(1);
        pumps.open(id, &LogSource::Server("nt-a".into())).unwrap();
        match next(&mut rx).await {
            Msg::LogState { log, state: TailState::Following { source } } => {
                assert_eq!((log, source.as_str()), (id, "counter"));
            }
            other => panic!("{other:?}"),
        }
        for want in ["line 1", "line 2"] {
            match next(&mut rx).await {
                Msg::LogLines { lines, .. } => assert_eq!(lines[0].text, want),
                other => panic!("{other:?}"),
            }
        }
        // A tail without its own state is retried, the reason on the status line.
        fail.store(true, Ordering::SeqCst);
        loop {
            if let Msg::LogState { state: TailState::Reconnecting { reason, .. }, .. } = next(&mut rx).await {
                assert!(reason.contains("gone"), "{reason}");
                break;
            }
        }
        fail.store(false, Ordering::SeqCst);
        loop {
            if let Msg::LogState { state: TailState::Following { .. }, .. } = next(&mut rx).await {
                break;
            }
        }
        assert_eq!(pumps.running(), 1);
        pumps.close(id);
        for _ in 0..100 {
            if dropped.load(Ordering::SeqCst) {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(dropped.load(Ordering::SeqCst), "closing the view must drop the tail");
        assert_eq!(pumps.running(), 0);
        let err = pumps.open(LogId(2), &LogSource::Lambda("route".into())).unwrap_err();
        assert_eq!(err, "no logs for route");
    }

    /// A tail that reports its own state (as `SshTail` does) and fails once told to.
    struct Watched {
        state: watch::Receiver<TailState>,
        fail: Arc<AtomicBool>,
    }

    impl LogTail for Watched {
        fn describe(&self) -> String {
            "ssh nt-a".into()
        }
        fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
            let result = if self.fail.load(Ordering::SeqCst) {
                Err(SourceError::Failed {
                    operation: "tail".into(),
                    resource: "nt-a".into(),
                    message: "host key refused".into(),
                })
            } else {
                Ok(Vec::new())
            };
            futures::future::ready(result).boxed()
        }
        fn watch_state(&self) -> Option<watch::Receiver<TailState>> {
            Some(self.state.clone())
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_tail_with_its_own_state_has_it_forwarded_and_its_error_is_final() {
        let (state_tx, state) = watch::channel(TailState::Connecting { to: "nt-a (10.0.0.5:22)".into() });
        let fail = Arc::new(AtomicBool::new(false));
        let (tx, mut rx) = mpsc::channel(8);
        let task = tokio::spawn(pump(LogId(4), Box::new(Watched { state, fail: fail.clone() }), tx));
        let mut states = Vec::new();
        let mut step = |msg: Msg| match msg {
            Msg::LogState { log, state } => {
                assert_eq!(log, LogId(4));
                states.push(state.to_string());
            }
            other => panic!("{other:?}"),
        };
        step(next(&mut rx).await);
        let _ = state_tx.send(TailState::Following { source: "nt-a:C:\\Logs\\x.log".into() });
        step(next(&mut rx).await);
        fail.store(true, Ordering::SeqCst);
        step(next(&mut rx).await);
        assert_eq!(
            states,
            [
                "connecting to nt-a (10.0.0.5:22)",
                "following nt-a:C:\\Logs\\x.log",
                "failed: tail on nt-a: host key refused"
            ]
        );
        // The line side ended; the state side ends when the tail's state goes away.
        drop(state_tx);
        tokio::time::timeout(Duration::from_secs(5), task).await.unwrap().unwrap();
    }

    #[tokio::test]
    async fn a_saved_file_comes_back_with_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let mut view = crate::logview::LogView::new("nt-a NexTalk log", 10);
        view.set_save_dir(dir.path());
        view.push_lines(vec![LogLine { at: Timestamp(0), level: LogLevel::Error, text: "boom".into() }]);
        let crate::logview::LogViewOutcome::Save(job) = view.handle(crate::keymap::Action::SaveLog) else {
            panic!("SaveLog did not make a job")
        };
        let opener = Arc::new(Opener {
            fail: Arc::new(AtomicBool::new(false)),
            dropped: Arc::new(AtomicBool::new(false)),
            opened: AtomicUsize::new(0),
        });
        let (tx, mut rx) = mpsc::channel(8);
        LogPumps::new(opener, tx).save(LogId(3), job);
        match next(&mut rx).await {
            Msg::LogSaved { log, result: Ok(path) } => {
                assert_eq!(log, LogId(3));
                let text = std::fs::read_to_string(&path).unwrap();
                assert!(text.ends_with("ERROR boom\n"), "{text}");
                assert!(path.starts_with(dir.path()));
            }
            other => panic!("{other:?}"),
        }
    }
}

//! A NexTalk server's log through SSM Run Command, for servers without SSH: one
//! `RemoteAction::TailLog` (`Get-Content -Tail N` of the newest file), polled to a terminal
//! status, its output returned once as log lines, then nothing more. It is a snapshot, not a
//! follow, and says so in `describe()` and its state: following would mean a Run Command
//! every few seconds per viewer, each billed, audited and slow to start.
//!
//! Written against the `Remote` trait, so it runs on `SsmRemote` and on the simulator alike;
//! it needs no SDK type.

use crate::model::Timestamp;
use crate::source::SourceError;
use crate::source::logs::{LogLevel, LogLine, LogTail};
use crate::source::remote::{CommandStatus, Invocation, Remote, RemoteAction, RemoteError, Target};
use crate::source::tailing::{LineParser, TailState};
use futures::future::BoxFuture;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;
use tokio::time::Instant;

const OPERATION: &str = "SSM Run Command (read log)";

/// How long to wait for the command and how often to ask.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotTiming {
    pub poll_interval: Duration,
    /// Past this, the command is cancelled and the read fails.
    pub timeout: Duration,
}

/// The last lines of one server's newest log, read once.
pub struct SsmLogSnapshot {
    remote: Arc<dyn Remote>,
    target: Target,
    lines: u32,
    log_dir: String,
    timing: SnapshotTiming,
    state: watch::Sender<TailState>,
    done: bool,
}

impl SsmLogSnapshot {
    /// `remote` must render `TailLog` for `log_dir` (the context builds it so).
    pub fn new(
        remote: Arc<dyn Remote>,
        target: Target,
        log_dir: &str,
        lines: u32,
        timing: SnapshotTiming,
    ) -> SsmLogSnapshot {
        let to = format!("{} via {}", target.server, remote.describe());
        let (state, _) = watch::channel(TailState::Connecting { to });
        SsmLogSnapshot { remote, target, lines, log_dir: log_dir.to_string(), timing, state, done: false }
    }

    pub fn server(&self) -> &str {
        &self.target.server
    }

    /// How the read is doing, for the log view's status line: Connecting while the command
    /// runs, then Snapshot (or Failed).
    pub fn state(&self) -> watch::Receiver<TailState> {
        self.state.subscribe()
    }

    async fn read(&mut self) -> Result<Vec<LogLine>, SourceError> {
        if self.done {
            return Ok(Vec::new());
        }
        self.done = true;
        match self.run().await {
            Ok(lines) => {
                self.state.send_replace(TailState::Snapshot { source: self.source() });
                Ok(lines)
            }
            Err(e) => {
                self.state.send_replace(TailState::Failed { message: e.to_string() });
                Err(e)
            }
        }
    }

    fn source(&self) -> String {
        format!("{}:{} (last {} lines, SSM Run Command)", self.target.server, self.log_dir, self.lines)
    }

    fn fail(&self, message: String) -> SourceError {
        SourceError::Failed {
            operation: OPERATION.into(),
            resource: format!("{} ({})", self.target.server, self.target.instance_id),
            message,
        }
    }

    fn remote_error(&self, e: RemoteError) -> SourceError {
        match e {
            RemoteError::Throttled { operation } => SourceError::Throttled { operation },
            other => self.fail(other.to_string()),
        }
    }

    async fn run(&self) -> Result<Vec<LogLine>, SourceError> {
        let action = RemoteAction::TailLog { lines: self.lines };
        let id = self
            .remote
            .send(&action, std::slice::from_ref(&self.target))
            .await
            .map_err(|e| self.remote_error(e))?;
        let deadline = Instant::now() + self.timing.timeout;
        let inv = loop {
            match self.remote.poll(&id, &self.target).await {
                Ok(inv) if inv.status.is_terminal() => break inv,
                // SSM may not know the invocation right after SendCommand, and a throttled poll
                // is worth another try: the command runs on either way, until the deadline.
                Ok(_) | Err(RemoteError::Throttled { .. } | RemoteError::InvocationDoesNotExist(_)) => {}
                Err(e) => return Err(self.remote_error(e)),
            }
            if Instant::now() + self.timing.poll_interval > deadline {
                // Best effort: a command left running only costs the server a file read.
                let _ = self.remote.cancel(&id).await;
                return Err(self
                    .fail(format!("command {id} did not finish within {}s", self.timing.timeout.as_secs())));
            }
            tokio::time::sleep(self.timing.poll_interval).await;
        };
        if inv.status != CommandStatus::Success {
            return Err(self.fail(failure_text(&inv)));
        }
        Ok(output_lines(&inv, Timestamp::now()))
    }
}

/// `Failed (exit 1): Get-Content : Cannot find path…`: the status, the exit code when the
/// script ran, and the first line of its error output.
fn failure_text(inv: &Invocation) -> String {
    let mut text = inv.status.as_str().to_string();
    if let Some(code) = inv.response_code.filter(|c| *c >= 0) {
        text.push_str(&format!(" (exit {code})"));
    }
    let first = inv.stderr.lines().map(str::trim).find(|l| !l.is_empty());
    if let Some(line) = first {
        text.push_str(": ");
        text.push_str(&crate::sanitize::sanitize_line(line.as_bytes()));
    }
    text
}

/// Each line of `Get-Content` output through [`LineParser`] (sanitised, NexTalk format split,
/// other formats kept whole); lines without a timestamp of their own get `received`. Output
/// SSM cut short ends with a warning that says so.
fn output_lines(inv: &Invocation, received: Timestamp) -> Vec<LogLine> {
    let mut parser = LineParser::default();
    let stdout = inv.stdout.strip_prefix('\u{feff}').unwrap_or(&inv.stdout);
    let mut lines: Vec<LogLine> = stdout
        .trim_end_matches(['\r', '\n'])
        .split('\n')
        .filter(|l| !l.trim_end_matches('\r').is_empty())
        .map(|l| parser.parse(l.as_bytes(), received))
        .collect();
    if inv.stdout_truncated {
        lines.push(LogLine {
            at: lines.last().map_or(received, |l| l.at),
            level: LogLevel::Warn,
            text: "[switchboard] SSM cut the output at 24,000 characters: ask for fewer lines".into(),
        });
    }
    lines
}

impl LogTail for SsmLogSnapshot {
    fn describe(&self) -> String {
        format!("snapshot, not a follow: {}", self.source())
    }

    fn next_batch(&mut self) -> BoxFuture<'_, Result<Vec<LogLine>, SourceError>> {
        Box::pin(self.read())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::sim::{DEFAULT_SNAPSHOT_AT, Scenario, SimHandle, SimParams, SimRemote, Simulator};

    fn timing() -> SnapshotTiming {
        SnapshotTiming { poll_interval: Duration::from_millis(10), timeout: Duration::from_secs(5) }
    }

    fn sim_snapshot(lines: u32) -> SsmLogSnapshot {
        let mut sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 1));
        sim.advance_to(DEFAULT_SNAPSHOT_AT);
        let handle = SimHandle::realtime(sim.shared(), 1000.0);
        let target = handle.with(|s| s.targets()).unwrap_or_default().remove(0);
        SsmLogSnapshot::new(
            Arc::new(SimRemote::new(handle)),
            target,
            r"C:\ProgramData\NexTalk\Logs",
            lines,
            timing(),
        )
    }

    #[tokio::test]
    async fn the_lines_come_once_then_nothing_and_the_state_says_snapshot() {
        let mut snap = sim_snapshot(20);
        let state = snap.state();
        assert!(snap.describe().starts_with("snapshot, not a follow: nt-a:"), "{}", snap.describe());
        let lines = snap.next_batch().await.expect("read");
        assert_eq!(lines.len(), 20);
        assert!(lines.iter().any(|l| l.level == LogLevel::Error && l.text.contains("Chat Bridge")));
        assert!(snap.next_batch().await.expect("again").is_empty());
        assert!(matches!(&*state.borrow(), TailState::Snapshot { source } if source.starts_with("nt-a:")));
        assert!(!state.borrow().is_live());
    }

    #[test]
    fn windows_output_is_read_line_by_line() {
        let inv = Invocation {
            command_id: crate::source::CommandId("c".into()),
            server: "nt-a".into(),
            status: CommandStatus::Success,
            response_code: Some(0),
            stdout: "\u{feff}2026-11-22T03:04:05Z ERROR Chat Bridge down\r\nplain \x1b[31mred\x1b[0m\r\n\r\n"
                .into(),
            stderr: String::new(),
            stdout_truncated: true,
            stderr_truncated: false,
        };
        let lines = output_lines(&inv, Timestamp(0));
        assert_eq!(lines.len(), 3);
        assert_eq!((lines[0].level, lines[0].text.as_str()), (LogLevel::Error, "Chat Bridge down"));
        assert_eq!(lines[1].text, "plain red");
        assert!(lines[2].text.contains("cut the output"));
    }
}

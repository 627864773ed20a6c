//! The simulator's logs for the console: each NexTalk server's log, followed with a backlog so
//! the view opens on the lines that explain the incident, not on an empty screen.

use super::adapters::{SimHandle, SimLambdaLog, SimLogTail};
use crate::source::logs::{LogOpener, LogTail};
use std::time::Duration;

/// Lines of history a newly opened server log starts with.
pub const SERVER_LOG_BACKLOG: usize = 2_000;
/// How far back a newly opened Lambda error log starts, as on AWS.
pub const LAMBDA_LOOKBACK: Duration = Duration::from_secs(15 * 60);

#[derive(Debug, Clone)]
pub struct SimLogOpener {
    handle: SimHandle,
    backlog: usize,
}

impl SimLogOpener {
    pub fn new(handle: SimHandle) -> SimLogOpener {
        SimLogOpener { handle, backlog: SERVER_LOG_BACKLOG }
    }
}

impl LogOpener for SimLogOpener {
    fn describe(&self) -> String {
        "demo logs".into()
    }

    fn server_log(&self, server: &str) -> Result<Box<dyn LogTail>, String> {
        // Checked here so that a wrong name is one clear sentence, not a failing tail.
        let known = self.handle.with(|s| s.log_next_seq(server).is_some())?;
        if !known {
            return Err(format!("no NexTalk server {server:?} in the demo"));
        }
        Ok(Box::new(SimLogTail::new(self.handle.clone(), server, self.backlog)))
    }

    fn lambda_log(&self, function: &str) -> Result<Box<dyn LogTail>, String> {
        let known = self.handle.with(|s| s.function_names().iter().any(|f| f == function))?;
        if !known {
            return Err(format!("no Lambda function {function:?} in the demo"));
        }
        Ok(Box::new(SimLambdaLog::new(self.handle.clone(), function, LAMBDA_LOOKBACK)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::logs::LogLevel;
    use crate::source::sim::{Scenario, SimParams, Simulator};

    /// The simulator five minutes into `scenario` (its incident starts at two), held there.
    fn opener(scenario: Scenario) -> (SimLogOpener, SimHandle) {
        let mut sim = Simulator::new(SimParams::with_scenario(scenario, 7));
        sim.advance_to(Duration::from_secs(300));
        let handle = SimHandle::manual(sim.shared());
        (SimLogOpener::new(handle.clone()), handle)
    }

    #[tokio::test]
    async fn a_server_log_opens_with_its_backlog_and_unknown_names_are_refused() {
        let (logs, handle) = opener(Scenario::ChatBridgeDown);
        let mut tail = logs.server_log("nt-a").unwrap();
        assert!(tail.describe().contains("nt-a"), "{}", tail.describe());
        let first = tail.next_batch().await.unwrap();
        // The server's own newest lines, in order: the backlog the view opens on.
        let want = handle.with(|s| s.log_tail("nt-a", SERVER_LOG_BACKLOG)).unwrap().unwrap();
        assert!(!want.is_empty() && want.len() <= SERVER_LOG_BACKLOG, "{}", want.len());
        assert_eq!(first.len(), want.len());
        assert!(first == want, "the backlog is not the server's newest lines");
        let bridge_errors = |lines: &[crate::source::LogLine]| {
            let about_the_bridge = |t: &str| t.contains("Chat Bridge") || t.contains("ChatBridge");
            lines.iter().filter(|l| l.level == LogLevel::Error && about_the_bridge(&l.text)).count()
        };
        assert!(bridge_errors(&first) > 0, "nt-a's log explains its stopped Chat Bridge");
        let other = logs.server_log("nt-b").unwrap().next_batch().await.unwrap();
        assert!(!other.is_empty() && other != first, "nt-b has a log of its own");
        assert_eq!(bridge_errors(&other), 0, "nt-b is healthy");

        let err = logs.server_log("nt-z").err().unwrap_or_default();
        assert!(err.contains("nt-z"), "{err}");
        assert!(logs.lambda_log("route").err().unwrap_or_default().contains("route"));
        // A function without errors in this scenario: an empty error log, not a failure.
        let mut lambda = logs.lambda_log("connect-lookup-customer").unwrap();
        assert_eq!(lambda.next_batch().await.unwrap(), Vec::new());
    }

    #[tokio::test]
    async fn a_lambda_log_opens_on_the_function_s_recent_errors() {
        let (logs, _) = opener(Scenario::LambdaErrors);
        let mut lambda = logs.lambda_log("connect-lookup-customer").unwrap();
        let lines = lambda.next_batch().await.unwrap();
        assert!(!lines.is_empty(), "the hanging CRM API times the function out");
        assert!(
            lines
                .iter()
                .all(|l| l.level == LogLevel::Error && l.text.ends_with("Task timed out after 8.00 seconds")),
            "{lines:?}"
        );
        // Within the look-back, oldest first.
        let newest = lines.last().map(|l| l.at).unwrap();
        assert!(lines.iter().all(|l| newest.since(l.at) <= LAMBDA_LOOKBACK));
        assert!(lines.windows(2).all(|w| w[0].at <= w[1].at));
    }
}

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
    use crate::source::sim::{Scenario, SimParams, Simulator};

    fn opener() -> SimLogOpener {
        let sim = Simulator::new(SimParams::with_scenario(Scenario::ChatBridgeDown, 7));
        SimLogOpener::new(SimHandle::manual(sim.shared()))
    }

    #[tokio::test]
    async fn a_server_log_opens_with_its_backlog_and_unknown_names_are_refused() {
        let logs = opener();
        let mut tail = logs.server_log("nt-a").unwrap();
        assert!(tail.describe().contains("nt-a"), "{}", tail.describe());
        let first = tail.next_batch().await.unwrap();
        assert!(!first.is_empty() && first.len() <= SERVER_LOG_BACKLOG, "{}", first.len());
        let err = logs.server_log("nt-z").err().unwrap_or_default();
        assert!(err.contains("nt-z"), "{err}");
        assert!(logs.lambda_log("route").err().unwrap_or_default().contains("route"));
        let mut lambda = logs.lambda_log("connect-lookup-customer").unwrap();
        assert!(lambda.next_batch().await.is_ok());
    }
}

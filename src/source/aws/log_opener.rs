//! Logs for the live console: a NexTalk server's log followed over SSH where the config gives
//! SSH access, else its newest lines read once through SSM; a Lambda function's errors from
//! CloudWatch Logs.

use super::context::AwsContext;
use crate::source::logs::{LogOpener, LogTail};
use crate::source::ssh::{SshSettings, SshTail, SshTailOptions};

/// How a server's log is reached, from `[[nextalk.servers]]`.
#[derive(Debug, Clone)]
pub struct ServerLogAccess {
    pub server: String,
    pub log_dir: String,
    pub ssh: Option<SshSettings>,
}

pub struct AwsLogOpener {
    ctx: AwsContext,
    servers: Vec<ServerLogAccess>,
    /// Lines a log opens with (SSH backlog, SSM snapshot size).
    backlog: u32,
}

impl AwsLogOpener {
    pub fn new(ctx: AwsContext, servers: Vec<ServerLogAccess>, backlog: u32) -> Self {
        AwsLogOpener { ctx, servers, backlog }
    }
}

impl LogOpener for AwsLogOpener {
    fn describe(&self) -> String {
        format!("logs on {}", self.ctx.describe())
    }

    fn server_log(&self, server: &str) -> Result<Box<dyn LogTail>, String> {
        let access = self
            .servers
            .iter()
            .find(|s| s.server == server)
            .ok_or_else(|| format!("{server} is not a configured NexTalk server"))?;
        match &access.ssh {
            Some(ssh) => {
                let options = SshTailOptions {
                    start: crate::source::ssh::StartAt::LastLines(self.backlog as usize),
                    ..SshTailOptions::default()
                };
                SshTail::start(server, ssh.clone(), options)
                    .map(|t| Box::new(t) as Box<dyn LogTail>)
                    .map_err(|e| e.to_string())
            }
            None => self
                .ctx
                .ssm_log_snapshot(server, Some(&access.log_dir), self.backlog)
                .map(|t| Box::new(t) as Box<dyn LogTail>)
                .map_err(|e| e.to_string()),
        }
    }

    fn lambda_log(&self, function: &str) -> Result<Box<dyn LogTail>, String> {
        Ok(Box::new(self.ctx.lambda_error_log(function)))
    }
}

//! `switchboard logs`: a NexTalk server's log (over SSH, else one SSM read) or a Lambda
//! function's errors (CloudWatch Logs), or the simulator's, printed and optionally followed.

use super::args::SimArgs;
use super::common::{sim_params, warn};
use super::live;
use crate::config::{Config, NexTalkServer};
use crate::logview::{Grep, TailOptions, tail_to};
use crate::source::LogTail;
use crate::source::aws::AwsOptions;
use crate::source::aws::settings::LogSettings as AwsLogSettings;
use crate::source::sim::{DEFAULT_SNAPSHOT_AT, SimHandle, SimLambdaLog, SimLogTail, Simulator};
use crate::source::ssh::{
    HostKeyCheck, SshSettings, SshTail, SshTailOptions, StartAt, accept_host_key, expand_tilde,
    probe_host_key,
};
use anyhow::{Context as _, Result, bail};
use regex::Regex;
use std::time::Duration;

/// What `switchboard logs` reads.
pub(super) enum LogSource {
    Server(String),
    Lambda(String),
}

impl LogSource {
    pub(super) fn from_args(lambda: Option<String>, server: Option<String>) -> Result<LogSource> {
        Ok(match (lambda, server) {
            (Some(function), _) => LogSource::Lambda(function),
            (None, Some(server)) => LogSource::Server(server),
            (None, None) => bail!("name a server, or a Lambda function with --lambda"),
        })
    }
}

pub(super) fn tail_options(follow: bool, lines: usize, grep: Option<String>) -> Result<TailOptions> {
    let grep = match grep {
        Some(p) => Some(Grep::Regex(Regex::new(&p).with_context(|| format!("--grep {p:?}"))?)),
        None => None,
    };
    Ok(TailOptions { follow, lines, grep })
}

pub(super) fn run(
    cfg: &Config,
    aws_options: &AwsOptions,
    which: &LogSource,
    demo: bool,
    sim: &SimArgs,
    opts: &TailOptions,
    accept_new_host_key: bool,
) -> Result<u8> {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let _in_runtime = rt.enter();
    let mut tail: Box<dyn LogTail> = match which {
        LogSource::Lambda(function) if demo => demo_lambda_log(cfg, sim, function)?,
        LogSource::Lambda(function) => live::lambda_log(cfg, aws_options, &rt, function)?,
        LogSource::Server(server) => {
            let configured = cfg.nextalk.servers.iter().find(|s| &s.name == server);
            match configured {
                Some(srv) if !demo => match srv.ssh.clone() {
                    Some(ssh) => ssh_log(&rt, server, ssh, opts, accept_new_host_key)?,
                    None => ssm_log(cfg, aws_options, &rt, srv, opts)?,
                },
                _ => demo_server_log(cfg, sim, server, opts)?,
            }
        }
    };
    let summary = rt.block_on(tail_to(std::io::stdout(), tail.as_mut(), opts))?;
    let _ = summary;
    Ok(0)
}

fn ssh_log(
    rt: &tokio::runtime::Runtime,
    server: &str,
    ssh: SshSettings,
    opts: &TailOptions,
    accept_new_host_key: bool,
) -> Result<Box<dyn LogTail>> {
    if accept_new_host_key {
        let probe = ssh.clone();
        let name = server.to_string();
        let check = rt.block_on(tokio::task::spawn_blocking(move || probe_host_key(&name, &probe)))??;
        if let HostKeyCheck::Unknown(key) = check {
            let known = expand_tilde(&ssh.known_hosts);
            accept_host_key(&known, &key)?;
            warn(format_args!(
                "added {} key {} for [{}]:{} to {}",
                key.key_type,
                key.fingerprint,
                key.host,
                key.port,
                known.display()
            ));
        }
    }
    let topts =
        SshTailOptions { start: StartAt::LastLines(opts.lines), follow: opts.follow, ..Default::default() };
    Ok(Box::new(SshTail::start(server, ssh, topts)?))
}

/// A configured server without SSH: one read through SSM Run Command.
fn ssm_log(
    cfg: &Config,
    aws_options: &AwsOptions,
    rt: &tokio::runtime::Runtime,
    srv: &NexTalkServer,
    opts: &TailOptions,
) -> Result<Box<dyn LogTail>> {
    if opts.follow {
        bail!(
            "server {} has no [nextalk.servers.ssh] settings, so its log is read through SSM Run Command: \
             one Get-Content per read, a snapshot that cannot --follow. Configure SSH for the server to follow it, \
             or drop --follow",
            srv.name
        );
    }
    let lines = u32::try_from(opts.lines.max(1)).unwrap_or(u32::MAX);
    let tail = live::ssm_log(cfg, aws_options, rt, &srv.name, &srv.log_dir, lines)?;
    warn(format_args!(
        "{} has no [nextalk.servers.ssh]: reading the last {lines} lines once through SSM Run Command \
         (a snapshot, not a follow)",
        srv.name
    ));
    Ok(tail)
}

fn demo_simulator(cfg: &Config, sim: &SimArgs) -> Result<Simulator> {
    let params = sim_params(cfg, sim)?;
    let mut simulator = Simulator::new(params);
    simulator.advance_to(DEFAULT_SNAPSHOT_AT);
    Ok(simulator)
}

fn demo_server_log(
    cfg: &Config,
    sim: &SimArgs,
    server: &str,
    opts: &TailOptions,
) -> Result<Box<dyn LogTail>> {
    let simulator = demo_simulator(cfg, sim)?;
    if simulator.log_next_seq(server).is_none() {
        let names: Vec<String> = simulator.targets().into_iter().map(|t| t.server).collect();
        bail!("no server {server:?} in the demo; choose one of: {}", names.join(", "));
    }
    let handle = SimHandle::realtime(simulator.shared(), 1.0);
    Ok(Box::new(SimLogTail::new(handle, server, opts.lines.max(1) * 20)))
}

fn demo_lambda_log(cfg: &Config, sim: &SimArgs, function: &str) -> Result<Box<dyn LogTail>> {
    let simulator = demo_simulator(cfg, sim)?;
    let names = simulator.function_names();
    if !names.iter().any(|n| n == function) {
        bail!("no Lambda function {function:?} in the demo; choose one of: {}", names.join(", "));
    }
    // The same look-back as the live log, so the demo shows what the console would.
    let minutes =
        cfg.aws.as_ref().map_or(AwsLogSettings::default().lookback_minutes, |a| a.logs.lookback_minutes);
    let handle = SimHandle::realtime(simulator.shared(), 1.0);
    Ok(Box::new(SimLambdaLog::new(handle, function, Duration::from_secs(u64::from(minutes) * 60))))
}

//! The live AWS paths of the headless commands and the console. A build without the `aws`
//! feature has the same entry points, each saying there is no AWS backend.

#[cfg(feature = "aws")]
pub(super) use with_aws::*;
#[cfg(not(feature = "aws"))]
pub(super) use without_aws::*;

/// The live AWS paths of the headless commands.
#[cfg(feature = "aws")]
mod with_aws {
    use crate::app::{Earlier, ServerTarget};
    use crate::audit::{AuditLog, Session};
    use crate::cli::args::UiArgs;
    use crate::cli::common::Globals;
    use crate::cli::console::{ConsoleSource, console_base};
    use crate::config::Config;
    use crate::console::{Feed, RefreshHook};
    use crate::headless::Taken;
    use crate::model::{AlertBook, assess};
    use crate::runbook::{self, HeadlessOptions, RunContext};
    use crate::source::aws::{AwsAllAtOnce, AwsContext, AwsFeeds, AwsLogOpener, AwsOptions, ServerLogAccess};
    use crate::source::{Compose, LogTail, Target, Telemetry, WallClock};
    use anyhow::{Context as _, Result, bail};
    use std::collections::BTreeMap;
    use std::path::Path;
    use std::sync::Arc;

    fn context(cfg: &Config, options: &AwsOptions, rt: &tokio::runtime::Runtime) -> Result<AwsContext> {
        let Some(settings) = cfg.aws.clone() else {
            bail!(
                "no [aws] section in {}: configure the live backend (see `switchboard config init`) or use --demo",
                cfg.path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or("the config (none found)".into())
            );
        };
        rt.block_on(AwsContext::load(options, settings)).map_err(|e| anyhow::anyhow!("{e}"))
    }

    /// The audit log's `aws_identity`: the caller's ARN. When STS cannot say, the records
    /// carry none (rather than the account id pretending to be a person), and stderr says why.
    fn caller(ctx: &AwsContext, rt: &tokio::runtime::Runtime) -> Option<String> {
        match rt.block_on(ctx.caller_arn()) {
            Ok(arn) => Some(arn),
            Err(e) => {
                crate::cli::common::warn(format_args!("audit records will not name the AWS caller: {e}"));
                None
            }
        }
    }

    pub fn lambda_log(
        cfg: &Config,
        options: &AwsOptions,
        rt: &tokio::runtime::Runtime,
        function: &str,
    ) -> Result<Box<dyn LogTail>> {
        let ctx = context(cfg, options, rt)?;
        Ok(Box::new(ctx.lambda_error_log(function)))
    }

    pub fn ssm_log(
        cfg: &Config,
        options: &AwsOptions,
        rt: &tokio::runtime::Runtime,
        server: &str,
        log_dir: &str,
        lines: u32,
    ) -> Result<Box<dyn LogTail>> {
        let ctx = context(cfg, options, rt).with_context(|| {
            format!("server {server} has no [nextalk.servers.ssh]; reading its log through SSM needs [aws]")
        })?;
        let snapshot =
            ctx.ssm_log_snapshot(server, Some(log_dir), lines).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(Box::new(snapshot))
    }

    pub fn snapshot(cfg: &Config, options: &AwsOptions) -> Result<Taken> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let ctx = context(cfg, options, &rt)?;
        let mut all = AwsAllAtOnce::new(&ctx);
        let snapshot = rt.block_on(all.collect()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let thresholds = cfg.thresholds();
        let assessment = assess(&snapshot, &thresholds);
        let alerts = AlertBook::default().update(&assessment.findings, snapshot.taken_at);
        Ok(Taken { snapshot, assessment, alerts })
    }

    /// The console on the live backend: each AWS part on its own interval, composed.
    pub fn console(globals: &Globals, cfg: &Config, options: &AwsOptions, ui: &UiArgs) -> Result<u8> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let ctx = context(cfg, options, &rt)?;
        let source_label = ctx.describe();
        let base = console_base(globals, cfg, ui, &source_label, caller(&ctx, &rt))?;
        let sources = ctx.sources();
        let parts = sources.iter().map(|s| s.part).collect();
        let on_manual_refresh: Vec<RefreshHook> = sources
            .iter()
            .filter_map(|s| s.reload.clone())
            .map(|reload| Box::new(move || reload.request()) as RefreshHook)
            .collect();
        let feeds = sources.into_iter().map(|s| Feed { telemetry: s.telemetry, every: s.interval }).collect();
        // Trends from CloudWatch's recent past, so the first frame already shows the lead-up.
        let mut feeds_composer = AwsFeeds { parts, composer: ctx.composer() };
        let minutes = u32::try_from(cfg.ui.history.min(180)).unwrap_or(60);
        let backfill = match rt.block_on(ctx.metrics().history(minutes)) {
            Ok(snaps) => snaps
                .into_iter()
                .filter_map(|s| feeds_composer.update(0, Ok(s)).ok())
                .map(|snapshot| Earlier { snapshot, alerts: true, trends: true })
                .collect(),
            Err(e) => {
                crate::cli::common::warn(format_args!("trends start empty: {e}"));
                Vec::new()
            }
        };
        let log_access = cfg
            .nextalk
            .servers
            .iter()
            .map(|s| ServerLogAccess {
                server: s.name.clone(),
                log_dir: s.log_dir.clone(),
                ssh: s.ssh.clone(),
            })
            .collect();
        let targets = cfg
            .nextalk
            .servers
            .iter()
            .map(|s| ServerTarget {
                target: Target { server: s.name.clone(), instance_id: s.instance_id.clone() },
                services: s.services.clone(),
            })
            .collect();
        let source = ConsoleSource {
            label: source_label,
            feeds,
            on_manual_refresh,
            compose: Box::new(AwsFeeds { parts: feeds_composer.parts, composer: ctx.composer() }),
            remote: Arc::new(ctx.remote()),
            logs: Arc::new(AwsLogOpener::new(ctx.clone(), log_access, 1000)),
            targets,
            peer_hosts: BTreeMap::new(),
            backfill,
            clock: Arc::new(WallClock),
            simulated: false,
            notice: None,
        };
        base.run(source, &rt)
    }

    pub fn runbook(
        cfg: &Config,
        options: &AwsOptions,
        rb: &runbook::Runbook,
        read_only: bool,
        yes: bool,
        audit: &Path,
    ) -> Result<u8> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let ctx = context(cfg, options, &rt)?;
        let mut all = AwsAllAtOnce::new(&ctx);
        let remote = ctx.remote();
        let first = rt.block_on(all.collect()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let run_ctx = RunContext::from_snapshot(&first, read_only, cfg.thresholds());
        let opts = HeadlessOptions { yes, read_only, ..Default::default() };
        let mut log = AuditLog::open(audit, Session::new(ctx.describe(), caller(&ctx, &rt)))
            .with_context(|| format!("opening audit log {}", audit.display()))?;
        let mut out = std::io::stdout();
        let outcome = rt.block_on(runbook::run_headless(
            rb,
            run_ctx,
            &mut all,
            &remote,
            &opts,
            Some(&mut log),
            &mut out,
        ))?;
        Ok(outcome.exit_code() as u8)
    }
}

#[cfg(not(feature = "aws"))]
mod without_aws {
    use crate::cli::args::UiArgs;
    use crate::cli::common::Globals;
    use crate::config::Config;
    use crate::headless::Taken;
    use crate::runbook;
    use crate::source::LogTail;
    use crate::source::aws::AwsOptions;
    use anyhow::{Result, bail};
    use std::path::Path;

    pub fn console(_: &Globals, _: &Config, _: &AwsOptions, _: &UiArgs) -> Result<u8> {
        bail!(NO_AWS)
    }

    const NO_AWS: &str = "this build has no AWS backend (built without the `aws` feature); use --demo";

    pub fn lambda_log(
        _: &Config,
        _: &AwsOptions,
        _: &tokio::runtime::Runtime,
        _: &str,
    ) -> Result<Box<dyn LogTail>> {
        bail!(NO_AWS)
    }

    pub fn ssm_log(
        _: &Config,
        _: &AwsOptions,
        _: &tokio::runtime::Runtime,
        server: &str,
        _: &str,
        _: u32,
    ) -> Result<Box<dyn LogTail>> {
        bail!("server {server} has no [nextalk.servers.ssh] settings; logs are read over SSH here ({NO_AWS})")
    }

    pub fn snapshot(_: &Config, _: &AwsOptions) -> Result<Taken> {
        bail!(NO_AWS)
    }

    pub fn runbook(
        _: &Config,
        _: &AwsOptions,
        _: &runbook::Runbook,
        _: bool,
        _: bool,
        _: &Path,
    ) -> Result<u8> {
        bail!(NO_AWS)
    }
}

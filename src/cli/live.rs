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
    use crate::cli::snapshot::Extras;
    use crate::config::Config;
    use crate::console::{Feed, RefreshHook};
    use crate::headless::Taken;
    use crate::model::{AlertBook, assess};
    use crate::model::{Snapshot, Timestamp, fmt_duration};
    use crate::runbook::{self, HeadlessOptions, RunContext};
    use crate::source::aws::team::Created;
    use crate::source::aws::{
        AwsAllAtOnce, AwsComposer, AwsContext, AwsFeeds, AwsLogOpener, AwsOptions, AwsPart, ServerLogAccess,
    };
    use crate::source::{Compose, LogTail, SourceError, Target, Telemetry, WallClock};
    use anyhow::{Context as _, Result, bail};
    use std::path::Path;
    use std::sync::Arc;
    use std::time::Duration;
    use tokio::sync::mpsc;
    use tokio::time::MissedTickBehavior;

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

    pub fn snapshot(cfg: &Config, options: &AwsOptions) -> Result<(Taken, Extras)> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let ctx = context(cfg, options, &rt)?;
        let mut all = AwsAllAtOnce::new(&ctx);
        let collected = rt.block_on(all.collect());
        let extras = extras(&ctx, all.composer());
        rt.block_on(ctx.release());
        let snapshot = collected.map_err(|e| anyhow::anyhow!("{e}"))?;
        let thresholds = cfg.thresholds();
        let assessment = assess(&snapshot, &thresholds);
        let alerts = AlertBook::default().update(&assessment.findings, snapshot.taken_at);
        Ok((Taken { snapshot, assessment, alerts }, extras))
    }

    fn extras(ctx: &AwsContext, composer: &AwsComposer) -> Extras {
        Extras {
            api_budget: Some(ctx.budget()),
            queue_source: ctx.queue_source(composer.last_success(AwsPart::Queues), Timestamp::now()),
        }
    }

    /// `team init`: creates the team table; says what it did.
    pub fn create_team_table(cfg: &Config, options: &AwsOptions, table: &str) -> Result<String> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let ctx = context(cfg, options, &rt)?;
        let created = rt.block_on(ctx.create_team_table(table)).map_err(|e| anyhow::anyhow!("{e}"))?;
        Ok(match created {
            Created::Created => {
                format!("created DynamoDB table {table} (on-demand, TTL on `ttl`) in {}", ctx.describe())
            }
            Created::Existed => {
                format!("DynamoDB table {table} already exists in {}; TTL on `ttl` is on", ctx.describe())
            }
        })
    }

    /// `snapshot --watch`: every source on its own interval in its own task (one collection
    /// in flight each, as in the console), composed; a line every `every`, the first as soon
    /// as every source has answered once. Ends on Ctrl-C, SIGTERM, SIGHUP or a closed pipe,
    /// giving up the team lease on the way out so another process takes over at once.
    pub fn watch(
        cfg: &Config,
        options: &AwsOptions,
        every: Duration,
        emit: &mut dyn FnMut(&Taken, &Extras) -> Result<bool>,
    ) -> Result<u8> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let ctx = context(cfg, options, &rt)?;
        let thresholds = cfg.thresholds();
        let result = rt.block_on(async {
            let sources = ctx.sources();
            let parts: Vec<AwsPart> = sources.iter().map(|s| s.part).collect();
            let (tx, mut rx) = mpsc::channel(parts.len().max(1));
            let tasks: Vec<_> = sources
                .into_iter()
                .enumerate()
                .map(|(index, source)| {
                    tokio::spawn(collect_every(index, source.telemetry, source.interval, tx.clone()))
                })
                .collect();
            drop(tx);
            // Whatever ends the watch, the sources stop first: no write of the lease holder may
            // land after the lease was given up.
            struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);
            impl Drop for AbortOnDrop {
                fn drop(&mut self) {
                    self.0.iter().for_each(tokio::task::JoinHandle::abort);
                }
            }
            let _tasks = AbortOnDrop(tasks);
            let mut feeds = AwsFeeds { parts, composer: ctx.composer() };
            let mut answered = vec![false; feeds.parts.len()];
            let mut book = AlertBook::default();
            let every = every.max(Duration::from_millis(100));
            let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
            ticks.set_missed_tick_behavior(MissedTickBehavior::Skip);
            let mut first_sent = false;
            let mut stop = StopSignals::new()?;
            loop {
                tokio::select! {
                    got = rx.recv() => {
                        let Some((index, result)) = got else { return Ok(0) };
                        feeds.update(index, result).ok();
                        if let Some(a) = answered.get_mut(index) {
                            *a = true;
                        }
                        // The first line as soon as everything answered, not an INTERVAL late.
                        if first_sent || !answered.iter().all(|a| *a) {
                            continue;
                        }
                        ticks.reset();
                    }
                    _ = ticks.tick() => {}
                    _ = stop.wait() => return Ok(0),
                }
                first_sent = true;
                let snapshot = feeds.composer.snapshot();
                let assessment = assess(&snapshot, &thresholds);
                let alerts = book.update(&assessment.findings, snapshot.taken_at);
                let extras = extras(&ctx, &feeds.composer);
                if !emit(&Taken { snapshot, assessment, alerts }, &extras)? {
                    return Ok(0);
                }
            }
        });
        rt.block_on(ctx.release());
        result
    }

    /// One source on its interval, as the console runs it: one collection at a time, the next
    /// `every` after the last one ended, and a source that hangs reported as an error.
    async fn collect_every(
        index: usize,
        mut telemetry: Box<dyn Telemetry>,
        every: Duration,
        tx: mpsc::Sender<(usize, Result<Snapshot, SourceError>)>,
    ) {
        let patience = (every * 3).max(Duration::from_secs(10));
        loop {
            let result = match tokio::time::timeout(patience, telemetry.collect()).await {
                Ok(r) => r,
                Err(_) => Err(SourceError::Failed {
                    operation: "collect".into(),
                    resource: telemetry.describe(),
                    message: format!("no answer within {}", fmt_duration(patience)),
                }),
            };
            if tx.send((index, result)).await.is_err() {
                return;
            }
            tokio::time::sleep(telemetry.next_collect_in().map_or(every, |soon| soon.min(every))).await;
        }
    }

    /// Ctrl-C, SIGTERM and SIGHUP end a watch cleanly (the lease is given up).
    struct StopSignals {
        term: tokio::signal::unix::Signal,
        hup: tokio::signal::unix::Signal,
    }

    impl StopSignals {
        fn new() -> Result<StopSignals> {
            use tokio::signal::unix::{SignalKind, signal};
            Ok(StopSignals { term: signal(SignalKind::terminate())?, hup: signal(SignalKind::hangup())? })
        }

        async fn wait(&mut self) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = self.term.recv() => {}
                _ = self.hup.recv() => {}
            }
        }
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
        let backfill: Vec<Earlier> = match rt.block_on(ctx.metrics().history(minutes)) {
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
        let backfill = Box::new(backfill.into_iter());
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
            compose: Box::new(ConsoleFeeds {
                feeds: AwsFeeds { parts: feeds_composer.parts, composer: ctx.composer() },
                ctx: ctx.clone(),
            }),
            remote: Arc::new(ctx.remote()),
            logs: Arc::new(AwsLogOpener::new(ctx.clone(), log_access, 1000)),
            targets,
            backfill,
            clock: Arc::new(WallClock),
            simulated: false,
            notice: None,
            drill: None,
            replay: None,
        };
        base.run(source, &rt)
    }

    /// The console's composer: the AWS parts, and the queue figures' provenance read from
    /// the same place `snapshot` reads it ([`AwsContext::queue_source`]), so the status bar
    /// and `snapshot` JSON agree.
    struct ConsoleFeeds {
        feeds: AwsFeeds,
        ctx: AwsContext,
    }

    impl Compose for ConsoleFeeds {
        fn update(
            &mut self,
            feed: usize,
            result: Result<Snapshot, SourceError>,
        ) -> Result<Snapshot, SourceError> {
            self.feeds.update(feed, result)
        }

        fn feed_label(&self, feed: usize) -> Option<String> {
            self.feeds.feed_label(feed)
        }

        fn queue_source(&self, now: Timestamp) -> Option<crate::source::aws::budget::QueueSource> {
            self.ctx.queue_source(self.feeds.composer.last_success(AwsPart::Queues), now)
        }
    }

    pub fn runbook(
        cfg: &Config,
        options: &AwsOptions,
        (rb, library): (&runbook::Runbook, &[runbook::Runbook]),
        read_only: bool,
        yes: bool,
        audit: &Path,
        incident: Option<(crate::incident::IncidentStore, crate::incident::IncidentId)>,
    ) -> Result<u8> {
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
        let ctx = context(cfg, options, &rt)?;
        let mut all = AwsAllAtOnce::new(&ctx);
        let remote = ctx.remote();
        let first = rt.block_on(all.collect()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let run_ctx = RunContext::from_snapshot(&first, read_only, cfg.thresholds());
        let opts = HeadlessOptions { yes, read_only, others: library.to_vec(), ..Default::default() };
        let mut log = AuditLog::open(audit, Session::new(ctx.describe(), caller(&ctx, &rt)))
            .with_context(|| format!("opening audit log {}", audit.display()))?;
        let mut out = std::io::stdout();
        let mut recorder = match incident {
            Some((store, id)) => {
                let who = crate::audit::local_user();
                let mode = if read_only {
                    "read-only"
                } else if yes {
                    "actions confirmed with --yes"
                } else {
                    "checks only"
                };
                let info = crate::incident::recorder::RunInfo {
                    runbook: rb,
                    source: &ctx.describe(),
                    mode,
                    who: &who,
                    clock: crate::incident::Clock::Wall,
                    confirmed_how: "--yes on a headless run",
                };
                Some(crate::incident::RunRecorder::start(
                    store,
                    id,
                    info,
                    Box::new(crate::model::Timestamp::now),
                    cfg.thresholds(),
                )?)
            }
            None => None,
        };
        if let Some(rec) = recorder.as_mut() {
            rec.observe(&first)?;
        }
        let mut none = runbook::NoObserver;
        let observer: &mut dyn runbook::RunObserver = match recorder.as_mut() {
            Some(r) => r,
            None => &mut none,
        };
        let outcome = rt.block_on(runbook::run_headless_observed(
            rb,
            run_ctx,
            &mut all,
            &remote,
            &opts,
            Some(&mut log),
            observer,
            &mut out,
        ))?;
        if let Some(rec) = &recorder {
            eprintln!("switchboard: run {} recorded on {}", rec.run_id(), rec.incident());
        }
        Ok(outcome.exit_code() as u8)
    }
}

#[cfg(not(feature = "aws"))]
mod without_aws {
    use crate::cli::args::UiArgs;
    use crate::cli::common::Globals;
    use crate::cli::snapshot::Extras;
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

    pub fn snapshot(_: &Config, _: &AwsOptions) -> Result<(Taken, Extras)> {
        bail!(NO_AWS)
    }

    pub fn create_team_table(_: &Config, _: &AwsOptions, _: &str) -> Result<String> {
        bail!(NO_AWS)
    }

    pub fn watch(
        _: &Config,
        _: &AwsOptions,
        _: std::time::Duration,
        _: &mut dyn FnMut(&Taken, &Extras) -> Result<bool>,
    ) -> Result<u8> {
        bail!(NO_AWS)
    }

    pub fn runbook(
        _: &Config,
        _: &AwsOptions,
        _: (&runbook::Runbook, &[runbook::Runbook]),
        _: bool,
        _: bool,
        _: &Path,
        _: Option<(crate::incident::IncidentStore, crate::incident::IncidentId)>,
    ) -> Result<u8> {
        bail!(NO_AWS)
    }
}

//! The `switchboard` command: CLI parsing and wiring only; the work lives in the library.

use anyhow::{Context as _, Result, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use regex::Regex;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;
use switchboard::app::exec::ExecOptions;
use switchboard::app::{ConsoleOptions, Feed, ServerTarget, ThemeLoader, run_console};
use switchboard::audit::{self, AuditLog, Session};
use switchboard::config::{self, Config, NexTalkServer};
use switchboard::headless::demo_snapshot;
use switchboard::keymap::Keymap;
use switchboard::logview::{Grep, TailOptions, tail_to};
use switchboard::model::Snapshot;
use switchboard::report::Report;
use switchboard::runbook::{self, HeadlessOptions, Library, RunContext};
use switchboard::source::aws::AwsOptions;
use switchboard::source::aws::settings::LogSettings as AwsLogSettings;
use switchboard::source::sim::{
    DEFAULT_SNAPSHOT_AT, Scenario, SimHandle, SimLambdaLog, SimLogOpener, SimLogTail, SimParams, SimRemote,
    SimSource, Simulator,
};
use switchboard::source::ssh::{
    HostKeyCheck, SshSettings, SshTail, SshTailOptions, StartAt, accept_host_key, expand_tilde,
    probe_host_key,
};
use switchboard::source::{LogTail, SingleSource};
use switchboard::theme::Theme;

#[derive(Parser, Debug)]
#[command(
    name = "switchboard",
    version,
    about = "Operator console for an Amazon Connect + NexTalk contact center"
)]
struct Cli {
    /// Config file (default: the user config directory's config.toml, if it exists).
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Refuse every action that changes anything.
    #[arg(long, global = true)]
    read_only: bool,
    /// Audit log file (default: the data directory's audit.jsonl).
    #[arg(long, global = true, value_name = "PATH")]
    audit_log: Option<PathBuf>,
    /// AWS profile (else AWS_PROFILE / the default chain).
    #[arg(long, global = true)]
    profile: Option<String>,
    /// AWS Region (else AWS_REGION / the profile's).
    #[arg(long, global = true)]
    region: Option<String>,
    /// One endpoint for every AWS service (VPC endpoints, local emulators); per-service
    /// AWS_ENDPOINT_URL_<SERVICE> variables work too.
    #[arg(long, global = true, value_name = "URL")]
    endpoint_url: Option<String>,
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the console on the built-in simulated contact center.
    Demo {
        #[command(flatten)]
        sim: SimArgs,
        #[command(flatten)]
        ui: UiArgs,
        /// Simulated seconds per real second.
        #[arg(long)]
        speed: Option<f64>,
        /// Start this many simulated seconds in (default: just before the incident shows).
        #[arg(long, value_name = "SECS")]
        start_at: Option<u64>,
    },
    /// Take one snapshot and print it; exit 0 ok, 1 warn, 2 crit, 3 could not collect.
    Snapshot {
        /// Use the built-in simulator (the only source until the AWS backend is configured).
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        sim: SimArgs,
        /// Simulated seconds to run before the snapshot.
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_SNAPSHOT_AT.as_secs())]
        at: u64,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// List the simulator's scenarios.
    Scenarios,
    /// Show, create or check the config file.
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Runbooks: list, show, or run one headless.
    Runbook {
        #[command(subcommand)]
        command: RunbookCommand,
    },
    /// Print a NexTalk server's log or a Lambda function's errors (sanitised), optionally
    /// following them.
    ///
    /// A server is read over SSH when the config has [nextalk.servers.ssh] for it; otherwise
    /// once through SSM Run Command ([aws]), which is a snapshot and cannot --follow. With
    /// --lambda, the function's error events come from CloudWatch Logs ([aws.logs]).
    Logs {
        /// Server name (as in the config, or nt-a / nt-b in the demo).
        #[arg(required_unless_present = "lambda")]
        server: Option<String>,
        /// A Lambda function's error lines instead (log group /aws/lambda/FUNCTION).
        #[arg(long, value_name = "FUNCTION", conflicts_with_all = ["server", "accept_new_host_key"])]
        lambda: Option<String>,
        /// Keep printing new lines as they arrive.
        #[arg(long, short = 'f')]
        follow: bool,
        /// How many existing lines to print first.
        #[arg(long, short = 'n', default_value_t = 100)]
        lines: usize,
        /// Only lines matching this regular expression.
        #[arg(long)]
        grep: Option<String>,
        /// Read the simulator's logs.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        sim: SimArgs,
        /// Trust this server's SSH host key if it is not in known_hosts yet (it is added there).
        #[arg(long)]
        accept_new_host_key: bool,
    },
    /// Print the audit log.
    Audit {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Only records newer than this (e.g. 30m, 2h, 1d).
        #[arg(long, value_parser = humantime::parse_duration)]
        since: Option<Duration>,
    },
}

#[derive(Subcommand, Debug)]
enum ConfigCommand {
    /// Print where the config file is read from.
    Path,
    /// Write a commented example config (never overwrites).
    Init {
        /// Where to write it (default: the config path).
        path: Option<PathBuf>,
    },
    /// Check a config file (default: the one in use) and its theme and keymap.
    Check { path: Option<PathBuf> },
}

#[derive(Subcommand, Debug)]
enum RunbookCommand {
    /// List runbooks; those that fit the current alerts are marked.
    List {
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        sim: SimArgs,
    },
    /// Show a runbook's steps.
    Show { id: String },
    /// Run a runbook's checks; actions only with --yes.
    Run {
        id: String,
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        sim: SimArgs,
        /// Run the actions without asking (never in read-only mode).
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Args, Debug, Clone)]
struct SimArgs {
    /// Simulator scenario (see `switchboard scenarios`).
    #[arg(long)]
    scenario: Option<String>,
    #[arg(long)]
    seed: Option<u64>,
    #[arg(long)]
    queues: Option<usize>,
    #[arg(long)]
    functions: Option<usize>,
    #[arg(long)]
    streams: Option<usize>,
    #[arg(long)]
    tables: Option<usize>,
}

#[derive(Args, Debug, Clone)]
struct UiArgs {
    /// Colour theme (dark, light, high-contrast, colorblind, or a user theme).
    #[arg(long)]
    theme: Option<String>,
    /// Keymap (default, vim, or a user keymap).
    #[arg(long)]
    keymap: Option<String>,
    /// Don't capture the mouse.
    #[arg(long)]
    no_mouse: bool,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Table,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("switchboard: {e:#}");
            ExitCode::from(3)
        }
    }
}

fn run(cli: Cli) -> Result<u8> {
    let cfg = Config::discover(cli.config.as_deref()).map_err(anyhow::Error::new)?;
    let aws_options = AwsOptions {
        profile: cli.profile.clone(),
        region: cli.region.clone(),
        endpoint_url: cli.endpoint_url.clone(),
        emulator_credentials: false,
    };
    match cli.command {
        None if cfg.aws.is_some() => {
            live::console(&cli_globals(&cli.read_only, &cli.audit_log), &cfg, &aws_options, &UiArgs::empty())
        }
        None => {
            // Without an [aws] section the console runs on the simulator, as the product
            // promises; say so rather than pretend.
            eprintln!(
                "switchboard: no [aws] in the config; running the built-in simulator (switchboard demo)"
            );
            demo(
                &cli_globals(&cli.read_only, &cli.audit_log),
                &cfg,
                SimArgs::empty(),
                UiArgs::empty(),
                None,
                None,
            )
        }
        Some(Command::Demo { sim, ui, speed, start_at }) => {
            demo(&cli_globals(&cli.read_only, &cli.audit_log), &cfg, sim, ui, speed, start_at)
        }
        Some(Command::Snapshot { demo, sim, at, format }) => {
            let taken = if demo {
                let params = sim_params(&cfg, &sim)?;
                demo_snapshot(params, Duration::from_secs(at), &cfg.thresholds())
            } else {
                match live::snapshot(&cfg, &aws_options) {
                    Ok(taken) => taken,
                    Err(e) => {
                        // "Could not collect", as monitoring checks expect.
                        eprintln!("switchboard: {e:#}");
                        return Ok(3);
                    }
                }
            };
            let report = Report::new(&taken.snapshot, &taken.assessment, &taken.alerts);
            let text = match format {
                Format::Json => report.to_json() + "\n",
                Format::Table => report.to_table(),
            };
            print_quietly(&text)?;
            Ok(report.health.exit_code() as u8)
        }
        Some(Command::Scenarios) => {
            let mut out = String::new();
            for s in Scenario::ALL {
                out.push_str(&format!("{:<20} {}\n", s.name(), s.description()));
            }
            print_quietly(&out)?;
            Ok(0)
        }
        Some(Command::Config { command }) => config_command(&cfg, cli.config.as_deref(), command),
        Some(Command::Runbook { command }) => runbook_command(
            &cfg,
            &aws_options,
            cli.read_only || cfg.read_only,
            cli.audit_log.as_deref(),
            command,
        ),
        Some(Command::Logs { server, lambda, follow, lines, grep, demo, sim, accept_new_host_key }) => {
            let grep = match grep {
                Some(p) => Some(Grep::Regex(Regex::new(&p).with_context(|| format!("--grep {p:?}"))?)),
                None => None,
            };
            let opts = TailOptions { follow, lines, grep };
            let which = match (lambda, server) {
                (Some(function), _) => LogSource::Lambda(function),
                (None, Some(server)) => LogSource::Server(server),
                (None, None) => bail!("name a server, or a Lambda function with --lambda"),
            };
            logs_command(&cfg, &aws_options, &which, demo, &sim, &opts, accept_new_host_key)
        }
        Some(Command::Audit { format, since }) => {
            let path = audit_path(&cfg, cli.audit_log.as_deref())?;
            let read = audit::read(&path, since).with_context(|| format!("reading {}", path.display()))?;
            if read.skipped > 0 {
                eprintln!("switchboard: skipped {} unreadable line(s) in {}", read.skipped, path.display());
            }
            let text = match format {
                Format::Table => audit::format_table(&read.records),
                Format::Json => {
                    read.records
                        .iter()
                        .filter_map(|r| serde_json::to_string(r).ok())
                        .collect::<Vec<_>>()
                        .join("\n")
                        + "\n"
                }
            };
            print_quietly(&text)?;
            Ok(0)
        }
    }
}

struct Globals {
    read_only: bool,
    audit_log: Option<PathBuf>,
}

fn cli_globals(read_only: &bool, audit_log: &Option<PathBuf>) -> Globals {
    Globals { read_only: *read_only, audit_log: audit_log.clone() }
}

impl SimArgs {
    fn empty() -> SimArgs {
        SimArgs { scenario: None, seed: None, queues: None, functions: None, streams: None, tables: None }
    }
}

impl UiArgs {
    fn empty() -> UiArgs {
        UiArgs { theme: None, keymap: None, no_mouse: false }
    }
}

/// Command line first, then `[demo]` in the config, then the simulator's defaults.
fn sim_params(cfg: &Config, args: &SimArgs) -> Result<SimParams> {
    let d = SimParams::default();
    let scenario_name = args.scenario.clone().or_else(|| cfg.demo.scenario.clone());
    let scenario = match scenario_name {
        None => Scenario::Calm,
        Some(name) => Scenario::from_name(&name).with_context(|| {
            let names: Vec<&str> = Scenario::ALL.iter().map(|s| s.name()).collect();
            format!("unknown scenario {name:?}; choose one of: {}", names.join(", "))
        })?,
    };
    let size = |arg: Option<usize>, conf: Option<u32>, default: usize| {
        arg.or(conf.map(|v| v as usize)).unwrap_or(default)
    };
    Ok(SimParams {
        seed: args.seed.or(cfg.demo.seed).unwrap_or(d.seed),
        scenario,
        queues: size(args.queues, cfg.demo.queues, d.queues),
        functions: size(args.functions, cfg.demo.functions, d.functions),
        streams: size(args.streams, cfg.demo.streams, d.streams),
        tables: size(args.tables, cfg.demo.tables, d.tables),
    })
}

fn audit_path(cfg: &Config, cli: Option<&Path>) -> Result<PathBuf> {
    cli.map(Path::to_path_buf)
        .or_else(|| cfg.audit.path.clone())
        .or_else(audit::default_path)
        .context("no audit log path: pass --audit-log PATH (no data directory could be determined)")
}

/// Prints to stdout; a closed pipe (`| head`) is not an error.
fn print_quietly(text: &str) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("writing to stdout"),
    }
}

fn config_command(cfg: &Config, explicit: Option<&Path>, command: ConfigCommand) -> Result<u8> {
    match command {
        ConfigCommand::Path => {
            let path = explicit.map(Path::to_path_buf).or_else(config::default_path);
            match path {
                Some(p) => {
                    let state =
                        if p.exists() { "exists" } else { "not created yet; `switchboard config init`" };
                    print_quietly(&format!("{}\t({state})\n", p.display()))?;
                    Ok(0)
                }
                None => bail!("no config directory could be determined; pass --config PATH"),
            }
        }
        ConfigCommand::Init { path } => {
            let path = path
                .or_else(|| explicit.map(Path::to_path_buf))
                .or_else(config::default_path)
                .context("no config directory could be determined; give a path")?;
            config::write_example(&path).map_err(anyhow::Error::new)?;
            print_quietly(&format!("wrote {}\n", path.display()))?;
            Ok(0)
        }
        ConfigCommand::Check { path } => {
            let checked = match path.as_deref().or(explicit) {
                Some(p) => Config::load(p).map_err(anyhow::Error::new)?,
                None => cfg.clone(),
            };
            let no_color = no_color();
            checked.theme(no_color).map_err(anyhow::Error::new)?;
            checked.keymap().map_err(anyhow::Error::new)?;
            let lib = Library::load(runbook::user_dir().as_deref());
            if let Some(e) = lib.errors.first() {
                return Err(anyhow::Error::new(e.clone()));
            }
            let what = checked
                .path
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or("defaults (no config file)".into());
            print_quietly(&format!("ok: {what}\n"))?;
            Ok(0)
        }
    }
}

fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

fn runbook_command(
    cfg: &Config,
    aws_options: &AwsOptions,
    read_only: bool,
    audit_cli: Option<&Path>,
    command: RunbookCommand,
) -> Result<u8> {
    let lib = Library::load(runbook::user_dir().as_deref());
    for e in &lib.errors {
        eprintln!("switchboard: skipped runbook: {e}");
    }
    match command {
        RunbookCommand::List { demo: _, sim } => {
            let params = sim_params(cfg, &sim)?;
            let taken = demo_snapshot(params, DEFAULT_SNAPSHOT_AT, &cfg.thresholds());
            let listed = runbook::runbooks_for(&taken.alerts, &lib.runbooks);
            print_quietly(&runbook::text::list(&listed))?;
            Ok(0)
        }
        RunbookCommand::Show { id } => {
            let rb = find_runbook(&lib, &id)?;
            print_quietly(&runbook::text::show(rb))?;
            Ok(0)
        }
        RunbookCommand::Run { id, demo, sim: _, yes } if !demo => {
            let rb = find_runbook(&lib, &id)?.clone();
            let path = audit_path(cfg, audit_cli)?;
            live::runbook(cfg, aws_options, &rb, read_only, yes, &path)
        }
        RunbookCommand::Run { id, demo: _, sim, yes } => {
            let rb = find_runbook(&lib, &id)?.clone();
            let params = sim_params(cfg, &sim)?;
            let source_label = format!("demo:{}", params.scenario.name());
            let mut simulator = Simulator::new(params);
            simulator.advance_to(DEFAULT_SNAPSHOT_AT);
            // Fast enough that a restart completes in a couple of seconds, slow enough that
            // every status transition is seen.
            let handle = SimHandle::realtime(simulator.shared(), 10.0);
            let mut telemetry = SimSource::new(handle.clone());
            let remote = SimRemote::new(handle.clone());
            let first = telemetry.collect_now().map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut ctx = RunContext::from_snapshot(&first, read_only, cfg.thresholds());
            ctx.peer_hosts = runbook::demo_peer_hosts(&ctx.servers);
            let opts = HeadlessOptions {
                yes,
                read_only,
                poll_interval: Duration::from_millis(250),
                ..Default::default()
            };
            let path = audit_path(cfg, audit_cli)?;
            let mut log = AuditLog::open(&path, Session::new(source_label, None))
                .with_context(|| format!("opening audit log {}", path.display()))?;
            let rt = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
            let mut out = std::io::stdout();
            let outcome = rt.block_on(runbook::run_headless(
                &rb,
                ctx,
                &mut telemetry,
                &remote,
                &opts,
                Some(&mut log),
                &mut out,
            ))?;
            Ok(outcome.exit_code() as u8)
        }
    }
}

/// What `switchboard logs` reads.
enum LogSource {
    Server(String),
    Lambda(String),
}

fn logs_command(
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
            eprintln!(
                "switchboard: added {} key {} for [{}]:{} to {}",
                key.key_type,
                key.fingerprint,
                key.host,
                key.port,
                known.display()
            );
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
    eprintln!(
        "switchboard: {} has no [nextalk.servers.ssh]: reading the last {lines} lines once through SSM Run Command \
         (a snapshot, not a follow)",
        srv.name
    );
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

/// The live AWS paths of the headless commands.
#[cfg(feature = "aws")]
mod live {
    use super::*;
    use std::collections::BTreeMap;
    use switchboard::headless::Taken;
    use switchboard::model::{AlertBook, assess};
    use switchboard::source::Telemetry;
    use switchboard::source::aws::{AwsAllAtOnce, AwsContext, AwsFeeds, AwsLogOpener, ServerLogAccess};
    use switchboard::source::{Compose, Target};

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
        let base = console_base(globals, cfg, ui, &source_label, Some(ctx.account().to_string()))?;
        let sources = ctx.sources();
        let parts = sources.iter().map(|s| s.part).collect();
        let feeds = sources.into_iter().map(|s| Feed { telemetry: s.telemetry, every: s.interval }).collect();
        // Trends from CloudWatch's recent past, so the first frame already shows the lead-up.
        let mut feeds_composer = AwsFeeds { parts, composer: ctx.composer() };
        let minutes = u32::try_from(cfg.ui.history.min(180)).unwrap_or(60);
        let backfill = match rt.block_on(ctx.metrics().history(minutes)) {
            Ok(snaps) => snaps.into_iter().filter_map(|s| feeds_composer.update(0, Ok(s)).ok()).collect(),
            Err(e) => {
                eprintln!("switchboard: trends start empty: {e}");
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
        let opts = ConsoleOptions {
            feeds,
            compose: Box::new(AwsFeeds { parts: feeds_composer.parts, composer: ctx.composer() }),
            keymap: base.keymap,
            theme: base.theme,
            theme_loader: base.theme_loader,
            thresholds: cfg.thresholds(),
            history: cfg.ui.history,
            read_only: globals.read_only || cfg.read_only,
            mouse: cfg.ui.mouse && !ui.no_mouse,
            source_label,
            remote: Arc::new(ctx.remote()),
            logs: Arc::new(AwsLogOpener::new(ctx.clone(), log_access, 1000)),
            log_lines: cfg.ui.log_lines,
            audit: base.audit,
            audit_error: base.audit_error,
            runbooks: base.runbooks,
            targets,
            peer_hosts: BTreeMap::new(),
            backfill,
            exec: ExecOptions::default(),
        };
        rt.block_on(run_console(opts))?;
        Ok(0)
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
        let mut log = AuditLog::open(audit, Session::new(ctx.describe(), Some(ctx.account().to_string())))
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
mod live {
    use super::*;
    use switchboard::headless::Taken;

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

fn find_runbook<'a>(lib: &'a Library, id: &str) -> Result<&'a runbook::Runbook> {
    lib.get(id).with_context(|| {
        let ids: Vec<&str> = lib.runbooks.iter().map(|r| r.id.as_str()).collect();
        format!("no runbook {id:?}; available: {}", ids.join(", "))
    })
}

/// Where `demo` opens by default: 30 simulated seconds into the incident (which starts at
/// 120 s), with everything before it in the trends.
const DEMO_START: Duration = Duration::from_secs(150);

/// Snapshots of the simulator stepping up to `start`, one per refresh interval, as many as the
/// trends keep; leaves the simulator at `start`.
fn backfill(sim: &mut Simulator, start: Duration, refresh: Duration, history: usize) -> Vec<Snapshot> {
    let refresh = refresh.max(Duration::from_millis(250));
    let span = refresh.saturating_mul(u32::try_from(history).unwrap_or(u32::MAX));
    let mut t = start.saturating_sub(span);
    let mut out = Vec::new();
    while t < start {
        sim.advance_to(t);
        out.push(sim.snapshot());
        t += refresh;
    }
    sim.advance_to(start);
    out
}

/// The simulated servers as command targets, each with the services it runs: in the demo the
/// simulator's model is the configuration.
fn demo_targets(sim: &Simulator) -> Vec<ServerTarget> {
    let snap = sim.snapshot();
    sim.targets()
        .into_iter()
        .map(|target| {
            let services = snap
                .nextalk
                .servers
                .iter()
                .find(|s| s.name == target.server)
                .map(|s| s.services.iter().map(|svc| svc.name.clone()).collect())
                .unwrap_or_default();
            ServerTarget { target, services }
        })
        .collect()
}

/// What every console needs whatever its source: keys, looks, runbooks and the audit log.
struct ConsoleBase {
    keymap: Keymap,
    theme: Theme,
    theme_loader: ThemeLoader,
    audit: Option<AuditLog>,
    audit_error: Option<String>,
    runbooks: Library,
}

fn console_base(
    globals: &Globals,
    cfg: &Config,
    ui: &UiArgs,
    source_label: &str,
    aws_identity: Option<String>,
) -> Result<ConsoleBase> {
    let user_dir = cfg.user_dir();
    let no_color = no_color();
    let keymap_name = ui.keymap.clone().unwrap_or_else(|| cfg.ui.keymap.clone());
    let keymap = Keymap::load(&keymap_name, user_dir.as_deref()).map_err(anyhow::Error::new)?;
    let theme_name = ui.theme.clone().unwrap_or_else(|| cfg.ui.theme.clone());
    let theme = Theme::resolve(&theme_name, user_dir.as_deref(), no_color).map_err(anyhow::Error::new)?;
    let loader_dir = user_dir.clone();
    let theme_loader: ThemeLoader = Box::new(move |name| {
        Theme::resolve(name, loader_dir.as_deref(), no_color).map_err(|e| e.to_string())
    });
    let (audit, audit_error) = match audit_path(cfg, globals.audit_log.as_deref()) {
        Err(e) => (None, Some(format!("{e:#}"))),
        Ok(path) => match AuditLog::open(&path, Session::new(source_label, aws_identity)) {
            Ok(log) => (Some(log), None),
            Err(e) => (None, Some(format!("cannot open audit log {}: {e}", path.display()))),
        },
    };
    let runbooks = Library::load(runbook::user_dir().as_deref());
    Ok(ConsoleBase { keymap, theme, theme_loader, audit, audit_error, runbooks })
}

fn demo(
    globals: &Globals,
    cfg: &Config,
    sim: SimArgs,
    ui: UiArgs,
    speed: Option<f64>,
    start_at: Option<u64>,
) -> Result<u8> {
    let params = sim_params(cfg, &sim)?;
    let speed = speed.unwrap_or(cfg.demo.speed);
    if !(speed > 0.0 && speed <= 1000.0) {
        bail!("--speed must be more than 0 and at most 1000 (got {speed})");
    }
    let source_label = format!("demo:{}", params.scenario.name());
    let base = console_base(globals, cfg, &ui, &source_label, None)?;
    let mut simulator = Simulator::new(params);
    // Open after the incident began, with the minutes before it already in the trends, so
    // the before/after is on screen from the first frame.
    let start = start_at.map(Duration::from_secs).unwrap_or(DEMO_START);
    let backfill = backfill(&mut simulator, start, cfg.ui.refresh, cfg.ui.history);
    let targets = demo_targets(&simulator);
    let peer_hosts = runbook::demo_peer_hosts(&simulator.targets());
    let handle = SimHandle::realtime(simulator.shared(), speed);
    let opts = ConsoleOptions {
        feeds: vec![Feed { telemetry: Box::new(SimSource::new(handle.clone())), every: cfg.ui.refresh }],
        compose: Box::new(SingleSource),
        keymap: base.keymap,
        theme: base.theme,
        theme_loader: base.theme_loader,
        thresholds: cfg.thresholds(),
        history: cfg.ui.history,
        read_only: globals.read_only || cfg.read_only,
        mouse: cfg.ui.mouse && !ui.no_mouse,
        source_label,
        remote: Arc::new(SimRemote::new(handle.clone())),
        audit: base.audit,
        audit_error: base.audit_error,
        runbooks: base.runbooks,
        targets,
        peer_hosts,
        backfill,
        exec: ExecOptions::default(),
        logs: Arc::new(SimLogOpener::new(handle)),
        log_lines: cfg.ui.log_lines,
    };
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    rt.block_on(run_console(opts))?;
    Ok(0)
}

//! The command line: `switchboard [global options] [command]`.
//!
//! Every option and positional has a description, and every command's `--help` ends with
//! examples (tests/cli_help.rs walks the whole tree for both, and parses each example). The
//! AWS options are on the commands that use AWS only: a `--profile` on `scenarios` would
//! promise something that never happens.

use crate::source::aws::AwsOptions;
use crate::source::sim::DEFAULT_SNAPSHOT_AT;
use clap::{Args, CommandFactory as _, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "switchboard",
    version,
    about = "Operator console for an Amazon Connect + NexTalk contact center",
    after_help = "Examples:
  # The console: live on AWS when the config has [aws], else on the simulator
  switchboard
  switchboard --profile oncall --region us-east-1
  # The console on a simulated incident, and one snapshot of it for a script
  switchboard demo --scenario chat-bridge-down
  switchboard snapshot --demo --scenario chat-bridge-down --format json
  # Tab completion for bash
  switchboard completions bash > ~/.local/share/bash-completion/completions/switchboard"
)]
pub struct Cli {
    /// Config file (default: the user config directory's config.toml, if it exists).
    #[arg(long, global = true, value_name = "PATH")]
    pub(super) config: Option<PathBuf>,
    /// Refuse every action that changes anything.
    #[arg(long, global = true)]
    pub(super) read_only: bool,
    /// Audit log file (default: the data directory's audit.jsonl).
    #[arg(long, global = true, value_name = "PATH")]
    pub(super) audit_log: Option<PathBuf>,
    /// For the console (no command) when the config has [aws]. The commands that use AWS
    /// take these after their name, and here before it too (`switchboard --region R snapshot`).
    #[command(flatten)]
    pub(super) aws: AwsArgs,
    #[command(subcommand)]
    pub(super) command: Option<Command>,
}

/// How to reach AWS; on the console and the commands that use AWS, nowhere else.
#[derive(Args, Debug, Clone, Default, PartialEq, Eq)]
#[command(next_help_heading = "AWS")]
pub(super) struct AwsArgs {
    /// AWS profile (else AWS_PROFILE / the default chain).
    #[arg(long, value_name = "NAME")]
    pub(super) profile: Option<String>,
    /// AWS Region (else AWS_REGION / the profile's).
    #[arg(long, value_name = "REGION")]
    pub(super) region: Option<String>,
    /// One endpoint for every AWS service (VPC endpoints, local emulators); per-service
    /// AWS_ENDPOINT_URL_<SERVICE> variables work too.
    #[arg(long, value_name = "URL")]
    pub(super) endpoint_url: Option<String>,
}

impl AwsArgs {
    /// The first option given, as typed, for a message about it.
    fn first_given(&self) -> Option<&'static str> {
        [
            (self.profile.is_some(), "--profile"),
            (self.region.is_some(), "--region"),
            (self.endpoint_url.is_some(), "--endpoint-url"),
        ]
        .into_iter()
        .find_map(|(given, flag)| given.then_some(flag))
    }

    /// These (after the command's name) over `before` (given before it).
    pub(super) fn options(&self, before: &AwsArgs) -> AwsOptions {
        AwsOptions {
            profile: self.profile.clone().or_else(|| before.profile.clone()),
            region: self.region.clone().or_else(|| before.region.clone()),
            endpoint_url: self.endpoint_url.clone().or_else(|| before.endpoint_url.clone()),
            emulator_credentials: false,
        }
    }
}

impl Cli {
    /// Parses a command line as `main` does: clap's checks, then the AWS options given before
    /// a command that does not use AWS are refused (clap accepts a parent's options before
    /// any subcommand).
    pub fn checked_parse<I, T>(args: I) -> Result<Cli, clap::Error>
    where
        I: IntoIterator<Item = T>,
        T: Into<std::ffi::OsString> + Clone,
    {
        let cli = Cli::try_parse_from(args)?;
        let unused = match &cli.command {
            Some(command) => command.aws().is_none(),
            None => false,
        };
        if let (true, Some(flag)) = (unused, cli.aws.first_given()) {
            let msg = format!(
                "{flag} is an AWS option, and this command does not use AWS (the console, snapshot, \
                 logs, runbook list/run, incident open/status/outbox and team init do)"
            );
            return Err(Cli::command().error(clap::error::ErrorKind::ArgumentConflict, msg));
        }
        Ok(cli)
    }
}

/// Seconds into the simulation. Negative numbers reach this parser (rather than reading as
/// an unknown short option `-1`) so that `--start-at -10` says what is wrong with it.
fn sim_seconds(s: &str) -> Result<u64, String> {
    match s.trim().parse::<u64>() {
        Ok(secs) => Ok(secs),
        Err(_) if s.trim().parse::<i128>().is_ok_and(|n| n < 0) => {
            Err("seconds into the simulation cannot be negative (0 is its start)".into())
        }
        Err(_) => Err("not a whole number of seconds (e.g. 300)".into()),
    }
}

/// A count of simulated resources, within what `[demo]` in the config accepts.
fn sim_count(s: &str) -> Result<usize, String> {
    let range = crate::config::DEMO_COUNT_RANGE;
    match s.trim().parse::<i128>() {
        Ok(n) if n >= i128::from(*range.start()) && n <= i128::from(*range.end()) => {
            usize::try_from(n).map_err(|e| e.to_string())
        }
        Ok(_) => Err(format!("must be {} to {}", range.start(), range.end())),
        Err(_) => Err("not a whole number".into()),
    }
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
    /// Run the console on the built-in simulated contact center.
    #[command(after_help = "Examples:
  # Calm, just before the incident would show
  switchboard demo
  # Five minutes into the Chat Bridge outage, at ten times real speed
  switchboard demo --scenario chat-bridge-down --start-at 300 --speed 10
  switchboard demo --scenario kinesis-lag --theme light --keymap vim --no-mouse
  # Record the session's telemetry, then play it back
  switchboard demo --scenario chat-bridge-down --record drill.jsonl.gz")]
    Demo {
        #[command(flatten)]
        sim: SimArgs,
        #[command(flatten)]
        ui: UiArgs,
        /// Simulated seconds per real second (more than 0, at most 1000; default: [demo] speed).
        #[arg(long, allow_negative_numbers = true)]
        speed: Option<f64>,
        /// Start this many simulated seconds in (default: just before the incident shows).
        #[arg(long, value_name = "SECS", allow_negative_numbers = true, value_parser = sim_seconds)]
        start_at: Option<u64>,
    },
    /// Take one snapshot and print it; exit 0 ok, 1 warn, 2 crit, 3 could not collect.
    #[command(after_help = "Examples:
  # Live from [aws] in the config, for a script: the exit status is the health
  switchboard snapshot --format json
  # The simulator, five minutes into an incident
  switchboard snapshot --demo --scenario chat-bridge-down --at 300
  # One JSON line a minute until interrupted
  switchboard snapshot --watch 1m")]
    Snapshot {
        /// Use the built-in simulator instead of the live backend ([aws] in the config).
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        sim: SimArgs,
        /// Simulated seconds to run before the snapshot (with --demo).
        #[arg(long, value_name = "SECS", default_value_t = DEFAULT_SNAPSHOT_AT.as_secs(),
              allow_negative_numbers = true, value_parser = sim_seconds)]
        at: u64,
        /// Output format [default: table; json with --watch].
        #[arg(long, value_enum)]
        format: Option<Format>,
        /// Keep printing: one snapshot per INTERVAL (default 15s; 500ms, 1m…), each as one
        /// line of JSON, until interrupted or the reader goes away (exit 0). Live, it runs the
        /// console's sources on their own refresh intervals, with the same pacing and team
        /// cache, and each line is the newest figures. Paced on the wall clock; with --demo
        /// the simulation runs in real time from --at, so each line is INTERVAL later.
        #[arg(long, value_name = "INTERVAL", num_args = 0..=1, default_missing_value = "15s",
              value_parser = humantime::parse_duration)]
        watch: Option<Duration>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Play a flight recording back through the console, read-only: a `--record` file, or
    /// the recording attached to an incident declared in the console.
    ///
    /// Keys: Space pause/play · ←/→ 10 s back/on · ] [ next/previous marked event (the
    /// incident's timeline, else the alerts raised and cleared) · + - speed · q quit. The
    /// status bar shows the position on the recording's own clock.
    #[command(after_help = "Examples:
  # What the console saw in a recorded drill, four times as fast
  switchboard replay drill.jsonl.gz --speed 4
  # The window attached to an incident (its attachments/telemetry.jsonl.gz), events marked
  switchboard replay INC-20261122-001
  switchboard replay INC-20261122-001 --speed 0.5 --theme light")]
    Replay {
        /// A recording (`demo --record FILE`) or an incident id (INC-YYYYMMDD-NNN).
        #[arg(value_name = "FILE|INC")]
        recording: String,
        /// Recorded seconds per real second (more than 0, at most 1000).
        #[arg(long, default_value_t = 1.0, allow_negative_numbers = true)]
        speed: f64,
        #[command(flatten)]
        ui: UiArgs,
    },
    /// List the simulator's scenarios.
    #[command(after_help = "Examples:
  switchboard scenarios
  # Then run one
  switchboard demo --scenario port-exhaustion")]
    Scenarios,
    /// List the shipped pane presets (which the config enables with `presets = [...]`) and
    /// the data-defined panes the console shows live (the enabled presets' and each [[panes]]
    /// of the config), with their namespace, rows and columns.
    #[command(after_help = "Examples:\n  switchboard panes\n  switchboard --config team.toml panes\n\n\
Output: the presets, then one pane a line:\n  direct-connect   Direct Connect           pane dx  enabled\n  \
crm-api  CRM API  AWS/ApiGateway by ApiName: pega-*  columns 5xx (5XXError Sum), p99 (Latency p99)  from config.toml")]
    Panes,
    /// Show, create or check the config file.
    #[command(after_help = "Examples:
  switchboard config path
  switchboard config init
  switchboard config check")]
    Config {
        #[command(subcommand)]
        command: ConfigCommand,
    },
    /// Runbooks: list, show, or run one headless.
    #[command(after_help = "Examples:
  switchboard runbook list --demo --scenario chat-bridge-down
  switchboard runbook show nextalk-connectivity
  switchboard runbook run nextalk-connectivity --demo --scenario chat-bridge-down --yes")]
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
    #[command(after_help = "Examples:
  # Follow a server's log over SSH, errors only
  switchboard logs nextalk-a -f --grep ERROR
  # A Lambda function's last 50 error lines
  switchboard logs --lambda connect-lookup-customer -n 50
  # The simulator's logs
  switchboard logs nt-a --demo --scenario chat-bridge-down -n 20")]
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
        #[arg(long, value_name = "REGEX")]
        grep: Option<String>,
        /// Read the simulator's logs.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        sim: SimArgs,
        /// Trust this server's SSH host key if it is not in known_hosts yet (it is added there).
        #[arg(long)]
        accept_new_host_key: bool,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Incidents: declare one, add notes, change its status, export its report.
    #[command(after_help = "Examples:
  switchboard incident open --title \"Chat Bridge down on nt-a\" --severity sev2
  switchboard incident note INC-20261122-001 \"restarted the Chat Bridge\"
  switchboard incident status INC-20261122-001 resolved
  switchboard incident export INC-20261122-001 --format html -o report.html")]
    Incident {
        #[command(subcommand)]
        command: IncidentCommand,
    },
    /// The team cache on DynamoDB ([aws.team]): one console polls Connect, the others read.
    #[command(after_help = "Examples:
  switchboard team init
  switchboard team init --print terraform > team-cache.tf")]
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Print the audit log, or check that it was not tampered with (`audit verify`).
    #[command(
        args_conflicts_with_subcommands = true,
        after_help = "Examples:
  # What was done in the last two hours
  switchboard audit --since 2h
  switchboard audit --format json
  switchboard audit verify"
    )]
    Audit {
        #[command(subcommand)]
        command: Option<AuditCommand>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Only records newer than this (e.g. 30m, 2h, 1d).
        #[arg(long, value_name = "AGE", value_parser = humantime::parse_duration)]
        since: Option<Duration>,
    },
    /// Print a shell completion script (bash, zsh, fish, elvish, powershell) to stdout.
    #[command(after_help = "Examples:
  switchboard completions bash > ~/.local/share/bash-completion/completions/switchboard
  switchboard completions zsh > ~/.zfunc/_switchboard
  switchboard completions fish > ~/.config/fish/completions/switchboard.fish")]
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

impl Command {
    /// The AWS options of a command that uses AWS; `None` for one that does not.
    pub(super) fn aws(&self) -> Option<&AwsArgs> {
        match self {
            Command::Snapshot { aws, .. } | Command::Logs { aws, .. } => Some(aws),
            Command::Runbook { command } => match command {
                RunbookCommand::List { aws, .. } | RunbookCommand::Run { aws, .. } => Some(aws),
                RunbookCommand::Show { .. } => None,
            },
            Command::Incident { command } => match command {
                IncidentCommand::Open { aws, .. }
                | IncidentCommand::Status { aws, .. }
                | IncidentCommand::Outbox { aws, .. } => Some(aws),
                IncidentCommand::Note { .. }
                | IncidentCommand::List { .. }
                | IncidentCommand::Show { .. }
                | IncidentCommand::Edit { .. }
                | IncidentCommand::Export { .. } => None,
            },
            Command::Team { command: TeamCommand::Init { aws, .. } } => Some(aws),
            Command::Demo { .. }
            | Command::Replay { .. }
            | Command::Scenarios
            | Command::Config { .. }
            | Command::Audit { .. }
            | Command::Panes
            | Command::Completions { .. } => None,
        }
    }
}

#[derive(Subcommand, Debug)]
pub(super) enum AuditCommand {
    /// Check the log's hash chain and its head file: exit 0 when intact, 1 naming the first
    /// bad line when a record was modified, deleted, reordered or the tail cut, 3 when the log
    /// cannot be read. Logs written before the chain existed verify as "unchained before line N".
    #[command(after_help = "Examples:
  switchboard audit verify
  switchboard --audit-log /var/log/switchboard/audit.jsonl audit verify")]
    Verify,
}

#[derive(Subcommand, Debug)]
pub(super) enum ConfigCommand {
    /// Print where the config file is read from.
    #[command(after_help = "Examples:
  switchboard config path
  switchboard --config ./ops.toml config path")]
    Path,
    /// Write a commented example config (never overwrites).
    #[command(after_help = "Examples:
  switchboard config init
  switchboard config init ./ops.toml")]
    Init {
        /// Where to write it (default: the config path).
        path: Option<PathBuf>,
    },
    /// Check a config file (default: the one in use) and its theme and keymap.
    #[command(after_help = "Examples:
  switchboard config check
  switchboard config check ./ops.toml")]
    Check {
        /// The file to check (default: the one in use: --config, else the config path).
        path: Option<PathBuf>,
    },
}

#[derive(Subcommand, Debug)]
pub(super) enum TeamCommand {
    /// Create the team table (on-demand, TTL), or print it as infrastructure code.
    #[command(after_help = "Examples:
  switchboard team init
  switchboard team init --table switchboard-team --region eu-west-2
  switchboard team init --print cloudformation > team-cache.yaml")]
    Init {
        /// The table (default: [aws.team] table).
        #[arg(long)]
        table: Option<String>,
        /// Print a template instead of creating the table.
        #[arg(long, value_enum, value_name = "KIND")]
        print: Option<TemplateKind>,
        #[command(flatten)]
        aws: AwsArgs,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TemplateKind {
    Terraform,
    Cloudformation,
}

#[derive(Subcommand, Debug)]
pub(super) enum RunbookCommand {
    /// List runbooks; those that fit the current alerts are marked.
    #[command(after_help = "Examples:
  # Ranked against the live alerts ([aws] in the config)
  switchboard runbook list
  switchboard runbook list --demo --scenario lambda-errors")]
    List {
        /// Rank against the simulator's alerts instead of the live ones.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        sim: SimArgs,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Show a runbook's steps.
    #[command(after_help = "Examples:
  switchboard runbook show nextalk-connectivity")]
    Show {
        /// The runbook's id (see `switchboard runbook list`).
        id: String,
    },
    /// Run a runbook's checks; actions only with --yes.
    #[command(after_help = "Examples:
  # The checks only, live
  switchboard runbook run nextalk-connectivity
  # Checks and fixes, recorded on an incident's timeline
  switchboard runbook run nextalk-connectivity --yes --incident INC-20261122-001
  # A drill on the simulator
  switchboard runbook run nextalk-connectivity --demo --scenario chat-bridge-down --yes")]
    Run {
        /// The runbook's id (see `switchboard runbook list`).
        id: String,
        /// Run it against the simulator instead of the live backend.
        #[arg(long)]
        demo: bool,
        #[command(flatten)]
        sim: SimArgs,
        /// Run the actions without asking (never in read-only mode).
        #[arg(long)]
        yes: bool,
        /// Record the run on this incident's timeline (INC-YYYYMMDD-NNN).
        #[arg(long, value_name = "INC")]
        incident: Option<String>,
        #[command(flatten)]
        aws: AwsArgs,
    },
}

#[derive(Subcommand, Debug)]
pub(super) enum IncidentCommand {
    /// Declare an incident and print its id.
    #[command(after_help = "Examples:
  switchboard incident open --title \"Chat Bridge down on nt-a\" --severity sev2
  # A drill: marked as one in every message and in the report
  switchboard incident open --title \"Chat Bridge drill\" --demo --scenario chat-bridge-down")]
    Open {
        /// What is wrong, in a line.
        #[arg(long)]
        title: String,
        /// sev1 (worst) to sev4.
        #[arg(long, default_value = "sev3", value_parser = ["sev1", "sev2", "sev3", "sev4"])]
        severity: String,
        /// A drill on the simulator: marked as one in every message and in the report.
        #[arg(long)]
        demo: bool,
        /// The drill's scenario (see `switchboard scenarios`).
        #[arg(long, requires = "demo")]
        scenario: Option<String>,
        /// The drill's simulator seed.
        #[arg(long, requires = "demo")]
        seed: Option<u64>,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Add a note to the timeline.
    #[command(after_help = "Examples:
  switchboard incident note INC-20261122-001 \"restarted the Chat Bridge on nt-a\"")]
    Note {
        /// The incident (INC-YYYYMMDD-NNN).
        id: String,
        /// The note.
        text: String,
    },
    /// Change the status (open, mitigated, resolved).
    #[command(after_help = "Examples:
  switchboard incident status INC-20261122-001 mitigated
  switchboard incident status INC-20261122-001 resolved")]
    Status {
        /// The incident (INC-YYYYMMDD-NNN).
        id: String,
        /// The new status.
        #[arg(value_parser = ["open", "mitigated", "resolved"])]
        status: String,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// List incidents.
    #[command(after_help = "Examples:
  switchboard incident list
  switchboard incident list --format json")]
    List {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show an incident and its timeline.
    #[command(after_help = "Examples:
  switchboard incident show INC-20261122-001")]
    Show {
        /// The incident (INC-YYYYMMDD-NNN).
        id: String,
    },
    /// Set what the engineer knows: title, severity, summary, impact, root cause, follow-ups.
    #[command(after_help = "Examples:
  switchboard incident edit INC-20261122-001 --root-cause \"Chat Bridge crashed on a full disk\"
  switchboard incident edit INC-20261122-001 --follow-up \"alert on disk space\" --follow-up \"rotate logs\"")]
    Edit {
        /// The incident (INC-YYYYMMDD-NNN).
        id: String,
        /// A new title.
        #[arg(long)]
        title: Option<String>,
        /// A new severity, sev1 (worst) to sev4.
        #[arg(long, value_parser = ["sev1", "sev2", "sev3", "sev4"])]
        severity: Option<String>,
        /// What happened, in a few sentences (the report's summary).
        #[arg(long)]
        summary: Option<String>,
        /// Impact the console cannot measure (complaints, SLA breach…).
        #[arg(long)]
        impact: Option<String>,
        /// Why it happened.
        #[arg(long)]
        root_cause: Option<String>,
        /// Adds a follow-up (repeat for more).
        #[arg(long)]
        follow_up: Vec<String>,
    },
    /// Write the report: Markdown, JSON or self-contained HTML with charts.
    #[command(after_help = "Examples:
  switchboard incident export INC-20261122-001 --format md
  switchboard incident export INC-20261122-001 --format html -o report.html")]
    Export {
        /// The incident (INC-YYYYMMDD-NNN).
        id: String,
        /// The report's format.
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write here instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Notifications waiting or given up; --deliver sends them now (in the foreground).
    #[command(after_help = "Examples:
  switchboard incident outbox
  switchboard incident outbox --deliver")]
    Outbox {
        /// Send the waiting notifications now, in the foreground.
        #[arg(long)]
        deliver: bool,
        /// Run as the background worker the other commands start (logs to the outbox).
        #[arg(long, hide = true, requires = "deliver")]
        background: bool,
        #[command(flatten)]
        aws: AwsArgs,
    },
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ExportFormat {
    Md,
    Json,
    Html,
}

#[derive(Args, Debug, Clone)]
pub(super) struct SimArgs {
    /// Simulator scenario (see `switchboard scenarios`; default: [demo] scenario, else calm).
    #[arg(long)]
    pub(super) scenario: Option<String>,
    /// Simulator seed: the same seed gives the same figures (default: [demo] seed, else 1).
    #[arg(long)]
    pub(super) seed: Option<u64>,
    /// Simulated Connect queues (default: [demo] queues, else the simulator's).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = sim_count)]
    pub(super) queues: Option<usize>,
    /// Simulated Lambda functions (default: [demo] functions, else the simulator's).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = sim_count)]
    pub(super) functions: Option<usize>,
    /// Simulated Kinesis streams (default: [demo] streams, else the simulator's).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = sim_count)]
    pub(super) streams: Option<usize>,
    /// Simulated DynamoDB tables (default: [demo] tables, else the simulator's).
    #[arg(long, value_name = "N", allow_negative_numbers = true, value_parser = sim_count)]
    pub(super) tables: Option<usize>,
}

#[derive(Args, Debug, Clone)]
pub(super) struct UiArgs {
    /// Colour theme (dark, light, high-contrast, colorblind, or a user theme).
    #[arg(long)]
    pub(super) theme: Option<String>,
    /// Keymap (default, vim, or a user keymap).
    #[arg(long)]
    pub(super) keymap: Option<String>,
    /// Don't capture the mouse.
    #[arg(long)]
    pub(super) no_mouse: bool,
    /// Also write every snapshot the console takes in to FILE (a flight recording, gzip'd
    /// JSON lines, readable after a crash): `switchboard replay FILE` plays it back.
    #[arg(long, value_name = "FILE")]
    pub(super) record: Option<std::path::PathBuf>,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Format {
    Table,
    Json,
}

impl SimArgs {
    pub(super) fn empty() -> SimArgs {
        SimArgs { scenario: None, seed: None, queues: None, functions: None, streams: None, tables: None }
    }
}

impl UiArgs {
    pub(super) fn empty() -> UiArgs {
        UiArgs { theme: None, keymap: None, no_mouse: false, record: None }
    }
}

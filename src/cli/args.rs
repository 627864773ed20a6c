//! The command line: `switchboard [global options] [command]`.

use crate::source::sim::DEFAULT_SNAPSHOT_AT;
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser, Debug)]
#[command(
    name = "switchboard",
    version,
    about = "Operator console for an Amazon Connect + NexTalk contact center"
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
    /// AWS profile (else AWS_PROFILE / the default chain).
    #[arg(long, global = true)]
    pub(super) profile: Option<String>,
    /// AWS Region (else AWS_REGION / the profile's).
    #[arg(long, global = true)]
    pub(super) region: Option<String>,
    /// One endpoint for every AWS service (VPC endpoints, local emulators); per-service
    /// AWS_ENDPOINT_URL_<SERVICE> variables work too.
    #[arg(long, global = true, value_name = "URL")]
    pub(super) endpoint_url: Option<String>,
    #[command(subcommand)]
    pub(super) command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub(super) enum Command {
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
    },
    /// List the simulator's scenarios.
    Scenarios,
    /// List the data-defined panes: each [[panes]] of the config (and the shipped presets it
    /// enables), with its namespace, rows and columns.
    #[command(after_help = "Examples:\n  switchboard panes\n  switchboard --config team.toml panes\n\n\
Output, one pane a line:\n  crm-api  CRM API  AWS/ApiGateway by ApiName: pega-*  columns 5xx (5XXError Sum), p99 (Latency p99)  from config.toml")]
    Panes,
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
    /// Incidents: declare one, add notes, change its status, export its report.
    Incident {
        #[command(subcommand)]
        command: IncidentCommand,
    },
    /// The team cache on DynamoDB ([aws.team]): one console polls Connect, the others read.
    Team {
        #[command(subcommand)]
        command: TeamCommand,
    },
    /// Print the audit log, or check that it was not tampered with (`audit verify`).
    #[command(args_conflicts_with_subcommands = true)]
    Audit {
        #[command(subcommand)]
        command: Option<AuditCommand>,
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
        /// Only records newer than this (e.g. 30m, 2h, 1d).
        #[arg(long, value_parser = humantime::parse_duration)]
        since: Option<Duration>,
    },
}

#[derive(Subcommand, Debug)]
pub(super) enum AuditCommand {
    /// Check the log's hash chain and its head file: exit 0 when intact, 1 naming the first
    /// bad line when a record was modified, deleted, reordered or the tail cut, 3 when the log
    /// cannot be read. Logs written before the chain existed verify as "unchained before line N".
    Verify,
}

#[derive(Subcommand, Debug)]
pub(super) enum ConfigCommand {
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
pub(super) enum TeamCommand {
    /// Create the team table (on-demand, TTL), or print it as infrastructure code.
    Init {
        /// The table (default: [aws.team] table).
        #[arg(long)]
        table: Option<String>,
        /// Print a template instead of creating the table.
        #[arg(long, value_enum, value_name = "KIND")]
        print: Option<TemplateKind>,
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
        /// Record the run on this incident's timeline (INC-YYYYMMDD-NNN).
        #[arg(long, value_name = "INC")]
        incident: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub(super) enum IncidentCommand {
    /// Declare an incident and print its id.
    Open {
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
        #[arg(long, requires = "demo")]
        seed: Option<u64>,
    },
    /// Add a note to the timeline.
    Note { id: String, text: String },
    /// Change the status (open, mitigated, resolved).
    Status {
        id: String,
        #[arg(value_parser = ["open", "mitigated", "resolved"])]
        status: String,
    },
    /// List incidents.
    List {
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// Show an incident and its timeline.
    Show { id: String },
    /// Set what the engineer knows: title, severity, summary, impact, root cause, follow-ups.
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[arg(long, value_parser = ["sev1", "sev2", "sev3", "sev4"])]
        severity: Option<String>,
        #[arg(long)]
        summary: Option<String>,
        /// Impact the console cannot measure (complaints, SLA breach…).
        #[arg(long)]
        impact: Option<String>,
        #[arg(long)]
        root_cause: Option<String>,
        /// Adds a follow-up (repeat for more).
        #[arg(long)]
        follow_up: Vec<String>,
    },
    /// Write the report: Markdown, JSON or self-contained HTML with charts.
    Export {
        id: String,
        #[arg(long, value_enum)]
        format: ExportFormat,
        /// Write here instead of stdout.
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Notifications waiting or given up; --deliver sends them now (in the foreground).
    Outbox {
        #[arg(long)]
        deliver: bool,
        /// Run as the background worker the other commands start (logs to the outbox).
        #[arg(long, hide = true, requires = "deliver")]
        background: bool,
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
    /// Simulator scenario (see `switchboard scenarios`).
    #[arg(long)]
    pub(super) scenario: Option<String>,
    #[arg(long)]
    pub(super) seed: Option<u64>,
    #[arg(long)]
    pub(super) queues: Option<usize>,
    #[arg(long)]
    pub(super) functions: Option<usize>,
    #[arg(long)]
    pub(super) streams: Option<usize>,
    #[arg(long)]
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
        UiArgs { theme: None, keymap: None, no_mouse: false }
    }
}

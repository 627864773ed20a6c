//! The command line's promises, read from the clap tree the binary parses with: every option
//! and positional says what it is, every command's `--help` ends with examples that parse,
//! the AWS options are where AWS is used and nowhere else, and the completion scripts, the
//! bad-number errors and `config init`'s defaults are what the README says.

#[path = "support/cli.rs"]
mod cli;

use clap::CommandFactory as _;
use cli::switchboard;
use switchboard::cli::Cli;

/// Every command in the tree, built (global options propagated, as `--help` shows them), with
/// its path (`""` for the top, `"runbook run"`); clap's own `help` subcommands left out.
fn commands() -> Vec<(String, clap::Command)> {
    let mut root = Cli::command();
    root.build();
    let mut out = Vec::new();
    let mut todo = vec![(String::new(), root)];
    while let Some((path, cmd)) = todo.pop() {
        for sub in cmd.get_subcommands().filter(|s| s.get_name() != "help") {
            let sub_path = format!("{path} {}", sub.get_name()).trim().to_string();
            todo.push((sub_path, sub.clone()));
        }
        out.push((path, cmd));
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn the_walk_reaches_every_command() {
    let paths: Vec<String> = commands().into_iter().map(|(p, _)| p).collect();
    // A walk that stopped at the top would pass every test below on one command.
    for p in ["", "demo", "config check", "runbook show", "incident outbox", "audit verify", "completions"] {
        assert!(paths.iter().any(|q| q == p), "{p:?} not reached: {paths:?}");
    }
    assert!(paths.len() >= 25, "{paths:?}");
}

#[test]
fn every_option_and_positional_has_a_description() {
    let mut missing = Vec::new();
    for (path, cmd) in commands() {
        for arg in cmd.get_arguments() {
            let help = arg.get_help().or(arg.get_long_help()).map(|h| h.to_string()).unwrap_or_default();
            if help.trim().is_empty() {
                missing.push(format!("`switchboard {path}`: {}", arg.get_id()));
            }
        }
    }
    assert!(missing.is_empty(), "arguments without a description:\n{}", missing.join("\n"));
}

/// The words of an example line as a shell would pass them (plain '…' and "…" quoting), up
/// to a redirection.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word: Option<String> = None;
    let mut quote: Option<char> = None;
    for c in line.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.get_or_insert_default().push(c),
            (None, '\'' | '"') => {
                quote = Some(c);
                word.get_or_insert_default();
            }
            (None, c) if c.is_whitespace() => out.extend(word.take()),
            (None, c) => word.get_or_insert_default().push(c),
        }
    }
    out.extend(word);
    assert!(quote.is_none(), "unbalanced quote in {line:?}");
    let end = out.iter().position(|w| w == ">" || w == "|").unwrap_or(out.len());
    out.truncate(end);
    out
}

/// The subcommand path an example line runs, as clap parses it.
fn path_of(args: &[String]) -> Result<String, clap::Error> {
    let matches = Cli::command().try_get_matches_from(args)?;
    let mut path = Vec::new();
    let mut m = &matches;
    while let Some((name, sub)) = m.subcommand() {
        path.push(name.to_string());
        m = sub;
    }
    Ok(path.join(" "))
}

#[test]
fn every_command_s_help_ends_with_examples_that_parse_and_run_it() {
    let mut problems = Vec::new();
    for (path, mut cmd) in commands() {
        let Some(after) = cmd.get_after_help().map(|h| h.to_string()) else {
            problems.push(format!("`switchboard {path}`: no examples"));
            continue;
        };
        let rendered = cmd.render_help().to_string();
        if !after.starts_with("Examples:\n") || !rendered.trim_end().ends_with(after.trim_end()) {
            problems
                .push(format!("`switchboard {path}`: --help does not end with its examples:\n{rendered}"));
            continue;
        }
        let examples: Vec<&str> =
            after.lines().skip(1).map(str::trim).filter(|l| l.starts_with("switchboard")).collect();
        let mut runs_this = false;
        for line in &examples {
            let args = words(line);
            match (Cli::checked_parse(&args), path_of(&args)) {
                (Ok(_), Ok(ran)) => {
                    runs_this |= ran == path || ran.starts_with(&format!("{path} ")) || path.is_empty()
                }
                (Err(e), _) | (_, Err(e)) => {
                    problems.push(format!("`switchboard {path}`: {line:?} does not parse: {e}"))
                }
            }
        }
        if !runs_this {
            problems.push(format!("`switchboard {path}`: no example runs it: {examples:?}"));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_aws_options_are_on_the_commands_that_use_aws_only() {
    let uses_aws = [
        "",
        "snapshot",
        "logs",
        "runbook list",
        "runbook run",
        "incident open",
        "incident status",
        "incident outbox",
        "team init",
    ];
    for (path, cmd) in commands() {
        for flag in ["profile", "region", "endpoint-url"] {
            let has = cmd.get_arguments().any(|a| a.get_long() == Some(flag));
            assert_eq!(has, uses_aws.contains(&path.as_str()), "`switchboard {path}` --{flag}");
        }
    }
    // Before the command's name they still work where AWS is used (scripts write them
    // there), and are refused where it is not rather than ignored.
    assert!(
        Cli::checked_parse(["switchboard", "--region", "us-east-1", "snapshot", "--format", "json"]).is_ok()
    );
    assert!(Cli::checked_parse(["switchboard", "snapshot", "--region", "us-east-1"]).is_ok());
    assert!(Cli::checked_parse(["switchboard", "--region", "us-east-1"]).is_ok());
    let refused = Cli::checked_parse(["switchboard", "--profile", "oncall", "config", "path"]);
    assert!(refused.is_err_and(|e| e.to_string().contains("--profile is an AWS option")));
    let out = switchboard(&["--endpoint-url", "http://localhost:1", "scenarios"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: --endpoint-url is an AWS option, and this command does not use AWS"),
        "{err}"
    );
    let out = switchboard(&["scenarios", "--region", "us-east-1"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unexpected argument '--region'"));
}

#[test]
fn snapshot_demo_says_what_it_is_now() {
    let out = switchboard(&["snapshot", "--help"]);
    assert_eq!(out.status.code(), Some(0));
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(!help.contains("until the"), "{help}");
    assert!(
        help.contains("--demo                 Use the built-in simulator instead of the live backend"),
        "{help}"
    );
}

#[test]
fn a_negative_start_is_a_clear_error() {
    let out = switchboard(&["demo", "--start-at", "-10"]);
    // 3 like every "could not"; clap's usual 2 would read as "crit" from `snapshot --at`.
    assert_eq!(out.status.code(), Some(3));
    assert!(out.stdout.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: invalid value '-10' for '--start-at <SECS>': seconds into the simulation cannot be \
         negative (0 is its start)\n\nFor more information, try '--help'.\n"
    );
    let out = switchboard(&["snapshot", "--demo", "--at", "-10"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("'--at <SECS>': seconds into the simulation cannot be negative")
    );
    let out = switchboard(&["snapshot", "--demo", "--queues", "-1"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("'--queues <N>': must be 0 to 10000"));
    // A negative speed reaches the command's own check instead of reading as an option `-2`.
    let out = switchboard(&["demo", "--speed", "-2"]);
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "switchboard: --speed must be more than 0 and at most 1000 (got -2)\n"
    );
    // --help is not an error.
    assert_eq!(switchboard(&["demo", "--help"]).status.code(), Some(0));
}

#[test]
fn completions_name_every_command_for_each_shell() {
    let root = Cli::command();
    let names: Vec<&str> = root.get_subcommands().map(|s| s.get_name()).filter(|n| *n != "help").collect();
    assert!(names.contains(&"snapshot") && names.contains(&"completions"), "{names:?}");
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = switchboard(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", String::from_utf8_lossy(&out.stderr));
        let script = String::from_utf8_lossy(&out.stdout);
        assert!(script.len() > 1000, "{shell}: {script}");
        for name in &names {
            assert!(script.contains(name), "{shell}: no {name}");
        }
        // Nested commands and their options too, not just the first level.
        assert!(script.contains("verify") && script.contains("accept-new-host-key"), "{shell}");
    }
    let out = switchboard(&["completions", "tcsh"]);
    assert_eq!(out.status.code(), Some(3));
    // A broken config does not stop a shell from loading its completions.
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("config.toml");
    std::fs::write(&bad, "not toml [").unwrap();
    let out = switchboard(&["--config", bad.to_str().unwrap(), "completions", "bash"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn config_init_shows_the_simulator_s_real_defaults() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let out = switchboard(&["config", "init", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&path).unwrap();
    let sim = switchboard::source::sim::SimParams::default();
    let shown = format!(
        "#[demo]\n#scenario = \"{}\"\n#seed = {}\n#speed = 1.0\n#queues = {}\n#functions = {}\n#streams = {}\n#tables = {}\n",
        sim.scenario.name(),
        sim.seed,
        sim.queues,
        sim.functions,
        sim.streams,
        sim.tables
    );
    assert!(text.contains(&shown), "wanted\n{shown}in\n{text}");
    // The demo the help and the README describe has 12 queues; the file once said 8.
    assert!(text.contains("#queues = 12\n"), "{text}");
}

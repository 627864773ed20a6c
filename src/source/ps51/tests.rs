//! The fixtures in `tests/fixtures/ps51` against both sides of the contract: `print` must
//! produce their bytes, `read` must read them back to what their `.json` says, and the
//! simulator must answer the cases it can reach with the same bytes.

use super::read;
use super::*;
use crate::model::ServiceStatus;
use crate::source::powershell::RenderContext;
use crate::source::remote::RemoteAction;
use crate::source::sim::{Scenario, SimParams, Simulator};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::time::Duration;

struct Case {
    name: String,
    spec: Value,
    execution: Execution,
    run: ScriptRun,
    ctx: RenderContext,
    stdout: String,
    stderr: String,
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/ps51")
}

/// The fixture folder of each action. A new action does not compile until it has one.
fn folder(action: &RemoteAction) -> &'static str {
    match action {
        RemoteAction::RestartService { .. } => "restart_service",
        RemoteAction::QueryServices { .. } => "query_services",
        RemoteAction::TailLog { .. } => "tail_log",
        RemoteAction::ResolveDns { .. } => "resolve_dns",
        RemoteAction::TestTcp { .. } => "test_tcp",
        RemoteAction::ReadCounter { .. } => "read_counter",
        // AWS API calls run no script: nothing of theirs reaches PowerShell.
        RemoteAction::SetParameter { .. }
        | RemoteAction::UpdateTable { .. }
        | RemoteAction::UpdateShardCount { .. }
        | RemoteAction::ModifyDbStorage { .. } => "(no script)",
        RemoteAction::RoutingProfileQueue(_) => "(no script)",
    }
}

/// The case of each action where what it asks for is not there.
fn not_found_case(action: &RemoteAction) -> &'static str {
    match action {
        RemoteAction::RestartService { .. } | RemoteAction::QueryServices { .. } => "not_found",
        RemoteAction::TailLog { .. } => "no_file",
        RemoteAction::ResolveDns { .. } => "name_error",
        RemoteAction::TestTcp { .. } => "name_unresolved",
        RemoteAction::ReadCounter { .. } => "not_found",
        RemoteAction::SetParameter { .. }
        | RemoteAction::UpdateTable { .. }
        | RemoteAction::UpdateShardCount { .. }
        | RemoteAction::ModifyDbStorage { .. } => "(no script)",
        RemoteAction::RoutingProfileQueue(_) => "(no script)",
    }
}

fn read_text(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(root()).expect("fixtures").flatten().map(|e| e.path()).collect();
    dirs.sort();
    for dir in dirs.into_iter().filter(|d| d.is_dir()) {
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).expect("fixture dir").flatten().map(|e| e.path()).collect();
        files.sort();
        for json in files.into_iter().filter(|f| f.extension().is_some_and(|e| e == "json")) {
            let name = format!(
                "{}/{}",
                dir.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
                json.file_stem().and_then(|n| n.to_str()).unwrap_or_default()
            );
            let spec: Value =
                serde_json::from_str(&read_text(&json)).unwrap_or_else(|e| panic!("{name}: {e}"));
            let execution: Execution =
                serde_json::from_value(spec["execution"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let run: ScriptRun =
                serde_json::from_value(spec["run"].clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
            let log_dir =
                spec["log_dir"].as_str().unwrap_or(crate::source::powershell::DEFAULT_LOG_DIR).to_string();
            assert_eq!(
                folder(&execution.action()),
                dir.file_name().and_then(|n| n.to_str()).unwrap_or_default(),
                "{name} is in the wrong folder"
            );
            out.push(Case {
                stdout: read_text(&json.with_extension("stdout")),
                stderr: read_text(&json.with_extension("stderr")),
                name,
                spec,
                execution,
                run,
                ctx: RenderContext { log_dir },
            });
        }
    }
    out
}

#[test]
fn every_action_has_fixtures_of_success_and_failure() {
    let all = cases();
    for action in [
        RemoteAction::RestartService { service: "x".into() },
        RemoteAction::QueryServices { services: vec!["x".into()] },
        RemoteAction::TailLog { lines: 1 },
        RemoteAction::ResolveDns { name: "x".into() },
        RemoteAction::TestTcp { host: "x".into(), port: 1 },
        RemoteAction::ReadCounter { counter: "x".into() },
    ] {
        let dir = folder(&action);
        let statuses: Vec<&str> = all
            .iter()
            .filter(|c| c.name.starts_with(&format!("{dir}/")))
            .map(|c| c.spec["status"].as_str().unwrap_or_default())
            .collect();
        assert!(statuses.contains(&"Success"), "{dir}: no success case");
        // QueryServices reports a missing service per service and still succeeds.
        if dir != "query_services" {
            assert!(statuses.contains(&"Failed"), "{dir}: no failure case");
        }
        let missing = format!("{dir}/{}", not_found_case(&action));
        assert!(
            all.iter().any(|c| c.name == missing),
            "{missing}: no case of a missing service, file or name"
        );
    }
    assert!(all.len() >= 22, "{} cases", all.len());
}

#[test]
fn print_produces_the_fixture_bytes() {
    for c in cases() {
        let printed = print(&c.execution, &c.ctx, &c.run).unwrap_or_else(|e| panic!("{}: {e}", c.name));
        assert_eq!(printed.stdout, c.stdout, "{}: stdout", c.name);
        assert_eq!(printed.stderr, c.stderr, "{}: stderr", c.name);
        assert_eq!(i64::from(printed.exit_code), c.spec["exit_code"].as_i64().unwrap_or(-99), "{}", c.name);
        assert_eq!(printed.status().as_str(), c.spec["status"].as_str().unwrap_or_default(), "{}", c.name);
    }
}

/// The error part of a reading: what `read::error` must find in stderr.
fn check_error(c: &Case) {
    let want = &c.spec["reading"]["error"];
    let got = read::error(&c.stderr);
    if want.is_null() {
        assert_eq!(got, None, "{}: stderr should be empty", c.name);
        return;
    }
    let got = got.unwrap_or_else(|| panic!("{}: no error record read", c.name));
    assert_eq!(got.message, want["message"].as_str().unwrap_or_default(), "{}", c.name);
    assert_eq!(got.line.map(u64::from), want["line"].as_u64(), "{}", c.name);
    assert_eq!(got.id.as_deref(), want["id"].as_str(), "{}", c.name);
}

#[test]
fn read_gives_what_each_fixture_says() {
    for c in cases() {
        let want = &c.spec["reading"];
        check_error(&c);
        match &c.execution {
            Execution::QueryServices { services } => {
                let names: Vec<String> = services.iter().map(|s| s.name.clone()).collect();
                let r = read::services(&c.stdout, &names);
                assert!(r.missing.is_empty(), "{}: {r:?}", c.name);
                for name in &names {
                    let expected = want["services"][name].as_str().unwrap_or_default();
                    let got = match r.status(name) {
                        Some(Some(s)) => s.as_str(),
                        Some(None) => "NotFound",
                        None => "missing",
                    };
                    assert_eq!(got, expected, "{}: {name}", c.name);
                }
            }
            Execution::RestartService { service, .. } => {
                let got = read::restarted(&c.stdout, service).map(ServiceStatus::as_str);
                assert_eq!(got, want["status"].as_str(), "{}", c.name);
            }
            Execution::TailLog { .. } => {
                let lines: Vec<&str> = read::lines(&c.stdout).filter(|l| !l.is_empty()).collect();
                assert_eq!(lines.len() as u64, want["lines"].as_u64().unwrap_or(0), "{}", c.name);
                assert_eq!(lines.last().copied(), want["last"].as_str(), "{}", c.name);
            }
            Execution::ResolveDns { .. } => match read::dns(&c.stdout) {
                Some(rows) => {
                    assert_eq!(rows.len() as u64, want["rows"].as_u64().unwrap_or(0), "{}", c.name);
                    let addrs: Vec<String> =
                        rows.iter().filter_map(|r| r.ip).map(|ip| ip.to_string()).collect();
                    let expected: Vec<String> = want["addresses"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .filter_map(|a| a.as_str().map(String::from))
                        .collect();
                    assert_eq!(addrs, expected, "{}", c.name);
                }
                None => assert!(want["rows"].is_null(), "{}: no table read", c.name),
            },
            Execution::ReadCounter { .. } => {
                assert_eq!(read::counter(&c.stdout), want["value"].as_f64(), "{}", c.name);
            }
            Execution::TestTcp { .. } => {
                let v = &want["verdict"];
                let got = read::tcp(&c.stdout).unwrap_or_else(|| panic!("{}: no verdict", c.name));
                assert_eq!(got.host, v["host"].as_str().unwrap_or_default(), "{}", c.name);
                assert_eq!(u64::from(got.port), v["port"].as_u64().unwrap_or(99_999), "{}", c.name);
                assert_eq!(Some(got.succeeded), v["succeeded"].as_bool(), "{}", c.name);
            }
        }
    }
}

/// The simulator, in the state a fixture's `sim` names, answers its action with the fixture's
/// bytes (the command id in the script path is the simulator's own).
#[test]
fn the_simulator_answers_like_the_fixtures() {
    let mut compared = Vec::new();
    for c in cases() {
        let sim = &c.spec["sim"];
        if sim.is_null() {
            continue;
        }
        let scenario = Scenario::from_name(sim["scenario"].as_str().unwrap_or_default())
            .unwrap_or_else(|| panic!("{}: unknown scenario", c.name));
        let mut s = Simulator::new(SimParams::with_scenario(scenario, 1));
        s.advance_to(Duration::from_secs(sim["at"].as_u64().unwrap_or(0)));
        let server = sim["server"].as_str().unwrap_or_default();
        let target =
            s.targets().into_iter().find(|t| t.server == server).unwrap_or_else(|| panic!("{server}"));
        assert_eq!(
            target.instance_id, c.run.instance_id,
            "{}: the fixture names the simulator's instance",
            c.name
        );
        let id = s
            .submit(&c.execution.action(), std::slice::from_ref(&target))
            .unwrap_or_else(|e| panic!("{}: {e}", c.name));
        let mut inv = None;
        for _ in 0..120 {
            s.step(Duration::from_secs(1));
            if let Ok(i) = s.invocation(&id, server)
                && i.status.is_terminal()
            {
                inv = Some(i);
                break;
            }
        }
        let inv = inv.unwrap_or_else(|| panic!("{}: never finished", c.name));
        let ours = |text: &str| text.replace(&c.run.command_id, &id.0);
        assert_eq!(inv.stdout, ours(&c.stdout), "{}: stdout", c.name);
        assert_eq!(inv.stderr, ours(&c.stderr), "{}: stderr", c.name);
        assert_eq!(inv.status.as_str(), c.spec["status"].as_str().unwrap_or_default(), "{}", c.name);
        assert_eq!(inv.response_code.map(i64::from), c.spec["exit_code"].as_i64(), "{}", c.name);
        compared.push(c.name);
    }
    // Every action is compared at least once; the rest needs states the simulator does not
    // model (a disabled service, a DNS timeout, a log folder that is not there).
    for dir in ["query_services", "restart_service", "tail_log", "resolve_dns", "test_tcp", "read_counter"] {
        assert!(
            compared.iter().any(|n| n.starts_with(dir)),
            "{dir}: no case the simulator reproduces: {compared:?}"
        );
    }
}

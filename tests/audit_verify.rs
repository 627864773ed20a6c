//! `switchboard audit verify` on the fixtures in `tests/fixtures/audit/`: each `NAME.jsonl`
//! (an audit log, intact or tampered with) against `NAME.expected` (the exit status and the
//! message), through the binary as a script would run it.

use std::path::Path;
use std::process::Command;

const DIR: &str = "tests/fixtures/audit";

#[test]
fn every_fixture_gives_its_expected_exit_status_and_message() {
    let mut seen = Vec::new();
    let mut entries: Vec<_> = std::fs::read_dir(DIR).unwrap().map(|e| e.unwrap().path()).collect();
    entries.sort();
    for log in entries.iter().filter(|p| p.extension().is_some_and(|e| e == "jsonl")) {
        let name = log.file_stem().unwrap().to_str().unwrap().to_string();
        let expected = std::fs::read_to_string(Path::new(DIR).join(format!("{name}.expected")))
            .unwrap_or_else(|e| panic!("{name}.expected: {e}"));
        let (code_line, message) = expected.split_once('\n').unwrap();
        let code: i32 = code_line.strip_prefix("exit ").unwrap().parse().unwrap();
        let before = std::fs::read(log).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .args(["audit", "verify", "--audit-log", log.to_str().unwrap()])
            .env("XDG_CONFIG_HOME", "/nonexistent-switchboard-test")
            .env("XDG_DATA_HOME", "/nonexistent-switchboard-test")
            .output()
            .unwrap();
        let said =
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(code), "{name}: {said}");
        assert_eq!(said, message, "{name}");
        assert_eq!(std::fs::read(log).unwrap(), before, "{name}: verify changed the log");
        seen.push(name);
    }
    // Every case the issue names has its fixture.
    for want in ["deleted", "edited", "intact", "swapped", "truncated", "unchained", "upgraded"] {
        assert!(seen.iter().any(|s| s == want), "no {want} fixture (have {seen:?})");
    }
}

#[test]
fn a_log_that_is_not_there_cannot_be_verified() {
    let out = Command::new(env!("CARGO_BIN_EXE_switchboard"))
        .args(["audit", "verify", "--audit-log", "/nonexistent-switchboard-test/audit.jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("verifying /nonexistent-switchboard-test/audit.jsonl")
    );
}

/// The chain survives what a real log goes through: the console and headless runs appending
/// to one file, a new session after an old one.
#[test]
fn logs_written_by_the_binary_verify() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("audit.jsonl");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_switchboard"))
            .arg("--audit-log")
            .arg(&log)
            .args(args)
            .env("XDG_CONFIG_HOME", "/nonexistent-switchboard-test")
            .env("XDG_DATA_HOME", "/nonexistent-switchboard-test")
            .output()
            .unwrap()
    };
    let rb = ["runbook", "run", "service-failure", "--demo", "--scenario", "chat-bridge-down", "--yes"];
    // Two runs at once: both append to one chain under the log's lock.
    let a = std::thread::spawn({
        let log = log.clone();
        move || {
            Command::new(env!("CARGO_BIN_EXE_switchboard"))
                .arg("--audit-log")
                .arg(&log)
                .args([
                    "runbook",
                    "run",
                    "service-failure",
                    "--demo",
                    "--scenario",
                    "chat-bridge-down",
                    "--yes",
                ])
                .env("XDG_CONFIG_HOME", "/nonexistent-switchboard-test")
                .output()
                .unwrap()
        }
    });
    run(&rb);
    a.join().unwrap();
    run(&rb);
    let out = run(&["audit", "verify"]);
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains(": intact: 9 record(s), chain head "), "{said}");
}

//! The headless driver end to end on the fake contact center: checks, the stop before actions
//! without `--yes`, the restart with its status transitions and re-check, read-only refusal,
//! the audit trail, and a command that never finishes.

use super::super::*;
use super::fake::Fake;
use super::targets;
use crate::audit::{self, AuditLog, Session};
use crate::model::{Address, AddressSource, ServiceStatus, Thresholds};
use crate::source::RemoteAction;
use std::collections::BTreeMap;
use std::time::Duration;

fn opts(yes: bool, read_only: bool) -> HeadlessOptions {
    HeadlessOptions {
        yes,
        read_only,
        poll_interval: Duration::ZERO,
        command_timeout: Duration::from_secs(5),
        recheck_pause: Duration::ZERO,
        others: Vec::new(),
    }
}

fn ctx() -> RunContext {
    RunContext {
        servers: targets(),
        read_only: false,
        thresholds: Thresholds::default(),
        peer_hosts: BTreeMap::from([(
            "nt-b".to_string(),
            Address { host: "nt-b.nextalk.corp".into(), source: AddressSource::Config },
        )]),
        world: crate::runbook::engine::World::default(),
    }
}

fn chat_bridge_down() -> Fake {
    let fake = Fake::new();
    fake.with(|c| c.services.insert(("nt-b".into(), "NexTalk Chat Bridge".into()), ServiceStatus::Stopped));
    fake
}

async fn run(
    id: &str,
    fake: &Fake,
    o: HeadlessOptions,
    audit: Option<&mut AuditLog>,
) -> (HeadlessOutcome, String) {
    let rb = shipped().unwrap().into_iter().find(|r| r.id == id).unwrap();
    let mut out = Vec::new();
    let snaps = fake.clone();
    let mut provider = FnSnapshots(move || Ok(snaps.snapshot()));
    let outcome = run_headless(&rb, ctx(), &mut provider, fake, &o, audit, &mut out).await.unwrap();
    (outcome, String::from_utf8(out).unwrap())
}

fn restarts(fake: &Fake) -> usize {
    fake.with(|c| c.sent.iter().filter(|a| a.is_mutating()).count())
}

#[tokio::test]
async fn without_yes_it_stops_before_the_restart_and_reports_unhealthy() {
    let fake = chat_bridge_down();
    let (outcome, out) = run("nextalk-connectivity", &fake, opts(false, false), None).await;
    assert!(!outcome.healthy, "{out}");
    assert_eq!(outcome.exit_code(), 1);
    assert_eq!(restarts(&fake), 0);
    assert!(out.contains("[5/7] ✖ FAIL     The Chat Bridge service runs on each server\n      nt-a: NexTalk Chat Bridge Running\n      nt-b: NexTalk Chat Bridge is Stopped\n"), "{out}");
    assert!(out.contains("will run: restart service NexTalk Chat Bridge on nt-b (i-0b)\n      impact: none: NexTalk Chat Bridge is Stopped on nt-b, nothing runs through it\n      not run: pass --yes to run it"), "{out}");
    assert!(out.contains("[6/7] – DECLINED"), "{out}");
    // Judged together: the snapshot's answer is printed before the probes' results.
    assert!(out.find("[5/7]") < out.find("[1/7]"), "{out}");
    assert!(out.contains("result: NOT healthy: chat-bridge-running: fail\nnext: "), "{out}");
}

#[tokio::test]
async fn with_yes_it_restarts_shows_the_transitions_rechecks_and_audits_first() {
    let fake = chat_bridge_down();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    fake.with(|c| {
        c.audit_path = Some(path.clone());
        c.log = "02:59:58 ERROR ChatBridge: service stopped unexpectedly\n03:00:01 INFO ok".into();
    });
    let mut log = AuditLog::open(&path, Session::new("demo:test", None)).unwrap();
    let (outcome, out) = run("nextalk-connectivity", &fake, opts(true, false), Some(&mut log)).await;
    assert!(outcome.healthy, "{out}");
    assert_eq!(outcome.exit_code(), 0);
    assert!(out.contains("      nt-b: Pending\n      nt-b: InProgress\n      nt-b: Success\n"), "{out}");
    assert!(out.contains("[6/7] ✓ DONE     Restart the Chat Bridge where it is down"), "{out}");
    assert!(out.contains("[5/7] ✓ PASS     The Chat Bridge service runs on each server  (re-check after restart-chat-bridge)"), "{out}");
    assert!(out.contains("[7/7] – SKIPPED  Send a test chat through the TTY bridge\n      skipped: headless run, do it by hand and note it in the incident: From the TTY test line"), "{out}");
    // The old ERROR line is shown, but the log check is advisory: the fix decides.
    assert!(out.contains("[1/7] ✖ FAIL     No ERROR lines in the newest NexTalk log\n      nt-a: 1 of the last 300 lines match /\\bERROR\\b/\n          02:59:58 ERROR ChatBridge: service stopped unexpectedly\n"), "{out}");
    assert!(out.ends_with("result: healthy\n"), "{out}");
    let sent_restarts: Vec<_> = fake.with(|c| c.sent.iter().filter(|a| a.is_mutating()).cloned().collect());
    assert_eq!(sent_restarts, [RemoteAction::RestartService { service: "NexTalk Chat Bridge".into() }]);
    assert_eq!(fake.with(|c| c.audited_before_send.clone()), [true]);
    let recs = audit::read(&path, None).unwrap();
    assert_eq!(recs.skipped, 0);
    let restart: Vec<(&str, Option<&str>, Vec<&str>)> = recs
        .records
        .iter()
        .filter(|r| r.action.kind == "restart_service")
        .map(|r| {
            (
                r.status.as_str(),
                r.command_id.as_deref(),
                r.targets.iter().map(|t| t.server.as_str()).collect(),
            )
        })
        .collect();
    let id = restart[1].1;
    assert!(id.is_some());
    assert_eq!(
        restart,
        [("requested", None, vec!["nt-b"]), ("sent", id, vec!["nt-b"]), ("Success", id, vec!["nt-b"])]
    );
    let last = recs.records.iter().rfind(|r| r.action.kind == "restart_service").unwrap();
    assert_eq!(last.runbook.as_deref(), Some("nextalk-connectivity"));
    assert_eq!(last.step.as_deref(), Some("restart-chat-bridge"));
    // The digest of what the script printed: Restart-Service's wait warning and the result line.
    let printed = "WARNING: Waiting for service 'NexTalk Chat Bridge (NexTalkChatBridge)' to start...\r\nNexTalk Chat Bridge|Running\r\n";
    assert_eq!(last.output_sha256.as_deref(), Some(audit::output_digest(printed, "").as_str()));
    // Peers are reached at their configured address, or by their server name, and the
    // evidence says which it was.
    assert!(
        out.contains("      nt-a: nt-b at nt-b.nextalk.corp:443 reachable (the address in the config)\n      nt-b: nt-a:443 reachable (its config name: no address in the config or from SSM)\n"),
        "{out}"
    );
    // The read-only diagnostics are in the trail too.
    assert!(recs.records.iter().any(|r| r.action.kind == "resolve_dns" && r.status == "Success"));
}

#[tokio::test]
async fn read_only_refuses_the_restart_even_with_yes() {
    let fake = chat_bridge_down();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("audit.jsonl");
    let mut log = AuditLog::open(&path, Session::new("demo:test", None)).unwrap();
    let (outcome, out) = run("nextalk-connectivity", &fake, opts(true, true), Some(&mut log)).await;
    assert!(!outcome.healthy);
    assert_eq!(restarts(&fake), 0);
    assert!(out.contains("mode: read-only"), "{out}");
    assert!(out.contains("[6/7] ⊘ REFUSED  Restart the Chat Bridge where it is down\n      refused (read-only): restart service NexTalk Chat Bridge on nt-b (i-0b) was not run"), "{out}");
    let refused: Vec<_> = audit::read(&path, None)
        .unwrap()
        .records
        .into_iter()
        .filter(|r| r.action.kind == "restart_service")
        .map(|r| r.status)
        .collect();
    assert_eq!(refused, ["refused"]);
}

#[tokio::test]
async fn a_failed_restart_is_rechecked_and_the_run_is_unhealthy() {
    let fake = chat_bridge_down();
    fake.with(|c| c.restart_fails = true);
    let (outcome, out) = run("nextalk-connectivity", &fake, opts(true, false), None).await;
    assert!(!outcome.healthy);
    assert!(out.contains("[6/7] ✖ FAIL     Restart the Chat Bridge where it is down\n      restart service NexTalk Chat Bridge\n      nt-b: Failed (cmd-"), "{out}");
    assert!(out.contains("): Restart-Service : Service 'NexTalk Chat Bridge (NexTalkChatBridge)' cannot be started due to the following error"), "{out}");
    assert_eq!(outcome.problems, ["chat-bridge-running: fail", "restart-chat-bridge: fail"]);
}

#[tokio::test]
async fn a_command_that_never_finishes_is_cancelled_and_not_a_pass() {
    let fake = Fake::new();
    fake.with(|c| c.hang = true);
    let o = HeadlessOptions { command_timeout: Duration::from_millis(30), ..opts(false, false) };
    let (outcome, out) = run("nextalk-connectivity", &fake, o, None).await;
    assert!(!outcome.healthy);
    assert!(out.contains("nt-a: no terminal status after 30ms; cancelled"), "{out}");
    assert!(out.contains("[1/7] ? ERROR    No ERROR lines in the newest NexTalk log"), "{out}");
    assert!(!fake.with(|c| c.cancelled.is_empty()));
}

#[tokio::test]
async fn healthy_dns_failure_and_every_shipped_runbook_finish() {
    let fake = Fake::new();
    fake.with(|c| c.dns_ok = false);
    let (outcome, out) = run("nextalk-connectivity", &fake, opts(false, false), None).await;
    assert_eq!(outcome.problems, ["connect-dns: fail"], "{out}");
    assert!(out.contains("nt-a: contact-center.my.connect.aws does not resolve: Resolve-DnsName : contact-center.my.connect.aws : DNS name does not exist\n"), "{out}");
    assert!(out.contains("      → A server that cannot resolve"), "{out}");
    for id in ["service-failure", "failover-readiness", "high-latency"] {
        let (outcome, out) = run(id, &Fake::new(), opts(false, false), None).await;
        assert!(out.starts_with(&format!("runbook {id}: ")), "{out}");
        // The fake has no Lambda/Kinesis/DynamoDB figures: those checks cannot pass.
        let healthy = id == "failover-readiness";
        assert_eq!(outcome.healthy, healthy, "{id}: {out}");
    }
}

/// A remote's answers are outside text: command ids and error messages with escape sequences,
/// bidi controls and line breaks cannot act on the terminal or forge a result line.
#[tokio::test]
async fn what_the_remote_says_is_printed_sanitised_and_on_its_own_line() {
    let forged = "\n[9/9] \u{2713} PASS     everything is fine";
    for (prefix, poll_error) in [
        (format!("\u{1b}]52;c;Y3VybCBldmls\u{7}\u{1b}[2J\u{202E}{forged}\u{200B}-"), None),
        (String::new(), Some(format!("boom\u{1b}]8;;https://evil.example/\u{7}{forged}\u{2028}"))),
    ] {
        let fake = chat_bridge_down();
        fake.with(|c| {
            c.id_prefix = prefix.clone();
            c.poll_error = poll_error.clone();
        });
        let (_, out) = run("nextalk-connectivity", &fake, opts(true, false), None).await;
        let bad: Vec<char> = out.chars().filter(|&c| c != '\n' && crate::sanitize::is_unsafe(c)).collect();
        assert!(bad.is_empty(), "{bad:?} in\n{out}");
        assert!(!out.lines().any(|l| l.starts_with("[9/9]")), "a forged result line:\n{out}");
        assert!(!out.contains("Y3VybCBldmls") && !out.contains("evil.example"), "{out}");
        if poll_error.is_some() {
            assert!(out.contains("status unavailable: "), "{out}");
        } else {
            assert!(out.contains("      sent "), "{out}");
        }
    }
}

//! The engine's scheduling: checks that do not depend on each other are judged together,
//! bounded per server, each recorded as it arrives; a re-check waits for the fix with a
//! deadline.

use super::*;
use std::time::Duration;

fn at(secs: u64) -> Timestamp {
    T0.plus(Duration::from_secs(secs))
}

fn snap_at(status: ServiceStatus, secs: u64) -> Snapshot {
    Snapshot { taken_at: at(secs), ..snapshot(status) }
}

#[test]
fn independent_checks_go_out_together_and_each_result_is_recorded_as_it_arrives() {
    let rb = shipped_one("nextalk-connectivity");
    let mut run = Run::new(&rb, ctx(false));
    let first = run.start(T0).unwrap();
    // Five checks before the action: four by command (log, DNS, TCP, two peer probes) and the
    // Chat Bridge from the snapshot, all asked for at once.
    let remote = remote_reqs(&first);
    let steps: Vec<usize> = remote.iter().map(|r| r.step).collect();
    assert_eq!(steps, [0, 1, 2, 3, 3]);
    assert!(first.contains(&Request::Snapshot { step: 4, fresh: false }), "{first:?}");
    assert_eq!(run.active_steps(), [0, 1, 2, 3, 4]);
    // The snapshot answers first: its check is on record at once, before any command ends.
    assert!(run.on_snapshot(&snapshot(ServiceStatus::Stopped), T0).unwrap().is_empty());
    assert_eq!(run.records().iter().map(|r| r.step_id.as_str()).collect::<Vec<_>>(), ["chat-bridge-running"]);
    // Answers in reverse order land in that order; the two peer probes make one result. The
    // restart waits for what it depends on (`after`: DNS and TCP to Connect, and the Chat
    // Bridge check): once DNS answers it is offered, while the log read still runs.
    for r in remote.iter().rev() {
        let invs: Vec<Invocation> = r.targets.iter().map(|t| healthy_answer(&t.server, &r.action)).collect();
        let next = run.on_remote_result(r.probe, invs, T0).unwrap();
        if r.step == 1 {
            let Request::Confirm(plan) = &next[0] else { panic!("{next:?}") };
            assert_eq!(plan.summary, "restart service NexTalk Chat Bridge on nt-b (i-0b)");
            assert_eq!(run.active_steps(), [0, 5], "the log read goes on beside the offer");
        } else {
            assert!(next.is_empty(), "nothing is offered before its checks: {next:?}");
        }
    }
    let order: Vec<&str> = run.records().iter().map(|r| r.step_id.as_str()).collect();
    assert_eq!(order, ["chat-bridge-running", "peer-tcp", "connect-tcp", "connect-dns", "recent-errors"]);
    assert_eq!(run.current_step(), Some(5));
}

#[test]
fn no_server_runs_more_than_four_of_the_run_s_commands_at_once() {
    let mut src = String::from("id = \"many\"\ntitle = \"t\"\nsummary = \"s\"\n");
    for i in 0..6 {
        src.push_str(&format!(
            "[[steps]]\nid = \"dns-{i}\"\ntitle = \"d\"\nkind = \"check\"\ncheck = \"dns\"\nname = \"h{i}.example.com\"\n"
        ));
    }
    let rb = load(&src).unwrap();
    let mut run = Run::new(&rb, ctx(false));
    let first = remote_reqs(&run.start(T0).unwrap());
    assert_eq!(first.len(), MAX_IN_FLIGHT_PER_SERVER);
    assert_eq!(run.pending().len(), MAX_IN_FLIGHT_PER_SERVER, "the rest wait in the engine");
    assert_eq!(run.active_steps().len(), 6, "all six are under way, two not sent yet");
    // One ends: exactly one more goes out, the fifth check's.
    let r = &first[0];
    let invs: Vec<Invocation> = r.targets.iter().map(|t| healthy_answer(&t.server, &r.action)).collect();
    let next = remote_reqs(&run.on_remote_result(r.probe, invs, T0).unwrap());
    assert_eq!(next.iter().map(|r| r.step).collect::<Vec<_>>(), [4]);
    let mut queue: Vec<RemoteRequest> = first[1..].iter().cloned().chain(next).collect();
    while let Some(r) = queue.pop() {
        let invs: Vec<Invocation> = r.targets.iter().map(|t| healthy_answer(&t.server, &r.action)).collect();
        let more = run.on_remote_result(r.probe, invs, T0).unwrap();
        assert!(run.pending().len() <= MAX_IN_FLIGHT_PER_SERVER);
        queue.extend(more.into_iter().filter_map(|q| match q {
            Request::Remote(r) => Some(r),
            _ => None,
        }));
    }
    assert!(run.is_finished());
    assert_eq!(run.records().len(), 6);
    assert!(run.verdict().healthy);
}

/// Runs the connectivity runbook to the restart and confirms it: the re-check is next.
fn restarted(rb: &Runbook) -> Run {
    let mut run = Run::new(rb, ctx(false));
    let first = run.start(T0).unwrap();
    let rest = answer_network(&mut run, first);
    assert_eq!(rest, vec![Request::Snapshot { step: 4, fresh: false }]);
    run.on_snapshot(&snapshot(ServiceStatus::Stopped), T0).unwrap();
    let reqs = run.confirm(5, T0).unwrap();
    let r = &remote_reqs(&reqs)[0];
    let reqs = run.on_remote_result(r.probe, vec![inv("nt-b", CommandStatus::Success, "", "")], T0).unwrap();
    assert_eq!(reqs, vec![Request::Snapshot { step: 4, fresh: true }]);
    run
}

#[test]
fn the_recheck_waits_for_the_figure_to_clear_and_says_so() {
    let rb = shipped_one("nextalk-connectivity");
    let mut run = restarted(&rb);
    let before = run.records().len();
    // The restart succeeded but the first fresh snapshot still shows it Stopped: no verdict
    // yet, another fresh snapshot is asked for, and the wait is visible.
    let reqs = run.on_snapshot(&snap_at(ServiceStatus::Stopped, 10), T0).unwrap();
    assert_eq!(reqs, vec![Request::Snapshot { step: 4, fresh: true }]);
    assert_eq!(run.records().len(), before, "nothing recorded while it waits");
    let w = run.waiting().unwrap();
    assert_eq!((w.step, w.of, w.within, w.since, w.attempts), (4, 5, DEFAULT_WAIT_LIVE, Some(at(10)), 1));
    assert_eq!(w.last.unwrap()[1], "nt-b: NexTalk Chat Bridge is Stopped");
    let reqs = run.on_snapshot(&snap_at(ServiceStatus::Running, 25), T0).unwrap();
    let Request::Manual { step: 6, .. } = &reqs[0] else { panic!("{reqs:?}") };
    let recheck = run.records().last().unwrap();
    assert_eq!(
        (recheck.outcome, recheck.recheck_of.as_deref()),
        (Outcome::Pass, Some("restart-chat-bridge"))
    );
    assert_eq!(recheck.evidence.last().unwrap(), "passed after 15s of waiting (2 attempts)");
    assert!(run.waiting().is_none());
}

#[test]
fn a_fix_that_does_not_show_by_the_deadline_fails_the_recheck() {
    let mut rb = shipped_one("nextalk-connectivity");
    // `verify_within` from the runbook replaces the default.
    let StepKind::Action(a) = &mut rb.steps[5].kind else { panic!() };
    a.verify_within = Some(Duration::from_secs(30));
    let mut run = restarted(&rb);
    let mut t = 0;
    loop {
        let reqs = run.on_snapshot(&snap_at(ServiceStatus::Stopped, t), T0).unwrap();
        if reqs != vec![Request::Snapshot { step: 4, fresh: true }] {
            break;
        }
        t += 10;
        assert!(t <= 40, "it must give up after 30 s");
    }
    assert_eq!(t, 30, "the look at 30 s is past the deadline");
    let recheck = run.records().last().unwrap();
    assert_eq!(recheck.outcome, Outcome::Fail);
    assert_eq!(
        recheck.evidence.last().unwrap(),
        "still not passing after 30s of waiting (4 attempts; deadline 30s)"
    );
    assert!(!run.verdict().healthy);
}

#[test]
fn verify_within_is_read_from_the_runbook_and_checked() {
    let base = "id = \"v\"\ntitle = \"t\"\nsummary = \"s\"\n[[steps]]\nid = \"c\"\ntitle = \"c\"\nkind = \"check\"\ncheck = \"service\"\nservice = \"NexTalk Chat Bridge\"\n[[steps]]\nid = \"a\"\ntitle = \"a\"\nkind = \"action\"\naction = \"restart_service\"\nservice = \"NexTalk Chat Bridge\"\non = \"failed\"\n";
    let rb = load(&format!("{base}verifies = \"c\"\nverify_within = 90\n")).unwrap();
    let StepKind::Action(a) = &rb.steps[1].kind else { panic!() };
    assert_eq!(a.verify_within, Some(Duration::from_secs(90)));
    let e = load(&format!("{base}verifies = \"c\"\nverify_within = 0\n")).unwrap_err();
    assert!(e.contains("`verify_within` is seconds, 1 to 3600: 0"), "{e}");
    let e = load(&format!("{base}verify_within = 30\n")).unwrap_err();
    assert!(e.contains("`verify_within` needs `verifies`"), "{e}");
}

#[test]
fn without_after_an_action_waits_for_every_check_before_it_and_the_next_step_for_all() {
    let mut rb = shipped_one("nextalk-connectivity");
    let StepKind::Action(a) = &mut rb.steps[5].kind else { panic!() };
    a.after = None;
    let mut run = Run::new(&rb, ctx(false));
    let remote = remote_reqs(&run.start(T0).unwrap());
    run.on_snapshot(&snapshot(ServiceStatus::Stopped), T0).unwrap();
    let mut offered = None;
    for r in remote.iter().rev() {
        let invs: Vec<Invocation> = r.targets.iter().map(|t| healthy_answer(&t.server, &r.action)).collect();
        let next = run.on_remote_result(r.probe, invs, T0).unwrap();
        if !next.is_empty() {
            offered = Some(r.step);
        }
    }
    assert_eq!(offered, Some(0), "offered only after the last check, the log read");

    // With `after`, a step after the action waits for the checks still running beside it.
    let rb = shipped_one("nextalk-connectivity");
    let mut run = Run::new(&rb, ctx(false));
    let remote = remote_reqs(&run.start(T0).unwrap());
    run.on_snapshot(&snapshot(ServiceStatus::Stopped), T0).unwrap();
    let answer = |run: &mut Run, r: &RemoteRequest| {
        let invs: Vec<Invocation> = r.targets.iter().map(|t| healthy_answer(&t.server, &r.action)).collect();
        run.on_remote_result(r.probe, invs, T0).unwrap()
    };
    answer(&mut run, &remote[1]);
    let next = answer(&mut run, &remote[2]);
    assert!(matches!(&next[..], [Request::Confirm(_)]), "{next:?}");
    // Declined and skipped: the manual step waits for the log and peer checks.
    run.decline(5, T0).unwrap();
    assert!(run.skip(5, "not now", T0).unwrap().is_empty());
    assert!(!run.is_finished());
    answer(&mut run, &remote[0]);
    answer(&mut run, &remote[3]);
    let next = answer(&mut run, &remote[4]);
    assert!(matches!(&next[..], [Request::Manual { step: 6, .. }]), "{next:?}");
}

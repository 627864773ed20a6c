//! The SSH log tail against a real sshd on 127.0.0.1: growth, rotation, dropped connections
//! and host key refusal. Needs /usr/sbin/sshd (scripts/sshd-prereqs) and root.

#[path = "support/sshd.rs"]
mod sshd;

use sshd::Sshd;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use switchboard::source::LogTail;
use switchboard::source::ssh::{
    HostKeyCheck, SshSettings, SshTail, SshTailOptions, StartAt, accept_host_key, probe_host_key,
};
use switchboard::source::tailing::TailState;

const WAIT: Duration = Duration::from_secs(20);

fn settings(sshd: &Sshd, log_dir: &Path) -> SshSettings {
    let mut s = SshSettings::new("127.0.0.1", sshd.user.clone());
    s.port = sshd.port;
    s.identity_file = Some(sshd.client_key.clone());
    s.known_hosts = sshd.known_hosts.clone();
    s.log_dir = log_dir.display().to_string();
    s.poll_interval = Duration::from_millis(100);
    s.timeout = Duration::from_secs(5);
    s
}

fn options(start: StartAt) -> SshTailOptions {
    SshTailOptions {
        start,
        follow: true,
        reconnect_min: Duration::from_millis(200),
        reconnect_max: Duration::from_millis(800),
    }
}

fn log_dir(sshd: &Sshd) -> PathBuf {
    let dir = sshd.dir().join("Logs");
    std::fs::create_dir_all(&dir).expect("log dir");
    dir
}

fn append(path: &Path, text: &str) {
    let mut f = std::fs::OpenOptions::new().create(true).append(true).open(path).expect("open log");
    f.write_all(text.as_bytes()).expect("append");
    f.flush().expect("flush");
}

fn numbered(from: usize, to: usize) -> String {
    (from..to).map(|i| format!("2026-11-22T03:04:05Z INFO  line {i:05}\n")).collect()
}

fn expected(from: usize, to: usize) -> Vec<String> {
    (from..to).map(|i| format!("line {i:05}")).collect()
}

/// Collects line texts until `want` lines have arrived (or fails after WAIT).
async fn collect(tail: &mut SshTail, got: &mut Vec<String>, want: usize) {
    let deadline = Instant::now() + WAIT;
    while got.len() < want {
        let left = deadline.saturating_duration_since(Instant::now());
        let batch = tokio::time::timeout(left, tail.next_batch()).await;
        match batch {
            Ok(Ok(lines)) => got.extend(lines.into_iter().map(|l| l.text)),
            Ok(Err(e)) => panic!("tail failed: {e}"),
            Err(_) => panic!("only {} of {want} lines after {WAIT:?}: {got:?}", got.len()),
        }
    }
}

/// Waits for the tail's state to satisfy `pred`.
async fn wait_state(tail: &SshTail, what: &str, pred: impl Fn(&TailState) -> bool) -> TailState {
    let mut rx = tail.state();
    let found = tokio::time::timeout(WAIT, rx.wait_for(|s| pred(s))).await.map(|r| r.map(|s| s.clone()));
    match found {
        Ok(Ok(state)) => state,
        _ => panic!("state never became {what}; last: {}", *tail.state().borrow()),
    }
}

#[tokio::test]
async fn follows_a_growing_file_and_holds_back_partial_lines() {
    let sshd = Sshd::start();
    let dir = log_dir(&sshd);
    let log = dir.join("NexTalk-20261122.log");
    append(&log, &numbered(0, 10));
    let mut tail =
        SshTail::start("nt-a", settings(&sshd, &dir), options(StartAt::LastLines(3))).expect("start");

    let mut got = Vec::new();
    collect(&mut tail, &mut got, 3).await;
    assert_eq!(got, expected(7, 10));
    let state = wait_state(&tail, "following", |s| matches!(s, TailState::Following { .. })).await;
    assert_eq!(state.to_string(), format!("following nt-a:{}", log.display()));

    append(&log, &numbered(10, 500));
    append(&log, "2026-11-22T03:04:05Z INFO  line 00500 is half");
    collect(&mut tail, &mut got, 493).await;
    // The half line is not delivered until its newline arrives.
    tokio::time::sleep(Duration::from_millis(400)).await;
    append(&log, " written\n");
    collect(&mut tail, &mut got, 494).await;
    let mut want = expected(7, 500);
    want.push("line 00500 is half written".into());
    assert_eq!(got, want);
}

#[tokio::test]
async fn rotation_by_rename_new_file_and_truncation_loses_and_repeats_nothing() {
    let sshd = Sshd::start();
    let dir = log_dir(&sshd);
    let log = dir.join("NexTalk.log");
    append(&log, &numbered(0, 100));
    let mut tail = SshTail::start("nt-a", settings(&sshd, &dir), options(StartAt::Beginning)).expect("start");
    let mut got = Vec::new();
    collect(&mut tail, &mut got, 100).await;

    // Written just before the rename, then the writer moves to a fresh file of the same name.
    append(&log, &numbered(100, 150));
    std::fs::rename(&log, dir.join("NexTalk.log.1")).expect("rename");
    append(&log, &numbered(150, 400));
    collect(&mut tail, &mut got, 400).await;

    // Truncated in place, then written again.
    std::fs::write(&log, "").expect("truncate");
    tokio::time::sleep(Duration::from_millis(400)).await;
    append(&log, &numbered(400, 420));
    collect(&mut tail, &mut got, 420).await;

    // A newer file appears (daily rotation): the old one is finished first.
    append(&log, &numbered(420, 430));
    let next = dir.join("NexTalk.log.2026-11-23.log");
    append(&next, &numbered(430, 450));
    collect(&mut tail, &mut got, 450).await;

    // Nothing more, and nothing wrong: whatever arrives now is an extra line or an error.
    tokio::time::sleep(Duration::from_millis(500)).await;
    match tokio::time::timeout(Duration::from_millis(300), tail.next_batch()).await {
        Ok(Ok(lines)) => got.extend(lines.into_iter().map(|l| l.text)),
        Ok(Err(e)) => panic!("the tail failed after the rotations: {e}"),
        Err(_) => {}
    }
    assert_eq!(got, expected(0, 450));
    let state = tail.state().borrow().clone();
    assert!(matches!(state, TailState::Following { .. }), "{state}");
    assert!(state.to_string().ends_with("NexTalk.log.2026-11-23.log"), "on the newest file: {state}");
}

#[tokio::test]
async fn a_dropped_connection_reconnects_without_losing_or_repeating_lines() {
    let mut sshd = Sshd::start();
    let dir = log_dir(&sshd);
    let log = dir.join("NexTalk-20261122.log");
    append(&log, &numbered(0, 50));
    let mut tail = SshTail::start("nt-a", settings(&sshd, &dir), options(StartAt::Beginning)).expect("start");
    let mut got = Vec::new();
    collect(&mut tail, &mut got, 50).await;

    sshd.stop();
    // Lines written while the server is away, including a partial one.
    append(&log, &numbered(50, 80));
    append(&log, "2026-11-22T03:04:05Z INFO  line 00080");
    let state = wait_state(&tail, "reconnecting", |s| matches!(s, TailState::Reconnecting { .. })).await;
    assert!(state.to_string().starts_with("reconnecting in "), "{state}");

    sshd.restart();
    append(&log, "\n");
    append(&log, &numbered(81, 120));
    collect(&mut tail, &mut got, 120).await;
    wait_state(&tail, "following", |s| matches!(s, TailState::Following { .. })).await;

    // Drop it again in the middle of a burst.
    append(&log, &numbered(120, 5000));
    sshd.restart();
    collect(&mut tail, &mut got, 5000).await;
    assert_eq!(got, expected(0, 5000));
}

#[tokio::test]
async fn an_unknown_host_key_is_refused_with_its_fingerprint_until_accepted() {
    let sshd = Sshd::start();
    let dir = log_dir(&sshd);
    append(&dir.join("a.log"), &numbered(0, 3));
    let known_hosts = sshd.dir().join("empty_known_hosts");
    let mut s = settings(&sshd, &dir);
    s.known_hosts = known_hosts.clone();

    let mut tail = SshTail::start("nt-a", s.clone(), options(StartAt::Beginning)).expect("start");
    let err = tokio::time::timeout(WAIT, tail.next_batch()).await.expect("answer").expect_err("refused");
    let text = err.to_string();
    let fingerprint = sshd.host_fingerprint();
    assert!(text.contains(&fingerprint), "{text} lacks {fingerprint}");
    assert!(text.contains("not in") && text.contains("--accept-new-host-key"), "{text}");
    let key = tail.error().and_then(|e| e.unknown_host_key()).expect("the key to accept").clone();
    assert_eq!(key.fingerprint, fingerprint);
    assert!(matches!(*tail.state().borrow(), TailState::Failed { .. }));
    // Refused means refused: nothing was authenticated or read, and nothing was written.
    assert!(!known_hosts.exists());

    // The explicit choice: probe, show, accept. Then it connects.
    let probed = tokio::task::spawn_blocking({
        let s = s.clone();
        move || probe_host_key("nt-a", &s)
    })
    .await
    .expect("join")
    .expect("probe");
    assert_eq!(probed, HostKeyCheck::Unknown(key.clone()));
    accept_host_key(&known_hosts, &key).expect("accept");
    let line = std::fs::read_to_string(&known_hosts).expect("known_hosts");
    assert!(line.starts_with(&format!("[127.0.0.1]:{} ssh-ed25519 ", sshd.port)), "{line}");

    let mut tail = SshTail::start("nt-a", s, options(StartAt::Beginning)).expect("start");
    let mut got = Vec::new();
    collect(&mut tail, &mut got, 3).await;
    assert_eq!(got, expected(0, 3));
}

#[tokio::test]
async fn a_changed_host_key_is_refused() {
    let mut sshd = Sshd::start();
    let dir = log_dir(&sshd);
    append(&dir.join("a.log"), &numbered(0, 3));
    sshd.change_host_key();
    let mut tail = SshTail::start("nt-a", settings(&sshd, &dir), options(StartAt::Beginning)).expect("start");
    let err = tokio::time::timeout(WAIT, tail.next_batch()).await.expect("answer").expect_err("refused");
    let text = err.to_string();
    assert!(text.contains("HOST KEY CHANGED"), "{text}");
    assert!(text.contains(&sshd.host_fingerprint()), "{text}");
    // Not offered for acceptance, and accepting it anyway is refused.
    assert!(tail.error().and_then(|e| e.unknown_host_key()).is_none());
    let s = settings(&sshd, &dir);
    let probed =
        tokio::task::spawn_blocking(move || probe_host_key("nt-a", &s)).await.expect("join").expect("probe");
    let HostKeyCheck::Changed(key) = probed else { panic!("expected a changed key, got {probed:?}") };
    assert!(accept_host_key(&sshd.known_hosts, &key).is_err());
}

#[tokio::test]
async fn a_bad_client_key_fails_without_retrying() {
    let sshd = Sshd::start();
    let dir = log_dir(&sshd);
    append(&dir.join("a.log"), &numbered(0, 3));
    let mut s = settings(&sshd, &dir);
    s.identity_file = Some(sshd.dir().join("no-such-key"));
    let mut tail = SshTail::start("nt-a", s, options(StartAt::Beginning)).expect("start");
    let err = tokio::time::timeout(WAIT, tail.next_batch()).await.expect("answer").expect_err("refused");
    assert!(err.to_string().contains("authentication"), "{err}");
}

#[tokio::test]
async fn without_follow_the_tail_reads_to_the_end_once() {
    let sshd = Sshd::start();
    let dir = log_dir(&sshd);
    append(&dir.join("a.log"), &numbered(0, 20));
    let mut opts = options(StartAt::LastLines(5));
    opts.follow = false;
    let mut tail = SshTail::start("nt-a", settings(&sshd, &dir), opts).expect("start");
    let mut got = Vec::new();
    loop {
        let batch = tokio::time::timeout(WAIT, tail.next_batch()).await.expect("answer").expect("lines");
        if batch.is_empty() {
            break;
        }
        got.extend(batch.into_iter().map(|l| l.text));
    }
    assert_eq!(got, expected(15, 20));
    wait_state(&tail, "stopped", |s| *s == TailState::Stopped).await;

    // And a missing file is an error, not a wait.
    let mut opts = options(StartAt::LastLines(5));
    opts.follow = false;
    let mut s = settings(&sshd, &dir);
    s.file_glob = "*.txt".into();
    let mut tail = SshTail::start("nt-a", s, opts).expect("start");
    let err = tokio::time::timeout(WAIT, tail.next_batch()).await.expect("answer").expect_err("no file");
    assert!(err.to_string().contains("no file matching *.txt"), "{err}");
}

#[tokio::test]
async fn hashed_known_hosts_entries_are_recognised() {
    let sshd = Sshd::start();
    let dir = log_dir(&sshd);
    append(&dir.join("a.log"), &numbered(0, 2));
    // `ssh-keygen -H` replaces host names with salted hashes, as HashKnownHosts does.
    let status = std::process::Command::new("ssh-keygen")
        .arg("-H")
        .arg("-f")
        .arg(&sshd.known_hosts)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .expect("ssh-keygen -H");
    assert!(status.success());
    let hashed = std::fs::read_to_string(&sshd.known_hosts).expect("known_hosts");
    assert!(hashed.starts_with("|1|"), "{hashed}");
    let mut tail = SshTail::start("nt-a", settings(&sshd, &dir), options(StartAt::Beginning)).expect("start");
    let mut got = Vec::new();
    collect(&mut tail, &mut got, 2).await;
    assert_eq!(got, expected(0, 2));
}

/// While a log grows, a read that finds nothing new is followed by another within
/// milliseconds, not a whole poll interval later: a writer that pauses in the middle of a
/// burst (and a big burst streamed over the kept-open handle) is caught up with at once.
#[tokio::test(flavor = "multi_thread")]
async fn a_growing_log_is_polled_fast_and_streamed_in_order() {
    let sshd = Sshd::start();
    let dir = log_dir(&sshd);
    let log = dir.join("NexTalk-20261122.log");
    append(&log, "");
    let mut s = settings(&sshd, &dir);
    // A long interval: anything that waits for it fails the timing below.
    s.poll_interval = Duration::from_secs(3);
    let mut tail = SshTail::start("nt-a", s, options(StartAt::End)).expect("start");
    wait_state(&tail, "following", |s| matches!(s, TailState::Following { .. })).await;
    let mut got = Vec::new();
    // Wait out the idle poll that is under way, so the burst meets a tail that just looked.
    tokio::time::sleep(Duration::from_millis(3200)).await;
    // 3 MB (more than a streaming read's threshold), then after a pause more lines.
    append(&log, &numbered(0, 80_000));
    collect(&mut tail, &mut got, 80_000).await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    let second = Instant::now();
    append(&log, &numbered(80_000, 80_100));
    collect(&mut tail, &mut got, 80_100).await;
    let took = second.elapsed();
    assert!(
        took < Duration::from_millis(1500),
        "the lines after the pause took {took:?} (poll interval 3 s)"
    );
    assert_eq!(got, expected(0, 80_100), "every line once, in order");
}

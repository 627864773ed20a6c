//! Lines per second through the SSH log tail (`switchboard logs SERVER --follow`'s path:
//! `SshTail` + `tail_to`) against `ssh HOST tail -F`, on the same sshd and the same file.
//!
//! Both followers start at the end of an empty log; then a burst of lines is appended in one
//! write, and each is timed from the write until it has delivered every line to a sink that
//! counts and discards them (the /dev/null of this measurement). Runs on a throwaway sshd on
//! 127.0.0.1, so it measures the tail's own cost, not a network.
//!
//! Rounds alternate which follower goes first (a machine whose load drifts favours neither),
//! and the report gives each side's minimum and median, the ratio of each, the CPU each side
//! spent (client: the `ssh` process or this process's tail threads; server: the sshd session
//! processes and what they run), and the cipher and MAC each client negotiated, as the sshd
//! logged them, so the comparison is known to be like with like.
//!
//! `cargo bench --bench log_tail` (or scripts/bench-log-tail) runs the full measurement;
//! `cargo test --all-targets` runs a small one, so the benchmark cannot rot. Knobs (for
//! profiling one side, e.g. under `perf record`): `SB_TAIL_LINES`, `SB_TAIL_ROUNDS`,
//! `SB_TAIL_ONLY=ssh|switchboard`, `SB_TAIL_SSH_CIPHER` (passed to `ssh -c`, to see what
//! another cipher gives OpenSSH).
//! Criterion is not used: the figure wanted is a ratio between two external pipelines of a
//! few seconds each, not a statistical profile of a micro-benchmark.

#[path = "../tests/support/sshd.rs"]
mod sshd;

use sshd::Sshd;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};
use switchboard::logview::{TailOptions, tail_to};
use switchboard::source::ssh::{SshSettings, SshTail, SshTailOptions, StartAt};
use switchboard::source::tailing::TailState;

/// One follower's round: wall time from the write to the last line, and CPU seconds.
#[derive(Debug, Clone, Copy)]
struct Round {
    wall: Duration,
    client_cpu: f64,
    server_cpu: f64,
}

fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.replace('_', "").parse().ok()).unwrap_or(default)
}

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let lines = env_num("SB_TAIL_LINES", if full { 1_000_000 } else { 20_000 });
    let rounds = env_num("SB_TAIL_ROUNDS", if full { 5 } else { 1 }).max(1);
    let only = std::env::var("SB_TAIL_ONLY").unwrap_or_default();
    let (run_ssh, run_ours) = (only != "switchboard", only != "ssh");
    let ssh_cipher = std::env::var("SB_TAIL_SSH_CIPHER").ok().filter(|c| !c.is_empty());
    let sshd = Sshd::start();
    let payload: Vec<u8> = (0..lines)
        .map(|i| {
            format!(
                "2026-11-22T03:04:05Z INFO  ChatBridge session {i:08} port 17 relayed 212 bytes to Connect\n"
            )
        })
        .collect::<String>()
        .into_bytes();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("runtime");

    let mut ssh_rounds = Vec::new();
    let mut our_rounds = Vec::new();
    for round in 0..rounds {
        let ssh =
            |r: &mut Vec<Round>| r.push(time_ssh_tail(&sshd, &payload, lines, round, ssh_cipher.as_deref()));
        let ours = |r: &mut Vec<Round>| {
            r.push(runtime.block_on(time_switchboard(&sshd, &payload, lines, round)));
        };
        if round % 2 == 0 {
            if run_ssh {
                ssh(&mut ssh_rounds);
            }
            if run_ours {
                ours(&mut our_rounds);
            }
        } else {
            if run_ours {
                ours(&mut our_rounds);
            }
            if run_ssh {
                ssh(&mut ssh_rounds);
            }
        }
    }

    println!(
        "log tail: {lines} lines ({:.1} MB) appended in one burst, {rounds} round(s), load before: {}",
        payload.len() as f64 / 1e6,
        std::fs::read_to_string("/proc/loadavg").unwrap_or_default().trim()
    );
    let ssh_name = format!(
        "ssh HOST tail -F{}",
        ssh_cipher.as_deref().map(|c| format!(" (-c {c})")).unwrap_or_default()
    );
    let ssh = run_ssh.then(|| report(&ssh_name, &ssh_rounds, lines));
    let ours = run_ours.then(|| report("switchboard logs --follow", &our_rounds, lines));
    if let (Some((ssh_min, ssh_med)), Some((our_min, our_med))) = (ssh, ours) {
        // Ratios of lines/s: switchboard's rate over ssh's, i.e. ssh's time over ours.
        println!(
            "  ratio switchboard / ssh tail (lines/s): median {:.2}, best {:.2}",
            ssh_med.as_secs_f64() / our_med.as_secs_f64(),
            ssh_min.as_secs_f64() / our_min.as_secs_f64()
        );
    }
    for (client, cipher) in negotiated(&sshd.log()) {
        println!("  negotiated by {client}: {cipher}");
    }
}

/// Prints one follower's rounds; returns its (min, median) wall time.
fn report(name: &str, rounds: &[Round], lines: usize) -> (Duration, Duration) {
    let mut walls: Vec<Duration> = rounds.iter().map(|r| r.wall).collect();
    walls.sort();
    let (min, med) = (walls[0], walls[walls.len() / 2]);
    let rate = |d: Duration| lines as f64 / d.as_secs_f64();
    let cpu = |f: fn(&Round) -> f64| {
        let mut v: Vec<f64> = rounds.iter().map(f).collect();
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let each: Vec<String> = rounds.iter().map(|r| format!("{:.3}", r.wall.as_secs_f64())).collect();
    println!(
        "  {name:<34} min {:>6.3} s ({:>9.0} lines/s)  median {:>6.3} s ({:>9.0} lines/s)  \
         CPU median: client {:.2} s, server {:.2} s  [rounds: {}]",
        min.as_secs_f64(),
        rate(min),
        med.as_secs_f64(),
        rate(med),
        cpu(|r| r.client_cpu),
        cpu(|r| r.server_cpu),
        each.join(" ")
    );
    (min, med)
}

/// (client software, "cipher MAC") for each connection, in the order sshd logged them.
/// sshd at LogLevel DEBUG1 writes `Remote protocol version 2.0, remote software version X`,
/// then `kex: server->client cipher: C MAC: M compression: none`.
fn negotiated(log: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    let mut client = String::from("?");
    for line in log.lines() {
        if let Some((_, v)) = line.split_once("remote software version ") {
            client = v.split_whitespace().next().unwrap_or("?").to_owned();
        }
        if let Some((_, rest)) = line.split_once("kex: server->client cipher: ") {
            let rest = rest.split(" compression").next().unwrap_or(rest).to_owned();
            let entry = (client.clone(), rest);
            if !out.contains(&entry) {
                out.push(entry);
            }
        }
    }
    out
}

/// A fresh, empty log file in its own directory.
fn fresh_log(sshd: &Sshd, name: &str) -> PathBuf {
    let dir = sshd.dir().join(name);
    std::fs::create_dir_all(&dir).expect("log dir");
    let log = dir.join("NexTalk-20261122.log");
    std::fs::write(&log, "").expect("log file");
    log
}

fn append(log: &Path, payload: &[u8]) {
    let mut f = std::fs::OpenOptions::new().append(true).open(log).expect("open log");
    f.write_all(payload).expect("append");
}

fn count_lines(buf: &[u8]) -> usize {
    memchr::memchr_iter(b'\n', buf).count()
}

/// CPU seconds the sshd's session processes used since `before` (processes that were there
/// then count from where they were).
fn server_cpu_since(sshd: &Sshd, before: &[(u32, u64)]) -> f64 {
    let ticks: u64 = sshd
        .session_cpu_ticks()
        .into_iter()
        .map(|(pid, t)| t.saturating_sub(before.iter().find(|(p, _)| *p == pid).map_or(0, |(_, t0)| *t0)))
        .sum();
    ticks as f64 / ticks_per_sec()
}

fn ticks_per_sec() -> f64 {
    // SAFETY: sysconf has no preconditions.
    let t = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    if t > 0 { t as f64 } else { 100.0 }
}

/// CPU seconds used so far by this process (all threads) or by the calling thread.
fn cpu_of(who: libc::c_int) -> f64 {
    // SAFETY: getrusage fills the struct it is given.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(who, &mut u) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    tv(u.ru_utime) + tv(u.ru_stime)
}

fn self_cpu() -> f64 {
    cpu_of(libc::RUSAGE_SELF)
}

/// Appends, and says how much CPU the write itself took (not the follower's work: the
/// writer of a real log is another process).
fn timed_append(log: &Path, payload: &[u8]) -> f64 {
    let before = cpu_of(libc::RUSAGE_THREAD);
    append(log, payload);
    cpu_of(libc::RUSAGE_THREAD) - before
}

fn time_ssh_tail(sshd: &Sshd, payload: &[u8], lines: usize, round: usize, cipher: Option<&str>) -> Round {
    let log = fresh_log(sshd, &format!("ssh-{round}"));
    let mut cmd = Command::new("ssh");
    if let Some(c) = cipher {
        cmd.arg("-c").arg(c);
    }
    let mut child = cmd
        .args(sshd.ssh_args())
        .arg(format!("tail -n 0 -F {}", log.display()))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("ssh client (scripts/sshd-prereqs installs it)");
    let mut out = child.stdout.take().expect("ssh stdout");
    // Give ssh time to log in and tail to start watching.
    std::thread::sleep(Duration::from_millis(1500));
    let (client0, server0, self0) = (sshd::cpu_ticks(child.id()), sshd.session_cpu_ticks(), self_cpu());
    let start = Instant::now();
    let writing = timed_append(&log, payload);
    let mut seen = 0;
    let mut buf = vec![0u8; 256 * 1024];
    while seen < lines {
        match out.read(&mut buf) {
            Ok(0) => panic!("ssh tail ended after {seen} of {lines} lines"),
            Ok(n) => seen += count_lines(&buf[..n]),
            Err(e) => panic!("reading ssh: {e}"),
        }
    }
    let wall = start.elapsed();
    // The reader of ssh's output counts as client work, as the sink does on the other side.
    let client =
        (sshd::cpu_ticks(child.id()) - client0) as f64 / ticks_per_sec() + (self_cpu() - self0 - writing);
    let server = server_cpu_since(sshd, &server0);
    let _ = child.kill();
    let _ = child.wait();
    Round { wall, client_cpu: client, server_cpu: server }
}

async fn time_switchboard(sshd: &Sshd, payload: &[u8], lines: usize, round: usize) -> Round {
    let log = fresh_log(sshd, &format!("switchboard-{round}"));
    let mut settings = SshSettings::new("127.0.0.1", sshd.user.clone());
    settings.port = sshd.port;
    settings.identity_file = Some(sshd.client_key.clone());
    settings.known_hosts = sshd.known_hosts.clone();
    settings.log_dir = log.parent().expect("dir").display().to_string();
    settings.poll_interval = Duration::from_millis(100);
    let options = SshTailOptions { start: StartAt::End, ..SshTailOptions::default() };
    let mut tail = SshTail::start("bench", settings, options).expect("start tail");
    let mut state = tail.state();
    tokio::time::timeout(
        Duration::from_secs(20),
        state.wait_for(|s| matches!(s, TailState::Following { .. })),
    )
    .await
    .expect("tail following in 20s")
    .expect("state channel");
    let task = tokio::spawn(async move {
        let opts = TailOptions { follow: true, lines: 0, grep: None };
        let summary = tail_to(CountingSink(lines), &mut tail, &opts).await;
        drop(tail);
        summary
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let (server0, self0) = (sshd.session_cpu_ticks(), self_cpu());
    let start = Instant::now();
    // On the thread of `block_on`, not on the runtime's workers, where `tail_to` runs.
    let writing = timed_append(&log, payload);
    let summary = task.await.expect("join").expect("tail_to");
    let wall = start.elapsed();
    let client = self_cpu() - self0 - writing;
    let server = server_cpu_since(sshd, &server0);
    assert!(summary.reader_gone && summary.lines_written as usize == lines, "{summary:?}");
    // Let the dropped tail's threads notice and its session end before the next round.
    tokio::time::sleep(Duration::from_millis(300)).await;
    Round { wall, client_cpu: client, server_cpu: server }
}

/// Counts lines and discards them; closes the "pipe" after `n`, as `| head -n N` would.
struct CountingSink(usize);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        self.0 = self.0.saturating_sub(count_lines(buf));
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.0 == 0 { Err(io::Error::from(io::ErrorKind::BrokenPipe)) } else { Ok(()) }
    }
}

//! Lines per second through the SSH log tail (`switchboard logs SERVER --follow`'s path:
//! `SshTail` + `tail_to`) against `ssh HOST tail -F`, on the same sshd and the same file.
//!
//! Both followers start at the end of an empty log; then a burst of lines is appended in one
//! write, and each is timed from the write until it has delivered every line to a sink that
//! counts and discards them (the /dev/null of this measurement). Runs on a throwaway sshd on
//! 127.0.0.1, so it measures the tail's own cost, not a network.
//!
//! `cargo bench --bench log_tail` (or scripts/bench-log-tail) runs the full measurement;
//! `cargo test --all-targets` runs a small one, so the benchmark cannot rot.
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

fn main() {
    let full = std::env::args().any(|a| a == "--bench");
    let (lines, rounds) = if full { (1_000_000, 3) } else { (20_000, 1) };
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

    let mut ssh_times = Vec::new();
    let mut ours_times = Vec::new();
    for round in 0..rounds {
        ssh_times.push(time_ssh_tail(&sshd, &payload, lines, round));
        ours_times.push(runtime.block_on(time_switchboard(&sshd, &payload, lines, round)));
    }
    let ssh = median(&mut ssh_times);
    let ours = median(&mut ours_times);
    let rate = |d: Duration| lines as f64 / d.as_secs_f64();
    println!(
        "log tail: {lines} lines ({:.1} MB) appended in one burst, {rounds} round(s), median",
        payload.len() as f64 / 1e6
    );
    println!("  ssh HOST tail -F          {:>8.3} s  {:>12.0} lines/s", ssh.as_secs_f64(), rate(ssh));
    println!("  switchboard logs --follow {:>8.3} s  {:>12.0} lines/s", ours.as_secs_f64(), rate(ours));
    println!("  ratio switchboard / ssh tail: {:.2}", rate(ours) / rate(ssh));
}

fn median(times: &mut [Duration]) -> Duration {
    times.sort();
    times[times.len() / 2]
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

fn time_ssh_tail(sshd: &Sshd, payload: &[u8], lines: usize, round: usize) -> Duration {
    let log = fresh_log(sshd, &format!("ssh-{round}"));
    let mut child = Command::new("ssh")
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
    let start = Instant::now();
    append(&log, payload);
    let mut seen = 0;
    let mut buf = vec![0u8; 256 * 1024];
    while seen < lines {
        match out.read(&mut buf) {
            Ok(0) => panic!("ssh tail ended after {seen} of {lines} lines"),
            Ok(n) => seen += buf[..n].iter().filter(|&&b| b == b'\n').count(),
            Err(e) => panic!("reading ssh: {e}"),
        }
    }
    let took = start.elapsed();
    let _ = child.kill();
    let _ = child.wait();
    took
}

async fn time_switchboard(sshd: &Sshd, payload: &[u8], lines: usize, round: usize) -> Duration {
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
        tail_to(CountingSink(lines), &mut tail, &opts).await
    });
    tokio::time::sleep(Duration::from_millis(500)).await;
    let start = Instant::now();
    append(&log, payload);
    let summary = task.await.expect("join").expect("tail_to");
    let took = start.elapsed();
    assert!(summary.reader_gone && summary.lines_written as usize == lines, "{summary:?}");
    took
}

/// Counts lines and discards them; closes the "pipe" after `n`, as `| head -n N` would.
struct CountingSink(usize);

impl Write for CountingSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.0 == 0 {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        self.0 = self.0.saturating_sub(buf.iter().filter(|&&b| b == b'\n').count());
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        if self.0 == 0 { Err(io::Error::from(io::ErrorKind::BrokenPipe)) } else { Ok(()) }
    }
}

//! A real OpenSSH server for one test: its own host key, client key, config and port on
//! 127.0.0.1, killed when dropped. Needs `/usr/sbin/sshd` (run `scripts/sshd-prereqs`) and,
//! like Debian's sshd itself, root (it switches to the logged-in user).

#![allow(dead_code)]

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const SSHD: &str = "/usr/sbin/sshd";

pub struct Sshd {
    dir: tempfile::TempDir,
    pub port: u16,
    pub user: String,
    /// The client's private key, authorised for `user`.
    pub client_key: PathBuf,
    /// Holds exactly one line: `[127.0.0.1]:PORT <host key>`.
    pub known_hosts: PathBuf,
    host_key: PathBuf,
    config: PathBuf,
    log: PathBuf,
    child: Option<Child>,
}

impl Sshd {
    /// Generates keys, writes the config and starts sshd on a free port.
    pub fn start() -> Sshd {
        assert!(
            Path::new(SSHD).exists(),
            "{SSHD} is missing: run scripts/sshd-prereqs (installs Debian's openssh-server)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let p = |name: &str| dir.path().join(name);
        keygen(&p("host_ed25519"));
        keygen(&p("client_ed25519"));
        std::fs::copy(p("client_ed25519.pub"), p("authorized_keys")).expect("authorized_keys");
        let user = run_out(Command::new("id").arg("-un")).trim().to_owned();
        let port = free_port();
        let mut sshd = Sshd {
            port,
            user,
            client_key: p("client_ed25519"),
            known_hosts: p("known_hosts"),
            host_key: p("host_ed25519"),
            config: p("sshd_config"),
            log: p("sshd.log"),
            child: None,
            dir,
        };
        sshd.write_config();
        sshd.write_known_hosts();
        sshd.spawn();
        sshd
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Kills the server (established connections drop with it).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            // Each connection is served by a child process of the listener (in a session of its
            // own); kill those first, by pid, so the connection drops as if the host had died.
            for pid in descendants(child.id()) {
                let _ = Command::new("kill").arg("-KILL").arg(pid.to_string()).stderr(Stdio::null()).status();
            }
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port, with the same keys.
    pub fn restart(&mut self) {
        self.stop();
        self.spawn();
    }

    /// Replaces the host key (known_hosts keeps the old one) and restarts.
    pub fn change_host_key(&mut self) {
        self.stop();
        let _ = std::fs::remove_file(&self.host_key);
        let _ = std::fs::remove_file(self.host_key.with_extension("pub"));
        keygen(&self.host_key);
        self.spawn();
    }

    /// `SHA256:...` of the current host key, as ssh-keygen prints it.
    pub fn host_fingerprint(&self) -> String {
        let out = run_out(
            Command::new("ssh-keygen")
                .arg("-l")
                .arg("-E")
                .arg("sha256")
                .arg("-f")
                .arg(self.host_key.with_extension("pub")),
        );
        out.split_whitespace().nth(1).expect("fingerprint field").to_owned()
    }

    /// What sshd logged, for failure messages.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Arguments for the OpenSSH client to reach this server non-interactively.
    pub fn ssh_args(&self) -> Vec<String> {
        vec![
            "-p".into(),
            self.port.to_string(),
            "-i".into(),
            self.client_key.display().to_string(),
            "-o".into(),
            format!("UserKnownHostsFile={}", self.known_hosts.display()),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            format!("{}@127.0.0.1", self.user),
        ]
    }

    fn write_config(&self) {
        let config = format!(
            "ListenAddress 127.0.0.1\n\
             Port {port}\n\
             HostKey {host_key}\n\
             AuthorizedKeysFile {dir}/authorized_keys\n\
             PidFile {dir}/sshd.pid\n\
             UsePAM no\n\
             StrictModes no\n\
             PasswordAuthentication no\n\
             KbdInteractiveAuthentication no\n\
             PermitRootLogin prohibit-password\n\
             LogLevel VERBOSE\n\
             Subsystem sftp internal-sftp\n",
            port = self.port,
            host_key = self.host_key.display(),
            dir = self.dir.path().display(),
        );
        std::fs::write(&self.config, config).expect("sshd_config");
    }

    fn write_known_hosts(&self) {
        let public = std::fs::read_to_string(self.host_key.with_extension("pub")).expect("host key");
        let mut fields = public.split_whitespace();
        let (kind, key) = (fields.next().expect("key type"), fields.next().expect("key"));
        std::fs::write(&self.known_hosts, format!("[127.0.0.1]:{} {kind} {key}\n", self.port))
            .expect("known_hosts");
    }

    fn spawn(&mut self) {
        std::fs::create_dir_all("/run/sshd").expect("mkdir /run/sshd (needs root)");
        let child = Command::new(SSHD)
            .arg("-D")
            .arg("-f")
            .arg(&self.config)
            .arg("-E")
            .arg(&self.log)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {SSHD}: {e}; run scripts/sshd-prereqs"));
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(Ok(Some(status))) = self.child.as_mut().map(|c| c.try_wait()) {
                panic!("sshd exited with {status}:\n{}", self.log());
            }
            assert!(
                Instant::now() < deadline,
                "sshd did not listen on port {} in 10s:\n{}",
                self.port,
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Every process below `root`, found through /proc (children before the listener dies, or they
/// would be re-parented and lost).
fn descendants(root: u32) -> Vec<u32> {
    let mut parents: Vec<(u32, u32)> = Vec::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for e in entries.flatten() {
            let Some(pid) = e.file_name().to_str().and_then(|s| s.parse::<u32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(e.path().join("stat")) else { continue };
            // `pid (comm) state ppid ...`; comm may contain spaces, so split after the last ')'.
            let ppid =
                stat.rsplit_once(')').and_then(|(_, rest)| rest.split_whitespace().nth(1)?.parse().ok());
            if let Some(ppid) = ppid {
                parents.push((pid, ppid));
            }
        }
    }
    let mut found = vec![root];
    let mut i = 0;
    while i < found.len() {
        let p = found[i];
        found.extend(parents.iter().filter(|(_, pp)| *pp == p).map(|(pid, _)| *pid));
        i += 1;
    }
    found.remove(0);
    found
}

fn keygen(path: &Path) {
    let status = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "switchboard-test", "-f"])
        .arg(path)
        .stdin(Stdio::null())
        .status()
        .expect("ssh-keygen (run scripts/sshd-prereqs)");
    assert!(status.success(), "ssh-keygen failed for {}", path.display());
}

fn run_out(cmd: &mut Command) -> String {
    let out = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    assert!(out.status.success(), "{cmd:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    listener.local_addr().expect("local addr").port()
}

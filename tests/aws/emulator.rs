//! Local AWS emulators as child processes on free loopback ports, from the venv that
//! `scripts/emulators` makes. A missing emulator fails the test (it is never skipped).

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct Emulator {
    pub url: String,
    name: &'static str,
    child: Child,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

fn venv() -> PathBuf {
    match std::env::var_os("SWITCHBOARD_VENV") {
        Some(v) => PathBuf::from(v),
        None => {
            let home = std::env::var_os("HOME").map(PathBuf::from).unwrap_or_else(|| PathBuf::from("/root"));
            home.join(".cache/switchboard/venv")
        }
    }
}

/// A loopback port nobody listens on, never handed out twice in this test binary (tests run
/// in parallel, and an emulator binds its port only after it has started).
fn free_port() -> u16 {
    static GIVEN: Mutex<Vec<u16>> = Mutex::new(Vec::new());
    loop {
        let l = TcpListener::bind("127.0.0.1:0").expect("bind a free loopback port");
        let port = l.local_addr().expect("local addr").port();
        let mut given = GIVEN.lock().unwrap_or_else(|e| e.into_inner());
        if !given.contains(&port) {
            given.push(port);
            return port;
        }
    }
}

impl Emulator {
    /// ministack: CloudWatch over Smithy RPC v2 CBOR.
    pub fn ministack() -> Emulator {
        let port = free_port();
        Emulator::spawn("ministack", port, "/_ministack/health", |bin, dir| {
            let mut c = Command::new(bin);
            c.env("BIND_HOST", "127.0.0.1")
                .env("GATEWAY_PORT", port.to_string())
                // Its IoT MQTT listener would fight over port 8883 between parallel tests.
                .env("IOT_MTLS_ENABLED", "0")
                .env("PERSIST_STATE", "0")
                .current_dir(dir);
            c
        })
    }

    /// moto server: SSM Run Command.
    pub fn moto() -> Emulator {
        let port = free_port();
        Emulator::spawn("moto_server", port, "/moto-api/", |bin, dir| {
            let mut c = Command::new(bin);
            c.args(["-H", "127.0.0.1", "-p", &port.to_string()]).current_dir(dir);
            c
        })
    }

    fn spawn(
        name: &'static str,
        port: u16,
        ready_path: &str,
        command: impl FnOnce(&PathBuf, &std::path::Path) -> Command,
    ) -> Emulator {
        let bin = venv().join("bin").join(name);
        assert!(
            bin.exists(),
            "{} is missing: run scripts/emulators (it installs ministack, cbor2 and moto[server] into {})",
            bin.display(),
            venv().display()
        );
        let dir = tempfile::tempdir().expect("temp dir");
        let log = dir.path().join(format!("{name}.log"));
        let out = std::fs::File::create(&log).expect("emulator log");
        let err = out.try_clone().expect("emulator log");
        let child = command(&bin, dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::from(out))
            .stderr(Stdio::from(err))
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}; run scripts/emulators", bin.display()));
        let mut emu = Emulator { url: format!("http://127.0.0.1:{port}"), name, child, log, _dir: dir };
        emu.wait_ready(port, ready_path);
        emu
    }

    fn wait_ready(&mut self, port: u16, path: &str) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("{} exited with {status} before it was ready:\n{}", self.name, self.log_text());
            }
            if http_get_ok(port, path) {
                return;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("{} did not answer on port {port} within 60 s:\n{}", self.name, self.log_text());
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

fn http_get_ok(port: u16, path: &str) -> bool {
    use std::io::{Read, Write};
    let Ok(mut s) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return false };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    if s.write_all(req.as_bytes()).is_err() {
        return false;
    }
    let mut buf = [0u8; 32];
    matches!(s.read(&mut buf), Ok(n) if n >= 12 && buf.starts_with(b"HTTP/1.") && &buf[9..12] == b"200")
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! Drives the real binary inside a private tmux server, as a person at a terminal would:
//! `send-keys` to type, `capture-pane` to read the screen.

#![allow(dead_code)]

use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: PathBuf,
    _dir: tempfile::TempDir,
    pub session: String,
}

impl Tmux {
    /// Starts `cmd` (a shell command line) in a detached session of `cols` x `rows`, with the
    /// remaining shell kept alive so the exit status and the restored terminal can be read.
    pub fn start(cmd: &str, cols: u16, rows: u16) -> Tmux {
        let dir = tempfile::tempdir().expect("tempdir");
        let socket = dir.path().join("tmux.sock");
        let t = Tmux { socket, _dir: dir, session: "sb".into() };
        // A plain shell runs the command and then prints its exit status, so the test sees both
        // the console's exit code and what the terminal looks like afterwards.
        // Both lines also go to a file: after a kill -9 the terminal is left raw (no CR on
        // newline), so on screen "EXIT-STATUS=137" can wrap mid-word at the right edge.
        let status_file = t.status_file();
        let script = format!(
            "{cmd}; st=$?; m=\"$(stty -a | grep -oE -- '-?(icanon|echo|isig)\\b' | tr '\\n' ' ')\"; \
             echo \"EXIT-STATUS=$st\"; echo \"TTY-MODES: $m\"; \
             printf 'EXIT-STATUS=%s\\nTTY-MODES: %s\\n' \"$st\" \"$m\" > {status}.tmp && mv {status}.tmp {status}; \
             sleep 600",
            status = status_file.display()
        );
        let out = t.tmux(&[
            "new-session",
            "-d",
            "-s",
            "sb",
            "-x",
            &cols.to_string(),
            "-y",
            &rows.to_string(),
            "sh",
            "-c",
            &script,
        ]);
        assert!(out.status.success(), "tmux new-session failed: {}", String::from_utf8_lossy(&out.stderr));
        t
    }

    fn tmux(&self, args: &[&str]) -> Output {
        Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("-f")
            .arg("/dev/null")
            .args(args)
            .env("TERM", "xterm-256color")
            .output()
            .expect("run tmux")
    }

    /// Sends keys in tmux's notation (`q`, `Enter`, `Escape`, `C-r`, `BTab`).
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            let out = self.tmux(&["send-keys", "-t", &self.session, k]);
            assert!(out.status.success(), "send-keys {k}: {}", String::from_utf8_lossy(&out.stderr));
            // An Escape read together with the next key is that key with Alt (how terminals
            // send Alt): let the console read it alone first.
            if *k == "Escape" {
                std::thread::sleep(std::time::Duration::from_millis(150));
            }
        }
    }

    /// Types literal text.
    pub fn type_text(&self, text: &str) {
        let out = self.tmux(&["send-keys", "-t", &self.session, "-l", text]);
        assert!(out.status.success());
    }

    pub fn screen(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// The screen with colour escapes, for checking styles.
    pub fn screen_with_escapes(&self) -> String {
        let out = self.tmux(&["capture-pane", "-p", "-e", "-t", &self.session]);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Waits until the screen satisfies `pred`, or panics with the last screen.
    pub fn wait_for(&self, what: &str, timeout: Duration, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if pred(&s) {
                return s;
            }
            if start.elapsed() > timeout {
                panic!("timed out after {timeout:?} waiting for {what}; screen was:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn status_file(&self) -> PathBuf {
        self._dir.path().join("exit-status")
    }

    /// Waits for the console to exit; returns (exit status line, terminal modes line), read
    /// from the file the shell writes (renamed into place whole), not from the screen.
    pub fn wait_exit(&self, timeout: Duration) -> (String, String) {
        let start = Instant::now();
        let s = loop {
            if let Ok(s) = std::fs::read_to_string(self.status_file()) {
                break s;
            }
            if start.elapsed() > timeout {
                panic!(
                    "timed out after {timeout:?} waiting for the console to exit; screen was:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        let line = |p: &str| s.lines().find(|l| l.contains(p)).unwrap_or("").trim().to_string();
        (line("EXIT-STATUS="), line("TTY-MODES:"))
    }

    pub fn wait_text(&self, text: &str, timeout: Duration) -> String {
        self.wait_for(&format!("{text:?}"), timeout, |s| s.contains(text))
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.tmux(&["kill-server"]);
    }
}

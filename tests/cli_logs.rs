//! `switchboard logs`: the demo's simulated logs (NexTalk servers and Lambda functions), and a
//! real sshd on loopback through the config file, with host-key refusal and explicit acceptance.

#[path = "support/cli.rs"]
mod cli;
#[path = "support/sshd.rs"]
mod sshd;

use cli::switchboard;
use sshd::Sshd;

#[test]
fn demo_logs_show_the_chat_bridge_errors_of_the_broken_server_only() {
    let out = switchboard(&[
        "logs",
        "nt-a",
        "--demo",
        "--scenario",
        "chat-bridge-down",
        "-n",
        "5",
        "--grep",
        "ERROR",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(text.lines().all(|l| l.contains(" ERROR ") && l.contains("Chat Bridge")), "{text}");
    let out = switchboard(&[
        "logs",
        "nt-b",
        "--demo",
        "--scenario",
        "chat-bridge-down",
        "-n",
        "50",
        "--grep",
        "ERROR",
    ]);
    // Nothing printed because nothing matched, not because the command failed.
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "nt-b should have no errors");
    let out = switchboard(&["logs", "nt-b", "--demo", "--scenario", "chat-bridge-down", "-n", "3"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3, "nt-b has a log, only no errors");
}

#[test]
fn demo_lambda_logs_show_the_scenario_s_errors_only() {
    let out = switchboard(&[
        "logs",
        "--lambda",
        "connect-lookup-customer",
        "--demo",
        "--scenario",
        "lambda-errors",
        "-n",
        "5",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(text.lines().count(), 5, "{text}");
    assert!(
        text.lines().all(|l| l.contains(" ERROR ") && l.ends_with("Task timed out after 8.00 seconds")),
        "{text}"
    );

    let out = switchboard(&[
        "logs",
        "--lambda",
        "connect-save-contact-record",
        "--demo",
        "--scenario",
        "dynamodb-throttling",
        "-n",
        "200",
        "--grep",
        "ProvisionedThroughputExceededException",
    ]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.lines().any(|l| l.contains("Failed to write to CallRecords")), "{text}");
    assert!(text.lines().any(|l| l.contains("Invoke Error")), "{text}");
    assert!(!text.contains("START RequestId") && !text.contains("REPORT RequestId"), "errors only: {text}");

    let out = switchboard(&["logs", "--lambda", "connect-lookup-customer", "--demo", "-n", "50"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "calm has no Lambda errors");

    let out = switchboard(&["logs", "--lambda", "no-such-function", "--demo"]);
    assert_eq!(out.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&out.stderr).contains("connect-lookup-customer"), "names the choices");
}

#[test]
fn ssh_logs_refuse_an_unknown_host_key_until_accepted_and_strip_escapes() {
    let sshd = Sshd::start();
    let dir = sshd.dir().join("Logs");
    std::fs::create_dir_all(&dir).unwrap();
    // A hostile line: cursor movement, a title change and an OSC 52 clipboard write.
    let hostile = "2026-11-22T03:00:02Z ERROR evil \x1b[2J\x1b]0;pwned\x07\x1b]52;c;ZWNobyBoaQ==\x07done\n";
    std::fs::write(dir.join("NexTalk-20261122.log"), format!("2026-11-22T03:00:01Z INFO hello\n{hostile}"))
        .unwrap();
    let empty_known = sshd.dir().join("empty_known_hosts");
    std::fs::write(&empty_known, "").unwrap();
    let cfg = sshd.dir().join("config.toml");
    std::fs::write(
        &cfg,
        format!(
            "[[nextalk.servers]]\nname = \"nt-a\"\ninstance_id = \"i-0123456789abcdef0\"\nports_capacity = 96\n\
             [nextalk.servers.ssh]\nhost = \"127.0.0.1\"\nport = {}\nuser = \"{}\"\nidentity_file = \"{}\"\n\
             known_hosts = \"{}\"\nlog_dir = \"{}\"\npoll_interval = \"100ms\"\n",
            sshd.port,
            sshd.user,
            sshd.client_key.display(),
            empty_known.display(),
            dir.display()
        ),
    )
    .unwrap();
    let cfg_s = cfg.to_str().unwrap();

    let out = switchboard(&["--config", cfg_s, "logs", "nt-a", "-n", "10"]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "unknown host key accepted silently");
    assert!(out.stdout.is_empty(), "lines printed from an unverified host");
    assert!(err.contains(&sshd.host_fingerprint()), "no fingerprint in: {err}");

    let out = switchboard(&["--config", cfg_s, "logs", "nt-a", "-n", "10", "--accept-new-host-key"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(text.contains("INFO") && text.contains("hello"), "{text}");
    assert!(text.contains("evil") && text.contains("done"), "{text}");
    assert!(!text.contains('\x1b') && !text.contains('\x07'), "control sequences got through: {text:?}");
    assert!(std::fs::read_to_string(&empty_known).unwrap().contains("[127.0.0.1]:"), "key not recorded");

    // Accepted once, trusted from then on without the flag.
    let out = switchboard(&["--config", cfg_s, "logs", "nt-a", "-n", "1"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

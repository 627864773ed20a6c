//! Config files: every fixture in tests/fixtures/config/valid loads; every one in
//! tests/fixtures/config/invalid fails with exactly the text in its sibling `.expected` file
//! (`path:line:col: message`). To regenerate the expected files after a deliberate wording
//! change, run with `SWITCHBOARD_BLESS=1` and review the diff.

use std::path::{Path, PathBuf};
use switchboard::config::{self, Config};
use switchboard::model::{Level, MetricId};

/// `*.toml` files of a fixture folder, relative to the crate root (the test's working
/// directory), so messages carry the same paths everywhere.
fn fixtures(dir: &str) -> Vec<PathBuf> {
    let dir = Path::new("tests/fixtures").join(dir);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no fixtures in {}", dir.display());
    files
}

#[test]
fn valid_configs_load() {
    for path in fixtures("config/valid") {
        if let Err(e) = Config::load(&path) {
            panic!("{e}");
        }
    }
}

#[test]
fn invalid_configs_fail_with_the_expected_message() {
    let bless = blessing();
    let mut failures = Vec::new();
    for path in fixtures("config/invalid") {
        let got = match Config::load(&path) {
            Ok(_) => {
                failures.push(format!("{}: loaded, but should fail", path.display()));
                continue;
            }
            Err(e) => e.to_string(),
        };
        assert!(got.starts_with(&format!("{}:", path.display())), "no file name: {got}");
        let expected_path = path.with_extension("expected");
        if bless {
            std::fs::write(&expected_path, format!("{got}\n")).unwrap();
            continue;
        }
        match std::fs::read_to_string(&expected_path) {
            Ok(expected) if expected.trim_end() == got => {}
            Ok(expected) => failures.push(format!("expected: {}\n     got: {got}", expected.trim_end())),
            Err(_) => failures.push(format!("{} is missing; got: {got}", expected_path.display())),
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}

#[test]
fn every_expected_file_has_its_fixture() {
    for entry in std::fs::read_dir("tests/fixtures/config/invalid").unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|x| x == "expected") {
            assert!(path.with_extension("toml").is_file(), "{} has no .toml", path.display());
        }
    }
}

#[test]
fn the_full_fixture_means_what_it_says() {
    let c = Config::load(Path::new("tests/fixtures/config/valid/full.toml")).unwrap();
    assert!(c.read_only);
    assert_eq!((c.ui.theme.as_str(), c.ui.keymap.as_str(), c.ui.mouse), ("colorblind", "vim", false));
    assert_eq!(c.ui.refresh, std::time::Duration::from_millis(1500));
    assert_eq!(c.ui.history, 600);
    let t = c.thresholds();
    assert_eq!(t.level(MetricId::OldestContactAge, 31.0), Level::Warn);
    assert_eq!(t.level(MetricId::OldestContactAge, 121.0), Level::Crit);
    // Only crit was given: warn keeps its shipped 75%.
    assert_eq!(t.level(MetricId::PortUtilisation, 80.0), Level::Warn);
    assert_eq!(t.level(MetricId::PortUtilisation, 92.0), Level::Warn);
    assert_eq!(c.demo.scenario.as_deref(), Some("kinesis-lag"));
    assert_eq!((c.demo.seed, c.demo.speed, c.demo.queues), (Some(7), 10.0, Some(40)));
    assert_eq!(c.audit.path.as_deref(), Some(Path::new("/var/log/switchboard/audit.jsonl")));
    let [a, b] = &c.nextalk.servers[..] else { panic!("two servers") };
    assert_eq!(a.log_dir, config::DEFAULT_LOG_DIR);
    assert_eq!(a.services.len(), 3);
    assert_eq!((b.instance_id.as_str(), b.log_dir.as_str()), ("i-1234abcd", r"D:\NexTalk\Logs"));
    // The theme and keymap it names exist and load.
    c.theme(false).unwrap();
    c.keymap().unwrap();
}

#[test]
fn the_example_config_loads_cleanly() {
    let c = Config::from_str(Path::new("example.toml"), &config::example()).unwrap();
    assert_eq!(c, Config::default());
}

#[test]
fn an_explicit_config_must_exist() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.toml");
    let e = Config::discover(Some(&missing)).unwrap_err();
    assert_eq!(e.line, 0);
    assert!(e.to_string().contains("cannot read"), "{e}");
}

#[test]
fn write_example_then_load_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("switchboard/config.toml");
    config::write_example(&path).unwrap();
    let c = Config::load(&path).unwrap();
    assert_eq!(c.path.as_deref(), Some(path.as_path()));
    assert_eq!(c.user_dir().as_deref(), path.parent());
    assert!(config::write_example(&path).is_err());
}

#[test]
fn keymaps_and_themes_come_from_next_to_the_config_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("themes")).unwrap();
    std::fs::write(dir.path().join("themes/mine.toml"), "extends = \"light\"\n").unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "[ui]\ntheme = \"mine\"\n").unwrap();
    let c = Config::load(&path).unwrap();
    assert_eq!(c.theme(false).unwrap().name, "mine");
    assert_eq!(c.theme(true).unwrap(), switchboard::theme::Theme::plain());
}

#[test]
fn aws_gets_its_servers_and_services_from_the_nextalk_list() {
    let path = Path::new("tests/fixtures/config/valid/aws.toml");
    let cfg = switchboard::config::Config::load(path).unwrap();
    let aws = cfg.aws.expect("[aws] present");
    let names: Vec<(&str, &str, u32)> =
        aws.servers.iter().map(|s| (s.name.as_str(), s.instance_id.as_str(), s.port_capacity)).collect();
    assert_eq!(names, [("nt-a", "i-0123456789abcdef0", 96), ("nt-b", "i-0123456789abcdef1", 96)]);
    assert_eq!(aws.ssm.services, ["NexTalk Server", "NexTalk App API", "NexTalk Chat Bridge"]);
    assert_eq!(aws.refresh.queues_s, 10);
    assert!(
        switchboard::config::Config::load(Path::new("tests/fixtures/config/valid/empty.toml"))
            .unwrap()
            .aws
            .is_none()
    );
}

/// `SWITCHBOARD_BLESS` rewrites the `.expected` files from what the code says now, for a person
/// to review the diff. Never when `CI` is set: there it would turn every wording regression into
/// a pass (and a silently rewritten file).
fn blessing() -> bool {
    let bless = std::env::var_os("SWITCHBOARD_BLESS").is_some();
    assert!(
        !(bless && std::env::var_os("CI").is_some()),
        "SWITCHBOARD_BLESS is refused when CI is set: bless locally and commit the reviewed .expected files"
    );
    bless
}

/// The queue service thresholds: the service level is bad *below* its limits, so an override
/// keeps warn above crit; per-queue answer-within targets live with the Connect instance.
#[test]
fn queue_service_thresholds_and_per_queue_targets_load() {
    let src = "[thresholds.queue_service_level_pct]\nwarn = 90\n\
               [thresholds.queue_abandonment_rate_pct]\ncrit = 8\n\
               [aws]\naccount_id = \"123456789012\"\n\
               [aws.connect]\ninstance_id = \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"\n\
               service_level_s = 30\nservice_level_s_by_queue = { \"TTY Relay\" = 60 }\n";
    let c = Config::from_str(Path::new("c.toml"), src).unwrap_or_else(|e| panic!("{e}"));
    let t = c.thresholds();
    assert_eq!(t.level(MetricId::ServiceLevel, 91.0), Level::Ok);
    assert_eq!(t.level(MetricId::ServiceLevel, 85.0), Level::Warn);
    assert_eq!(t.level(MetricId::ServiceLevel, 59.0), Level::Crit, "crit keeps its shipped 60%");
    assert_eq!(t.level(MetricId::AbandonmentRate, 6.0), Level::Warn);
    assert_eq!(t.level(MetricId::AbandonmentRate, 9.0), Level::Crit);
    let connect = c.aws.as_ref().and_then(|a| a.connect.as_ref()).expect("[aws.connect]");
    assert_eq!((connect.service_level_s_for("TTY Relay"), connect.service_level_s_for("Billing")), (60, 30));
    let upside_down = "[thresholds.queue_service_level_pct]\nwarn = 50\ncrit = 70\n";
    let e = Config::from_str(Path::new("c.toml"), upside_down).unwrap_err().to_string();
    assert!(e.contains("c.toml:") && e.contains("must be at least crit"), "{e}");
}

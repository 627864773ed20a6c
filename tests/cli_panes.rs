//! Data-defined panes through the real binary: `switchboard panes` lists them, and the demo's
//! snapshot JSON carries their rows under `panes.<id>.rows[]`.

#[path = "support/cli.rs"]
mod cli;

use cli::switchboard;
use serde_json::Value;

const CONFIG: &str = "tests/fixtures/config/valid/panes.toml";

#[test]
fn panes_lists_the_configured_panes() {
    let out = switchboard(&["--config", CONFIG, "panes"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().find(|l| l.starts_with("crm-api ")).unwrap_or_else(|| panic!("{text}"));
    assert!(
        line.contains("CRM API") && line.contains("AWS/ApiGateway by ApiName: pega-* Stage=prod"),
        "{line}"
    );
    assert!(
        line.contains("5xx (5XXError Sum), p99 (Latency p99)") && line.ends_with("from panes.toml"),
        "{line}"
    );
    let none = switchboard(&["panes"]);
    let none = String::from_utf8_lossy(&none.stdout);
    assert!(none.contains("No data-defined panes in the live console"), "{none}");
}

#[test]
fn panes_lists_every_preset_and_which_are_enabled() {
    let out = switchboard(&["panes"]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    for (preset, pane) in [
        ("lex", "lex"),
        ("api-gateway", "apigw"),
        ("rds", "rds"),
        ("direct-connect", "dx"),
        ("eventbridge", "events"),
        ("s3", "s3"),
        ("synthetics", "canaries"),
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(&format!("{preset} ")))
            .unwrap_or_else(|| panic!("{preset} not listed:\n{text}"));
        assert!(line.contains(&format!("pane {pane}")) && line.ends_with("not enabled"), "{line}");
    }
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "presets = [\"direct-connect\", \"rds\"]\n").unwrap();
    let out = switchboard(&["--config", cfg.to_str().unwrap(), "panes"]);
    let text = String::from_utf8_lossy(&out.stdout);
    let enabled: Vec<&str> = text.lines().filter(|l| l.ends_with("  enabled")).collect();
    assert_eq!(enabled.len(), 2, "{text}");
    let dx = text.lines().find(|l| l.starts_with("dx ")).unwrap_or_else(|| panic!("{text}"));
    assert!(
        dx.contains("AWS/DX by ConnectionId: dxcon-*") && dx.ends_with("from preset direct-connect"),
        "{dx}"
    );
}

#[test]
fn the_demo_snapshot_has_the_config_pane_rows_with_values_and_health() {
    let out = switchboard(&["--config", CONFIG, "snapshot", "--demo", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "calm demo: {}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let pane = &v["panes"]["crm-api"];
    assert_eq!(pane["title"], "CRM API");
    let rows = pane["rows"].as_array().expect("rows");
    let names: Vec<&str> = rows.iter().map(|r| r["name"].as_str().unwrap()).collect();
    // The demo models API Gateway: the glob matches its CRM API, as ListMetrics would.
    assert_eq!(names, ["pega-crm-api"], "the demo's API the glob matches");
    for r in rows {
        assert_eq!(r["health"], "ok", "{r}");
        assert_eq!(r["5xx"], 0.0, "calm: no 5xx, the warn limit is 0: {r}");
        let p99 = r["p99"].as_f64().expect("a p99 figure");
        assert!((200.0..=280.0).contains(&p99), "the CRM API's calm latency: {r}");
    }
    // The config names no presets, so the demo shows every preset beside it.
    assert!(v["panes"]["dx"]["rows"].is_array(), "{}", v["panes"]);
}

#[test]
fn the_demo_shows_every_preset_healthy_when_calm() {
    let out = switchboard(&["snapshot", "--demo", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let panes = v["panes"].as_object().expect("panes");
    let ids: Vec<&str> = panes.keys().map(String::as_str).collect();
    for id in ["lex", "apigw", "rds", "dx", "events", "s3", "canaries"] {
        assert!(ids.contains(&id), "{id} missing: {ids:?}");
        let rows = panes[id]["rows"].as_array().expect("rows");
        assert!(!rows.is_empty(), "{id}");
        assert!(rows.iter().all(|r| r["health"] == "ok"), "{id}: {rows:?}");
    }
    assert_eq!(panes["s3"]["rows"][0]["name"], "cc-call-recordings-prod", "the recordings bucket only");
    // `presets = []` turns them off in the demo too.
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("config.toml");
    std::fs::write(&cfg, "presets = []\n").unwrap();
    let out = switchboard(&["--config", cfg.to_str().unwrap(), "snapshot", "--demo", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert!(v.get("panes").is_none(), "{}", v["panes"]);
}

/// Each new scenario shows its symptom in its preset pane by the default snapshot time, and
/// the snapshot exits 2 (crit).
#[test]
fn the_new_scenarios_show_their_symptoms_in_the_presets() {
    let cases = [
        ("direct-connect-down", "dx", "dxcon-fh6ayh1d", "state 0 < 0.5"),
        ("crm-outage", "canaries", "pega-crm-health", "success 0% < 50%"),
        ("rds-storage-full", "rds", "nextalk-config-db", "free storage 0B < 2GB"),
    ];
    for (scenario, pane, row, reason) in cases {
        let out = switchboard(&["snapshot", "--demo", "--scenario", scenario, "--format", "json"]);
        assert_eq!(out.status.code(), Some(2), "{scenario}: {}", String::from_utf8_lossy(&out.stderr));
        let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
        assert_eq!(v["health"], "crit", "{scenario}");
        let r = v["panes"][pane]["rows"]
            .as_array()
            .and_then(|rows| rows.iter().find(|r| r["name"] == row))
            .unwrap_or_else(|| panic!("{scenario}: no row {row} in {pane}: {}", v["panes"][pane]));
        assert_eq!(
            (r["health"].as_str(), r["reason"].as_str()),
            (Some("crit"), Some(reason)),
            "{scenario}: {r}"
        );
    }
    // The effects in the built-in sections: the lookup times out, the App API fails.
    let out = switchboard(&["snapshot", "--demo", "--scenario", "crm-outage", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let lookup =
        v["lambda"].as_array().unwrap().iter().find(|f| f["name"] == "connect-lookup-customer").unwrap();
    assert_eq!(lookup["health"], "crit", "{lookup}");
    let out = switchboard(&["snapshot", "--demo", "--scenario", "rds-storage-full", "--format", "json"]);
    let v: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let api = v["panes"]["apigw"]["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["name"] == "nextalk-app-api")
        .unwrap();
    assert_eq!(api["health"], "crit", "{api}");
}

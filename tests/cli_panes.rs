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
    assert!(String::from_utf8_lossy(&none.stdout).starts_with("No data-defined panes"));
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
    assert_eq!(names, ["pega-prod", "pega-uat"], "the glob's demo rows");
    for r in rows {
        assert_eq!(r["health"], "ok", "{r}");
        assert_eq!(r["5xx"], 0.0, "calm: no 5xx, the warn limit is 0: {r}");
        let p99 = r["p99"].as_f64().expect("a p99 figure");
        assert!((340.0..=460.0).contains(&p99), "about 40 % of the 1 s warn limit: {r}");
    }
    // Without [[panes]] there is no such key at all.
    let plain = switchboard(&["snapshot", "--demo", "--format", "json"]);
    let v: Value = serde_json::from_slice(&plain.stdout).expect("JSON");
    assert!(v.get("panes").is_none());
}

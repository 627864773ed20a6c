//! Dependencies point one way. Every file in `src/` is read, comments dropped, and each
//! `crate::room` it names (in `use` lines and in paths like `crate::ui::draw(…)`, grouped
//! imports `use crate::{a, b}` too, and `super::` chains that climb out of their room) must be
//! in a room at or below its own. A few outside crates are held to their rooms as well. A new
//! top-level module fails here until it is given a place in `ROOMS`.
//!
//! The rooms, lowest first (a room may use its own rank and any rank below):
//!
//! | rank | rooms                                  | what lives there                              |
//! |------|----------------------------------------|-----------------------------------------------|
//! | 0    | model, file_error, sanitize            | plain data and pure functions                 |
//! | 1    | source                                 | the outside world behind traits               |
//! | 2    | config, keymap, theme, logview         | files people edit; the log view's model       |
//! | 3    | runbook, audit, headless, report,      | procedures, their records, headless runs and  |
//! |      | incident, notify                       | their reports, incidents, notifications       |
//! | 4    | app                                    | state, messages, update, panes, geometry      |
//! | 5    | ui                                     | drawing from `&State`                         |
//! | 6    | console, safe_terminal                 | tokio tasks, the event loop, the terminal     |
//! | 7    | cli (and main.rs)                      | commands and their wiring                     |
//!
//! The flow is model → source/runbook → app → ui → console → cli; the files people
//! edit sit under runbook because runbook files are loaded the same way (and keymaps name
//! nothing above them), and audit sits with runbook because a headless run writes its records.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

const ROOMS: &[(&str, u8)] = &[
    ("model", 0),
    ("file_error", 0),
    ("sanitize", 0),
    ("source", 1),
    ("config", 2),
    ("keymap", 2),
    ("theme", 2),
    ("logview", 2),
    ("runbook", 3),
    ("audit", 3),
    ("headless", 3),
    ("report", 3),
    ("incident", 3),
    ("notify", 3),
    ("app", 4),
    ("ui", 5),
    ("console", 6),
    ("safe_terminal", 6),
    ("cli", 7),
    ("main", 7),
];

/// Outside crates a room must not name: `app` is pure state (geometry from ratatui's
/// `layout` module only), `model` is plain data, `ui` draws and awaits nothing, and AWS SDK
/// types never leave `source/aws`.
fn forbidden_crates(file: &Path, room: &str) -> Vec<&'static str> {
    let mut out = Vec::new();
    match room {
        "model" => out.extend(["tokio::", "crossterm::", "ratatui::"]),
        "app" => {
            out.extend(["tokio::", "crossterm::", "ratatui::backend", "ratatui::widgets", "ratatui::Frame"])
        }
        "ui" => out.push("tokio::"),
        _ => {}
    }
    if !file.starts_with(src().join("source/aws")) {
        out.extend(["aws_sdk_", "aws_config::", "aws_smithy_", "aws_types::"]);
    }
    out
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rank(room: &str) -> Option<u8> {
    ROOMS.iter().find(|(r, _)| *r == room).map(|(_, n)| *n)
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module path of a file: `src/app/tests/log.rs` → `[app, tests, log]`, `src/app/mod.rs`
/// → `[app]`, `src/lib.rs` → `[]`.
fn module_path(file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src()).unwrap_or(file);
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" && stem != "lib" {
            parts.push(stem);
        }
    }
    parts
}

/// The code without `//` comments (doc comments name other rooms freely).
fn code(text: &str) -> String {
    text.lines().map(|l| l.find("//").map_or(l, |i| &l[..i])).collect::<Vec<_>>().join("\n")
}

fn ident_at(s: &str) -> String {
    s.chars().take_while(|c| c.is_ascii_alphanumeric() || *c == '_').collect()
}

/// Every room a file's code names: `crate::x`, `crate::{x::…, y}`, and `super::` chains that
/// reach the crate root.
fn rooms_named(file: &Path, code: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        let before = rest[..i].chars().last();
        let after = &rest[i + "crate::".len()..];
        rest = after;
        // `switchboard_crate::` and the like are not `crate::`.
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = after.strip_prefix('{') {
            let mut depth = 1;
            let mut top = String::new();
            let mut names = Vec::new();
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
                if depth == 1 && c == ',' {
                    names.push(std::mem::take(&mut top));
                } else {
                    top.push(c);
                }
            }
            names.push(top);
            for n in names {
                let name = ident_at(n.trim());
                if !name.is_empty() {
                    out.push((name, format!("crate::{{{}…}}", n.trim())));
                }
            }
        } else {
            let name = ident_at(after);
            out.push((name.clone(), format!("crate::{name}")));
        }
    }
    let depth = module_path(file).len();
    let mut rest = code;
    while let Some(i) = rest.find("super::") {
        let before = rest[..i].chars().last();
        let mut tail = &rest[i..];
        rest = &rest[i + "super::".len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut climbs = 0;
        while let Some(t) = tail.strip_prefix("super::") {
            climbs += 1;
            tail = t;
        }
        // A file's own module is one level below its parent: `super` from `app::state` is
        // `app`; climbing to the root leaves the room.
        if climbs >= depth {
            let name = ident_at(tail);
            out.push((name.clone(), format!("{}{name}", "super::".repeat(climbs))));
        }
    }
    out
}

fn violations() -> Vec<String> {
    let mut files = Vec::new();
    rust_files(&src(), &mut files);
    files.sort();
    let mut problems = Vec::new();
    for file in &files {
        let path = module_path(file);
        let Some(room) = path.first().cloned() else { continue }; // lib.rs declares the rooms
        let rel = file.strip_prefix(src()).unwrap_or(file).display().to_string();
        let Some(own) = rank(&room) else {
            problems.push(format!("src/{rel}: room `{room}` has no place in the layering table"));
            continue;
        };
        let Ok(text) = std::fs::read_to_string(file) else {
            problems.push(format!("src/{rel}: cannot be read"));
            continue;
        };
        let code = code(&text);
        let mut seen = BTreeMap::new();
        for (name, how) in rooms_named(file, &code) {
            if name == room || name.is_empty() {
                continue;
            }
            // `super::` chains are counted from the file's module, but an inline `mod tests`
            // adds a level: a name they reach counts only when it is a room.
            let from_super = how.starts_with("super::");
            match rank(&name) {
                None if from_super => {}
                Some(r) if r <= own => {}
                Some(r) => {
                    seen.entry(name.clone()).or_insert(format!(
                        "src/{rel}: `{room}` (rank {own}) uses `{how}` (rank {r}): a lower room imports a higher one"
                    ));
                }
                None => {
                    seen.entry(name.clone()).or_insert(format!(
                        "src/{rel}: `{how}` names a room that is not in the layering table"
                    ));
                }
            }
        }
        problems.extend(seen.into_values());
        for krate in forbidden_crates(file, &room) {
            if code.contains(krate) {
                problems.push(format!("src/{rel}: `{room}` must not use `{krate}`"));
            }
        }
    }
    problems
}

#[test]
fn no_module_imports_a_layer_above_it() {
    let problems = violations();
    assert!(problems.is_empty(), "layering broken:\n  {}", problems.join("\n  "));
}

#[test]
fn the_scanner_sees_every_way_of_naming_a_room() {
    let file = src().join("app/state.rs");
    let code = code(
        "use crate::ui::draw;\nuse crate::{model::X, console::{tui, exec}};\nlet a = crate::cli::run();\n\
         // crate::console in a comment is fine\nuse super::super::cli::Thing;\nuse super::rows;",
    );
    let names: Vec<String> = rooms_named(&file, &code).into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["ui", "model", "console", "cli", "cli"]);
}

#[test]
fn every_room_of_the_crate_is_placed() {
    // lib.rs's `pub mod` lines are the rooms; each needs a rank.
    let lib = std::fs::read_to_string(src().join("lib.rs")).unwrap_or_default();
    let rooms: Vec<&str> = lib
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub mod "))
        .map(|l| l.trim_end_matches(';'))
        .collect();
    assert!(rooms.len() > 10, "lib.rs lists the rooms: {rooms:?}");
    for r in rooms {
        assert!(rank(r).is_some(), "`{r}` has no place in the layering table");
    }
}

//! Issue 11, item 16: properties that must hold for any input, checked on generated input.
//! - Rendered PowerShell keeps every value inside a single-quoted literal.
//! - The sanitiser's output holds no control, bidi or zero-width character.
//! - The config, keymap, theme and runbook parsers never panic, whatever the bytes.

use proptest::prelude::*;
use std::path::Path;
use switchboard::config::Config;
use switchboard::keymap::Keymap;
use switchboard::runbook::{self, Origin};
use switchboard::sanitize::{escape_field, json_safe, sanitize_line, sanitize_one_line, sanitize_text};
use switchboard::source::RemoteAction;
use switchboard::source::powershell::{RenderContext, quote, render};
use switchboard::theme::Theme;

/// The characters PowerShell's tokenizer reads as a single quote: `'` and its typographic
/// look-alikes (PowerShell accepts U+2018, U+2019, U+201A, U+201B as quotes too).
fn is_ps_single_quote(c: char) -> bool {
    matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}')
}

/// Splits a script the way PowerShell's tokenizer sees single-quoted literals: the code
/// outside them (each literal replaced by `'…'`) and the literals' contents (`''` read as one
/// quote). An unterminated literal is an error: the value would have escaped.
fn lex(script: &str) -> Result<(String, Vec<String>), String> {
    let mut code = String::new();
    let mut literals = Vec::new();
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        if !is_ps_single_quote(c) {
            code.push(c);
            continue;
        }
        let mut lit = String::new();
        loop {
            match chars.next() {
                None => return Err(format!("unterminated literal in {script:?}")),
                Some(q) if is_ps_single_quote(q) => {
                    if chars.peek().is_some_and(|n| is_ps_single_quote(*n)) {
                        chars.next();
                        lit.push(q);
                    } else {
                        break;
                    }
                }
                Some(other) => lit.push(other),
            }
        }
        code.push_str("'…'");
        literals.push(lit);
    }
    Ok((code, literals))
}

/// A value safe by construction, to render the template with.
const PLACEHOLDER: &str = "PLACEHOLDER0";

/// Strings worth trying: anything at all, the allowlists' own alphabets (so many are
/// accepted and rendered), and the alphabets salted with what breaks out of literals.
fn values() -> impl Strategy<Value = String> {
    prop_oneof![
        1 => any::<String>(),
        1 => "[A-Za-z0-9 ._-]{1,40}",
        1 => "[A-Za-z0-9.:-]{1,40}",
        1 => "[A-Za-z0-9 ._'$()`;|&*\\-\u{2018}\u{2019}\u{201A}\u{201B}\u{201C}\u{2028}\n\r]{1,40}",
        // Allowlisted text with one character that ends a literal or starts code in it: what
        // a loosened allowlist or a broken quote would let through.
        4 => "[A-Za-z][A-Za-z0-9 ._-]{0,12}['`;|&*\u{2018}\u{2019}\u{201A}\u{201B}\u{201C}\n]([A-Za-z0-9._-]|\\$\\(){0,12}",
    ]
}

fn actions(v: &str) -> Vec<(RemoteAction, RenderContext)> {
    let ctx = || RenderContext { log_dir: r"C:\ProgramData\NexTalk\Logs".into() };
    vec![
        (RemoteAction::RestartService { service: v.to_string() }, ctx()),
        (RemoteAction::QueryServices { services: vec!["NexTalk App API".into(), v.to_string()] }, ctx()),
        (RemoteAction::ResolveDns { name: v.to_string() }, ctx()),
        (RemoteAction::TestTcp { host: v.to_string(), port: 443 }, ctx()),
        (RemoteAction::TailLog { lines: 50 }, RenderContext { log_dir: format!("C:\\{v}") }),
        (RemoteAction::ReadCounter { counter: format!("\\NexTalk\\{v}") }, ctx()),
    ]
}

fn with_value(action: &RemoteAction, ctx: &RenderContext, v: &str) -> (RemoteAction, RenderContext) {
    let swap = |s: &String| if s == v { PLACEHOLDER.to_string() } else { s.clone() };
    let a = match action {
        RemoteAction::RestartService { service } => RemoteAction::RestartService { service: swap(service) },
        RemoteAction::QueryServices { services } => {
            RemoteAction::QueryServices { services: services.iter().map(swap).collect() }
        }
        RemoteAction::ResolveDns { name } => RemoteAction::ResolveDns { name: swap(name) },
        RemoteAction::TestTcp { host, port } => RemoteAction::TestTcp { host: swap(host), port: *port },
        RemoteAction::TailLog { lines } => RemoteAction::TailLog { lines: *lines },
        RemoteAction::ReadCounter { counter } => RemoteAction::ReadCounter {
            counter: if *counter == format!("\\NexTalk\\{v}") {
                format!("\\NexTalk\\{PLACEHOLDER}")
            } else {
                counter.clone()
            },
        },
        // AWS API calls render no script (`actions` lists none of them).
        RemoteAction::SetParameter { .. }
        | RemoteAction::UpdateTable { .. }
        | RemoteAction::UpdateShardCount { .. }
        | RemoteAction::ModifyDbStorage { .. } => action.clone(),
        RemoteAction::RoutingProfileQueue(_) => action.clone(),
    };
    let dir = format!("C:\\{v}");
    let log_dir = if ctx.log_dir == dir { format!("C:\\{PLACEHOLDER}") } else { ctx.log_dir.clone() };
    (a, RenderContext { log_dir })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    /// `quote` gives one literal whose content is exactly the value, with nothing outside it.
    #[test]
    fn a_quoted_value_is_one_literal_holding_exactly_the_value(v in values()) {
        if let Ok(lit) = quote("value", &v) {
            let (code, literals) = lex(&lit).map_err(TestCaseError::fail)?;
            prop_assert_eq!(code, "'…'");
            prop_assert_eq!(literals, vec![v.clone()]);
        }
    }

    /// Rendered with any value, a script is the template rendered with a harmless value: the
    /// same code outside the literals, and the value only ever inside one.
    #[test]
    fn rendered_powershell_keeps_every_value_inside_a_literal(v in values()) {
        for (action, ctx) in actions(&v) {
            let Ok(lines) = render(&action, &ctx) else { continue };
            let (pa, pctx) = with_value(&action, &ctx, &v);
            let template = render(&pa, &pctx).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let script = lines.join("\n");
            let (code, literals) = lex(&script).map_err(TestCaseError::fail)?;
            let (t_code, t_literals) = lex(&template.join("\n")).map_err(TestCaseError::fail)?;
            prop_assert_eq!(&code, &t_code, "{:?} changed the code outside literals", v);
            prop_assert_eq!(lines.len(), template.len(), "{:?} added a line", v);
            let expected: Vec<String> =
                t_literals.iter().map(|l| l.replace(PLACEHOLDER, &v)).collect();
            prop_assert_eq!(literals, expected);
        }
    }

    #[test]
    fn sanitised_bytes_hold_nothing_a_terminal_acts_on(bytes in hostile_bytes()) {
        let out = sanitize_line(&bytes);
        prop_assert!(out.chars().all(|c| !switchboard::sanitize::is_unsafe(c)), "{:?}", out);
        prop_assert!(inert(&out), "{:?}", out);
    }

    #[test]
    fn sanitised_text_holds_nothing_a_terminal_acts_on(s in any::<String>(), salt in values(), bad in hostile_chars()) {
        let text = format!("{s}\u{1b}[{salt}{bad}{s}\u{200B}\n{salt}\u{9b}{bad}");
        for out in [sanitize_text(&text), escape_field(&text)] {
            prop_assert!(out.split('\n').all(inert), "{:?}", out);
        }
        prop_assert!(inert(&sanitize_one_line(&text)));
        prop_assert!(!sanitize_one_line(&text).contains('\n'));
        prop_assert!(!escape_field(&text).contains('\n'));
    }

    /// JSON for the terminal keeps every value exactly and escapes what a terminal acts on.
    #[test]
    fn json_for_the_terminal_round_trips(s in any::<String>()) {
        let v = serde_json::json!({ "value": s });
        let text = serde_json::to_string(&v).unwrap();
        let safe = json_safe(&text);
        prop_assert!(safe.chars().all(inert_char), "{:?}", safe);
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        prop_assert_eq!(back, v);
    }

    #[test]
    fn the_config_parser_never_panics(bytes in mutated(CONFIG_SEEDS)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = Config::from_str(Path::new("c.toml"), &src);
    }

    #[test]
    fn the_keymap_parser_never_panics(bytes in mutated(KEYMAP_SEEDS)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = Keymap::from_str(Path::new("k.toml"), &src);
        // The override format is parsed by its own path.
        if let Ok(base) = Keymap::from_str(Path::new("default.toml"), KEYMAP_SEEDS[0]) {
            let _ = base.with_overrides(Path::new("keymap.toml"), &src);
        }
    }

    #[test]
    fn the_theme_parser_never_panics(bytes in mutated(THEME_SEEDS)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = Theme::from_str(Path::new("t.toml"), &src);
    }

    #[test]
    fn the_runbook_parser_never_panics(bytes in mutated(RUNBOOK_SEEDS)) {
        let src = String::from_utf8_lossy(&bytes);
        let _ = runbook::parse(Path::new("r.toml"), &src, Origin::User("r.toml".into()));
    }
}

/// Bytes the parsers are fed from disk: through the shared reader, which refuses what is not
/// UTF-8, then the parser. A few cases only: each writes a file.
#[test]
fn arbitrary_bytes_from_disk_are_refused_or_parsed_never_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    let mut runner =
        proptest::test_runner::TestRunner::new(ProptestConfig { cases: 64, ..Default::default() });
    runner
        .run(&proptest::collection::vec(any::<u8>(), 0..400), |bytes| {
            std::fs::write(&path, &bytes).unwrap();
            let _ = Config::load(&path);
            Ok(())
        })
        .unwrap();
}

/// Characters a terminal acts on or that hide text, as the issue lists them.
fn hostile_chars() -> impl Strategy<Value = String> {
    let chars: Vec<char> = "\u{1b}\u{7}\u{8}\r\u{7f}\u{85}\u{9b}\u{9d}\u{90}\u{202A}\u{202B}\u{202C}\u{202D}\u{202E}\u{2066}\u{2067}\u{2068}\u{2069}\u{200E}\u{200F}\u{061C}\u{200B}\u{200C}\u{200D}\u{2060}\u{FEFF}\u{2028}\u{2029}"
        .chars()
        .collect();
    proptest::collection::vec(proptest::sample::select(chars), 1..6).prop_map(|v| v.into_iter().collect())
}

/// Random bytes with hostile characters (UTF-8 encoded) and escape-sequence starts mixed in.
fn hostile_bytes() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..8),
            hostile_chars().prop_map(String::into_bytes),
            proptest::sample::select(vec![
                &b"\x1b["[..],
                b"\x1b]52;c;",
                b"\x1b]8;;",
                b"\x1bP",
                b"\x07",
                b"\x1b\\"
            ])
            .prop_map(<[u8]>::to_vec),
        ],
        0..30,
    )
    .prop_map(|parts| parts.concat())
}

fn inert_char(c: char) -> bool {
    !switchboard::sanitize::is_unsafe(c)
}

/// Also independent of `is_unsafe`: no C0, DEL or C1, no bidi, zero-width or separators.
fn inert(s: &str) -> bool {
    s.chars().all(|c| {
        !(c < ' '
            || ('\u{7f}'..='\u{9f}').contains(&c)
            || ('\u{202A}'..='\u{202E}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
            || ('\u{200B}'..='\u{200F}').contains(&c)
            || matches!(c, '\u{2060}' | '\u{061C}' | '\u{FEFF}' | '\u{2028}' | '\u{2029}'))
    })
}

const CONFIG_SEEDS: &[&str] = &[
    include_str!("../src/config/example.toml"),
    "[[nextalk.servers]]\nname = \"nt-a\"\ninstance_id = \"i-0123456789abcdef0\"\nports_capacity = 96\n\
     services = [\"NexTalk Chat Bridge\"]\nlog_dir = 'C:\\ProgramData\\NexTalk\\Logs'\n\
     [aws]\naccount_id = \"123456789012\"\n[aws.connect]\ninstance_id = \"aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee\"\n\
     [aws.ports]\nnamespace = \"NexTalk\"\nmetric = \"PortsInUse\"\ndimensions = { InstanceId = \"{instance_id}\" }\n\
     [thresholds.queue_oldest_contact_age_s]\nwarn = 30\n[ui]\nrefresh = \"2s\"\n",
];
const KEYMAP_SEEDS: &[&str] = &[include_str!("../keymaps/default.toml"), include_str!("../keymaps/vim.toml")];
const THEME_SEEDS: &[&str] =
    &[include_str!("../themes/dark.toml"), include_str!("../themes/high-contrast.toml")];
const RUNBOOK_SEEDS: &[&str] = &[
    include_str!("../runbooks/nextalk-connectivity.toml"),
    include_str!("../runbooks/failover-readiness.toml"),
    include_str!("../runbooks/high-latency.toml"),
];

/// One byte-level edit of a seed file.
#[derive(Debug, Clone)]
enum Edit {
    Insert(usize, Vec<u8>),
    Delete(usize, usize),
    Replace(usize, u8),
}

/// A seed file (valid, so the parser gets past the TOML syntax into its own checks) with a
/// few random edits, or plain random bytes.
fn mutated(seeds: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    let tokens: Vec<Vec<u8>> = [
        "\"",
        "'",
        "[",
        "]",
        "[[",
        "=",
        "\n",
        "{",
        "}",
        ",",
        "\\u0000",
        "\\",
        "\u{202E}",
        "\u{1b}",
        "-1",
        "1e400",
        "99999999999999999999",
        "nan",
        "\"\"\"",
        "#",
        ".",
        "true",
        "0x",
        "é",
        "\u{FFFF}",
    ]
    .iter()
    .map(|t| t.as_bytes().to_vec())
    .collect();
    let edit = prop_oneof![
        (any::<usize>(), proptest::sample::select(tokens)).prop_map(|(p, t)| Edit::Insert(p, t)),
        (any::<usize>(), proptest::collection::vec(any::<u8>(), 1..8)).prop_map(|(p, b)| Edit::Insert(p, b)),
        (any::<usize>(), 1usize..40).prop_map(|(p, n)| Edit::Delete(p, n)),
        (any::<usize>(), any::<u8>()).prop_map(|(p, b)| Edit::Replace(p, b)),
    ];
    prop_oneof![
        4 => (proptest::sample::select(seeds.to_vec()), proptest::collection::vec(edit, 1..6)).prop_map(
            |(seed, edits)| {
                let mut b = seed.as_bytes().to_vec();
                for e in edits {
                    match e {
                        Edit::Insert(p, t) => {
                            let p = p % (b.len() + 1);
                            b.splice(p..p, t);
                        }
                        Edit::Delete(p, n) if !b.is_empty() => {
                            let p = p % b.len();
                            let end = (p + n).min(b.len());
                            b.drain(p..end);
                        }
                        Edit::Delete(..) => {}
                        Edit::Replace(p, v) if !b.is_empty() => {
                            let p = p % b.len();
                            b[p] = v;
                        }
                        Edit::Replace(..) => {}
                    }
                }
                b
            }
        ),
        1 => proptest::collection::vec(any::<u8>(), 0..300),
    ]
}

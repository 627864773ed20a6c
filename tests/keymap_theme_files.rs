//! Keymap and theme files: the shipped ones, the fixtures (invalid ones fail with exactly the
//! text of their sibling `.expected` file; `SWITCHBOARD_BLESS=1` rewrites those for review),
//! and user files in a config directory overriding the shipped ones.

use crossterm::event::{KeyCode, KeyModifiers};
use ratatui::style::Color;
use std::path::{Path, PathBuf};
use switchboard::file_error::FileError;
use switchboard::keymap::{Action, Context, Key, Keymap, Resolution, parse_key};
use switchboard::theme::{Role, Theme};

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

/// Every fixture in `dir` must fail, with the text of its `.expected` file.
fn check_invalid(dir: &str, parse: impl Fn(&Path, &str) -> Result<(), FileError>) {
    let bless = blessing();
    let mut failures = Vec::new();
    for path in fixtures(dir) {
        let src = std::fs::read_to_string(&path).unwrap();
        let got = match parse(&path, &src) {
            Ok(()) => {
                failures.push(format!("{}: accepted, but should fail", path.display()));
                continue;
            }
            Err(e) => e.to_string(),
        };
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

fn key(text: &str) -> Key {
    parse_key(text).unwrap_or_else(|e| panic!("{e}"))
}

/// What a key sequence does in a context, typed one key at a time as the UI will.
fn press(map: &Keymap, context: Context, keys: &str) -> Resolution {
    let keys: Vec<Key> = keys.split_whitespace().map(key).collect();
    let (last, pending) = keys.split_last().expect("at least one key");
    for i in 0..pending.len() {
        assert_eq!(map.resolve(context, &pending[..i], pending[i]), Resolution::Prefix, "{keys:?}");
    }
    map.resolve(context, pending, *last)
}

fn user_dir(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
    dir
}

// ---- keymaps ----

#[test]
fn every_shipped_keymap_loads_and_binds_every_action() {
    let names: Vec<&str> = Keymap::shipped().map(|(n, _)| n).collect();
    assert_eq!(names, ["default", "vim"]);
    for name in names {
        let map = Keymap::load(name, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(map.name, name);
        // Read-only is one-way for the session, so it lives in the palette, not on a key.
        let unbound: Vec<&str> = Action::ALL
            .iter()
            .filter(|a| **a != Action::ReadOnly && !map.bindings.iter().any(|b| b.action == **a))
            .map(|a| a.name())
            .collect();
        assert!(unbound.is_empty(), "{name} leaves unbound: {unbound:?}");
        assert!(map.bindings.iter().all(|b| !b.description.is_empty()));
    }
}

#[test]
fn the_default_keymap_has_the_keys_of_the_product_spec() {
    let m = Keymap::load("default", None).unwrap();
    use Action::*;
    use Context::*;
    let expect = [
        (Global, "?", Help),
        (Global, "q", Quit),
        (Global, "Ctrl-c", Quit),
        (Global, "Esc", Back),
        (Global, "Tab", NextPane),
        (Global, "Shift-Tab", PrevPane),
        (Global, "1", PaneQueues),
        (Global, "2", PaneConnect),
        (Global, "3", PaneLambda),
        (Global, "4", PaneKinesis),
        (Global, "5", PaneDynamoDb),
        (Global, "6", PaneNexTalk),
        (Global, "a", PaneAlerts),
        (Global, "z", ZoomPane),
        (Global, ":", CommandPalette),
        (Global, "r", Refresh),
        (Global, "R", Runbooks),
        (Table, "j", Down),
        (Table, "Down", Down),
        (Table, "k", Up),
        (Table, "Up", Up),
        (Table, "PgUp", PageUp),
        (Table, "PgDn", PageDown),
        (Table, "g", Top),
        (Table, "Home", Top),
        (Table, "G", Bottom),
        (Table, "End", Bottom),
        (Table, "Enter", Detail),
        (Table, "/", Filter),
        (Table, "s", CycleSort),
        (Table, "Ctrl-r", RestartService),
        (Table, "l", OpenLog),
        (Table, "q", Quit), // from [global]
        (Popup, "Enter", Confirm),
        (Popup, "Esc", Cancel),
        (Popup, "Tab", NextChoice),
        (Popup, "Right", NextChoice),
        (Popup, "l", NextChoice),
        (Popup, "Shift-Tab", PrevChoice),
        (Popup, "Left", PrevChoice),
        (Popup, "h", PrevChoice),
        (Input, "Enter", FilterAccept),
        (Input, "Esc", FilterClear),
        (Log, "G", FollowLog),
        (Log, "End", FollowLog),
        (Log, "n", SearchNext),
        (Log, "N", SearchPrev),
        (Log, "w", ToggleWrap),
        (Log, "L", CycleLevel),
        (Log, "Ctrl-s", SaveLog),
        (Log, "/", Filter),
    ];
    for (ctx, keys, action) in expect {
        assert_eq!(press(&m, ctx, keys), Resolution::Action(action), "{keys} in {ctx:?}");
    }
    // Typing a filter never triggers a global key.
    assert_eq!(press(&m, Input, "q"), Resolution::Unbound);
    assert_eq!(m.hint(Table, RestartService).as_deref(), Some("Ctrl-r"));
}

#[test]
fn the_vim_keymap_adds_chords() {
    let m = Keymap::load("vim", None).unwrap();
    assert_eq!(press(&m, Context::Table, "g g"), Resolution::Action(Action::Top));
    assert_eq!(press(&m, Context::Log, "g g"), Resolution::Action(Action::Top));
    assert_eq!(press(&m, Context::Table, "Z Z"), Resolution::Action(Action::Quit));
    assert_eq!(press(&m, Context::Table, "Ctrl-d"), Resolution::Action(Action::PageDown));
    assert_eq!(press(&m, Context::Table, "Ctrl-u"), Resolution::Action(Action::PageUp));
    assert_eq!(press(&m, Context::Table, "Ctrl-f"), Resolution::Action(Action::PageDown));
    assert_eq!(press(&m, Context::Table, "Ctrl-b"), Resolution::Action(Action::PageUp));
    assert_eq!(press(&m, Context::Global, "Ctrl-w w"), Resolution::Action(Action::NextPane));
    assert_eq!(m.hint(Context::Table, Action::Top).as_deref(), Some("g g"));
}

#[test]
fn valid_keymap_fixtures_load() {
    for path in fixtures("keymaps/valid") {
        let src = std::fs::read_to_string(&path).unwrap();
        Keymap::from_str(&path, &src).unwrap_or_else(|e| panic!("{e}"));
    }
    let src = std::fs::read_to_string("tests/fixtures/keymaps/valid/all_forms.toml").unwrap();
    let m = Keymap::from_str(Path::new("all_forms.toml"), &src).unwrap();
    assert_eq!(m.name, "all_forms");
    let first = m.bindings_for(Context::Global).next().unwrap();
    assert_eq!(first.action, Action::Help, "prepend comes first");
    assert_eq!(press(&m, Context::Global, "Shift-Tab"), Resolution::Action(Action::PrevPane));
    assert_eq!(press(&m, Context::Global, "Alt-r"), Resolution::Action(Action::Refresh));
    assert_eq!(m.hint(Context::Global, Action::Quit).as_deref(), Some("Ctrl-c"));
    assert_eq!(m.bindings_for(Context::Global).nth(1).map(|b| b.description.as_str()), Some("Leave"));
}

#[test]
fn invalid_keymap_fixtures_fail_with_the_expected_message() {
    check_invalid("keymaps/invalid", |path, src| Keymap::from_str(path, src).map(drop));
}

#[test]
fn a_user_override_changes_one_binding_and_keeps_the_rest() {
    let shipped = Keymap::load("default", None).unwrap();
    let dir = user_dir(&[(
        "keymap.toml",
        "# sort on o instead of s; and q asks for help instead of quitting\n\
         [table]\nkeymap = [\n  { on = \"o\", run = \"sort.cycle\" },\n  { on = \"s\", run = \"none\" },\n]\n\
         [global]\nkeymap = [ { on = \"q\", run = \"help\", desc = \"Help, not quit\" } ]\n",
    )]);
    let m = Keymap::load("default", Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(press(&m, Context::Table, "o"), Resolution::Action(Action::CycleSort));
    assert_eq!(press(&m, Context::Table, "s"), Resolution::Unbound);
    assert_eq!(press(&m, Context::Global, "q"), Resolution::Action(Action::Help));
    assert_eq!(m.hint(Context::Global, Action::Quit).as_deref(), Some("Ctrl-c"));
    // Everything not mentioned is exactly as shipped.
    assert_eq!(m.bindings.len(), shipped.bindings.len());
    for b in &shipped.bindings {
        let keys = b.keys.iter().map(|k| switchboard::keymap::key_label(*k)).collect::<Vec<_>>().join(" ");
        if (b.context == Context::Table && keys == "s") || (b.context == Context::Global && keys == "q") {
            continue;
        }
        assert!(m.bindings.contains(b), "lost {keys} in {:?}", b.context);
    }
}

#[test]
fn an_override_that_would_hide_a_shipped_chord_says_how_to_fix_it() {
    let dir =
        user_dir(&[("keymap.toml", "[table]\nkeymap = [\n  { on = \"g\", run = \"row.bottom\" },\n]\n")]);
    let e = Keymap::load("vim", Some(dir.path())).unwrap_err();
    assert_eq!(e.path, dir.path().join("keymap.toml"));
    assert_eq!((e.line, e.col), (3, 3));
    assert!(e.message.contains("unbind it here with { on = [\"g\", \"g\"], run = \"none\" }"), "{e}");
    // Following the advice works.
    let dir = user_dir(&[(
        "keymap.toml",
        "[table]\nkeymap = [\n  { on = \"g\", run = \"row.bottom\" },\n  { on = [\"g\", \"g\"], run = \"none\" },\n]\n",
    )]);
    let m = Keymap::load("vim", Some(dir.path())).unwrap();
    assert_eq!(press(&m, Context::Table, "g"), Resolution::Action(Action::Bottom));
}

#[test]
fn user_keymaps_are_found_by_name_and_listed() {
    let dir = user_dir(&[
        ("keymaps/mine.toml", "[global]\nkeymap = [ { on = \"x\", run = \"quit\" } ]\n"),
        ("keymaps/notes.txt", "not a keymap"),
    ]);
    assert_eq!(Keymap::available_in(Some(dir.path())), ["default", "vim", "mine"]);
    let m = Keymap::load("mine", Some(dir.path())).unwrap();
    assert_eq!(press(&m, Context::Global, "x"), Resolution::Action(Action::Quit));
    assert_eq!(m.bindings.len(), 1);
    let e = Keymap::load("emacs", Some(dir.path())).unwrap_err();
    assert!(e.message.starts_with("unknown keymap \"emacs\" (available: default, vim, mine)"), "{e}");
    // A broken user file is reported at its own line.
    let dir =
        user_dir(&[("keymaps/default.toml", "[global]\nkeymap = [ { on = \"q\", run = \"exit\" } ]\n")]);
    let e = Keymap::load("default", Some(dir.path())).unwrap_err();
    assert_eq!((e.path, e.line, e.col), (dir.path().join("keymaps/default.toml"), 2, 30));
}

#[test]
fn typed_keys_match_written_keys() {
    // What crossterm reports for a press, against what the file says.
    let typed = |code, mods| Key::new(code, mods);
    assert_eq!(typed(KeyCode::Char('G'), KeyModifiers::SHIFT), key("G"));
    assert_eq!(typed(KeyCode::BackTab, KeyModifiers::SHIFT), key("Shift-Tab"));
    assert_eq!(typed(KeyCode::Char('?'), KeyModifiers::SHIFT), key("?"));
    assert_eq!(typed(KeyCode::Char('c'), KeyModifiers::CONTROL), key("C-c"));
}

// ---- themes ----

fn colours(t: &Theme, role: Role) -> (Option<Color>, Option<Color>) {
    let s = t.style(role);
    (s.fg, s.bg)
}

#[test]
fn every_shipped_theme_loads_and_defines_every_role() {
    let names: Vec<&str> = Theme::shipped().map(|(n, _)| n).collect();
    assert_eq!(names, ["dark", "light", "high-contrast", "colorblind"]);
    for name in names {
        let t = Theme::load(name, None).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.name, name);
        assert!(t.missing_roles().is_empty(), "{name} misses {:?}", t.missing_roles());
    }
}

#[test]
fn crit_stands_apart_from_warn_and_ok_in_every_theme() {
    for (name, _) in Theme::shipped() {
        let t = Theme::load(name, None).unwrap();
        let crit = colours(&t, Role::Crit);
        assert_ne!(crit, colours(&t, Role::Warn), "{name}: crit looks like warn");
        assert_ne!(crit, colours(&t, Role::Ok), "{name}: crit looks like ok");
        assert_ne!(colours(&t, Role::Warn), colours(&t, Role::Ok), "{name}: warn looks like ok");
        assert!(crit.0.is_some(), "{name}: crit has no colour of its own");
    }
}

#[test]
fn the_colorblind_theme_uses_okabe_ito_not_red_and_green() {
    let t = Theme::load("colorblind", None).unwrap();
    let okabe_ito = [
        Color::Rgb(0xE6, 0x9F, 0x00),
        Color::Rgb(0x56, 0xB4, 0xE9),
        Color::Rgb(0x00, 0x9E, 0x73),
        Color::Rgb(0xF0, 0xE4, 0x42),
        Color::Rgb(0x00, 0x72, 0xB2),
        Color::Rgb(0xD5, 0x5E, 0x00),
        Color::Rgb(0xCC, 0x79, 0xA7),
    ];
    assert_eq!(t.style(Role::Ok).fg, Some(okabe_ito[1]), "ok is sky blue");
    assert_eq!(t.style(Role::Warn).fg, Some(okabe_ito[0]), "warn is orange");
    assert_eq!(t.style(Role::Crit).bg, Some(okabe_ito[5]), "crit is a vermillion block");
    for role in Role::ALL {
        let s = t.style(*role);
        for c in [s.fg, s.bg].into_iter().flatten() {
            assert!(
                !matches!(c, Color::Red | Color::Green | Color::LightRed | Color::LightGreen),
                "{role:?}"
            );
        }
    }
}

#[test]
fn valid_theme_fixtures_load() {
    for path in fixtures("themes/valid") {
        let src = std::fs::read_to_string(&path).unwrap();
        Theme::from_str(&path, &src).unwrap_or_else(|e| panic!("{e}"));
    }
    let src = std::fs::read_to_string("tests/fixtures/themes/valid/extends_dark.toml").unwrap();
    let t = Theme::from_str(Path::new("extends_dark.toml"), &src).unwrap();
    let dark = Theme::load("dark", None).unwrap();
    assert_eq!(t.style(Role::Crit).bg, Some(Color::Red));
    assert_eq!(t.style(Role::Ok), dark.style(Role::Ok));
    assert!(t.missing_roles().is_empty());
}

#[test]
fn invalid_theme_fixtures_fail_with_the_expected_message() {
    check_invalid("themes/invalid", |path, src| Theme::from_str(path, src).map(drop));
}

#[test]
fn a_user_theme_overrides_a_shipped_one_by_name() {
    let shipped = Theme::load("dark", None).unwrap();
    let dir = user_dir(&[(
        "themes/dark.toml",
        "extends = \"dark\"\n[styles]\ncrit = { fg = \"black\", bg = \"#ff00ff\" }\n",
    )]);
    let t = Theme::load("dark", Some(dir.path())).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(t.style(Role::Crit).bg, Some(Color::Rgb(255, 0, 255)));
    assert_eq!(t.style(Role::Warn), shipped.style(Role::Warn));
    assert!(t.missing_roles().is_empty());
    // Without `extends`, the user's file is the whole theme.
    let dir = user_dir(&[("themes/light.toml", "[styles]\nok = { fg = \"blue\" }\n")]);
    let t = Theme::load("light", Some(dir.path())).unwrap();
    assert_eq!(t.style(Role::Ok).fg, Some(Color::Blue));
    assert_eq!(t.missing_roles().len(), Role::ALL.len() - 1);
}

#[test]
fn user_themes_extend_each_other_but_not_in_circles() {
    let dir = user_dir(&[
        ("themes/base.toml", "extends = \"colorblind\"\n[styles]\ntext = { fg = \"white\" }\n"),
        ("themes/mine.toml", "extends = \"base\"\n[styles]\nok = { fg = \"blue\" }\n"),
        ("themes/a.toml", "extends = \"b\"\n"),
        ("themes/b.toml", "\n\nextends = \"a\"\n"),
    ]);
    assert_eq!(
        Theme::available_in(Some(dir.path())),
        ["dark", "light", "high-contrast", "colorblind", "a", "b", "base", "mine"]
    );
    let t = Theme::load("mine", Some(dir.path())).unwrap();
    assert_eq!(t.style(Role::Text).fg, Some(Color::White));
    assert_eq!(t.style(Role::Ok).fg, Some(Color::Blue));
    assert_eq!(t.style(Role::Warn).fg, Some(Color::Rgb(0xE6, 0x9F, 0x00)));
    let e = Theme::load("a", Some(dir.path())).unwrap_err();
    assert_eq!(e.path, dir.path().join("themes/b.toml"));
    assert_eq!((e.line, e.col), (3, 11));
    assert_eq!(e.message, "themes extend each other in a circle: a → b → a");
}

#[test]
fn no_color_gives_the_plain_theme_but_still_reports_broken_files() {
    assert_eq!(Theme::resolve("high-contrast", None, true).unwrap(), Theme::plain());
    assert_eq!(Theme::resolve("high-contrast", None, false).unwrap().name, "high-contrast");
    let dir = user_dir(&[("themes/dark.toml", "[styles]\nok = { fg = \"greeen\" }\n")]);
    let e = Theme::resolve("dark", Some(dir.path()), true).unwrap_err();
    assert_eq!((e.line, e.col), (2, 13));
    let e = Theme::resolve("nope", None, true).unwrap_err();
    assert!(
        e.message.starts_with("unknown theme \"nope\" (available: dark, light, high-contrast, colorblind)")
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

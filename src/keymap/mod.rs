//! Keymaps: which key sequence runs which action in which context. Shipped keymaps live in
//! `keymaps/*.toml` (embedded); a user file in the config directory overrides or adds single
//! bindings.

pub mod action;
mod file;
mod key_syntax;
mod load;
mod merge;

pub use action::Action;
pub use key_syntax::{keys_label, parse_key};
pub use load::OVERRIDE_FILE;

use crossterm::event::KeyEvent;
/// A key's code and modifiers are crossterm's plain data types (no terminal I/O in them);
/// named through the keymap so `app` speaks of keys, never of the terminal library.
pub use crossterm::event::{KeyCode, KeyModifiers};

/// Where a key is pressed. A lookup tries the most specific context first, then `Global`
/// (except in text input, where printable keys are text).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Context {
    Global,
    Table,
    Popup,
    Input,
    Log,
}

impl Context {
    pub const ALL: [Context; 5] =
        [Context::Global, Context::Table, Context::Popup, Context::Input, Context::Log];

    pub fn name(self) -> &'static str {
        match self {
            Context::Global => "global",
            Context::Table => "table",
            Context::Popup => "popup",
            Context::Input => "input",
            Context::Log => "log",
        }
    }

    pub fn from_name(name: &str) -> Option<Context> {
        Context::ALL.iter().copied().find(|c| c.name() == name)
    }
}

/// One key press, normalised so `Shift-Tab`, `BackTab` and `S-tab` compare equal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Key {
    pub code: KeyCode,
    pub mods: KeyModifiers,
}

impl Key {
    pub fn new(code: KeyCode, mods: KeyModifiers) -> Self {
        let (code, mods) = match code {
            KeyCode::BackTab => (KeyCode::Tab, mods | KeyModifiers::SHIFT),
            // Shift is already in the character for printable keys.
            KeyCode::Char(c) => (KeyCode::Char(c), mods - KeyModifiers::SHIFT),
            other => (other, mods),
        };
        Key { code, mods }
    }
}

impl From<KeyEvent> for Key {
    fn from(e: KeyEvent) -> Self {
        Key::new(e.code, e.modifiers)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub context: Context,
    /// One key, or a chord of several pressed in turn (`g g`).
    pub keys: Vec<Key>,
    pub action: Action,
    pub description: String,
}

/// What a key press means given the keys pressed before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resolution {
    Action(Action),
    /// The keys so far start a chord: wait for the next key.
    Prefix,
    Unbound,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Keymap {
    pub name: String,
    pub bindings: Vec<Binding>,
}

impl Keymap {
    /// Resolves `pending` + `key` in `context`, falling back to `Global` (not for `Input`,
    /// where unbound keys are text).
    pub fn resolve(&self, context: Context, pending: &[Key], key: Key) -> Resolution {
        let mut seq: Vec<Key> = pending.to_vec();
        seq.push(key);
        let contexts: &[Context] = match context {
            Context::Global => &[Context::Global],
            Context::Input => &[Context::Input],
            _ => &[context, Context::Global],
        };
        for ctx in contexts {
            let mut prefix = false;
            for b in self.bindings.iter().filter(|b| b.context == *ctx) {
                if b.keys == seq {
                    return Resolution::Action(b.action);
                }
                if b.keys.len() > seq.len() && b.keys[..seq.len()] == seq[..] {
                    prefix = true;
                }
            }
            if prefix {
                return Resolution::Prefix;
            }
        }
        Resolution::Unbound
    }

    /// Bindings of one context, in file order, for the help overlay.
    pub fn bindings_for(&self, context: Context) -> impl Iterator<Item = &Binding> {
        self.bindings.iter().filter(move |b| b.context == context)
    }

    /// The first key sequence bound to `action` in `context`, as text (`Ctrl-r`), for hints.
    pub fn hint(&self, context: Context, action: Action) -> Option<String> {
        self.bindings.iter().find(|b| b.context == context && b.action == action).map(|b| keys_label(&b.keys))
    }
}

/// A key as people write it: `q`, `Ctrl-c`, `Shift-Tab`, `PgDn`, `F5`.
pub fn key_label(k: Key) -> String {
    let base = match k.code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::Delete => "Del".into(),
        KeyCode::Insert => "Ins".into(),
        KeyCode::Up => "Up".into(),
        KeyCode::Down => "Down".into(),
        KeyCode::Left => "Left".into(),
        KeyCode::Right => "Right".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::F(n) => format!("F{n}"),
        other => format!("{other:?}"),
    };
    let mut out = String::new();
    if k.mods.contains(KeyModifiers::CONTROL) {
        out.push_str("Ctrl-");
    }
    if k.mods.contains(KeyModifiers::ALT) {
        out.push_str("Alt-");
    }
    if k.mods.contains(KeyModifiers::SHIFT) {
        out.push_str("Shift-");
    }
    out.push_str(&base);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(c: char) -> Key {
        Key::new(KeyCode::Char(c), KeyModifiers::NONE)
    }

    fn map() -> Keymap {
        let b =
            |context, keys: Vec<Key>, action| Binding { context, keys, action, description: String::new() };
        Keymap {
            name: "t".into(),
            bindings: vec![
                b(Context::Global, vec![k('q')], Action::Quit),
                b(Context::Table, vec![k('g'), k('g')], Action::Top),
                b(Context::Table, vec![k('j')], Action::Down),
            ],
        }
    }

    #[test]
    fn chords_resolve_in_steps_and_fall_back_to_global() {
        let m = map();
        assert_eq!(m.resolve(Context::Table, &[], k('g')), Resolution::Prefix);
        assert_eq!(m.resolve(Context::Table, &[k('g')], k('g')), Resolution::Action(Action::Top));
        assert_eq!(m.resolve(Context::Table, &[], k('q')), Resolution::Action(Action::Quit));
        assert_eq!(m.resolve(Context::Input, &[], k('q')), Resolution::Unbound);
        assert_eq!(m.resolve(Context::Global, &[], k('j')), Resolution::Unbound);
    }

    #[test]
    fn shift_tab_and_backtab_are_one_key() {
        let a = Key::new(KeyCode::BackTab, KeyModifiers::SHIFT);
        let b = Key::new(KeyCode::Tab, KeyModifiers::SHIFT);
        assert_eq!(a, b);
        assert_eq!(key_label(a), "Shift-Tab");
        assert_eq!(key_label(Key::new(KeyCode::Char('R'), KeyModifiers::SHIFT)), "R");
        assert_eq!(key_label(Key::new(KeyCode::Char('r'), KeyModifiers::CONTROL)), "Ctrl-r");
    }
}

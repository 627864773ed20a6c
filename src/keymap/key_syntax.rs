//! Key names as people write them in keymap files: `q`, `Q`, `Ctrl-c`, `C-c`, `Alt-x`,
//! `Shift-Tab`, `PgDn`, `F5`, `Space`. The inverse of [`key_label`](super::key_label).

use super::Key;
use crossterm::event::{KeyCode, KeyModifiers};

/// Parses one key. The error is the message only; the caller knows where the key was written.
pub fn parse_key(text: &str) -> Result<Key, String> {
    if text.is_empty() {
        return Err("empty key".into());
    }
    let mut mods = KeyModifiers::NONE;
    let mut rest = text;
    // `Ctrl--` is Ctrl + `-`, and a lone `-` is the minus key, so a modifier needs something
    // after its dash.
    while let Some((prefix, after)) = rest.split_once('-') {
        let Some(m) = modifier(prefix) else { break };
        if after.is_empty() {
            break;
        }
        mods |= m;
        rest = after;
    }
    let code = base_key(rest).ok_or_else(|| {
        format!(
            "unknown key {text:?} (write a single character, or Enter, Esc, Tab, Space, Backspace, Del, \
             Ins, Up, Down, Left, Right, PgUp, PgDn, Home, End, F1-F12, with optional Ctrl-, Alt-, Shift-)"
        )
    })?;
    let (code, mods) = match code {
        KeyCode::BackTab => (KeyCode::Tab, mods | KeyModifiers::SHIFT),
        // Terminals report Shift-a as `A`; `Shift-1` has no portable meaning (it depends on the
        // keyboard layout), so people write the character they get.
        KeyCode::Char(c) if mods.contains(KeyModifiers::SHIFT) => {
            if c.is_ascii_lowercase() {
                (KeyCode::Char(c.to_ascii_uppercase()), mods - KeyModifiers::SHIFT)
            } else if c.is_uppercase() {
                (KeyCode::Char(c), mods - KeyModifiers::SHIFT)
            } else {
                return Err(format!(
                    "{text:?}: write the shifted character itself (e.g. `!`, not `Shift-1`)"
                ));
            }
        }
        other => (other, mods),
    };
    Ok(Key::new(code, mods))
}

fn modifier(name: &str) -> Option<KeyModifiers> {
    match name.to_ascii_lowercase().as_str() {
        "ctrl" | "control" | "c" => Some(KeyModifiers::CONTROL),
        "alt" | "meta" | "a" | "m" => Some(KeyModifiers::ALT),
        "shift" | "s" => Some(KeyModifiers::SHIFT),
        _ => None,
    }
}

fn base_key(name: &str) -> Option<KeyCode> {
    let mut chars = name.chars();
    if let (Some(c), None) = (chars.next(), chars.next()) {
        return Some(KeyCode::Char(c));
    }
    let lower = name.to_ascii_lowercase();
    let code = match lower.as_str() {
        "enter" | "return" | "cr" => KeyCode::Enter,
        "esc" | "escape" => KeyCode::Esc,
        "tab" => KeyCode::Tab,
        "backtab" => KeyCode::BackTab,
        "space" => KeyCode::Char(' '),
        "backspace" | "bs" => KeyCode::Backspace,
        "del" | "delete" => KeyCode::Delete,
        "ins" | "insert" => KeyCode::Insert,
        "up" => KeyCode::Up,
        "down" => KeyCode::Down,
        "left" => KeyCode::Left,
        "right" => KeyCode::Right,
        "pgup" | "pageup" => KeyCode::PageUp,
        "pgdn" | "pgdown" | "pagedown" => KeyCode::PageDown,
        "home" => KeyCode::Home,
        "end" => KeyCode::End,
        _ => {
            let n: u8 = lower.strip_prefix('f')?.parse().ok()?;
            if !(1..=12).contains(&n) {
                return None;
            }
            KeyCode::F(n)
        }
    };
    Some(code)
}

/// A key sequence as text, the way messages and hints show it: `g g`, `Ctrl-r`.
pub fn keys_label(keys: &[Key]) -> String {
    keys.iter().map(|k| super::key_label(*k)).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> Key {
        Key::new(code, mods)
    }

    #[test]
    fn spellings_of_the_same_key_agree() {
        let ctrl_c = key(KeyCode::Char('c'), KeyModifiers::CONTROL);
        assert_eq!(parse_key("Ctrl-c"), Ok(ctrl_c));
        assert_eq!(parse_key("C-c"), Ok(ctrl_c));
        assert_eq!(parse_key("ctrl-c"), Ok(ctrl_c));
        let back = key(KeyCode::Tab, KeyModifiers::SHIFT);
        assert_eq!(parse_key("Shift-Tab"), Ok(back));
        assert_eq!(parse_key("BackTab"), Ok(back));
        assert_eq!(parse_key("S-Tab"), Ok(back));
        assert_eq!(parse_key("Shift-g"), parse_key("G"));
        assert_eq!(parse_key("Space"), Ok(key(KeyCode::Char(' '), KeyModifiers::NONE)));
        assert_eq!(parse_key("PageDown"), parse_key("PgDn"));
    }

    #[test]
    fn punctuation_and_dashes_are_keys() {
        for c in ['/', '?', ':', '-', 'q', 'Q', '1'] {
            assert_eq!(parse_key(&c.to_string()), Ok(key(KeyCode::Char(c), KeyModifiers::NONE)));
        }
        assert_eq!(parse_key("Ctrl--"), Ok(key(KeyCode::Char('-'), KeyModifiers::CONTROL)));
        assert_eq!(parse_key("Alt-x"), Ok(key(KeyCode::Char('x'), KeyModifiers::ALT)));
        assert_eq!(parse_key("F12"), Ok(key(KeyCode::F(12), KeyModifiers::NONE)));
    }

    #[test]
    fn malformed_keys_are_refused() {
        for bad in ["", "F13", "F0", "Ctrl-", "Hyper-x", "Entr", "Shift-1", "qq"] {
            assert!(parse_key(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn labels_parse_back_to_the_same_key() {
        let codes = [
            KeyCode::Char('a'),
            KeyCode::Char('G'),
            KeyCode::Char(' '),
            KeyCode::Char('/'),
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Tab,
            KeyCode::Backspace,
            KeyCode::Delete,
            KeyCode::Insert,
            KeyCode::Up,
            KeyCode::PageDown,
            KeyCode::Home,
            KeyCode::F(5),
        ];
        let mods = [KeyModifiers::NONE, KeyModifiers::CONTROL, KeyModifiers::ALT, KeyModifiers::SHIFT];
        for code in codes {
            for m in mods {
                let k = key(code, m);
                let label = crate::keymap::key_label(k);
                assert_eq!(parse_key(&label), Ok(k), "{label}");
            }
        }
    }
}

//! The `:` command palette: `:theme NAME`, `:pane NAME`, `:sort KEY`, `:readonly`, `:quit`…

use crate::app::msg::Effect;
use crate::app::panes::SortKey;
use crate::app::state::{Message, Popup, State};
use crate::app::update::{focus, refresh, set_read_only, toggle_help};

/// One line for the help overlay and error messages.
pub const COMMANDS: &str =
    ":theme NAME  :pane NAME  :sort KEY  :readonly  :audit  :runbooks  :mouse  :refresh  :help  :quit";

/// Runs one command line; the error is shown in the status line.
pub fn run(state: &mut State, line: &str, fx: &mut Vec<Effect>) -> Result<(), String> {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else { return Ok(()) };
    let arg = words.next();
    if let Some(extra) = words.next() {
        return Err(format!(":{cmd}: unexpected '{extra}'"));
    }
    match (cmd, arg) {
        ("q" | "q!" | "quit" | "qa", None) => fx.push(Effect::Quit),
        ("theme", Some(name)) => fx.push(Effect::SetTheme(name.to_string())),
        ("theme", None) => return Err(format!(":theme needs a name (now: {})", state.theme_name)),
        ("pane", Some(name)) => match state.pane_named(name) {
            Some(p) => focus(state, p),
            None => {
                let keys: Vec<&str> = state.panes.iter().map(|p| p.key.as_str()).collect();
                return Err(format!(":pane: no pane '{name}' ({})", keys.join(", ")));
            }
        },
        ("pane", None) => return Err(":pane needs a name".into()),
        ("sort", Some(key)) => sort(state, key)?,
        ("sort", None) => return Err(":sort needs a key".into()),
        ("readonly" | "ro", None) => set_read_only(state, fx),
        ("audit", None) => {
            state.popups.retain(|p| !matches!(p, Popup::Audit { .. }));
            state.popups.push(Popup::Audit { scroll: 0 });
        }
        ("runbooks" | "rb", None) => crate::app::guide::open(state),
        ("refresh", None) => refresh(state, fx),
        ("help", None) => toggle_help(state),
        ("mouse", arg) => {
            let on = match arg {
                None => !state.mouse,
                Some("on") => true,
                Some("off") => false,
                Some(other) => return Err(format!(":mouse: '{other}' is not on or off")),
            };
            state.mouse = on;
            fx.push(Effect::SetMouse(on));
        }
        // k9s habit: `:lambda` goes to the pane.
        (name, None) if state.pane_named(name).is_some() => {
            if let Some(p) = state.pane_named(name) {
                focus(state, p);
            }
        }
        (cmd, Some(_)) if is_known(state, cmd) => return Err(format!(":{cmd} takes no argument")),
        (cmd, _) => return Err(format!("unknown command :{cmd} ({COMMANDS})")),
    }
    Ok(())
}

fn is_known(state: &State, cmd: &str) -> bool {
    matches!(
        cmd,
        "q" | "q!" | "quit" | "qa" | "readonly" | "ro" | "refresh" | "help" | "audit" | "runbooks" | "rb"
    ) || state.pane_named(cmd).is_some()
}

fn sort(state: &mut State, key: &str) -> Result<(), String> {
    let pane = state.focus;
    let spec = state.pane(pane);
    let offered = spec.sort_keys.clone();
    let title = spec.title.clone();
    let names = || offered.iter().map(|k| k.name()).collect::<Vec<_>>().join(", ");
    if offered.is_empty() {
        return Err(format!(":sort: {title} has a fixed order"));
    }
    match SortKey::from_name(key).filter(|k| offered.contains(k)) {
        Some(k) => {
            state.table_mut(pane).sort = k;
            state.rebuild_rows(pane);
            state.message = Some(Message { text: format!("{title} sorted by {}", k.name()), error: false });
            Ok(())
        }
        None => Err(format!(":sort: {title} sorts by {}", names())),
    }
}

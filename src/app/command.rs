//! The `:` command palette: `:theme NAME`, `:pane NAME`, `:sort KEY`, `:readonly`, `:quit`…

use crate::app::msg::Effect;
use crate::app::panes::SortKey;
use crate::app::state::{Message, Popup, State};
use crate::app::update::{focus, refresh, set_read_only, toggle_help};

/// One line for the help overlay and error messages.
pub const COMMANDS: &str = ":theme NAME  :pane NAME  :sort KEY  :readonly  :audit  :runbooks  :flags  :incident  :note TEXT  :mitigate  :resolve  :export md|json|html  :mouse  :refresh  :help  :quit";

/// Runs one command line; the error is shown in the status line.
pub fn run(state: &mut State, line: &str, fx: &mut Vec<Effect>) -> Result<(), String> {
    // A note is free text: everything after the command.
    if let Some(text) = line.trim_start().strip_prefix("note").filter(|r| r.is_empty() || r.starts_with(' '))
    {
        return crate::app::incident::note(state, text, fx);
    }
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else { return Ok(()) };
    let arg = words.next();
    if let Some(extra) = words.next() {
        return Err(format!(":{cmd}: unexpected '{extra}'"));
    }
    match (cmd, arg) {
        ("q" | "q!" | "quit" | "qa", None) => fx.push(Effect::Quit),
        ("theme", Some(name)) => fx.push(Effect::SetTheme(name.to_string())),
        // Without an argument, the choices: a prompt that only says "needs a name" leaves the
        // engineer guessing.
        ("theme", None) => {
            let text = format!("themes: {} (now {}): :theme NAME", state.themes.join(", "), state.theme_name);
            state.message = Some(Message { text, error: false });
        }
        ("pane", Some(name)) => match state.pane_named(name) {
            Some(p) => focus(state, p),
            None => {
                let keys: Vec<&str> = state.panes.iter().map(|p| p.key.as_str()).collect();
                return Err(format!(":pane: no pane '{name}' ({})", keys.join(", ")));
            }
        },
        ("pane", None) => {
            let keys: Vec<&str> = state.panes.iter().map(|p| p.key.as_str()).collect();
            let text = format!("panes: {}: :pane NAME", keys.join(", "));
            state.message = Some(Message { text, error: false });
        }
        ("sort", Some(key)) => sort(state, key)?,
        ("sort", None) => sort_choices(state)?,
        ("readonly" | "ro", None) => set_read_only(state, fx),
        ("audit", None) => {
            state.popups.retain(|p| !matches!(p, Popup::Audit { .. }));
            state.popups.push(Popup::Audit { scroll: 0 });
        }
        ("runbooks" | "rb", None) => crate::app::guide::open(state),
        ("flags", None) => crate::app::flags::open(state),
        ("incident" | "inc", None) => crate::app::incident::open_or_declare(state),
        ("mitigate" | "mitigated", None) => {
            crate::app::incident::set_status(state, crate::incident::Status::Mitigated, fx)?
        }
        ("resolve" | "resolved", None) => {
            crate::app::incident::set_status(state, crate::incident::Status::Resolved, fx)?
        }
        ("export", Some(format)) => crate::app::incident::export(state, format, fx)?,
        ("export", None) => return Err(":export md|json|html: the open incident's report".into()),
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
        "q" | "q!"
            | "quit"
            | "qa"
            | "readonly"
            | "ro"
            | "refresh"
            | "help"
            | "audit"
            | "runbooks"
            | "rb"
            | "flags"
            | "incident"
            | "inc"
            | "mitigate"
            | "mitigated"
            | "resolve"
            | "resolved"
    ) || state.pane_named(cmd).is_some()
}

/// `:sort` alone: the orders the focused pane offers, and the one in use.
fn sort_choices(state: &mut State) -> Result<(), String> {
    let pane = state.focus;
    let spec = state.pane(pane);
    if spec.sort_keys.is_empty() {
        return Err(format!(":sort: {} has a fixed order", spec.title));
    }
    let names: Vec<&str> = spec.sort_keys.iter().map(|k| k.name()).collect();
    let now = state.table(pane).sort.name();
    let text = format!("{} sorts by {} (now {now}): :sort KEY", spec.title, names.join(", "));
    state.message = Some(Message { text, error: false });
    Ok(())
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

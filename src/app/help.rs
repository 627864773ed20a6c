//! What the `?` overlay lists: every binding of the active keymap, by context, as the keymap
//! spells it, then the commands. Here, not in `ui`, because `update` needs its length to
//! bound scrolling; `ui::help` draws it.

use crate::keymap::{Action, Context, Keymap, key_label};

/// One help entry: the keys (all bindings of the action in that context) and what they do.
pub struct Entry {
    pub keys: String,
    pub description: String,
}

/// The entries of each context that has bindings, in keymap order.
pub fn sections(keymap: &Keymap) -> Vec<(Context, Vec<Entry>)> {
    let mut out = Vec::new();
    for context in Context::ALL {
        let mut entries: Vec<(Action, Entry)> = Vec::new();
        for b in keymap.bindings_for(context) {
            let keys = b.keys.iter().map(|k| key_label(*k)).collect::<Vec<_>>().join(" ");
            match entries.iter_mut().find(|(a, _)| *a == b.action) {
                Some((_, e)) => {
                    e.keys.push_str(", ");
                    e.keys.push_str(&keys);
                }
                None => {
                    let description =
                        if b.description.is_empty() { b.action.description() } else { &b.description };
                    entries.push((b.action, Entry { keys, description: description.to_string() }));
                }
            }
        }
        if !entries.is_empty() {
            out.push((context, entries.into_iter().map(|(_, e)| e).collect()));
        }
    }
    out
}

/// How many lines the help has (for scrolling limits): each context's title, entries and a
/// blank line, then the commands' title and line.
pub fn line_count(keymap: &Keymap) -> usize {
    sections(keymap).iter().map(|(_, es)| es.len() + 2).sum::<usize>() + 2
}

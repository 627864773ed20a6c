//! Turning checked entries into a keymap: a base file (shipped or the user's own copy), then the
//! user's override file on top. Both refuse ambiguous keymaps: the same keys bound twice in one
//! context, or a key that is bound and also starts a chord (the chord could never be typed).

use super::file::{Entry, Place, Run};
use super::key_syntax::keys_label;
use super::{Binding, Context, Key, Keymap};
use crate::file_error::FileError;
use std::path::Path;

/// A binding and, when it came from the file being read, where.
struct Placed {
    binding: Binding,
    offset: Option<usize>,
}

/// Builds a keymap from a complete keymap file.
pub(crate) fn build(name: &str, path: &Path, src: &str, entries: Vec<Entry>) -> Result<Keymap, FileError> {
    let mut placed: Vec<Placed> = Vec::new();
    for e in entries {
        let Run::Bind(action) = e.run else {
            return Err(FileError::at(
                path,
                src,
                e.offset,
                "`run = \"none\"` removes a binding in the override file keymap.toml; \
                 in a keymap file leave the entry out",
            ));
        };
        check_conflicts(path, src, &placed, &e, name)?;
        let binding = Binding { context: e.context, keys: e.keys, action, description: e.description };
        placed.push(Placed { binding, offset: Some(e.offset) });
    }
    Ok(Keymap { name: name.to_string(), bindings: placed.into_iter().map(|p| p.binding).collect() })
}

/// Applies an override file: each entry replaces whatever the keymap binds to the same keys in
/// the same context (or removes it, for `run = "none"`); everything else stays.
pub(crate) fn apply_overrides(
    base: Keymap,
    path: &Path,
    src: &str,
    entries: Vec<Entry>,
) -> Result<Keymap, FileError> {
    for (i, e) in entries.iter().enumerate() {
        if let Some(first) = entries[..i].iter().find(|o| o.context == e.context && o.keys == e.keys) {
            return Err(twice(path, src, e, first.offset));
        }
    }
    let replaced = |b: &Binding| entries.iter().any(|e| e.context == b.context && e.keys == b.keys);
    let mut kept: Vec<Placed> = base
        .bindings
        .into_iter()
        .filter(|b| !replaced(b))
        .map(|binding| Placed { binding, offset: None })
        .collect();

    let mut front = Vec::new();
    let mut back = Vec::new();
    for e in entries {
        let Run::Bind(action) = e.run else { continue };
        let others: Vec<&Placed> = kept.iter().chain(&front).chain(&back).collect();
        check_conflicts_in(path, src, &others, &e, &base.name)?;
        let binding = Binding { context: e.context, keys: e.keys, action, description: e.description };
        let p = Placed { binding, offset: Some(e.offset) };
        match e.place {
            Place::Front => front.push(p),
            Place::Back => back.push(p),
        }
    }

    // Per context: the override's `prepend` entries, what is left of the base, then the rest.
    let mut bindings = Vec::new();
    for ctx in Context::ALL {
        for list in [&mut front, &mut kept, &mut back] {
            let (this, rest): (Vec<Placed>, Vec<Placed>) =
                std::mem::take(list).into_iter().partition(|p| p.binding.context == ctx);
            bindings.extend(this.into_iter().map(|p| p.binding));
            *list = rest;
        }
    }
    Ok(Keymap { name: base.name, bindings })
}

fn check_conflicts(
    path: &Path,
    src: &str,
    placed: &[Placed],
    e: &Entry,
    name: &str,
) -> Result<(), FileError> {
    let others: Vec<&Placed> = placed.iter().collect();
    check_conflicts_in(path, src, &others, e, name)
}

fn check_conflicts_in(
    path: &Path,
    src: &str,
    others: &[&Placed],
    e: &Entry,
    keymap_name: &str,
) -> Result<(), FileError> {
    for other in others.iter().filter(|o| o.binding.context == e.context) {
        let theirs = &other.binding.keys;
        if *theirs == e.keys {
            return Err(twice(path, src, e, other.offset.unwrap_or(e.offset)));
        }
        let (short, long) = if theirs.len() < e.keys.len() { (theirs, &e.keys) } else { (&e.keys, theirs) };
        if long.starts_with(short) {
            let where_ = match other.offset {
                Some(o) => format!("line {}", crate::file_error::line_col(src, o).0),
                None => format!(
                    "the {keymap_name:?} keymap, as {}; unbind it here with {{ on = {}, run = \"none\" }}",
                    other.binding.action.name(),
                    toml_keys(theirs)
                ),
            };
            return Err(FileError::at(
                path,
                src,
                e.offset,
                format!(
                    "`{}` in [{}] is both a key and the start of the chord `{}` ({where_}); \
                     the chord could never be typed",
                    keys_label(short),
                    e.context.name(),
                    keys_label(long),
                ),
            ));
        }
    }
    Ok(())
}

fn twice(path: &Path, src: &str, e: &Entry, first: usize) -> FileError {
    FileError::at(
        path,
        src,
        e.offset,
        format!(
            "`{}` is bound twice in [{}] (first at line {})",
            keys_label(&e.keys),
            e.context.name(),
            crate::file_error::line_col(src, first).0
        ),
    )
}

/// Keys as a TOML value a person can paste: `["g", "g"]`.
fn toml_keys(keys: &[Key]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("{:?}", super::key_label(*k))).collect();
    format!("[{}]", quoted.join(", "))
}

#[cfg(test)]
mod tests {
    use super::super::file::parse;
    use super::*;
    use crate::keymap::{Action, Resolution, key_syntax::parse_key};

    fn base() -> Keymap {
        let src = "[global]\nkeymap = [\n  { on = \"q\", run = \"quit\" },\n  { on = \"?\", run = \"help\" },\n]\n\
                   [table]\nkeymap = [\n  { on = \"j\", run = \"row.down\" },\n  { on = [\"g\", \"g\"], run = \"row.top\" },\n]\n";
        let p = Path::new("base.toml");
        build("base", p, src, parse(p, src).unwrap()).unwrap()
    }

    fn over(src: &str) -> Result<Keymap, FileError> {
        let p = Path::new("keymap.toml");
        apply_overrides(base(), p, src, parse(p, src)?)
    }

    fn key(s: &str) -> Key {
        parse_key(s).unwrap()
    }

    #[test]
    fn an_override_replaces_one_binding_and_keeps_the_rest() {
        let m = over("[global]\nkeymap = [ { on = \"q\", run = \"help\" } ]\n").unwrap();
        assert_eq!(m.resolve(Context::Global, &[], key("q")), Resolution::Action(Action::Help));
        assert_eq!(m.resolve(Context::Global, &[], key("?")), Resolution::Action(Action::Help));
        assert_eq!(m.resolve(Context::Table, &[key("g")], key("g")), Resolution::Action(Action::Top));
        assert_eq!(m.bindings.len(), 4);
    }

    #[test]
    fn none_unbinds_and_prepend_goes_first() {
        let m = over(
            "[table]\nkeymap = [ { on = \"g g\", run = \"none\" } ]\nprepend = [ { on = \"g\", run = \"row.top\" } ]\n",
        )
        .unwrap();
        assert_eq!(m.resolve(Context::Table, &[], key("g")), Resolution::Action(Action::Top));
        assert_eq!(m.bindings_for(Context::Table).next().map(|b| b.action), Some(Action::Top));
    }

    #[test]
    fn a_key_that_would_hide_a_shipped_chord_is_refused_with_the_fix() {
        let e = over("[table]\nkeymap = [ { on = \"g\", run = \"row.top\" } ]\n").unwrap_err();
        assert_eq!((e.line, e.col), (2, 12));
        assert!(e.message.contains("{ on = [\"g\", \"g\"], run = \"none\" }"), "{e}");
    }

    #[test]
    fn duplicates_and_prefixes_in_one_file_are_refused() {
        let p = Path::new("k.toml");
        let src = "[log]\nkeymap = [\n  { on = \"w\", run = \"log.wrap\" },\n  { on = \"w\", run = \"log.level\" },\n]\n";
        let e = build("k", p, src, parse(p, src).unwrap()).unwrap_err();
        assert_eq!(e.to_string(), "k.toml:4:3: `w` is bound twice in [log] (first at line 3)");
        let src = "[log]\nkeymap = [\n  { on = \"g g\", run = \"row.top\" },\n  { on = \"g\", run = \"log.level\" },\n]\n";
        let e = build("k", p, src, parse(p, src).unwrap()).unwrap_err();
        assert!(
            e.to_string().starts_with(
                "k.toml:4:3: `g` in [log] is both a key and the start of the chord `g g` (line 3)"
            ),
            "{e}"
        );
    }
}

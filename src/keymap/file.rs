//! The keymap file format (after yazi's): one table per context, each with a list of entries.
//!
//! ```toml
//! [table]
//! keymap = [
//!   { on = "j", run = "row.down" },
//!   { on = ["g", "g"], run = "row.top", desc = "First row" },
//! ]
//! ```
//!
//! `prepend` and `append` lists are accepted beside `keymap`: in an override file they decide
//! whether the new bindings come before or after the others in the help overlay.

use super::key_syntax::parse_key;
use super::{Action, Context, Key};
use crate::config::suggest;
use crate::file_error::FileError;
use serde::de::{self, IgnoredAny, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_spanned::Spanned;
use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;

/// Longer chords are hard to remember and only make a typo wait longer for a timeout.
pub(crate) const MAX_CHORD: usize = 4;

/// What an entry does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Run {
    Bind(Action),
    /// `run = "none"` (or `"unbind"`): in an override file, removes the binding of these keys.
    Unbind,
}

/// Where an override entry goes among the context's bindings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Place {
    Front,
    Back,
}

/// One entry, checked: keys parsed, action known.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub context: Context,
    pub keys: Vec<Key>,
    pub run: Run,
    pub description: String,
    pub place: Place,
    /// Byte offset of the entry in its file, for messages.
    pub offset: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    #[serde(default)]
    prepend: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    keymap: Vec<Spanned<RawEntry>>,
    #[serde(default)]
    append: Vec<Spanned<RawEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntry {
    on: Spanned<OnKeys>,
    run: Spanned<String>,
    #[serde(default)]
    desc: Option<String>,
}

/// `on = "q"`, `on = "g g"` or `on = ["g", "g"]`.
enum OnKeys {
    Text(String),
    List(Vec<Spanned<String>>),
}

impl<'de> Deserialize<'de> for OnKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct OnVisitor;
        impl<'de> Visitor<'de> for OnVisitor {
            type Value = OnKeys;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key like \"q\" or a list of keys like [\"g\", \"g\"]")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<OnKeys, E> {
                Ok(OnKeys::Text(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<OnKeys, A::Error> {
                let mut keys = Vec::new();
                while let Some(k) = seq.next_element::<Spanned<String>>()? {
                    keys.push(k);
                }
                Ok(OnKeys::List(keys))
            }
        }
        d.deserialize_any(OnVisitor)
    }
}

/// Parses and checks a keymap file: syntax, contexts, keys, actions. Conflicts between
/// entries are checked when the entries are combined into a keymap.
pub(crate) fn parse(path: &Path, src: &str) -> Result<Vec<Entry>, FileError> {
    // First only the table names, so an unknown context is reported as such rather than as
    // whatever is wrong inside it.
    let names: BTreeMap<Spanned<String>, IgnoredAny> =
        toml::from_str(src).map_err(|e| FileError::from_toml(path, src, &e))?;
    for name in names.keys() {
        if Context::from_name(name.get_ref()).is_none() {
            let known: Vec<&str> = Context::ALL.iter().map(|c| c.name()).collect();
            return Err(FileError::at_span(
                path,
                src,
                name.span(),
                format!("unknown context {:?} (contexts: {})", name.get_ref(), known.join(", ")),
            ));
        }
    }
    let layers: BTreeMap<Spanned<String>, RawLayer> =
        toml::from_str(src).map_err(|e| FileError::from_toml(path, src, &e))?;
    let mut layers: Vec<_> = layers.into_iter().collect();
    layers.sort_by_key(|(name, _)| name.span().start);

    let mut entries = Vec::new();
    for (name, layer) in layers {
        let Some(context) = Context::from_name(name.get_ref()) else { continue };
        let lists = [(layer.prepend, Place::Front), (layer.keymap, Place::Back), (layer.append, Place::Back)];
        for (list, place) in lists {
            for raw in list {
                entries.push(entry(path, src, context, place, raw)?);
            }
        }
    }
    Ok(entries)
}

fn entry(
    path: &Path,
    src: &str,
    context: Context,
    place: Place,
    raw: Spanned<RawEntry>,
) -> Result<Entry, FileError> {
    let offset = raw.span().start;
    let raw = raw.into_inner();
    let on_span = raw.on.span();
    let keys = match raw.on.into_inner() {
        OnKeys::Text(text) => text
            .split_whitespace()
            .map(|k| parse_key(k).map_err(|m| FileError::at_span(path, src, on_span.clone(), m)))
            .collect::<Result<Vec<_>, _>>()?,
        OnKeys::List(list) => list
            .iter()
            .map(|k| parse_key(k.get_ref()).map_err(|m| FileError::at_span(path, src, k.span(), m)))
            .collect::<Result<Vec<_>, _>>()?,
    };
    if keys.is_empty() {
        return Err(FileError::at_span(path, src, on_span, "no keys (write `Space` for the space bar)"));
    }
    if keys.len() > MAX_CHORD {
        return Err(FileError::at_span(path, src, on_span, format!("chords are at most {MAX_CHORD} keys")));
    }
    if context == Context::Input && keys[0].code.as_char().is_some() && !has_command_modifier(keys[0]) {
        return Err(FileError::at_span(
            path,
            src,
            on_span,
            "in [input] a plain character is text being typed; bind a Ctrl-/Alt- key or a named key",
        ));
    }
    let run = match raw.run.get_ref().as_str() {
        "none" | "unbind" => Run::Unbind,
        name => Run::Bind(Action::from_name(name).ok_or_else(|| {
            let hint = suggest::hint(name, Action::ALL.iter().map(|a| a.name()));
            FileError::at_span(path, src, raw.run.span(), format!("unknown action {name:?}{hint}"))
        })?),
    };
    let description = match (raw.desc, run) {
        (Some(d), _) => d,
        (None, Run::Bind(a)) => a.description().to_string(),
        (None, Run::Unbind) => String::new(),
    };
    Ok(Entry { context, keys, run, description, place, offset })
}

fn has_command_modifier(k: Key) -> bool {
    k.mods.intersects(crossterm::event::KeyModifiers::CONTROL | crossterm::event::KeyModifiers::ALT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(src: &str) -> String {
        match parse(Path::new("k.toml"), src) {
            Ok(_) => panic!("accepted: {src}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn entries_keep_order_and_default_descriptions() {
        let src = "[table]\nkeymap = [\n  { on = \"j\", run = \"row.down\" },\n  \
                   { on = [\"g\", \"g\"], run = \"row.top\", desc = \"Top\" },\n  { on = \"Z Z\", run = \"quit\" },\n]\n";
        let e = parse(Path::new("k.toml"), src).unwrap();
        assert_eq!(e.len(), 3);
        assert_eq!(e[0].run, Run::Bind(Action::Down));
        assert_eq!(e[0].description, Action::Down.description());
        assert_eq!(e[1].keys.len(), 2);
        assert_eq!(e[1].description, "Top");
        assert_eq!(e[2].keys.len(), 2);
    }

    #[test]
    fn errors_point_at_the_offending_value() {
        assert_eq!(
            err("[global]\nkeymap = [ { on = \"q\", run = \"qiut\" } ]\n"),
            "k.toml:2:30: unknown action \"qiut\"; did you mean \"quit\"?"
        );
        let e = err("[global]\nkeymap = [ { on = [\"g\", \"Hyper-x\"], run = \"quit\" } ]\n");
        assert!(e.starts_with("k.toml:2:25: unknown key \"Hyper-x\""), "{e}");
        assert!(err("[tabel]\nkeymap = []\n").starts_with("k.toml:1:2: unknown context \"tabel\""));
        let e = err("[global]\nkeymap = [ { on = \"q\", run = \"quit\", why = 1 } ]\n");
        assert!(e.starts_with("k.toml:2:38: unknown field `why`"), "{e}");
        assert!(err("[input]\nkeymap = [ { on = \"x\", run = \"quit\" } ]\n").contains("plain character"));
        assert!(err("[global]\nkeymap = [ { on = [], run = \"quit\" } ]\n").contains("no keys"));
    }
}

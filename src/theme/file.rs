//! The theme file format:
//!
//! ```toml
//! extends = "dark"          # optional: start from another theme
//! [styles]
//! ok   = { fg = "#009e73" }
//! crit = { fg = "white", bg = "indexed:160", modifiers = ["bold"] }
//! ```
//!
//! A role set here replaces the whole style of that role in the theme it extends.

use super::Role;
use super::color::{parse_color, parse_modifier};
use crate::config::suggest;
use crate::file_error::FileError;
use ratatui::style::Style;
use serde::Deserialize;
use serde_spanned::Spanned;
use std::collections::{BTreeMap, HashMap};
use std::ops::Range;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTheme {
    extends: Option<Spanned<String>>,
    #[serde(default)]
    styles: BTreeMap<Spanned<String>, RawStyle>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawStyle {
    fg: Option<Spanned<String>>,
    bg: Option<Spanned<String>>,
    #[serde(default)]
    modifiers: Vec<Spanned<String>>,
}

/// One theme file, checked, before `extends` is followed.
pub(crate) struct ThemeFile {
    /// The parent's name and where it was written.
    pub extends: Option<(String, Range<usize>)>,
    pub styles: HashMap<Role, Style>,
}

pub(crate) fn parse(path: &Path, src: &str) -> Result<ThemeFile, FileError> {
    let raw: RawTheme = toml::from_str(src).map_err(|e| FileError::from_toml(path, src, &e))?;
    let mut styles = HashMap::new();
    for (name, raw_style) in raw.styles {
        let role = Role::from_name(name.get_ref()).ok_or_else(|| {
            let roles: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
            let hint = suggest::hint(name.get_ref(), roles.iter().copied());
            FileError::at_span(
                path,
                src,
                name.span(),
                format!("unknown role {:?}{hint} (roles: {})", name.get_ref(), roles.join(", ")),
            )
        })?;
        styles.insert(role, style(path, src, raw_style)?);
    }
    let extends = raw.extends.map(|e| {
        let span = e.span();
        (e.into_inner(), span)
    });
    Ok(ThemeFile { extends, styles })
}

fn style(path: &Path, src: &str, raw: RawStyle) -> Result<Style, FileError> {
    let color = |c: &Spanned<String>| {
        parse_color(c.get_ref()).map_err(|m| FileError::at_span(path, src, c.span(), m))
    };
    let mut style = Style::default();
    if let Some(fg) = &raw.fg {
        style = style.fg(color(fg)?);
    }
    if let Some(bg) = &raw.bg {
        style = style.bg(color(bg)?);
    }
    for m in &raw.modifiers {
        let modifier =
            parse_modifier(m.get_ref()).map_err(|msg| FileError::at_span(path, src, m.span(), msg))?;
        style = style.add_modifier(modifier);
    }
    Ok(style)
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    fn err(src: &str) -> String {
        match parse(Path::new("t.toml"), src) {
            Ok(_) => panic!("accepted: {src}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn styles_parse_per_role() {
        let src = "[styles]\ncrit = { fg = \"white\", bg = \"#d55e00\", modifiers = [\"bold\"] }\n";
        let t = parse(Path::new("t.toml"), src).unwrap();
        let crit = t.styles[&Role::Crit];
        assert_eq!(crit.fg, Some(Color::White));
        assert_eq!(crit.bg, Some(Color::Rgb(0xd5, 0x5e, 0)));
        assert!(crit.add_modifier.contains(Modifier::BOLD));
        assert!(t.extends.is_none());
    }

    #[test]
    fn errors_point_at_the_offending_value() {
        assert!(
            err("[styles]\nokk = { fg = \"red\" }\n")
                .starts_with("t.toml:2:1: unknown role \"okk\"; did you mean \"ok\"?")
        );
        assert!(err("[styles]\nok = { fg = \"#12\" }\n").starts_with("t.toml:2:13: bad colour \"#12\""));
        assert!(
            err("[styles]\nok = { modifiers = [\"bold\", \"blink\"] }\n")
                .starts_with("t.toml:2:29: bad modifier \"blink\"")
        );
        assert!(
            err("[styles]\nok = { fg = \"red\", underline = true }\n")
                .starts_with("t.toml:2:20: unknown field `underline`")
        );
    }
}

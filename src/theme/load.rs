//! Finding themes by name, following `extends`, and honouring `NO_COLOR`.

use super::file::parse;
use super::{Role, Theme};
use crate::config::named_files::{Found, Kind, check_name};
use crate::file_error::FileError;
use ratatui::style::Style;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// The themes compiled into the binary.
const THEMES: Kind = Kind {
    what: "theme",
    dir: "themes",
    shipped: &[
        ("dark", include_str!("../../themes/dark.toml")),
        ("light", include_str!("../../themes/light.toml")),
        ("high-contrast", include_str!("../../themes/high-contrast.toml")),
        ("colorblind", include_str!("../../themes/colorblind.toml")),
    ],
};

impl Theme {
    /// Loads theme `name`: `<user_dir>/themes/<name>.toml` if it exists, else the shipped one,
    /// with the themes it `extends` underneath. `user_dir` is normally
    /// [`crate::config::Config::user_dir`].
    pub fn load(name: &str, user_dir: Option<&Path>) -> Result<Theme, FileError> {
        let found = THEMES.find(name, user_dir, false)?;
        let styles = load_found(name, found, user_dir, &mut Vec::new())?;
        Ok(Theme::new(name, styles))
    }

    /// [`Theme::load`], or [`Theme::plain`] when `no_color` is set. The caller reads the
    /// environment: `no_color` should be true when `NO_COLOR` is set to a non-empty value
    /// (<https://no-color.org>). The named theme is still loaded first so a broken theme file
    /// is reported rather than hidden.
    pub fn resolve(name: &str, user_dir: Option<&Path>, no_color: bool) -> Result<Theme, FileError> {
        let theme = Theme::load(name, user_dir)?;
        Ok(if no_color { Theme::plain() } else { theme })
    }

    /// Parses one theme file; `path` is used in messages and for the name. `extends` refers to
    /// shipped themes.
    pub fn from_str(path: &Path, src: &str) -> Result<Theme, FileError> {
        let name = path.file_stem().and_then(|s| s.to_str()).unwrap_or("custom").to_string();
        let found = Found { path: path.to_path_buf(), src: src.to_string(), shipped: false };
        let styles = load_found(&name, found, None, &mut Vec::new())?;
        Ok(Theme::new(name, styles))
    }

    /// Names that [`Theme::load`] accepts, shipped ones first, with the user's themes from the
    /// default config directory.
    pub fn available() -> Vec<String> {
        Self::available_in(crate::config::config_dir().as_deref())
    }

    /// Names that [`Theme::load`] accepts with this `user_dir`.
    pub fn available_in(user_dir: Option<&Path>) -> Vec<String> {
        THEMES.available(user_dir)
    }

    /// The shipped theme files, by name.
    pub fn shipped() -> impl Iterator<Item = (&'static str, &'static str)> {
        THEMES.shipped.iter().copied()
    }

    /// Roles this theme gives no style of its own (they render in the terminal's defaults).
    pub fn missing_roles(&self) -> Vec<Role> {
        Role::ALL.iter().copied().filter(|r| !self.styles.contains_key(r)).collect()
    }
}

/// Styles of one theme file with the themes it extends underneath. `chain` holds the files
/// already on the way here, to report a circle instead of recursing forever.
fn load_found(
    name: &str,
    found: Found,
    user_dir: Option<&Path>,
    chain: &mut Vec<(String, PathBuf)>,
) -> Result<HashMap<Role, Style>, FileError> {
    chain.push((name.to_string(), found.path.clone()));
    let file = parse(&found.path, &found.src)?;
    let Some((parent, span)) = file.extends else { return Ok(file.styles) };
    let at = |message: String| FileError::at_span(&found.path, &found.src, span.clone(), message);
    check_name("theme", &parent).map_err(at)?;
    // A shipped theme only builds on shipped themes. A user's file that extends its own name
    // (a `dark.toml` with `extends = "dark"`) means the shipped theme it shadows.
    let parent_dir = if found.shipped || parent == name { None } else { user_dir };
    let known = THEMES.available(parent_dir);
    if !known.contains(&parent) {
        return Err(at(format!("unknown theme {parent:?} in extends (available: {})", known.join(", "))));
    }
    let parent_found = THEMES.find(&parent, parent_dir, false)?;
    if chain.iter().any(|(_, p)| *p == parent_found.path) {
        let names: Vec<&str> = chain.iter().map(|(n, _)| n.as_str()).chain([parent.as_str()]).collect();
        return Err(at(format!("themes extend each other in a circle: {}", names.join(" → "))));
    }
    let mut styles = load_found(&parent, parent_found, user_dir, chain)?;
    styles.extend(file.styles);
    Ok(styles)
}

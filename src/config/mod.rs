//! Configuration: TOML in the user's config directory, errors with file:line:col.

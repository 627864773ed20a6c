//! Checks on values that end up in remote commands or file names. They are allowlists on
//! purpose: a value that passes can be quoted into PowerShell without surprises.

/// An EC2 instance id: `i-` and 8 (old style) or 17 lowercase hex digits.
pub(crate) fn instance_id(id: &str) -> Result<(), String> {
    let ok = id.strip_prefix("i-").is_some_and(|hex| {
        matches!(hex.len(), 8 | 17) && hex.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
    });
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad instance id {id:?}: expected \"i-\" and 8 or 17 lowercase hex digits, like \"i-0123456789abcdef0\""
        ))
    }
}

/// A Windows service name as the service manager knows it (`ChatBridge`, `NexTalk App API`):
/// `^[A-Za-z0-9 ._-]{1,64}$`, and not only spaces.
pub(crate) fn service_name(name: &str) -> Result<(), String> {
    let ok = (1..=64).contains(&name.len())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-'))
        && !name.trim().is_empty();
    if ok {
        Ok(())
    } else {
        Err(format!(
            "bad service name {name:?}: use 1-64 letters, digits, spaces, `.`, `_` or `-` (the service's name, not its display text)"
        ))
    }
}

/// An absolute Windows directory (`C:\ProgramData\NexTalk\Logs`) without `..`, quotes or
/// anything PowerShell would expand.
pub(crate) fn windows_dir(path: &str) -> Result<(), String> {
    let bad = |why: &str| Err(format!("bad log directory {path:?}: {why}"));
    let bytes = path.as_bytes();
    if !(bytes.len() >= 3 && bytes[0].is_ascii_alphabetic() && bytes[1] == b':' && bytes[2] == b'\\') {
        return bad("expected an absolute path like C:\\ProgramData\\NexTalk\\Logs");
    }
    if path.len() > 240 {
        return bad("longer than 240 characters");
    }
    for part in path[3..].split('\\').filter(|p| !p.is_empty()) {
        if part == "." || part == ".." {
            return bad("`.` and `..` are not allowed");
        }
        if !part.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '-' | '(' | ')'))
        {
            return bad("use letters, digits, spaces and `._-()` between the backslashes");
        }
    }
    Ok(())
}

/// A server's display name: short, one line, printable.
pub(crate) fn server_name(name: &str) -> Result<(), String> {
    // The one sanitiser's rule: a bidi control or zero-width character would make a name show
    // differently from what it is (and look like another server's).
    if name.trim().is_empty() || name.chars().count() > 64 || name.chars().any(crate::sanitize::is_unsafe) {
        Err(format!("bad server name {name:?}: use 1-64 printable characters"))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instance_ids() {
        assert!(instance_id("i-0123456789abcdef0").is_ok());
        assert!(instance_id("i-1234abcd").is_ok());
        for bad in
            ["i-0123456789ABCDEF0", "i-123", "0123456789abcdef0", "i-0123456789abcdefg", "i-1234abcd; rm"]
        {
            assert!(instance_id(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn service_names_are_allowlisted() {
        for good in ["ChatBridge", "NexTalk App API", "nt.api_2-x"] {
            assert!(service_name(good).is_ok(), "{good:?}");
        }
        for bad in ["", "   ", "Chat'Bridge", "a$b", "x;y", "a\"b", &"x".repeat(65)] {
            assert!(service_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn log_dirs_are_plain_absolute_paths() {
        assert!(windows_dir(r"C:\ProgramData\NexTalk\Logs").is_ok());
        assert!(windows_dir(r"D:\Program Files (x86)\NexTalk\logs").is_ok());
        for bad in [r"\\server\share", r"C:\a\..\b", "Logs", r"C:\a'b", r"C:\$env:TEMP", "C:/x"] {
            assert!(windows_dir(bad).is_err(), "{bad:?}");
        }
    }
}

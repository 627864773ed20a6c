//! Checks on values that end up in remote commands or file names. They are allowlists on
//! purpose: a value that passes can be quoted into PowerShell without surprises. Values that
//! reach a script are checked by the renderer's own functions, so `config check` and the
//! renderer can never disagree.

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

/// A Windows service name or display name, by the renderer's own rule
/// (`powershell::check_service_name`): what passes here renders, and the reverse.
pub(crate) fn service_name(name: &str) -> Result<(), String> {
    crate::source::powershell::check_service_name(name)
        .map_err(|e| format!("bad service name {}: {}", e.shown(), e.reason))
}

/// The NexTalk log folder, by the renderer's own rule (`powershell::check_path`).
pub(crate) fn windows_dir(path: &str) -> Result<(), String> {
    crate::source::powershell::check_path(path)
        .map_err(|e| format!("bad log directory {}: {}", e.shown(), e.reason))
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

    /// What the config accepts, the renderer renders, and what it refuses, the renderer
    /// refuses: every value below goes through both.
    #[test]
    fn the_config_and_the_renderer_agree_on_every_value() {
        use crate::source::RemoteAction;
        use crate::source::powershell::{RenderContext, render};
        let ctx = RenderContext { log_dir: r"C:\ProgramData\NexTalk\Logs".into() };
        for name in [
            "ChatBridge",
            "NexTalk App API",
            "nt.api_2-x",
            "-Force",
            "",
            "   ",
            " Chat",
            "Chat'Bridge",
            "a$b",
            "x;y",
            "a\"b",
            "Chat*",
            "Chat\u{2019}",
            &"x".repeat(256),
            &"x".repeat(257),
        ] {
            let rendered = render(&RemoteAction::RestartService { service: name.into() }, &ctx).is_ok();
            assert_eq!(service_name(name).is_ok(), rendered, "{name:?}");
        }
        for dir in [
            r"C:\ProgramData\NexTalk\Logs",
            r"C:\Program Files (x86)\NexTalk\Logs",
            r"D:\",
            r"\\server\share",
            r"C:\a\..\b",
            r"C:\a\.\b",
            "Logs",
            r"C:\a'b",
            r"C:\$env:TEMP",
            "C:/x",
            r"C:\Logs\*",
            &format!("C:\\{}", "x".repeat(240)),
        ] {
            let rendered =
                render(&RemoteAction::TailLog { lines: 5 }, &RenderContext { log_dir: dir.into() }).is_ok();
            assert_eq!(windows_dir(dir).is_ok(), rendered, "{dir:?}");
        }
        assert!(service_name("-Force").is_ok(), "a leading dash is a plain character in a literal");
        assert!(windows_dir(r"C:\Program Files (x86)\NexTalk\Logs").is_ok());
    }
}

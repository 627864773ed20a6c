//! PowerShell 5.1's default error view (`$ErrorView = 'NormalView'`), as `powershell.exe`
//! writes an uncaught error record to stderr:
//!
//! ```text
//! Restart-Service : Service 'NexTalk Chat Bridge (NexTalkChatBridge)' cannot be started …
//! At C:\ProgramData\Amazon\SSM\…\_script.ps1:4 char:1
//! + Restart-Service -InputObject $svc -Force
//! + ~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~
//!     + CategoryInfo          : OpenError: (System.ServiceProcess.ServiceController:Service…
//!     + FullyQualifiedErrorId : CouldNotStartService,Microsoft.PowerShell.Commands.Restart…
//!  (a line holding one space)
//! ```
//!
//! The rules, from PowerShell's sources (`PositionUtilities.VerboseMessage`,
//! `ErrorCategoryInfo.GetMessage`, the `ErrorInstance` view of `PowerShellCore.format.ps1xml`):
//! - The first line is the exception's message, after `<command> : ` when a cmdlet raised it
//!   (not for `throw` or a .NET method's exception).
//! - The position names the script file, the 1-based line and column of the failing
//!   statement, the line itself and `~` under the statement. A line longer than 69 characters
//!   is cut around the statement (at most 12 characters before it, what fits after it) and
//!   marked with `... ` in front and ` ...` behind.
//! - CategoryInfo is `Category: (TargetName:TargetType) [Activity], Reason`, each of the four
//!   parts longer than 40 characters shortened to its first and last 19 with `...` between.
//! - The CategoryInfo and FullyQualifiedErrorId lines are split into pieces of the console
//!   width minus 6 (114 at 120 columns) and each piece is written after four spaces, without a
//!   line break between them: a long line carries four spaces in the middle.
//! - The record ends with a line holding a single space.

use super::{CONSOLE_WIDTH, NEWLINE};

/// Where in the script the failing statement is: 1-based line, 0-based character offsets of
/// the statement's first and one-past-last character on that line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Extent {
    pub line: usize,
    pub start: usize,
    pub end: usize,
}

/// The statement that starts at `marker` on the first script line containing it: up to the
/// first `|`, `;` or `}` outside quotes and brackets, or the end of the line; trailing blanks
/// are not part of it. `None` when no line has the marker (the script changed).
pub fn statement(lines: &[String], marker: &str) -> Option<Extent> {
    let (index, line) = lines.iter().enumerate().find(|(_, l)| l.contains(marker))?;
    let chars: Vec<char> = line.chars().collect();
    let byte_start = line.find(marker)?;
    let start = line[..byte_start].chars().count();
    let mut end = chars.len();
    let mut depth = 0usize;
    let mut quoted = false;
    let mut i = start;
    while i < chars.len() {
        let c = chars[i];
        if quoted {
            // `''` inside a single-quoted literal is one quote, not its end.
            if c == '\'' {
                if chars.get(i + 1) == Some(&'\'') {
                    i += 1;
                } else {
                    quoted = false;
                }
            }
        } else {
            match c {
                '\'' => quoted = true,
                '(' | '[' => depth += 1,
                ')' | ']' => depth = depth.saturating_sub(1),
                '|' | ';' | '}' if depth == 0 => {
                    end = i;
                    break;
                }
                _ => {}
            }
        }
        i += 1;
    }
    while end > start && chars[end - 1].is_whitespace() {
        end -= 1;
    }
    Some(Extent { line: index + 1, start, end })
}

/// `At <file>:<line> char:<column>`, the (possibly cut) line and the squiggle under the
/// statement, lines joined with CR LF.
pub fn position_message(path: &str, lines: &[String], at: Extent) -> String {
    const MAX_LINE: usize = 69;
    let source = lines.get(at.line - 1).map(|l| l.trim_end()).unwrap_or("");
    let mut chars: Vec<char> = source.chars().collect();
    let mut before = at.start;
    let mut length = at.end.saturating_sub(at.start);
    let (mut prefix_dots, mut suffix_dots) = (false, false);
    if chars.len() > MAX_LINE {
        let total_prefix = before;
        let mut prefix = total_prefix.min(12);
        let total_suffix = chars.len().saturating_sub(length + before);
        let mut suffix = total_suffix.min(8);
        let mut candidate = prefix + length + suffix;
        if candidate >= MAX_LINE {
            if prefix + length >= MAX_LINE {
                length = MAX_LINE - prefix;
            }
            suffix_dots = true;
        } else {
            let prefix_available = total_prefix - prefix;
            if prefix_available > 0 {
                prefix += prefix_available.min(MAX_LINE - candidate);
                candidate = prefix + length + suffix;
            }
            if candidate < MAX_LINE && total_suffix > 0 {
                suffix += total_suffix.min(MAX_LINE - candidate);
            }
            suffix_dots = suffix < total_suffix;
        }
        prefix_dots = prefix < total_prefix;
        let from = before.saturating_sub(prefix);
        chars = chars[from..(from + MAX_LINE).min(chars.len())].to_vec();
        before = before.min(prefix);
        length = length.min(MAX_LINE - before);
    }
    let mut cut = String::new();
    if prefix_dots {
        cut.push_str("... ");
    }
    cut.extend(chars.iter());
    if suffix_dots {
        cut.push_str(" ...");
    }
    let pad = before + if prefix_dots { 4 } else { 0 };
    format!(
        "At {path}:{} char:{}{NEWLINE}+ {cut}{NEWLINE}+ {}{}",
        at.line,
        at.start + 1,
        " ".repeat(pad),
        "~".repeat(length.max(1))
    )
}

/// `ErrorCategoryInfo.Ellipsize`: parts longer than 40 characters keep their first and last 19.
fn ellipsize(part: &str) -> String {
    let chars: Vec<char> = part.chars().collect();
    if chars.len() <= 40 {
        return part.to_string();
    }
    let first: String = chars[..19].iter().collect();
    let last: String = chars[chars.len() - 19..].iter().collect();
    format!("{first}...{last}")
}

/// An error record's CategoryInfo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category<'a> {
    /// `ObjectNotFound`, `OperationStopped`, `OpenError`…
    pub category: &'a str,
    pub target_name: &'a str,
    pub target_type: &'a str,
    /// The cmdlet, or empty.
    pub activity: &'a str,
    /// The exception's type name.
    pub reason: &'a str,
}

impl Category<'_> {
    fn text(&self) -> String {
        format!(
            "{}: ({}:{}) [{}], {}",
            self.category,
            ellipsize(self.target_name),
            ellipsize(self.target_type),
            ellipsize(self.activity),
            ellipsize(self.reason)
        )
    }
}

/// One uncaught error record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ErrorRecord<'a> {
    /// The cmdlet that raised it (`Restart-Service`), or `None` for `throw` and .NET method
    /// exceptions, whose message stands alone.
    pub command: Option<&'a str>,
    pub message: String,
    pub at: Extent,
    pub category: Category<'a>,
    pub id: String,
}

/// `"    " + piece` for each piece of `text` cut every `CONSOLE_WIDTH - 6` characters, with no
/// line break between the pieces (the console would wrap them; a pipe does not).
fn indented(text: &str) -> String {
    let width = CONSOLE_WIDTH - 4 - 2;
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width).map(|piece| format!("    {}", piece.iter().collect::<String>())).collect()
}

/// The record as `powershell.exe` writes it to stderr, every line ended by CR LF.
pub fn render(path: &str, lines: &[String], record: &ErrorRecord<'_>) -> String {
    let head = match record.command {
        Some(cmd) => format!("{cmd} : {}", record.message),
        None => record.message.clone(),
    };
    let mut out = String::new();
    for line in [
        head,
        position_message(path, lines, record.at),
        indented(&format!("+ CategoryInfo          : {}", record.category.text())),
        indented(&format!("+ FullyQualifiedErrorId : {}", record.id)),
        " ".to_string(),
    ] {
        out.push_str(&line);
        out.push_str(NEWLINE);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(src: &[&str]) -> Vec<String> {
        src.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn a_short_statement_is_underlined_whole() {
        let l = lines(&["throw \"boom\""]);
        let at = statement(&l, "throw").unwrap();
        assert_eq!(
            position_message("line", &l, at),
            "At line:1 char:1\r\n+ throw \"boom\"\r\n+ ~~~~~~~~~~~~"
        );
    }

    #[test]
    fn statements_end_at_pipes_and_braces_outside_quotes() {
        let l = lines(&["if (-not $f) { throw ('no log in ' + 'C:\\Program Files (x86)\\a;b|c}') }"]);
        let at = statement(&l, "throw").unwrap();
        let text: String = l[0].chars().skip(at.start).take(at.end - at.start).collect();
        assert_eq!(text, "throw ('no log in ' + 'C:\\Program Files (x86)\\a;b|c}')");
        let l = lines(&["x", "$f = Get-ChildItem -LiteralPath 'C:\\it''s' -File | Sort-Object X"]);
        let at = statement(&l, "Get-ChildItem").unwrap();
        assert_eq!((at.line, at.start, at.end), (2, 5, 48));
    }

    #[test]
    fn long_lines_are_cut_around_the_statement() {
        // Statement at the start, longer than fits with its 8 characters of context.
        let l = lines(&[&format!("{} | Select-Object Name, Type, IPAddress", "x".repeat(62))]);
        let msg = position_message("f", &l, Extent { line: 1, start: 0, end: 62 });
        let expected_line = format!("{} | Sele ...", "x".repeat(62));
        assert_eq!(msg, format!("At f:1 char:1\r\n+ {expected_line}\r\n+ {}", "~".repeat(62)));
        // Statement far in: 48 characters of context before it, 8 after, dots on both ends.
        let line = format!("{}throw ('abc'){}", "a".repeat(60), "z".repeat(60));
        let msg = position_message("f", &lines(&[&line]), Extent { line: 1, start: 60, end: 73 });
        let shown: String = line.chars().skip(12).take(69).collect();
        assert_eq!(
            msg,
            format!("At f:1 char:61\r\n+ ... {shown} ...\r\n+ {}{}", " ".repeat(52), "~".repeat(13))
        );
        // Near the start: all of the context before it fits, no leading dots.
        let line = format!("{}throw ('abc'){}", "a".repeat(30), "z".repeat(60));
        let msg = position_message("f", &lines(&[&line]), Extent { line: 1, start: 30, end: 43 });
        let shown: String = line.chars().take(69).collect();
        assert_eq!(msg, format!("At f:1 char:31\r\n+ {shown} ...\r\n+ {}{}", " ".repeat(30), "~".repeat(13)));
    }

    #[test]
    fn long_category_parts_are_shortened_and_long_lines_split_with_four_spaces() {
        assert_eq!(
            ellipsize(r"no log file in C:\ProgramData\NexTalk\Logs"),
            r"no log file in C:\P...amData\NexTalk\Logs"
        );
        assert_eq!(ellipsize(&"x".repeat(40)), "x".repeat(40));
        let long = "y".repeat(120);
        assert_eq!(indented(&long), format!("    {}    {}", "y".repeat(114), "y".repeat(6)));
    }
}

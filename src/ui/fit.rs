//! Text that does not fit says so: cut to its room with `…` at the end, never silently
//! clipped mid-word (an instance id cut to `i-0a1b2c3d4e5f60` reads as a whole one). Also the
//! column widths a table will really get, so each cell can be cut to its own.

use ratatui::layout::{Constraint, Flex, Layout, Rect};
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// `text` in at most `width` columns: whole when it fits, else cut with `…` as its last column.
pub fn fit(text: &str, width: usize) -> String {
    if text.width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The width of each column a `Table` with these constraints and spacing gets in `width`
/// columns (the same solver, flex and spacing the table uses), so cells can be fitted first.
pub fn column_widths(constraints: &[Constraint], width: u16, spacing: u16) -> Vec<u16> {
    Layout::horizontal(constraints.iter().copied())
        .flex(Flex::Start)
        .spacing(spacing)
        .split(Rect::new(0, 0, width, 1))
        .iter()
        .map(|r| r.width)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_that_does_not_fit_ends_in_an_ellipsis() {
        assert_eq!(fit("connect-lookup-customer", 22), "connect-lookup-custom…");
        assert_eq!(fit("nt-a", 22), "nt-a");
        assert_eq!(fit("abc", 3), "abc");
        assert_eq!(fit("abcd", 3), "ab…");
        assert_eq!(fit("abcd", 0), "");
        assert_eq!(fit("日本語", 4), "日…");
    }

    #[test]
    fn column_widths_are_the_tables() {
        let c = [Constraint::Length(1), Constraint::Fill(1), Constraint::Length(6)];
        assert_eq!(column_widths(&c, 30, 1), vec![1, 21, 6]);
    }
}

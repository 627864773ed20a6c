//! Text to styled spans for one log line: segments by meaning, search matches on top, and
//! wrapping into rows of the screen width.

use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::ops::Range;
use unicode_width::UnicodeWidthChar;

/// Every non-overlapping occurrence of `needle` in `hay`, as byte ranges. ASCII-only case
/// folding keeps byte offsets identical between the folded and the original text.
pub fn find_all(hay: &str, needle: &str, ignore_case: bool) -> Vec<Range<usize>> {
    if needle.is_empty() {
        return Vec::new();
    }
    let (hay_f, needle_f);
    let (h, n) = if ignore_case {
        hay_f = hay.to_ascii_lowercase();
        needle_f = needle.to_ascii_lowercase();
        (hay_f.as_str(), needle_f.as_str())
    } else {
        (hay, needle)
    };
    h.match_indices(n).map(|(i, m)| i..i + m.len()).collect()
}

/// `text` cut into spans: each byte gets the style of its segment, or `highlight` (patched over
/// it) inside a match. Segments must cover `text` in order.
pub fn styled(
    text: &str,
    segments: &[(Range<usize>, Style)],
    matches: &[Range<usize>],
    highlight: Style,
) -> Vec<Span<'static>> {
    let mut cuts: Vec<usize> = vec![0, text.len()];
    cuts.extend(segments.iter().flat_map(|(r, _)| [r.start, r.end]));
    cuts.extend(matches.iter().flat_map(|r| [r.start, r.end]));
    cuts.retain(|&c| c <= text.len() && text.is_char_boundary(c));
    cuts.sort_unstable();
    cuts.dedup();
    cuts.windows(2)
        .filter(|w| w[0] < w[1])
        .map(|w| {
            let base = segments.iter().find(|(r, _)| r.contains(&w[0])).map_or(Style::default(), |(_, s)| *s);
            let style = if matches.iter().any(|m| m.contains(&w[0])) { base.patch(highlight) } else { base };
            Span::styled(text[w[0]..w[1]].to_owned(), style)
        })
        .collect()
}

/// Cuts spans into rows of at most `width` columns (by character, so every row but the last
/// is full and the row count is exact for scrolling).
pub fn wrap(spans: Vec<Span<'static>>, width: usize, line_style: Style) -> Vec<Line<'static>> {
    let width = width.max(1);
    let mut rows: Vec<Line<'static>> = Vec::new();
    let mut row: Vec<Span<'static>> = Vec::new();
    let mut col = 0;
    for span in spans {
        let mut piece = String::new();
        for c in span.content.chars() {
            let w = c.width().unwrap_or(0);
            if col + w > width && col > 0 {
                if !piece.is_empty() {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                }
                rows.push(Line::from(std::mem::take(&mut row)).style(line_style));
                col = 0;
            }
            piece.push(c);
            col += w;
        }
        if !piece.is_empty() {
            row.push(Span::styled(piece, span.style));
        }
    }
    if !row.is_empty() || rows.is_empty() {
        rows.push(Line::from(row).style(line_style));
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::{Color, Modifier};

    #[test]
    fn matches_fold_ascii_case_only_when_asked() {
        assert_eq!(find_all("Error error ERROR", "error", true), [0..5, 6..11, 12..17]);
        assert_eq!(find_all("Error error ERROR", "Error", false), vec![Range { start: 0, end: 5 }]);
        assert_eq!(find_all("café CAFÉ", "caf", true), [0..3, 6..9]);
        assert!(find_all("x", "", true).is_empty());
    }

    #[test]
    fn highlight_is_patched_over_segments() {
        let red = Style::default().fg(Color::Red);
        let hl = Style::default().add_modifier(Modifier::REVERSED);
        let spans =
            styled("ab cd", &[(0..2, red), (2..5, Style::default())], &[Range { start: 1, end: 4 }], hl);
        let parts: Vec<(&str, Style)> = spans.iter().map(|s| (s.content.as_ref(), s.style)).collect();
        assert_eq!(parts, [("a", red), ("b", red.patch(hl)), (" c", hl), ("d", Style::default())]);
    }

    #[test]
    fn wrapping_makes_full_rows_and_keeps_styles() {
        let red = Style::default().fg(Color::Red);
        let rows = wrap(vec![Span::raw("abcd"), Span::styled("efg", red)], 3, Style::default());
        let text: Vec<String> =
            rows.iter().map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect()).collect();
        assert_eq!(text, ["abc", "def", "g"]);
        assert_eq!(rows[1].spans[1].style, red);
        // Wide characters never straddle a row boundary.
        let rows = wrap(vec![Span::raw("a東京")], 2, Style::default());
        assert_eq!(rows.len(), 3);
        assert_eq!(wrap(Vec::new(), 5, Style::default()).len(), 1);
    }
}

//! The console's last guard before the terminal: every cell ratatui is about to write passes
//! the sanitiser's rule ([`crate::sanitize::is_unsafe`]).
//!
//! Outside text is sanitised where it enters (runbook files, log lines, remote output), but the
//! console draws names and messages from many places (queue and function names from AWS,
//! server names from the config, error texts). ratatui drops control characters itself, yet
//! keeps bidi controls, zero-width joiners and the like when they fall inside a grapheme, and
//! a terminal acts on them. Filtering the cells here means no path, present or future, can
//! reorder or hide what the screen shows. The check is a scan of each changed cell's symbol
//! (usually one ASCII byte), so it costs nothing measurable.

use crate::sanitize::{is_unsafe, sanitize_line};
use ratatui::backend::{Backend, ClearType, WindowSize};
use ratatui::buffer::Cell;
use ratatui::layout::{Position, Size};

/// A ratatui backend that writes only safe cells to `B`.
#[derive(Debug)]
pub struct SafeBackend<B> {
    inner: B,
}

impl<B> SafeBackend<B> {
    pub fn new(inner: B) -> Self {
        SafeBackend { inner }
    }

    pub fn inner(&self) -> &B {
        &self.inner
    }
}

fn needs_cleaning(cell: &Cell) -> bool {
    cell.symbol().chars().any(is_unsafe)
}

/// The cell with its symbol sanitised; a symbol with nothing left becomes a space, so the
/// cell still covers its column.
fn cleaned(cell: &Cell) -> Cell {
    let mut c = cell.clone();
    let clean = sanitize_line(cell.symbol().as_bytes());
    c.set_symbol(if clean.is_empty() { " " } else { &clean });
    c
}

impl<B: Backend> Backend for SafeBackend<B> {
    type Error = B::Error;

    fn draw<'a, I>(&mut self, content: I) -> Result<(), Self::Error>
    where
        I: Iterator<Item = (u16, u16, &'a Cell)>,
    {
        let cells: Vec<(u16, u16, &Cell)> = content.collect();
        if !cells.iter().any(|(_, _, c)| needs_cleaning(c)) {
            return self.inner.draw(cells.into_iter());
        }
        let fixed: Vec<Option<Cell>> =
            cells.iter().map(|(_, _, c)| needs_cleaning(c).then(|| cleaned(c))).collect();
        self.inner.draw(cells.iter().zip(&fixed).map(|(&(x, y, c), f)| (x, y, f.as_ref().unwrap_or(c))))
    }

    fn append_lines(&mut self, n: u16) -> Result<(), Self::Error> {
        self.inner.append_lines(n)
    }

    fn hide_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.hide_cursor()
    }

    fn show_cursor(&mut self) -> Result<(), Self::Error> {
        self.inner.show_cursor()
    }

    fn get_cursor_position(&mut self) -> Result<Position, Self::Error> {
        self.inner.get_cursor_position()
    }

    fn set_cursor_position<P: Into<Position>>(&mut self, position: P) -> Result<(), Self::Error> {
        self.inner.set_cursor_position(position)
    }

    fn clear(&mut self) -> Result<(), Self::Error> {
        self.inner.clear()
    }

    fn clear_region(&mut self, clear_type: ClearType) -> Result<(), Self::Error> {
        self.inner.clear_region(clear_type)
    }

    fn size(&self) -> Result<Size, Self::Error> {
        self.inner.size()
    }

    fn window_size(&mut self) -> Result<WindowSize, Self::Error> {
        self.inner.window_size()
    }

    fn flush(&mut self) -> Result<(), Self::Error> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;
    use ratatui::widgets::{Block, Paragraph};

    /// Names as AWS or a config could deliver them, each hiding something a terminal acts on.
    const HOSTILE: [&str; 5] = [
        "queue\u{202E}lanif",     // right-to-left override
        "nt-a\u{200D}\u{2066}x",  // zero-width joiner, isolate
        "fn\u{200B}\u{FEFF}name", // zero-width space, BOM
        "a\u{2028}b\u{E0041}c",   // line separator, tag character
        "srv\u{200F}\u{061C}z",   // RLM, ALM
    ];

    fn draw<B: Backend>(terminal: &mut Terminal<B>) {
        terminal
            .draw(|f| {
                let text: Vec<ratatui::text::Line> = HOSTILE.iter().map(|s| (*s).into()).collect();
                f.render_widget(Paragraph::new(text).block(Block::bordered().title(HOSTILE[0])), f.area());
            })
            .unwrap();
    }

    fn unsafe_cells(buf: &ratatui::buffer::Buffer) -> Vec<String> {
        buf.content().iter().map(|c| c.symbol().to_string()).filter(|s| s.chars().any(is_unsafe)).collect()
    }

    #[test]
    fn ratatui_alone_lets_some_through() {
        // Why the guard exists: these reach the terminal without it.
        let mut plain = Terminal::new(TestBackend::new(30, 8)).unwrap();
        draw(&mut plain);
        assert!(!unsafe_cells(plain.backend().buffer()).is_empty(), "ratatui now filters these itself");
    }

    #[test]
    fn no_unsafe_character_reaches_the_terminal() {
        let mut guarded = Terminal::new(SafeBackend::new(TestBackend::new(30, 8))).unwrap();
        draw(&mut guarded);
        let buf = guarded.backend().inner().buffer();
        assert_eq!(unsafe_cells(buf), Vec::<String>::new());
        // The visible text is still there.
        let row = |y: u16| (0..30).map(|x| buf[(x, y)].symbol().to_string()).collect::<String>();
        assert!(row(1).contains("queuelanif"), "{:?}", row(1));
        assert!(row(3).contains("fnname"), "{:?}", row(3));
    }
}

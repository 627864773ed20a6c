//! The terminal's lifecycle: raw mode, alternate screen and (optionally) mouse capture on the
//! way in; all of it undone on the way out, whether that is a normal exit, an error, a panic or
//! a signal, so the shell is never left broken.

use crate::safe_terminal::SafeBackend;
use crossterm::cursor::Show;
use crossterm::event::{DisableMouseCapture, EnableMouseCapture};
use crossterm::execute;
use crossterm::terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout, stdout};
use std::sync::Once;

/// Every cell passes the sanitiser on its way out ([`SafeBackend`]).
pub type Term = Terminal<SafeBackend<CrosstermBackend<Stdout>>>;

/// The terminal in console mode; dropping it restores the terminal.
pub struct Tui {
    pub terminal: Term,
    mouse: bool,
}

impl Tui {
    pub fn enter(mouse: bool) -> io::Result<Tui> {
        install_panic_hook();
        enable_raw_mode()?;
        // From here on any failure must undo what was done, hence the early restore.
        let setup = (|| {
            execute!(stdout(), EnterAlternateScreen)?;
            if mouse {
                execute!(stdout(), EnableMouseCapture)?;
            }
            let mut terminal = Terminal::new(SafeBackend::new(CrosstermBackend::new(stdout())))?;
            terminal.clear()?;
            Ok(terminal)
        })();
        match setup {
            Ok(terminal) => Ok(Tui { terminal, mouse }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }

    pub fn set_mouse(&mut self, on: bool) -> io::Result<()> {
        if on != self.mouse {
            if on {
                execute!(stdout(), EnableMouseCapture)?;
            } else {
                execute!(stdout(), DisableMouseCapture)?;
            }
            self.mouse = on;
        }
        Ok(())
    }
}

impl Drop for Tui {
    fn drop(&mut self) {
        restore();
    }
}

/// Puts the terminal back as the shell expects it. Safe to call more than once and when
/// nothing was set up; errors are ignored because there is nowhere left to report them.
pub fn restore() {
    let mut out = stdout();
    let _ = execute!(out, DisableMouseCapture, LeaveAlternateScreen, Show);
    let _ = disable_raw_mode();
}

/// Restores the terminal before the panic message is printed, so it is readable.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

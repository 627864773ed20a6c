//! The console drawn into a `TestBackend`: text and styles of real cells, at 80x24 (the
//! smallest usable size) and 160x48 (the grid).

#[path = "support/fixture.rs"]
mod fixture;

use fixture::{find, keymap, text, theme};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use switchboard::app::{Msg, State, update};

fn render(state: &State) -> Buffer {
    let (w, h) = state.size;
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    terminal.draw(|f| switchboard::ui::draw(f, state, &theme(), &keymap())).unwrap();
    terminal.backend().buffer().clone()
}

#[test]
fn print_screens() {
    for (w, h) in [(80, 24), (160, 48)] {
        let s = fixture::state(w, h, 20);
        println!("{}", text(&render(&s)));
    }
    let _ = find;
    let _ = update;
    let _ = Msg::Resize(0, 0);
}

#[test]
fn print_more() {
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    let press = |s: &mut State, c: KeyCode| {
        update(s, Msg::Key(KeyEvent::new(c, KeyModifiers::NONE)), &keymap());
    };
    let mut s = fixture::state(80, 24, 20);
    for c in ['2', '3', '4', '5', '6', 'a'] {
        press(&mut s, KeyCode::Char(c));
        println!("{}", text(&render(&s)));
    }
    press(&mut s, KeyCode::Char('1'));
    press(&mut s, KeyCode::Enter);
    println!("{}", text(&render(&s)));
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('?'));
    println!("{}", text(&render(&s)));
    press(&mut s, KeyCode::Esc);
    press(&mut s, KeyCode::Char('/'));
    press(&mut s, KeyCode::Char('l'));
    println!("{}", text(&render(&s)));
}

//! Colour and modifier names in theme files.

use ratatui::style::{Color, Modifier};

const COLOUR_FORMS: &str = "expected \"#rrggbb\", a colour name (black, red, green, yellow, blue, magenta, \
                            cyan, gray, dark_gray, light_red…, white, reset) or \"indexed:0\"…\"indexed:255\"";

/// `#rrggbb`, a terminal colour name (`red`, `light_blue`, `dark-gray`) or `indexed:N`.
pub fn parse_color(text: &str) -> Result<Color, String> {
    let bad = || format!("bad colour {text:?}: {COLOUR_FORMS}");
    if let Some(hex) = text.strip_prefix('#') {
        if hex.len() != 6 || !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return Err(bad());
        }
        let n = u32::from_str_radix(hex, 16).map_err(|_| bad())?;
        let [_, r, g, b] = n.to_be_bytes();
        return Ok(Color::Rgb(r, g, b));
    }
    if let Some(index) = text.strip_prefix("indexed:") {
        return index.trim().parse::<u8>().map(Color::Indexed).map_err(|_| bad());
    }
    // Names are forgiving about case and separators: `LightBlue`, `light_blue`, `light-blue`.
    let name: String =
        text.chars().filter(|c| !matches!(c, '_' | '-' | ' ')).collect::<String>().to_ascii_lowercase();
    let color = match name.as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return Err(bad()),
    };
    Ok(color)
}

const MODIFIERS: &[(&str, Modifier)] = &[
    ("bold", Modifier::BOLD),
    ("dim", Modifier::DIM),
    ("italic", Modifier::ITALIC),
    ("underlined", Modifier::UNDERLINED),
    ("reversed", Modifier::REVERSED),
    ("crossed_out", Modifier::CROSSED_OUT),
];

pub fn parse_modifier(text: &str) -> Result<Modifier, String> {
    MODIFIERS.iter().find(|(n, _)| *n == text).map(|(_, m)| *m).ok_or_else(|| {
        let names: Vec<&str> = MODIFIERS.iter().map(|(n, _)| *n).collect();
        let hint = crate::config::suggest::hint(text, names.iter().copied());
        format!("bad modifier {text:?} (modifiers: {}){hint}", names.join(", "))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_in_every_form() {
        assert_eq!(parse_color("#ff8000"), Ok(Color::Rgb(255, 128, 0)));
        assert_eq!(parse_color("#D55E00"), Ok(Color::Rgb(0xd5, 0x5e, 0x00)));
        assert_eq!(parse_color("red"), Ok(Color::Red));
        assert_eq!(parse_color("light_blue"), Ok(Color::LightBlue));
        assert_eq!(parse_color("Dark-Grey"), Ok(Color::DarkGray));
        assert_eq!(parse_color("indexed:123"), Ok(Color::Indexed(123)));
        for bad in ["#fff", "#gggggg", "indexed:256", "indexed:", "chartreuse", ""] {
            assert!(parse_color(bad).is_err(), "{bad:?} accepted");
        }
    }

    #[test]
    fn modifiers_by_name() {
        assert_eq!(parse_modifier("bold"), Ok(Modifier::BOLD));
        assert!(parse_modifier("blod").unwrap_err().contains("did you mean \"bold\""));
    }
}

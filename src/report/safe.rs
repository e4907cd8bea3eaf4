//! Making text safe to print on a terminal.
//!
//! File names are chosen by whoever made the files, and a name may hold control characters
//! (an escape sequence that recolours or rewrites the terminal, a carriage return that hides
//! the start of a line). Every human-readable line passes through [`terminal_safe`] on its way
//! out, which shows such characters as Rust-style escapes (`\u{1b}`, `\r`) and leaves all
//! other text, accents and emoji included, as it is. Text of several lines keeps its line
//! breaks; [`terminal_safe_line`] is for one line, where a line break can only have come from
//! a name, and is escaped too (so a name cannot start a line that looks like ours).

use std::borrow::Cow;

/// `text` with every control character but the line feed escaped.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    escape(text, |c| c.is_control() && c != '\n')
}

/// One line of `text`, with every control character escaped, line feeds included.
pub fn terminal_safe_line(text: &str) -> Cow<'_, str> {
    escape(text, char::is_control)
}

fn escape(text: &str, needs_escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if needs_escape(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::{terminal_safe, terminal_safe_line};

    #[test]
    fn control_characters_are_escaped_and_the_rest_kept() {
        assert_eq!(
            terminal_safe("a\u{1b}[31mRED\u{1b}[0m.txt"),
            "a\\u{1b}[31mRED\\u{1b}[0m.txt"
        );
        assert_eq!(terminal_safe("tab\there\rx"), "tab\\there\\rx");
        assert_eq!(
            terminal_safe("Menu d'été – café 🍰\nnext"),
            "Menu d'été – café 🍰\nnext"
        );
        assert_eq!(terminal_safe_line("new\nline.txt"), "new\\nline.txt");
    }
}

//! One thing wrong with a manifest: where it is, what is wrong, and what to do about it.
//!
//! A [`Problem`] is rendered as `error: FILE:LINE:COLUMN: message`, the offending source line
//! with a caret under the column, an optional second location (the first of two duplicate
//! keys, say) and a `hint:` line. A source line that mentions a password is never echoed, so
//! that a secret written by mistake into a manifest does not end up in a CI log.

use std::fmt::{self, Write as _};

/// A place in the manifest's text; lines and columns count from 1, 0 means unknown.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// Line number, from 1.
    pub line: usize,
    /// Column (in characters), from 1.
    pub column: usize,
    /// Byte offset of the node in the text, when known.
    pub byte: Option<usize>,
    /// Byte length of the node in the text, when known.
    pub byte_len: Option<usize>,
}

impl Pos {
    /// The start of the file.
    pub const START: Pos = Pos {
        line: 1,
        column: 1,
        byte: Some(0),
        byte_len: None,
    };

    /// A position known only by line and column.
    pub fn at(line: usize, column: usize) -> Pos {
        Pos {
            line,
            column,
            byte: None,
            byte_len: None,
        }
    }
}

/// One problem of a manifest, with its location, its explanation and the fix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where the problem is.
    pub pos: Pos,
    /// What is wrong (lowercase, no final period).
    pub message: String,
    /// What to do about it.
    pub hint: String,
    /// A second place that takes part in the problem, with a note ("first written here").
    pub related: Option<(Pos, String)>,
}

impl Problem {
    /// A problem at `pos`.
    pub fn new(pos: Pos, message: impl Into<String>, hint: impl Into<String>) -> Problem {
        Problem {
            pos,
            message: message.into(),
            hint: hint.into(),
            related: None,
        }
    }

    /// Adds a second location to the problem.
    #[must_use]
    pub fn with_related(mut self, pos: Pos, note: impl Into<String>) -> Problem {
        self.related = Some((pos, note.into()));
        self
    }

    /// Turns a serde-saphyr error (YAML syntax, budget) into a problem, without its snippet
    /// (ours is rendered later, with password lines hidden).
    pub(crate) fn from_yaml(error: &serde_saphyr::Error) -> Problem {
        let pos = error.location().map_or(Pos::START, |l| {
            Pos::at(
                usize::try_from(l.line()).unwrap_or(0),
                usize::try_from(l.column()).unwrap_or(0),
            )
        });
        let text = error.without_snippet().to_string();
        let message = strip_location_suffix(&text);
        let lower = message.to_lowercase();
        if lower.contains("budget") && lower.contains("documents") {
            return Problem::new(
                pos,
                "a `---` line starts a second YAML document here; a manifest is one document",
                "remove the `---` line, or put the second document in a manifest of its own",
            );
        }
        let hint = if lower.contains("budget") || lower.contains("alias") {
            "the manifest expands to far more than a manifest needs (an alias bomb?): \
             write the values out instead of nesting anchors and aliases"
        } else if lower.contains("duplicate") {
            "remove one of the two entries"
        } else {
            "fix the YAML syntax at this place (check indentation, quotes and colons)"
        };
        Problem::new(pos, message, hint)
    }

    /// Renders the problem for a terminal or a log, with `file` as the location's name and
    /// `source` as the manifest text (for the snippet).
    pub fn render(&self, file: &str, source: &str) -> String {
        let mut out = String::new();
        let Pos { line, column, .. } = self.pos;
        if line == 0 {
            let _ = writeln!(out, "error: {file}: {}", self.message);
        } else {
            let _ = writeln!(out, "error: {file}:{line}:{column}: {}", self.message);
        }
        snippet(&mut out, source, self.pos);
        if let Some((pos, note)) = &self.related {
            let _ = writeln!(out, "  note: {file}:{}:{}: {note}", pos.line, pos.column);
            snippet(&mut out, source, *pos);
        }
        let _ = writeln!(out, "  hint: {}", self.hint);
        out
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {} (hint: {})",
            self.pos.line, self.pos.column, self.message, self.hint
        )
    }
}

/// serde-saphyr appends " at line L column C" to some messages; the location is shown by us.
fn strip_location_suffix(text: &str) -> String {
    let first = text.lines().next().unwrap_or(text).trim();
    match first.find(" at line ") {
        Some(i) if first[i..].contains("column") => first[..i].to_string(),
        _ => first.to_string(),
    }
}

fn snippet(out: &mut String, source: &str, pos: Pos) {
    let Some(text) = pos.line.checked_sub(1).and_then(|i| source.lines().nth(i)) else {
        return;
    };
    let number = pos.line.to_string();
    let gutter = " ".repeat(number.len());
    if text.to_lowercase().contains("password") {
        let _ = writeln!(
            out,
            "{gutter} |\n{number} | (line not shown: it may hold a password)"
        );
        return;
    }
    let shown: String = text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let caret = " ".repeat(pos.column.saturating_sub(1));
    let _ = writeln!(out, "{gutter} |\n{number} | {shown}\n{gutter} | {caret}^");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rendering_names_file_line_column_and_hint() {
        let p = Problem::new(Pos::at(2, 3), "bad thing", "do the good thing");
        let text = p.render("m.yaml", "a: 1\nb: 2\n");
        assert!(text.starts_with("error: m.yaml:2:3: bad thing\n"), "{text}");
        assert!(text.contains("2 | b: 2\n  |   ^\n"), "{text}");
        assert!(text.ends_with("  hint: do the good thing\n"), "{text}");
    }

    #[test]
    fn lines_with_a_password_are_not_echoed() {
        let p = Problem::new(Pos::at(1, 11), "literal password", "use ${VAR}");
        let text = p.render("m.yaml", "password: hunter2\n");
        assert!(!text.contains("hunter2"), "{text}");
    }
}

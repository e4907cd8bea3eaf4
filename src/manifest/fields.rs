//! Reading typed values out of YAML [`Node`]s, one problem per mistake, never stopping early.
//!
//! A [`Fields`] is one mapping of the manifest: it reports repeated keys (naming both lines),
//! keys that are not part of the format (with a "did you mean" when a known key is close) and
//! keys that are not strings. The scalar readers turn a node into a string, boolean or
//! integer, or record why they cannot. A plain scalar in a string field keeps its exact text
//! (`no`, `on`, `1e3`, `0755`); YAML's null (`~` or nothing) there is refused with a hint to
//! quote it.

use std::collections::HashMap;

use super::problem::{Pos, Problem};
use super::raw::At;
use super::tree::{Kind, Node};

/// The problems found so far, and the text they point into.
pub(crate) struct Sink<'s> {
    pub(crate) source: &'s str,
    pub(crate) problems: Vec<Problem>,
}

impl Sink<'_> {
    /// Records a problem.
    pub(crate) fn push(&mut self, problem: Problem) {
        self.problems.push(problem);
    }

    /// Records a problem at `pos`.
    pub(crate) fn error(&mut self, pos: Pos, message: impl Into<String>, hint: impl Into<String>) {
        self.push(Problem::new(pos, message, hint));
    }

    /// The text a node was written with, when the parser recorded its byte range.
    fn raw_text(&self, node: &Node) -> Option<&str> {
        let start = node.pos.byte?;
        let len = node.pos.byte_len?;
        self.source.get(start..start + len)
    }
}

/// The known keys of one mapping, looked up by name.
pub(crate) struct Fields<'n> {
    pub(crate) pos: Pos,
    values: HashMap<&'n str, &'n Node>,
}

impl<'n> Fields<'n> {
    /// Reads `node` as a mapping that accepts `known` keys; `what` names it in messages
    /// ("a publish entry"). `None` (with a problem recorded) when it is not a mapping.
    pub(crate) fn read(
        node: &'n Node,
        what: &str,
        known: &[&str],
        sink: &mut Sink<'_>,
    ) -> Option<Fields<'n>> {
        let Kind::Map(entries) = &node.kind else {
            sink.error(
                node.pos,
                format!(
                    "{what} must be a mapping of `key: value` lines, found {}",
                    describe(node)
                ),
                format!(
                    "write it as `key: value` lines; it accepts {}",
                    list_keys(known)
                ),
            );
            return None;
        };
        let mut values = HashMap::new();
        let mut first_seen: HashMap<&str, Pos> = HashMap::new();
        for (key, value) in entries {
            let Kind::Str(name) = &key.kind else {
                sink.error(
                    key.pos,
                    format!("a key in {what} is {}, not a name", key.kind.describe()),
                    format!("use one of {}", list_keys(known)),
                );
                continue;
            };
            if let Some(first) = first_seen.get(name.as_str()) {
                let message = format!(
                    "key `{name}` is written twice in {what} (lines {} and {})",
                    first.line, key.pos.line
                );
                let problem =
                    Problem::new(key.pos, message, "keep one of the two and delete the other")
                        .with_related(*first, "first written here");
                sink.push(problem);
                continue;
            }
            first_seen.insert(name, key.pos);
            if known.contains(&name.as_str()) {
                values.insert(name.as_str(), value);
            } else {
                sink.push(unknown_key(name, key.pos, what, known));
            }
        }
        Some(Fields {
            pos: node.pos,
            values,
        })
    }

    /// The node of `key`, if written.
    pub(crate) fn get(&self, key: &str) -> Option<&'n Node> {
        self.values.get(key).copied()
    }

    /// The node of `key`, or a problem saying that `what` needs it.
    pub(crate) fn require(&self, key: &str, what: &str, sink: &mut Sink<'_>) -> Option<&'n Node> {
        let node = self.get(key);
        if node.is_none() {
            sink.error(
                self.pos,
                format!("{what} has no `{key}`"),
                format!("add `{key}:` to it (see docs/MANIFEST.md)"),
            );
        }
        node
    }
}

fn unknown_key(name: &str, pos: Pos, what: &str, known: &[&str]) -> Problem {
    let hint = match suggest(name, known) {
        Some(k) => format!("did you mean `{k}`?"),
        None => format!("remove it; {what} accepts {}", list_keys(known)),
    };
    Problem::new(pos, format!("unknown key `{name}` in {what}"), hint)
}

/// The candidate closest to `word`, when it is close enough to be a likely typo.
pub(crate) fn suggest<'c>(word: &str, candidates: &[&'c str]) -> Option<&'c str> {
    candidates
        .iter()
        .map(|c| (strsim::jaro_winkler(word, c), *c))
        .filter(|(score, c)| *score >= 0.8 || strsim::damerau_levenshtein(word, c) <= 2)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

/// Reads a string. Plain scalars that YAML would read as numbers or booleans keep their text.
pub(crate) fn string(node: &Node, field: &str, sink: &mut Sink<'_>) -> Option<At<String>> {
    let text = match &node.kind {
        Kind::Str(s) => s.clone(),
        Kind::Bool(_) | Kind::Int(_) | Kind::Float => match sink.raw_text(node) {
            Some(raw) => raw.to_string(),
            None => return wrong_type(node, field, "a string", "put the value in quotes", sink),
        },
        Kind::Null => {
            let shown = sink
                .raw_text(node)
                .filter(|t| !t.is_empty())
                .unwrap_or("nothing");
            sink.error(
                node.pos,
                format!("`{field}` is `{shown}`, which YAML reads as null, not as text"),
                format!("write a value, or quote it if you mean the text: `{field}: \"~\"`"),
            );
            return None;
        }
        Kind::Seq(_) | Kind::Map(_) => {
            return wrong_type(node, field, "a string", "write a single value", sink);
        }
    };
    Some(At {
        value: text,
        pos: node.pos,
    })
}

/// Reads `true` or `false`.
pub(crate) fn boolean(node: &Node, field: &str, sink: &mut Sink<'_>) -> Option<At<bool>> {
    match &node.kind {
        Kind::Bool(b) => Some(At {
            value: *b,
            pos: node.pos,
        }),
        _ => wrong_type(
            node,
            field,
            "`true` or `false`",
            "write `true` or `false`",
            sink,
        ),
    }
}

/// Reads a whole number.
pub(crate) fn integer(node: &Node, field: &str, sink: &mut Sink<'_>) -> Option<At<i128>> {
    match &node.kind {
        Kind::Int(i) => Some(At {
            value: *i,
            pos: node.pos,
        }),
        _ => wrong_type(
            node,
            field,
            "a whole number",
            "write a number without quotes",
            sink,
        ),
    }
}

/// Reads a list of strings.
pub(crate) fn strings(
    node: &Node,
    field: &str,
    sink: &mut Sink<'_>,
) -> Option<At<Vec<At<String>>>> {
    let Kind::Seq(items) = &node.kind else {
        return wrong_type(
            node,
            field,
            "a list",
            "write a list, e.g. `[\"a\", \"b\"]`",
            sink,
        );
    };
    let value = items
        .iter()
        .filter_map(|item| match &item.kind {
            Kind::Seq(_) | Kind::Map(_) => {
                sink.error(
                    item.pos,
                    format!(
                        "each item of `{field}` must be a string, found {}",
                        describe(item)
                    ),
                    "write the items as plain or quoted strings, one level deep",
                );
                None
            }
            _ => string(item, field, sink),
        })
        .collect();
    Some(At {
        value,
        pos: node.pos,
    })
}

/// Reads a list; each item is handed to `read`.
pub(crate) fn list<'n, T>(
    node: &'n Node,
    field: &str,
    sink: &mut Sink<'_>,
    mut read: impl FnMut(&'n Node, &mut Sink<'_>) -> Option<T>,
) -> Option<At<Vec<T>>> {
    let Kind::Seq(items) = &node.kind else {
        let hint = format!("write `{field}:` followed by `- ` items, one per entry");
        return wrong_type(node, field, "a list", &hint, sink);
    };
    let value = items.iter().filter_map(|item| read(item, sink)).collect();
    Some(At {
        value,
        pos: node.pos,
    })
}

fn wrong_type<T>(
    node: &Node,
    field: &str,
    want: &str,
    hint: &str,
    sink: &mut Sink<'_>,
) -> Option<T> {
    sink.error(
        node.pos,
        format!("`{field}` must be {want}, found {}", describe(node)),
        hint,
    );
    None
}

fn describe(node: &Node) -> String {
    match &node.kind {
        Kind::Str(s) if s.chars().count() <= 40 && !s.contains('\n') => format!("the text `{s}`"),
        kind => kind.describe().to_string(),
    }
}

/// `a`, `b` and `c`, in backticks.
pub(crate) fn list_keys(keys: &[&str]) -> String {
    let quoted: Vec<String> = keys.iter().map(|k| format!("`{k}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

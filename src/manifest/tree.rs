//! The YAML document as a generic tree whose every node knows where it was written.
//!
//! serde-saphyr does the YAML work (syntax, anchors and aliases, the alias-bomb budget); this
//! module only asks it for an untyped tree of [`Node`]s, each with its line, column and byte
//! range. Typing happens later, in `decode`, so that every problem of a manifest can be
//! collected instead of stopping at the first, and so that a plain scalar put in a string
//! field keeps the exact text it was written with (`no`, `on`, `1e3`).

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use serde_saphyr::options::DuplicateKeyPolicy;

use super::problem::{Pos, Problem};

/// One YAML node and where it was written.
#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub(crate) kind: Kind,
    pub(crate) pos: Pos,
}

/// What a node holds, as YAML's core schema reads it.
#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Null,
    Bool(bool),
    Int(i128),
    Float,
    Str(String),
    Seq(Vec<Node>),
    /// Entries in document order; repeated keys are kept so that both can be reported.
    Map(Vec<(Node, Node)>),
}

impl Kind {
    /// A short name of the node's type for messages ("a list", "a number", …).
    pub(crate) fn describe(&self) -> &'static str {
        match self {
            Kind::Null => "empty (null)",
            Kind::Bool(_) => "a boolean",
            Kind::Int(_) => "a whole number",
            Kind::Float => "a number",
            Kind::Str(_) => "a string",
            Kind::Seq(_) => "a list",
            Kind::Map(_) => "a mapping",
        }
    }
}

/// Parses `text` into a tree, with the manifest's alias and size budget.
///
/// # Errors
///
/// A YAML syntax error, or a document that exceeds the budget (an alias bomb, say), as a
/// located [`Problem`].
pub(crate) fn parse(text: &str) -> Result<Node, Box<Problem>> {
    let options = serde_saphyr::options! {
        budget: serde_saphyr::budget! {
            max_events: 200_000,
            max_aliases: 1_000,
            max_anchors: 1_000,
            max_depth: 32,
            max_documents: 1,
            max_nodes: 100_000,
            max_total_scalar_bytes: 16 * 1024 * 1024,
        },
        alias_limits: serde_saphyr::alias_limits! {
            max_total_replayed_events: 10_000,
            max_replay_stack_depth: 16,
            max_alias_expansions_per_anchor: 1_000,
        },
        duplicate_keys: DuplicateKeyPolicy::PassThrough,
        strict_booleans: true,
    };
    let blank_or_comment = |line: &str| {
        let line = line.trim();
        line.is_empty() || line.starts_with('#')
    };
    if text.lines().all(blank_or_comment) {
        return Err(Box::new(Problem::new(
            Pos::START,
            "the manifest is empty (it holds only blank lines and comments)",
            "start it with `version: 1` and a `publish:` list (see docs/MANIFEST.md)",
        )));
    }
    match serde_saphyr::from_str_with_options::<Spanned<Kind>>(text, options) {
        Ok(spanned) => Ok(node_from(spanned)),
        Err(error) => Err(Box::new(Problem::from_yaml(&error))),
    }
}

fn node_from(spanned: Spanned<Kind>) -> Node {
    let at = spanned.referenced;
    let span = at.span();
    let pos = Pos {
        line: usize::try_from(at.line()).unwrap_or(0),
        column: usize::try_from(at.column()).unwrap_or(0),
        byte: span.byte_offset().and_then(|b| usize::try_from(b).ok()),
        byte_len: span.byte_len().and_then(|b| usize::try_from(b).ok()),
    };
    Node {
        kind: spanned.value,
        pos,
    }
}

impl<'de> Deserialize<'de> for Kind {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Kind, D::Error> {
        deserializer.deserialize_any(KindVisitor)
    }
}

struct KindVisitor;

impl<'de> Visitor<'de> for KindVisitor {
    type Value = Kind;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_none<E: de::Error>(self) -> Result<Kind, E> {
        Ok(Kind::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Kind, D::Error> {
        Kind::deserialize(deserializer)
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Kind, E> {
        Ok(Kind::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Kind, E> {
        Ok(Kind::Int(v.into()))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Kind, E> {
        Ok(Kind::Int(v.into()))
    }

    fn visit_i128<E: de::Error>(self, v: i128) -> Result<Kind, E> {
        Ok(Kind::Int(v))
    }

    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Kind, E> {
        Ok(i128::try_from(v).map_or(Kind::Float, Kind::Int))
    }

    fn visit_f64<E: de::Error>(self, _: f64) -> Result<Kind, E> {
        Ok(Kind::Float)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Kind, E> {
        Ok(Kind::Str(v.to_string()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Kind, E> {
        Ok(Kind::Str(v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Kind, E> {
        Ok(Kind::Str(String::from_utf8_lossy(v).into_owned()))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kind, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Kind>>()? {
            items.push(node_from(item));
        }
        Ok(Kind::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Kind, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<Kind>>()? {
            let value = map.next_value::<Spanned<Kind>>()?;
            entries.push((node_from(key), node_from(value)));
        }
        Ok(Kind::Map(entries))
    }
}

//! The manifest: the declarative description of what to publish and which links to hand out.
//!
//! [`load`] reads a YAML file and resolves it into a [`Manifest`], the form the rest of the
//! engine consumes (paths made absolute, environment variables substituted, defaults filled
//! in). It works in four steps, and reports every problem it finds, not only the first:
//!
//! 1. `tree`: YAML text → a located tree (serde-saphyr; syntax errors and alias bombs stop
//!    here, as nothing after them can be trusted);
//! 2. `decode`: tree → the raw types of `raw` (unknown and repeated keys, wrong types);
//! 3. `check`, `check_links`: raw → [`Manifest`] (meaning: versions, names, paths, globs,
//!    links, `${VAR}` expansion by `interpolate`);
//! 4. on any problem, a [`ManifestError`] listing them all, each with line, column, snippet
//!    and hint. [`json_schema`] describes the same format for editors.

mod check;
mod check_links;
mod decode;
mod fields;
mod interpolate;
mod model;
mod problem;
mod raw;
mod tree;

pub use model::*;
pub use problem::{Pos, Problem};

use std::fmt;
use std::path::{Path, PathBuf};

use fields::Sink;

/// Reads, validates and resolves the manifest at `path`, with the process environment.
///
/// # Errors
///
/// A [`ManifestError`] listing every problem found (or the reason the file cannot be read).
pub fn load(path: &Path) -> Result<Manifest, ManifestError> {
    load_with_env(path, &|name| std::env::var(name).ok())
}

/// Like [`load`], with environment variables looked up by `lookup`.
///
/// # Errors
///
/// A [`ManifestError`] listing every problem found.
pub fn load_with_env(
    path: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Manifest, ManifestError> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::InvalidData => "a manifest is YAML text: save it as UTF-8",
            std::io::ErrorKind::IsADirectory => "name the manifest file, not its folder",
            _ => "check the path; it is relative to the current folder",
        };
        let problem = Problem::new(
            Pos::at(0, 0),
            format!("cannot read the manifest: {e}"),
            hint,
        );
        ManifestError::new(path, "", vec![problem])
    })?;
    let base = absolute_base(path);
    from_text(&text, &base, lookup).map_err(|problems| ManifestError::new(path, &text, problems))
}

/// Parses and resolves manifest `text` whose relative paths start at `base`.
///
/// # Errors
///
/// Every problem found, sorted by position.
pub fn from_text(
    text: &str,
    base: &Path,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Manifest, Vec<Problem>> {
    let node = tree::parse(text).map_err(|p| vec![*p])?;
    let mut sink = Sink {
        source: text,
        problems: Vec::new(),
    };
    let raw = decode::manifest(&node, &mut sink);
    let mut checker = check::Checker {
        sink: &mut sink,
        base,
        lookup,
    };
    checker.version(&raw);
    let settings = checker.settings(raw.settings.as_ref());
    let publish_raw = raw.publish.as_ref().map_or(&[][..], |p| &p.value[..]);
    if let Some(list) = &raw.publish
        && list.value.is_empty()
    {
        let hint = "add at least one entry with `name`, `from` and `to`";
        checker
            .sink
            .error(list.pos, "`publish` is an empty list: nothing to do", hint);
    }
    let checked = checker.publishes(publish_raw, &settings);
    let links_raw = raw.links.as_ref().map_or(&[][..], |l| &l.value[..]);
    let declared: Vec<String> = publish_raw
        .iter()
        .filter_map(|p| p.name.as_ref().map(|n| n.value.clone()))
        .collect();
    let links = checker.links(links_raw, &checked, &declared);
    let mut problems = sink.problems;
    if !problems.is_empty() {
        problems.sort_by_key(|p| (p.pos.line, p.pos.column));
        return Err(problems);
    }
    let publish = checked.into_iter().map(|c| c.publish).collect();
    Ok(Manifest {
        base_dir: base.to_path_buf(),
        settings,
        publish,
        links,
    })
}

/// The JSON Schema of the manifest format, pretty-printed, with a final newline.
pub fn json_schema() -> String {
    let generator = schemars::generate::SchemaSettings::draft2020_12().into_generator();
    let schema = generator.into_root_schema_for::<raw::RawManifest>();
    let mut value = schema.to_value();
    unwrap_descriptions(&mut value);
    let mut text = serde_json::to_string_pretty(&value).expect("a schema is always JSON");
    text.push('\n');
    text
}

/// Doc comments are wrapped at 100 columns; editors show descriptions as running text.
fn unwrap_descriptions(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match item {
                    serde_json::Value::String(text) if key == "description" => {
                        *text = text
                            .replace("\n\n", "\u{1}")
                            .replace('\n', " ")
                            .replace('\u{1}', "\n\n");
                    }
                    other => unwrap_descriptions(other),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(unwrap_descriptions),
        _ => {}
    }
}

fn absolute_base(path: &Path) -> PathBuf {
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::canonicalize(parent)
        .or_else(|_| std::path::absolute(parent))
        .unwrap_or_else(|_| parent.to_path_buf())
}

/// Everything that is wrong with one manifest file.
#[derive(Debug)]
pub struct ManifestError {
    /// The manifest's path, as given.
    pub file: PathBuf,
    /// Every problem, sorted by position.
    pub problems: Vec<Problem>,
    rendered: String,
}

impl ManifestError {
    fn new(file: &Path, source: &str, problems: Vec<Problem>) -> ManifestError {
        let name = file.display().to_string();
        let mut rendered: String = problems.iter().map(|p| p.render(&name, source)).collect();
        if problems.len() > 1 {
            rendered.push_str(&format!("{} problems in `{name}`\n", problems.len()));
        }
        ManifestError {
            file: file.to_path_buf(),
            problems,
            rendered,
        }
    }
}

impl fmt::Display for ManifestError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered)
    }
}

impl std::error::Error for ManifestError {}

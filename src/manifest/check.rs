//! The meaning of a manifest: version, settings and publish entries are checked and resolved.
//!
//! Every check records its problem and carries on, so that one run lists everything. Paths
//! are resolved against the manifest's folder after `${VAR}` expansion; remote paths are
//! normalised to `/a/b`. Links are checked in `check_links`, which needs the publish entries
//! resolved here.

use std::path::{Path, PathBuf};

use super::fields::Sink;
use super::interpolate::{self, ExpandError};
use super::model::{OnChange, Publish, RemotePath, Settings, Symlinks};
use super::problem::Pos;
use super::raw::{At, RawManifest, RawPublish, RawRemotePath, RawSettings};
use crate::source::filter;

/// Looks environment variables up (the process environment, or a fixed table in tests).
pub(crate) type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// What the checks share: the problem sink, the manifest's folder and the environment.
pub(crate) struct Checker<'a, 's> {
    pub(crate) sink: &'a mut Sink<'s>,
    pub(crate) base: &'a Path,
    pub(crate) lookup: Lookup<'a>,
}

/// A publish entry that passed its checks, with where it was written.
pub(crate) struct Checked {
    pub(crate) publish: Publish,
    pub(crate) name_pos: Pos,
    pub(crate) to_pos: Pos,
}

impl Checker<'_, '_> {
    /// Checks `version`.
    pub(crate) fn version(&mut self, raw: &RawManifest) {
        if let Some(v) = &raw.version
            && v.value != 1
        {
            self.sink.error(
                v.pos,
                format!("`version` is {}, but this tool reads version 1", v.value),
                "set `version: 1` (the only format there is so far)",
            );
        }
    }

    /// Checks and resolves `settings`, filling defaults.
    pub(crate) fn settings(&mut self, raw: Option<&RawSettings>) -> Settings {
        let mut settings = Settings::default();
        let Some(raw) = raw else { return settings };
        if let Some(jobs) = &raw.jobs {
            match usize::try_from(jobs.value) {
                Ok(n) if (1..=256).contains(&n) => settings.jobs = n,
                _ => self.sink.error(
                    jobs.pos,
                    format!("`jobs` is {}, outside 1 to 256", jobs.value),
                    "use a number from 1 to 256 (8 is a good start)",
                ),
            }
        }
        if let Some(v) = &raw.on_change {
            let choices = [
                ("replace", OnChange::Replace),
                ("skip", OnChange::Skip),
                ("fail", OnChange::Fail),
            ];
            if let Some(value) = self.choice(v, "on_change", &choices) {
                settings.on_change = value;
            }
        }
        if let Some(v) = &raw.symlinks {
            let choices = [("skip", Symlinks::Skip), ("follow", Symlinks::Follow)];
            if let Some(value) = self.choice(v, "symlinks", &choices) {
                settings.symlinks = value;
            }
        }
        if let Some(max) = &raw.max_delete {
            match usize::try_from(max.value) {
                Ok(n) => settings.max_delete = n,
                Err(_) => self.sink.error(
                    max.pos,
                    format!(
                        "`max_delete` is {}, which is negative or too large",
                        max.value
                    ),
                    "use 0 or a positive number of items",
                ),
            }
        }
        settings.prune = raw.prune.as_ref().is_some_and(|p| p.value);
        settings.gitignore = raw.gitignore.as_ref().is_some_and(|g| g.value);
        settings
    }

    fn choice<T: Copy>(&mut self, v: &At<String>, field: &str, choices: &[(&str, T)]) -> Option<T> {
        if let Some((_, value)) = choices.iter().find(|(name, _)| *name == v.value) {
            return Some(*value);
        }
        let names: Vec<&str> = choices.iter().map(|(n, _)| *n).collect();
        let hint = match choices
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(&v.value))
        {
            Some((n, _)) => format!("write it in lowercase: `{field}: {n}`"),
            None => format!("use one of {}", super::fields::list_keys(&names)),
        };
        self.sink
            .error(v.pos, format!("`{field}` cannot be `{}`", v.value), hint);
        None
    }

    /// Checks and resolves the publish entries (each on its own, then against each other).
    pub(crate) fn publishes(&mut self, raw: &[RawPublish], settings: &Settings) -> Vec<Checked> {
        let mut checked: Vec<Checked> = Vec::new();
        for entry in raw {
            let name = entry
                .name
                .as_ref()
                .and_then(|n| self.name(n, "publish entry"));
            if let Some(name) = &name
                && let Some(first) = checked.iter().find(|c| c.publish.name == name.value)
            {
                self.duplicate_name(name, first.name_pos, "publish entries");
            }
            let from = entry.from.as_ref().and_then(|f| self.source_folder(f));
            let include = self.globs(entry.include.as_ref(), "include");
            let exclude = self.globs(entry.exclude.as_ref(), "exclude");
            let to = entry.to.as_ref().and_then(|t| self.remote_path(t, "to"));
            let (Some(name), Some(from), Some(include), Some(exclude), Some(to)) =
                (name, from, include, exclude, to)
            else {
                continue;
            };
            let prune = entry.prune.as_ref().map_or(settings.prune, |p| p.value);
            let publish = Publish {
                name: name.value,
                from,
                include,
                exclude,
                to: to.0,
                prune,
            };
            checked.push(Checked {
                publish,
                name_pos: name.pos,
                to_pos: to.1,
            });
        }
        self.overlaps(&checked);
        checked
    }

    /// A non-empty name without `${…}`.
    pub(crate) fn name(&mut self, name: &At<String>, what: &str) -> Option<At<String>> {
        if name.value.trim().is_empty() {
            self.sink.error(
                name.pos,
                format!("the {what} has an empty `name`"),
                "give it a name",
            );
            return None;
        }
        if interpolate::has_reference(&name.value) {
            self.sink.error(
                name.pos,
                format!("`${{…}}` is not expanded in a {what}'s `name`"),
                "write the name literally (names identify entries across runs)",
            );
            return None;
        }
        Some(name.clone())
    }

    /// Reports a second use of a name.
    pub(crate) fn duplicate_name(&mut self, name: &At<String>, first: Pos, what: &str) {
        let message = format!(
            "two {what} are named `{}` (lines {} and {})",
            name.value, first.line, name.pos.line
        );
        let problem = super::problem::Problem::new(name.pos, message, "give each a unique name")
            .with_related(first, "first named here");
        self.sink.push(problem);
    }

    /// Expands `${VAR}` in a field, reporting each missing variable.
    pub(crate) fn expand(&mut self, value: &At<String>, field: &str) -> Option<String> {
        match interpolate::expand(&value.value, self.lookup) {
            Ok(text) => Some(text),
            Err(errors) => {
                for error in errors {
                    self.expand_error(&error, value.pos, field);
                }
                None
            }
        }
    }

    fn expand_error(&mut self, error: &ExpandError, pos: Pos, field: &str) {
        match error {
            ExpandError::Missing(name) => self.sink.error(
                pos,
                format!("`{field}` uses the environment variable `{name}`, which is not set"),
                if field == "password" {
                    format!(
                        "set `{name}` before running (from your CI's secret store: a password \
                         belongs in the environment, never in the manifest)"
                    )
                } else {
                    format!("set `{name}` before running, or write `${{{name}:-fallback}}`")
                },
            ),
            ExpandError::Malformed(text) => self.sink.error(
                pos,
                format!("`{field}` has `{text}`, which is not a valid `${{NAME}}` reference"),
                "write `${NAME}` or `${NAME:-fallback}` (NAME: letters, digits, `_`), \
                 or `$$` for a literal `$`",
            ),
        }
    }

    fn source_folder(&mut self, from: &At<String>) -> Option<PathBuf> {
        let expanded = self.expand(from, "from")?;
        if expanded.is_empty() {
            let hint = "name the local folder to publish, e.g. `from: ./public`";
            self.sink.error(from.pos, "`from` is empty", hint);
            return None;
        }
        let path = self.base.join(&expanded);
        match std::fs::metadata(&path) {
            Ok(meta) if meta.is_dir() => Some(std::fs::canonicalize(&path).unwrap_or(path)),
            Ok(_) => {
                let message = format!("`from` is `{expanded}`, which is a file, not a folder");
                self.sink.error(
                    from.pos,
                    message,
                    "point `from` at the folder that holds it",
                );
                None
            }
            Err(error) => {
                self.sink.error(
                    from.pos,
                    format!("source folder `{}` cannot be read: {error}", path.display()),
                    format!(
                        "create it or fix `from` (relative paths start at the manifest's \
                         folder, `{}`)",
                        self.base.display()
                    ),
                );
                None
            }
        }
    }

    fn globs(&mut self, list: Option<&At<Vec<At<String>>>>, field: &str) -> Option<Vec<String>> {
        let Some(list) = list else {
            return Some(if field == "include" {
                vec!["**".to_string()]
            } else {
                Vec::new()
            });
        };
        if field == "include" && list.value.is_empty() {
            let hint = "remove `include` to publish everything, or list the files to publish";
            self.sink.error(
                list.pos,
                "`include` is an empty list: nothing would be published",
                hint,
            );
            return None;
        }
        let mut ok = true;
        for pattern in &list.value {
            if let Err(why) = filter::check_pattern(&pattern.value) {
                ok = false;
                self.sink.error(
                    pattern.pos,
                    format!(
                        "`{field}` pattern `{}` is not a valid glob: {why}",
                        pattern.value
                    ),
                    "fix the pattern (see \"Filters\" in docs/MANIFEST.md); quote it if it \
                     starts with `*`, `{`, `[` or `!`",
                );
            }
        }
        ok.then(|| list.value.iter().map(|p| p.value.clone()).collect())
    }

    /// Checks and normalises a `{share, path}`; returns it with the mapping's position.
    pub(crate) fn remote_path(
        &mut self,
        raw: &RawRemotePath,
        what: &str,
    ) -> Option<(RemotePath, Pos)> {
        let share = raw.share.as_ref().and_then(|s| self.expand(s, "share"));
        let share = share.filter(|s| {
            let empty = s.trim().is_empty();
            if empty {
                let pos = raw.share.as_ref().map_or(raw.pos, |s| s.pos);
                let hint = "write the share's id (`shr_…`) or its name";
                self.sink
                    .error(pos, format!("`{what}.share` is empty"), hint);
            }
            !empty
        });
        let path = match &raw.path {
            None => Some("/".to_string()),
            Some(p) => self
                .expand(p, "path")
                .and_then(|e| self.folder_path(&e, p.pos, what)),
        };
        Some((
            RemotePath {
                share: share?,
                path: path?,
            },
            raw.pos,
        ))
    }

    fn folder_path(&mut self, path: &str, pos: Pos, what: &str) -> Option<String> {
        let problem = if !path.starts_with('/') {
            Some(("is not absolute", format!("start it with `/`: `/{path}`")))
        } else if path.len() > 1 && path.split('/').skip(1).any(str::is_empty) {
            Some((
                "has an empty segment (`//` or a trailing `/`)",
                "remove the extra `/`".into(),
            ))
        } else if path.split('/').any(|s| s == "." || s == "..") {
            Some((
                "has a `.` or `..` segment",
                "write the folder path without them".into(),
            ))
        } else if path.chars().any(char::is_control) {
            Some(("has control characters", "remove them".into()))
        } else {
            None
        };
        match problem {
            None => Some(path.to_string()),
            Some((why, hint)) => {
                self.sink
                    .error(pos, format!("`{what}.path` `{path}` {why}"), hint);
                None
            }
        }
    }

    /// Two publish entries may not write to the same folder, nor one inside the other.
    fn overlaps(&mut self, checked: &[Checked]) {
        for (i, later) in checked.iter().enumerate() {
            let Some(earlier) = checked[..i]
                .iter()
                .find(|e| overlap(&e.publish.to, &later.publish.to))
            else {
                continue;
            };
            let (a, b) = (&earlier.publish, &later.publish);
            let how = if a.to.path == b.to.path {
                "the same folder"
            } else {
                "nested folders"
            };
            let message = format!(
                "publish entries `{}` and `{}` write to {how} (`{}` and `{}` in share `{}`)",
                a.name, b.name, a.to.path, b.to.path, b.to.share
            );
            let hint = "give each entry its own folder, side by side, so that each owns (and \
                        may prune) what is inside it";
            let problem = super::problem::Problem::new(later.to_pos, message, hint)
                .with_related(earlier.to_pos, format!("`{}` is published here", a.name));
            self.sink.push(problem);
        }
    }
}

/// True when one remote folder is the other or inside it.
pub(crate) fn overlap(a: &RemotePath, b: &RemotePath) -> bool {
    a.share == b.share && (is_within(&a.path, &b.path) || is_within(&b.path, &a.path))
}

/// True when `inner` is `outer` or inside it (both normalised absolute paths).
pub(crate) fn is_within(inner: &str, outer: &str) -> bool {
    outer == "/" || inner == outer || inner.starts_with(&format!("{outer}/"))
}

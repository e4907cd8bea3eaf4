//! Include and exclude globs: which files of a source are published, and which rule decided.
//!
//! Semantics (documented for users in `docs/MANIFEST.md`): patterns are relative to the
//! source folder, use `/`, and are anchored at it (a leading `./` or `/` is ignored, so
//! `*.html` matches only top-level files; write `**/*.html` for every depth). `*`, `?` and
//! `[…]` never cross a `/`; `**` as a whole segment matches zero or more folders; `{a,b}`
//! is either; `\` escapes the next character. A pattern ending in `/` means that folder and
//! everything under it. Dotfiles are ordinary names. Matching is case-sensitive. A file is
//! published when it matches some include and no exclude; a folder exclude (`x/` or `x/**`)
//! also stops the walk from entering the folder.

use globset::{GlobBuilder, GlobMatcher};

/// The compiled include and exclude rules of one publish entry.
#[derive(Debug, Clone)]
pub struct Filter {
    include: Vec<Rule>,
    exclude: Vec<Rule>,
}

#[derive(Debug, Clone)]
struct Rule {
    pattern: String,
    matcher: GlobMatcher,
    /// For `x/` and `x/**`: matches the folder `x` itself, so a walk can skip it whole.
    folder: Option<GlobMatcher>,
}

/// Why a path is or is not published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Matched this include pattern and no exclude.
    Included { include: String },
    /// Matched an include, but this exclude pattern removed it.
    Excluded { exclude: String },
    /// No include pattern matched.
    NotIncluded,
}

impl Verdict {
    /// True when the path is published.
    pub fn is_included(&self) -> bool {
        matches!(self, Verdict::Included { .. })
    }
}

impl Filter {
    /// Compiles the patterns; every bad pattern is reported.
    ///
    /// # Errors
    ///
    /// One message per pattern that is not a valid glob (see [`check_pattern`]).
    pub fn new(include: &[String], exclude: &[String]) -> Result<Filter, Vec<String>> {
        let mut problems = Vec::new();
        let include = compile_all(include, &mut problems);
        let exclude = compile_all(exclude, &mut problems);
        if problems.is_empty() {
            Ok(Filter { include, exclude })
        } else {
            Err(problems)
        }
    }

    /// Decides for the file at `rel` (relative to the source, `/`-separated).
    pub fn verdict(&self, rel: &str) -> Verdict {
        let Some(include) = self.include.iter().find(|r| r.matcher.is_match(rel)) else {
            return Verdict::NotIncluded;
        };
        match self.excluding_rule(rel) {
            Some(exclude) => Verdict::Excluded {
                exclude: exclude.to_string(),
            },
            None => Verdict::Included {
                include: include.pattern.clone(),
            },
        }
    }

    /// True when an exclude removes the folder `rel` and everything under it, so that a walk
    /// need not enter it.
    pub fn excludes_folder(&self, rel: &str) -> bool {
        self.folder_exclude(rel).is_some()
    }

    /// The folder exclude (`x/` or `x/**`) that removes the folder `rel` whole, if any.
    pub fn folder_exclude(&self, rel: &str) -> Option<&str> {
        self.exclude
            .iter()
            .find(|r| r.folder.as_ref().is_some_and(|m| m.is_match(rel)))
            .map(|r| r.pattern.as_str())
    }

    /// The exclude that removes `rel`: one matching it, or a folder exclude of an ancestor.
    fn excluding_rule(&self, rel: &str) -> Option<&str> {
        if let Some(rule) = self.exclude.iter().find(|r| r.matcher.is_match(rel)) {
            return Some(&rule.pattern);
        }
        let mut end = rel.len();
        while let Some(slash) = rel[..end].rfind('/') {
            if let Some(pattern) = self.folder_exclude(&rel[..slash]) {
                return Some(pattern);
            }
            end = slash;
        }
        None
    }
}

/// Checks one pattern the way [`Filter::new`] compiles it.
///
/// # Errors
///
/// What is wrong with the pattern, in words meant for the manifest's author.
pub fn check_pattern(pattern: &str) -> Result<(), String> {
    compile(pattern).map(|_| ())
}

fn compile_all(patterns: &[String], problems: &mut Vec<String>) -> Vec<Rule> {
    patterns
        .iter()
        .filter_map(|p| match compile(p) {
            Ok((matcher, folder)) => Some(Rule {
                pattern: p.clone(),
                matcher,
                folder,
            }),
            Err(e) => {
                problems.push(format!("bad glob `{p}`: {e}"));
                None
            }
        })
        .collect()
}

fn compile(pattern: &str) -> Result<(GlobMatcher, Option<GlobMatcher>), String> {
    let trimmed = pattern.trim_start_matches("./").trim_start_matches('/');
    if trimmed.is_empty() {
        return Err("the pattern is empty".into());
    }
    if trimmed.split('/').any(|s| s == ".." || s == ".") {
        return Err(
            "`.` and `..` segments are not allowed: patterns are relative to `from` \
                    and cannot leave it"
                .into(),
        );
    }
    // A trailing `/` names a folder: match the folder itself and everything below it.
    let (glob, folder) = match trimmed.strip_suffix('/') {
        Some(folder) => (format!("{{{folder},{folder}/**}}"), Some(folder)),
        None => (trimmed.to_string(), trimmed.strip_suffix("/**")),
    };
    let folder = match folder {
        Some(f) if !f.is_empty() => Some(build(f)?),
        _ => None,
    };
    Ok((build(&glob)?, folder))
}

fn build(glob: &str) -> Result<GlobMatcher, String> {
    GlobBuilder::new(glob)
        .literal_separator(true)
        .backslash_escape(true)
        .build()
        .map(|g| g.compile_matcher())
        .map_err(|e| e.kind().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(include: &[&str], exclude: &[&str]) -> Filter {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        Filter::new(&own(include), &own(exclude)).unwrap()
    }

    #[test]
    fn star_does_not_cross_folders() {
        let f = filter(&["*.html"], &[]);
        assert!(f.verdict("index.html").is_included());
        assert!(!f.verdict("docs/index.html").is_included());
    }

    #[test]
    fn double_star_matches_zero_or_more_folders() {
        let f = filter(&["**/*.html"], &[]);
        assert!(f.verdict("index.html").is_included());
        assert!(f.verdict("a/b/c.html").is_included());
    }

    #[test]
    fn trailing_slash_excludes_the_folder_and_its_content() {
        let f = filter(&["**"], &["drafts/"]);
        assert_eq!(
            f.verdict("drafts/a/b.txt"),
            Verdict::Excluded {
                exclude: "drafts/".into()
            }
        );
        assert!(f.verdict("drafts.txt").is_included());
        assert!(f.excludes_folder("drafts"));
    }

    #[test]
    fn double_star_suffix_excludes_the_folder_whole() {
        let f = filter(&["**"], &["build/**"]);
        assert!(f.excludes_folder("build"));
        assert_eq!(
            f.verdict("build/x/y"),
            Verdict::Excluded {
                exclude: "build/**".into()
            }
        );
    }

    #[test]
    fn patterns_are_anchored_at_the_source() {
        let f = filter(&["**"], &["secret.txt"]);
        assert!(!f.verdict("secret.txt").is_included());
        assert!(f.verdict("sub/secret.txt").is_included());
    }

    #[test]
    fn bad_patterns_are_reported_each() {
        let own = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let errors = Filter::new(&own(&["a[", "../x"]), &own(&[""])).unwrap_err();
        assert_eq!(errors.len(), 3, "{errors:?}");
    }

    #[test]
    fn dotfiles_are_ordinary_names() {
        let f = filter(&["**"], &[]);
        assert!(f.verdict(".well-known/x").is_included());
    }
}

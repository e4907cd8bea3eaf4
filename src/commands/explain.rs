//! `explain`: say whether a local path is published, and which rule decided.
//!
//! For each publish entry whose source holds the path, the answer comes from the same walk
//! `apply` does (so symbolic links, `.gitignore` and empty-folder handling agree with it),
//! and the reason from the rules, in the order the walk applies them: a folder exclude on
//! an ancestor, `.gitignore` (when `settings.gitignore` is on), then the include and exclude
//! patterns. A path outside every source says so. The path need not exist: a missing path
//! is answered from the rules alone. Output goes to stdout; the exit code is 0 whenever an
//! answer was given, 2 when the manifest or the path cannot be used.

use std::path::{Path, PathBuf};

use ignore::gitignore::GitignoreBuilder;

use crate::cli::ExplainArgs;
use crate::exit;
use crate::manifest::{self, Manifest, Publish};
use crate::source::filter::{Filter, Verdict};
use crate::source::walk::walk;

/// Explains `args.path` under `args.manifest` and returns the exit code.
pub fn run(args: &ExplainArgs) -> i32 {
    let manifest = match manifest::load(&args.manifest) {
        Ok(m) => m,
        Err(e) => {
            eprint!("{e}");
            return exit::USAGE;
        }
    };
    let target = absolute(&args.path);
    let mut answered = false;
    for publish in &manifest.publish {
        let Ok(rel) = target.strip_prefix(&publish.from) else {
            continue;
        };
        let Some(rel) = rel.to_str().map(|r| r.replace('\\', "/")) else {
            eprintln!(
                "error: `{}` is not valid UTF-8; such names are not published",
                rel.display()
            );
            return exit::USAGE;
        };
        answered = true;
        let answer = explain(&manifest, publish, &rel, &target);
        println!("{}", crate::report::terminal_safe(&answer));
    }
    if !answered {
        let target = target.display().to_string();
        println!(
            "`{}` is outside every source, so it is not published; the sources are:",
            crate::report::terminal_safe(&target)
        );
        for publish in &manifest.publish {
            println!("  {}: {}", publish.name, publish.from.display());
        }
    }
    exit::SUCCESS
}

/// The answer for one publish entry, several lines, no final newline.
fn explain(manifest: &Manifest, publish: &Publish, rel: &str, abs: &Path) -> String {
    let head = format!(
        "{}: `{}`",
        publish.name,
        if rel.is_empty() { "." } else { rel }
    );
    let remote = remote_path(&publish.to.path, rel);
    let share = &publish.to.share;
    if rel.is_empty() {
        return format!(
            "{head}\n  published: yes, it is the source folder, as `{remote}` in share `{share}`"
        );
    }
    let Ok(filter) = Filter::new(&publish.include, &publish.exclude) else {
        return format!("{head}\n  published: unknown, the patterns do not compile");
    };
    let exists = abs.symlink_metadata().is_ok();
    let is_dir = abs.is_dir();
    let reason = reason(manifest, publish, &filter, rel, is_dir);
    let published = if exists {
        let (symlinks, gitignore) = (manifest.settings.symlinks, manifest.settings.gitignore);
        let tree = walk(publish, &filter, symlinks, gitignore);
        if is_dir {
            tree.folders.contains(rel)
        } else {
            tree.files.contains_key(rel)
        }
    } else {
        !is_dir && reason.1
    };
    let kind = if is_dir { "folder" } else { "file" };
    let refused = rel
        .split('/')
        .find_map(|name| crate::plan::invalid_name(name).map(|why| (name, why)));
    let answer = if let (true, Some((name, why))) = (published, refused) {
        format!("no, the rules let it in but `plan` refuses the name `{name}`: {why}")
    } else if published {
        format!("yes, as `{remote}` in share `{share}`")
    } else {
        "no".to_string()
    };
    let mut text = format!(
        "{head} ({kind})\n  published: {answer}\n  rule: {}",
        reason.0
    );
    if !exists {
        text.push_str("\n  note: the path does not exist; this is what the rules would decide");
    } else if is_dir {
        text.push_str(
            "\n  note: a folder is published when the rules include the folder itself, or \
             when it holds a published file or folder",
        );
    } else if published != reason.1 {
        text.push_str(
            "\n  note: the walk skips it (a symbolic link, a pipe, socket or device, or \
             unreadable)",
        );
    }
    text
}

/// Which rule decides `rel`, and whether that rule lets it in.
fn reason(
    manifest: &Manifest,
    publish: &Publish,
    filter: &Filter,
    rel: &str,
    is_dir: bool,
) -> (String, bool) {
    let mut end = rel.len();
    while let Some(slash) = rel[..end].rfind('/') {
        if let Some(pattern) = filter.folder_exclude(&rel[..slash]) {
            let folder = &rel[..slash];
            return (
                format!("exclude `{pattern}` removes the folder `{folder}` and all it holds"),
                false,
            );
        }
        end = slash;
    }
    if is_dir && let Some(pattern) = filter.folder_exclude(rel) {
        return (
            format!("exclude `{pattern}` removes this folder and all it holds"),
            false,
        );
    }
    if manifest.settings.gitignore
        && let Some((file, pattern)) = gitignored(&publish.from, rel, is_dir)
    {
        let why = format!(
            "`{pattern}` in `{}` ignores it (settings.gitignore is on)",
            file.display()
        );
        return (why, false);
    }
    match filter.verdict(rel) {
        Verdict::Included { include } if publish.include == ["**"] => (
            format!("include `{include}` (the default: everything), and no exclude matches"),
            true,
        ),
        Verdict::Included { include } => {
            (format!("include `{include}`, and no exclude matches"), true)
        }
        Verdict::Excluded { exclude } => (format!("exclude `{exclude}`"), false),
        Verdict::NotIncluded => {
            let list: Vec<String> = publish.include.iter().map(|p| format!("`{p}`")).collect();
            (
                format!("no include pattern matches (includes: {})", list.join(", ")),
                false,
            )
        }
    }
}

/// The `.gitignore` rule that ignores `rel` or one of its folders, as the walk applies them:
/// files in the source folder and below, the deepest deciding.
fn gitignored(root: &Path, rel: &str, is_dir: bool) -> Option<(PathBuf, String)> {
    let parts: Vec<&str> = rel.split('/').collect();
    for depth in 1..=parts.len() {
        let path = root.join(parts[..depth].join("/"));
        let path_is_dir = depth < parts.len() || is_dir;
        for level in (0..depth).rev() {
            let dir = root.join(parts[..level].join("/"));
            let file = dir.join(".gitignore");
            if !file.is_file() {
                continue;
            }
            let mut builder = GitignoreBuilder::new(&dir);
            let _ = builder.add(&file);
            let Ok(gitignore) = builder.build() else {
                continue;
            };
            let matched = gitignore.matched(&path, path_is_dir);
            if matched.is_ignore() {
                let pattern = matched
                    .inner()
                    .map(|g| g.original().to_string())
                    .unwrap_or_default();
                return Some((file, pattern));
            }
            if matched.is_whitelist() {
                break;
            }
        }
    }
    None
}

fn remote_path(base: &str, rel: &str) -> String {
    match (base, rel) {
        (base, "") => base.to_string(),
        ("/", rel) => format!("/{rel}"),
        (base, rel) => format!("{base}/{rel}"),
    }
}

/// `path` made absolute; symbolic links resolved as far as the path exists.
fn absolute(path: &Path) -> PathBuf {
    if let Ok(canonical) = std::fs::canonicalize(path) {
        return canonical;
    }
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match (abs.parent(), abs.file_name()) {
        (Some(parent), Some(name)) => absolute(parent).join(name),
        _ => abs,
    }
}

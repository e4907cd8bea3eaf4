//! Walking one source folder: which folders and files a publish entry covers locally.
//!
//! A file is published when its path passes the filter; so is a folder (which is how an
//! empty folder, or one whose files are all excluded, is published), and every folder above
//! a published item. With an include like `**/*.html`, folders themselves do not match, so
//! only the folders leading to published files are created.
//!
//! The walk is iterative (the `ignore` crate's walker keeps its own stack, so depth is not
//! limited by recursion). Symbolic links are skipped unless the manifest asks to follow
//! them; when followed, a loop is reported, not followed forever. Anything that cannot be
//! read is reported and remembered as unreadable, so that no deletion is ever planned from
//! its apparent absence. Only regular files are published: a named pipe, socket or device
//! has no content to upload (reading a pipe would wait forever), so it is skipped and
//! reported, and (like an unreadable item) never pruned from the share.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use ignore::WalkBuilder;

use super::filter::Filter;
use crate::manifest::{Publish, Symlinks};

/// A local file that is to be published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalFile {
    pub abs: PathBuf,
    pub size: u64,
    pub mtime_ns: i64,
    pub inode: u64,
}

/// What a source holds, after filtering. Paths are relative, `/`-separated, without a
/// leading `/`; the source folder itself is the empty path and is not listed.
#[derive(Debug, Default)]
pub struct LocalTree {
    pub folders: BTreeSet<String>,
    pub files: BTreeMap<String, LocalFile>,
    /// Relative paths that could not be read, with the reason.
    pub unreadable: Vec<(String, String)>,
    /// Symbolic links that were skipped or formed loops, for the report.
    pub skipped_links: Vec<String>,
    /// Pipes, sockets and devices: neither files nor folders, so never published.
    pub skipped_special: Vec<String>,
}

/// Walks `publish.from` with `filter`.
pub fn walk(publish: &Publish, filter: &Filter, symlinks: Symlinks, gitignore: bool) -> LocalTree {
    let root = publish.from.clone();
    let mut tree = LocalTree::default();
    let mut visited_dirs = BTreeSet::new();
    let prune_root = root.clone();
    let prune_filter = filter.clone();
    let walker = WalkBuilder::new(&root)
        .standard_filters(false)
        .hidden(false)
        .git_ignore(gitignore)
        .ignore(false)
        .require_git(false)
        .follow_links(symlinks == Symlinks::Follow)
        .filter_entry(move |entry| {
            let is_dir = entry.file_type().is_some_and(|t| t.is_dir());
            !(is_dir
                && relative(&prune_root, entry.path())
                    .is_some_and(|r| !r.is_empty() && prune_filter.excludes_folder(&r)))
        })
        .build();
    for item in walker {
        let entry = match item {
            Ok(entry) => entry,
            Err(error) => {
                let path = error_path(&error)
                    .and_then(|p| relative(&root, &p))
                    .unwrap_or_default();
                tree.unreadable.push((path, error.to_string()));
                continue;
            }
        };
        let Some(rel) = relative(&root, entry.path()) else {
            tree.unreadable
                .push((entry.path().display().to_string(), "not UTF-8".into()));
            continue;
        };
        if rel.is_empty() {
            continue;
        }
        let Some(file_type) = entry.file_type() else {
            continue;
        };
        if file_type.is_symlink() {
            tree.skipped_links.push(rel);
            continue;
        }
        if file_type.is_dir() {
            visited_dirs.insert(rel);
            continue;
        }
        if !filter.verdict(&rel).is_included() {
            continue;
        }
        match entry.metadata() {
            Ok(meta) if !meta.is_file() => tree.skipped_special.push(rel),
            Ok(meta) => {
                tree.files.insert(rel, local_file(entry.path(), &meta));
            }
            Err(error) => tree.unreadable.push((rel, error.to_string())),
        }
    }
    for rel in tree.files.keys() {
        add_ancestors(&mut tree.folders, rel);
    }
    for dir in visited_dirs {
        if filter.verdict(&dir).is_included() {
            add_ancestors(&mut tree.folders, &format!("{dir}/"));
        }
    }
    tree
}

fn local_file(path: &Path, meta: &std::fs::Metadata) -> LocalFile {
    use std::os::unix::fs::MetadataExt;
    LocalFile {
        abs: path.to_path_buf(),
        size: meta.len(),
        mtime_ns: meta.mtime() * 1_000_000_000 + meta.mtime_nsec(),
        inode: meta.ino(),
    }
}

/// Adds every folder above `rel` (a file path, or a folder path ending in `/`).
fn add_ancestors(folders: &mut BTreeSet<String>, rel: &str) {
    let mut end = rel.len();
    while let Some(slash) = rel[..end].rfind('/') {
        if !folders.insert(rel[..slash].to_string()) {
            break;
        }
        end = slash;
    }
}

/// `path` relative to `root`, `/`-separated; `None` when not UTF-8 or not below `root`.
pub fn relative(root: &Path, path: &Path) -> Option<String> {
    let rel = path.strip_prefix(root).ok()?;
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    Some(parts?.join("/"))
}

fn error_path(error: &ignore::Error) -> Option<PathBuf> {
    match error {
        ignore::Error::WithPath { path, .. } => Some(path.clone()),
        ignore::Error::WithDepth { err, .. } => error_path(err),
        ignore::Error::Loop { child, .. } => Some(child.clone()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn publish(root: &Path) -> Publish {
        Publish {
            name: "t".into(),
            from: root.to_path_buf(),
            include: vec!["**".into()],
            exclude: vec![],
            to: crate::manifest::RemotePath {
                share: "s".into(),
                path: "/".into(),
            },
            prune: false,
        }
    }

    #[test]
    fn finds_nested_files_and_empty_folders() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::create_dir_all(dir.path().join("empty")).unwrap();
        std::fs::write(dir.path().join("a/b/c.txt"), "x").unwrap();
        let filter = Filter::new(&["**".into()], &[]).unwrap();
        let tree = walk(&publish(dir.path()), &filter, Symlinks::Skip, false);
        assert_eq!(tree.files.keys().collect::<Vec<_>>(), ["a/b/c.txt"]);
        assert_eq!(
            tree.folders.iter().collect::<Vec<_>>(),
            ["a", "a/b", "empty"]
        );
    }

    #[test]
    fn symlinks_are_skipped_by_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real"), "x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("real"), dir.path().join("link")).unwrap();
        let filter = Filter::new(&["**".into()], &[]).unwrap();
        let tree = walk(&publish(dir.path()), &filter, Symlinks::Skip, false);
        assert_eq!(tree.files.keys().collect::<Vec<_>>(), ["real"]);
        assert_eq!(tree.skipped_links, ["link"]);
    }

    #[test]
    fn pipes_are_skipped_and_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("real"), "x").unwrap();
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        assert!(made.unwrap().success(), "mkfifo");
        let filter = Filter::new(&["**".into()], &[]).unwrap();
        let tree = walk(&publish(dir.path()), &filter, Symlinks::Skip, false);
        assert_eq!(tree.files.keys().collect::<Vec<_>>(), ["real"]);
        assert_eq!(tree.skipped_special, ["pipe"]);
    }
}

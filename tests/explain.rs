//! `explain` answers for the filter edge cases: `*` does not cross `/`, `**` matches zero or
//! more folders, a trailing `/` takes a folder whole, patterns are anchored at `from`,
//! dotfiles are ordinary, excludes win, `.gitignore` when asked, and paths outside sources.

use std::path::Path;

use assert_cmd::Command;

fn site(manifest: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "src/index.html",
        "src/docs/a.html",
        "src/docs/deep/b.html",
        "src/drafts/x.html",
        "src/drafts.txt",
        "src/.well-known/security.txt",
        "src/build/out.js",
        "src/notes.log",
        "src/keep/notes.log",
    ] {
        let path = dir.path().join(file);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, "x").unwrap();
    }
    std::fs::create_dir_all(dir.path().join("src/empty")).unwrap();
    std::fs::write(
        dir.path().join("src/.gitignore"),
        "*.log\n!keep/notes.log\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("m.yaml"), manifest).unwrap();
    dir
}

fn explain(dir: &Path, path: &str) -> String {
    let output = Command::cargo_bin("scaidrive-apply")
        .unwrap()
        .current_dir(dir)
        .args(["explain", "m.yaml", path])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn manifest(include: &str, exclude: &str, gitignore: bool) -> String {
    format!(
        "version: 1\nsettings: {{gitignore: {gitignore}}}\npublish:\n  - name: web\n    \
         from: src\n    include: {include}\n    exclude: {exclude}\n    \
         to: {{share: S, path: /w}}\n"
    )
}

#[test]
fn star_does_not_cross_a_slash() {
    let dir = site(&manifest("[\"*.html\"]", "[]", false));
    let top = explain(dir.path(), "src/index.html");
    assert!(
        top.contains("published: yes, as `/w/index.html` in share `S`"),
        "{top}"
    );
    assert!(top.contains("include `*.html`"), "{top}");
    let nested = explain(dir.path(), "src/docs/a.html");
    assert!(nested.contains("published: no"), "{nested}");
    assert!(nested.contains("no include pattern matches"), "{nested}");
}

#[test]
fn double_star_matches_zero_or_more_folders() {
    let dir = site(&manifest("[\"**/*.html\"]", "[]", false));
    for path in ["src/index.html", "src/docs/a.html", "src/docs/deep/b.html"] {
        let out = explain(dir.path(), path);
        assert!(
            out.contains("published: yes") && out.contains("include `**/*.html`"),
            "{out}"
        );
    }
}

#[test]
fn trailing_slash_excludes_the_folder_and_everything_in_it() {
    let dir = site(&manifest("[\"**\"]", "[\"drafts/\"]", false));
    let inside = explain(dir.path(), "src/drafts/x.html");
    assert!(inside.contains("published: no"), "{inside}");
    assert!(
        inside.contains("exclude `drafts/` removes the folder `drafts`"),
        "{inside}"
    );
    let folder = explain(dir.path(), "src/drafts");
    assert!(
        folder.contains("(folder)") && folder.contains("published: no"),
        "{folder}"
    );
    let sibling = explain(dir.path(), "src/drafts.txt");
    assert!(sibling.contains("published: yes"), "{sibling}");
}

#[test]
fn patterns_are_anchored_at_the_source_folder() {
    let dir = site(&manifest("[\"**\"]", "[\"a.html\"]", false));
    let out = explain(dir.path(), "src/docs/a.html");
    assert!(out.contains("published: yes"), "{out}");
}

#[test]
fn dotfiles_are_ordinary_names() {
    let dir = site(&manifest("[\"**\"]", "[]", false));
    let out = explain(dir.path(), "src/.well-known/security.txt");
    assert!(
        out.contains("published: yes, as `/w/.well-known/security.txt`"),
        "{out}"
    );
}

#[test]
fn default_include_is_named_as_such() {
    let dir =
        site("version: 1\npublish:\n  - name: web\n    from: src\n    to: {share: S, path: /w}\n");
    let out = explain(dir.path(), "src/build/out.js");
    assert!(
        out.contains("include `**` (the default: everything)"),
        "{out}"
    );
}

#[test]
fn exclude_wins_over_include() {
    let dir = site(&manifest("[\"**/*.js\"]", "[\"build/**\"]", false));
    let out = explain(dir.path(), "src/build/out.js");
    assert!(out.contains("published: no"), "{out}");
    assert!(out.contains("exclude `build/**`"), "{out}");
}

#[test]
fn empty_folder_matching_the_rules_is_published() {
    let dir = site(&manifest("[\"**\"]", "[]", false));
    let out = explain(dir.path(), "src/empty");
    assert!(
        out.contains("(folder)") && out.contains("published: yes, as `/w/empty`"),
        "{out}"
    );
}

#[test]
fn gitignore_decides_when_turned_on() {
    let dir = site(&manifest("[\"**\"]", "[]", true));
    let out = explain(dir.path(), "src/notes.log");
    assert!(out.contains("published: no"), "{out}");
    assert!(
        out.contains("`*.log` in") && out.contains("settings.gitignore is on"),
        "{out}"
    );
    let kept = explain(dir.path(), "src/keep/notes.log");
    assert!(kept.contains("published: yes"), "{kept}");
}

#[test]
fn gitignore_is_ignored_when_turned_off() {
    let dir = site(&manifest("[\"**\"]", "[]", false));
    let out = explain(dir.path(), "src/notes.log");
    assert!(out.contains("published: yes"), "{out}");
}

#[test]
fn path_outside_every_source_says_so() {
    let dir = site(&manifest("[\"**\"]", "[]", false));
    let out = explain(dir.path(), "m.yaml");
    assert!(out.contains("outside every source"), "{out}");
    assert!(out.contains("web: "), "{out}");
}

#[test]
fn missing_path_is_answered_from_the_rules() {
    let dir = site(&manifest("[\"**/*.html\"]", "[]", false));
    let out = explain(dir.path(), "src/new/page.html");
    assert!(
        out.contains("published: yes") && out.contains("does not exist"),
        "{out}"
    );
}

#[test]
fn a_name_the_plan_refuses_is_not_called_published_and_is_printed_escaped() {
    let dir = site(&manifest("[\"**\"]", "[]", false));
    std::fs::write(dir.path().join("src/bad\u{1b}[31mname.txt"), "x").unwrap();
    let out = explain(dir.path(), "src/bad\u{1b}[31mname.txt");
    assert!(out.contains("published: no"), "{out}");
    assert!(out.contains("control character"), "{out}");
    assert!(
        !out.contains('\u{1b}'),
        "raw escape reached the terminal: {out:?}"
    );
    assert!(out.contains("bad\\u{1b}[31mname.txt"), "{out}");
}

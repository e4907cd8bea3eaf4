//! `plan`: exact, read-only, and strict about what the service could not hold.

mod common;

use common::Env;

fn publish_all(env: &Env) -> std::path::PathBuf {
    env.manifest(
        "version: 1\npublish:\n  - name: site\n    from: src\n\
         \x20   to: { share: {share}, path: /pub }\n",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_sends_only_read_requests() {
    let env = Env::start().await;
    env.write("a/b.txt", "b");
    env.write("c.txt", "c");
    let manifest = env.simple_manifest();
    let run = env.run(&["plan", manifest.to_str().unwrap()]).await.ok();
    let log = env.server.request_log();
    assert!(!log.is_empty());
    let not_reads: Vec<_> = log.iter().filter(|r| r.method != "GET").collect();
    assert!(not_reads.is_empty(), "{not_reads:?}\n{}", run.stdout);
    assert!(env.remote_tree("/pub").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn detailed_exitcode_is_two_with_changes_and_zero_without() {
    let env = Env::start().await;
    env.write("a.txt", "a");
    let manifest = publish_all(&env);
    let m = manifest.to_str().unwrap();
    let before = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(before.code, 2, "{}{}", before.stdout, before.stderr);
    env.run(&[m]).await.ok();
    let after = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(after.code, 0, "{}{}", after.stdout, after.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn names_the_service_cannot_hold_are_all_reported_before_any_change() {
    let env = Env::start().await;
    env.write("Read.md", "1");
    env.write("read.md", "2");
    env.write("caf\u{e9}.txt", "nfc");
    env.write("cafe\u{301}.txt", "nfd");
    env.write("trailing.", "dot");
    env.write("tab\there", "control");
    env.write("red\u{1b}[31mname", "escape sequence");
    env.write("new\nline", "line feed");
    env.write("co:lon", "colon");
    env.write(&"x".repeat(250), "long but fine");
    let manifest = publish_all(&env);
    let run = env.run(&["plan", manifest.to_str().unwrap()]).await;
    assert_eq!(run.code, 1, "{}{}", run.stdout, run.stderr);
    for expected in [
        "Read.md, read.md",
        "caf\u{e9}.txt",
        "trailing.: the name ends with a dot or a space",
        "control character",
        "red\\u{1b}[31mname: the name contains a control character",
        "new\\nline: the name contains a control character",
        "co:lon",
    ] {
        assert!(
            run.stderr.contains(expected),
            "missing `{expected}` in:\n{}",
            run.stderr
        );
    }
    assert!(!run.stderr.contains(&"x".repeat(250)), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "a raw escape was printed");
    let apply = env.run(&[manifest.to_str().unwrap()]).await;
    assert_eq!(apply.code, 1);
    assert!(env.writes().is_empty(), "{:?}", env.writes());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_where_the_share_has_a_folder_and_the_reverse_are_conflicts() {
    let env = Env::start().await;
    env.write("x/inner.txt", "folder first");
    env.write("y", "file first");
    let manifest = publish_all(&env);
    let m = manifest.to_str().unwrap();
    env.run(&[m]).await.ok();
    std::fs::remove_dir_all(env.src().join("x")).unwrap();
    env.write("x", "now a file");
    std::fs::remove_file(env.src().join("y")).unwrap();
    env.write("y/inner.txt", "now a folder");
    env.server.clear_request_log();
    let run = env.run(&[m]).await;
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("/pub/x is a folder on the share but a file locally"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("/pub/y is a file on the share but a folder locally"),
        "{}",
        run.stderr
    );
    assert!(env.writes().is_empty(), "{:?}", env.writes());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_saved_plan_applies_exactly_and_a_stale_one_is_refused() {
    let env = Env::start().await;
    env.write("a.txt", "a");
    let manifest = env.simple_manifest();
    let m = manifest.to_str().unwrap();
    let plan_file = env.dir.path().join("plan.json");
    let p = plan_file.to_str().unwrap();
    env.run(&["plan", "--out", p, m]).await.ok();
    let saved = std::fs::read_to_string(&plan_file).unwrap();
    assert!(
        !saved.contains("correct horse"),
        "the plan file holds the link password"
    );
    env.run(&["apply", p]).await.ok();
    assert_eq!(env.remote_tree("/pub"), env.local_tree());

    env.write("b.txt", "b");
    env.run(&["plan", "--out", p, m]).await.ok();
    env.write("b.txt", "b, changed after the plan was made");
    env.server.clear_request_log();
    let stale = env.run(&["apply", p]).await;
    assert_eq!(stale.code, 1, "{}", stale.stderr);
    assert!(
        stale.stderr.contains("changed since the plan"),
        "{}",
        stale.stderr
    );
    assert!(env.writes().is_empty(), "{:?}", env.writes());
}

#[tokio::test(flavor = "multi_thread")]
async fn json_plan_is_versioned_and_holds_no_secret() {
    let env = Env::start().await;
    env.write("a.txt", "a");
    let manifest = env.simple_manifest();
    let run = env
        .run(&["plan", "--json", manifest.to_str().unwrap()])
        .await
        .ok();
    let doc: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(doc["format"], 1);
    assert_eq!(doc["tasks"].as_array().unwrap().len(), 3, "{doc:#}");
    assert!(!run.stdout.contains("correct horse"));
    assert!(!run.stdout.contains(&env.creds.token));
}

/// A fully published tree of 50,000 files, planned again with a warm state cache: one list
/// per folder and not a single per-file request. (The publish itself takes most of this
/// test's time, about 45 s on 2 cores.)
#[tokio::test(flavor = "multi_thread")]
async fn replanning_a_published_tree_lists_each_folder_once_and_reads_no_file() {
    let env = Env::start().await;
    let folders = 250;
    let per_folder = 200;
    for f in 0..folders {
        for i in 0..per_folder {
            env.write(&format!("d{f:03}/sub/f{i:03}.txt"), format!("{f}-{i}"));
        }
    }
    let manifest = publish_all(&env);
    let m = manifest.to_str().unwrap();
    env.run(&["-j", "16", "-q", m]).await.ok();
    let files = env
        .server
        .snapshot(&env.creds.share_id)
        .values()
        .filter(|e| e.kind == scaidrive_server::EntryKind::File)
        .count();
    assert_eq!(files, folders * per_folder);
    env.server.clear_request_log();
    let run = env.run(&["plan", "--detailed-exitcode", m]).await;
    assert_eq!(run.code, 0, "{}{}", run.stdout, run.stderr);
    let log = env.server.request_log();
    let lists = log.iter().filter(|r| r.path.ends_with("/children")).count();
    let file_reads = log
        .iter()
        .filter(|r| r.path.starts_with("/api/v1/files/"))
        .count();
    // The target folder, its 250 folders and their 250 subfolders, plus the root to find /pub.
    assert_eq!(lists, 1 + 1 + folders * 2, "{log:?}");
    assert_eq!(file_reads, 0);
    assert_eq!(env.writes(), Vec::<String>::new());
}

fn follow_manifest(env: &Env, prune: bool) -> std::path::PathBuf {
    env.manifest(&format!(
        "version: 1\nsettings: {{ symlinks: follow }}\npublish:\n  - name: site\n    from: src\n\
         \x20   to: {{ share: {{share}}, path: /pub }}\n    prune: {prune}\n"
    ))
}

/// Symbolic links are skipped unless asked for; followed, a loop is reported and not
/// walked forever.
#[tokio::test(flavor = "multi_thread")]
async fn symlinks_are_skipped_by_default_and_followed_with_loops_reported() {
    use std::os::unix::fs::symlink;
    let env = Env::start().await;
    env.write("real/a.txt", "a");
    symlink(env.src().join("real"), env.src().join("alias")).unwrap();
    symlink(env.src(), env.src().join("real/loop")).unwrap();
    let skip = publish_all(&env);
    let run = env.run(&[skip.to_str().unwrap()]).await.ok();
    assert!(
        run.stderr.contains("skipped symbolic link"),
        "{}",
        run.stderr
    );
    let remote: Vec<String> = env.remote_tree("/pub").into_keys().collect();
    assert_eq!(remote, ["real", "real/a.txt"]);

    let follow = follow_manifest(&env, false);
    let run = env.run(&[follow.to_str().unwrap()]).await.ok();
    assert!(
        run.stderr.contains("real/loop"),
        "the loop is named: {}",
        run.stderr
    );
    let remote: Vec<String> = env.remote_tree("/pub").into_keys().collect();
    assert_eq!(remote, ["alias", "alias/a.txt", "real", "real/a.txt"]);
}

/// What cannot be read locally is never taken for absent: prune leaves it alone.
#[tokio::test(flavor = "multi_thread")]
async fn an_unreadable_folder_is_reported_and_never_pruned() {
    let env = Env::start().await;
    env.write("keep/a.txt", "a");
    env.write("docs/b.txt", "b");
    let manifest = follow_manifest(&env, true);
    let m = manifest.to_str().unwrap();
    env.run(&[m]).await.ok();
    // `docs` becomes a link to nowhere: followed, it cannot be read.
    std::fs::remove_dir_all(env.src().join("docs")).unwrap();
    std::os::unix::fs::symlink(env.dir.path().join("gone"), env.src().join("docs")).unwrap();
    env.server.clear_request_log();
    let run = env.run(&[m]).await.ok();
    assert!(run.stderr.contains("cannot read"), "{}", run.stderr);
    assert!(run.stderr.contains("docs"), "{}", run.stderr);
    assert!(env.writes().is_empty(), "{:?}", env.writes());
    assert!(env.remote_tree("/pub").contains_key("docs/b.txt"));
}

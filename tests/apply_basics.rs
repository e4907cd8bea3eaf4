//! Publishing a tree end to end: the remote equals the source byte for byte, links are made
//! once, and a second run changes nothing.

mod common;

use common::Env;

fn site(env: &Env) {
    env.write("index.html", "<h1>hello</h1>");
    env.write("docs/guide.html", "guide");
    env.write("docs/deep/er/file.txt", "deep");
    env.write("Résumé final.pdf", vec![7u8; 70_000]);
    env.write("empty.txt", "");
    std::fs::create_dir_all(env.src().join("empty-folder")).unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn clean_publish_makes_the_remote_equal_to_the_source() {
    let env = Env::start().await;
    site(&env);
    let manifest = env.simple_manifest();
    let run = env.run(&[manifest.to_str().unwrap()]).await.ok();
    assert_eq!(env.remote_tree("/pub"), env.local_tree());
    assert!(run.stderr.contains("link dl: http"), "{}", run.stderr);
    let links = env
        .writes()
        .iter()
        .filter(|w| w.starts_with("POST /api/v1/external/links"))
        .count();
    assert_eq!(links, 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn second_run_sends_no_write_and_plan_is_empty() {
    let env = Env::start().await;
    site(&env);
    let manifest = env.simple_manifest();
    let manifest = manifest.to_str().unwrap();
    env.run(&[manifest]).await.ok();
    env.server.clear_request_log();
    let again = env.run(&[manifest]).await.ok();
    assert_eq!(env.writes(), Vec::<String>::new(), "{}", again.stderr);
    assert!(
        again.stderr.contains("Nothing to change: checked in "),
        "{}",
        again.stderr
    );
    let plan = env.run(&["plan", "--detailed-exitcode", manifest]).await;
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(plan.stdout.contains("No changes"), "{}", plan.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn plan_sends_only_reads_and_says_what_apply_does() {
    let env = Env::start().await;
    site(&env);
    let manifest = env.simple_manifest();
    let plan = env
        .run(&["plan", "--detailed-exitcode", manifest.to_str().unwrap()])
        .await;
    assert_eq!(plan.code, 2, "{}{}", plan.stdout, plan.stderr);
    assert_eq!(env.writes(), Vec::<String>::new());
    assert!(plan.stdout.contains("upload 5 files"), "{}", plan.stdout);
    assert!(env.remote_tree("/pub").is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn changed_and_removed_files_are_replaced_and_pruned() {
    let env = Env::start().await;
    site(&env);
    let manifest = env.manifest(
        "version: 1\nsettings: { prune: true }\npublish:\n  - name: site\n    from: src\n\
         \x20   to: { share: {share}, path: /pub }\n",
    );
    let manifest = manifest.to_str().unwrap();
    env.run(&[manifest]).await.ok();
    env.write("index.html", "<h1>changed</h1>");
    std::fs::remove_file(env.src().join("docs/guide.html")).unwrap();
    let plan = env.run(&["plan", manifest]).await.ok();
    assert!(
        plan.stdout.contains("~ replace /pub/index.html"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("- delete /pub/docs/guide.html"),
        "{}",
        plan.stdout
    );
    env.server.clear_request_log();
    env.run(&[manifest]).await.ok();
    assert_eq!(env.remote_tree("/pub"), env.local_tree());
    let writes = env.writes();
    assert!(
        writes.iter().all(|w| !w.contains("/api/v1/files ")),
        "{writes:?}"
    );
    assert_eq!(
        writes.iter().filter(|w| w.starts_with("DELETE")).count(),
        1,
        "{writes:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn max_delete_counts_what_a_deleted_folder_holds() {
    let env = Env::start().await;
    env.write("keep.txt", "kept");
    for i in 0..6 {
        env.write(&format!("old/f{i}.txt"), format!("file {i}"));
    }
    let yaml = |max: usize| {
        format!(
            "version: 1\nsettings: {{ prune: true, max_delete: {max} }}\npublish:\n  - name: site\n\
             \x20   from: src\n    to: {{ share: {{share}}, path: /pub }}\n"
        )
    };
    let manifest = env.manifest(&yaml(5));
    let manifest = manifest.to_str().unwrap();
    env.run(&[manifest]).await.ok();
    std::fs::remove_dir_all(env.src().join("old")).unwrap();
    env.server.clear_request_log();
    let refused = env.run(&[manifest]).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("prune would delete 7 items"),
        "{}",
        refused.stderr
    );
    assert_eq!(env.writes(), Vec::<String>::new());
    assert_eq!(env.remote_tree("/pub").len(), 8);
    let manifest = env.manifest(&yaml(7));
    env.run(&[manifest.to_str().unwrap()]).await.ok();
    assert_eq!(env.remote_tree("/pub"), env.local_tree());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_pipe_is_skipped_with_a_warning_and_never_read() {
    let env = Env::start().await;
    env.write("real.txt", "real");
    let fifo = env.src().join("pipe");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    assert!(made.unwrap().success(), "mkfifo");
    let manifest = env.simple_manifest();
    let run = env.run(&[manifest.to_str().unwrap()]).await.ok();
    assert!(
        run.stderr.contains("pipe: not a regular file"),
        "{}",
        run.stderr
    );
    assert_eq!(
        env.remote_tree("/pub").keys().collect::<Vec<_>>(),
        ["real.txt"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn on_change_skip_keeps_the_remote_and_says_so_and_fail_refuses() {
    let env = Env::start().await;
    env.write("a.txt", "first");
    let yaml = |policy: &str| {
        format!(
            "version: 1\nsettings: {{ on_change: {policy} }}\npublish:\n  - name: site\n\
             \x20   from: src\n    to: {{ share: {{share}}, path: /pub }}\n"
        )
    };
    let skip = env.manifest(&yaml("skip"));
    let skip = skip.to_str().unwrap();
    env.run(&[skip]).await.ok();
    let published = env.remote_tree("/pub");
    env.write("a.txt", "second");
    let plan = env.run(&["plan", "--detailed-exitcode", skip]).await;
    assert_eq!(plan.code, 0, "{}{}", plan.stdout, plan.stderr);
    assert!(
        plan.stdout.contains("/pub/a.txt differs") && plan.stdout.contains("`skip`"),
        "{}",
        plan.stdout
    );
    env.server.clear_request_log();
    env.run(&[skip]).await.ok();
    assert_eq!(env.writes(), Vec::<String>::new());
    assert_eq!(env.remote_tree("/pub"), published);
    let fail = env.manifest(&yaml("fail"));
    let refused = env.run(&[fail.to_str().unwrap()]).await;
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("settings.on_change is `fail`"),
        "{}",
        refused.stderr
    );
    assert_eq!(env.remote_tree("/pub"), published);
}

#[tokio::test(flavor = "multi_thread")]
async fn quiet_prints_only_the_result_and_the_links() {
    let env = Env::start().await;
    site(&env);
    let manifest = env.simple_manifest();
    let run = env.run(&["-q", manifest.to_str().unwrap()]).await.ok();
    let lines: Vec<&str> = run.stderr.lines().collect();
    assert_eq!(lines.len(), 2, "{}", run.stderr);
    assert!(lines[0].starts_with("Done in "), "{}", run.stderr);
    assert!(lines[0].contains("files uploaded"), "{}", run.stderr);
    assert!(lines[1].starts_with("link dl: http"), "{}", run.stderr);
    assert_eq!(run.stdout, "", "nothing on stdout");
}

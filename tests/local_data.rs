//! One data folder, one user at a time: `--local` runs and `serve` lock the folder they use,
//! a second one fails at once with a message naming the folder, and a `--local` run next to a
//! running `serve` publishes through it.

mod common;

use std::path::Path;
use std::process::Stdio;

use common::{Env, LINK_PASSWORD, RUN_TIMEOUT, Run};
use scaidrive_server::DirLock;

/// A source folder and a manifest with one password link, on the default share `Local`.
fn project(dir: &Path) -> String {
    std::fs::create_dir_all(dir.join("src")).unwrap();
    std::fs::write(dir.join("src/index.html"), "<h1>hi</h1>").unwrap();
    let manifest = dir.join("manifest.yaml");
    std::fs::write(
        &manifest,
        "version: 1\n\
         publish:\n  - name: site\n    from: src\n    to: { share: Local, path: /pub }\n\
         links:\n  - name: dl\n    target: site\n    type: DOWNLOAD\n\
         \x20   password: ${LINK_PASSWORD}\n",
    )
    .unwrap();
    manifest.to_str().unwrap().to_owned()
}

/// Starts the binary without a connection in the environment.
fn spawn(dir: &Path, args: &[&str]) -> tokio::process::Child {
    tokio::process::Command::new(env!("CARGO_BIN_EXE_scaidrive-apply"))
        .args(args)
        .current_dir(dir)
        .env_remove("SCAIDRIVE_URL")
        .env_remove("SCAIDRIVE_TOKEN")
        .env_remove("SCAIDRIVE_REFRESH_TOKEN")
        .env_remove("RUST_LOG")
        .env("LINK_PASSWORD", LINK_PASSWORD)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

async fn finish(child: tokio::process::Child) -> Run {
    let out = tokio::time::timeout(RUN_TIMEOUT, child.wait_with_output())
        .await
        .expect("the run did not end in time")
        .unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

async fn run(dir: &Path, args: &[&str]) -> Run {
    finish(spawn(dir, args)).await
}

/// (active, all) links on `/pub` of the default share, read by a server opened on `data`.
async fn links_on_pub(data: &Path) -> (usize, usize) {
    let env = Env::start_with(|c| c.data_dir = data.to_owned()).await;
    let snapshot = env.server.snapshot(&env.creds.share_id);
    let pub_id = snapshot.get("/pub").expect("/pub exists").id.clone();
    env.links_on(&pub_id).await
}

#[tokio::test(flavor = "multi_thread")]
async fn two_local_runs_at_once_never_publish_twice() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = project(dir.path());
    let data = dir.path().join("data");
    let args = ["--local", "--local-data", data.to_str().unwrap(), &manifest];
    for _ in 0..3 {
        let (a, b) = (spawn(dir.path(), &args), spawn(dir.path(), &args));
        for run in [finish(a).await, finish(b).await] {
            // Either run may win; the loser says why, naming the folder.
            if run.code != 0 {
                assert_eq!(run.code, 1, "{run:?}");
                assert!(run.stderr.contains("is in use by another"), "{run:?}");
                assert!(run.stderr.contains(data.to_str().unwrap()), "{run:?}");
            }
        }
    }
    run(dir.path(), &args).await.ok();
    assert_eq!(links_on_pub(&data).await, (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_run_on_a_folder_held_by_another_run_fails_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = project(dir.path());
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let args = ["--local", "--local-data", data.to_str().unwrap(), &manifest];

    // What another `--local` run holds for its whole life.
    let held = DirLock::try_acquire(&data, "local.lock").unwrap();
    let run = run(dir.path(), &args).await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains(data.to_str().unwrap()), "{run:?}");
    assert!(
        run.stderr
            .contains("in use by another scaidrive-apply --local run"),
        "{run:?}"
    );
    drop(held);

    // A server that did not announce a URL (not a `serve`) holds the folder.
    let held = DirLock::try_acquire(&data, "server.lock").unwrap();
    let second = self::run(dir.path(), &args).await;
    assert_eq!(second.code, 1, "{second:?}");
    assert!(
        second
            .stderr
            .contains("is in use by another scaidrive-apply run or `serve`"),
        "{second:?}"
    );
    drop(held);
    assert!(!data.join("scaidrive.db").exists(), "nothing was started");
}

#[tokio::test(flavor = "multi_thread")]
async fn serve_refuses_a_folder_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    let _held = DirLock::try_acquire(&data, "server.lock").unwrap();
    let run = run(
        dir.path(),
        &[
            "serve",
            "--data",
            data.to_str().unwrap(),
            "--addr",
            "127.0.0.1:0",
        ],
    )
    .await;
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains(data.to_str().unwrap()), "{run:?}");
    assert!(
        run.stderr
            .contains("in use by another scaidrive-apply run or `serve`"),
        "{run:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_run_publishes_through_a_running_serve_on_its_folder() {
    // A server that announces itself, as `serve` does.
    let env = Env::start_with(|c| c.announce = true).await;
    let data = env.dir.path().join("server");
    let manifest = project(env.dir.path());
    let args = ["--local", "--local-data", data.to_str().unwrap(), &manifest];
    let first = run(env.dir.path(), &args).await.ok();
    assert!(
        first.stderr.contains(&format!(
            "publishing through the running `serve` at {}",
            env.server.url()
        )),
        "{first:?}"
    );
    // The link points at the running server, which can open it.
    let link = format!("link dl: {}/share/", env.server.url());
    assert!(first.stderr.contains(&link), "{first:?}");
    assert!(
        env.server
            .snapshot(&env.creds.share_id)
            .contains_key("/pub/index.html")
    );

    let again = run(env.dir.path(), &args).await.ok();
    assert!(again.stderr.contains("1 kept"), "{again:?}");
    let pub_id = env.server.snapshot(&env.creds.share_id)["/pub"].id.clone();
    assert_eq!(env.links_on(&pub_id).await, (1, 1));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_note_left_by_a_killed_serve_is_ignored() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = project(dir.path());
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    // Nobody holds the lock: the note is stale and its URL must not be used.
    std::fs::write(
        data.join("serve.json"),
        r#"{"url": "http://127.0.0.1:9", "pid": 1}"#,
    )
    .unwrap();
    let args = ["--local", "--local-data", data.to_str().unwrap(), &manifest];
    let run = run(dir.path(), &args).await.ok();
    assert!(!run.stderr.contains("publishing through"), "{run:?}");
    assert!(!data.join("serve.json").exists());
}

//! `kill -9` loses nothing that was acknowledged: the server runs in a child process (this
//! same test binary, re-executed), is killed with SIGKILL after some writes, and a fresh
//! server on the same data dir must show every acknowledged write.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{Api, sha256};
use scaidrive_server::{Config, Credentials, Server};
use serde_json::{Value, json};

const CHILD_ENV: &str = "SCAIDRIVE_CRASH_CHILD_DIR";

/// Entry point of the child process; does nothing in a normal test run.
#[test]
fn serves_as_the_child_process_of_the_crash_test() {
    let Ok(dir) = std::env::var(CHILD_ENV) else {
        return;
    };
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let server = Server::start(Config::new(dir)).await.unwrap();
        println!("SERVER-URL {}", server.url());
        std::future::pending::<()>().await;
    });
}

#[tokio::test]
async fn acknowledged_writes_survive_kill_dash_nine() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "serves_as_the_child_process_of_the_crash_test",
            "--nocapture",
        ])
        .env(CHILD_ENV, dir.path())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let url = loop {
        let line = lines.next().expect("child exited early").unwrap();
        if let Some(url) = line.strip_prefix("SERVER-URL ") {
            break url.to_owned();
        }
    };
    let creds: Credentials =
        serde_json::from_slice(&std::fs::read(dir.path().join("connection.json")).unwrap())
            .unwrap();
    assert_eq!(creds.url, url);
    let api = Api {
        http: common::http(),
        creds: creds.clone(),
    };

    let folder = api.mkdir(None, "acked").await;
    let folder_id = folder["id"].as_str().unwrap();
    for i in 0..20u8 {
        api.upload(Some(folder_id), &format!("f{i}.txt"), &[i; 100])
            .await;
    }
    let big: Vec<u8> = (0..200_000u32).map(|i| (i % 241) as u8).collect();
    let session: Value = api
        .post_json(
            "/api/v1/uploads",
            json!({ "share_id": api.share(), "file_name": "big.bin", "file_size": big.len(),
                    "chunk_size": 65_536 }),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = session["session_id"].as_str().unwrap();
    for (i, chunk) in big.chunks(65_536).enumerate() {
        let resp = api
            .req(
                reqwest::Method::PUT,
                &format!("/api/v1/uploads/{id}/chunks/{i}"),
            )
            .body(chunk.to_vec())
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 200);
    }
    let done = api
        .req(
            reqwest::Method::POST,
            &format!("/api/v1/uploads/{id}/complete"),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), 200);

    child.kill().unwrap();
    child.wait().unwrap();

    let server = Server::start(Config::new(dir.path())).await.unwrap();
    let snapshot = server.snapshot(&creds.share_id);
    assert_eq!(snapshot.len(), 22, "{snapshot:#?}");
    assert_eq!(
        snapshot["/acked/f7.txt"].sha256.as_deref(),
        Some(sha256(&[7; 100]).as_str())
    );
    assert_eq!(
        snapshot["/big.bin"].sha256.as_deref(),
        Some(sha256(&big).as_str())
    );
    let api = Api {
        http: common::http(),
        creds: server.credentials(),
    };
    let file_id = &snapshot["/big.bin"].id;
    let content = api.get(&format!("/api/v1/files/{file_id}/content")).await;
    assert_eq!(content.bytes().await.unwrap().to_vec(), big);
}

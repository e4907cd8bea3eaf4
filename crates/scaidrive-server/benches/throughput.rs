//! Throughput of the local server, measured end to end over loopback HTTP with reqwest:
//! small-file multipart uploads per second, and chunk PUTs in MB/s.
//!
//! Run: `cargo bench -p scaidrive-server --bench throughput` (release profile). Environment:
//! `BENCH_FILES` (default 5000), `BENCH_FILE_BYTES` (1024), `BENCH_CHUNK_MB` total chunk data
//! in MiB (1024), `BENCH_CONCURRENCY` (32 for files, 8 for chunks). Client and server share the
//! same process and cores, so the numbers are a floor for the server alone.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures::StreamExt;
use scaidrive_server::{Config, Server};
use serde_json::{Value, json};

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

async fn small_files(server: &Server, http: &reqwest::Client) -> (usize, Duration) {
    let creds = Arc::new(server.create_share("bench-files"));
    let count = env("BENCH_FILES", 5000);
    let size = env("BENCH_FILE_BYTES", 1024);
    let concurrency = env("BENCH_CONCURRENCY", 32);
    let start = Instant::now();
    let results = futures::stream::iter(0..count)
        .map(|i| {
            let (http, creds) = (http.clone(), Arc::clone(&creds));
            async move {
                let body = vec![(i % 251) as u8; size];
                let form = reqwest::multipart::Form::new()
                    .text("share_id", creds.share_id.clone())
                    .part(
                        "file",
                        reqwest::multipart::Part::bytes(body).file_name(format!("f{i}.bin")),
                    );
                let resp = http
                    .post(format!("{}/api/v1/files", creds.url))
                    .bearer_auth(&creds.token)
                    .multipart(form)
                    .send()
                    .await
                    .expect("upload");
                resp.status().as_u16()
            }
        })
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    let elapsed = start.elapsed();
    assert!(results.iter().all(|s| *s == 201), "every upload succeeds");
    (count, elapsed)
}

async fn chunk_puts(server: &Server, http: &reqwest::Client) -> (u64, Duration) {
    let creds = server.credentials();
    let chunk_size: usize = 4 * 1024 * 1024;
    let total_mb = env("BENCH_CHUNK_MB", 1024);
    let chunks = total_mb / 4;
    let file_size = (chunks * chunk_size) as u64;
    let session: Value = http
        .post(format!("{}/api/v1/uploads", creds.url))
        .bearer_auth(&creds.token)
        .json(&json!({ "share_id": creds.share_id, "file_name": "big.bin",
                       "file_size": file_size, "chunk_size": chunk_size }))
        .send()
        .await
        .expect("session")
        .json()
        .await
        .expect("session json");
    let id = session["session_id"]
        .as_str()
        .expect("session id")
        .to_owned();
    let chunk = Bytes::from((0..chunk_size).map(|i| (i % 253) as u8).collect::<Vec<_>>());
    let start = Instant::now();
    let statuses = futures::stream::iter(0..chunks)
        .map(|i| {
            let (http, chunk, creds, id) = (http.clone(), chunk.clone(), creds.clone(), id.clone());
            async move {
                http.put(format!("{}/api/v1/uploads/{id}/chunks/{i}", creds.url))
                    .bearer_auth(&creds.token)
                    .body(chunk)
                    .send()
                    .await
                    .expect("chunk")
                    .status()
                    .as_u16()
            }
        })
        .buffer_unordered(env("BENCH_CONCURRENCY", 8).min(8))
        .collect::<Vec<_>>()
        .await;
    let elapsed = start.elapsed();
    assert!(statuses.iter().all(|s| *s == 200), "every chunk lands");
    let abort = http
        .delete(format!("{}/api/v1/uploads/{id}", creds.url))
        .bearer_auth(&creds.token)
        .send()
        .await
        .expect("abort");
    assert_eq!(abort.status(), 204);
    (file_size, elapsed)
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("runtime");
    runtime.block_on(async {
        let dir = tempfile::tempdir().expect("temp dir");
        let server = Server::start(Config::new(dir.path()))
            .await
            .expect("server");
        // Built with the main crate, reqwest's rustls needs a crypto provider.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            .pool_max_idle_per_host(64)
            .build()
            .expect("client");

        let (count, elapsed) = small_files(&server, &http).await;
        println!(
            "small-file multipart uploads: {count} in {:.2} s = {:.0} uploads/s",
            elapsed.as_secs_f64(),
            count as f64 / elapsed.as_secs_f64()
        );
        let (bytes, elapsed) = chunk_puts(&server, &http).await;
        println!(
            "chunk PUTs (4 MiB): {} MiB in {:.2} s = {:.0} MB/s",
            bytes >> 20,
            elapsed.as_secs_f64(),
            bytes as f64 / 1e6 / elapsed.as_secs_f64()
        );
        server.shutdown().await;
    });
}

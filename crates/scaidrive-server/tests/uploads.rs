//! Resumable upload sessions.

mod common;

use common::{Api, expect_error, sha256, start, start_with};
use reqwest::Method;
use serde_json::{Value, json};

const CHUNK: usize = 65_536;

async fn session(api: &Api, body: Value) -> Value {
    let resp = api.post_json("/api/v1/uploads", body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

async fn put_chunk(api: &Api, id: &str, index: usize, bytes: &[u8]) -> reqwest::Response {
    api.req(Method::PUT, &format!("/api/v1/uploads/{id}/chunks/{index}"))
        .header("content-type", "application/octet-stream")
        .body(bytes.to_vec())
        .send()
        .await
        .unwrap()
}

fn data(len: usize) -> Vec<u8> {
    (0..len).map(|i| (i * 7 % 251) as u8).collect()
}

#[tokio::test]
async fn chunks_in_any_order_assemble_into_the_file() {
    let h = start().await;
    let api = h.owner();
    let bytes = data(CHUNK * 2 + 1000);
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "big.bin", "file_size": bytes.len(),
                "chunk_size": CHUNK, "checksum_sha256": sha256(&bytes) }),
    )
    .await;
    assert_eq!(s["total_chunks"], 3);
    assert_eq!(s["chunk_size"], CHUNK);
    let id = s["session_id"].as_str().unwrap();
    for i in [2, 0, 1] {
        let end = ((i + 1) * CHUNK).min(bytes.len());
        assert_eq!(
            put_chunk(&api, id, i, &bytes[i * CHUNK..end])
                .await
                .status(),
            200
        );
        if i == 0 {
            let status: Value = api
                .get(&format!("/api/v1/uploads/{id}"))
                .await
                .json()
                .await
                .unwrap();
            assert_eq!(status["received_chunks"], json!([0, 2]));
        }
    }
    let resp = api
        .req(Method::POST, &format!("/api/v1/uploads/{id}/complete"))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    let file: Value = resp.json().await.unwrap();
    assert_eq!(file["file_id"], file["id"]);
    assert_eq!(file["checksum_sha256"], sha256(&bytes));
    assert_eq!(file["size"], bytes.len());
    let content = api
        .get(&format!(
            "/api/v1/files/{}/content",
            file["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(content.bytes().await.unwrap().to_vec(), bytes);

    let again = api
        .req(Method::POST, &format!("/api/v1/uploads/{id}/complete"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.status(),
        200,
        "completing twice returns the same file"
    );
    assert_eq!(again.json::<Value>().await.unwrap()["id"], file["id"]);
    assert_eq!(h.server.snapshot(api.share()).len(), 1);
}

#[tokio::test]
async fn the_default_chunk_size_is_four_mebibytes() {
    let h = start().await;
    let api = h.owner();
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "x", "file_size": 10_000_000 }),
    )
    .await;
    assert_eq!(s["chunk_size"], 4_194_304);
    assert_eq!(s["total_chunks"], 3);
}

#[tokio::test]
async fn a_checksum_mismatch_fails_the_complete_with_422() {
    let h = start().await;
    let api = h.owner();
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "x.bin", "file_size": 10,
                "checksum_sha256": sha256(b"something else") }),
    )
    .await;
    let id = s["session_id"].as_str().unwrap();
    put_chunk(&api, id, 0, &[0; 10]).await;
    let resp = api
        .req(Method::POST, &format!("/api/v1/uploads/{id}/complete"))
        .send()
        .await
        .unwrap();
    let body = expect_error(resp, 422, "CHECKSUM_MISMATCH").await;
    assert_eq!(body["detail"][0]["loc"], json!(["body", "checksum_sha256"]));
    assert!(h.server.snapshot(api.share()).is_empty());
}

#[tokio::test]
async fn completing_with_a_missing_chunk_is_400_listing_it() {
    let h = start().await;
    let api = h.owner();
    let bytes = data(CHUNK + 5);
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "x", "file_size": bytes.len(),
                "chunk_size": CHUNK }),
    )
    .await;
    let id = s["session_id"].as_str().unwrap();
    put_chunk(&api, id, 1, &bytes[CHUNK..]).await;
    let resp = api
        .req(Method::POST, &format!("/api/v1/uploads/{id}/complete"))
        .send()
        .await
        .unwrap();
    let body = expect_error(resp, 400, "UPLOAD_INCOMPLETE").await;
    assert_eq!(body["error"]["details"]["missing_chunks"], json!([0]));
}

#[tokio::test]
async fn a_chunk_of_the_wrong_length_or_index_is_422() {
    let h = start().await;
    let api = h.owner();
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "x", "file_size": 100 }),
    )
    .await;
    let id = s["session_id"].as_str().unwrap();
    expect_error(
        put_chunk(&api, id, 0, &[0; 99]).await,
        422,
        "CHUNK_SIZE_MISMATCH",
    )
    .await;
    expect_error(
        put_chunk(&api, id, 0, &[0; 101]).await,
        422,
        "CHUNK_SIZE_MISMATCH",
    )
    .await;
    expect_error(
        put_chunk(&api, id, 1, &[0; 100]).await,
        422,
        "VALIDATION_ERROR",
    )
    .await;
}

#[tokio::test]
async fn an_aborted_session_is_gone() {
    let h = start().await;
    let api = h.owner();
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "x", "file_size": 10 }),
    )
    .await;
    let id = s["session_id"].as_str().unwrap();
    assert_eq!(
        api.delete(&format!("/api/v1/uploads/{id}")).await.status(),
        204
    );
    expect_error(
        put_chunk(&api, id, 0, &[0; 10]).await,
        410,
        "UPLOAD_SESSION_GONE",
    )
    .await;
    expect_error(
        api.get(&format!("/api/v1/uploads/{id}")).await,
        410,
        "UPLOAD_SESSION_GONE",
    )
    .await;
}

#[tokio::test]
async fn an_idle_session_expires_with_410() {
    let h = start_with(|c| c.upload_session_ttl = std::time::Duration::from_millis(300)).await;
    let api = h.owner();
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "x", "file_size": 10 }),
    )
    .await;
    let id = s["session_id"].as_str().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    expect_error(
        put_chunk(&api, id, 0, &[0; 10]).await,
        410,
        "UPLOAD_SESSION_EXPIRED",
    )
    .await;
}

#[tokio::test]
async fn replace_file_id_adds_a_version_and_keeps_the_old_bytes() {
    let h = start().await;
    let api = h.owner();
    let file = api.upload(None, "doc.txt", b"version one").await;
    let file_id = file["id"].as_str().unwrap();
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "doc.txt", "file_size": 11,
                "replace_file_id": file_id }),
    )
    .await;
    let id = s["session_id"].as_str().unwrap();
    put_chunk(&api, id, 0, b"version two").await;
    let done: Value = api
        .req(Method::POST, &format!("/api/v1/uploads/{id}/complete"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(done["id"], file_id);
    assert_eq!(done["version"], 2);
    assert_eq!(done["checksum_sha256"], sha256(b"version two"));
    let versions: Value = api
        .get(&format!("/api/v1/files/{file_id}/versions"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(versions["total"], 2);
    assert_eq!(versions["versions"][0]["version_number"], 2);
    assert_eq!(
        versions["versions"][1]["checksum_sha256"],
        sha256(b"version one")
    );
    let old = api
        .get(&format!("/api/v1/files/{file_id}/content?version=1"))
        .await;
    assert_eq!(old.bytes().await.unwrap().as_ref(), b"version one");
}

#[tokio::test]
async fn a_session_for_a_taken_name_or_over_the_cap_is_refused_up_front() {
    let h = start_with(|c| c.max_file_size = 1000).await;
    let api = h.owner();
    api.upload(None, "taken.txt", b"x").await;
    let resp = api
        .post_json(
            "/api/v1/uploads",
            json!({ "share_id": api.share(), "file_name": "taken.txt", "file_size": 1 }),
        )
        .await;
    expect_error(resp, 409, "NAME_CONFLICT").await;
    let resp = api
        .post_json(
            "/api/v1/uploads",
            json!({ "share_id": api.share(), "file_name": "big", "file_size": 1001 }),
        )
        .await;
    expect_error(resp, 413, "PAYLOAD_TOO_LARGE").await;
    let resp = api
        .post_json(
            "/api/v1/uploads",
            json!({ "share_id": api.share(), "file_name": "odd", "file_size": 5,
                    "chunk_size": 1000 }),
        )
        .await;
    expect_error(resp, 422, "VALIDATION_ERROR").await;
}

#[tokio::test]
async fn someone_elses_session_is_invisible() {
    let h = start().await;
    let api = h.owner();
    let s = session(
        &api,
        json!({ "share_id": api.share(), "file_name": "x", "file_size": 10 }),
    )
    .await;
    let other = h.api(
        h.server
            .create_user(api.share(), scaidrive_server::Role::Admin),
    );
    let resp = other
        .get(&format!(
            "/api/v1/uploads/{}",
            s["session_id"].as_str().unwrap()
        ))
        .await;
    expect_error(resp, 404, "NOT_FOUND").await;
}

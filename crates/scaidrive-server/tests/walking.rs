//! The publisher's walking set: discovery, shares, folders, multipart files, content.

mod common;

use common::{expect_error, sha256, start};
use serde_json::{Value, json};

#[tokio::test]
async fn health_and_config_need_no_token() {
    let h = start().await;
    let resp = h.http.get(h.url("/api/v1/health")).send().await.unwrap();
    assert_eq!(resp.status(), 200);
    assert!(resp.headers().contains_key("x-request-id"));
    assert!(resp.headers().contains_key("x-ratelimit-limit"));
    assert_eq!(resp.json::<Value>().await.unwrap()["status"], "healthy");
    let config: Value = h
        .http
        .get(h.url("/api/v1/config"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["limits"]["max_file_size_bytes"], 5_368_709_120u64);
    assert_eq!(config["limits"]["max_upload_chunk_size_bytes"], 4_194_304);
}

#[tokio::test]
async fn the_default_identity_owns_a_share_named_local() {
    let h = start().await;
    let api = h.owner();
    let me: Value = api.get("/api/v1/users/me").await.json().await.unwrap();
    assert!(me["id"].as_str().unwrap().starts_with("usr_"));
    let shares: Value = api
        .get("/api/v1/users/me/shares")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shares["total"], 1);
    assert_eq!(shares["shares"][0]["name"], "Local");
    assert_eq!(shares["shares"][0]["role"], "owner");
    assert_eq!(
        shares["shares"][0]["type"],
        shares["shares"][0]["share_type"]
    );
    let share: Value = api
        .get(&format!("/api/v1/shares/{}", api.share()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(share["id"], api.share());
    let saved: Value =
        serde_json::from_slice(&std::fs::read(h.dir.path().join("connection.json")).unwrap())
            .unwrap();
    assert_eq!(saved["token"], api.creds.token);
    assert_eq!(saved["url"], h.server.url());
}

#[cfg(unix)]
#[tokio::test]
async fn connection_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let h = start().await;
    let mode = std::fs::metadata(h.dir.path().join("connection.json"))
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600);
}

#[tokio::test]
async fn a_request_without_a_valid_token_is_401() {
    let h = start().await;
    let resp = h.http.get(h.url("/api/v1/users/me")).send().await.unwrap();
    expect_error(resp, 401, "AUTH_TOKEN_INVALID").await;
    let resp = h
        .http
        .get(h.url("/api/v1/users/me"))
        .bearer_auth("sda_x_y")
        .send()
        .await
        .unwrap();
    expect_error(resp, 401, "AUTH_TOKEN_INVALID").await;
}

#[tokio::test]
async fn folders_nest_and_list_under_root() {
    let h = start().await;
    let api = h.owner();
    let docs = api.mkdir(None, "docs").await;
    assert_eq!(docs["path"], "/docs");
    assert_eq!(docs["parent_id"], Value::Null);
    let id = docs["id"].as_str().unwrap();
    let sub = api.mkdir(Some(id), "2026").await;
    assert_eq!(sub["path"], "/docs/2026");
    let got: Value = api
        .get(&format!("/api/v1/folders/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["name"], "docs");

    let root: Value = api
        .get(&format!(
            "/api/v1/folders/root/children?share_id={}",
            api.share()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(root["path"], "/");
    assert_eq!(root["total"], 1);
    assert_eq!(root["items"][0]["type"], "folder");
    let children: Value = api
        .get(&format!(
            "/api/v1/folders/{id}/children?share_id={}",
            api.share()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(children["path"], "/docs");
    assert_eq!(children["items"][0]["name"], "2026");
}

#[tokio::test]
async fn children_without_share_id_is_a_422_with_a_detail_array() {
    let h = start().await;
    let resp = h.owner().get("/api/v1/folders/root/children").await;
    let body = expect_error(resp, 422, "VALIDATION_ERROR").await;
    assert_eq!(body["detail"][0]["loc"], json!(["query", "share_id"]));
}

#[tokio::test]
async fn a_multipart_upload_answers_201_with_checksum_and_version() {
    let h = start().await;
    let api = h.owner();
    let folder = api.mkdir(None, "site").await;
    let fid = folder["id"].as_str().unwrap();
    let file = api.upload(Some(fid), "index.html", b"<h1>hi</h1>").await;
    assert!(file["id"].as_str().unwrap().starts_with("fil_"));
    assert_eq!(file["checksum_sha256"], sha256(b"<h1>hi</h1>"));
    assert_eq!(file["version"], 1);
    assert_eq!(file["size"], 11);
    assert_eq!(file["path"], "/site/index.html");
    assert_eq!(file["mime_type"], "text/html");
    let got: Value = api
        .get(&format!("/api/v1/files/{}", file["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["checksum_sha256"], file["checksum_sha256"]);
    let listing: Value = api
        .get(&format!(
            "/api/v1/folders/{fid}/children?share_id={}",
            api.share()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listing["items"][0]["size"], 11);
    assert_eq!(listing["items"][0].get("checksum_sha256"), None);
}

#[tokio::test]
async fn the_name_field_overrides_the_part_filename() {
    let h = start().await;
    let api = h.owner();
    let form = reqwest::multipart::Form::new()
        .text("share_id", api.share().to_owned())
        .text("name", "chosen.txt")
        .part(
            "file",
            reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("local.txt"),
        );
    let resp = api
        .req(reqwest::Method::POST, "/api/v1/files")
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 201);
    assert_eq!(resp.json::<Value>().await.unwrap()["name"], "chosen.txt");
}

#[tokio::test]
async fn content_downloads_whole_and_by_range() {
    let h = start().await;
    let api = h.owner();
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let file = api.upload(None, "data.bin", &bytes).await;
    let path = format!("/api/v1/files/{}/content", file["id"].as_str().unwrap());
    let resp = api.get(&path).await;
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["accept-ranges"], "bytes");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains("data.bin")
    );
    assert_eq!(resp.bytes().await.unwrap().to_vec(), bytes);
    let resp = api
        .req(reqwest::Method::GET, &path)
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 206);
    assert_eq!(resp.headers()["content-range"], "bytes 100-199/10000");
    assert_eq!(
        resp.bytes().await.unwrap().to_vec(),
        bytes[100..200].to_vec()
    );
    let resp = api
        .req(reqwest::Method::GET, &path)
        .header("Range", "bytes=20000-")
        .send()
        .await
        .unwrap();
    expect_error(resp, 416, "RANGE_NOT_SATISFIABLE").await;
}

#[tokio::test]
async fn unknown_ids_are_404_in_both_error_shapes() {
    let h = start().await;
    let api = h.owner();
    for path in [
        "/api/v1/files/fil_nope",
        "/api/v1/folders/fld_nope",
        "/api/v1/shares/shr_nope",
    ] {
        expect_error(api.get(path).await, 404, "NOT_FOUND").await;
    }
    expect_error(api.get("/api/v1/no/such/route").await, 404, "NOT_FOUND").await;
}

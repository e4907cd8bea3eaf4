//! Naming, roles, limits, trash, versions and validation rules.

mod common;

use common::{expect_error, start, start_with};
use scaidrive_server::Role;
use serde_json::{Value, json};

#[tokio::test]
async fn a_second_folder_of_the_same_name_is_409_naming_the_first() {
    let h = start().await;
    let api = h.owner();
    let first = api.mkdir(None, "docs").await;
    let resp = api
        .post_json(
            "/api/v1/folders",
            json!({ "share_id": api.share(), "name": "docs" }),
        )
        .await;
    let body = expect_error(resp, 409, "NAME_CONFLICT").await;
    assert_eq!(body["error"]["details"]["existing_id"], first["id"]);
}

#[tokio::test]
async fn a_file_and_a_folder_cannot_share_a_name() {
    let h = start().await;
    let api = h.owner();
    api.mkdir(None, "thing").await;
    expect_error(
        api.upload_raw(None, "thing", b"x".to_vec()).await,
        409,
        "NAME_CONFLICT",
    )
    .await;
    api.upload(None, "other", b"x").await;
    let resp = api
        .post_json(
            "/api/v1/folders",
            json!({ "share_id": api.share(), "name": "other" }),
        )
        .await;
    expect_error(resp, 409, "NAME_CONFLICT").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn racing_creators_of_one_name_produce_exactly_one_winner() {
    let h = start().await;
    let api = h.owner();
    let mut tasks = Vec::new();
    for i in 0..24 {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            if i % 2 == 0 {
                api.post_json(
                    "/api/v1/folders",
                    json!({ "share_id": api.share(), "name": "race" }),
                )
                .await
                .status()
                .as_u16()
            } else {
                api.upload_raw(None, "race", vec![i; 100])
                    .await
                    .status()
                    .as_u16()
            }
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 201).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 409).count(),
        23,
        "{statuses:?}"
    );
    assert_eq!(h.server.snapshot(api.share()).len(), 1);
}

#[tokio::test]
async fn trashing_a_folder_hides_its_subtree_and_frees_the_name() {
    let h = start().await;
    let api = h.owner();
    let top = api.mkdir(None, "top").await;
    let top_id = top["id"].as_str().unwrap();
    let inner = api.mkdir(Some(top_id), "inner").await;
    let file = api
        .upload(Some(inner["id"].as_str().unwrap()), "a.txt", b"a")
        .await;
    assert_eq!(h.server.snapshot(api.share()).len(), 3);
    assert_eq!(
        api.delete(&format!("/api/v1/folders/{top_id}"))
            .await
            .status(),
        204
    );
    assert!(h.server.snapshot(api.share()).is_empty());
    let file_path = format!("/api/v1/files/{}", file["id"].as_str().unwrap());
    expect_error(api.get(&file_path).await, 410, "RESOURCE_DELETED").await;
    let again = api.mkdir(None, "top").await;
    assert_ne!(again["id"], top["id"]);
    let trash: Value = api
        .get(&format!(
            "/api/v1/folders/root/children?share_id={}&include_deleted=true",
            api.share()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(trash["total"], 2);
}

#[tokio::test]
async fn files_rename_trash_restore_and_purge() {
    let h = start().await;
    let api = h.owner();
    let file = api.upload(None, "a.txt", b"a").await;
    let path = format!("/api/v1/files/{}", file["id"].as_str().unwrap());
    let renamed: Value = api
        .patch_json(&path, json!({ "name": "b.txt" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["name"], "b.txt");
    assert_eq!(renamed["path"], "/b.txt");
    api.upload(None, "c.txt", b"c").await;
    expect_error(
        api.patch_json(&path, json!({ "name": "c.txt" })).await,
        409,
        "NAME_CONFLICT",
    )
    .await;
    assert_eq!(api.delete(&path).await.status(), 204);
    let restored: Value = api
        .patch_json(&path, json!({ "restore": true }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(restored["is_deleted"], false);
    assert_eq!(
        api.delete(&format!("{path}?permanent=true")).await.status(),
        204
    );
    expect_error(api.get(&path).await, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn folders_rename_and_their_children_follow() {
    let h = start().await;
    let api = h.owner();
    let folder = api.mkdir(None, "old").await;
    let id = folder["id"].as_str().unwrap();
    api.upload(Some(id), "f.txt", b"f").await;
    let renamed: Value = api
        .patch_json(&format!("/api/v1/folders/{id}"), json!({ "name": "new" }))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(renamed["path"], "/new");
    assert!(h.server.snapshot(api.share()).contains_key("/new/f.txt"));
}

#[tokio::test]
async fn a_reader_can_read_but_not_write() {
    let h = start().await;
    let owner = h.owner();
    let folder = owner.mkdir(None, "docs").await;
    let reader = h.api(h.server.create_user(owner.share(), Role::Reader));
    let children = reader
        .get(&format!(
            "/api/v1/folders/root/children?share_id={}",
            owner.share()
        ))
        .await;
    assert_eq!(children.status(), 200);
    let resp = reader
        .post_json(
            "/api/v1/folders",
            json!({ "share_id": owner.share(), "name": "x" }),
        )
        .await;
    expect_error(resp, 403, "AUTHZ_PERMISSION_DENIED").await;
    expect_error(
        reader.upload_raw(None, "x.txt", b"x".to_vec()).await,
        403,
        "AUTHZ_PERMISSION_DENIED",
    )
    .await;
    let resp = reader
        .delete(&format!(
            "/api/v1/folders/{}",
            folder["id"].as_str().unwrap()
        ))
        .await;
    expect_error(resp, 403, "AUTHZ_PERMISSION_DENIED").await;
}

#[tokio::test]
async fn a_share_you_are_not_a_member_of_is_invisible() {
    let h = start().await;
    let owner = h.owner();
    let other = h.server.create_share("Other");
    let stranger = h.api(h.server.create_user(&other.share_id, Role::Owner));
    expect_error(
        stranger
            .get(&format!("/api/v1/shares/{}", owner.share()))
            .await,
        404,
        "NOT_FOUND",
    )
    .await;
    let file = owner.upload(None, "secret.txt", b"s").await;
    let resp = stranger
        .get(&format!("/api/v1/files/{}", file["id"].as_str().unwrap()))
        .await;
    expect_error(resp, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn a_file_over_the_size_cap_is_413() {
    let h = start_with(|c| c.max_file_size = 1000).await;
    let api = h.owner();
    expect_error(
        api.upload_raw(None, "big.bin", vec![0; 1001]).await,
        413,
        "PAYLOAD_TOO_LARGE",
    )
    .await;
    api.upload(None, "ok.bin", &[0; 1000]).await;
    assert_eq!(h.server.snapshot(api.share()).len(), 1);
}

#[tokio::test]
async fn an_upload_past_the_share_quota_is_507() {
    let h = start_with(|c| c.quota_bytes = Some(150)).await;
    let api = h.owner();
    api.upload(None, "a.bin", &[1; 100]).await;
    expect_error(
        api.upload_raw(None, "b.bin", vec![2; 100]).await,
        507,
        "QUOTA_EXCEEDED",
    )
    .await;
    let shares: Value = api
        .get("/api/v1/users/me/shares")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(shares["shares"][0]["used_bytes"], 100);
    assert_eq!(shares["shares"][0]["quota_bytes"], 150);
}

#[tokio::test]
async fn malformed_bodies_are_422_with_one_entry_per_field() {
    let h = start().await;
    let api = h.owner();
    let resp = api.post_json("/api/v1/folders", json!({ "name": 5 })).await;
    let body = expect_error(resp, 422, "VALIDATION_ERROR").await;
    let locs: Vec<Value> = body["detail"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["loc"].clone())
        .collect();
    assert_eq!(
        locs,
        vec![json!(["body", "share_id"]), json!(["body", "name"])]
    );
    let resp = api
        .req(reqwest::Method::POST, "/api/v1/folders")
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    expect_error(resp, 422, "VALIDATION_ERROR").await;
    let resp = api
        .post_json(
            "/api/v1/folders",
            json!({ "share_id": api.share(), "name": ".." }),
        )
        .await;
    expect_error(resp, 422, "VALIDATION_ERROR").await;
    let form = reqwest::multipart::Form::new().text("share_id", api.share().to_owned());
    let resp = api
        .req(reqwest::Method::POST, "/api/v1/files")
        .multipart(form)
        .send()
        .await
        .unwrap();
    let body = expect_error(resp, 422, "VALIDATION_ERROR").await;
    assert_eq!(body["detail"][0]["loc"], json!(["body", "file"]));
}

#[tokio::test]
async fn an_unknown_parent_folder_is_404() {
    let h = start().await;
    let api = h.owner();
    let resp = api
        .post_json(
            "/api/v1/folders",
            json!({ "share_id": api.share(), "name": "x", "parent_id": "fld_nope" }),
        )
        .await;
    expect_error(resp, 404, "NOT_FOUND").await;
}

//! External links through the API.

mod common;

use common::{Api, expect_error, start};
use scaidrive_server::Role;
use serde_json::{Value, json};

async fn link(api: &Api, body: Value) -> Value {
    let resp = api.post_json("/api/v1/external/links", body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

#[tokio::test]
async fn a_link_is_created_listed_patched_and_revoked() {
    let h = start().await;
    let api = h.owner();
    let folder = api.mkdir(None, "release").await;
    let fid = folder["id"].as_str().unwrap();
    let created = link(
        &api,
        json!({ "resource_type": "folder", "resource_id": fid, "share_id": api.share(),
                "link_type": "DOWNLOAD", "password": "s3cret", "expires_in_days": 14,
                "custom_name": "Release", "max_downloads": 10 }),
    )
    .await;
    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("lnk_"));
    assert_eq!(created["status"], "active");
    assert_eq!(created["password_required"], true);
    assert!(created.get("password").is_none());
    assert_eq!(created["custom_name"], "Release");
    let url = created["url"].as_str().unwrap();
    assert_eq!(
        url,
        format!(
            "{}/share/{}",
            h.server.url(),
            created["token"].as_str().unwrap()
        )
    );
    assert!(created["short_url"].as_str().unwrap().contains("/s/"));
    assert!(created["expires_at"].as_str().unwrap().ends_with('Z'));

    let listed: Value = api
        .get(&format!(
            "/api/v1/external/links?resource_id={fid}&status=active"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 1);
    assert_eq!(listed["links"][0]["id"], id);

    let patched: Value = api
        .patch_json(
            &format!("/api/v1/external/links/{id}"),
            json!({ "custom_name": "R2", "password": null }),
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(patched["custom_name"], "R2");
    assert_eq!(patched["password_required"], false);
    let resp = api
        .patch_json(
            &format!("/api/v1/external/links/{id}"),
            json!({ "link_type": "VIEW" }),
        )
        .await;
    expect_error(resp, 422, "VALIDATION_ERROR").await;

    assert_eq!(
        api.delete(&format!("/api/v1/external/links/{id}"))
            .await
            .status(),
        204
    );
    let got: Value = api
        .get(&format!("/api/v1/external/links/{id}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["status"], "revoked");
    let active: Value = api
        .get(&format!(
            "/api/v1/external/links?resource_id={fid}&status=active"
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(active["total"], 0);
    let resp = api
        .patch_json(
            &format!("/api/v1/external/links/{id}"),
            json!({ "custom_name": "x" }),
        )
        .await;
    expect_error(resp, 410, "LINK_REVOKED").await;
}

#[tokio::test]
async fn null_clears_an_option() {
    let h = start().await;
    let api = h.owner();
    let folder = api.mkdir(None, "release").await;
    let fid = folder["id"].as_str().unwrap();
    let created = link(
        &api,
        json!({ "resource_type": "folder", "resource_id": fid, "share_id": api.share(),
                "link_type": "DOWNLOAD", "max_views": 7, "max_downloads": 3,
                "expires_at": "2099-01-01T00:00:00Z", "allowed_ips": ["10.0.0.0/8"],
                "custom_message": "hi", "allow_preview": false }),
    )
    .await;
    assert_eq!(created["allow_preview"], false);
    let id = created["id"].as_str().unwrap();
    let patched: Value = api
        .patch_json(
            &format!("/api/v1/external/links/{id}"),
            json!({ "max_views": null, "max_downloads": null, "expires_at": null,
                    "allowed_ips": null, "custom_message": null, "allow_preview": null }),
        )
        .await
        .json()
        .await
        .unwrap();
    for key in [
        "max_views",
        "max_downloads",
        "expires_at",
        "allowed_ips",
        "custom_message",
    ] {
        assert!(patched[key].is_null(), "{key}: {patched}");
    }
    assert!(
        patched.get("allow_preview").is_none(),
        "a flag set to null is back to its default: {patched}"
    );
}

#[tokio::test]
async fn a_contributor_can_upload_but_not_create_links() {
    let h = start().await;
    let owner = h.owner();
    let contributor = h.api(h.server.create_user(owner.share(), Role::Contributor));
    let file = contributor.upload(None, "mine.txt", b"m").await;
    let resp = contributor
        .post_json(
            "/api/v1/external/links",
            json!({ "resource_type": "file", "resource_id": file["id"], "share_id": owner.share(),
                    "link_type": "DOWNLOAD" }),
        )
        .await;
    expect_error(resp, 403, "AUTHZ_PERMISSION_DENIED").await;
}

#[tokio::test]
async fn link_creation_validates_its_fields() {
    let h = start().await;
    let api = h.owner();
    let resp = api
        .post_json(
            "/api/v1/external/links",
            json!({ "resource_type": "disk", "link_type": "DOWNLOAD" }),
        )
        .await;
    let body = expect_error(resp, 422, "VALIDATION_ERROR").await;
    assert!(body["detail"].as_array().unwrap().len() >= 3);
    let resp = api
        .post_json(
            "/api/v1/external/links",
            json!({ "resource_type": "share", "resource_id": api.share(), "share_id": api.share(),
                    "link_type": "VIEW", "expires_in_days": 1,
                    "expires_at": "2030-01-01T00:00:00Z" }),
        )
        .await;
    expect_error(resp, 422, "VALIDATION_ERROR").await;
    let resp = api
        .post_json(
            "/api/v1/external/links",
            json!({ "resource_type": "file", "resource_id": "fil_nope", "share_id": api.share(),
                    "link_type": "VIEW" }),
        )
        .await;
    expect_error(resp, 404, "NOT_FOUND").await;
}

#[tokio::test]
async fn links_of_other_shares_are_invisible() {
    let h = start().await;
    let api = h.owner();
    let created = link(
        &api,
        json!({ "resource_type": "share", "resource_id": api.share(), "share_id": api.share(),
                "link_type": "VIEW" }),
    )
    .await;
    let other = h.server.create_share("Other");
    let stranger = h.api(h.server.create_user(&other.share_id, Role::Owner));
    let resp = stranger
        .get(&format!(
            "/api/v1/external/links/{}",
            created["id"].as_str().unwrap()
        ))
        .await;
    expect_error(resp, 404, "NOT_FOUND").await;
    let listed: Value = stranger
        .get("/api/v1/external/links")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(listed["total"], 0);
}

#[tokio::test]
async fn the_link_list_pages_with_limit_and_offset() {
    let h = start().await;
    let api = h.owner();
    for name in ["a", "b", "c"] {
        link(
            &api,
            json!({ "resource_type": "share", "resource_id": api.share(), "share_id": api.share(),
                    "link_type": "VIEW", "custom_name": name }),
        )
        .await;
    }
    let page: Value = api
        .get("/api/v1/external/links?limit=1&offset=1")
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 3);
    assert_eq!(page["links"].as_array().unwrap().len(), 1);
    assert_eq!(page["links"][0]["custom_name"], "b");
    let resp = api.get("/api/v1/external/links?limit=0").await;
    expect_error(resp, 422, "VALIDATION_ERROR").await;
}

#[tokio::test]
async fn the_request_log_never_shows_a_link_token_or_code() {
    let h = start().await;
    let api = h.owner();
    let folder = api.mkdir(None, "logged").await;
    let created = link(
        &api,
        json!({ "resource_type": "folder", "resource_id": folder["id"], "share_id": api.share(),
                "link_type": "DOWNLOAD" }),
    )
    .await;
    let token = created["token"].as_str().unwrap();
    let short = created["short_url"].as_str().unwrap();
    let code = short.rsplit('/').next().unwrap();
    let http = common::http();
    for url in [
        h.url(&format!("/share/{token}")),
        h.url(&format!("/share/{token}/download?password=hunter2")),
        short.to_owned(),
    ] {
        http.get(&url).send().await.unwrap();
    }
    let log: Value = http
        .get(h.url("/_local/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let text = log.to_string();
    for secret in [token, code, "hunter2"] {
        assert!(!text.contains(secret), "{secret} in {text}");
    }
    let paths: Vec<&str> = log["requests"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["path"].as_str())
        .collect();
    assert!(paths.contains(&"/share/<redacted>"), "{paths:?}");
    assert!(paths.contains(&"/share/<redacted>/download"), "{paths:?}");
    assert!(paths.contains(&"/s/<redacted>"), "{paths:?}");
    // The Rust-side log is the same redacted one.
    assert!(
        h.server
            .request_log()
            .iter()
            .all(|r| !r.path.contains(token) && !r.path.contains(code))
    );
}

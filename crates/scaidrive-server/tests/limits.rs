//! Rate budget, token refresh and expiry, persistence, the request log.

mod common;

use std::time::Duration;

use common::{expect_error, start, start_with};
use scaidrive_server::{Config, Faults, RateBudget, Server};
use serde_json::Value;

#[tokio::test]
async fn every_response_carries_rate_headers_and_a_request_id() {
    let h = start().await;
    let api = h.owner();
    for resp in [
        api.get("/api/v1/users/me").await,
        api.get("/api/v1/files/fil_nope").await,
    ] {
        for header in [
            "x-ratelimit-limit",
            "x-ratelimit-remaining",
            "x-ratelimit-reset",
            "x-request-id",
        ] {
            assert!(resp.headers().contains_key(header), "{header}");
        }
    }
}

#[tokio::test]
async fn a_spent_budget_is_429_with_retry_after_until_the_window_resets() {
    let h = start_with(|c| {
        c.rate = Some(RateBudget {
            units: 5,
            window: Duration::from_secs(2),
        })
    })
    .await;
    let api = h.owner();
    let first = api.get("/api/v1/users/me").await;
    assert_eq!(first.headers()["x-ratelimit-limit"], "5");
    assert_eq!(first.headers()["x-ratelimit-remaining"], "4");
    let list = api
        .get(&format!(
            "/api/v1/folders/root/children?share_id={}",
            api.share()
        ))
        .await;
    assert_eq!(
        list.headers()["x-ratelimit-remaining"],
        "2",
        "a list costs 2"
    );
    let upload = api.upload_raw(None, "x", vec![1]).await;
    let retry: u64 = upload.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry));
    let body = expect_error(upload, 429, "RATE_LIMITED").await;
    assert_eq!(body["error"]["retry_after"], retry);
    assert_eq!(body["error"]["details"]["dimension"], "token");
    assert_eq!(body["error"]["details"]["limit"], 5);
    tokio::time::sleep(Duration::from_millis(2100)).await;
    assert_eq!(api.upload_raw(None, "x", vec![1]).await.status(), 201);
}

#[tokio::test]
async fn a_refresh_token_works_exactly_once() {
    let h = start().await;
    let creds = h.server.credentials();
    let refresh = |token: String| {
        let http = h.http.clone();
        let url = h.url("/api/v1/auth/token");
        async move {
            http.post(url)
                .form(&[
                    ("grant_type", "refresh_token"),
                    ("refresh_token", token.as_str()),
                ])
                .send()
                .await
                .unwrap()
        }
    };
    let resp = refresh(creds.refresh_token.clone()).await;
    assert_eq!(resp.status(), 200);
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["token_type"], "Bearer");
    let new_access = body["access_token"].as_str().unwrap();
    assert_ne!(body["refresh_token"].as_str().unwrap(), creds.refresh_token);
    let me = h
        .http
        .get(h.url("/api/v1/users/me"))
        .bearer_auth(new_access)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
    expect_error(
        refresh(creds.refresh_token.clone()).await,
        401,
        "AUTH_TOKEN_INVALID",
    )
    .await;
    assert_eq!(
        h.server.credentials().refresh_token,
        body["refresh_token"].as_str().unwrap()
    );
}

#[tokio::test]
async fn with_a_token_ttl_old_tokens_get_401_expired_and_refresh_recovers() {
    let h = start().await;
    let api = h.owner();
    h.server.set_faults(Faults {
        token_ttl: Some(Duration::from_millis(300)),
        ..Faults::default()
    });
    tokio::time::sleep(Duration::from_millis(400)).await;
    expect_error(api.get("/api/v1/users/me").await, 401, "AUTH_TOKEN_EXPIRED").await;
    let body: Value = h
        .http
        .post(h.url("/api/v1/auth/token"))
        .form(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", api.creds.refresh_token.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let fresh = body["access_token"].as_str().unwrap();
    let me = h
        .http
        .get(h.url("/api/v1/users/me"))
        .bearer_auth(fresh)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), 200);
}

#[tokio::test]
async fn state_and_identity_survive_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(Config::new(dir.path())).await.unwrap();
    let creds = server.credentials();
    let api = common::Api {
        http: common::http(),
        creds: creds.clone(),
    };
    let folder = api.mkdir(None, "kept").await;
    let file = api
        .upload(Some(folder["id"].as_str().unwrap()), "a.txt", b"persist me")
        .await;
    let before = server.snapshot(&creds.share_id);
    server.shutdown().await;

    let server = Server::start(Config::new(dir.path())).await.unwrap();
    let again = server.credentials();
    assert_eq!(again.token, creds.token);
    assert_eq!(again.share_id, creds.share_id);
    assert_eq!(server.snapshot(&creds.share_id), before);
    let api = common::Api {
        http: common::http(),
        creds: again,
    };
    let content = api
        .get(&format!(
            "/api/v1/files/{}/content",
            file["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(content.bytes().await.unwrap().as_ref(), b"persist me");
}

#[tokio::test]
async fn the_request_log_records_method_path_query_and_status() {
    let h = start().await;
    let api = h.owner();
    api.get(&format!(
        "/api/v1/folders/root/children?share_id={}",
        api.share()
    ))
    .await;
    api.get("/api/v1/files/fil_nope").await;
    let log = h.server.request_log();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0].method, "GET");
    assert_eq!(log[0].path, "/api/v1/folders/root/children");
    assert_eq!(
        log[0].query.as_deref(),
        Some(format!("share_id={}", api.share()).as_str())
    );
    assert_eq!(log[1].status, 404);
    let over_http: Value = h
        .http
        .get(h.url("/_local/requests"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(over_http["requests"].as_array().unwrap().len(), 2);
    assert_eq!(
        h.http
            .delete(h.url("/_local/requests"))
            .send()
            .await
            .unwrap()
            .status(),
        204
    );
    assert!(h.server.request_log().is_empty());
}

//! Every fault mode: latency, 5xx, dropped responses, 429 storms (token expiry is in
//! `limits.rs`), and their seeded repeatability.

mod common;

use std::time::{Duration, Instant};

use common::{expect_error, start};
use scaidrive_server::{Faults, Storm};
use serde_json::json;

#[tokio::test]
async fn latency_delays_api_requests_but_not_health() {
    let h = start().await;
    h.server.set_faults(Faults {
        latency: Duration::from_millis(200),
        ..Faults::default()
    });
    let api = h.owner();
    let t = Instant::now();
    assert_eq!(api.get("/api/v1/users/me").await.status(), 200);
    assert!(t.elapsed() >= Duration::from_millis(200));
    let t = Instant::now();
    h.http.get(h.url("/api/v1/health")).send().await.unwrap();
    assert!(t.elapsed() < Duration::from_millis(200));
}

#[tokio::test]
async fn an_error_rate_of_one_answers_5xx_without_doing_the_work() {
    let h = start().await;
    h.server.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::default()
    });
    let api = h.owner();
    for _ in 0..6 {
        let resp = api
            .post_json(
                "/api/v1/folders",
                json!({ "share_id": api.share(), "name": "x" }),
            )
            .await;
        assert!(
            [500, 502, 503].contains(&resp.status().as_u16()),
            "{}",
            resp.status()
        );
        let body: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(body["status"], "error");
    }
    assert!(h.server.snapshot(api.share()).is_empty());
}

#[tokio::test]
async fn a_dropped_response_still_did_the_work() {
    let h = start().await;
    h.server.set_faults(Faults {
        drop_rate: 1.0,
        ..Faults::default()
    });
    let api = h.owner();
    let result = api
        .req(reqwest::Method::POST, "/api/v1/folders")
        .json(&json!({ "share_id": api.share(), "name": "landed" }))
        .send()
        .await;
    assert!(
        result.is_err(),
        "the client must see a transport error, got {result:?}"
    );
    assert!(h.server.snapshot(api.share()).contains_key("/landed"));
    let log = h.server.request_log();
    assert!(log.last().unwrap().dropped);
    assert_eq!(log.last().unwrap().status, 201);
    h.server.set_faults(Faults::default());
    let retry = api
        .post_json(
            "/api/v1/folders",
            json!({ "share_id": api.share(), "name": "landed" }),
        )
        .await;
    expect_error(retry, 409, "NAME_CONFLICT").await;
}

#[tokio::test]
async fn a_storm_answers_429_with_retry_after_then_passes() {
    let h = start().await;
    h.server.set_faults(Faults {
        storm: Some(Storm {
            period: Duration::from_secs(3600),
            length: Duration::from_millis(300),
            retry_after: Duration::from_secs(2),
        }),
        ..Faults::default()
    });
    let api = h.owner();
    let resp = api.get("/api/v1/users/me").await;
    assert_eq!(resp.headers()["retry-after"], "2");
    let body = expect_error(resp, 429, "RATE_LIMITED").await;
    assert_eq!(body["error"]["retry_after"], 2);
    tokio::time::sleep(Duration::from_millis(350)).await;
    assert_eq!(api.get("/api/v1/users/me").await.status(), 200);
}

#[tokio::test]
async fn the_same_seed_faults_the_same_requests() {
    let h = start().await;
    let api = h.owner();
    let mut runs = Vec::new();
    for _ in 0..2 {
        h.server.set_faults(Faults {
            seed: 42,
            error_rate: 0.5,
            ..Faults::default()
        });
        let mut statuses = Vec::new();
        for _ in 0..20 {
            statuses.push(api.get("/api/v1/users/me").await.status().as_u16());
        }
        runs.push(statuses);
    }
    assert_eq!(runs[0], runs[1]);
    assert!(runs[0].contains(&200) && runs[0].iter().any(|s| *s >= 500));
}

#[tokio::test]
async fn faults_can_be_set_over_http() {
    let h = start().await;
    let resp = h
        .http
        .put(h.url("/_local/faults"))
        .json(&json!({ "error_rate": 1.0, "seed": 1 }))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 204);
    assert!(
        h.owner()
            .get("/api/v1/users/me")
            .await
            .status()
            .is_server_error()
    );
    h.http
        .put(h.url("/_local/faults"))
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(h.owner().get("/api/v1/users/me").await.status(), 200);
}

#[tokio::test]
async fn a_fault_size_cap_and_quota_apply_at_runtime() {
    let h = start().await;
    let api = h.owner();
    h.server.set_faults(Faults {
        max_file_size: Some(10),
        ..Faults::default()
    });
    expect_error(
        api.upload_raw(None, "a", vec![0; 11]).await,
        413,
        "PAYLOAD_TOO_LARGE",
    )
    .await;
    h.server.set_faults(Faults {
        quota_bytes: Some(10),
        ..Faults::default()
    });
    expect_error(
        api.upload_raw(None, "a", vec![0; 11]).await,
        507,
        "QUOTA_EXCEEDED",
    )
    .await;
}

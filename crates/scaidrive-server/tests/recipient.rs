//! The recipient side of links: pages, passwords, downloads, zips, limits.

mod common;

use std::io::Read;

use common::{Api, Harness, start};
use reqwest::redirect::Policy;
use serde_json::{Value, json};

async fn link(api: &Api, body: Value) -> Value {
    let resp = api.post_json("/api/v1/external/links", body).await;
    assert_eq!(resp.status(), 201);
    resp.json().await.unwrap()
}

fn browser() -> reqwest::Client {
    common::http_builder()
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn folder_link(h: &Harness, extra: Value) -> (Value, Value) {
    let api = h.owner();
    let top = api.mkdir(None, "site").await;
    let top_id = top["id"].as_str().unwrap();
    let sub = api.mkdir(Some(top_id), "assets").await;
    api.upload(Some(top_id), "index.html", b"<h1>home</h1>")
        .await;
    api.upload(Some(sub["id"].as_str().unwrap()), "app.css", b"body{}")
        .await;
    let mut body = json!({ "resource_type": "folder", "resource_id": top_id,
                           "share_id": api.share(),
                           "link_type": "DOWNLOAD" });
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    (link(&api, body).await, sub)
}

#[tokio::test]
async fn a_folder_link_lists_files_and_subfolders_with_downloads() {
    let h = start().await;
    let (l, sub) = folder_link(&h, json!({})).await;
    let resp = browser()
        .get(l["url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert!(
        resp.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("default-src 'none'")
    );
    let html = resp.text().await.unwrap();
    assert!(html.contains("index.html"));
    assert!(html.contains("assets/"));
    assert!(html.contains("/download"));
    let short = browser()
        .get(l["short_url"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(short.status(), 200);
    let inner = browser()
        .get(format!(
            "{}?folder={}",
            l["url"].as_str().unwrap(),
            sub["id"].as_str().unwrap()
        ))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(inner.contains("app.css"));
    assert!(!inner.contains("index.html"));
}

#[tokio::test]
async fn a_folder_downloads_as_a_zip_with_relative_entry_names() {
    let h = start().await;
    let (l, _) = folder_link(&h, json!({})).await;
    let resp = browser()
        .get(format!("{}/download", l["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/zip");
    let bytes = resp.bytes().await.unwrap();
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let mut names: Vec<String> = archive
        .file_names()
        .map(|n| n.unwrap().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["assets/", "assets/app.css", "index.html"]);
    for name in &names {
        assert!(
            !name.starts_with('/') && !name.split('/').any(|c| c == ".."),
            "{name}"
        );
    }
    let mut css = String::new();
    archive
        .by_name("assets/app.css")
        .unwrap()
        .read_to_string(&mut css)
        .unwrap();
    assert_eq!(css, "body{}");
}

#[tokio::test]
async fn a_password_link_shows_nothing_until_the_right_password() {
    let h = start().await;
    let (l, _) = folder_link(&h, json!({ "password": "hunter2" })).await;
    let url = l["url"].as_str().unwrap();
    let client = browser();
    let locked = client.get(url).send().await.unwrap();
    assert_eq!(locked.status(), 401);
    let html = locked.text().await.unwrap();
    assert!(html.contains("type=\"password\""));
    assert!(!html.contains("index.html"));
    let zip = client.get(format!("{url}/download")).send().await.unwrap();
    assert_eq!(zip.status(), 401);

    let wrong = client
        .post(url)
        .form(&[("password", "nope")])
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    assert!(wrong.headers().get("set-cookie").is_none());
    assert!(!wrong.text().await.unwrap().contains("index.html"));

    let right = client
        .post(url)
        .form(&[("password", "hunter2")])
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 303);
    let cookie = right.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    let page = client
        .get(url)
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("index.html"));
    let forged = cookie.replace('.', ".0");
    assert_eq!(
        client
            .get(url)
            .header("cookie", forged)
            .send()
            .await
            .unwrap()
            .status(),
        401
    );
}

#[tokio::test]
async fn names_in_pages_are_escaped() {
    let h = start().await;
    let api = h.owner();
    let evil = "<img src=x onerror=alert(1)>.html";
    api.upload(None, evil, b"<script>alert(1)</script>").await;
    let l = link(
        &api,
        json!({ "resource_type": "share", "resource_id": api.share(), "share_id": api.share(),
                "link_type": "DOWNLOAD", "custom_name": "<script>alert(1)</script>",
                "custom_message": "\"><script>alert(2)</script>" }),
    )
    .await;
    let html = browser()
        .get(l["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"), "{html}");
    assert!(!html.contains("<img"), "{html}");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;&#x2F;script&gt;")
            || html.contains("&lt;script&gt;")
    );
}

#[tokio::test]
async fn downloaded_html_is_an_attachment_never_rendered() {
    let h = start().await;
    let api = h.owner();
    let file = api
        .upload(None, "page.html", b"<script>alert(1)</script>")
        .await;
    let l = link(
        &api,
        json!({ "resource_type": "file", "resource_id": file["id"], "share_id": api.share(),
                "link_type": "DOWNLOAD" }),
    )
    .await;
    let resp = browser()
        .get(format!("{}/download", l["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200);
    assert_eq!(resp.headers()["content-type"], "application/octet-stream");
    assert!(
        resp.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
}

#[tokio::test]
async fn max_downloads_expiry_and_revocation_answer_410() {
    let h = start().await;
    let api = h.owner();
    let file = api.upload(None, "f.txt", b"f").await;
    let mk = |extra: Value| {
        let mut body = json!({ "resource_type": "file", "resource_id": file["id"],
                               "share_id": api.share(), "link_type": "DOWNLOAD" });
        for (k, v) in extra.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    let capped = link(&api, mk(json!({ "max_downloads": 1 }))).await;
    let dl = format!("{}/download", capped["url"].as_str().unwrap());
    assert_eq!(browser().get(&dl).send().await.unwrap().status(), 200);
    assert_eq!(browser().get(&dl).send().await.unwrap().status(), 410);
    let got: Value = api
        .get(&format!(
            "/api/v1/external/links/{}",
            capped["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(got["download_count"], 1);

    let expired = link(&api, mk(json!({ "expires_at": "2020-01-01T00:00:00Z" }))).await;
    assert_eq!(expired["status"], "expired");
    assert_eq!(
        browser()
            .get(expired["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        410
    );

    let revoked = link(&api, mk(json!({}))).await;
    api.delete(&format!(
        "/api/v1/external/links/{}",
        revoked["id"].as_str().unwrap()
    ))
    .await;
    assert_eq!(
        browser()
            .get(revoked["url"].as_str().unwrap())
            .send()
            .await
            .unwrap()
            .status(),
        410
    );
    assert_eq!(
        browser()
            .get(format!("{}/s/nonexistent", h.server.url()))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
}

#[tokio::test]
async fn a_view_link_offers_no_download() {
    let h = start().await;
    let (l, _) = folder_link(&h, json!({ "link_type": "VIEW" })).await;
    let html = browser()
        .get(l["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("index.html"));
    assert!(!html.contains("/download"));
    let resp = browser()
        .get(format!("{}/download", l["url"].as_str().unwrap()))
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 403);
}

#[tokio::test]
async fn a_folder_outside_the_link_cannot_be_browsed_or_zipped() {
    let h = start().await;
    let api = h.owner();
    let (l, _) = folder_link(&h, json!({})).await;
    let outside = api.mkdir(None, "private").await;
    let secret = api
        .upload(Some(outside["id"].as_str().unwrap()), "secret.txt", b"s")
        .await;
    let url = l["url"].as_str().unwrap();
    let q = format!("?folder={}", outside["id"].as_str().unwrap());
    assert_eq!(
        browser()
            .get(format!("{url}{q}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    assert_eq!(
        browser()
            .get(format!("{url}/download{q}"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );
    let one = format!("{url}/files/{}", secret["id"].as_str().unwrap());
    assert_eq!(browser().get(one).send().await.unwrap().status(), 404);
}

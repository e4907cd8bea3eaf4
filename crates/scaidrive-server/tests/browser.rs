//! The recipient page in a real headless browser (Debian's `chromium`). Skipped with a printed
//! reason when chromium is missing and `CI` is unset; under `CI=true` it must run.

mod common;

use std::path::PathBuf;
use std::process::Command;

use common::start;
use serde_json::{Value, json};

fn chromium() -> Option<PathBuf> {
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            let out = Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {name}"))
                .output()
                .ok()?;
            let path = String::from_utf8(out.stdout).ok()?.trim().to_owned();
            (out.status.success() && !path.is_empty()).then(|| PathBuf::from(path))
        })
}

/// Loads `url` headless and returns the DOM after load.
async fn dump_dom(browser: PathBuf, url: String) -> String {
    tokio::task::spawn_blocking(move || {
        let profile = tempfile::tempdir().unwrap();
        let out = Command::new(browser)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-dev-shm-usage",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("--dump-dom")
            .arg(url)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "chromium failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    })
    .await
    .unwrap()
}

fn browser_or_skip() -> Option<PathBuf> {
    let found = chromium();
    if found.is_none() {
        if std::env::var("CI").is_ok_and(|v| v == "true" || v == "1") {
            panic!("CI=true but chromium is not installed (apt-get install -y chromium)");
        }
        eprintln!("skipping: chromium is not installed and CI is unset");
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_sees_the_folder_listing_with_hostile_names_inert() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let h = start().await;
    let api = h.owner();
    let folder = api.mkdir(None, "release").await;
    let id = folder["id"].as_str().unwrap();
    api.upload(Some(id), "readme.txt", b"hello").await;
    api.upload(
        Some(id),
        "<img src=x onerror=alert(1)>.html",
        b"<script>alert(1)</script>",
    )
    .await;
    api.mkdir(Some(id), "docs").await;
    let link: Value = api
        .post_json(
            "/api/v1/external/links",
            json!({ "resource_type": "folder", "resource_id": id, "share_id": api.share(),
                    "link_type": "DOWNLOAD", "custom_name": "<script>alert(1)</script>" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let dom = dump_dom(browser, link["url"].as_str().unwrap().to_owned()).await;
    assert!(dom.contains("readme.txt"), "{dom}");
    assert!(dom.contains("docs/"), "{dom}");
    assert!(dom.contains("Download all (zip)"), "{dom}");
    assert!(
        dom.contains("&lt;img src=x onerror=alert(1)&gt;.html"),
        "{dom}"
    );
    assert!(!dom.contains("<img"), "a name became an element: {dom}");
    assert!(!dom.contains("<script"), "a name became a script: {dom}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_is_asked_for_the_password_and_sees_no_files() {
    let Some(browser) = browser_or_skip() else {
        return;
    };
    let h = start().await;
    let api = h.owner();
    api.upload(None, "secret-plan.txt", b"s").await;
    let link: Value = api
        .post_json(
            "/api/v1/external/links",
            json!({ "resource_type": "share", "resource_id": api.share(), "share_id": api.share(),
                    "link_type": "DOWNLOAD", "password": "pw" }),
        )
        .await
        .json()
        .await
        .unwrap();
    let dom = dump_dom(browser, link["short_url"].as_str().unwrap().to_owned()).await;
    assert!(dom.contains("type=\"password\""), "{dom}");
    assert!(!dom.contains("secret-plan.txt"), "{dom}");
}

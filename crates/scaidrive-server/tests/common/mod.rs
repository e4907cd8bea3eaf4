//! Shared harness for the integration tests: a real server on 127.0.0.1:0 in a temp dir and a
//! reqwest client that talks to it as some user.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use reqwest::{Client, Method, RequestBuilder, Response, multipart};
use scaidrive_server::{Config, Credentials, Server};
use serde_json::{Value, json};
use tempfile::TempDir;

/// A client builder for the tests. Built together with the main crate, reqwest has rustls on
/// without a crypto provider, so one is installed first (a no-op when it is already there).
pub fn http_builder() -> reqwest::ClientBuilder {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Client::builder()
}

/// A plain client for the tests.
pub fn http() -> Client {
    http_builder().build().unwrap()
}

/// A running server plus its data dir.
pub struct Harness {
    pub server: Server,
    pub dir: TempDir,
    pub http: Client,
}

/// A client acting as one user.
#[derive(Clone)]
pub struct Api {
    pub http: Client,
    pub creds: Credentials,
}

pub async fn start() -> Harness {
    start_with(|_| {}).await
}

pub async fn start_with(tweak: impl FnOnce(&mut Config)) -> Harness {
    let dir = tempfile::tempdir().unwrap();
    let mut config = Config::new(dir.path());
    tweak(&mut config);
    let server = Server::start(config).await.unwrap();
    Harness {
        server,
        dir,
        http: http(),
    }
}

impl Harness {
    pub fn owner(&self) -> Api {
        Api {
            http: self.http.clone(),
            creds: self.server.credentials(),
        }
    }

    pub fn api(&self, creds: Credentials) -> Api {
        Api {
            http: self.http.clone(),
            creds,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.server.url())
    }
}

impl Api {
    pub fn share(&self) -> &str {
        &self.creds.share_id
    }

    pub fn req(&self, method: Method, path: &str) -> RequestBuilder {
        self.http
            .request(method, format!("{}{path}", self.creds.url))
            .bearer_auth(&self.creds.token)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.req(Method::GET, path).send().await.unwrap()
    }

    pub async fn post_json(&self, path: &str, body: Value) -> Response {
        self.req(Method::POST, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn patch_json(&self, path: &str, body: Value) -> Response {
        self.req(Method::PATCH, path)
            .json(&body)
            .send()
            .await
            .unwrap()
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.req(Method::DELETE, path).send().await.unwrap()
    }

    /// Creates a folder and returns its JSON (asserting 201).
    pub async fn mkdir(&self, parent: Option<&str>, name: &str) -> Value {
        let resp = self
            .post_json(
                "/api/v1/folders",
                json!({ "share_id": self.share(), "name": name, "parent_id": parent }),
            )
            .await;
        assert_eq!(resp.status(), 201, "mkdir {name}");
        resp.json().await.unwrap()
    }

    /// Multipart upload; returns the raw response.
    pub async fn upload_raw(&self, folder: Option<&str>, name: &str, bytes: Vec<u8>) -> Response {
        let mut form = multipart::Form::new().text("share_id", self.share().to_owned());
        if let Some(folder) = folder {
            form = form.text("folder_id", folder.to_owned());
        }
        form = form.part(
            "file",
            multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
        self.req(Method::POST, "/api/v1/files")
            .multipart(form)
            .send()
            .await
            .unwrap()
    }

    /// Multipart upload; returns the file JSON (asserting 201).
    pub async fn upload(&self, folder: Option<&str>, name: &str, bytes: &[u8]) -> Value {
        let resp = self.upload_raw(folder, name, bytes.to_vec()).await;
        assert_eq!(resp.status(), 201, "upload {name}");
        resp.json().await.unwrap()
    }
}

/// Lowercase hex SHA-256.
pub fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// Asserts the documented error shapes and returns the body.
pub async fn expect_error(resp: Response, status: u16, code: &str) -> Value {
    assert_eq!(resp.status(), status, "status");
    assert!(resp.headers().contains_key("x-request-id"));
    let body: Value = resp.json().await.unwrap();
    assert_eq!(body["status"], "error", "{body}");
    assert_eq!(body["error"]["code"], code, "{body}");
    assert!(body["error"]["message"].is_string(), "{body}");
    assert!(
        body["meta"]["request_id"]
            .as_str()
            .unwrap()
            .starts_with("req_"),
        "{body}"
    );
    if status == 422 {
        assert!(body["detail"].is_array(), "{body}");
    } else {
        assert!(body["detail"].is_string(), "{body}");
    }
    body
}

//! One method per ScaiDrive endpoint the publisher uses, with its documented cost in rate
//! units (list 2, write 2, metadata read 1, upload or chunk 5).

use std::path::Path;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use reqwest::Method;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::client::{Call, FileUpload, Payload};
use super::{ApiError, Children, Client, FileMeta, LinkList, RemoteLink, Session, ShareList};

const LIST: u32 = 2;
const WRITE: u32 = 2;
const READ: u32 = 1;
const UPLOAD: u32 = 5;

/// A multipart upload's outcome: the new file and the digest of the bytes that were sent.
pub struct Uploaded {
    pub file: FileMeta,
    pub sent_sha256: Option<String>,
}

impl Client {
    async fn json<T: DeserializeOwned>(&self, call: Call) -> Result<T, ApiError> {
        let body = self.send(&call).await?;
        serde_json::from_slice(&body).map_err(|e| ApiError::Decode {
            endpoint: format!("{} {}", call.method, call.path),
            cause: e.to_string(),
        })
    }

    /// Every share the caller belongs to (all pages).
    pub async fn my_shares(&self) -> Result<ShareList, ApiError> {
        let mut all: Option<ShareList> = None;
        loop {
            let offset = all.as_ref().map_or(0, |a| a.shares.len());
            let call = Call::new(Method::GET, "/api/v1/users/me/shares", LIST)
                .query("limit", "100")
                .query("offset", offset.to_string());
            let page: ShareList = self.json(call).await?;
            let done = page.shares.len() < 100;
            match all.as_mut() {
                None => all = Some(page),
                Some(a) => a.shares.extend(page.shares),
            }
            if done {
                return Ok(all.expect("one page read"));
            }
        }
    }

    /// The items of a folder (`None` = the share root).
    pub async fn children(
        &self,
        share_id: &str,
        folder: Option<&str>,
    ) -> Result<Children, ApiError> {
        let path = format!("/api/v1/folders/{}/children", folder.unwrap_or("root"));
        self.json(Call::new(Method::GET, path, LIST).query("share_id", share_id))
            .await
    }

    /// Creates a folder; a duplicate name answers 409.
    pub async fn create_folder(
        &self,
        share_id: &str,
        parent: Option<&str>,
        name: &str,
    ) -> Result<super::Created, ApiError> {
        let body = json!({ "share_id": share_id, "name": name, "parent_id": parent });
        self.json(Call::new(Method::POST, "/api/v1/folders", WRITE).payload(Payload::Json(body)))
            .await
    }

    pub async fn file(&self, file_id: &str) -> Result<FileMeta, ApiError> {
        self.json(Call::new(
            Method::GET,
            format!("/api/v1/files/{file_id}"),
            READ,
        ))
        .await
    }

    /// Uploads a new file by multipart, streaming it from disk.
    pub async fn upload_file(
        &self,
        share_id: &str,
        folder: Option<&str>,
        name: &str,
        local: &Path,
        size: u64,
    ) -> Result<Uploaded, ApiError> {
        let mut fields = vec![
            ("share_id", share_id.to_string()),
            ("name", name.to_string()),
        ];
        if let Some(folder) = folder {
            fields.push(("folder_id", folder.to_string()));
        }
        let sent = Arc::new(Mutex::new(None));
        let upload = FileUpload {
            fields,
            path: local.to_path_buf(),
            name: name.to_string(),
            size,
            sent_sha256: sent.clone(),
        };
        let call = Call::new(Method::POST, "/api/v1/files", UPLOAD).payload(Payload::File(upload));
        let file = self.json(call).await?;
        let sent_sha256 = sent.lock().expect("hash lock").clone();
        Ok(Uploaded { file, sent_sha256 })
    }

    pub async fn create_session(&self, new: &super::NewSession<'_>) -> Result<Session, ApiError> {
        let body = serde_json::to_value(new).expect("session body serialises");
        self.json(Call::new(Method::POST, "/api/v1/uploads", WRITE).payload(Payload::Json(body)))
            .await
    }

    pub async fn session(&self, session_id: &str) -> Result<Session, ApiError> {
        self.json(Call::new(
            Method::GET,
            format!("/api/v1/uploads/{session_id}"),
            READ,
        ))
        .await
    }

    pub async fn put_chunk(
        &self,
        session_id: &str,
        index: u64,
        bytes: Bytes,
    ) -> Result<(), ApiError> {
        let path = format!("/api/v1/uploads/{session_id}/chunks/{index}");
        let call = Call::new(Method::PUT, path, UPLOAD).payload(Payload::Bytes(bytes));
        self.send(&call).await.map(drop)
    }

    /// Finalises a session. Its answer carries the file's id (`id` or `file_id`).
    pub async fn complete_session(&self, session_id: &str) -> Result<serde_json::Value, ApiError> {
        let path = format!("/api/v1/uploads/{session_id}/complete");
        self.json(Call::new(Method::POST, path, WRITE).not_resendable())
            .await
    }

    /// Abandons a session.
    pub async fn abort_session(&self, session_id: &str) -> Result<(), ApiError> {
        let call = Call::new(
            Method::DELETE,
            format!("/api/v1/uploads/{session_id}"),
            WRITE,
        );
        self.send(&call).await.map(drop)
    }

    /// Active links on one resource.
    pub async fn links_of(&self, share_id: &str, resource_id: &str) -> Result<LinkList, ApiError> {
        let call = Call::new(Method::GET, "/api/v1/external/links", LIST)
            .query("share_id", share_id)
            .query("resource_id", resource_id)
            .query("status", "active")
            .query("limit", "100");
        self.json(call).await
    }

    /// Creates a link. Never resent blindly: a lost answer is reconciled by the caller.
    pub async fn create_link(&self, body: serde_json::Value) -> Result<RemoteLink, ApiError> {
        let call = Call::new(Method::POST, "/api/v1/external/links", WRITE)
            .payload(Payload::Json(body))
            .not_resendable();
        self.json(call).await
    }

    pub async fn update_link(
        &self,
        link_id: &str,
        body: serde_json::Value,
    ) -> Result<RemoteLink, ApiError> {
        let path = format!("/api/v1/external/links/{link_id}");
        self.json(Call::new(Method::PATCH, path, WRITE).payload(Payload::Json(body)))
            .await
    }

    /// Revokes a link, permanently.
    pub async fn revoke_link(&self, link_id: &str) -> Result<(), ApiError> {
        let path = format!("/api/v1/external/links/{link_id}");
        match self.send(&Call::new(Method::DELETE, path, WRITE)).await {
            // Already revoked (a lost answer to an earlier attempt): the goal is reached.
            Err(e) if matches!(e.status(), Some(404 | 410)) => Ok(()),
            other => other.map(drop),
        }
    }

    /// Sends a file or folder to the trash.
    pub async fn delete(&self, kind_is_folder: bool, id: &str) -> Result<(), ApiError> {
        let path = if kind_is_folder {
            format!("/api/v1/folders/{id}")
        } else {
            format!("/api/v1/files/{id}")
        };
        match self.send(&Call::new(Method::DELETE, path, WRITE)).await {
            // Already gone (a lost answer to an earlier attempt): the goal is reached.
            Err(e) if matches!(e.status(), Some(404 | 410)) => Ok(()),
            other => other.map(drop),
        }
    }
}

//! The JSON bodies the client reads and writes, restricted to the fields it uses.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
pub struct ShareList {
    pub shares: Vec<ShareItem>,
    #[serde(default)]
    pub total: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ShareItem {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub role: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Children {
    pub items: Vec<Child>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Child {
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: String,
    #[serde(default)]
    pub size: Option<u64>,
    #[serde(default)]
    pub modified_at: Option<String>,
}

impl Child {
    pub fn is_folder(&self) -> bool {
        self.kind == "folder"
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Created {
    pub id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct FileMeta {
    pub id: String,
    pub name: String,
    pub size: u64,
    #[serde(default)]
    pub checksum_sha256: Option<String>,
    #[serde(default)]
    pub version: Option<u64>,
    #[serde(default)]
    pub modified_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NewSession<'a> {
    pub share_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub folder_id: Option<&'a str>,
    pub file_name: &'a str,
    pub file_size: u64,
    pub chunk_size: u64,
    pub checksum_sha256: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replace_file_id: Option<&'a str>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Session {
    pub session_id: String,
    pub chunk_size: u64,
    pub total_chunks: u64,
    #[serde(default)]
    pub received_chunks: Vec<u64>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct LinkList {
    pub links: Vec<RemoteLink>,
}

/// An external link as the service reports it.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct RemoteLink {
    pub id: String,
    pub resource_id: String,
    pub link_type: String,
    pub url: String,
    #[serde(default)]
    pub short_url: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
    #[serde(default)]
    pub password_required: bool,
    #[serde(default)]
    pub expires_at: Option<String>,
    #[serde(default)]
    pub max_downloads: Option<u64>,
    #[serde(default)]
    pub max_views: Option<u64>,
    /// When it was made (ISO 8601), where the service says.
    #[serde(default)]
    pub created_at: Option<String>,
    #[serde(default)]
    pub allowed_ips: Option<Vec<String>>,
    #[serde(default)]
    pub allowed_emails: Option<Vec<String>>,
    #[serde(default)]
    pub require_email: Option<bool>,
    #[serde(default)]
    pub custom_name: Option<String>,
    #[serde(default)]
    pub custom_message: Option<String>,
    #[serde(default)]
    pub show_download_button: Option<bool>,
    #[serde(default)]
    pub allow_preview: Option<bool>,
    #[serde(default)]
    pub notify_on_access: Option<bool>,
    #[serde(default)]
    pub notify_on_download: Option<bool>,
    #[serde(default)]
    pub notification_email: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TokenGrant {
    pub access_token: String,
    #[serde(default)]
    pub refresh_token: Option<String>,
}

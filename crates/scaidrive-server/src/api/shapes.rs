//! The JSON objects the API returns (share, folder, file, child item, version, upload session,
//! link), built from database rows. Success bodies are bare objects, as in every documented
//! example.

use serde_json::{Value, json};

use crate::db::identity::Share;
use crate::db::items::{Item, Kind};
use crate::db::links::Link;
use crate::db::uploads::Upload;
use crate::db::versions::Version;
use crate::ids::iso;
use crate::role::Role;

/// The single tenant of the local server.
pub(crate) const TENANT_ID: &str = "tnt_local";

/// The full share object.
pub(crate) fn share(share: &Share, used_bytes: u64) -> Value {
    json!({
        "id": share.id,
        "tenant_id": TENANT_ID,
        "name": share.name,
        "description": share.description,
        "share_type": share.share_type,
        "type": share.share_type,
        "owner_id": share.owner_id,
        "is_public": false,
        "is_deleted": false,
        "quota_bytes": share.quota_bytes,
        "used_bytes": used_bytes,
        "settings": {},
        "created_at": iso(share.created_at),
        "modified_at": iso(share.modified_at),
    })
}

/// An item of `GET /users/me/shares` (the share object plus the caller's `role`).
pub(crate) fn share_item(s: &Share, role: Role, used_bytes: u64) -> Value {
    let mut value = share(s, used_bytes);
    value["role"] = json!(role.as_str());
    value
}

/// The folder object.
pub(crate) fn folder(item: &Item, path: &str) -> Value {
    json!({
        "id": item.id,
        "tenant_id": TENANT_ID,
        "share_id": item.share_id,
        "parent_id": item.parent_id(),
        "name": item.name,
        "type": "folder",
        "path": path,
        "owner_id": item.owner_id,
        "created_by": item.owner_id,
        "created_at": iso(item.created_at),
        "modified_at": iso(item.modified_at),
        "is_deleted": item.deleted_at.is_some(),
    })
}

/// The file object (with `checksum_sha256` and `version`).
pub(crate) fn file(item: &Item, path: &str) -> Value {
    json!({
        "id": item.id,
        "tenant_id": TENANT_ID,
        "share_id": item.share_id,
        "folder_id": item.parent_id(),
        "name": item.name,
        "type": "file",
        "path": path,
        "mime_type": item.mime_type,
        "size": item.size,
        "checksum_sha256": item.sha256,
        "version": item.version,
        "owner_id": item.owner_id,
        "created_by": item.owner_id,
        "modified_by": item.modified_by,
        "created_at": iso(item.created_at),
        "modified_at": iso(item.modified_at),
        "is_deleted": item.deleted_at.is_some(),
        "vectorized_at": null,
    })
}

/// An entry of a children listing (no checksum, as documented).
pub(crate) fn child(item: &Item, parent_path: &str) -> Value {
    let path = if parent_path == "/" {
        format!("/{}", item.name)
    } else {
        format!("{parent_path}/{}", item.name)
    };
    let mut value = json!({
        "id": item.id,
        "name": item.name,
        "type": item.kind.as_str(),
        "path": path,
        "parent_id": item.parent_id(),
        "created_at": iso(item.created_at),
        "modified_at": iso(item.modified_at),
        "is_deleted": item.deleted_at.is_some(),
    });
    if item.kind == Kind::File {
        value["size"] = json!(item.size);
        value["mime_type"] = json!(item.mime_type);
        value["version"] = json!(item.version);
        value["folder_id"] = json!(item.parent_id());
    }
    value
}

/// An entry of a versions listing.
pub(crate) fn version(v: &Version) -> Value {
    json!({
        "id": v.id,
        "version_number": v.number,
        "size": v.size,
        "checksum_sha256": v.sha256,
        "created_by": v.created_by,
        "created_at": iso(v.created_at),
    })
}

/// An upload session's status.
pub(crate) fn upload(u: &Upload, received: &[u32], ttl_secs: i64) -> Value {
    let received_bytes: u64 = received.iter().map(|i| u.chunk_len(*i)).sum();
    json!({
        "session_id": u.id,
        "id": u.id,
        "share_id": u.share_id,
        "folder_id": (!u.folder_key.is_empty()).then_some(&u.folder_key),
        "file_name": u.file_name,
        "file_size": u.file_size,
        "mime_type": u.mime_type,
        "chunk_size": u.chunk_size,
        "total_chunks": u.total_chunks,
        "chunk_index_base": 0,
        "received_chunks": received,
        "received_bytes": received_bytes,
        "checksum_sha256": u.checksum,
        "replace_file_id": u.replace_file_id,
        "status": u.state.as_str(),
        "file_id": u.file_id,
        "created_at": iso(u.created_at),
        "expires_at": iso(u.touched_at / 1000 + ttl_secs),
    })
}

/// The external link object (never the password).
pub(crate) fn link(l: &Link, public_url: &str, now: i64) -> Value {
    let mut value = json!({
        "id": l.id,
        "tenant_id": TENANT_ID,
        "share_id": l.share_id,
        "resource_type": l.resource_type,
        "resource_id": l.resource_id,
        "link_type": l.link_type,
        "token": l.token,
        "short_code": l.short_code,
        "url": format!("{public_url}/share/{}", l.token),
        "short_url": format!("{public_url}/s/{}", l.short_code),
        "status": l.status(now),
        "password_required": l.password_hash.is_some(),
        "max_downloads": l.max_downloads,
        "download_count": l.download_count,
        "max_views": l.max_views,
        "view_count": l.view_count,
        "created_by": l.created_by,
        "created_at": iso(l.created_at),
        "modified_at": iso(l.modified_at),
        "expires_at": l.expires_at.map(iso),
        "revoked_at": l.revoked_at.map(iso),
    });
    for (key, option) in &l.options {
        value[key] = option.clone();
    }
    value
}

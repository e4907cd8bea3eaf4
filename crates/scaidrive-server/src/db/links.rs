//! External links: the row, its derived status, the recipient counters. The documented fields
//! that only shape the recipient experience live in the `options` JSON column.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::{Map, Value};

use crate::error::ApiResult;
use crate::ids;

/// An external link row.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    pub(crate) id: String,
    pub(crate) share_id: String,
    pub(crate) resource_type: String,
    pub(crate) resource_id: String,
    pub(crate) link_type: String,
    pub(crate) token: String,
    pub(crate) short_code: String,
    pub(crate) revoked_at: Option<i64>,
    pub(crate) password_hash: Option<String>,
    pub(crate) expires_at: Option<i64>,
    pub(crate) max_downloads: Option<u64>,
    pub(crate) download_count: u64,
    pub(crate) max_views: Option<u64>,
    pub(crate) view_count: u64,
    pub(crate) options: Map<String, Value>,
    pub(crate) created_by: String,
    pub(crate) created_at: i64,
    pub(crate) modified_at: i64,
}

impl Link {
    /// `active`, `expired` or `revoked`, as of `now`.
    pub(crate) fn status(&self, now: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.is_some_and(|t| t <= now) {
            "expired"
        } else {
            "active"
        }
    }
}

const COLUMNS: &str = "id, share_id, resource_type, resource_id, link_type, token, short_code, \
                       revoked_at, password_hash, expires_at, max_downloads, download_count, \
                       max_views, view_count, options, created_by, created_at, modified_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Link> {
    let options: String = r.get(14)?;
    Ok(Link {
        id: r.get(0)?,
        share_id: r.get(1)?,
        resource_type: r.get(2)?,
        resource_id: r.get(3)?,
        link_type: r.get(4)?,
        token: r.get(5)?,
        short_code: r.get(6)?,
        revoked_at: r.get(7)?,
        password_hash: r.get(8)?,
        expires_at: r.get(9)?,
        max_downloads: r.get(10)?,
        download_count: r.get(11)?,
        max_views: r.get(12)?,
        view_count: r.get(13)?,
        options: serde_json::from_str(&options).unwrap_or_default(),
        created_by: r.get(15)?,
        created_at: r.get(16)?,
        modified_at: r.get(17)?,
    })
}

/// Stores a new link.
pub(crate) fn insert(conn: &Connection, l: &Link) -> ApiResult<()> {
    conn.execute(
        &format!(
            "INSERT INTO links ({COLUMNS}) VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)"
        ),
        params![
            l.id,
            l.share_id,
            l.resource_type,
            l.resource_id,
            l.link_type,
            l.token,
            l.short_code,
            l.revoked_at,
            l.password_hash,
            l.expires_at,
            l.max_downloads,
            l.download_count,
            l.max_views,
            l.view_count,
            Value::Object(l.options.clone()).to_string(),
            l.created_by,
            l.created_at,
            l.modified_at
        ],
    )?;
    Ok(())
}

/// Writes back the mutable fields of a link.
pub(crate) fn update(conn: &Connection, l: &Link) -> ApiResult<()> {
    conn.execute(
        "UPDATE links SET password_hash = ?2, expires_at = ?3, max_downloads = ?4,
         max_views = ?5, options = ?6, modified_at = ?7 WHERE id = ?1",
        params![
            l.id,
            l.password_hash,
            l.expires_at,
            l.max_downloads,
            l.max_views,
            Value::Object(l.options.clone()).to_string(),
            ids::now()
        ],
    )?;
    Ok(())
}

/// Loads a link by id.
pub(crate) fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Link>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM links WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Loads a link by its public token or short code.
pub(crate) fn by_public(conn: &Connection, token: &str) -> rusqlite::Result<Option<Link>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM links WHERE token = ?1 OR short_code = ?1"),
        [token],
        from_row,
    )
    .optional()
}

/// Links in the given shares (or created by `user_id`), optionally narrowed, oldest first.
pub(crate) fn list(
    conn: &Connection,
    share_ids: &[String],
    user_id: &str,
    share_filter: Option<&str>,
    resource_filter: Option<&str>,
) -> rusqlite::Result<Vec<Link>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLUMNS} FROM links WHERE (?1 IS NULL OR share_id = ?1)
         AND (?2 IS NULL OR resource_id = ?2) ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map(params![share_filter, resource_filter], from_row)?;
    let mut out = Vec::new();
    for link in rows {
        let link = link?;
        if link.created_by == user_id || share_ids.contains(&link.share_id) {
            out.push(link);
        }
    }
    Ok(out)
}

/// Revokes a link (idempotent).
pub(crate) fn revoke(conn: &Connection, id: &str) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE links SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
        params![id, ids::now()],
    )?;
    Ok(())
}

/// Counts one recipient view or download if the cap allows; false when the cap is reached.
pub(crate) fn count_access(conn: &Connection, id: &str, download: bool) -> rusqlite::Result<bool> {
    let sql = if download {
        "UPDATE links SET download_count = download_count + 1
         WHERE id = ?1 AND (max_downloads IS NULL OR download_count < max_downloads)"
    } else {
        "UPDATE links SET view_count = view_count + 1
         WHERE id = ?1 AND (max_views IS NULL OR view_count < max_views)"
    };
    Ok(conn.execute(sql, [id])? == 1)
}

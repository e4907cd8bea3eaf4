//! Folders and files (one `items` table, so a file and a folder collide on a name), and the
//! version history of files.
//!
//! Sibling names are unique among live items through a partial unique index on
//! `(share_id, parent_key, name) WHERE deleted_at IS NULL`: the database decides races, and a
//! trashed item no longer blocks its name. The comparison is byte-exact (case-sensitive, no
//! Unicode normalisation). `parent_key` is the parent folder id, or `""` for the share root.
//! A share's `used_bytes` is the sum of the current sizes of its live files; old versions and
//! trash are not counted.

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde_json::json;

use crate::db::is_unique_violation;
use crate::error::{ApiError, ApiResult};
use crate::ids;

/// Whether an item is a folder or a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Folder,
    File,
}

impl Kind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Kind::Folder => "folder",
            Kind::File => "file",
        }
    }
}

/// A folder or file row.
#[derive(Debug, Clone)]
pub(crate) struct Item {
    pub(crate) id: String,
    pub(crate) kind: Kind,
    pub(crate) share_id: String,
    pub(crate) parent_key: String,
    pub(crate) name: String,
    pub(crate) mime_type: Option<String>,
    pub(crate) size: u64,
    pub(crate) sha256: Option<String>,
    pub(crate) version: u32,
    pub(crate) owner_id: String,
    pub(crate) modified_by: String,
    pub(crate) created_at: i64,
    pub(crate) modified_at: i64,
    pub(crate) deleted_at: Option<i64>,
}

impl Item {
    /// The parent folder id, `None` at the share root.
    pub(crate) fn parent_id(&self) -> Option<&str> {
        (!self.parent_key.is_empty()).then_some(self.parent_key.as_str())
    }
}

/// Content of a file about to be recorded.
#[derive(Debug, Clone)]
pub(crate) struct NewContent {
    pub(crate) size: u64,
    pub(crate) sha256: String,
    pub(crate) mime_type: String,
}

const COLUMNS: &str = "id, kind, share_id, parent_key, name, mime_type, size, sha256, version, \
                       owner_id, modified_by, created_at, modified_at, deleted_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Item> {
    let kind: String = r.get(1)?;
    Ok(Item {
        id: r.get(0)?,
        kind: if kind == "folder" {
            Kind::Folder
        } else {
            Kind::File
        },
        share_id: r.get(2)?,
        parent_key: r.get(3)?,
        name: r.get(4)?,
        mime_type: r.get(5)?,
        size: r.get(6)?,
        sha256: r.get(7)?,
        version: r.get(8)?,
        owner_id: r.get(9)?,
        modified_by: r.get(10)?,
        created_at: r.get(11)?,
        modified_at: r.get(12)?,
        deleted_at: r.get(13)?,
    })
}

/// Checks a file or folder name; the error text says what is wrong.
pub(crate) fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("name must not be empty".into());
    }
    if name == "." || name == ".." {
        return Err("name must not be `.` or `..`".into());
    }
    if name.contains('/') || name.contains('\0') {
        return Err("name must not contain `/` or NUL".into());
    }
    if name.len() > 255 {
        return Err("name must be at most 255 bytes".into());
    }
    Ok(())
}

/// Loads any item (live or trashed).
pub(crate) fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Item>> {
    let sql = format!("SELECT {COLUMNS} FROM items WHERE id = ?1");
    conn.query_row(&sql, [id], from_row).optional()
}

/// The share-relative path of a folder key (`""` → `/`).
pub(crate) fn folder_path(conn: &Connection, folder_key: &str) -> rusqlite::Result<String> {
    let mut names = Vec::new();
    let mut key = folder_key.to_owned();
    while !key.is_empty() && names.len() < 4096 {
        let row: Option<(String, String)> = conn
            .query_row(
                "SELECT name, parent_key FROM items WHERE id = ?1",
                [&key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        let Some((name, parent)) = row else { break };
        names.push(name);
        key = parent;
    }
    names.reverse();
    Ok(format!("/{}", names.join("/")))
}

/// The share-relative path of an item.
pub(crate) fn path_of(conn: &Connection, item: &Item) -> rusqlite::Result<String> {
    let parent = folder_path(conn, &item.parent_key)?;
    Ok(if parent == "/" {
        format!("/{}", item.name)
    } else {
        format!("{parent}/{}", item.name)
    })
}

/// Direct children of a folder key, folders first, then by name.
pub(crate) fn children(
    conn: &Connection,
    share_id: &str,
    parent_key: &str,
    include_deleted: bool,
) -> rusqlite::Result<Vec<Item>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM items WHERE share_id = ?1 AND parent_key = ?2
         AND (?3 OR deleted_at IS NULL) ORDER BY kind DESC, name, id"
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(params![share_id, parent_key, include_deleted], from_row)?;
    rows.collect()
}

/// Every live item below a folder key, with its path relative to that folder (`/a/b.txt`),
/// parents before children.
pub(crate) fn subtree(
    conn: &Connection,
    share_id: &str,
    folder_key: &str,
) -> rusqlite::Result<Vec<(String, Item)>> {
    let cols = COLUMNS
        .split(", ")
        .map(|c| format!("i.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let sql = format!(
        "WITH RECURSIVE t(id, path) AS (
            SELECT id, '/' || name FROM items
            WHERE share_id = ?1 AND parent_key = ?2 AND deleted_at IS NULL
          UNION ALL
            SELECT c.id, t.path || '/' || c.name FROM items c JOIN t ON c.parent_key = t.id
            WHERE c.deleted_at IS NULL)
         SELECT t.path, {cols} FROM t JOIN items i ON i.id = t.id ORDER BY t.path"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params![share_id, folder_key], |r| {
        let path: String = r.get(0)?;
        let item = Item {
            id: r.get(1)?,
            kind: if r.get::<_, String>(2)? == "folder" {
                Kind::Folder
            } else {
                Kind::File
            },
            share_id: r.get(3)?,
            parent_key: r.get(4)?,
            name: r.get(5)?,
            mime_type: r.get(6)?,
            size: r.get(7)?,
            sha256: r.get(8)?,
            version: r.get(9)?,
            owner_id: r.get(10)?,
            modified_by: r.get(11)?,
            created_at: r.get(12)?,
            modified_at: r.get(13)?,
            deleted_at: r.get(14)?,
        };
        Ok((path, item))
    })?;
    rows.collect()
}

/// Whether `folder_key` is `ancestor` or lies below it.
pub(crate) fn is_within(
    conn: &Connection,
    folder_key: &str,
    ancestor: &str,
) -> rusqlite::Result<bool> {
    let mut key = folder_key.to_owned();
    for _ in 0..4096 {
        if key == ancestor {
            return Ok(true);
        }
        if key.is_empty() {
            return Ok(false);
        }
        let parent: Option<String> = conn
            .query_row("SELECT parent_key FROM items WHERE id = ?1", [&key], |r| {
                r.get(0)
            })
            .optional()?;
        let Some(parent) = parent else {
            return Ok(false);
        };
        key = parent;
    }
    Ok(false)
}

/// Bytes used by the live files of a share.
pub(crate) fn used_bytes(conn: &Connection, share_id: &str) -> rusqlite::Result<u64> {
    conn.query_row(
        "SELECT COALESCE(SUM(size), 0) FROM items
         WHERE share_id = ?1 AND kind = 'file' AND deleted_at IS NULL",
        [share_id],
        |r| r.get(0),
    )
}

/// 507 if adding `extra` bytes (after freeing `freed`) would exceed `quota`.
pub(crate) fn check_quota(
    conn: &Connection,
    share_id: &str,
    quota: Option<u64>,
    extra: u64,
    freed: u64,
) -> ApiResult<()> {
    let Some(quota) = quota else { return Ok(()) };
    let used = used_bytes(conn, share_id)?.saturating_sub(freed);
    if used.saturating_add(extra) > quota {
        return Err(ApiError::new(
            axum::http::StatusCode::INSUFFICIENT_STORAGE,
            "QUOTA_EXCEEDED",
            format!("share quota exceeded: {used} of {quota} bytes used, {extra} more requested"),
        )
        .with_details(json!({ "level": "share", "quota_bytes": quota, "used_bytes": used })));
    }
    Ok(())
}

/// 409 `NAME_CONFLICT` naming the live sibling that holds `name`.
pub(crate) fn name_conflict(
    conn: &Connection,
    share_id: &str,
    parent_key: &str,
    name: &str,
) -> ApiError {
    let existing: Option<(String, String)> = conn
        .query_row(
            "SELECT id, kind FROM items WHERE share_id = ?1 AND parent_key = ?2 AND name = ?3
             AND deleted_at IS NULL",
            params![share_id, parent_key, name],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()
        .ok()
        .flatten();
    let mut err = ApiError::new(
        axum::http::StatusCode::CONFLICT,
        "NAME_CONFLICT",
        format!("an item named `{name}` already exists in this folder"),
    );
    if let Some((id, kind)) = existing {
        err = err.with_details(json!({ "existing_id": id, "existing_type": kind }));
    }
    err
}

/// 409 if a live sibling already holds `name`.
pub(crate) fn ensure_name_free(
    conn: &Connection,
    share_id: &str,
    parent_key: &str,
    name: &str,
) -> ApiResult<()> {
    let taken: bool = conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM items WHERE share_id = ?1 AND parent_key = ?2
         AND name = ?3 AND deleted_at IS NULL)",
        params![share_id, parent_key, name],
        |r| r.get(0),
    )?;
    if taken {
        Err(name_conflict(conn, share_id, parent_key, name))
    } else {
        Ok(())
    }
}

fn map_insert_error(
    conn: &Connection,
    err: rusqlite::Error,
    share_id: &str,
    parent_key: &str,
    name: &str,
) -> ApiError {
    if is_unique_violation(&err) {
        name_conflict(conn, share_id, parent_key, name)
    } else {
        err.into()
    }
}

/// Creates a folder; 409 on a live sibling of the same name.
pub(crate) fn create_folder(
    conn: &Connection,
    share_id: &str,
    parent_key: &str,
    name: &str,
    user_id: &str,
) -> ApiResult<Item> {
    let id = ids::new_id("fld");
    let now = ids::now();
    conn.execute(
        "INSERT INTO items (id, kind, share_id, parent_key, name, owner_id, modified_by,
         created_at, modified_at) VALUES (?1, 'folder', ?2, ?3, ?4, ?5, ?5, ?6, ?6)",
        params![id, share_id, parent_key, name, user_id, now],
    )
    .map_err(|e| map_insert_error(conn, e, share_id, parent_key, name))?;
    Ok(get(conn, &id)?.expect("folder just inserted"))
}

/// Creates a file at version 1, checking the quota in the same transaction.
pub(crate) fn create_file(
    conn: &mut Connection,
    share_id: &str,
    parent_key: &str,
    name: &str,
    content: &NewContent,
    user_id: &str,
    quota: Option<u64>,
) -> ApiResult<Item> {
    let tx = conn.transaction()?;
    check_quota(&tx, share_id, quota, content.size, 0)?;
    let id = ids::new_id("fil");
    let now = ids::now();
    tx.execute(
        "INSERT INTO items (id, kind, share_id, parent_key, name, mime_type, size, sha256,
         version, owner_id, modified_by, created_at, modified_at)
         VALUES (?1, 'file', ?2, ?3, ?4, ?5, ?6, ?7, 1, ?8, ?8, ?9, ?9)",
        params![
            id,
            share_id,
            parent_key,
            name,
            content.mime_type,
            content.size,
            content.sha256,
            user_id,
            now
        ],
    )
    .map_err(|e| map_insert_error(&tx, e, share_id, parent_key, name))?;
    crate::db::versions::insert(&tx, &id, 1, content, user_id, now)?;
    let item = get(&tx, &id)?.expect("file just inserted");
    tx.commit()?;
    Ok(item)
}

/// Renames a live item; 409 on a live sibling of the same name.
pub(crate) fn rename(conn: &Connection, item: &Item, name: &str, user_id: &str) -> ApiResult<Item> {
    conn.execute(
        "UPDATE items SET name = ?2, modified_by = ?3, modified_at = ?4 WHERE id = ?1",
        params![item.id, name, user_id, ids::now()],
    )
    .map_err(|e| map_insert_error(conn, e, &item.share_id, &item.parent_key, name))?;
    Ok(get(conn, &item.id)?.expect("item exists"))
}

/// Soft-deletes an item and, for a folder, its whole live subtree.
pub(crate) fn trash(conn: &mut Connection, item: &Item) -> ApiResult<()> {
    let tx = conn.transaction()?;
    let now = ids::now();
    tx.execute(
        "WITH RECURSIVE t(id) AS (SELECT ?1 UNION ALL
            SELECT c.id FROM items c JOIN t ON c.parent_key = t.id WHERE c.deleted_at IS NULL)
         UPDATE items SET deleted_at = ?2 WHERE id IN (SELECT id FROM t)",
        params![item.id, now],
    )?;
    tx.commit()?;
    Ok(())
}

/// Deletes an item, its subtree and their versions for good (blobs stay on disk).
pub(crate) fn purge(conn: &mut Connection, item: &Item) -> ApiResult<()> {
    let tx = conn.transaction()?;
    tx.execute_batch("CREATE TEMP TABLE IF NOT EXISTS doomed (id TEXT PRIMARY KEY)")?;
    tx.execute("DELETE FROM temp.doomed", [])?;
    tx.execute(
        "WITH RECURSIVE t(id) AS (SELECT ?1 UNION ALL
            SELECT c.id FROM items c JOIN t ON c.parent_key = t.id)
         INSERT OR IGNORE INTO temp.doomed SELECT id FROM t",
        [&item.id],
    )?;
    tx.execute(
        "DELETE FROM versions WHERE file_id IN (SELECT id FROM temp.doomed)",
        [],
    )?;
    tx.execute(
        "DELETE FROM items WHERE id IN (SELECT id FROM temp.doomed)",
        [],
    )?;
    tx.execute("DELETE FROM temp.doomed", [])?;
    tx.commit()?;
    Ok(())
}

/// Brings a trashed file back (its parent must be live); 409 if its name was taken meanwhile.
pub(crate) fn restore(conn: &Connection, item: &Item) -> ApiResult<Item> {
    conn.execute(
        "UPDATE items SET deleted_at = NULL WHERE id = ?1",
        [&item.id],
    )
    .map_err(|e| map_insert_error(conn, e, &item.share_id, &item.parent_key, &item.name))?;
    Ok(get(conn, &item.id)?.expect("item exists"))
}

#[cfg(test)]
mod tests {
    use super::check_name;

    #[test]
    fn names_that_would_escape_a_path_are_refused() {
        assert!(check_name("report.pdf").is_ok());
        assert!(check_name("<img src=x onerror=alert(1)>.html").is_ok());
        assert!(
            check_name("<script>alert(1)</script>.html").is_err(),
            "a slash"
        );
        for bad in ["", ".", "..", "a/b", "nul\0"] {
            assert!(check_name(bad).is_err(), "{bad:?}");
        }
        assert!(check_name(&"x".repeat(256)).is_err());
    }
}

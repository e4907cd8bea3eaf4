//! The version history of files: every content change of a file is a numbered version whose
//! bytes stay in the blob store, so old versions remain downloadable.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::db::items::{Item, Kind, NewContent, check_quota, get};
use crate::error::{ApiError, ApiResult};
use crate::ids;

/// One stored version of a file.
#[derive(Debug, Clone)]
pub(crate) struct Version {
    pub(crate) id: String,
    pub(crate) number: u32,
    pub(crate) size: u64,
    pub(crate) sha256: String,
    pub(crate) created_by: String,
    pub(crate) created_at: i64,
}

/// Records one version row.
pub(crate) fn insert(
    conn: &Connection,
    file_id: &str,
    number: u32,
    content: &NewContent,
    user_id: &str,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO versions (id, file_id, number, size, sha256, created_by, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        params![
            ids::new_id("ver"),
            file_id,
            number,
            content.size,
            content.sha256,
            user_id,
            now
        ],
    )?;
    Ok(())
}

/// Records new content for a live file as its next version.
pub(crate) fn add_version(
    conn: &mut Connection,
    file_id: &str,
    content: &NewContent,
    user_id: &str,
    quota: Option<u64>,
) -> ApiResult<Item> {
    let tx = conn.transaction()?;
    let Some(file) = get(&tx, file_id)?.filter(|f| f.kind == Kind::File) else {
        return Err(ApiError::not_found("file", file_id));
    };
    if file.deleted_at.is_some() {
        return Err(ApiError::gone(
            "RESOURCE_DELETED",
            format!("file {file_id} is in the trash"),
        ));
    }
    check_quota(&tx, &file.share_id, quota, content.size, file.size)?;
    let number = file.version + 1;
    let now = ids::now();
    tx.execute(
        "UPDATE items SET size = ?2, sha256 = ?3, mime_type = ?4, version = ?5,
         modified_by = ?6, modified_at = ?7 WHERE id = ?1",
        params![
            file_id,
            content.size,
            content.sha256,
            content.mime_type,
            number,
            user_id,
            now
        ],
    )?;
    insert(&tx, file_id, number, content, user_id, now)?;
    let item = get(&tx, file_id)?.expect("file exists");
    tx.commit()?;
    Ok(item)
}

fn version_from_row(r: &Row<'_>) -> rusqlite::Result<Version> {
    Ok(Version {
        id: r.get(0)?,
        number: r.get(1)?,
        size: r.get(2)?,
        sha256: r.get(3)?,
        created_by: r.get(4)?,
        created_at: r.get(5)?,
    })
}

/// All versions of a file, newest first.
pub(crate) fn versions(conn: &Connection, file_id: &str) -> rusqlite::Result<Vec<Version>> {
    let mut stmt = conn.prepare(
        "SELECT id, number, size, sha256, created_by, created_at FROM versions
         WHERE file_id = ?1 ORDER BY number DESC",
    )?;
    let rows = stmt.query_map([file_id], version_from_row)?;
    rows.collect()
}

/// One version of a file.
pub(crate) fn version(
    conn: &Connection,
    file_id: &str,
    number: u32,
) -> rusqlite::Result<Option<Version>> {
    conn.query_row(
        "SELECT id, number, size, sha256, created_by, created_at FROM versions
         WHERE file_id = ?1 AND number = ?2",
        params![file_id, number],
        version_from_row,
    )
    .optional()
}

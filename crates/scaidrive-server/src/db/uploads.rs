//! Upload sessions and the chunks they have received. The chunk bytes live on disk (see
//! `crate::api::uploads`); this table records which indices have arrived.

use rusqlite::{Connection, OptionalExtension, Row, params};

use crate::error::ApiResult;

/// Life-cycle state of a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum State {
    Active,
    Completed,
    Aborted,
}

impl State {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Completed => "completed",
            State::Aborted => "aborted",
        }
    }

    fn parse(text: &str) -> State {
        match text {
            "completed" => State::Completed,
            "aborted" => State::Aborted,
            _ => State::Active,
        }
    }
}

/// An upload session row.
#[derive(Debug, Clone)]
pub(crate) struct Upload {
    pub(crate) id: String,
    pub(crate) share_id: String,
    pub(crate) folder_key: String,
    pub(crate) file_name: String,
    pub(crate) file_size: u64,
    pub(crate) chunk_size: u64,
    pub(crate) total_chunks: u32,
    pub(crate) checksum: Option<String>,
    pub(crate) replace_file_id: Option<String>,
    pub(crate) mime_type: Option<String>,
    pub(crate) created_by: String,
    pub(crate) state: State,
    pub(crate) created_at: i64,
    pub(crate) touched_at: i64,
    pub(crate) file_id: Option<String>,
}

impl Upload {
    /// The exact length chunk `index` must have.
    pub(crate) fn chunk_len(&self, index: u32) -> u64 {
        let start = u64::from(index) * self.chunk_size;
        self.chunk_size.min(self.file_size.saturating_sub(start))
    }
}

const COLUMNS: &str = "id, share_id, folder_key, file_name, file_size, chunk_size, total_chunks, \
                       checksum, replace_file_id, mime_type, created_by, state, created_at, \
                       touched_at, file_id";

fn from_row(r: &Row<'_>) -> rusqlite::Result<Upload> {
    Ok(Upload {
        id: r.get(0)?,
        share_id: r.get(1)?,
        folder_key: r.get(2)?,
        file_name: r.get(3)?,
        file_size: r.get(4)?,
        chunk_size: r.get(5)?,
        total_chunks: r.get(6)?,
        checksum: r.get(7)?,
        replace_file_id: r.get(8)?,
        mime_type: r.get(9)?,
        created_by: r.get(10)?,
        state: State::parse(&r.get::<_, String>(11)?),
        created_at: r.get(12)?,
        touched_at: r.get(13)?,
        file_id: r.get(14)?,
    })
}

/// Stores a new session.
pub(crate) fn insert(conn: &Connection, u: &Upload) -> ApiResult<()> {
    conn.execute(
        &format!(
            "INSERT INTO uploads ({COLUMNS}) VALUES
             (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)"
        ),
        params![
            u.id,
            u.share_id,
            u.folder_key,
            u.file_name,
            u.file_size,
            u.chunk_size,
            u.total_chunks,
            u.checksum,
            u.replace_file_id,
            u.mime_type,
            u.created_by,
            u.state.as_str(),
            u.created_at,
            u.touched_at,
            u.file_id
        ],
    )?;
    Ok(())
}

/// Loads a session.
pub(crate) fn get(conn: &Connection, id: &str) -> rusqlite::Result<Option<Upload>> {
    conn.query_row(
        &format!("SELECT {COLUMNS} FROM uploads WHERE id = ?1"),
        [id],
        from_row,
    )
    .optional()
}

/// Indices received so far, ascending.
pub(crate) fn received(conn: &Connection, id: &str) -> rusqlite::Result<Vec<u32>> {
    let mut stmt =
        conn.prepare_cached("SELECT idx FROM upload_chunks WHERE upload_id = ?1 ORDER BY idx")?;
    let rows = stmt.query_map([id], |r| r.get(0))?;
    rows.collect()
}

/// Records an arrived chunk and refreshes the idle timer.
pub(crate) fn record_chunk(
    conn: &Connection,
    id: &str,
    index: u32,
    size: u64,
    now: i64,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO upload_chunks (upload_id, idx, size) VALUES (?1, ?2, ?3)
         ON CONFLICT (upload_id, idx) DO UPDATE SET size = excluded.size",
        params![id, index, size],
    )?;
    touch(conn, id, now)
}

/// Refreshes the idle timer.
pub(crate) fn touch(conn: &Connection, id: &str, now: i64) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE uploads SET touched_at = ?2 WHERE id = ?1",
        params![id, now],
    )?;
    Ok(())
}

/// Moves an active session to `state` (recording the file for a completion); false if the
/// session was no longer active.
pub(crate) fn close(
    conn: &Connection,
    id: &str,
    state: State,
    file_id: Option<&str>,
) -> rusqlite::Result<bool> {
    let changed = conn.execute(
        "UPDATE uploads SET state = ?2, file_id = ?3 WHERE id = ?1 AND state = 'active'",
        params![id, state.as_str(), file_id],
    )?;
    Ok(changed == 1)
}

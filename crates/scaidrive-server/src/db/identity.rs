//! Users, shares, memberships, access and refresh tokens, and key/value settings.
//!
//! Tokens look like `sda_<ULID>_<64 hex>` (access) and `rt_<ULID>_<64 hex>` (refresh). Only the
//! SHA-256 of the secret part is stored; the row is found by the ULID and the hashes are
//! compared in constant time. Refresh tokens are one-time: using one revokes it atomically.

use rusqlite::{Connection, OptionalExtension, params};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::error::ApiResult;
use crate::ids;
use crate::role::Role;

/// A share row.
#[derive(Debug, Clone)]
pub(crate) struct Share {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) description: Option<String>,
    pub(crate) share_type: String,
    pub(crate) owner_id: String,
    pub(crate) quota_bytes: Option<u64>,
    pub(crate) created_at: i64,
    pub(crate) modified_at: i64,
}

/// A user row.
#[derive(Debug, Clone)]
pub(crate) struct User {
    pub(crate) id: String,
    pub(crate) email: String,
    pub(crate) name: String,
}

/// What a valid access token proves (`issued_at` in Unix milliseconds).
#[derive(Debug, Clone)]
pub(crate) struct TokenInfo {
    pub(crate) token_id: String,
    pub(crate) user_id: String,
    pub(crate) issued_at: i64,
}

/// A fresh access/refresh pair, in clear (shown to the caller once).
#[derive(Debug, Clone)]
pub(crate) struct TokenPair {
    pub(crate) access: String,
    pub(crate) refresh: String,
}

/// Reads a setting.
pub(crate) fn setting(conn: &Connection, key: &str) -> rusqlite::Result<Option<String>> {
    conn.query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
        r.get(0)
    })
    .optional()
}

/// Writes a setting.
pub(crate) fn set_setting(conn: &Connection, key: &str, value: &str) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO settings (key, value) VALUES (?1, ?2)
         ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        params![key, value],
    )?;
    Ok(())
}

/// Creates a user.
pub(crate) fn create_user(conn: &Connection, name: &str, email: &str) -> rusqlite::Result<String> {
    let id = ids::new_id("usr");
    conn.execute(
        "INSERT INTO users (id, email, name, created_at) VALUES (?1, ?2, ?3, ?4)",
        params![id, email, name, ids::now()],
    )?;
    Ok(id)
}

/// Loads a user.
pub(crate) fn user(conn: &Connection, id: &str) -> rusqlite::Result<Option<User>> {
    conn.query_row(
        "SELECT id, email, name FROM users WHERE id = ?1",
        [id],
        |r| {
            Ok(User {
                id: r.get(0)?,
                email: r.get(1)?,
                name: r.get(2)?,
            })
        },
    )
    .optional()
}

/// Creates a share owned by `owner_id` (who becomes its `owner` member).
pub(crate) fn create_share(
    conn: &Connection,
    name: &str,
    owner_id: &str,
    quota_bytes: Option<u64>,
) -> rusqlite::Result<String> {
    let id = ids::new_id("shr");
    let now = ids::now();
    conn.execute(
        "INSERT INTO shares (id, name, description, share_type, owner_id, quota_bytes,
         created_at, modified_at) VALUES (?1, ?2, NULL, 'project', ?3, ?4, ?5, ?5)",
        params![id, name, owner_id, quota_bytes, now],
    )?;
    add_member(conn, &id, owner_id, Role::Owner)?;
    Ok(id)
}

/// Sets `user_id`'s role on a share.
pub(crate) fn add_member(
    conn: &Connection,
    share_id: &str,
    user_id: &str,
    role: Role,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO members (share_id, user_id, role) VALUES (?1, ?2, ?3)
         ON CONFLICT (share_id, user_id) DO UPDATE SET role = excluded.role",
        params![share_id, user_id, role.as_str()],
    )?;
    Ok(())
}

/// Changes a share's quota.
pub(crate) fn set_quota(
    conn: &Connection,
    share_id: &str,
    quota: Option<u64>,
) -> rusqlite::Result<()> {
    conn.execute(
        "UPDATE shares SET quota_bytes = ?2 WHERE id = ?1",
        params![share_id, quota],
    )?;
    Ok(())
}

fn share_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Share> {
    Ok(Share {
        id: r.get(0)?,
        name: r.get(1)?,
        description: r.get(2)?,
        share_type: r.get(3)?,
        owner_id: r.get(4)?,
        quota_bytes: r.get(5)?,
        created_at: r.get(6)?,
        modified_at: r.get(7)?,
    })
}

const SHARE_COLUMNS: &str = "s.id, s.name, s.description, s.share_type, s.owner_id, \
                             s.quota_bytes, s.created_at, \
     s.modified_at";

/// Loads a share.
pub(crate) fn share(conn: &Connection, id: &str) -> rusqlite::Result<Option<Share>> {
    let sql = format!("SELECT {SHARE_COLUMNS} FROM shares s WHERE s.id = ?1");
    conn.query_row(&sql, [id], share_from_row).optional()
}

/// The shares a user belongs to, with the role, ordered by name.
pub(crate) fn shares_of(conn: &Connection, user_id: &str) -> rusqlite::Result<Vec<(Share, Role)>> {
    let sql = format!(
        "SELECT {SHARE_COLUMNS}, m.role FROM shares s JOIN members m ON m.share_id = s.id
         WHERE m.user_id = ?1 ORDER BY s.name, s.id"
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map([user_id], |r| {
        let role: String = r.get(8)?;
        Ok((
            share_from_row(r)?,
            Role::parse(&role).unwrap_or(Role::Reader),
        ))
    })?;
    rows.collect()
}

/// The user's role on a share, if a member.
pub(crate) fn role_of(
    conn: &Connection,
    user_id: &str,
    share_id: &str,
) -> rusqlite::Result<Option<Role>> {
    let role: Option<String> = conn
        .query_row(
            "SELECT role FROM members WHERE user_id = ?1 AND share_id = ?2",
            [user_id, share_id],
            |r| r.get(0),
        )
        .optional()?;
    Ok(role.as_deref().and_then(Role::parse))
}

fn hash_secret(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn insert_token(conn: &Connection, kind: &str, prefix: &str, user_id: &str) -> ApiResult<String> {
    let id = ulid::Ulid::generate().to_string();
    let secret = ids::random_hex(32);
    conn.execute(
        "INSERT INTO tokens (id, kind, user_id, secret_hash, issued_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
        params![id, kind, user_id, hash_secret(&secret), ids::now_ms()],
    )?;
    Ok(format!("{prefix}_{id}_{secret}"))
}

/// Issues a new access and refresh token for `user_id`.
pub(crate) fn issue_tokens(conn: &Connection, user_id: &str) -> ApiResult<TokenPair> {
    Ok(TokenPair {
        access: insert_token(conn, "access", "sda", user_id)?,
        refresh: insert_token(conn, "refresh", "rt", user_id)?,
    })
}

/// Finds the live token row of `kind` matching `token`, comparing secrets in constant time.
fn find_token(conn: &Connection, kind: &str, token: &str) -> rusqlite::Result<Option<TokenInfo>> {
    let prefix = if kind == "access" { "sda" } else { "rt" };
    let mut parts = token.splitn(3, '_');
    let (Some(p), Some(id), Some(secret)) = (parts.next(), parts.next(), parts.next()) else {
        return Ok(None);
    };
    if p != prefix {
        return Ok(None);
    }
    let row: Option<(String, Vec<u8>, i64)> = conn
        .query_row(
            "SELECT user_id, secret_hash, issued_at FROM tokens
             WHERE id = ?1 AND kind = ?2 AND revoked = 0",
            [id, kind],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .optional()?;
    let Some((user_id, stored, issued_at)) = row else {
        return Ok(None);
    };
    if bool::from(hash_secret(secret).ct_eq(&stored)) {
        Ok(Some(TokenInfo {
            token_id: id.to_owned(),
            user_id,
            issued_at,
        }))
    } else {
        Ok(None)
    }
}

/// Validates an access token (expiry is the caller's business).
pub(crate) fn verify_access(conn: &Connection, token: &str) -> rusqlite::Result<Option<TokenInfo>> {
    find_token(conn, "access", token)
}

/// Consumes a refresh token and issues a new pair; `None` if the token is unknown or used.
pub(crate) fn rotate_refresh(conn: &mut Connection, token: &str) -> ApiResult<Option<TokenPair>> {
    let tx = conn.transaction()?;
    let Some(info) = find_token(&tx, "refresh", token)? else {
        return Ok(None);
    };
    let changed = tx.execute(
        "UPDATE tokens SET revoked = 1 WHERE id = ?1 AND revoked = 0",
        [&info.token_id],
    )?;
    if changed != 1 {
        return Ok(None);
    }
    let pair = issue_tokens(&tx, &info.user_id)?;
    tx.commit()?;
    Ok(Some(pair))
}

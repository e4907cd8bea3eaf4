//! The server's life cycle and its Rust-side test helpers: open (or create) the data dir,
//! establish the default identity, bind, serve until shut down.
//!
//! On first start in an empty data dir the server creates a user, a share named `Local` (role
//! `owner`) and a token pair, and writes `connection.json` (mode 0600). Later starts reuse that
//! identity; if its tokens no longer work (expired under a `token_ttl` fault, or the refresh
//! token was used), a fresh pair is minted and the file rewritten.
//!
//! A server holds `server.lock` in its data dir for its whole life, so a second server on the
//! same dir fails at once with [`Error::Busy`] instead of sharing the database; with
//! [`Config::announce`] it also writes its URL to `serve.json` (see `lock`).

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

use axum::Router;
use axum::middleware::from_fn_with_state;
use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::blobs::BlobStore;
use crate::config::{Config, Faults, RateBudget};
use crate::conn::{ConnInfo, KillableListener};
use crate::db::identity::{self, Share};
use crate::db::{Db, items};
use crate::error::{ApiError, Error};
use crate::faults::FaultInjector;
use crate::lock::{self, DirLock, LockError};
use crate::ratelimit::RateLimiter;
use crate::request_log::{LoggedRequest, RequestLog};
use crate::role::Role;
use crate::state::{AppState, Shared};
use crate::{api, ids, local, middleware, recipient};

/// How to reach a share as some user (the shape of `connection.json`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credentials {
    /// Base URL of the server (`http://127.0.0.1:PORT`).
    pub url: String,
    /// Access token (opaque bearer string).
    pub token: String,
    /// One-time refresh token.
    pub refresh_token: String,
    /// The share this identity was made for.
    pub share_id: String,
    /// That share's name.
    pub share_name: String,
}

/// Folder or file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum EntryKind {
    /// A folder.
    Folder,
    /// A file.
    File,
}

/// One live item of a share, as [`Server::snapshot`] reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// The item id (`fld_…`/`fil_…`).
    pub id: String,
    /// Folder or file.
    pub kind: EntryKind,
    /// Current size in bytes (0 for folders).
    pub size: u64,
    /// Lowercase hex SHA-256 of the current content (`None` for folders).
    pub sha256: Option<String>,
    /// Current version number (`None` for folders).
    pub version: Option<u32>,
}

/// A running local ScaiDrive server.
pub struct Server {
    state: AppState,
    url: String,
    shutdown: CancellationToken,
    task: Option<JoinHandle<()>>,
    data_dir: std::path::PathBuf,
    announced: bool,
    /// Released (by dropping it) after everything else in `Drop`.
    _lock: DirLock,
}

const CONNECTION_FILE: &str = "connection.json";

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    move |cause| Error::Io {
        path: path.to_owned(),
        cause,
    }
}

impl Server {
    /// Opens the data dir, binds `config.addr` and starts serving in the background.
    ///
    /// # Errors
    /// The data dir or database cannot be used, or the address cannot be bound.
    pub async fn start(config: Config) -> Result<Server, Error> {
        let data_dir = config.data_dir.clone();
        std::fs::create_dir_all(&data_dir).map_err(io_err(&data_dir))?;
        let dir_lock = match DirLock::try_acquire(&data_dir, lock::SERVER_LOCK) {
            Ok(l) => l,
            Err(LockError::Busy) => {
                return Err(Error::Busy {
                    serving: lock::read_serve_note(&data_dir),
                    dir: data_dir,
                });
            }
            Err(LockError::Io(cause)) => {
                return Err(Error::Io {
                    path: data_dir.join(lock::SERVER_LOCK),
                    cause,
                });
            }
        };
        // Left behind by a server that was killed; ours is written once we listen.
        lock::remove_serve_note(&data_dir);
        let blobs = BlobStore::open(&data_dir).map_err(io_err(&data_dir))?;
        let uploads_dir = data_dir.join("uploads");
        std::fs::create_dir_all(&uploads_dir).map_err(io_err(&uploads_dir))?;
        let db_path = data_dir.join("scaidrive.db");
        let db = Db::open(&db_path).map_err(|cause| Error::Database {
            path: db_path.clone(),
            cause,
        })?;

        let listener = TcpListener::bind(config.addr)
            .await
            .map_err(|cause| Error::Bind {
                addr: config.addr,
                cause,
            })?;
        let addr = listener.local_addr().map_err(|cause| Error::Bind {
            addr: config.addr,
            cause,
        })?;
        let url = format!("http://{}", reachable(addr));
        let public_url = config.public_url.clone().unwrap_or_else(|| url.clone());

        let faults = config.faults.clone();
        let quota = config.quota_bytes;
        let (secret, credentials) = db
            .blocking(|conn| establish_identity(conn, &data_dir, &url, quota, faults.token_ttl))
            .map_err(|e| Error::Startup(e.message))?;

        let state = AppState(std::sync::Arc::new(Shared {
            db,
            blobs,
            public_url: public_url.trim_end_matches('/').to_owned(),
            faults: FaultInjector::new(config.faults.clone()),
            rate: RateLimiter::new(config.rate),
            log: RequestLog::default(),
            secret,
            uploads_dir,
            credentials: Mutex::new(credentials),
            config,
        }));
        let app = app(&state);
        let shutdown = CancellationToken::new();
        let signal = shutdown.clone();
        let service = app.into_make_service_with_connect_info::<ConnInfo>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(KillableListener::new(listener), service)
                .with_graceful_shutdown(async move { signal.cancelled().await });
            if let Err(err) = serve.await {
                tracing::error!(error = %err, "server stopped");
            }
        });
        tracing::info!(%url, "local ScaiDrive server listening");
        let announced = state.config.announce;
        let server = Server {
            state,
            url,
            shutdown,
            task: Some(task),
            data_dir,
            announced,
            _lock: dir_lock,
        };
        if announced {
            // On failure `server` is dropped, which stops it.
            lock::write_serve_note(&server.data_dir, &server.url)
                .map_err(io_err(&server.data_dir))?;
        }
        Ok(server)
    }

    /// `http://127.0.0.1:PORT` of the bound socket (loopback when bound to all addresses).
    pub fn url(&self) -> String {
        self.url.clone()
    }

    /// Credentials of the default user on the default share.
    pub fn credentials(&self) -> Credentials {
        self.state.credentials()
    }

    /// Every request answered so far (`/_local` excluded).
    pub fn request_log(&self) -> Vec<LoggedRequest> {
        self.state.log.snapshot()
    }

    /// Empties the request log.
    pub fn clear_request_log(&self) {
        self.state.log.clear();
    }

    /// Replaces the fault settings (and reseeds the fault generator).
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults.set(faults);
    }

    /// Replaces the rate budget (`None` = unlimited) and resets every window.
    pub fn set_rate(&self, rate: Option<RateBudget>) {
        self.state.rate.set_budget(rate);
    }

    /// Sets a share's quota.
    pub fn set_quota(&self, share_id: &str, quota_bytes: Option<u64>) {
        let _ = self
            .state
            .db
            .blocking(|conn| identity::set_quota(conn, share_id, quota_bytes));
    }

    /// Creates a user with `role` on `share_id` and returns their credentials.
    ///
    /// # Panics
    /// If the database fails.
    pub fn create_user(&self, share_id: &str, role: Role) -> Credentials {
        let url = self.url.clone();
        self.state
            .db
            .blocking(|conn| -> Result<Credentials, ApiError> {
                let n = ids::random_code(6);
                let user =
                    identity::create_user(conn, &format!("User {n}"), &format!("{n}@local"))?;
                identity::add_member(conn, share_id, &user, role)?;
                let share = identity::share(conn, share_id)?
                    .ok_or_else(|| ApiError::not_found("share", share_id))?;
                let pair = identity::issue_tokens(conn, &user)?;
                Ok(credentials(&url, &pair, &share))
            })
            .expect("create_user")
    }

    /// Creates a share owned by the default user and returns the default user's credentials
    /// for it (same tokens, other share).
    ///
    /// # Panics
    /// If the database fails.
    pub fn create_share(&self, name: &str) -> Credentials {
        let mut creds = self.credentials();
        let share_id = self
            .state
            .db
            .blocking(|conn| -> Result<String, ApiError> {
                let owner = identity::setting(conn, "default_user")?.unwrap_or_default();
                Ok(identity::create_share(conn, name, &owner, None)?)
            })
            .expect("create_share");
        creds.share_id = share_id;
        creds.share_name = name.to_owned();
        creds
    }

    /// Every live item of a share by path (`/a/b.txt`), read straight from the database.
    pub fn snapshot(&self, share_id: &str) -> BTreeMap<String, Entry> {
        self.state
            .db
            .blocking(|conn| snapshot_of(conn, share_id))
            .unwrap_or_default()
    }

    /// Stops accepting, lets in-flight requests finish (up to 5 s), and returns.
    pub async fn shutdown(mut self) {
        self.shutdown.cancel();
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(5), &mut task)
                .await
                .is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.shutdown.cancel();
        if self.announced {
            lock::remove_serve_note(&self.data_dir);
        }
    }
}

/// The address a local client can connect to: a wildcard bind (`0.0.0.0`, `::`) is reached
/// on loopback.
fn reachable(addr: std::net::SocketAddr) -> std::net::SocketAddr {
    use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
    match addr.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => (Ipv4Addr::LOCALHOST, addr.port()).into(),
        IpAddr::V6(ip) if ip.is_unspecified() => (Ipv6Addr::LOCALHOST, addr.port()).into(),
        _ => addr,
    }
}

/// The whole router, outer middleware included.
pub(crate) fn app(state: &AppState) -> Router {
    Router::new()
        .merge(api::router(state))
        .merge(recipient::router())
        .merge(local::router())
        .fallback(middleware::not_found)
        .layer(from_fn_with_state(state.clone(), middleware::outer))
        .with_state(state.clone())
}

/// Live items of a share keyed by path.
pub(crate) fn snapshot_of(
    conn: &Connection,
    share_id: &str,
) -> rusqlite::Result<BTreeMap<String, Entry>> {
    Ok(items::subtree(conn, share_id, "")?
        .into_iter()
        .map(|(path, item)| {
            let file = item.kind == items::Kind::File;
            let entry = Entry {
                id: item.id,
                kind: if file {
                    EntryKind::File
                } else {
                    EntryKind::Folder
                },
                size: item.size,
                sha256: item.sha256,
                version: file.then_some(item.version),
            };
            (path, entry)
        })
        .collect())
}

fn credentials(url: &str, pair: &identity::TokenPair, share: &Share) -> Credentials {
    Credentials {
        url: url.to_owned(),
        token: pair.access.clone(),
        refresh_token: pair.refresh.clone(),
        share_id: share.id.clone(),
        share_name: share.name.clone(),
    }
}

/// Loads or creates the default user, share, cookie key and tokens; writes `connection.json`.
fn establish_identity(
    conn: &mut Connection,
    data_dir: &Path,
    url: &str,
    quota: Option<u64>,
    token_ttl: Option<Duration>,
) -> Result<(Vec<u8>, Credentials), ApiError> {
    let tx = conn.transaction()?;
    let secret = match identity::setting(&tx, "cookie_secret")? {
        Some(hex) => hex::decode(hex).map_err(ApiError::internal)?,
        None => {
            let hex = ids::random_hex(32);
            identity::set_setting(&tx, "cookie_secret", &hex)?;
            hex::decode(hex).map_err(ApiError::internal)?
        }
    };
    let user = match identity::setting(&tx, "default_user")? {
        Some(user) => user,
        None => {
            let user = identity::create_user(&tx, "Local Owner", "owner@localhost")?;
            identity::set_setting(&tx, "default_user", &user)?;
            user
        }
    };
    let share_id = match identity::setting(&tx, "default_share")? {
        Some(share) => share,
        None => {
            let share = identity::create_share(&tx, "Local", &user, quota)?;
            identity::set_setting(&tx, "default_share", &share)?;
            share
        }
    };
    let share =
        identity::share(&tx, &share_id)?.ok_or_else(|| ApiError::not_found("share", &share_id))?;

    let path = data_dir.join(CONNECTION_FILE);
    let saved: Option<Credentials> = std::fs::read(&path)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    let still_valid = |c: &Credentials| -> rusqlite::Result<bool> {
        let Some(info) = identity::verify_access(&tx, &c.token)? else {
            return Ok(false);
        };
        let fresh = token_ttl.is_none_or(|ttl| {
            u128::try_from(ids::now_ms() - info.issued_at).unwrap_or(0) < ttl.as_millis()
        });
        let refresh_ok: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM tokens WHERE kind = 'refresh' AND revoked = 0
             AND id = ?1)",
            [c.refresh_token.split('_').nth(1).unwrap_or("")],
            |r| r.get(0),
        )?;
        Ok(info.user_id == user && fresh && refresh_ok && c.share_id == share_id)
    };
    let creds = match saved {
        Some(c) if still_valid(&c)? => Credentials {
            url: url.to_owned(),
            ..c
        },
        _ => credentials(url, &identity::issue_tokens(&tx, &user)?, &share),
    };
    tx.commit()?;
    write_private(
        &path,
        &serde_json::to_vec_pretty(&creds).map_err(ApiError::internal)?,
    )?;
    Ok((secret, creds))
}

/// Writes a file readable by the owner only, atomically (temp file + rename).
fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut temp = tempfile::NamedTempFile::new_in(dir)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        temp.as_file()
            .set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    temp.write_all(bytes)?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::reachable;

    #[test]
    fn a_wildcard_bind_is_reached_on_loopback() {
        let url = |addr: &str| format!("http://{}", reachable(addr.parse().unwrap()));
        assert_eq!(url("0.0.0.0:8799"), "http://127.0.0.1:8799");
        assert_eq!(url("[::]:8799"), "http://[::1]:8799");
        assert_eq!(url("127.0.0.1:8787"), "http://127.0.0.1:8787");
        assert_eq!(url("192.0.2.7:80"), "http://192.0.2.7:80");
    }
}

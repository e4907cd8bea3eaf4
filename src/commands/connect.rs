//! Turning `--local`, `--url`/`--token` and the environment into a client, starting the
//! built-in local server when asked.
//!
//! A `--local` run owns its data folder for its whole life: it holds `local.lock` there (so a
//! second `--local` run on the same folder fails at once instead of publishing twice), and its
//! in-process server holds `server.lock`. When `server.lock` is held by a running `serve`
//! (which announces its URL in `serve.json`), the run publishes through that server, with the
//! credentials it hands out on `/_local/credentials`, instead of starting a second one.

#[cfg(feature = "local-server")]
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::api::{Client, ClientConfig};
use crate::cli::ConnectArgs;
use crate::exit;

/// Address `serve` listens on by default, and so the base of links made by `--local` runs.
pub const DEFAULT_SERVE_ADDR: &str = "127.0.0.1:8787";

/// Default data folder of the local server, in the current folder.
pub const DEFAULT_LOCAL_DATA: &str = ".scaidrive-local";

/// A client, and the local server it talks to when there is one (stopped on drop).
pub struct Connection {
    pub client: Client,
    /// The local server's data folder, when `--local` is used.
    pub local_data: Option<PathBuf>,
    /// Something the user should know about the connection (e.g. a running `serve` is used).
    pub notice: Option<String>,
    #[cfg(feature = "local-server")]
    _server: Option<scaidrive_server::Server>,
    /// Declared last so that it is released after the server has stopped.
    #[cfg(feature = "local-server")]
    _lock: Option<scaidrive_server::DirLock>,
}

/// Why there is no connection, and the exit code that says so.
#[derive(Debug)]
pub struct ConnectError {
    pub message: String,
    pub exit: i32,
}

impl ConnectError {
    /// The command line or environment is wrong ([`exit::USAGE`]).
    fn usage(message: impl Into<String>) -> Self {
        ConnectError {
            message: message.into(),
            exit: exit::USAGE,
        }
    }

    /// The local server cannot be started or reached ([`exit::FAILURE`]).
    #[cfg_attr(not(feature = "local-server"), allow(dead_code))]
    fn failure(message: impl Into<String>) -> Self {
        ConnectError {
            message: message.into(),
            exit: exit::FAILURE,
        }
    }
}

pub async fn connect(args: &ConnectArgs, jobs: usize) -> Result<Connection, ConnectError> {
    let config = |url: String, token: String, refresh_token: Option<String>| ClientConfig {
        base_url: url,
        token,
        refresh_token,
        jobs,
        max_attempts: 8,
    };
    if args.local {
        return connect_local(args, config).await;
    }
    let (Some(url), Some(token)) = (args.url.clone(), args.token.clone()) else {
        return Err(ConnectError::usage(
            "no ScaiDrive connection: set SCAIDRIVE_URL and SCAIDRIVE_TOKEN (optionally \
             SCAIDRIVE_REFRESH_TOKEN), or pass --url and --token; or use --local to run \
             against the built-in local server",
        ));
    };
    let client =
        Client::new(config(url, token, args.refresh_token.clone())).map_err(ConnectError::usage)?;
    Ok(Connection {
        client,
        local_data: None,
        notice: None,
        #[cfg(feature = "local-server")]
        _server: None,
        #[cfg(feature = "local-server")]
        _lock: None,
    })
}

/// The lock every `--local` run holds on its data folder.
#[cfg(feature = "local-server")]
const LOCAL_LOCK: &str = "local.lock";

#[cfg(feature = "local-server")]
async fn connect_local(
    args: &ConnectArgs,
    config: impl Fn(String, String, Option<String>) -> ClientConfig,
) -> Result<Connection, ConnectError> {
    use scaidrive_server::{DirLock, Error, LockError};

    let data = args
        .local_data
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_LOCAL_DATA));
    let cannot_start = |why: String| {
        ConnectError::failure(format!(
            "cannot start the local server in {}: {why}",
            data.display()
        ))
    };
    std::fs::create_dir_all(&data).map_err(|e| {
        cannot_start(format!(
            "cannot create the folder: {e} (pass a folder this user can create and write to \
             with --local-data)"
        ))
    })?;
    let lock = match DirLock::try_acquire(&data, LOCAL_LOCK) {
        Ok(lock) => lock,
        Err(LockError::Busy) => {
            return Err(ConnectError::failure(format!(
                "the data folder {} is in use by another scaidrive-apply --local run; wait for \
                 it to finish, or pass another --local-data",
                data.display()
            )));
        }
        Err(LockError::Io(e)) => {
            return Err(cannot_start(format!(
                "cannot lock `{}`: {e} (pass a folder this user can write to with --local-data)",
                data.join(LOCAL_LOCK).display()
            )));
        }
    };

    let mut server_config = scaidrive_server::Config::new(&data);
    server_config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    server_config.public_url = Some(format!("http://{DEFAULT_SERVE_ADDR}"));
    let (server, url, creds, notice) = match scaidrive_server::Server::start(server_config).await {
        Ok(server) => {
            let (url, creds) = (server.url(), server.credentials());
            (Some(server), url, creds, None)
        }
        Err(Error::Busy {
            serving: Some(url), ..
        }) => {
            let creds = serve_credentials(&url).await.map_err(|e| {
                ConnectError::failure(format!(
                    "a `serve` is using the data folder {} at {url}, but it does not answer: \
                     {e} (stop it, or wait until it answers)",
                    data.display()
                ))
            })?;
            let notice = format!(
                "publishing through the running `serve` at {url} (it uses {})",
                data.display()
            );
            (None, url, creds, Some(notice))
        }
        Err(e) => {
            return Err(cannot_start(super::serve::start_error(&e, "--local-data")));
        }
    };
    let client = Client::new(config(url, creds.token, Some(creds.refresh_token)))
        .map_err(ConnectError::failure)?;
    Ok(Connection {
        client,
        local_data: Some(data),
        notice,
        _server: server,
        _lock: Some(lock),
    })
}

/// The current credentials of a running `serve` (its `/_local/credentials`, loopback only).
#[cfg(feature = "local-server")]
async fn serve_credentials(url: &str) -> Result<scaidrive_server::Credentials, String> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let http = reqwest::Client::builder()
        .timeout(std::time::Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let answer = http
        .get(format!("{}/_local/credentials", url.trim_end_matches('/')))
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("{e:#}"))?;
    answer.json().await.map_err(|e| format!("{e:#}"))
}

#[cfg(not(feature = "local-server"))]
async fn connect_local(
    _args: &ConnectArgs,
    _config: impl Fn(String, String, Option<String>) -> ClientConfig,
) -> Result<Connection, ConnectError> {
    Err(ConnectError::usage(
        "this build has no local server (built without the `local-server` feature)",
    ))
}

//! Turning `--local`, `--url`/`--token` and the environment into a client, starting the
//! built-in local server when asked.

#[cfg(feature = "local-server")]
use std::net::SocketAddr;
use std::path::PathBuf;

use crate::api::{Client, ClientConfig};
use crate::cli::ConnectArgs;

/// Address `serve` listens on by default, and so the base of links made by `--local` runs.
pub const DEFAULT_SERVE_ADDR: &str = "127.0.0.1:8787";

/// Default data folder of the local server, in the current folder.
pub const DEFAULT_LOCAL_DATA: &str = ".scaidrive-local";

/// A client, and the local server it talks to when there is one (stopped on drop).
pub struct Connection {
    pub client: Client,
    /// The local server's data folder, when `--local` is used.
    pub local_data: Option<PathBuf>,
    #[cfg(feature = "local-server")]
    _server: Option<scaidrive_server::Server>,
}

pub async fn connect(args: &ConnectArgs, jobs: usize) -> Result<Connection, String> {
    let config = |url: String, token: String, refresh_token: Option<String>| ClientConfig {
        base_url: url,
        token,
        refresh_token,
        jobs,
        max_attempts: 8,
    };
    if args.local {
        return connect_local(args, jobs, config).await;
    }
    let (Some(url), Some(token)) = (args.url.clone(), args.token.clone()) else {
        return Err(
            "no ScaiDrive connection: set SCAIDRIVE_URL and SCAIDRIVE_TOKEN (optionally \
                    SCAIDRIVE_REFRESH_TOKEN), or pass --url and --token; or use --local to run \
                    against the built-in local server"
                .to_string(),
        );
    };
    let client = Client::new(config(url, token, args.refresh_token.clone()))?;
    Ok(Connection {
        client,
        local_data: None,
        #[cfg(feature = "local-server")]
        _server: None,
    })
}

#[cfg(feature = "local-server")]
async fn connect_local(
    args: &ConnectArgs,
    _jobs: usize,
    config: impl Fn(String, String, Option<String>) -> ClientConfig,
) -> Result<Connection, String> {
    let data = args
        .local_data
        .clone()
        .unwrap_or_else(|| PathBuf::from(DEFAULT_LOCAL_DATA));
    let mut server_config = scaidrive_server::Config::new(&data);
    server_config.addr = SocketAddr::from(([127, 0, 0, 1], 0));
    server_config.public_url = Some(format!("http://{DEFAULT_SERVE_ADDR}"));
    let server = scaidrive_server::Server::start(server_config)
        .await
        .map_err(|e| {
            format!(
                "cannot start the local server in {}: {}",
                data.display(),
                super::serve::start_error(&e, "--local-data")
            )
        })?;
    let creds = server.credentials();
    let client = Client::new(config(server.url(), creds.token, Some(creds.refresh_token)))?;
    Ok(Connection {
        client,
        local_data: Some(data),
        _server: Some(server),
    })
}

#[cfg(not(feature = "local-server"))]
async fn connect_local(
    _args: &ConnectArgs,
    _jobs: usize,
    _config: impl Fn(String, String, Option<String>) -> ClientConfig,
) -> Result<Connection, String> {
    Err("this build has no local server (built without the `local-server` feature)".into())
}

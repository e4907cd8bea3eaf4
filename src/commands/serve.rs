//! `serve`: run the built-in local ScaiDrive server until Ctrl-C.

use crate::cli::ServeArgs;
use crate::exit;

#[cfg(feature = "local-server")]
pub async fn run(args: &ServeArgs) -> i32 {
    if !args.addr.ip().is_loopback() {
        if !args.allow_remote {
            eprintln!(
                "error: refusing to listen on {}, which other machines can reach: {REMOTE_RISKS}; \
                 listen on 127.0.0.1 (the default), or pass --allow-remote if you mean it",
                args.addr
            );
            return exit::USAGE;
        }
        eprintln!(
            "warning: listening on {} (--allow-remote): {REMOTE_RISKS}",
            args.addr
        );
    }
    let mut config = scaidrive_server::Config::new(&args.data);
    config.addr = args.addr;
    config.announce = true;
    let server = match scaidrive_server::Server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: cannot start the server on {} with data in {}: {}",
                args.addr,
                args.data.display(),
                start_error(&e, "--data")
            );
            return exit::FAILURE;
        }
    };
    let creds = server.credentials();
    if args.addr.ip().is_unspecified() {
        let port = server.url().rsplit(':').next().and_then(|p| p.parse().ok());
        let bound = std::net::SocketAddr::new(args.addr.ip(), port.unwrap_or(args.addr.port()));
        // The URL stays the last word of the line: scripts (bench/run) read it from there.
        println!(
            "ScaiDrive local server listening on all addresses ({bound}), from here on {}",
            server.url()
        );
    } else {
        println!("ScaiDrive local server listening on {}", server.url());
    }
    println!("  data:     {}", args.data.display());
    println!("  share:    {} ({})", creds.share_name, creds.share_id);
    println!("  export SCAIDRIVE_URL={}", server.url());
    if args.addr.ip().is_unspecified() {
        println!("  (links it makes point at {} too)", server.url());
    } else if !args.addr.ip().is_loopback() {
        println!(
            "  (scaidrive-apply speaks plain http only to loopback; listen on 0.0.0.0 to reach \
             this server on 127.0.0.1 as well)"
        );
    }
    println!(
        "  export SCAIDRIVE_TOKEN=<in {}>",
        args.data.join("connection.json").display()
    );
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    exit::SUCCESS
}

/// Why `serve` stays on loopback unless told otherwise.
#[cfg(feature = "local-server")]
const REMOTE_RISKS: &str = "the built-in server is a test data server, not a hardened one; it \
     speaks plain HTTP without TLS, so access tokens, link passwords and files cross the \
     network readable by anyone on the way; its /_local debug endpoints (credentials, request \
     log, fault injection) need no login (they answer loopback clients only)";

/// A start-up error of the local server with its cause and what to do about it;
/// `data_flag` is the option that names the data folder (`--data` or `--local-data`).
#[cfg(feature = "local-server")]
pub(super) fn start_error(e: &scaidrive_server::Error, data_flag: &str) -> String {
    use scaidrive_server::Error;
    use std::io::ErrorKind;
    let hint = match e {
        Error::Io { .. } => {
            format!("pass a folder this user can create and write to with {data_flag}")
        }
        Error::Busy { .. } => {
            format!("stop that run or server first, or pass another data folder with {data_flag}")
        }
        Error::Database { .. } => format!(
            "the database may be damaged or in use by another program; move the data folder \
             away or pass another one with {data_flag}"
        ),
        Error::Bind { cause, .. } => match cause.kind() {
            ErrorKind::AddrInUse => "another server may be using this port; pass \
                                     --addr 127.0.0.1:0 or another port"
                .to_owned(),
            ErrorKind::AddrNotAvailable => {
                "that address is not one of this machine's; use 127.0.0.1".to_owned()
            }
            ErrorKind::PermissionDenied => {
                "ports below 1024 need privileges; pick a port above 1024".to_owned()
            }
            _ => "pass another address with --addr, e.g. 127.0.0.1:0".to_owned(),
        },
        _ => format!("pass another data folder with {data_flag}"),
    };
    format!("{e} ({hint})")
}

#[cfg(not(feature = "local-server"))]
pub async fn run(_args: &ServeArgs) -> i32 {
    eprintln!("error: this build has no local server (built without `local-server`)");
    exit::FAILURE
}

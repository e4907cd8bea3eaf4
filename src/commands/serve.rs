//! `serve`: run the built-in local ScaiDrive server until Ctrl-C.

use crate::cli::ServeArgs;
use crate::exit;

#[cfg(feature = "local-server")]
pub async fn run(args: &ServeArgs) -> i32 {
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
    println!("ScaiDrive local server listening on {}", server.url());
    println!("  data:     {}", args.data.display());
    println!("  share:    {} ({})", creds.share_name, creds.share_id);
    println!("  export SCAIDRIVE_URL={}", server.url());
    println!(
        "  export SCAIDRIVE_TOKEN=<in {}>",
        args.data.join("connection.json").display()
    );
    println!("Press Ctrl-C to stop.");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
    exit::SUCCESS
}

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

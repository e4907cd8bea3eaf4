//! `serve`: run the built-in local ScaiDrive server until Ctrl-C.

use crate::cli::ServeArgs;
use crate::exit;

#[cfg(feature = "local-server")]
pub async fn run(args: &ServeArgs) -> i32 {
    let mut config = scaidrive_server::Config::new(&args.data);
    config.addr = args.addr;
    let server = match scaidrive_server::Server::start(config).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!(
                "error: cannot start the server on {} with data in {}: {e}",
                args.addr,
                args.data.display()
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

#[cfg(not(feature = "local-server"))]
pub async fn run(_args: &ServeArgs) -> i32 {
    eprintln!("error: this build has no local server (built without `local-server`)");
    exit::FAILURE
}

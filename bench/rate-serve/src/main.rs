//! `bench-rate-serve --data DIR --units N --window-ms MS`: runs the local ScaiDrive server on a
//! free loopback port with a per-token budget of N units per MS milliseconds, prints the same
//! "listening on URL" line as `scaidrive-apply serve`, and stops on Ctrl-C (SIGINT).

use std::time::Duration;

use scaidrive_server::{Config, RateBudget, Server};

fn arg(args: &[String], name: &str) -> String {
    let at = args.iter().position(|a| a == name);
    match at.and_then(|i| args.get(i + 1)) {
        Some(v) => v.clone(),
        None => {
            eprintln!("usage: bench-rate-serve --data DIR --units N --window-ms MS");
            std::process::exit(2);
        }
    }
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let units: u32 = arg(&args, "--units").parse().expect("--units: a number");
    let window: u64 = arg(&args, "--window-ms").parse().expect("--window-ms: a number");
    let mut config = Config::new(arg(&args, "--data"));
    config.rate = Some(RateBudget {
        units,
        window: Duration::from_millis(window),
    });
    let server = Server::start(config).await.expect("server start");
    println!("ScaiDrive local server listening on {}", server.url());
    println!("  rate budget: {units} units per {window} ms");
    let _ = tokio::signal::ctrl_c().await;
    server.shutdown().await;
}

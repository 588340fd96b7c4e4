//! The `cairn` command line as a binary of this package, so that tests can
//! run it as a process of its own (and stop it half-way).

use clap::Parser;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let cli = cairn_server::cli::Cli::parse();
    match cairn_server::cli::run(cli, &mut std::io::stdout()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

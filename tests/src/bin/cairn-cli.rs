//! The `cairn` command line as a binary of this package, so that tests can
//! run it as a process of its own (and stop it half-way).

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cairn_server::cli::main().await
}

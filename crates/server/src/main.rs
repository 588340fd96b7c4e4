//! The `cairn` binary.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    cairn_server::cli::main().await
}

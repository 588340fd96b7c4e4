//! The `cairn` binary's library: configuration, command line, start-up and
//! the background tasks. `main.rs` only parses arguments and calls [`cli::run`].

pub mod cli;
pub mod config;
mod healthcheck;
mod import;
mod metrics;
mod startup;
pub mod telemetry;

pub use config::Settings;
pub use startup::{Application, cli_state, load_master_key};

//! Black-box tests of the whole server, each on SQLite and PostgreSQL.

mod accounts;
mod api;
mod assets;
mod backup;
mod bench_seed;
mod browser_walk;
mod cli;
mod cluster;
mod documentation;
mod faults;
mod hosts;
mod import;
mod mail;
mod metrics;
mod navigation;
mod nodes;
mod onboarding;
mod operator;
mod pages;
mod portability;
mod schemathesis;
mod store;

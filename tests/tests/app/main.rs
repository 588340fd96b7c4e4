//! Black-box tests of the whole server, each on SQLite and PostgreSQL.

mod cli;
mod hosts;
mod pages;
mod store;

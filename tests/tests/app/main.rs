//! Black-box tests of the whole server, each on SQLite and PostgreSQL.

mod cli;
mod hosts;
mod mail;
mod pages;
mod store;

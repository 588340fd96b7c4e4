//! Black-box tests of the whole server, each on SQLite and PostgreSQL.

mod accounts;
mod cli;
mod hosts;
mod mail;
mod pages;
mod store;

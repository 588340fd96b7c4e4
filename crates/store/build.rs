//! Rebuilds this crate when a migration is added: `embed_migrations!`
//! reads the directories at compile time, and cargo would not otherwise
//! notice a new one.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}

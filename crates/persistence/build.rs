//! `embed_migrations!` reads the migrations folder at compile time; without this,
//! Cargo would not rebuild the crate when a migration is added or edited.
fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
}

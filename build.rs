//! Rebuilds the crate when a migration is added or changed: the schema migrations are embedded
//! in the binary at compile time, and cargo does not otherwise watch that folder.

fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

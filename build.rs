//! Rebuilds when the built-in cases or snapshots change, since the binary embeds them.

fn main() {
    println!("cargo:rerun-if-changed=cases");
    println!("cargo:rerun-if-changed=snapshots");
}

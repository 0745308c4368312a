// Rebuild when a migration is added or changed, so `sqlx::migrate!` never embeds a stale set.
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

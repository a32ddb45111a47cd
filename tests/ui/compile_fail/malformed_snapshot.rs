// A field type the snapshot format does not have.
crm_runtime::schema!("snapshots/malformed");

fn main() {}

// The snapshot directory does not exist.
crm_runtime::schema!("snapshots/nowhere");

fn main() {}

// A lookup field `patch` on accounts would generate an enum `AccountPatch`, the patch type's name.
crm_runtime::schema!("snapshots/collision");

fn main() {}

// A problem in an object listed in `objects = [..]` is reported at that name, not at the path.
crm_runtime::schema!("snapshots/collision", objects = ["accounts"]);

fn main() {}

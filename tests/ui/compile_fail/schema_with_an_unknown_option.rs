// `schema!` takes the directory, then `objects = [..]` and `crate = path`.
crm_runtime::schema!("dictionaries", object = ["accounts"]);

fn main() {}

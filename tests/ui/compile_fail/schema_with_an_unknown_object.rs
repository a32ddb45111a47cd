// `objects = [..]` names an object the snapshot does not have.
crm_runtime::schema!("dictionaries", objects = ["accounts", "invoices"]);

fn main() {}

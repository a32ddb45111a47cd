// A projection keeps the record id, so that it can be updated or fetched again.
#[derive(crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "dictionaries")]
struct AccountName {
    name: Option<String>,
}

fn main() {}

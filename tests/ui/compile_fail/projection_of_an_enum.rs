// Records are structs with named fields.
#[derive(crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "dictionaries")]
enum AccountName {
    A,
}

fn main() {}

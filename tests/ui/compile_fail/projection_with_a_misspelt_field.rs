// `nmae` is not a field of accounts; the error suggests `name`.
#[derive(crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "dictionaries")]
struct AccountName {
    id: crm_runtime::Id<AccountName>,
    nmae: Option<String>,
}

fn main() {}

// `objekt` is not an option of `#[crm(..)]`.
#[derive(crm_runtime::Record)]
#[crm(objekt = "accounts", dictionary = "dictionaries")]
struct AccountName {
    id: crm_runtime::Id<AccountName>,
}

fn main() {}

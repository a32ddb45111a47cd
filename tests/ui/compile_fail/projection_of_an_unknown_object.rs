// The snapshot has no object `acounts`; the error lists the ones it has.
#[derive(crm_runtime::Record)]
#[crm(object = "acounts", dictionary = "dictionaries")]
struct AccountName {
    id: crm_runtime::Id<AccountName>,
}

fn main() {}

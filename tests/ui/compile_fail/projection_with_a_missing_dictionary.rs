// The dictionary directory does not exist.
#[derive(crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "snapshots/nowhere")]
struct AccountName {
    id: crm_runtime::Id<AccountName>,
}

fn main() {}

// A projection says which object it reads.
#[derive(crm_runtime::Record)]
struct AccountName {
    id: crm_runtime::Id<AccountName>,
}

fn main() {}

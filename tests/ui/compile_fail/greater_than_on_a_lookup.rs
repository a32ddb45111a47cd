// Dropdown values have no order: `$gt` does not exist for them.
crm_runtime::schema!("dictionaries", objects = ["accounts"]);

fn main() {
    let _ = account::fields::TYPE_.gt(account::AccountType::Client);
}

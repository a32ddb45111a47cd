// A contact field cannot filter accounts.
crm_runtime::schema!("dictionaries", objects = ["accounts", "contacts"]);

fn main() {
    let _ = account::fields::NAME.eq("Acme") & contact::fields::LAST.eq("Smith");
}

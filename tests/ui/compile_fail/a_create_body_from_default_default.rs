// `Default::default()` for a create body fails the same way as `NewContact::default()`.
crm_runtime::schema!("dictionaries", objects = ["accounts", "contacts"]);

fn main() {
    let _: contact::NewContact = Default::default();
}

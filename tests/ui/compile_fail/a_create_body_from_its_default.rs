// A create body has no `Default`: `NewContact::default()` would skip the mandatory `last` and
// `accountid`, so it does not compile and points to the builder.
crm_runtime::schema!("dictionaries", objects = ["accounts", "contacts"]);

fn main() {
    let _ = contact::NewContact::default();
}

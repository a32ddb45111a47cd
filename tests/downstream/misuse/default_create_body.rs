//! Misuse: A create body may only come from its builder: `Default` would skip the mandatory fields.
// expect: Contact::builder()
crm_runtime::schema!("dictionaries");
fn main() {
    let _ = contact::NewContact::default();
}

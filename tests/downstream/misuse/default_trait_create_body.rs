//! Misuse: Not through the trait either.
// expect: Contact::builder()
crm_runtime::schema!("dictionaries");
fn main() {
    let _: contact::NewContact = Default::default();
}

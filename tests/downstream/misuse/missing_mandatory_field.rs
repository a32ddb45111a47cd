//! Misuse: A contact without its mandatory account.
// expect: accountid
crm_runtime::schema!("dictionaries");
fn main() {
    let _ = contact::Contact::builder().last("Smith").build();
}

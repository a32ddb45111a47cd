//! Misuse: A field this tenant does not have; the compiler suggests the one it has.
// expect: region_area
crm_runtime::schema!("dictionaries");
fn main() {
    let _ = account::Account::patch().region("North");
}

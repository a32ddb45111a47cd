//! Misuse: A boolean field takes a bool.
// expect: mismatched types
crm_runtime::schema!("dictionaries");
fn main() {
    let _ = policy::Policy::patch().f_24hcover("yes");
}

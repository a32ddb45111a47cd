//! Misuse: A mandatory field cannot be cleared.
// expect: cannot clear `policynumber`
// expect: mandatory
crm_runtime::schema!("dictionaries");
fn main() {
    let _ = policy::Policy::patch().clear_policynumber();
}

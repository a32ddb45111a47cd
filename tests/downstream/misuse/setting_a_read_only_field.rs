//! Misuse: Server-managed stamps are not writable.
// expect: cannot set `modifieddate`
crm_runtime::schema!("dictionaries");
fn main() {
    let _ = account::Account::patch().modifieddate("2024-01-01 00:00:00");
}

//! Misuse: A policy's field in a filter of accounts.
// expect: mismatched types
crm_runtime::schema!("dictionaries");
fn main() {
    let client = crm_runtime::Client::builder().build().ok();
    let _ = client.map(|c| {
        c.list::<account::Account>()
            .filter(policy::fields::POLICYNUMBER.eq("P-1"))
    });
}

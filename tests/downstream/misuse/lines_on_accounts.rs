//! Misuse: Only opportunities have lines; this tenant has none.
// expect: only opportunities
crm_runtime::schema!("dictionaries");
fn main() {
    let client = crm_runtime::Client::builder().build().ok();
    let _ = client.map(|c| c.list::<account::Account>().with_lines());
}

//! Misuse: `$sw` has no meaning on a date.
// expect: starts_with
crm_runtime::schema!("dictionaries");
fn main() {
    let _ = account::fields::INCEPTIONDATE.starts_with("2019");
}

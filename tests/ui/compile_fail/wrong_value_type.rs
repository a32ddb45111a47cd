// `leadscore` is an integer.
crm_runtime::schema!("dictionaries", objects = ["accounts"]);

fn main() {
    let _ = account::Account::builder().name("Acme").leadscore("five").build();
}

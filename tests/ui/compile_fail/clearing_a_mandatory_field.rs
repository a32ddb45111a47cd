// `name` is mandatory: an update may change it but not empty it.
crm_runtime::schema!("dictionaries", objects = ["accounts"]);

fn main() {
    let _ = account::Account::patch().clear_name();
}

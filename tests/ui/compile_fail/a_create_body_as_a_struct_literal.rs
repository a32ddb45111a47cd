// The create body's fields are private: the builder is the only way to one.
crm_runtime::schema!("dictionaries", objects = ["accounts"]);

fn main() {
    let _ = account::NewAccount { name: Some("Acme".to_owned()) };
}

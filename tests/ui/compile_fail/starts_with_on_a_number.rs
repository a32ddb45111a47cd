// `$sw` is a text operator; `leadscore` is a number.
crm_runtime::schema!("dictionaries", objects = ["accounts"]);

fn main() {
    let _ = account::fields::LEADSCORE.starts_with("1");
}

// `$con` matches text; `renewaldate` is a date. Hidden methods make this one sentence.
crm_runtime::schema!("dictionaries", objects = ["accounts"]);

fn main() {
    let _ = account::fields::RENEWALDATE.contains("2026");
}

// One misspelt field gives one error, not a cascade where the projection is used.
#[derive(Debug, crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "dictionaries")]
struct AccountName {
    id: crm_runtime::Id<AccountName>,
    nmae: Option<String>,
}

fn decode<R: crm_runtime::Record>(json: &str) -> R {
    serde_json::from_str(json).unwrap()
}

fn main() {
    let a: AccountName = decode("{}");
    let _ = crm_runtime::Record::id(&a);
    let _ = a.nmae;
}

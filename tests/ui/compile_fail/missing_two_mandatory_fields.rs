// Both mandatory fields of a contact are missing: each gets its own sentence.
crm_runtime::schema!("dictionaries", objects = ["accounts", "contacts"]);

fn main() {
    let _ = contact::Contact::builder().first("Jo").build();
}

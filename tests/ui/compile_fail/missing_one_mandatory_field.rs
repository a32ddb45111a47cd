// A contact needs its account: building without `accountid` does not compile.
crm_runtime::schema!("dictionaries", objects = ["accounts", "contacts"]);

fn main() {
    let _ = contact::Contact::builder().last("Smith").build();
}

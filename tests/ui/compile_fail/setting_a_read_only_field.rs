// `createddate` is set by the CRM: a create request cannot carry it.
crm_runtime::schema!("dictionaries", objects = ["accounts"]);

fn main() {
    let _ = account::Account::builder().name("Acme").createddate("2026-11-28 10:00:00").build();
}

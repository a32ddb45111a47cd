//! `#[derive(Record)]` projections over the committed snapshot.

use crm_runtime::{Decimal, Id, Object, Record, UserId};
use crm_tests::crm::account::{Account, AccountType};
use serde_json::json;

/// A projection that is its own object type.
#[derive(Debug, crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "../dictionaries")]
struct AccountName {
    id: Id<AccountName>,
    name: Option<String>,
    #[crm(rename = "addresscounty/state")]
    county: Option<String>,
    #[crm(rename = "type")]
    kind: Option<AccountType>,
    ownerid: Option<UserId>,
    annualrevenue: Option<Decimal>,
    f_2yearpolicy: Option<bool>,
    leadscore: Option<serde_json::Value>,
}

/// A projection that shares the generated type's object, filters and ids.
#[derive(Debug, crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "../dictionaries", object_type = crm_tests::crm::account::Account)]
struct Slim {
    id: Id<Account>,
    name: Option<String>,
}

#[test]
fn a_projection_decodes_only_its_fields() {
    let p: AccountName = serde_json::from_value(json!({
        "id": "7", "name": "Acme", "addresscounty/state": "Kent", "type": "Press", "ownerid": 3,
        "annualrevenue": "1.50", "2yearpolicy": "1", "leadscore": "12", "phone": "0123"
    }))
    .unwrap();
    assert_eq!(p.id(), Id::new(7));
    assert_eq!(p.name.as_deref(), Some("Acme"));
    assert_eq!(p.county.as_deref(), Some("Kent"));
    assert_eq!(p.kind, Some(AccountType::Press));
    assert_eq!(p.ownerid, Some(Id::new(3)));
    assert_eq!(
        p.annualrevenue.map(|d| d.to_string()).as_deref(),
        Some("1.50")
    );
    assert_eq!(p.f_2yearpolicy, Some(true));
    assert_eq!(p.leadscore, Some(json!("12")));
    assert_eq!(AccountName::API_NAME, "accounts");
    assert_eq!(AccountName::SCHEMA_FINGERPRINT, Account::SCHEMA_FINGERPRINT);
}

#[test]
fn a_projection_reports_bad_values_like_a_generated_type() {
    let err = serde_json::from_value::<AccountName>(json!({"id": 7, "2yearpolicy": "perhaps"}))
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        r#"`accounts` record 7: field `2yearpolicy`: expected a boolean (true/false, 0/1), found "perhaps""#
    );
}

#[test]
fn a_projection_can_share_the_generated_object() {
    let s: Slim = serde_json::from_value(json!({"id": 1, "name": "A"})).unwrap();
    let id: Id<Account> = s.id();
    assert_eq!(id, Id::new(1));
    let filter: crm_runtime::Filter<<Slim as Record>::Object> =
        crm_tests::crm::account::fields::NAME.eq("A");
    assert_eq!(filter.to_q(), r#"{"name":"A"}"#);
}

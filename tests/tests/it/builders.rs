//! Create builders and patches: what they send.

use crm_runtime::{Create, Date, Decimal, Id, Patch};
use crm_tests::crm::account::{Account, AccountType, NewAccount};
use crm_tests::crm::activity::{Activity, ActivityType};
use crm_tests::crm::contact::Contact;
use crm_tests::crm::opportunity_line::OpportunityLine;
use serde_json::json;

fn body(v: &impl serde::Serialize) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_else(|e| panic!("cannot serialise: {e}"))
}

#[test]
fn a_create_sends_only_what_was_set() {
    let new: NewAccount = Account::builder()
        .name("Acme")
        .type_(AccountType::Client)
        .addresscounty_state("Kent")
        .leadscore(5)
        .annualrevenue("100.50".parse::<Decimal>().unwrap())
        .renewaldate(Date::from_ymd(2027, 1, 31).unwrap())
        .ownerid(Id::new(36974))
        .f_2yearpolicy(true)
        .build();
    assert_eq!(
        body(&new),
        json!({
            "name": "Acme", "type": "Client", "addresscounty/state": "Kent", "leadscore": 5,
            "annualrevenue": "100.50", "renewaldate": "2027-01-31", "ownerid": 36974, "2yearpolicy": true
        })
    );
}

#[test]
fn mandatory_fields_in_any_order_and_the_last_value_wins() {
    let a = Contact::builder()
        .last("Smith")
        .accountid(Id::new(5))
        .first("Jo")
        .build();
    let b = Contact::builder()
        .accountid(Id::new(5))
        .last("Jones")
        .last("Smith")
        .first("Jo")
        .build();
    assert_eq!(
        body(&a),
        json!({"accountid": 5, "first": "Jo", "last": "Smith"})
    );
    assert_eq!(body(&a), body(&b));
    let activity = Activity::builder()
        .type_(ActivityType::Call)
        .date("2026-11-28 10:00:00".parse().unwrap())
        .build();
    assert_eq!(
        body(&activity),
        json!({"date": "2026-11-28 10:00:00", "type": "Call"})
    );
    let line = OpportunityLine::builder()
        .opportunityid(Id::new(1))
        .product("Seat")
        .quantity(Decimal::from(3))
        .build();
    assert_eq!(
        body(&line),
        json!({"opportunityid": 1, "product": "Seat", "quantity": "3"})
    );
    fn object_of<C: Create>(_: &C) -> &'static str {
        <C::Object as crm_runtime::Object>::API_NAME
    }
    assert_eq!(object_of(&line), "opportunity_lines");
}

#[test]
fn number_setters_take_any_integer_that_converts_without_loss() {
    use crm_tests::crm::opportunity::Opportunity;
    let new = Account::builder()
        .name("Acme")
        .annualrevenue(1000)
        .leadscore(5u8)
        .build();
    assert_eq!(
        body(&new),
        json!({"name": "Acme", "annualrevenue": "1000", "leadscore": 5})
    );
    let p = Opportunity::patch()
        .value(-250_i64)
        .probability(40u32)
        .clear_closedate();
    assert_eq!(
        body(&p),
        json!({"value": "-250", "probability": "40", "closedate": null})
    );
    let p = Account::patch().annualrevenue("0.10".parse::<Decimal>().unwrap());
    assert_eq!(body(&p), json!({"annualrevenue": "0.10"}));
}

#[test]
fn a_patch_leaves_sets_and_clears() {
    assert_eq!(body(&Account::patch()), json!({}));
    let p = Account::patch()
        .name("Acme Ltd")
        .clear_phone()
        .leadscore(3)
        .clear_type_();
    assert_eq!(
        body(&p),
        json!({"name": "Acme Ltd", "phone": null, "leadscore": 3, "type": null})
    );
    let p = Account::patch().clear_phone().phone("0123");
    assert_eq!(body(&p), json!({"phone": "0123"}));
    fn object_of<P: Patch>(_: &P) -> &'static str {
        <P::Object as crm_runtime::Object>::API_NAME
    }
    assert_eq!(object_of(&p), "accounts");
}

//! Decoding what real tenants send into the generated read models, strict and lenient, and
//! writing records back without losing unknown fields.

use crm_runtime::__private::LenientGuard;
use crm_runtime::{Date, DateTime, Decimal, HasLines, Id, Object, Record};
use crm_tests::crm::account::{Account, AccountType};
use crm_tests::crm::contact::Contact;
use crm_tests::crm::opportunity::{Opportunity, OpportunityStatus};
use crm_tests::crm::opportunity_line::OpportunityLine;
use serde_json::json;

fn account(v: serde_json::Value) -> Result<Account, String> {
    serde_json::from_value(v).map_err(|e| e.to_string())
}

#[test]
fn tolerant_forms_decode() {
    let a = account(json!({
        "id": "42",
        "name": "Acme",
        "type": "Client",
        "leadscore": "17",
        "2yearpolicy": "1",
        "247alerts": 0,
        "annualrevenue": "1234567890123456789.05",
        "renewaldate": "0000-00-00",
        "createddate": "2023-01-05 12:34:56.789012",
        "modifieddate": "2023-01-05 12:34:56",
        "ownerid": "36974",
        "campaignid": "",
        "slaid": 0,
        "phone": 441234567,
        "website": null,
    }))
    .unwrap();
    assert_eq!(a.id(), Id::new(42));
    assert_eq!(a.name.as_deref(), Some("Acme"));
    assert_eq!(a.type_, Some(AccountType::Client));
    assert_eq!(a.leadscore, Some(17));
    assert_eq!((a.f_2yearpolicy, a.f_247alerts), (Some(true), Some(false)));
    assert_eq!(
        a.annualrevenue.as_ref().map(Decimal::as_str),
        Some("1234567890123456789.05")
    );
    assert_eq!(a.renewaldate, None);
    assert_eq!(
        a.createddate.map(|d| d.to_string()).as_deref(),
        Some("2023-01-05 12:34:56.789012")
    );
    assert_eq!(
        a.modifieddate,
        Some("2023-01-05 12:34:56".parse::<DateTime>().unwrap())
    );
    assert_eq!(a.ownerid, Some(Id::new(36974)));
    assert_eq!((a.campaignid, a.slaid), (None, None));
    assert_eq!(a.phone.as_deref(), Some("441234567"));
    assert_eq!(a.website, None);
    assert!(a.extra.is_empty());
}

#[test]
fn booleans_in_every_form() {
    for (wire, want) in [
        (json!(true), Some(true)),
        (json!(false), Some(false)),
        (json!(1), Some(true)),
        (json!(0), Some(false)),
        (json!("1"), Some(true)),
        (json!("0"), Some(false)),
        (json!("true"), Some(true)),
        (json!(""), None),
        (json!(null), None),
    ] {
        let a = account(json!({"id": 1, "2yearpolicy": wire})).unwrap();
        assert_eq!(a.f_2yearpolicy, want, "{wire}");
    }
}

#[test]
fn money_keeps_every_digit() {
    let a = account(json!({"id": 1, "annualrevenue": 1234.56})).unwrap();
    assert_eq!(a.annualrevenue.unwrap().as_str(), "1234.56");
    let a = account(json!({"id": 1, "annualrevenue": 10})).unwrap();
    assert_eq!(a.annualrevenue.unwrap().as_str(), "10");
    let a = account(json!({"id": 1, "annualrevenue": "0.10"})).unwrap();
    assert_eq!(a.annualrevenue.unwrap().as_str(), "0.10");
    // From the JSON text, as the client decodes pages: numbers never pass through an f64.
    for text in [
        "98765432109876.55",
        "0.10",
        "-0.10",
        "123456789012345678",
        "-1234567890123456.78",
    ] {
        for wire in [text.to_owned(), format!("\"{text}\"")] {
            let body = format!(r#"{{"id": 1, "annualrevenue": {wire}}}"#);
            let a: Account = serde_json::from_str(&body).unwrap();
            assert_eq!(a.annualrevenue.as_ref().map(Decimal::as_str), Some(text));
        }
    }
    let err = serde_json::from_str::<Account>(r#"{"id": 3, "annualrevenue": "12,5"}"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            r#"`accounts` record 3: field `annualrevenue`: expected a decimal number, found "12,5""#
        ),
        "{err}"
    );
    let err = serde_json::from_str::<Account>(r#"{"id": 3, "annualrevenue": true}"#)
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with(
            "`accounts` record 3: field `annualrevenue`: expected a decimal number, found true"
        ),
        "{err}"
    );
}

#[test]
fn dates_with_and_without_time() {
    let a = account(
        json!({"id": 1, "renewaldate": "2026-11-28", "createddate": "0000-00-00 00:00:00"}),
    )
    .unwrap();
    assert_eq!(a.renewaldate, Date::from_ymd(2026, 11, 28));
    assert_eq!(a.createddate, None);
}

#[test]
fn unknown_fields_are_kept_and_written_back() {
    let wire = json!({"id": 9, "name": "Acme", "x_custom": {"a": [1, 2]}, "cf-tier": "gold"});
    let a = account(wire.clone()).unwrap();
    assert_eq!(a.extra.get("x_custom"), Some(&json!({"a": [1, 2]})));
    assert_eq!(serde_json::to_value(&a).unwrap(), wire);
}

#[test]
fn a_bad_value_names_object_record_field_and_value() {
    let err = account(json!({"name": "Acme", "leadscore": "lots", "id": 42})).unwrap_err();
    assert_eq!(
        err,
        r#"`accounts` record 42: field `leadscore`: expected an integer, found "lots""#
    );
    let err = account(json!({"id": 3, "2yearpolicy": "maybe"})).unwrap_err();
    assert_eq!(
        err,
        r#"`accounts` record 3: field `2yearpolicy`: expected a boolean (true/false, 0/1), found "maybe""#
    );
    let err = account(json!({"id": 3, "renewaldate": "28/11/2026"})).unwrap_err();
    assert_eq!(
        err,
        r#"`accounts` record 3: field `renewaldate`: expected a date (YYYY-MM-DD), found "28/11/2026""#
    );
}

#[test]
fn a_record_needs_an_id() {
    assert_eq!(
        account(json!({"name": "Acme"})).unwrap_err(),
        "`accounts` record without an `id`"
    );
    assert_eq!(
        account(json!({"id": "x"})).unwrap_err(),
        r#"the record's `id` is not an id: "x""#
    );
    assert_eq!(
        account(json!({"id": null})).unwrap_err(),
        "the record's `id` is empty"
    );
}

#[test]
fn lenient_mode_moves_bad_values_into_extra() {
    let a = {
        let _lenient = LenientGuard::enter(true);
        account(json!({"id": 42, "leadscore": "lots", "name": "Acme"})).unwrap()
    };
    assert_eq!(a.leadscore, None);
    assert_eq!(a.extra.get("leadscore"), Some(&json!("lots")));
    assert_eq!(a.name.as_deref(), Some("Acme"));
    // The guard restored strict mode.
    assert!(account(json!({"id": 42, "leadscore": "lots"})).is_err());
}

#[test]
fn references_are_typed_by_their_target() {
    let c: Contact =
        serde_json::from_value(json!({"id": 1, "accountid": 5, "last": "Smith"})).unwrap();
    let account_id: Option<Id<Account>> = c.accountid;
    assert_eq!(account_id, Some(Id::new(5)));
}

#[test]
fn opportunities_carry_typed_lines() {
    let o: Opportunity = serde_json::from_value(json!({
        "id": 1, "status": "Won", "value": "99.90",
        "lines": [{"id": 1, "opportunityid": 1, "product": "User Subscription", "quantity": 30, "unitprice": 420}]
    }))
    .unwrap();
    assert_eq!(o.status, Some(OpportunityStatus::Won));
    let lines: &Vec<<Opportunity as HasLines>::Line> = o.lines.as_ref().unwrap();
    let line: &OpportunityLine = &lines[0];
    assert_eq!(line.product.as_deref(), Some("User Subscription"));
    assert_eq!(line.unitprice.as_ref().map(Decimal::as_str), Some("420"));
    assert_eq!(line.opportunityid, Some(Id::new(1)));
    let without: Opportunity = serde_json::from_value(json!({"id": 2})).unwrap();
    assert_eq!(without.lines, None);
}

#[test]
fn object_metadata() {
    assert_eq!(Account::API_NAME, "accounts");
    assert_eq!(Account::RECORD_TYPE, Some("account"));
    assert!(
        Account::SCHEMA_FINGERPRINT.starts_with("sha256:"),
        "{}",
        Account::SCHEMA_FINGERPRINT
    );
    assert_eq!(OpportunityLine::API_NAME, "opportunity_lines");
}

/// A writer that takes `left` bytes, then fails every write, counting the writes tried after.
struct Failing {
    left: usize,
    tried_after: usize,
}

impl std::io::Write for Failing {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.left == 0 {
            self.tried_after += 1;
            return Err(std::io::Error::other("disk full"));
        }
        let n = buf.len().min(self.left);
        self.left -= n;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_failing_writer_stops_a_record_at_the_first_error() {
    let a = account(json!({"id": 7, "name": "Acme", "leadscore": 3, "town": "Leeds", "x-new": 1}))
        .unwrap();
    let whole = serde_json::to_vec(&a).unwrap().len();
    for left in [0, 5, whole / 2, whole - 1] {
        let mut out = Failing {
            left,
            tried_after: 0,
        };
        let err = serde_json::to_writer(&mut out, &a).unwrap_err();
        assert!(err.to_string().contains("disk full"), "{left}: {err}");
        // The first failure ends the record: nothing after it is sent to the writer.
        assert_eq!(out.tried_after, 1, "{left} bytes accepted");
    }
}

//! Golden JSON of every filter operator and combination, and of ordering. Update with
//! `UPDATE_EXPECT=1 cargo test -p crm-tests`.

use crm_runtime::filter::AnyField;
use crm_runtime::{Date, DateTime, Decimal, Filter, Id, Order};
use crm_tests::crm::account::{self, Account, AccountCompanysize, AccountType, fields as a};
use crm_tests::crm::contact::fields as c;
use crm_tests::crm::opportunity::fields as o;
use expect_test::{Expect, expect};

fn q(f: Filter<Account>, want: Expect) {
    want.assert_eq(&f.to_q());
}

#[test]
fn text_operators() {
    q(a::NAME.eq("Acme"), expect![[r#"{"name":"Acme"}"#]]);
    q(a::NAME.ne("Acme"), expect![[r#"{"name":{"$not":"Acme"}}"#]]);
    q(
        a::NAME.one_of(["A", "B"]),
        expect![[r#"{"name":{"$in":["A","B"]}}"#]],
    );
    q(
        a::NAME.none_of(vec![String::from("A")]),
        expect![[r#"{"name":{"$nin":["A"]}}"#]],
    );
    q(
        a::NAME.starts_with("Ac"),
        expect![[r#"{"name":{"$sw":"Ac"}}"#]],
    );
    q(
        a::NAME.ends_with("me"),
        expect![[r#"{"name":{"$ew":"me"}}"#]],
    );
    q(
        a::NAME.contains("cm"),
        expect![[r#"{"name":{"$con":"cm"}}"#]],
    );
    q(
        a::ADDRESSCOUNTY_STATE.eq("Kent"),
        expect![[r#"{"addresscounty/state":"Kent"}"#]],
    );
}

#[test]
fn integer_operators() {
    q(a::LEADSCORE.eq(5), expect![[r#"{"leadscore":5}"#]]);
    q(a::LEADSCORE.ne(5), expect![[r#"{"leadscore":{"$not":5}}"#]]);
    q(
        a::LEADSCORE.one_of([1, 2]),
        expect![[r#"{"leadscore":{"$in":[1,2]}}"#]],
    );
    q(
        a::LEADSCORE.none_of([3]),
        expect![[r#"{"leadscore":{"$nin":[3]}}"#]],
    );
    q(a::LEADSCORE.gt(1), expect![[r#"{"leadscore":{"$gt":1}}"#]]);
    q(
        a::LEADSCORE.gte(1),
        expect![[r#"{"leadscore":{"$gte":1}}"#]],
    );
    q(a::LEADSCORE.lt(1), expect![[r#"{"leadscore":{"$lt":1}}"#]]);
    q(
        a::LEADSCORE.lte(1),
        expect![[r#"{"leadscore":{"$lte":1}}"#]],
    );
    q(
        a::LEADSCORE.between(1000, 2000),
        expect![[r#"{"leadscore":{"$bt":[1000,2000]}}"#]],
    );
}

#[test]
fn decimal_date_and_datetime_operators() {
    let big: Decimal = "12345678901234567890.01".parse().unwrap();
    q(
        a::ANNUALREVENUE.gte(Decimal::from(1000)),
        expect![[r#"{"annualrevenue":{"$gte":1000}}"#]],
    );
    q(
        a::ANNUALREVENUE.lt("1000.5".parse::<Decimal>().unwrap()),
        expect![[r#"{"annualrevenue":{"$lt":1000.5}}"#]],
    );
    q(
        a::ANNUALREVENUE.eq(big),
        expect![[r#"{"annualrevenue":"12345678901234567890.01"}"#]],
    );
    let day = Date::from_ymd(2026, 11, 28).unwrap();
    q(
        a::RENEWALDATE.between(day, day),
        expect![[r#"{"renewaldate":{"$bt":["2026-11-28","2026-11-28"]}}"#]],
    );
    let at: DateTime = "2023-01-05 12:34:56.789012".parse().unwrap();
    q(
        a::MODIFIEDDATE.gte(at),
        expect![[r#"{"modifieddate":{"$gte":"2023-01-05 12:34:56.789012"}}"#]],
    );
    q(
        a::CREATEDDATE.lt(DateTime::new(day, 9, 0, 0).unwrap()),
        expect![[r#"{"createddate":{"$gt":"0000-00-00 00:00:00","$lt":"2026-11-28 09:00:00"}}"#]],
    );
}

#[test]
fn boolean_lookup_and_id_operators() {
    q(a::F_2YEARPOLICY.eq(true), expect![[r#"{"2yearpolicy":1}"#]]);
    q(
        a::F_247ALERTS.ne(false),
        expect![[r#"{"247alerts":{"$not":0}}"#]],
    );
    q(
        a::TYPE_.eq(AccountType::Client),
        expect![[r#"{"type":"Client"}"#]],
    );
    q(
        a::TYPE_.ne(AccountType::Other("Vendor".into())),
        expect![[r#"{"type":{"$nin":["Vendor",""]}}"#]],
    );
    q(
        a::COMPANYSIZE.one_of([
            AccountCompanysize::V1_10Employees,
            AccountCompanysize::V201Employees,
        ]),
        expect![[r#"{"companysize":{"$in":["1-10 employees","201+ employees"]}}"#]],
    );
    q(
        a::TYPE_.none_of([AccountType::Press]),
        expect![[r#"{"type":{"$nin":["Press",""]}}"#]],
    );
    q(a::ID.eq(Id::new(7)), expect![[r#"{"id":7}"#]]);
    q(
        a::ID.one_of([Id::new(1), Id::new(2)]),
        expect![[r#"{"id":{"$in":[1,2]}}"#]],
    );
    q(
        a::OWNERID.none_of([Id::new(36974)]),
        expect![[r#"{"ownerid":{"$nin":[36974,0]}}"#]],
    );
    q(
        a::CAMPAIGNID.ne(Id::new(3)),
        expect![[r#"{"campaignid":{"$nin":[3,0]}}"#]],
    );
    q(a::SLAID.eq(Id::new(4)), expect![[r#"{"slaid":4}"#]]);
}

/// The rule of `crm_runtime::filter`: comparisons never match a record whose field decodes as
/// `None`, and `is_empty()` / `is_set()` split the records on exactly that.
#[test]
fn empty_forms_are_guarded_and_selectable() {
    let day = Date::from_ymd(2018, 1, 1).unwrap();
    q(
        a::RENEWALDATE.lt(day),
        expect![[r#"{"renewaldate":{"$gt":"0000-00-00","$lt":"2018-01-01"}}"#]],
    );
    q(
        a::RENEWALDATE.lte(day),
        expect![[r#"{"renewaldate":{"$gt":"0000-00-00","$lte":"2018-01-01"}}"#]],
    );
    q(
        a::RENEWALDATE.ne(day),
        expect![[r#"{"renewaldate":{"$gt":"0000-00-00","$not":"2018-01-01"}}"#]],
    );
    q(
        a::RENEWALDATE.none_of([day]),
        expect![[r#"{"renewaldate":{"$gt":"0000-00-00","$nin":["2018-01-01"]}}"#]],
    );
    q(
        a::RENEWALDATE.gt(day),
        expect![[r#"{"renewaldate":{"$gt":"2018-01-01"}}"#]],
    );
    q(
        a::RENEWALDATE.is_empty(),
        expect![[r#"{"$or":[{"renewaldate":null},{"renewaldate":"0000-00-00"}]}"#]],
    );
    q(
        a::RENEWALDATE.is_set(),
        expect![[r#"{"renewaldate":{"$gt":"0000-00-00"}}"#]],
    );
    q(
        a::RENEWALDATE.lt(day) & a::RENEWALDATE.is_set(),
        expect![[r#"{"renewaldate":{"$gt":"0000-00-00","$lt":"2018-01-01"}}"#]],
    );
    q(
        a::RENEWALDATE.gte(Date::from_ymd(2010, 1, 1).unwrap()) & a::RENEWALDATE.lt(day),
        expect![[r#"{"renewaldate":{"$gt":"0000-00-00","$gte":"2010-01-01","$lt":"2018-01-01"}}"#]],
    );
    let at = DateTime::new(day, 9, 0, 0).unwrap();
    q(
        a::MODIFIEDDATE.lte(at),
        expect![[r#"{"modifieddate":{"$gt":"0000-00-00 00:00:00","$lte":"2018-01-01 09:00:00"}}"#]],
    );
    q(
        a::MODIFIEDDATE.is_empty(),
        expect![[r#"{"$or":[{"modifieddate":null},{"modifieddate":"0000-00-00 00:00:00"}]}"#]],
    );
    q(
        a::CAMPAIGNID.ne(Id::new(3)),
        expect![[r#"{"campaignid":{"$nin":[3,0]}}"#]],
    );
    q(
        a::CAMPAIGNID.none_of([Id::new(3), Id::new(4)]),
        expect![[r#"{"campaignid":{"$nin":[3,4,0]}}"#]],
    );
    q(
        a::CAMPAIGNID.is_empty(),
        expect![[r#"{"$or":[{"campaignid":null},{"campaignid":0}]}"#]],
    );
    q(
        a::CAMPAIGNID.is_set(),
        expect![[r#"{"campaignid":{"$not":0}}"#]],
    );
    q(
        a::TYPE_.ne(AccountType::Client),
        expect![[r#"{"type":{"$nin":["Client",""]}}"#]],
    );
    q(
        a::TYPE_.is_empty(),
        expect![[r#"{"$or":[{"type":null},{"type":""}]}"#]],
    );
    q(a::TYPE_.is_set(), expect![[r#"{"type":{"$not":""}}"#]]);
    q(
        a::NAME.is_empty(),
        expect![[r#"{"$or":[{"name":null},{"name":""}]}"#]],
    );
    q(a::NAME.is_set(), expect![[r#"{"name":{"$not":""}}"#]]);
    q(a::LEADSCORE.lt(5), expect![[r#"{"leadscore":{"$lt":5}}"#]]);
    q(a::LEADSCORE.is_empty(), expect![[r#"{"leadscore":null}"#]]);
    q(
        a::LEADSCORE.is_set(),
        expect![[r#"{"leadscore":{"$not":null}}"#]],
    );
    q(
        a::ANNUALREVENUE.is_set(),
        expect![[r#"{"annualrevenue":{"$not":null}}"#]],
    );
    q(
        a::F_2YEARPOLICY.is_empty(),
        expect![[r#"{"2yearpolicy":null}"#]],
    );
}

#[test]
fn combinations() {
    q(
        a::NAME.eq("Acme").and(a::TYPE_.eq(AccountType::Client)),
        expect![[r#"{"name":"Acme","type":"Client"}"#]],
    );
    q(
        a::LEADSCORE.gte(1) & a::LEADSCORE.lt(9),
        expect![[r#"{"leadscore":{"$gte":1,"$lt":9}}"#]],
    );
    q(
        a::NAME.eq("A") | a::NAME.eq("B"),
        expect![[r#"{"$or":[{"name":"A"},{"name":"B"}]}"#]],
    );
    q(
        a::NAME.eq("A").or(a::NAME.eq("B")).or(a::LEADSCORE.gt(3)),
        expect![[r#"{"$or":[{"name":"A"},{"name":"B"},{"leadscore":{"$gt":3}}]}"#]],
    );
    q(
        a::TYPE_.eq(AccountType::Client) & (a::NAME.starts_with("A") | a::LEADSCORE.gt(5)),
        expect![[r#"{"$or":[{"name":{"$sw":"A"}},{"leadscore":{"$gt":5}}],"type":"Client"}"#]],
    );
    q(
        a::NAME.eq("A") & a::NAME.eq("A"),
        expect![[r#"{"name":"A"}"#]],
    );
    q(Filter::all(), expect!["{}"]);
    q(
        Filter::all() & a::NAME.eq("A"),
        expect![[r#"{"name":"A"}"#]],
    );
}

#[test]
fn conditions_that_cannot_share_an_object_nest_in_a_one_element_or() {
    q(
        a::NAME.eq("A") & a::NAME.starts_with("B"),
        expect![[r#"{"$or":[{"name":{"$sw":"B"}}],"name":"A"}"#]],
    );
    q(
        a::LEADSCORE.gt(1) & a::LEADSCORE.gt(2),
        expect![[r#"{"$or":[{"leadscore":{"$gt":2}}],"leadscore":{"$gt":1}}"#]],
    );
    q(
        a::LEADSCORE.gt(1) & a::LEADSCORE.gt(2) & a::LEADSCORE.gt(3),
        expect![[
            r#"{"$or":[{"$or":[{"leadscore":{"$gt":3}}],"leadscore":{"$gt":2}}],"leadscore":{"$gt":1}}"#
        ]],
    );
    q(
        (a::NAME.eq("A") | a::NAME.eq("B")) & (a::LEADSCORE.eq(1) | a::LEADSCORE.eq(2)),
        expect![[
            r#"{"$or":[{"$or":[{"leadscore":1},{"leadscore":2}],"name":"A"},{"$or":[{"leadscore":1},{"leadscore":2}],"name":"B"}]}"#
        ]],
    );
}

#[test]
fn a_conflict_with_an_existing_or_is_distributed_into_it() {
    q(
        (a::NAME.eq("A") | a::NAME.eq("B")) & a::LEADSCORE.gt(1) & a::LEADSCORE.gt(2),
        expect![[
            r#"{"$or":[{"leadscore":{"$gt":2},"name":"A"},{"leadscore":{"$gt":2},"name":"B"}],"leadscore":{"$gt":1}}"#
        ]],
    );
}

#[test]
fn escape_hatch_for_fields_the_snapshot_does_not_know() {
    let custom = AnyField::<Account>::named(String::from("x_score"));
    q(
        custom.gte(10) & custom.lt(20.5),
        expect![[r#"{"x_score":{"$gte":10,"$lt":20.5}}"#]],
    );
    q(
        AnyField::named("cf-tier").one_of(["gold", "silver"]),
        expect![[r#"{"cf-tier":{"$in":["gold","silver"]}}"#]],
    );
    q(
        AnyField::named("cf").contains("x") & AnyField::named("cf").ends_with("y"),
        expect![[r#"{"cf":{"$con":"x","$ew":"y"}}"#]],
    );
    assert_eq!(custom.asc().to_order(), r#"{"x_score":"asc"}"#);
}

#[test]
fn filters_of_other_objects_have_their_own_type() {
    let contact = c::LAST.eq("Smith") & c::ACCOUNTID.eq(Id::new(5));
    assert_eq!(contact.to_q(), r#"{"accountid":5,"last":"Smith"}"#);
    assert_eq!(
        o::VALUE.gt(Decimal::from(100)).to_q(),
        r#"{"value":{"$gt":100}}"#
    );
}

#[test]
fn ordering_keeps_the_given_order() {
    let order: Order<Account> = a::NAME.asc().then(a::CREATEDDATE.desc()).then(a::ID.asc());
    expect![[r#"{"name":"asc","createddate":"desc","id":"asc"}"#]].assert_eq(&order.to_order());
    let reversed = a::ID.asc().then(a::NAME.asc());
    expect![[r#"{"id":"asc","name":"asc"}"#]].assert_eq(&reversed.to_order());
    let twice = a::NAME.desc().then(a::NAME.asc());
    expect![[r#"{"name":"desc"}"#]].assert_eq(&twice.to_order());
    assert!(Order::<Account>::none().is_empty());
    let _: account::lookups::Type = account::lookups::Type;
}

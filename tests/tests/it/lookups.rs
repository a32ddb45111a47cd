//! Open lookup enums: known values, `Other`, byte-exact round trips.

use crm_runtime::LookupEnum;
use crm_runtime::LookupField;
use crm_tests::crm::account::{self, AccountCompanysize, AccountType};
use serde_json::json;

#[test]
fn known_values_and_others_round_trip_byte_for_byte() {
    for wire in [
        "Client",
        "Old Customer",
        "client",
        " Client",
        "Vendor",
        "Ré-seller",
        "Ré-seller ",
    ] {
        let v: AccountType = wire.parse().unwrap();
        assert_eq!(v.as_str(), wire);
        assert_eq!(v.to_string(), wire);
        assert_eq!(serde_json::to_value(&v).unwrap(), json!(wire));
        assert_eq!(
            serde_json::from_value::<AccountType>(json!(wire)).unwrap(),
            v
        );
    }
    assert_eq!(
        "Old Customer".parse::<AccountType>().unwrap(),
        AccountType::OldCustomer
    );
    assert_eq!(
        "client".parse::<AccountType>().unwrap(),
        AccountType::Other("client".into())
    );
    assert_eq!(
        AccountCompanysize::V1_10Employees.as_str(),
        "1-10 employees"
    );
    assert_eq!(LookupEnum::as_str(&AccountType::Press), "Press");
}

#[test]
#[allow(
    deprecated,
    reason = "reading an inactive value is what this test is about"
)]
fn inactive_values_still_decode() {
    assert_eq!(
        "Ré-seller".parse::<AccountType>().unwrap(),
        AccountType::ReSeller
    );
}

#[test]
fn a_lookup_value_must_be_present_on_its_own() {
    let err = serde_json::from_value::<AccountType>(json!(null)).unwrap_err();
    assert_eq!(err.to_string(), "expected a lookup value, found no value");
}

#[test]
fn lookup_markers_name_field_and_list() {
    assert_eq!(<account::lookups::Type as LookupField>::FIELD, "type");
    assert_eq!(
        <account::lookups::Type as LookupField>::LIST_NAME,
        "account_type"
    );
}

//! Inputs the generator refuses, and the messages it gives.

use crm_codegen::Settings;

use crate::generate;

fn errors(name: &str, settings: Settings) -> String {
    match generate(name, settings) {
        Ok(_) => panic!("fixture `{name}` generated without error"),
        Err(d) => d.to_string(),
    }
}

#[test]
fn a_lookup_enum_colliding_with_the_patch_type_is_reported() {
    assert_eq!(
        errors("collision", Settings::new()),
        "`accounts.json`, field `patch`: the value enum of field `patch` and the patch type are both named `AccountPatch` (types of the object's module); add \"rename\": \"<identifier>\" to field `patch` in `accounts.json`, then run `crm check`"
    );
}

#[test]
fn a_field_colliding_with_a_clear_method_is_reported() {
    assert_eq!(
        errors("clear_collision", Settings::new()),
        "`items.json`, field `clear_name`: the setter of field `clear_name` and the method clearing field `name` are both named `clear_name` (methods of the patch and builder); add \"rename\": \"<identifier>\" to field `clear_name` in `items.json`, then run `crm check`"
    );
}

#[test]
fn an_unknown_object_in_the_subset_is_reported() {
    assert_eq!(
        errors(
            "references",
            Settings::new().with_objects(["people", "invoices"])
        ),
        "object `invoices` is not in the snapshot; it has `companies`, `people`"
    );
}

#[test]
fn references_to_objects_left_out_become_external_ids() {
    let code = generate("references", Settings::new().with_objects(["people"])).unwrap();
    assert!(
        code.contains(
            "pub companyid: ::core::option::Option<::crm_runtime::__private::ExternalId>"
        ),
        "{code}"
    );
    assert!(!code.contains("pub mod company"), "{code}");
}

#[test]
fn the_crate_path_can_be_overridden() {
    let code = generate(
        "minimal",
        Settings::new().with_crate(syn::parse_quote!(my_sdk::crm)),
    )
    .unwrap();
    assert!(
        code.contains("my_sdk::crm::__private::Object for Note"),
        "{code}"
    );
    assert!(!code.contains("crm_runtime"), "{code}");
}

#[test]
fn tracked_files_are_embedded() {
    let code = generate(
        "minimal",
        Settings::new().with_tracked_files(["/snap/notes.json"]),
    )
    .unwrap();
    assert!(
        code.contains("include_bytes!(\"/snap/notes.json\")"),
        "{code}"
    );
}

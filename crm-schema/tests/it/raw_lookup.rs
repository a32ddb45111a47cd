//! The lookup adapter: every accepted shape and key synonym.

use expect_test::expect;

use crm_schema::LookupValue;
use crm_schema::raw::lookup_values_from_response;

fn render(values: &[LookupValue]) -> String {
    values
        .iter()
        .map(|v| {
            let mut s = format!("{:?}", v.value);
            if let Some(l) = &v.label {
                s.push_str(&format!(" label={l:?}"));
            }
            if !v.active {
                s.push_str(" inactive");
            }
            s
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn ok(body: &str) -> String {
    match lookup_values_from_response(body.as_bytes()) {
        Ok(vs) => render(&vs),
        Err(e) => panic!("expected {body} to convert, got:\n{e}"),
    }
}

#[test]
fn every_shape_reads_the_same_values() {
    let want = r#""Client", "Prospect", "1-10 employees""#;
    let shapes = [
        r#"["Client", "Prospect", "1-10 employees"]"#,
        r#"[{"value": "Client", "id": "Client"}, {"value": "Prospect", "id": "Prospect"}, {"value": "1-10 employees", "id": "1-10 employees"}]"#,
        r#"{"items": ["Client", "Prospect", "1-10 employees"]}"#,
        r#"{"message": "ok", "items": [{"value": "Client", "id": "Client"}, {"value": "Prospect", "id": "Prospect"}, "1-10 employees"]}"#,
        r#"{"metadata": {"total_count": 3}, "list": [{"metadata": {}, "record": {"value": "Client"}}, {"record": {"value": "Prospect"}}, {"record": {"value": "1-10 employees"}}]}"#,
        r#"{"values": ["Client", "Prospect", "1-10 employees"]}"#,
        r#"{"data": {"items": ["Client", "Prospect", "1-10 employees"]}}"#,
        r#"{"lookup": [{"name": "Client"}, {"text": "Prospect"}, {"label": "1-10 employees"}]}"#,
        r#"["Client", "Prospect", "Client", "1-10 employees"]"#,
    ];
    let wrong: Vec<String> = shapes
        .iter()
        .map(|b| (b, ok(b)))
        .filter(|(_, got)| got != want)
        .map(|(b, got)| format!("{b}\n  -> {got}"))
        .collect();
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn labels_activity_and_numbers() {
    let body = r#"[
        {"value": "cust", "label": "Customer"},
        {"value": "old", "label": "old", "active": 0},
        {"value": "press", "active": "no"},
        {"value": "ex", "inactive": true},
        {"value": "del", "deleted": "1"},
        {"value": "on", "enabled": "yes"},
        {"id": 7, "name": "Seven"},
        {"id": 8},
        42,
        ""
    ]"#;
    expect![[r#""cust" label="Customer", "old" inactive, "press" inactive, "ex" inactive, "del" inactive, "on", "Seven", "8", "42", """#]]
    .assert_eq(&ok(body));
}

#[test]
fn an_empty_list_is_no_values() {
    assert_eq!(ok("[]"), "");
    assert_eq!(ok(r#"{"items": []}"#), "");
}

#[test]
fn a_value_listed_twice_is_active_if_any_copy_is() {
    expect![[r#""A", "B" inactive"#]].assert_eq(&ok(
        r#"[{"value": "A", "active": 0}, {"value": "B", "active": 0}, "A"]"#,
    ));
}

//! The other side of the wire: what the sandbox serves is read back by `crm_schema::raw`, the
//! adapter the refresh command uses, to the dictionary it was served from.

use crm_sandbox::{DictionaryShape, LookupShape};
use crm_schema::{FieldType, Source};

use crate::common::{Sbx, config};

#[tokio::test]
async fn every_dictionary_shape_reads_back_to_the_served_object() {
    for (name, shape) in DictionaryShape::ALL {
        let s = Sbx::with(config().with_dictionary_shape(*shape));
        for object in s.state.dictionary().iter() {
            let body = s
                .get(&format!("/datadictionary/{}", object.api_name))
                .await
                .bytes;
            let src = Source::Sandbox {
                base_url: "http://sandbox".into(),
            };
            let read =
                crm_schema::raw::dictionary_from_response(&object.api_name, &body, src, None)
                    .unwrap_or_else(|e| panic!("{name}/{}: {e}", object.api_name));
            let names = |o: &crm_schema::ObjectDef| {
                o.fields
                    .iter()
                    .map(|f| f.api_name.clone())
                    .collect::<Vec<_>>()
            };
            assert_eq!(names(&read), names(object), "{name}/{}", object.api_name);
            let bare = matches!(
                shape,
                DictionaryShape::Array | DictionaryShape::Map | DictionaryShape::MapTypes
            );
            if !bare {
                assert_eq!(
                    read.record_type, object.record_type,
                    "{name}/{}",
                    object.api_name
                );
            }
            for (got, want) in read.fields.iter().zip(&object.fields) {
                let at = format!("{name}/{}/{}", object.api_name, want.api_name);
                // A map of type names says nothing of references' targets beyond the name.
                match (&got.ty, &want.ty) {
                    (
                        FieldType::Reference { target: a, .. },
                        FieldType::Reference { target: b, .. },
                    ) => assert_eq!(a, b, "{at}"),
                    (a, b) => assert_eq!(a, b, "{at}"),
                }
                if *shape != DictionaryShape::MapTypes {
                    // The adapter reads no length out of `varchar(100)` in a map of type names.
                    assert_eq!(got.max_length, want.max_length, "{at}");
                    assert_eq!(got.label, want.label, "{at}");
                    assert_eq!(
                        (got.required, got.read_only, got.custom),
                        (want.required, want.read_only, want.custom),
                        "{at}"
                    );
                    assert_eq!(
                        got.lookup.as_ref().map(|l| (&l.list_name, l.restricted)),
                        want.lookup.as_ref().map(|l| (&l.list_name, l.restricted)),
                        "{at}"
                    );
                }
            }
        }
    }
}

#[tokio::test]
async fn every_lookup_shape_reads_back_to_the_served_values() {
    for (name, shape) in LookupShape::ALL {
        let s = Sbx::with(config().with_lookup_shape(*shape));
        let body = s.get("/lookup/accounts/type").await.bytes;
        let read = crm_schema::raw::lookup_values_from_response(&body)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let got: Vec<(String, bool)> = read.iter().map(|v| (v.value.clone(), v.active)).collect();
        let mut want: Vec<(String, bool)> = ["Client", "Prospect", "Underwriter", "Press"]
            .iter()
            .map(|v| (v.to_string(), true))
            .collect();
        if *shape != LookupShape::Strings {
            want.push(("Old Customer".into(), false));
        }
        assert_eq!(got, want, "{name}");
    }
}

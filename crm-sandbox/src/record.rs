//! Records as the API sends them: field values in dictionary order, and the list and single
//! record envelopes around them.

use serde::Serialize;
use serde::ser::SerializeMap;
use serde_json::Value;

use crate::decimal::Served;

/// A JSON object whose keys keep their insertion order (serde_json's own map sorts them unless
/// a workspace-wide feature is turned on, which would change other crates' output).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Ordered(pub(crate) Vec<(String, Value)>);

impl Ordered {
    /// The value of a key.
    pub(crate) fn get(&self, key: &str) -> Option<&Value> {
        self.0.iter().find(|(k, _)| k == key).map(|(_, v)| v)
    }
}

impl Serialize for Ordered {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, &Served(v))?;
        }
        m.end()
    }
}

/// One stored record, plus the opportunity lines when `lines=true` asked for them.
#[derive(Debug, Clone, Default)]
pub(crate) struct Record {
    /// Field values in dictionary order.
    pub(crate) fields: Ordered,
    /// Embedded `lines`, when requested.
    pub(crate) lines: Option<Vec<Ordered>>,
}

impl Serialize for Record {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let extra = usize::from(self.lines.is_some());
        let mut m = s.serialize_map(Some(self.fields.0.len() + extra))?;
        for (k, v) in &self.fields.0 {
            m.serialize_entry(k, &Served(v))?;
        }
        if let Some(lines) = &self.lines {
            m.serialize_entry("lines", lines)?;
        }
        m.end()
    }
}

/// `metadata` of one record.
#[derive(Serialize)]
pub(crate) struct RecordMeta {
    url: String,
    list_url: String,
    parent: Option<String>,
    object_type: &'static str,
    record_type: String,
}

/// `{"metadata": {...}, "record": {...}}`.
#[derive(Serialize)]
pub(crate) struct RecordEnvelope {
    metadata: RecordMeta,
    record: Record,
}

/// `metadata` of a list.
#[derive(Serialize)]
pub(crate) struct ListMeta {
    url: String,
    object_type: &'static str,
    total_count: u64,
    has_more: bool,
}

/// `{"metadata": {...}, "list": [record envelopes]}`.
#[derive(Serialize)]
pub(crate) struct ListEnvelope {
    metadata: ListMeta,
    list: Vec<RecordEnvelope>,
}

fn id_of(record: &Record) -> String {
    match record.fields.get("id") {
        Some(v) => v.to_string(),
        None => String::new(),
    }
}

/// The envelope of one record. Inside a list the documentation shows `"parent": "/"`, alone
/// it shows `null`; both are reproduced.
pub(crate) fn envelope(
    object: &str,
    record_type: &str,
    record: Record,
    in_list: bool,
) -> RecordEnvelope {
    RecordEnvelope {
        metadata: RecordMeta {
            url: format!("/{object}/{}", id_of(&record)),
            list_url: format!("/{object}"),
            parent: in_list.then(|| "/".to_owned()),
            object_type: "record",
            record_type: record_type.to_owned(),
        },
        record,
    }
}

/// The envelope of a list page.
pub(crate) fn list_envelope(
    object: &str,
    record_type: &str,
    records: Vec<Record>,
    total_count: u64,
    has_more: bool,
) -> ListEnvelope {
    ListEnvelope {
        metadata: ListMeta {
            url: format!("/{object}"),
            object_type: "list",
            total_count,
            has_more,
        },
        list: records
            .into_iter()
            .map(|r| envelope(object, record_type, r, true))
            .collect(),
    }
}

/// `record_type` of an object: the snapshot's, else the API name without a plural `s`.
pub(crate) fn record_type(object: &crm_schema::ObjectDef) -> String {
    match &object.record_type {
        Some(r) => r.clone(),
        None => {
            let n = object.api_name.as_str();
            n.strip_suffix("ies")
                .map(|s| format!("{s}y"))
                .or_else(|| n.strip_suffix('s').map(str::to_owned))
                .unwrap_or_else(|| n.to_owned())
        }
    }
}

//! The escape hatch: objects and fields by API name, for what the snapshot does not know yet
//! (a custom object, a field added last week). Records are kept exactly as received.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// A record as received: its JSON text untouched (every field, in the server's order, numbers
/// with every digit), plus its id.
pub struct RawRecord {
    json: Box<RawValue>,
    id: Option<u64>,
}

impl std::fmt::Debug for RawRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Record contents stay out of Debug output, which often ends up in logs.
        f.debug_struct("RawRecord")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct IdOnly {
    #[serde(default, deserialize_with = "opt_id")]
    id: Option<u64>,
}

fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    Ok(crate::number::id(&serde_json::Value::deserialize(d)?))
}

impl<'de> Deserialize<'de> for RawRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let json = Box::<RawValue>::deserialize(d)?;
        let id = serde_json::from_str::<IdOnly>(json.get())
            .map_err(serde::de::Error::custom)?
            .id;
        Ok(RawRecord { json, id })
    }
}

impl RawRecord {
    /// The record's id, when it has one: a number or a numeric string, 0 read as none.
    pub fn id(&self) -> Option<u64> {
        self.id
    }

    /// The record's JSON text exactly as received.
    pub fn json(&self) -> &str {
        self.json.get()
    }

    /// One field by API name, decoded into `T`; `Ok(None)` when absent or null.
    ///
    /// ```no_run
    /// # fn demo(r: &crm_runtime::RawRecord) -> Result<(), crm_runtime::Error> {
    /// let county: Option<String> = r.field("addresscounty/state")?;
    /// # Ok(()) }
    /// ```
    pub fn field<T: DeserializeOwned>(&self, api_name: &str) -> Result<Option<T>, crate::Error> {
        let map: serde_json::Map<String, serde_json::Value> = self.to_map()?;
        match map.get(api_name) {
            None | Some(serde_json::Value::Null) => Ok(None),
            Some(v) => serde_json::from_value(v.clone()).map(Some).map_err(|e| {
                crate::Error::new(crate::error::Kind::Decode)
                    .with_decode(crate::error::DecodeDetail {
                        object: "record".to_owned(),
                        record_id: self.id,
                        field: Some(api_name.to_owned()),
                        path: api_name.to_owned(),
                        snippet: Some(crm_schema::text::snippet(&v.to_string(), 60)),
                    })
                    .with_detail(e.to_string())
            }),
        }
    }

    /// The record as a JSON map (field order not kept; use [`RawRecord::json`] for that).
    pub fn to_map(&self) -> Result<serde_json::Map<String, serde_json::Value>, crate::Error> {
        serde_json::from_str(self.json.get()).map_err(|e| {
            crate::Error::new(crate::error::Kind::Decode)
                .with_detail(format!("record is not a JSON object: {e}"))
        })
    }
}

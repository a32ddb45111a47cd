//! The read model the benchmarks decode into, shaped as generated code shapes it.

use crm_runtime::__private::{self as p, Cx, DecodeRecord};
use crm_runtime::{DateTime, Id, Object, Record, UserId};
use serde::de::MapAccess;
use serde_json::{Map, Value};

pub(crate) enum Accounts {}
impl Object for Accounts {
    const API_NAME: &'static str = "accounts";
    const RECORD_TYPE: Option<&'static str> = Some("account");
    const SCHEMA_FINGERPRINT: &'static str = "sha256:bench";
}

/// The read model as generated code shapes it: `id`, every other field optional, unknown fields
/// kept in `extra`, decoding through the runtime's tolerant field decoders.
#[allow(dead_code, reason = "fields are decoded for the benchmark, not read")]
pub(crate) struct Account {
    id: Id<Accounts>,
    name: Option<String>,
    kind: Option<String>,
    addressline: Option<String>,
    addresscity: Option<String>,
    addresscounty_state: Option<String>,
    addresspostcode_zip: Option<String>,
    addresscountry: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    sector: Option<String>,
    source: Option<String>,
    notes: Option<String>,
    ownerid: Option<UserId>,
    slaid: Option<i64>,
    leadscore: Option<i64>,
    campaignid: Option<i64>,
    createdby: Option<UserId>,
    modifiedby: Option<UserId>,
    createddate: Option<DateTime>,
    modifieddate: Option<DateTime>,
    pub(crate) extra: Map<String, Value>,
}

impl DecodeRecord for Account {
    const OBJECT: &'static str = "accounts";
    fn empty() -> Self {
        Account {
            id: Id::new(0),
            name: None,
            kind: None,
            addressline: None,
            addresscity: None,
            addresscounty_state: None,
            addresspostcode_zip: None,
            addresscountry: None,
            phone: None,
            website: None,
            sector: None,
            source: None,
            notes: None,
            ownerid: None,
            slaid: None,
            leadscore: None,
            campaignid: None,
            createdby: None,
            modifiedby: None,
            createddate: None,
            modifieddate: None,
            extra: Map::new(),
        }
    }
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        cx: &mut Cx,
    ) -> Result<bool, A::Error> {
        match key {
            "id" => p::id_field(&mut self.id, map, cx)?,
            "name" => p::field(&mut self.name, "name", map, cx)?,
            "type" => p::field(&mut self.kind, "type", map, cx)?,
            "addressline" => p::field(&mut self.addressline, "addressline", map, cx)?,
            "addresscity" => p::field(&mut self.addresscity, "addresscity", map, cx)?,
            "addresscounty/state" => p::field(
                &mut self.addresscounty_state,
                "addresscounty/state",
                map,
                cx,
            )?,
            "addresspostcode/zip" => p::field(
                &mut self.addresspostcode_zip,
                "addresspostcode/zip",
                map,
                cx,
            )?,
            "addresscountry" => p::field(&mut self.addresscountry, "addresscountry", map, cx)?,
            "phone" => p::field(&mut self.phone, "phone", map, cx)?,
            "website" => p::field(&mut self.website, "website", map, cx)?,
            "sector" => p::field(&mut self.sector, "sector", map, cx)?,
            "source" => p::field(&mut self.source, "source", map, cx)?,
            "notes" => p::field(&mut self.notes, "notes", map, cx)?,
            "ownerid" => p::field(&mut self.ownerid, "ownerid", map, cx)?,
            "slaid" => p::field(&mut self.slaid, "slaid", map, cx)?,
            "leadscore" => p::field(&mut self.leadscore, "leadscore", map, cx)?,
            "campaignid" => p::field(&mut self.campaignid, "campaignid", map, cx)?,
            "createdby" => p::field(&mut self.createdby, "createdby", map, cx)?,
            "modifiedby" => p::field(&mut self.modifiedby, "modifiedby", map, cx)?,
            "createddate" => p::field(&mut self.createddate, "createddate", map, cx)?,
            "modifieddate" => p::field(&mut self.modifieddate, "modifieddate", map, cx)?,
            _ => return Ok(false),
        }
        Ok(true)
    }
    fn extra(&mut self) -> Option<&mut Map<String, Value>> {
        Some(&mut self.extra)
    }
    fn raw_id(&self) -> u64 {
        self.id.get()
    }
}

impl<'de> serde::Deserialize<'de> for Account {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        p::decode_record(d)
    }
}

impl Record for Account {
    type Object = Accounts;
    fn id(&self) -> Id<Accounts> {
        self.id
    }
}

/// The same record decoded without unknown-field capture (as a projection without `extra`
/// decodes), to show what the capture costs.
#[allow(
    dead_code,
    reason = "used by the decode bench only; the export bench shares this module"
)]
pub(crate) struct NoExtra(pub(crate) Account);

impl DecodeRecord for NoExtra {
    const OBJECT: &'static str = "accounts";
    fn empty() -> Self {
        NoExtra(Account::empty())
    }
    fn field<'de, A: MapAccess<'de>>(
        &mut self,
        key: &str,
        map: &mut A,
        cx: &mut Cx,
    ) -> Result<bool, A::Error> {
        self.0.field(key, map, cx)
    }
    fn extra(&mut self) -> Option<&mut Map<String, Value>> {
        None
    }
    fn raw_id(&self) -> u64 {
        self.0.raw_id()
    }
}

impl<'de> serde::Deserialize<'de> for NoExtra {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        p::decode_record(d)
    }
}

impl Record for NoExtra {
    type Object = Accounts;
    fn id(&self) -> Id<Accounts> {
        self.0.id
    }
}

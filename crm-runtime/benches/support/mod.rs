//! The read models the benchmarks decode into: the `schema!`-generated `Account` of the
//! committed snapshot, and a `#[derive(Record)]` projection of it that keeps no unknown fields.

#[allow(
    dead_code,
    missing_docs,
    reason = "the benchmarks only decode; most generated items go unused"
)]
mod generated {
    crm_runtime::schema!("../dictionaries", objects = ["accounts"]);
}

pub(crate) use generated::account::Account;

/// The same standard fields as a projection: no `extra`, unknown fields skipped.
#[derive(crm_runtime::Record)]
#[crm(object = "accounts", dictionary = "../dictionaries")]
#[allow(dead_code, reason = "decoded for the benchmark, not read")]
pub(crate) struct NoExtra {
    id: crm_runtime::Id<NoExtra>,
    name: Option<String>,
    #[crm(rename = "type")]
    kind: Option<String>,
    addressline: Option<String>,
    addresscity: Option<String>,
    #[crm(rename = "addresscounty/state")]
    addresscounty_state: Option<String>,
    #[crm(rename = "addresspostcode/zip")]
    addresspostcode_zip: Option<String>,
    addresscountry: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    sector: Option<String>,
    source: Option<String>,
    notes: Option<String>,
    ownerid: Option<crm_runtime::UserId>,
    leadscore: Option<i64>,
    createdby: Option<crm_runtime::UserId>,
    modifiedby: Option<crm_runtime::UserId>,
    createddate: Option<crm_runtime::DateTime>,
    modifieddate: Option<crm_runtime::DateTime>,
}

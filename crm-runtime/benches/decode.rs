//! Decoding one realistic page of 100 records: typed records with unknown-field capture (the
//! shape generated code has, through the same `__private` decoder), raw records (what `crm
//! export` does), and `serde_json::Value`, in one run. Report ratios, not absolute times.
//!
//! `cargo bench -p crm-runtime --bench decode -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use crm_runtime::__private::{self as p, Cx, DecodeRecord};
use serde::de::MapAccess;
use crm_runtime::{DateTime, Id, Object, Page, RawRecord, Record, UserId};
use serde_json::{Map, Value, json};

enum Accounts {}
impl Object for Accounts {
    const API_NAME: &'static str = "accounts";
    const RECORD_TYPE: Option<&'static str> = Some("account");
    const SCHEMA_FINGERPRINT: &'static str = "sha256:bench";
}

/// The read model as generated code shapes it: `id`, every other field optional, unknown fields
/// kept in `extra`, decoding through the runtime's tolerant field decoders.
#[allow(dead_code, reason = "fields are decoded for the benchmark, not read")]
struct Account {
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
    extra: Map<String, Value>,
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

/// A page like a tenant's: 25 fields per record (20 standard, 5 custom the type does not
/// know), ~30% nulls, `""` next to null, UTF-8, escapes in notes, numbers as strings sometimes.
fn page() -> Vec<u8> {
    let cities = ["London", "Zürich", "Köln", "São Paulo", "Reading"];
    let kinds = ["Customer", "Prospect", "Partner"];
    let list: Vec<Value> = (0..100u64)
        .map(|i| {
            let null_or = |v: Value| if (i * 7 + 3) % 10 < 3 { Value::Null } else { v };
            let record = json!({
                "id": 95_920_000 + i,
                "name": format!("Account {i} Ltd"),
                "addressline": null_or(json!(format!("{i} High Street\nSuite {}", i % 9))),
                "addresscity": cities[(i % 5) as usize],
                "addresscounty/state": if i % 4 == 0 { json!("") } else { json!("Berkshire") },
                "addresspostcode/zip": format!("RG{} {}AB", i % 40, i % 9),
                "addresscountry": "United Kingdom",
                "ownerid": if i % 3 == 0 { json!(format!("{}", 90_505 + i % 4)) } else { json!(90_505 + i % 4) },
                "campaignid": 0,
                "source": "",
                "notes": null_or(json!(format!("Called on \"Monday\"\tabout renewal #{i}; café ☕"))),
                "slaid": 125_357,
                "phone": null_or(json!("+44 118 000 0000")),
                "website": null_or(json!(format!("https://example{i}.co.uk"))),
                "type": kinds[(i % 3) as usize],
                "sector": null_or(json!("Software")),
                "leadscore": if i % 5 == 0 { json!("") } else { json!(i % 100) },
                "createdby": 90_505,
                "modifiedby": 90_505,
                "createddate": "2018-09-17 11:29:59",
                "modifieddate": format!("2024-0{}-1{} 08:48:22", 1 + i % 9, i % 9),
                "abn": format!("{:011}", i * 7919),
                "2yearpolicy": i % 2,
                "247alerts": "1",
                "salesperson": "Jo Bloggs",
                "inceptiondate": "0000-00-00"
            });
            json!({"metadata": {"url": format!("/accounts/{}", 95_920_000 + i), "list_url": "/accounts",
                "parent": "/", "object_type": "record", "record_type": "account"}, "record": record})
        })
        .collect();
    serde_json::to_vec(
        &json!({"metadata": {"url": "/accounts", "object_type": "list", "total_count": 100_000,
        "has_more": true}, "list": list}),
    )
    .expect("page")
}

fn decode(c: &mut Criterion) {
    let body = page();
    // Sanity: every variant decodes the whole page, unknown fields captured.
    let typed = Page::<Account>::from_json("accounts", &body, false).expect("typed");
    assert_eq!(typed.records().len(), 100);
    assert_eq!(typed.records()[0].extra.len(), 5);
    let mut g = c.benchmark_group("decode_page_100");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("serde_json_value", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(&body)).expect("value")))
    });
    g.bench_function("typed_with_extra", |b| {
        b.iter(|| {
            black_box(
                Page::<Account>::from_json("accounts", black_box(&body), false).expect("typed"),
            )
        })
    });
    g.bench_function("typed_with_extra_lenient", |b| {
        b.iter(|| {
            black_box(
                Page::<Account>::from_json("accounts", black_box(&body), true).expect("typed"),
            )
        })
    });
    g.bench_function("raw_records", |b| {
        b.iter(|| {
            black_box(
                Page::<RawRecord>::from_json("accounts", black_box(&body), false).expect("raw"),
            )
        })
    });
    g.finish();
}

criterion_group!(benches, decode);
criterion_main!(benches);

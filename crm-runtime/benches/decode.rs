//! Decoding one realistic page of 100 records: the `schema!`-generated record with unknown-field
//! capture, a projection without it, raw records (what `crm export` does), plain serde derive
//! and `serde_json::Value`, in one run. Report ratios, not absolute times.
//!
//! `cargo bench -p crm-runtime --bench decode -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group};
use crm_runtime::{Page, RawRecord};
use serde_json::{Value, json};

mod support;
use support::{Account, NoExtra};

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

/// Plain serde derive over the same page, dates and ids left as text or JSON values, unknown
/// fields ignored, no tolerance: the floor a typed decode cannot beat by much.
#[derive(serde::Deserialize)]
#[allow(dead_code, reason = "decoded for the benchmark, not read")]
struct PlainAccount {
    id: u64,
    name: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    addressline: Option<String>,
    addresscity: Option<String>,
    #[serde(rename = "addresscounty/state")]
    addresscounty_state: Option<String>,
    #[serde(rename = "addresspostcode/zip")]
    addresspostcode_zip: Option<String>,
    addresscountry: Option<String>,
    phone: Option<String>,
    website: Option<String>,
    sector: Option<String>,
    source: Option<String>,
    notes: Option<String>,
    ownerid: Option<Value>,
    slaid: Option<i64>,
    leadscore: Option<Value>,
    campaignid: Option<i64>,
    createdby: Option<u64>,
    modifiedby: Option<u64>,
    createddate: Option<String>,
    modifieddate: Option<String>,
}

#[derive(serde::Deserialize)]
struct PlainItem {
    #[allow(dead_code, reason = "decoded for the benchmark, not read")]
    record: PlainAccount,
}

#[derive(serde::Deserialize)]
struct PlainPage {
    #[allow(dead_code, reason = "decoded for the benchmark, not read")]
    list: Vec<PlainItem>,
}

fn decode(c: &mut Criterion) {
    let body = page();
    // Sanity: every variant decodes the whole page, unknown fields captured.
    let typed = Page::<Account>::from_json("accounts", &body, false).expect("typed");
    assert_eq!(typed.records().len(), 100);
    // `abn`, `salesperson` and `inceptiondate` are not in the snapshot.
    assert_eq!(typed.records()[0].extra.len(), 3);
    let projected = Page::<NoExtra>::from_json("accounts", &body, false).expect("projection");
    assert_eq!(projected.records().len(), 100);
    let mut g = c.benchmark_group("decode_page_100");
    g.throughput(Throughput::Bytes(body.len() as u64));
    g.bench_function("serde_json_value", |b| {
        b.iter(|| black_box(serde_json::from_slice::<Value>(black_box(&body)).expect("value")))
    });
    g.bench_function("plain_serde_derive_no_extra", |b| {
        b.iter(|| black_box(serde_json::from_slice::<PlainPage>(black_box(&body)).expect("plain")))
    });
    g.bench_function("generated_with_extra", |b| {
        b.iter(|| {
            black_box(
                Page::<Account>::from_json("accounts", black_box(&body), false).expect("typed"),
            )
        })
    });
    g.bench_function("generated_with_extra_lenient", |b| {
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

/// The ratios, measured round-robin so that the machine's noise falls on every variant alike
/// (criterion runs the variants one after another).
fn interleaved() {
    type Variant = (&'static str, fn(&[u8]));
    let body = page();
    let variants: [Variant; 6] = [
        ("serde_json_value", |b| {
            drop(black_box(
                serde_json::from_slice::<Value>(b).expect("value"),
            ))
        }),
        ("plain_serde_derive_no_extra", |b| {
            drop(black_box(
                serde_json::from_slice::<PlainPage>(b).expect("plain"),
            ))
        }),
        ("generated_with_extra", |b| {
            drop(black_box(
                Page::<Account>::from_json("accounts", b, false).expect("typed"),
            ))
        }),
        ("projection_no_extra", |b| {
            drop(black_box(
                Page::<NoExtra>::from_json("accounts", b, false).expect("typed"),
            ))
        }),
        ("generated_with_extra_lenient", |b| {
            drop(black_box(
                Page::<Account>::from_json("accounts", b, true).expect("typed"),
            ))
        }),
        ("raw_records", |b| {
            drop(black_box(
                Page::<RawRecord>::from_json("accounts", b, false).expect("raw"),
            ))
        }),
    ];
    let mut times = vec![Vec::new(); variants.len()];
    for _ in 0..21 {
        for (i, (_, f)) in variants.iter().enumerate() {
            let t = std::time::Instant::now();
            for _ in 0..40 {
                f(black_box(&body));
            }
            times[i].push(t.elapsed() / 40);
        }
    }
    let medians: Vec<_> = times
        .into_iter()
        .map(|mut t| {
            t.sort();
            t[t.len() / 2]
        })
        .collect();
    println!("interleaved medians (21 rounds x 40 pages):");
    for ((name, _), m) in variants.iter().zip(&medians) {
        println!(
            "  {name:30} {m:>10.1?}/page  {:.2}x Value",
            medians[0].as_secs_f64() / m.as_secs_f64()
        );
    }
}

criterion_group!(benches, decode);

fn main() {
    benches();
    criterion::Criterion::default()
        .configure_from_args()
        .final_summary();
    interleaved();
}

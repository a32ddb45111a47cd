//! Deterministic generated data: the same seed and record count give the same records.
//!
//! Values are chosen per field type (so custom objects and fields are covered) with a few
//! well-known field names given realistic values, and with what real tenants contain: booleans
//! as 0/1, `""` next to `null`, zero dates, `0` for "no campaign", non-ASCII text.

use std::collections::BTreeMap;

use crm_schema::{FieldDef, FieldType, ObjectDef};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::types::Value as SqlValue;

use crate::error::Result;
use crate::store::{Store, insert_row};

const COMPANY_A: &[&str] = &[
    "Acme",
    "Müller",
    "Nordic",
    "Łódź Tooling",
    "Björk & Sons",
    "Café Central",
    "Øresund",
    "Blue Sky",
    "Zoë's",
    "Kraków",
    "São Paulo",
    "Tiny",
];
const COMPANY_B: &[&str] = &[
    "Ltd", "GmbH", "Holdings", "& Co", "Partners", "SARL", "plc", "Design", "Group",
];
const FIRST: &[&str] = &[
    "José", "Zoë", "Søren", "Renée", "Åsa", "Jürgen", "Siobhán", "Chloé", "Ming", "Anna", "John",
    "Priya",
];
const LAST: &[&str] = &[
    "Müller",
    "O'Brien",
    "García",
    "Smith",
    "Nowak",
    "Øvergaard",
    "Dupont",
    "Kowalski",
    "Brown",
    "Nakamura",
];
const CITY: &[&str] = &[
    "London",
    "Zürich",
    "Malmö",
    "Kraków",
    "Dublin",
    "Nürnberg",
    "Leeds",
    "Besançon",
];
const COUNTRY: &[&str] = &[
    "United Kingdom",
    "Deutschland",
    "Sverige",
    "Polska",
    "Ireland",
    "France",
    "España",
];
const WORDS: &[&str] = &[
    "alpha",
    "renewal",
    "naïve",
    "quote",
    "follow-up",
    "déjà vu",
    "invoice",
    "straße",
    "meeting",
    "Q3",
];
const PRODUCTS: &[&str] = &[
    "User Subscription",
    "Support Plan",
    "Onboarding",
    "Über Licence",
    "Training Day",
];
const USERS: &[i64] = &[90505, 90506, 90507];

/// A stable hash of the object name, so each object's data depends only on the seed and itself.
fn object_seed(seed: u64, name: &str) -> u64 {
    name.bytes().fold(seed ^ 0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

fn pick<'a>(rng: &mut StdRng, list: &[&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn date(rng: &mut StdRng) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        rng.random_range(2015..=2026),
        rng.random_range(1..=12),
        rng.random_range(1..=28)
    )
}

fn datetime(rng: &mut StdRng) -> String {
    format!(
        "{} {:02}:{:02}:{:02}",
        date(rng),
        rng.random_range(0..24),
        rng.random_range(0..60),
        rng.random_range(0..60)
    )
}

fn clip(s: String, max: Option<u32>) -> String {
    match max {
        Some(m) => s.chars().take(m as usize).collect(),
        None => s,
    }
}

/// How many records each object gets.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Counts<'a> {
    pub(crate) default: u32,
    pub(crate) per_object: &'a BTreeMap<String, u32>,
}

impl Counts<'_> {
    fn of(&self, object: &str) -> u32 {
        self.per_object.get(object).copied().unwrap_or(self.default)
    }
}

/// A value for one field of record number `n` (1-based).
fn value(
    rng: &mut StdRng,
    object: &ObjectDef,
    f: &FieldDef,
    n: u32,
    counts: Counts<'_>,
) -> SqlValue {
    let records = counts.default;
    // Required fields never get the null / "" / zero-date quirks: the CRM would not hold them.
    let roll: f64 = if f.required {
        0.5 + rng.random::<f64>() / 2.0
    } else {
        rng.random()
    };
    let name = f.api_name.as_str();
    let text = |s: String| SqlValue::Text(clip(s, f.max_length));
    match &f.ty {
        FieldType::Id => SqlValue::Null,
        FieldType::Boolean => SqlValue::Integer(i64::from(rng.random_bool(0.4))),
        FieldType::User => SqlValue::Integer(USERS[rng.random_range(0..USERS.len())]),
        FieldType::Reference { external: true, .. } => {
            SqlValue::Integer(rng.random_range(100_000..200_000))
        }
        FieldType::Reference { .. } if roll < 0.1 && !f.required => SqlValue::Integer(0),
        FieldType::Reference { .. } if roll < 0.2 && !f.required => SqlValue::Null,
        FieldType::Reference { target, .. } => {
            SqlValue::Integer(i64::from(rng.random_range(1..=counts.of(target).max(1))))
        }
        FieldType::Integer if name == "parentid" => {
            SqlValue::Integer(i64::from(rng.random_range(1..=records.max(1))))
        }
        FieldType::Integer if roll < 0.1 => SqlValue::Null,
        FieldType::Integer => SqlValue::Integer(rng.random_range(0..1000)),
        FieldType::Percent => SqlValue::Text((rng.random_range(0..=20u32) * 5).to_string()),
        FieldType::Decimal | FieldType::Currency if roll < 0.1 => SqlValue::Null,
        // Two fraction digits, as a DECIMAL(15,2) column holds them: `1234.50`, `0.10`.
        FieldType::Decimal | FieldType::Currency => {
            let cents = rng.random_range(0..10_000_000u32);
            SqlValue::Text(format!("{}.{:02}", cents / 100, cents % 100))
        }
        FieldType::DateTime if matches!(name, "createddate" | "modifieddate") => {
            SqlValue::Text(datetime(rng))
        }
        FieldType::Date if roll < 0.1 => SqlValue::Text("0000-00-00".into()),
        FieldType::DateTime if roll < 0.1 => SqlValue::Text("0000-00-00 00:00:00".into()),
        FieldType::Date | FieldType::DateTime if roll < 0.2 => SqlValue::Null,
        FieldType::Date => SqlValue::Text(date(rng)),
        FieldType::DateTime => SqlValue::Text(datetime(rng)),
        FieldType::Lookup => {
            let values: Vec<&str> = f
                .lookup
                .iter()
                .flat_map(|l| {
                    l.values
                        .iter()
                        .filter(|v| v.active)
                        .map(|v| v.value.as_str())
                })
                .collect();
            if roll < 0.1 || values.is_empty() {
                SqlValue::Null
            } else if roll < 0.15 && !f.lookup.as_ref().is_some_and(|l| l.restricted) {
                SqlValue::Text(String::new())
            } else {
                SqlValue::Text(pick(rng, &values).to_owned())
            }
        }
        FieldType::Text
        | FieldType::LongText
        | FieldType::Email
        | FieldType::Phone
        | FieldType::Url
        | FieldType::Unknown { .. } => {
            if !f.required && roll < 0.12 {
                SqlValue::Null
            } else if !f.required && roll < 0.24 {
                SqlValue::Text(String::new())
            } else {
                text(known_text(rng, object, f, n))
            }
        }
    }
}

fn known_text(rng: &mut StdRng, object: &ObjectDef, f: &FieldDef, n: u32) -> String {
    let name = f.api_name.as_str();
    match (&f.ty, name) {
        (FieldType::Email, _) => format!(
            "{}.{n}@example.com",
            pick(rng, &["info", "sales", "jo", "zoe"])
        ),
        (FieldType::Phone, _) => format!("+44 20 7946 {:04}", rng.random_range(0..10_000)),
        (FieldType::Url, _) => format!("https://www.example.com/{}/{n}", object.api_name),
        (_, "name") if object.api_name == "accounts" => {
            format!("{} {}", pick(rng, COMPANY_A), pick(rng, COMPANY_B))
        }
        (_, "first") => pick(rng, FIRST).to_owned(),
        (_, "last") => pick(rng, LAST).to_owned(),
        (_, "product") => pick(rng, PRODUCTS).to_owned(),
        (_, "parentobject") => pick(rng, &["accounts", "opportunities"]).to_owned(),
        (_, "filename") => format!("document-{n}.txt"),
        (_, n2) if n2.contains("city") => pick(rng, CITY).to_owned(),
        (_, n2) if n2.contains("country") => pick(rng, COUNTRY).to_owned(),
        (FieldType::LongText, _) => format!(
            "{} {}\n{} {}",
            pick(rng, WORDS),
            pick(rng, WORDS),
            pick(rng, WORDS),
            n
        ),
        _ => format!("{} {} {n}", f.label, pick(rng, WORDS)),
    }
}

/// Fills every object with its count of generated records, stores document contents, builds
/// the indexes and records the seed, in one transaction per object.
pub(crate) fn seed(store: &Store, seed: u64, counts: Counts<'_>) -> Result<()> {
    for object in store.dictionary().iter() {
        let records = counts.of(&object.api_name);
        let mut rng = StdRng::seed_from_u64(object_seed(seed, &object.api_name));
        let mut conn = store.conn();
        let tx = conn.transaction()?;
        for n in 1..=records {
            let mut values: Vec<(String, SqlValue)> = Vec::with_capacity(object.fields.len());
            for f in object.fields.iter().filter(|f| f.ty != FieldType::Id) {
                values.push((f.api_name.clone(), value(&mut rng, object, f, n, counts)));
            }
            // modifieddate never precedes createddate.
            let created = values
                .iter()
                .find(|(k, _)| k == "createddate")
                .map(|(_, v)| v.clone());
            if let Some(SqlValue::Text(c)) = created {
                for (k, v) in values.iter_mut() {
                    if let SqlValue::Text(m) = v
                        && k == "modifieddate"
                        && *m < c
                    {
                        *m = c.clone();
                    }
                }
            }
            let id = insert_row(&tx, object, &values)?;
            if object.api_name == "documents" {
                let filename = values
                    .iter()
                    .find(|(k, _)| k == "filename")
                    .and_then(|(_, v)| match v {
                        SqlValue::Text(s) if !s.is_empty() => Some(s.clone()),
                        _ => None,
                    })
                    .unwrap_or_else(|| format!("document-{id}.txt"));
                let body = format!("Document {id} — generated by crm-sandbox (seed {seed}).\n");
                tx.execute(
                    "INSERT OR REPLACE INTO __sandbox_document (id, filename, mime, bytes) VALUES (?1, ?2, 'text/plain; charset=utf-8', ?3)",
                    rusqlite::params![id, filename, body.into_bytes()],
                )?;
            }
        }
        tx.commit()?;
    }
    store.create_indexes()?;
    store.set_meta("seed", &seed.to_string())?;
    store.set_meta("records", &counts.default.to_string())?;
    Ok(())
}

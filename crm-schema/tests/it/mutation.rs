//! Seeded, bounded mutation testing: no input may panic the loaders or the raw adapters, and
//! whatever they accept must survive a canonical round trip unchanged.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::Value;

use crm_schema::canonical::to_canonical_string;
use crm_schema::load::parse_object;
use crm_schema::raw::{dictionary_from_response, lookup_values_from_response};
use crm_schema::{Dictionary, ObjectDef};

/// Mutations per input and kind; with about 70 inputs this is some 20 000 runs.
const ROUNDS: usize = 150;

/// Fragments that steer mutations towards interesting JSON rather than random bytes.
const TOKENS: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    "\"",
    ",",
    ":",
    "null",
    "true",
    "false",
    "0",
    "-1",
    "1e999",
    "18446744073709551616",
    "\"\\u00e9\"",
    "\"\\ud800\"",
    "\u{feff}",
    "\"type\"",
    "\"lookup\"",
    "\"reference\"",
    "\"id\"",
    "\"fields\"",
    "\"list\"",
    "\"record\"",
    "\"items\"",
    "\"name\"",
    "\"required\"",
    "\"values\"",
    "\"target\"",
    "\"unknown\"",
    "\"tinyint(1)\"",
    "\"enum('a','b')\"",
    "\"varchar(\"",
    "é",
    "\\",
    "\n",
];

fn corpus_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        if p.is_dir() {
            corpus_files(&p, out);
        } else {
            out.push(p);
        }
    }
}

fn inputs() -> Vec<Vec<u8>> {
    let mut files = Vec::new();
    corpus_files(Path::new("tests/corpus"), &mut files);
    let mut out: Vec<Vec<u8>> = files.iter().filter_map(|p| std::fs::read(p).ok()).collect();
    out.extend(
        [
            r#"{"metadata": {"record_type": "account"}, "list": [{"metadata": {}, "record": {"name": "id", "type": "int"}}, {"record": {"fieldname": "type", "fieldtype": "dropdown", "listname": "account_type", "values": ["A", {"value": "B", "active": 0}]}}]}"#,
            r#"{"id": "int(11)", "accountid": "int", "notes": "text", "size": "enum('1-10','11-50')", "ok": "tinyint(1)"}"#,
            r#"{"items": [{"value": "Client", "id": "Client"}, "Prospect", {"record": {"value": "X", "label": "Ex"}}]}"#,
        ]
        .map(|s| s.as_bytes().to_vec()),
    );
    out
}

fn mutate_bytes(rng: &mut StdRng, input: &[u8]) -> Vec<u8> {
    let mut b = input.to_vec();
    for _ in 0..rng.random_range(1..=3) {
        let at = if b.is_empty() {
            0
        } else {
            rng.random_range(0..=b.len())
        };
        match rng.random_range(0..6) {
            0 => b.truncate(at),
            1 if at < b.len() => b[at] = rng.random(),
            2 => {
                let end = (at + rng.random_range(1..40)).min(b.len());
                b.drain(at..end);
            }
            3 => {
                let token = TOKENS[rng.random_range(0..TOKENS.len())];
                b.splice(at..at, token.bytes());
            }
            4 => {
                let end = (at + rng.random_range(1..80)).min(b.len());
                let copy = b[at..end].to_vec();
                let to = rng.random_range(0..=b.len());
                b.splice(to..to, copy);
            }
            _ => b.insert(at.min(b.len()), rng.random()),
        }
    }
    b
}

fn random_value(rng: &mut StdRng, depth: usize) -> Value {
    match rng.random_range(0..if depth > 2 { 6 } else { 8 }) {
        0 => Value::Null,
        1 => Value::Bool(rng.random()),
        2 => Value::from(rng.random_range(-3i64..300)),
        3 => Value::from(1.5),
        4 => Value::from(TOKENS[rng.random_range(0..TOKENS.len())].trim_matches('"')),
        5 => Value::from(""),
        6 => Value::Array(
            (0..rng.random_range(0..3))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => {
            let keys = [
                "name",
                "type",
                "value",
                "lookup",
                "values",
                "list_name",
                "target",
                "fields",
                "record",
                "x",
            ];
            Value::Object(
                (0..rng.random_range(0..3))
                    .map(|_| {
                        (
                            keys[rng.random_range(0..keys.len())].to_owned(),
                            random_value(rng, depth + 1),
                        )
                    })
                    .collect(),
            )
        }
    }
}

/// Replaces, removes or renames one randomly chosen node of a parsed document.
fn mutate_tree(rng: &mut StdRng, v: &mut Value) {
    let children = match v {
        Value::Array(items) if !items.is_empty() => items.len(),
        Value::Object(map) if !map.is_empty() => map.len(),
        _ => 0,
    };
    if children == 0 || rng.random_range(0..4) == 0 {
        *v = random_value(rng, 0);
        return;
    }
    let i = rng.random_range(0..children);
    match v {
        Value::Array(items) => match rng.random_range(0..5) {
            0 => {
                items.remove(i);
            }
            1 => {
                let copy = items[i].clone();
                items.push(copy);
            }
            _ => mutate_tree(rng, &mut items[i]),
        },
        Value::Object(map) => {
            let Some(key) = map.keys().nth(i).cloned() else {
                return;
            };
            match rng.random_range(0..5) {
                0 => {
                    map.remove(&key);
                }
                1 => {
                    if let Some(child) = map.remove(&key) {
                        map.insert(format!("{key}_"), child);
                    }
                }
                _ => {
                    if let Some(child) = map.get_mut(&key) {
                        mutate_tree(rng, child);
                    }
                }
            }
        }
        _ => {}
    }
}

/// Whatever a loader accepts must write canonically and load back to itself (with its
/// content hash brought up to date, which the loader does not insist on).
fn round_trips(o: &ObjectDef) {
    let text = to_canonical_string(o);
    let back = parse_object(Path::new("x.json"), text.as_bytes())
        .unwrap_or_else(|e| panic!("accepted object does not reload: {e}\n{text}"));
    let mut expected = o.clone();
    expected.provenance.content_hash = crm_schema::canonical::content_hash(o);
    assert_eq!(back, expected);
    assert_eq!(to_canonical_string(&back), text);
    let dict = Dictionary::from_objects([back]);
    if let Ok(d) = dict {
        assert!(crm_schema::diff::diff(&d, &d).is_empty());
    }
}

/// How many inputs each entry point accepted, so the round-trip property is known to run.
#[derive(Default)]
struct Accepted {
    files: usize,
    dictionaries: usize,
    lookups: usize,
}

fn exercise(bytes: &[u8], accepted: &mut Accepted) {
    if let Ok(o) = parse_object(Path::new("accounts.json"), bytes) {
        round_trips(&o);
        accepted.files += 1;
    }
    for object in ["accounts", "claims", ""] {
        if let Ok(o) = dictionary_from_response(object, bytes, crm_schema::Source::Catalogue, None)
        {
            round_trips(&o);
            accepted.dictionaries += 1;
        }
    }
    if let Ok(values) = lookup_values_from_response(bytes) {
        let mut list = crm_schema::LookupList {
            list_name: "l".into(),
            list_name_inferred: false,
            restricted: false,
            values: Vec::new(),
        };
        crm_schema::raw::merge_lookup_values(&mut list, values);
        accepted.lookups += 1;
    }
}

fn run(seed: u64, what: &str, bytes: &[u8], accepted: &mut Accepted) {
    if let Err(panic) = catch_unwind(AssertUnwindSafe(|| exercise(bytes, accepted))) {
        let message = panic.downcast_ref::<String>().cloned().unwrap_or_default();
        let shown: String = String::from_utf8_lossy(bytes).chars().take(3000).collect();
        panic!("{what} (seed {seed}) panicked: {message}\ninput:\n{shown}");
    }
}

#[test]
fn no_mutated_input_panics_and_accepted_ones_round_trip() {
    let mut rng = StdRng::seed_from_u64(0x5eed_c0de);
    let mut accepted = Accepted::default();
    for (n, input) in inputs().iter().enumerate() {
        run(n as u64, "original", input, &mut accepted);
        for _ in 0..ROUNDS {
            let mutated = mutate_bytes(&mut rng, input);
            run(n as u64, "byte mutation", &mutated, &mut accepted);
        }
        if let Ok(doc) = serde_json::from_slice::<Value>(input) {
            for _ in 0..ROUNDS {
                let mut tree = doc.clone();
                mutate_tree(&mut rng, &mut tree);
                let text = if rng.random() {
                    tree.to_string()
                } else {
                    serde_json::to_string_pretty(&tree).unwrap_or_default()
                };
                run(n as u64, "tree mutation", text.as_bytes(), &mut accepted);
            }
        }
    }
    // The property above is only tested if some mutants are accepted.
    let Accepted {
        files,
        dictionaries,
        lookups,
    } = accepted;
    assert!(
        files > 30 && dictionaries > 100 && lookups > 100,
        "accepted: {files} files, {dictionaries} dictionaries, {lookups} lookups"
    );
}

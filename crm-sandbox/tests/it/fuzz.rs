//! Randomized tests of the `q` parser (seeded, so failures reproduce): arbitrary input never
//! panics, and generated filters select exactly what a reference evaluator in Rust selects,
//! with SQL's three-valued logic for nulls.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};

use crate::common::{Sbx, config};

const NAMES: &[&str] = &[
    "Test", "test", "Testing", "Alpha", "beta", "Zeta", "ab_c", "x%y", "TeSt ab", "", "nobody",
];

fn pick<T: Clone>(rng: &mut StdRng, xs: &[T]) -> T {
    xs[rng.random_range(0..xs.len())].clone()
}

/// What every rejection of `q` must say: a 400 whose message is serde's own for text that is
/// not JSON, and otherwise one of the parser's sentences quoting (in parentheses) only keys
/// and values of the input, so a user sees which part was refused.
fn rejection_names_its_cause(input: &str, e: &crm_sandbox::Error) {
    let crm_sandbox::Error::BadRequest(message) = e else {
        panic!("{input}: not a bad request: {e:?}");
    };
    let json = match serde_json::from_str::<Value>(input) {
        Err(syntax) => {
            assert_eq!(message, &format!("Invalid JSON in q: {syntax}"), "{input}");
            return;
        }
        Ok(json) => json,
    };
    const OPENINGS: &[&str] = &[
        "q must be a JSON object of fields, not ",
        "q is nested more than ",
        "q has more than ",
        "$or takes ",
        "Invalid operator (",
        "Invalid field (",
        "No operator given for field (",
        "An array is not a value for field (",
        "Value (",
        "Field (",
    ];
    let op_on_field = message.starts_with('$') && message.contains(" on field (");
    assert!(
        op_on_field || OPENINGS.iter().any(|o| message.starts_with(o)),
        "{input}: {message}"
    );
    let mut quoted = Vec::new();
    scalars(&json, &mut quoted);
    for part in message.split('(').skip(1) {
        let part = part.split_once(')').map_or(part, |(p, _)| p);
        assert!(
            quoted.iter().any(|q| q == part),
            "{input}: `{part}` in `{message}` is not from the input"
        );
    }
}

/// Every key and scalar of a JSON value, as the parser's messages write them.
fn scalars(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            for (k, v) in map {
                out.push(k.clone());
                scalars(v, out);
            }
        }
        Value::Array(items) => items.iter().for_each(|v| scalars(v, out)),
        Value::String(s) => out.push(s.clone()),
        other => out.push(other.to_string()),
    }
}

#[test]
fn arbitrary_input_never_panics() {
    let dict = crm_schema::load(&crate::common::fixtures()).expect("fixtures load");
    let accounts = dict.object("accounts").expect("accounts");
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let alphabet: Vec<char> = "{}[]\":,$ornotinbtswecgl0123456789.-e nametyp\\'%_ü\u{0}"
        .chars()
        .collect();
    let seeds = [
        r#"{"name": {"$con": "x"}}"#,
        r#"{"$or": [{"leadscore": {"$bt": [1, 2]}}, {"type": {"$in": ["a"]}}]}"#,
        r#"{"leadscore": {"$not": {"$gt": 3}}}"#,
    ];
    for i in 0..20_000 {
        let input: String = if i % 2 == 0 {
            (0..rng.random_range(0..60))
                .map(|_| pick(&mut rng, &alphabet))
                .collect()
        } else {
            // Mutations of valid filters: deletions, insertions and substitutions.
            let mut chars: Vec<char> = pick(&mut rng, &seeds).chars().collect();
            for _ in 0..rng.random_range(1..4) {
                let at = rng.random_range(0..chars.len());
                match rng.random_range(0..3) {
                    0 => {
                        chars.remove(at);
                    }
                    1 => chars.insert(at, pick(&mut rng, &alphabet)),
                    _ => chars[at] = pick(&mut rng, &alphabet),
                }
                if chars.is_empty() {
                    break;
                }
            }
            chars.into_iter().collect()
        };
        match crm_sandbox::query::parse_filter(accounts, &input) {
            Ok(sql) => assert_eq!(sql.text.matches('?').count(), sql.params.len(), "{input}"),
            Err(e) => rejection_names_its_cause(&input, &e),
        }
        if let Err(e) = crm_sandbox::query::parse_order(accounts, &input) {
            let crm_sandbox::Error::BadRequest(message) = &e else {
                panic!("{input}: not a bad request: {e:?}");
            };
            assert!(
                message.starts_with("Invalid JSON in order: ")
                    || message.starts_with("Invalid field (")
                    || message.starts_with("Invalid order direction for field ("),
                "{input}: {message}"
            );
        }
    }
}

/// A filter over `name` (text) and `leadscore` (integer), and its reference evaluation.
fn gen_filter(rng: &mut StdRng, depth: u32) -> Value {
    let n = rng.random_range(1..=2);
    let mut m = serde_json::Map::new();
    for _ in 0..n {
        if depth < 3 && rng.random_bool(0.25) {
            let alts: Vec<Value> = (0..rng.random_range(1..=3))
                .map(|_| gen_filter(rng, depth + 1))
                .collect();
            m.insert("$or".into(), Value::Array(alts));
        } else if rng.random_bool(0.5) {
            m.insert("name".into(), gen_name_cond(rng, depth));
        } else {
            m.insert("leadscore".into(), gen_score_cond(rng, depth));
        }
    }
    Value::Object(m)
}

fn gen_name_cond(rng: &mut StdRng, depth: u32) -> Value {
    let word = |rng: &mut StdRng| {
        json!(pick(
            rng,
            &["test", "TE", "a", "_", "%", "ab", "zeta", "", "st"]
        ))
    };
    match rng.random_range(0..8) {
        0 => json!(pick(rng, NAMES)),
        1 => json!({"$sw": word(rng)}),
        2 => json!({"$ew": word(rng)}),
        3 => json!({"$con": word(rng)}),
        4 => json!({"$in": [pick(rng, NAMES), pick(rng, NAMES)]}),
        5 => json!({"$gt": word(rng), "$lte": "zz"}),
        6 if depth < 3 => json!({"$not": gen_name_cond(rng, depth + 1)}),
        _ => json!({"$nin": [pick(rng, NAMES)]}),
    }
}

fn gen_score_cond(rng: &mut StdRng, depth: u32) -> Value {
    let v = |rng: &mut StdRng| rng.random_range(-5..60);
    match rng.random_range(0..9) {
        0 => json!(v(rng)),
        1 => json!({"$gt": v(rng)}),
        2 => json!({"$gte": v(rng), "$lt": v(rng)}),
        3 => json!({"$lte": v(rng)}),
        4 => {
            let (a, b) = (v(rng), v(rng));
            json!({"$bt": [a.min(b), a.max(b)]})
        }
        5 => json!({"$in": [v(rng), v(rng), v(rng)]}),
        6 => json!({"$nin": [v(rng)]}),
        7 if depth < 3 => json!({"$not": gen_score_cond(rng, depth + 1)}),
        _ => json!({"$not": v(rng)}),
    }
}

/// SQL three-valued logic: None is "unknown".
fn and(xs: impl IntoIterator<Item = Option<bool>>) -> Option<bool> {
    let mut unknown = false;
    for x in xs {
        match x {
            Some(false) => return Some(false),
            None => unknown = true,
            Some(true) => {}
        }
    }
    if unknown { None } else { Some(true) }
}

fn eval(filter: &Value, row: &Value) -> Option<bool> {
    let map = filter.as_object().expect("object");
    and(map.iter().map(|(k, v)| {
        if k == "$or" {
            let parts: Vec<Option<bool>> = v
                .as_array()
                .expect("array")
                .iter()
                .map(|f| eval(f, row))
                .collect();
            if parts.contains(&Some(true)) {
                Some(true)
            } else if parts.contains(&None) {
                None
            } else {
                Some(false)
            }
        } else {
            cond(&row[k.as_str()], v)
        }
    }))
}

fn cmp(field: &Value, v: &Value) -> Option<std::cmp::Ordering> {
    match (field, v) {
        (Value::Null, _) => None,
        (Value::Number(a), Value::Number(b)) => a.as_i64()?.partial_cmp(&b.as_i64()?),
        (Value::String(a), Value::String(b)) => {
            Some(a.to_ascii_lowercase().cmp(&b.to_ascii_lowercase()))
        }
        _ => panic!("unexpected {field} vs {v}"),
    }
}

fn cond(field: &Value, c: &Value) -> Option<bool> {
    use std::cmp::Ordering::*;
    let Value::Object(ops) = c else {
        return cmp(field, c).map(|o| o == Equal);
    };
    and(ops.iter().map(|(op, arg)| {
        let text = || field.as_str().map(str::to_ascii_lowercase);
        let pat = || arg.as_str().expect("text").to_ascii_lowercase();
        match op.as_str() {
            "$gt" => cmp(field, arg).map(|o| o == Greater),
            "$gte" => cmp(field, arg).map(|o| o != Less),
            "$lt" => cmp(field, arg).map(|o| o == Less),
            "$lte" => cmp(field, arg).map(|o| o != Greater),
            "$bt" => and([
                cmp(field, &arg[0]).map(|o| o != Less),
                cmp(field, &arg[1]).map(|o| o != Greater),
            ]),
            "$sw" => text().map(|t| t.starts_with(&pat())),
            "$ew" => text().map(|t| t.ends_with(&pat())),
            "$con" => text().map(|t| t.contains(&pat())),
            "$in" => {
                let hits: Vec<Option<bool>> = arg
                    .as_array()
                    .expect("array")
                    .iter()
                    .map(|v| cmp(field, v).map(|o| o == Equal))
                    .collect();
                if hits.contains(&Some(true)) {
                    Some(true)
                } else if hits.contains(&None) {
                    None
                } else {
                    Some(false)
                }
            }
            "$nin" => cond(field, &json!({"$in": arg})).map(|b| !b),
            "$not" if arg.is_object() => cond(field, arg).map(|b| !b),
            "$not" => cmp(field, arg).map(|o| o != Equal),
            other => panic!("generator made {other}"),
        }
    }))
}

#[tokio::test]
async fn generated_filters_match_a_reference_evaluator() {
    let s = Sbx::with(config().with_records(0));
    let mut rng = StdRng::seed_from_u64(42);
    let mut rows = Vec::new();
    for i in 0..40 {
        // `name` is mandatory (never null or blank); nulls are exercised through `leadscore`.
        let name = pick(&mut rng, &NAMES[..NAMES.len() - 2]);
        let score = if i % 7 == 0 {
            Value::Null
        } else {
            json!(rng.random_range(0..50))
        };
        let body = json!({"name": name, "leadscore": score});
        let r = s.post("/accounts", &body.to_string()).await;
        assert_eq!(r.status, 201);
        rows.push(r.json()["record"].clone());
    }
    let mut nonempty = 0;
    for case in 0..300 {
        let f = gen_filter(&mut rng, 0);
        let want: Vec<i64> = rows
            .iter()
            .filter(|r| eval(&f, r) == Some(true))
            .map(|r| r["id"].as_i64().expect("id"))
            .collect();
        let r = s.query("accounts", &f.to_string(), "limit=100").await;
        assert_eq!(
            r.status,
            200,
            "case {case}: {f}: {}",
            String::from_utf8_lossy(&r.bytes)
        );
        assert_eq!(r.ids(), want, "case {case}: {f}");
        nonempty += usize::from(!want.is_empty() && want.len() < rows.len());
    }
    assert!(
        nonempty > 50,
        "the generator must produce selective filters ({nonempty})"
    );
}

//! `crm import` against an in-process sandbox: every validation rule in a dry run, upserts,
//! journals and reruns, faults, kill -9 at random moments, CSV of every field type.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use crm_sandbox::Faults;
use futures::TryStreamExt;
use rand::{Rng, SeedableRng};
use serde_json::{Map, Value, json};

const TOKEN: &str = "import-token-7c1d";

fn dictionaries() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dictionaries")
}

struct Sandbox {
    running: crm_sandbox::Running,
    dir: tempfile::TempDir,
}

impl Sandbox {
    async fn start(faults: Faults) -> Sandbox {
        Sandbox::start_with(crm_sandbox::Config::new(TOKEN).with_faults(faults)).await
    }

    async fn start_with(config: crm_sandbox::Config) -> Sandbox {
        let config = config.with_records(0);
        let running = crm_sandbox::spawn(config).await.expect("sandbox");
        Sandbox {
            running,
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn write(&self, name: &str, text: &str) -> PathBuf {
        let p = self.path(name);
        std::fs::write(&p, text).expect("write input");
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crm"));
        cmd.arg("import")
            .args(args)
            .arg("--dictionaries")
            .arg(dictionaries())
            .env("CRM_BASE_URL", &self.running.base_url)
            .env("CRM_TOKEN", TOKEN)
            .stdin(Stdio::null());
        cmd
    }

    async fn import(&self, args: &[&str]) -> Output {
        let mut cmd = self.command(args);
        tokio::task::spawn_blocking(move || cmd.output().expect("run crm"))
            .await
            .expect("join")
    }

    fn client(&self) -> crm_runtime::Client {
        crm_runtime::Client::builder()
            .base_url(&self.running.base_url)
            .token(TOKEN)
            .build()
            .expect("client")
    }

    /// Every record of `object`, read with faults off.
    async fn records(&self, object: &str) -> Vec<Map<String, Value>> {
        let faults = self.running.state.faults();
        self.set_faults(&Faults::default()).await;
        let records: Vec<crm_runtime::RawRecord> = self
            .client()
            .object(object)
            .list()
            .items()
            .try_collect()
            .await
            .expect("list");
        self.set_faults(&faults).await;
        records.iter().map(|r| r.to_map().expect("map")).collect()
    }

    async fn set_faults(&self, faults: &Faults) {
        let status = reqwest::Client::new()
            .put(format!("{}/__sandbox/faults", self.running.base_url))
            .bearer_auth(TOKEN)
            .json(faults)
            .send()
            .await
            .expect("set faults")
            .status();
        assert!(status.is_success(), "{status}");
    }

    fn writes(&self) -> u64 {
        self.running
            .state
            .calls()
            .routes
            .iter()
            .filter(|(route, _)| route.starts_with("POST") || route.starts_with("PATCH"))
            .map(|(_, n)| n)
            .sum()
    }
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).expect("utf8")
}

fn ndjson(rows: &[Value]) -> String {
    rows.iter().map(|r| format!("{r}\n")).collect()
}

/// Names of the records, each with how often it occurs.
fn name_counts(records: &[Map<String, Value>]) -> BTreeMap<String, usize> {
    let mut out = BTreeMap::new();
    for r in records {
        let name = r["name"].as_str().unwrap_or_default().to_owned();
        *out.entry(name).or_insert(0) += 1;
    }
    out
}

#[tokio::test]
async fn dry_run_reports_every_rule_with_its_line() {
    let sb = Sandbox::start(Faults::default()).await;
    let long = "x".repeat(256);
    let rows = [
        json!({"name": "Fine", "phone": "030 1234"}),
        json!({"name": "A", "nmae": "B"}),
        json!({"phone": "1"}),
        json!({"name": "A", "createddate": "2026-01-01 00:00:00"}),
        json!({"name": "A", "id": 5}),
        json!({"name": "A", "leadscore": "high"}),
        json!({"name": "A", "campaignid": "x"}),
        json!({"name": "A", "ownerid": 1.5}),
        json!({"name": "A", "2yearpolicy": "yes"}),
        json!({"name": "A", "renewaldate": "01/02/2027"}),
        json!({"name": "A", "annualrevenue": "12,5"}),
        json!({"name": "A", "companysize": "huge"}),
        json!({"name": long}),
        json!({"name": {"a": 1}}),
        json!({"name": ""}),
    ];
    let mut text = ndjson(&rows);
    text.push_str("{not json\n[1]\n");
    let input = sb.write("rows.ndjson", &text);
    let out = sb
        .import(&["accounts", "--dry-run", "--input", input.to_str().unwrap()])
        .await;
    assert_eq!(
        stderr(&out),
        "line 2: nmae: accounts has no such field; did you mean name?\n\
         line 3: name: is required to create a record of accounts; add a value for it\n\
         line 4: createddate: is read-only (the server sets it); remove it from the row\n\
         line 5: id: is the record's id, which the server assigns; remove it (to update \
         existing records, match them on another field)\n\
         line 6: leadscore: must be a whole number, got \"high\"\n\
         line 7: campaignid: must be the id of a campaigns record (a whole number), got \"x\"\n\
         line 8: ownerid: must be a user id (a whole number), got 1.5\n\
         line 9: 2yearpolicy: must be a boolean: true, false, 1 or 0, got \"yes\"\n\
         line 10: renewaldate: must be a date in the form YYYY-MM-DD, got \"01/02/2027\"\n\
         line 11: annualrevenue: must be a decimal number such as 1234.50, got \"12,5\"\n\
         line 12: companysize: \"huge\" is not in its dropdown list, which is restricted; use \
         one of \"1-10 employees\", \"11-50 employees\", \"51-200 employees\", \"201+ employees\"\n\
         line 13: name: is 256 characters long, at most 255 are allowed; shorten it\n\
         line 14: name: must be text, got {\"a\":1}\n\
         line 15: name: is required and cannot be empty; give it a value or leave the field out\n\
         line 16: is not valid JSON: key must be a string at line 1 column 2\n\
         line 17: is not a JSON object; give one object per line\n\
         crm: accounts dry run, nothing written: 1 created, 0 updated, 0 unchanged, 16 rejected\n"
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(sb.writes(), 0);
    assert!(sb.records("accounts").await.is_empty());
}

#[tokio::test]
async fn dry_run_rules_of_other_types_and_the_match_field() {
    let sb = Sandbox::start(Faults::default()).await;
    let activities = sb.write(
        "activities.ndjson",
        &ndjson(&[
            json!({"type": "Call", "date": "2027-01-01T10:00:00Z"}),
            json!({"type": "Call", "date": "2027-01-01 10:00:00", "emailfrom": "nobody"}),
        ]),
    );
    let out = sb
        .import(&[
            "activities",
            "--dry-run",
            "--input",
            activities.to_str().unwrap(),
        ])
        .await;
    assert_eq!(
        stderr(&out),
        "line 1: date: must be a date and time in the form YYYY-MM-DD HH:MM:SS, got \
         \"2027-01-01T10:00:00Z\"\n\
         line 2: emailfrom: must be an e-mail address such as name@example.com, got \"nobody\"\n\
         crm: activities dry run, nothing written: 0 created, 0 updated, 0 unchanged, 2 rejected\n"
    );
    assert_eq!(out.status.code(), Some(1));

    let accounts = sb.write("accounts.ndjson", &ndjson(&[json!({"phone": "1"})]));
    let out = sb
        .import(&[
            "accounts",
            "--dry-run",
            "--match",
            "name",
            "--input",
            accounts.to_str().unwrap(),
        ])
        .await;
    assert_eq!(
        stderr(&out),
        "line 1: name: has no value, and the rows are matched on it; give it one\n\
         crm: accounts dry run, nothing written: 0 created, 0 updated, 0 unchanged, 1 rejected\n"
    );

    let csv = sb.write(
        "accounts.csv",
        "name,leadscore,2yearpolicy\nA,high,maybe\nB,3,1\nC,1\n",
    );
    let out = sb
        .import(&["accounts", "--dry-run", "--input", csv.to_str().unwrap()])
        .await;
    assert_eq!(
        stderr(&out),
        "line 2: column leadscore: \"high\" is not a whole number\n\
         line 2: column 2yearpolicy: \"maybe\" is not a boolean (1, 0, true or false)\n\
         line 4: 2 cells, the header has 3\n\
         crm: accounts dry run, nothing written: 1 created, 0 updated, 0 unchanged, 2 rejected\n"
    );
    assert_eq!(sb.writes(), 0);
}

#[tokio::test]
async fn errors_that_stop_the_import_before_anything_is_sent() {
    let sb = Sandbox::start(Faults::default()).await;
    let input = sb.write("rows.ndjson", &ndjson(&[json!({"name": "A"})]));
    let input = input.to_str().unwrap();
    let cases: [(&[&str], &str); 3] = [
        (
            &["accounts", "--match", "id", "--input", input],
            "crm: cannot match on id: it is read-only, so a create \
             could not set it; match on a writable field that identifies a record (an e-mail \
             address, an external id)\n",
        ),
        (
            &["accounts", "--match", "nmae", "--input", input],
            "crm: cannot match on nmae: accounts has no such field\n",
        ),
        (
            &["widgets", "--input", input],
            "crm: the snapshot has no object widgets; it has accounts, activities, \
             campaigndetails, campaigns, campaignstages, cases, contacts, documents, \
             opportunities, opportunity_lines, opportunityhistories\n",
        ),
    ];
    for (args, want) in cases {
        let out = sb.import(args).await;
        let got = stderr(&out).replace(&format!(" {}", dictionaries().display()), "");
        assert_eq!(got, want, "{args:?}");
        assert_eq!(out.status.code(), Some(2));
    }
    assert_eq!(sb.writes(), 0);
}

async fn upsert(sb: &Sandbox, name: &str, rows: &[Value]) -> Output {
    let input = sb.write(name, &ndjson(rows));
    sb.import(&[
        "accounts",
        "--match",
        "name",
        "--input",
        input.to_str().unwrap(),
    ])
    .await
}

#[tokio::test]
async fn upsert_counts_on_a_second_run_with_edits() {
    let sb = Sandbox::start(Faults::default()).await;
    let first: Vec<Value> = (0..5)
        .map(|i| json!({"name": format!("Acme {i}"), "phone": format!("0{i}"), "leadscore": i}))
        .collect();
    let out = upsert(&sb, "first.ndjson", &first).await;
    assert_eq!(
        stderr(&out),
        "crm: accounts import: 5 created, 0 updated, 0 unchanged, 0 rejected\n"
    );
    assert_eq!(out.status.code(), Some(0));

    let mut second = first.clone();
    second[1]["phone"] = json!("0999");
    second[3]["leadscore"] = json!("30");
    // The same values in other spellings are no change.
    second[4]["leadscore"] = json!("4");
    second.push(json!({"name": "Acme 5"}));
    let out = upsert(&sb, "second.ndjson", &second).await;
    assert_eq!(
        stderr(&out),
        "crm: accounts import: 1 created, 2 updated, 3 unchanged, 0 rejected\n"
    );
    let records = sb.records("accounts").await;
    assert_eq!(records.len(), 6);
    let by_name: BTreeMap<&str, &Map<String, Value>> = records
        .iter()
        .map(|r| (r["name"].as_str().unwrap(), r))
        .collect();
    assert_eq!(by_name["Acme 1"]["phone"], "0999");
    assert_eq!(by_name["Acme 3"]["leadscore"], 30);
    assert_eq!(by_name["Acme 0"]["phone"], "00");
}

#[tokio::test]
async fn a_rerun_with_the_journal_sends_nothing_again_and_notices_edits() {
    let sb = Sandbox::start(Faults::default()).await;
    let rows: Vec<Value> = (0..4)
        .map(|i| json!({"name": format!("J {i}")}))
        .chain([json!({"name": "J bad", "leadscore": "many"})])
        .collect();
    let input = sb.write("rows.ndjson", &ndjson(&rows));
    let journal = sb.path("import.journal");
    let rejects = sb.path("rejects.ndjson");
    // One row at a time, so ids follow the lines.
    let args = [
        "accounts",
        "--concurrency",
        "1",
        "--input",
        input.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
        "--rejects",
        rejects.to_str().unwrap(),
    ];
    let out = sb.import(&args).await;
    assert_eq!(
        stderr(&out),
        "line 5: leadscore: must be a whole number, got \"many\"\n\
         crm: accounts import: 4 created, 0 updated, 0 unchanged, 1 rejected\n"
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        ndjson(&rows[4..])
    );
    let writes = sb.writes();

    let out = sb.import(&args).await;
    assert_eq!(
        stderr(&out),
        "line 5: leadscore: must be a whole number, got \"many\"\n\
         crm: accounts import: 4 created, 0 updated, 0 unchanged, 1 rejected\n"
    );
    assert_eq!(sb.writes(), writes, "nothing is sent again");
    assert_eq!(sb.records("accounts").await.len(), 4);

    // An applied row edited under the journal is refused unsent; a rejected row fixed in place
    // is tried again.
    let mut edited = rows.clone();
    edited[2]["name"] = json!("J changed");
    edited[4]["leadscore"] = json!(7);
    std::fs::write(&input, ndjson(&edited)).unwrap();
    let out = sb.import(&args).await;
    assert_eq!(
        stderr(&out),
        "line 3: differs from the row the journal records at this line (created as id 3); \
         nothing was sent. Restore the row, or import it with a new journal\n\
         crm: accounts import: 4 created, 0 updated, 0 unchanged, 1 rejected\n"
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(sb.writes(), writes + 1);
    let names: BTreeSet<String> = name_counts(&sb.records("accounts").await)
        .into_keys()
        .collect();
    assert!(names.contains("J bad") && !names.contains("J changed"));

    // Lines the journal knows and the input lost are reported, and left alone.
    std::fs::write(&input, ndjson(&rows[..2])).unwrap();
    let out = sb.import(&args).await;
    assert_eq!(
        stderr(&out),
        "crm: the journal records 3 line(s) the input does not have (the first: line 3); they \
         were left alone\n\
         crm: accounts import: 2 created, 0 updated, 0 unchanged, 0 rejected\n"
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(sb.writes(), writes + 1);

    let other = [
        "accounts",
        "--match",
        "name",
        "--input",
        input.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    let out = sb.import(&other).await;
    assert_eq!(
        stderr(&out),
        format!(
            "crm: journal {} records an import of accounts with \
             no match field, not of accounts with match field name; rerun with the same \
             settings or give a new journal\n",
            journal.display()
        )
    );
}

#[tokio::test]
async fn a_journal_in_use_by_another_import_is_refused_unsent() {
    // A slow server, so that the first import is still running when the second starts.
    let sb = Sandbox::start(Faults {
        latency_ms: 100,
        ..Faults::default()
    })
    .await;
    const N: usize = 40;
    let rows: Vec<Value> = (0..N)
        .map(|i| json!({"name": format!("Held {i}")}))
        .collect();
    let input = sb.write("rows.ndjson", &ndjson(&rows));
    let journal = sb.path("import.journal");
    let args = [
        "accounts",
        "--concurrency",
        "1",
        "--input",
        input.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    let mut first = sb.command(&args).stderr(Stdio::piped()).spawn().unwrap();
    // The journal's header is written once the first import holds its lock.
    while std::fs::read_to_string(&journal).map_or(true, |t| !t.contains('\n')) {
        assert!(
            first.try_wait().unwrap().is_none(),
            "the first import ended early"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let second = sb.import(&args).await;
    assert!(
        first.try_wait().unwrap().is_none(),
        "the first import ended before the second could be refused; slow the server more"
    );
    assert_eq!(
        stderr(&second),
        format!(
            "crm: journal {} is in use by another import; nothing was sent. Wait for it to \
             end, or give this import its own journal\n",
            journal.display()
        )
    );
    assert_eq!(second.status.code(), Some(2));
    let first = tokio::task::spawn_blocking(move || first.wait_with_output().unwrap())
        .await
        .unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr(&first));
    // Every row once: the refused import sent nothing, and did not disturb the journal.
    let names = name_counts(&sb.records("accounts").await);
    assert_eq!(names.len(), N);
    assert!(names.values().all(|n| *n == 1), "{names:?}");
    // Once the first has ended, the same command runs, and finds everything applied.
    let again = sb.import(&args).await;
    assert_eq!(again.status.code(), Some(0), "{}", stderr(&again));
    assert_eq!(sb.records("accounts").await.len(), N);
}

#[tokio::test]
async fn rejects_of_a_csv_are_a_csv_that_can_be_the_next_input() {
    let sb = Sandbox::start(Faults::default()).await;
    let input = sb.write(
        "rows.csv",
        "name,leadscore,companysize\nGood,1,\nBad cell,x,\nBad size,2,huge\n",
    );
    let rejects = sb.path("rejects.csv");
    let out = sb
        .import(&[
            "accounts",
            "--input",
            input.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
        ])
        .await;
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        "name,leadscore,companysize\nBad cell,x,\nBad size,2,huge\n"
    );
    // Fixed, the rejects file imports.
    let fixed = std::fs::read_to_string(&rejects)
        .unwrap()
        .replace(",x,", ",3,")
        .replace("huge", "201+ employees");
    std::fs::write(&rejects, fixed).unwrap();
    let out = sb
        .import(&["accounts", "--input", rejects.to_str().unwrap()])
        .await;
    assert_eq!(
        stderr(&out),
        "crm: accounts import: 2 created, 0 updated, 0 unchanged, 0 rejected\n"
    );
    assert_eq!(sb.records("accounts").await.len(), 3);
}

#[tokio::test]
async fn exactly_n_records_under_errors_and_dropped_connections() {
    let faults = Faults {
        error_rate: 0.10,
        drop_before_answer_rate: 0.05,
        ..Faults::default()
    };
    let sb = Sandbox::start(faults).await;
    const N: usize = 300;
    let rows: Vec<Value> = (0..N)
        .map(|i| json!({"name": format!("F {i:04}"), "leadscore": i}))
        .collect();
    let input = sb.write("rows.ndjson", &ndjson(&rows));
    let journal = sb.path("import.journal");
    let args = [
        "accounts",
        "--match",
        "name",
        "--concurrency",
        "8",
        "--input",
        input.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    // A run can stop on a lookup whose retries all failed; reruns finish the rest.
    let mut last = String::new();
    for _ in 0..6 {
        let out = sb.import(&args).await;
        last = stderr(&out);
        if out.status.code() == Some(0) {
            break;
        }
    }
    assert!(
        last.ends_with(&format!(
            "crm: accounts import: {N} created, 0 updated, 0 unchanged, 0 rejected\n"
        )),
        "{last}"
    );
    let records = sb.records("accounts").await;
    let names = name_counts(&records);
    assert_eq!(records.len(), N);
    assert_eq!(names.len(), N, "no duplicates");
    let calls = sb.running.state.calls();
    assert!(calls.routes.get("POST /accounts").copied().unwrap_or(0) > N as u64);
}

/// Starts the import `kills` times and kills it (SIGKILL) after a random delay each time;
/// asserts that at least one kill landed before the journal held every row's outcome.
async fn kill_at_random(sb: &Sandbox, args: &[&str], journal: &Path, rows: usize, seed: u64) {
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let mut mid_run = 0;
    for _ in 0..5 {
        let mut child = sb
            .command(args)
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn");
        let wait = Duration::from_millis(rng.random_range(30..400));
        tokio::time::sleep(wait).await;
        let _ = child.kill();
        let _ = child.wait();
        let outcomes = std::fs::read_to_string(journal)
            .unwrap_or_default()
            .matches("\"outcome\"")
            .count();
        if outcomes < rows {
            mid_run += 1;
        }
    }
    assert!(mid_run > 0, "no kill landed before the import was done");
}

/// Kills the import at random moments, then runs it to the end; the last run's stderr.
async fn kill_and_rerun(
    sb: &Sandbox,
    args: &[&str],
    journal: &Path,
    rows: usize,
    seed: u64,
) -> String {
    kill_at_random(sb, args, journal, rows, seed).await;
    for _ in 0..4 {
        let out = sb.import(args).await;
        if out.status.code() == Some(0) {
            return stderr(&out);
        }
    }
    panic!("the import did not finish after the kills");
}

#[tokio::test]
async fn killed_at_random_and_rerun_every_row_is_applied_once() {
    const N: usize = 150;
    for seed in [1u64, 2, 3] {
        let sb = Sandbox::start(Faults {
            latency_ms: 10,
            ..Faults::default()
        })
        .await;
        let rows: Vec<Value> = (0..N)
            .map(|i| json!({"name": format!("K{seed} {i:04}")}))
            .collect();
        let input = sb.write("rows.ndjson", &ndjson(&rows));
        let journal = sb.path("import.journal");
        let args = [
            "accounts",
            "--match",
            "name",
            "--input",
            input.to_str().unwrap(),
            "--journal",
            journal.to_str().unwrap(),
        ];
        let last = kill_and_rerun(&sb, &args, &journal, N, seed).await;
        assert_eq!(
            last,
            format!("crm: accounts import: {N} created, 0 updated, 0 unchanged, 0 rejected\n"),
            "seed {seed}"
        );
        let records = sb.records("accounts").await;
        assert_eq!(records.len(), N, "seed {seed}");
        assert_eq!(name_counts(&records).len(), N, "seed {seed}: no duplicates");
    }
}

#[tokio::test]
async fn killed_without_a_match_field_nothing_is_created_twice() {
    const N: usize = 150;
    let sb = Sandbox::start(Faults {
        latency_ms: 10,
        ..Faults::default()
    })
    .await;
    let rows: Vec<Value> = (0..N)
        .map(|i| json!({"name": format!("U {i:04}")}))
        .collect();
    let input = sb.write("rows.ndjson", &ndjson(&rows));
    let journal = sb.path("import.journal");
    let args = [
        "accounts",
        "--input",
        input.to_str().unwrap(),
        "--journal",
        journal.to_str().unwrap(),
    ];
    kill_at_random(&sb, &args, &journal, N, 9).await;
    let out = sb.import(&args).await;
    let text = stderr(&out);
    let unknown: BTreeSet<usize> = text
        .lines()
        .filter(|l| l.contains("its answer was lost"))
        .map(|l| {
            let n = l.trim_start_matches("line ").split(':').next().unwrap();
            n.parse::<usize>().unwrap() - 1
        })
        .collect();
    let records = sb.records("accounts").await;
    let names = name_counts(&records);
    assert!(names.values().all(|n| *n == 1), "nothing created twice");
    for (i, row) in rows.iter().enumerate() {
        let present = names.contains_key(row["name"].as_str().unwrap());
        assert!(
            present || unknown.contains(&i),
            "row {i} neither created nor unknown"
        );
    }
    let created = N - unknown.len();
    let summary = format!("crm: accounts import: {created} created, 0 updated, 0 unchanged");
    assert!(text.contains(&summary), "{text}");
    assert_eq!(
        out.status.code(),
        Some(if unknown.is_empty() { 0 } else { 1 })
    );
}

#[tokio::test]
async fn csv_of_every_field_type_arrives_as_sent() {
    let sb = Sandbox::start(Faults::default()).await;
    let dict = crm_schema::load(&dictionaries()).unwrap();
    let cases = [
        (
            "accounts",
            "name,type,addressline,phone,website,ownerid,campaignid,leadscore,2yearpolicy,\
             companysize,renewaldate,annualrevenue\n\
             Typed,Client,\"1 Road\nTown\",030 12,https://example.com,1,3,42,1,\
             11-50 employees,2027-02-28,1234.50\n",
        ),
        (
            "activities",
            "type,date,allday,emailfrom,description\n\
             Call,2027-03-01 09:30:00,false,a@example.com,long text\n",
        ),
        (
            "opportunity_lines",
            "opportunityid,product,quantity,unitprice\n7,Widget,2.5,10.00\n",
        ),
    ];
    for (object, csv) in cases {
        let input = sb.write(&format!("{object}.csv"), csv);
        let out = sb
            .import(&[object, "--input", input.to_str().unwrap()])
            .await;
        assert_eq!(out.status.code(), Some(0), "{object}: {}", stderr(&out));
        let def = dict.object(object).unwrap();
        let codec = crm_cli::csv::Codec::new(def, crm_cli::csv::Header::ApiNames).unwrap();
        let sent = codec.read(csv.as_bytes()).unwrap().remove(0);
        let records = sb.records(object).await;
        assert_eq!(records.len(), 1, "{object}");
        for (field, value) in &sent {
            let f = def.field(field).unwrap();
            assert!(
                crm_schema::row::same_value(f, Some(value), records[0].get(field)),
                "{object}.{field}: sent {value}, stored {:?}",
                records[0].get(field)
            );
        }
    }
}

#[tokio::test]
async fn the_servers_422_rules_are_the_rows_problems() {
    // A server whose dictionary is stricter than the snapshot: phone numbers of 5 characters.
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(dictionaries()).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), dir.path().join(entry.file_name())).unwrap();
    }
    let accounts = dir.path().join("accounts.json");
    let text = std::fs::read_to_string(&accounts).unwrap();
    let stricter = text.replace(
        "\"name\": \"phone\",\n      \"label\": \"Phone\",\n      \"type\": \"phone\",\n      \"max_length\": 50",
        "\"name\": \"phone\",\n      \"label\": \"Phone\",\n      \"type\": \"phone\",\n      \"max_length\": 5",
    );
    assert_ne!(text, stricter, "the phone field's entry changed shape");
    std::fs::write(&accounts, stricter).unwrap();
    let sb =
        Sandbox::start_with(crm_sandbox::Config::new(TOKEN).with_dictionaries(dir.path())).await;
    let input = sb.write(
        "rows.ndjson",
        &ndjson(&[
            json!({"name": "Long phone", "phone": "0301234567"}),
            json!({"name": "Ok"}),
        ]),
    );
    let rejects = sb.path("rejects.ndjson");
    let out = sb
        .import(&[
            "accounts",
            "--input",
            input.to_str().unwrap(),
            "--rejects",
            rejects.to_str().unwrap(),
        ])
        .await;
    assert_eq!(
        stderr(&out),
        "line 1: phone: the server refused it: Max (5)\n\
         crm: accounts import: 1 created, 0 updated, 0 unchanged, 1 rejected\n"
    );
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        "{\"name\":\"Long phone\",\"phone\":\"0301234567\"}\n"
    );
}

#[tokio::test]
async fn rows_from_stdin_and_their_rejects() {
    let sb = Sandbox::start(Faults::default()).await;
    let rejects = sb.path("rejects.ndjson");
    let mut cmd = sb.command(&["accounts", "--rejects", rejects.to_str().unwrap()]);
    let text = "{\"name\":\"From stdin\"}\n\n{\"name\":\"Bad\",\"leadscore\":\"x\"}\n";
    let out = tokio::task::spawn_blocking(move || {
        use std::io::Write as _;
        let mut child = cmd
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        stderr(&out),
        "line 3: leadscore: must be a whole number, got \"x\"\n\
         crm: accounts import: 1 created, 0 updated, 0 unchanged, 1 rejected\n"
    );
    assert_eq!(
        std::fs::read_to_string(&rejects).unwrap(),
        "{\"name\":\"Bad\",\"leadscore\":\"x\"}\n"
    );
}

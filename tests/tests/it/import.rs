//! The import engine as a library: typed rows from the generated builders, upserts, dry runs,
//! and creates whose answer is lost, against the sandbox.

use crm_runtime::import::{Outcome, Row};
use crm_runtime::{Client, Id};
use crm_tests::crm::account::{Account, AccountType};
use futures::TryStreamExt;

use crate::client::start;

fn accounts() -> crm_schema::ObjectDef {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../dictionaries");
    let dict = crm_schema::load(&dir).expect("snapshot");
    dict.object("accounts").expect("accounts").clone()
}

fn typed_rows(names: &[&str], leadscore: i64) -> Vec<Row> {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let new = Account::builder()
                .name(*name)
                .type_(AccountType::Client)
                .leadscore(leadscore)
                .ownerid(Id::new(1))
                .build();
            Row::from_serialize(i as u64 + 1, &new).expect("row")
        })
        .collect()
}

async fn names(client: &Client) -> Vec<String> {
    let all: Vec<Account> = client
        .list::<Account>()
        .items()
        .try_collect()
        .await
        .expect("list");
    let mut names: Vec<String> = all.into_iter().filter_map(|a| a.name).collect();
    names.sort();
    names
}

#[tokio::test]
async fn typed_rows_are_planned_then_upserted() {
    let (_sandbox, client) = start(0).await;
    let object = accounts();
    let rows = typed_rows(&["Lib A", "Lib B"], 3);

    let plan = client
        .import(&object)
        .match_on("name")
        .dry_run(true)
        .run(rows.clone())
        .await
        .expect("dry run");
    let planned: Vec<&Outcome> = plan.rows.iter().map(|r| &r.outcome).collect();
    assert_eq!(planned, [&Outcome::WouldCreate, &Outcome::WouldCreate]);
    assert!(names(&client).await.is_empty());

    let report = client
        .import(&object)
        .match_on("name")
        .run(rows)
        .await
        .expect("import");
    assert_eq!(
        report.summary.to_string(),
        "2 created, 0 updated, 0 unchanged, 0 rejected"
    );
    assert_eq!(names(&client).await, ["Lib A", "Lib B"]);

    let again = client
        .import(&object)
        .match_on("name")
        .run(typed_rows(&["Lib A", "Lib B"], 9))
        .await
        .expect("import");
    let fields: Vec<Outcome> = again.rows.iter().map(|r| r.outcome.clone()).collect();
    assert!(
        fields
            .iter()
            .all(|o| matches!(o, Outcome::Updated { fields, .. } if fields == &["leadscore"])),
        "{fields:?}"
    );
}

#[tokio::test]
async fn a_lost_create_without_a_match_field_is_unknown_and_never_sent_again() {
    let (sandbox, client) = start(0).await;
    set_drop_before_answer(&sandbox, 1.0).await;
    let dir = tempfile::tempdir().expect("temp dir");
    let journal = dir.path().join("lost.journal");
    let run = || {
        client
            .import(&accounts())
            .journal(&journal)
            .run(typed_rows(&["Lost"], 1))
    };
    let report = run().await.expect("import");
    assert_eq!(report.rows[0].outcome, Outcome::Unknown);
    assert_eq!(
        report.summary.to_string(),
        "0 created, 0 updated, 0 unchanged, 0 rejected, 1 unknown (created or not: check by hand)"
    );
    let posts = || sandbox.state.calls().routes.get("POST /accounts").copied();
    assert_eq!(
        posts(),
        Some(1),
        "a POST that may have acted is not repeated"
    );
    let rerun = run().await.expect("rerun");
    assert_eq!(rerun.rows[0].outcome, Outcome::Unknown);
    assert!(rerun.rows[0].from_journal);
    assert_eq!(posts(), Some(1));
    set_drop_before_answer(&sandbox, 0.0).await;
    // The server did act: exactly the one record exists.
    assert_eq!(names(&client).await, ["Lost"]);
}

async fn set_drop_before_answer(sandbox: &crm_sandbox::Running, rate: f64) {
    let faults = crm_sandbox::Faults {
        drop_before_answer_rate: rate,
        ..crm_sandbox::Faults::default()
    };
    let status = reqwest::Client::new()
        .put(format!("{}/__sandbox/faults", sandbox.base_url))
        .bearer_auth(sandbox.token.as_str())
        .json(&faults)
        .send()
        .await
        .expect("admin")
        .status();
    assert!(status.is_success(), "{status}");
}

//! The generated API and the runtime client together, against the sandbox: every seeded record
//! of every object decodes strictly into its generated type, and typed create, read, update,
//! delete, filters, order, lookups and opportunity lines work end to end.

use std::collections::BTreeSet;
use std::fmt::Debug;

use crm_runtime::{Client, Record};
use crm_tests::crm;
use futures::TryStreamExt;

const TOKEN: &str = "e2e-token";

/// A sandbox with `records` seeded records per object, and a client of it.
pub(crate) async fn start(records: u32) -> (crm_sandbox::Running, Client) {
    let sandbox = crm_sandbox::spawn(crm_sandbox::Config::new(TOKEN).with_records(records))
        .await
        .expect("sandbox");
    let client = Client::builder()
        .base_url(&sandbox.base_url)
        .token(TOKEN)
        .build()
        .expect("client");
    (sandbox, client)
}

/// Lists every record of `R` (strict decoding), counts them, and reads the first by id.
async fn read_all<R: Record + Debug>(client: &Client) -> usize {
    let object = <R::Object as crm_runtime::Object>::API_NAME;
    let all: Vec<R> = client
        .list::<R>()
        .items()
        .try_collect()
        .await
        .unwrap_or_else(|e| panic!("{object}: {e}"));
    let ids: BTreeSet<_> = all.iter().map(Record::id).collect();
    assert_eq!(ids.len(), all.len(), "{object}: repeated records");
    assert_eq!(
        client.list::<R>().count().await.expect("count"),
        all.len() as u64,
        "{object}"
    );
    let first = all
        .first()
        .unwrap_or_else(|| panic!("{object}: nothing seeded"));
    let again: R = client
        .get_as(first.id())
        .await
        .unwrap_or_else(|e| panic!("{object}: {e}"));
    assert_eq!(again.id(), first.id());
    all.len()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_seeded_record_of_every_object_decodes_into_its_generated_type() {
    let (sandbox, client) = start(150).await;
    let counts = [
        read_all::<crm::account::Account>(&client).await,
        read_all::<crm::activity::Activity>(&client).await,
        read_all::<crm::contact::Contact>(&client).await,
        read_all::<crm::campaign::Campaign>(&client).await,
        read_all::<crm::campaign_detail::CampaignDetail>(&client).await,
        read_all::<crm::campaign_stage::CampaignStage>(&client).await,
        read_all::<crm::case::Case>(&client).await,
        read_all::<crm::document::Document>(&client).await,
        read_all::<crm::opportunity::Opportunity>(&client).await,
        read_all::<crm::opportunity_history::OpportunityHistory>(&client).await,
        read_all::<crm::opportunity_line::OpportunityLine>(&client).await,
    ];
    assert!(counts.iter().all(|n| *n >= 150), "{counts:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_create_read_update_delete_filter_and_lookups() {
    use crm::account::{self, Account, AccountType};
    let (sandbox, client) = start(20).await;
    let new = Account::builder()
        .name("Typed Tour Ltd")
        .type_(AccountType::Client)
        .build();
    // No annotation: the body says which record type comes back.
    let created = client.create(&new).await.expect("create");
    assert_eq!(created.name.as_deref(), Some("Typed Tour Ltd"));
    assert_eq!(created.type_, Some(AccountType::Client));

    let found: Vec<Account> = client
        .list::<Account>()
        .filter(account::fields::NAME.starts_with("typed tour"))
        .order_by(account::fields::ID.desc())
        .items()
        .try_collect()
        .await
        .expect("filter");
    assert_eq!(
        found.iter().map(|a| a.id).collect::<Vec<_>>(),
        vec![created.id]
    );

    let patched = client
        .update(created.id, &Account::patch().phone("0118 000"))
        .await
        .expect("update");
    assert_eq!(patched.phone.as_deref(), Some("0118 000"));
    assert_eq!(patched.name.as_deref(), Some("Typed Tour Ltd"));

    client.delete(created.id).await.expect("delete");
    let err = client.get(created.id).await.expect_err("deleted");
    assert!(err.is_not_found(), "{err}");

    let types = client
        .lookup::<account::lookups::Type>()
        .await
        .expect("lookup");
    assert!(types.contains(&AccountType::Client), "{types:?}");
    sandbox.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn opportunities_with_their_typed_lines() {
    use crm::opportunity::Opportunity;
    let (sandbox, client) = start(15).await;
    let opps: Vec<Opportunity> = client
        .list::<Opportunity>()
        .with_lines()
        .items()
        .try_collect()
        .await
        .expect("lines");
    let with = opps
        .iter()
        .find(|o| o.lines.as_ref().is_some_and(|l| !l.is_empty()))
        .expect("some lines");
    for line in with.lines.as_ref().expect("lines") {
        assert_eq!(line.opportunityid, Some(with.id));
    }
    let one = client.get_with_lines(with.id).await.expect("get");
    assert_eq!(
        one.lines.as_ref().map(Vec::len),
        with.lines.as_ref().map(Vec::len)
    );
    sandbox.shutdown().await;
}

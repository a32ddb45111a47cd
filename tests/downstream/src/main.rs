//! Correct use of the generated API from a crate outside the workspace, over a snapshot that
//! `crm refresh-schema` wrote from a tenant this workspace never saw. Run against the sandbox by
//! the downstream test; every line it prints is checked there.
#![deny(warnings, missing_docs)]

crm_runtime::schema!("dictionaries");

use account::{Account, AccountNiveau, fields as a};
use contact::Contact;
use crm_runtime::{Date, Decimal, Id};
use futures::TryStreamExt;
use policy::Policy;

#[tokio::main]
async fn main() -> Result<(), crm_runtime::Error> {
    let client = crm_runtime::Client::from_env()?;

    let new = Account::builder()
        .name("Downstream Ltd")
        .region_area("North/East")
        .f_3rdpartyref("X-1")
        .niveau(AccountNiveau::TresBas)
        .turnover(1000)
        .build();
    let acme: Account = client.create(&new).await?;
    println!("created account {:?}", acme.name);
    println!("niveau {}", acme.niveau.as_ref().map(|n| n.as_str()).unwrap_or("-"));
    println!("turnover {:?}", acme.turnover.as_ref().map(Decimal::as_str));

    // Money keeps every digit, through the server and back.
    let exact = Decimal::new(9_876_543_210_987_654, 2);
    let rich: Account = client
        .update(acme.id, &Account::patch().turnover(exact.clone()))
        .await?;
    println!("turnover {:?} exact {}", rich.turnover.as_ref().map(Decimal::as_str), rich.turnover == Some(exact));

    // A tenant's zero date decodes as none, and typed filters agree with decoding.
    let raw = client
        .object("accounts")
        .create(&serde_json::json!({"name": "Zero Date Ltd", "inceptiondate": "0000-00-00"}))
        .await?;
    let zero: Account = client.get(Id::new(raw.id().unwrap_or_default())).await?;
    println!("zero date decodes as {:?}", zero.inceptiondate);
    let cutoff = Date::from_ymd(2018, 1, 1).unwrap_or_else(|| unreachable!("a valid date"));
    let before: Vec<Account> =
        client.list::<Account>().filter(a::INCEPTIONDATE.lt(cutoff)).items().try_collect().await?;
    println!("lt matches it {}", before.iter().any(|x| x.id == zero.id));
    let empty: Vec<Account> =
        client.list::<Account>().filter(a::INCEPTIONDATE.is_empty()).items().try_collect().await?;
    println!("is_empty matches it {}", empty.iter().any(|x| x.id == zero.id));
    client.delete(zero.id).await?;

    let contact = Contact::builder().accountid(acme.id).last("Smith").build();
    let smith: Contact = client.create(&contact).await?;
    println!("created contact {:?} at account {}", smith.last, smith.accountid == Some(acme.id));

    let policy = Policy::builder()
        .accountid(acme.id)
        .policynumber("P-42")
        .f_24hcover(true)
        .build();
    let p: Policy = client.create(&policy).await?;
    println!("created policy {:?} cover {:?}", p.policynumber, p.f_24hcover);

    let found: Vec<Account> = client
        .list::<Account>()
        .filter(a::REGION_AREA.eq("North/East").and(a::NIVEAU.eq(AccountNiveau::TresBas)))
        .items()
        .try_collect()
        .await?;
    println!("found {}", found.iter().filter(|x| x.id == acme.id).count());

    client.delete(p.id).await?;
    client.delete(smith.id).await?;
    client.delete(acme.id).await?;
    println!("done");
    Ok(())
}

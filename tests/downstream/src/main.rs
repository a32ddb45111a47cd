//! Correct use of the generated API from a crate outside the workspace, over a snapshot that
//! `crm refresh-schema` wrote from a tenant this workspace never saw. Run against the sandbox by
//! the downstream test; every line it prints is checked there.
#![deny(warnings, missing_docs)]

crm_runtime::schema!("dictionaries");

use account::{Account, AccountNiveau, fields as a};
use contact::Contact;
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
        .build();
    let acme: Account = client.create(&new).await?;
    println!("created account {:?}", acme.name);
    println!("niveau {}", acme.niveau.as_ref().map(|n| n.as_str()).unwrap_or("-"));

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

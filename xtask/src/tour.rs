//! `cargo xtask tour`: the whole flow on a fresh machine, no tenant and no token needed. Starts
//! the sandbox, refreshes a snapshot from it and shows the drift report, then runs a typed tour
//! (create with a builder, a filtered and ordered stream, a patch, a lookup, a delete) and prints
//! what happened.

use std::path::Path;

use crm_cli::refresh::{self, Options};
use crm_runtime::{Client, Error};
use futures::{StreamExt, TryStreamExt};

/// The typed API generated from the committed snapshot, as a user's crate would have it.
#[allow(
    dead_code,
    reason = "the tour uses a handful of the generated items, not all of them"
)]
mod crm {
    crm_runtime::schema!("../dictionaries");
}

use crm::account::{self, Account, AccountSector, AccountType, fields as a};

const TOKEN: &str = "tour-token";

/// Runs the tour, printing a transcript on stdout.
pub(crate) async fn run(dictionaries: &Path) -> Result<(), String> {
    println!("1. Start the sandbox (the API emulator, SQLite in memory, seeded data)");
    let config = crm_sandbox::Config::new(TOKEN)
        .with_dictionaries(dictionaries)
        .with_records(40)
        .with_seed(7);
    let sandbox = crm_sandbox::spawn(config)
        .await
        .map_err(|e| format!("the sandbox did not start: {e}"))?;
    println!("   listening on {}\n", sandbox.base_url);
    let client = Client::builder()
        .base_url(&sandbox.base_url)
        .token(TOKEN)
        .build()
        .map_err(|e| e.to_string())?;

    let work =
        tempfile::tempdir().map_err(|e| format!("cannot make a temporary directory: {e}"))?;
    let fresh = work.path().join("dictionaries");
    let mut options = Options {
        objects: crm_schema::STANDARD_OBJECTS
            .iter()
            .map(|s| (*s).to_owned())
            .collect(),
        out: fresh.clone(),
        check: false,
        concurrency: 4,
        source: crm_schema::Source::for_base_url(&sandbox.base_url),
        progress: true,
    };
    println!("2. Refresh a snapshot from it into {}", fresh.display());
    let report = refresh::refresh(&client, &options)
        .await
        .map_err(|e| e.to_string())?;
    println!(
        "   {} object(s) fetched, {} file(s) written\n",
        report.fetched,
        report.written.len()
    );

    println!(
        "3. Check the committed dictionaries/ against it (what `refresh-schema --check` prints)"
    );
    options.out = dictionaries.to_owned();
    options.check = true;
    let report = refresh::refresh(&client, &options)
        .await
        .map_err(|e| e.to_string())?;
    for line in report.to_string().lines() {
        println!("   {line}");
    }
    println!();

    typed_tour(&client)
        .await
        .map_err(|e| format!("the typed tour failed: {e}"))?;
    sandbox.shutdown().await;
    println!("\nDone. The same code runs against a tenant with CRM_BASE_URL and CRM_TOKEN set.");
    Ok(())
}

/// Why the typed tour stopped: a call failed, or the sandbox answered something other than
/// what the step shows (the tour is also the end-to-end test, so it must be able to fail).
enum TourError {
    Api(Error),
    Unexpected(String),
}

impl From<Error> for TourError {
    fn from(e: Error) -> Self {
        TourError::Api(e)
    }
}

impl std::fmt::Display for TourError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            TourError::Api(e) => e.fmt(f),
            TourError::Unexpected(what) => f.write_str(what),
        }
    }
}

/// Fails the tour with `what` unless `holds`.
fn expect(holds: bool, what: impl FnOnce() -> String) -> Result<(), TourError> {
    if holds {
        Ok(())
    } else {
        Err(TourError::Unexpected(what()))
    }
}

async fn typed_tour(client: &Client) -> Result<(), TourError> {
    println!(
        "4. Create an account with the typed builder (name is mandatory: leaving it out does not compile)"
    );
    let new = Account::builder()
        .name("Tour Ltd")
        .type_(AccountType::Customer)
        .sector(AccountSector::Technology)
        .leadscore(87)
        .addresscounty_state("Kent")
        .build();
    let created = client.create(&new).await?;
    expect(created.name.as_deref() == Some("Tour Ltd"), || {
        format!(
            "the created account is named {:?}, not \"Tour Ltd\"",
            created.name
        )
    })?;
    println!(
        "   POST /accounts -> id {}, name {:?}, created {}\n",
        created.id,
        created.name.as_deref().unwrap_or(""),
        created
            .createddate
            .map(|d| d.to_string())
            .unwrap_or_default()
    );

    println!(
        "5. Stream accounts with a typed filter and order (leadscore >= 50, by leadscore desc then name)"
    );
    let query = client
        .list::<Account>()
        .filter(a::LEADSCORE.gte(50))
        .order_by(a::LEADSCORE.desc().then(a::NAME.asc()));
    let total = query.count().await?;
    let first: Vec<Account> = query.items().take(5).try_collect().await?;
    println!("   {total} match; the first {}:", first.len());
    let scores: Vec<Option<i64>> = first.iter().map(|acc| acc.leadscore).collect();
    expect(
        !first.is_empty()
            && scores.iter().all(|s| s.is_some_and(|s| s >= 50))
            && scores.windows(2).all(|w| w[0] >= w[1]),
        || format!("the stream is not leadscore >= 50 by leadscore desc: {scores:?}"),
    )?;
    for acc in &first {
        println!(
            "   - {:>4}  {:<32} leadscore {}",
            acc.id,
            acc.name.as_deref().unwrap_or(""),
            acc.leadscore.map(|s| s.to_string()).unwrap_or_default()
        );
    }
    println!();

    println!("6. Patch it: set the phone, clear the sector (only touched fields are sent)");
    let patch = Account::patch().phone("+44 1234 567890").clear_sector();
    let updated = client.update(created.id, &patch).await?;
    expect(
        updated.phone.as_deref() == Some("+44 1234 567890") && updated.sector.is_none(),
        || {
            format!(
                "the patch did not take: phone {:?}, sector {:?}",
                updated.phone, updated.sector
            )
        },
    )?;
    println!(
        "   PATCH /accounts/{} -> phone {:?}, sector {:?}\n",
        updated.id,
        updated.phone.as_deref().unwrap_or(""),
        updated.sector.as_ref().map(|s| s.to_string())
    );

    println!(
        "7. Read a dropdown as its typed enum (values the snapshot does not know arrive as Other)"
    );
    let types = client.lookup::<account::lookups::Type>().await?;
    let shown: Vec<String> = types.iter().map(|t| format!("{t:?}")).collect();
    expect(types.contains(&AccountType::Customer), || {
        format!("the account types lack Customer: {shown:?}")
    })?;
    println!("   GET /lookup/accounts/type -> {}\n", shown.join(", "));

    println!("8. Delete it, then read it again");
    client.delete(created.id).await?;
    println!("   DELETE /accounts/{} -> done", created.id);
    match client.get::<Account>(created.id).await {
        Err(e) if e.is_not_found() => println!(
            "   GET /accounts/{} -> not found, as expected: {e}",
            created.id
        ),
        Err(e) => return Err(e.into()),
        Ok(_) => {
            return Err(TourError::Unexpected(format!(
                "GET /accounts/{} after its DELETE still found the record",
                created.id
            )));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    /// The README's first command must keep working: every step talks to a real sandbox.
    #[tokio::test]
    async fn the_tour_runs_end_to_end() {
        let dictionaries = crate::workspace_root().join("dictionaries");
        if let Err(message) = super::run(&dictionaries).await {
            panic!("{message}");
        }
    }
}

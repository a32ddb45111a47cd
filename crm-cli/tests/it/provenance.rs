//! What a refresh records about where a snapshot came from: `sandbox` only when the server says
//! so, and no claim to keep a file that does not exist.

use std::path::PathBuf;

use crm_cli::refresh::{Options, Tenant, refresh};
use crm_sandbox::Config;
use crm_schema::Source;

const TOKEN: &str = "provenance-test-token";

fn committed() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../dictionaries")
}

fn options(out: PathBuf, base_url: &str) -> Options {
    Options {
        objects: crm_schema::STANDARD_OBJECTS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        out,
        check: false,
        concurrency: 2,
        source: Source::for_base_url(base_url),
        progress: false,
    }
}

fn client(base_url: &str) -> crm_runtime::Client {
    crm_runtime::Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .build()
        .unwrap()
}

/// The sandbox's answers, from a server that does not say it is the sandbox: a tenant behind a
/// tunnel on localhost, as far as the refresh can tell.
struct Unmarked(crm_runtime::Client);

impl Tenant for Unmarked {
    async fn probe(&self) -> Result<(), crm_cli::refresh::FetchError> {
        Tenant::probe(&self.0).await
    }
    async fn dictionary(&self, object: &str) -> Result<Vec<u8>, crm_cli::refresh::FetchError> {
        Tenant::dictionary(&self.0, object).await
    }
    async fn lookup(
        &self,
        object: &str,
        field: &str,
    ) -> Result<Vec<u8>, crm_cli::refresh::FetchError> {
        Tenant::lookup(&self.0, object, field).await
    }
}

#[tokio::test]
async fn the_sandbox_is_recorded_as_such_and_a_localhost_tenant_as_a_tenant() {
    let sb = crm_sandbox::spawn(Config::new(TOKEN).with_records(0))
        .await
        .unwrap();
    assert!(
        sb.base_url.starts_with("http://127.0.0.1:"),
        "{}",
        sb.base_url
    );
    let tmp = tempfile::tempdir().unwrap();

    let marked = tmp.path().join("marked");
    refresh(
        &client(&sb.base_url),
        &options(marked.clone(), &sb.base_url),
    )
    .await
    .unwrap();
    let dict = crm_schema::load(&marked).unwrap();
    assert_eq!(
        dict.object("accounts").unwrap().provenance.source,
        Source::Sandbox {
            base_url: sb.base_url.clone()
        }
    );
    assert!(
        marked.join("index.json").is_file(),
        "the refresh writes the index"
    );
    assert!(crm_schema::check::check_dir(&marked, false).is_ok());

    let unmarked = tmp.path().join("unmarked");
    let tenant = Unmarked(client(&sb.base_url));
    refresh(&tenant, &options(unmarked.clone(), &sb.base_url))
        .await
        .unwrap();
    let dict = crm_schema::load(&unmarked).unwrap();
    assert_eq!(
        dict.object("accounts").unwrap().provenance.source,
        Source::Tenant {
            base_url: sb.base_url.clone()
        }
    );
}

#[tokio::test]
async fn a_first_refresh_that_skips_an_object_does_not_claim_to_keep_its_file() {
    let config = Config::new(TOKEN)
        .with_dictionaries(committed())
        .with_records(0)
        .with_gated_objects(["cases"]);
    let sb = crm_sandbox::spawn(config).await.unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dictionaries");
    let report = refresh(&client(&sb.base_url), &options(out.clone(), &sb.base_url))
        .await
        .unwrap();
    assert_eq!(
        report.to_string().lines().next().unwrap(),
        "warning: skipped `cases`: the tenant answered 403 for `cases`: it needs the Service & Support tool on a Professional or Enterprise plan; the snapshot has no file for it, so it stays without one"
    );
    assert!(!out.join("cases.json").exists());
    assert_eq!(
        crm_schema::load::read_index(&out).unwrap(),
        Some(
            crm_schema::STANDARD_OBJECTS
                .iter()
                .filter(|o| **o != "cases")
                .map(|o| o.to_string())
                .collect::<std::collections::BTreeSet<_>>()
                .into_iter()
                .collect()
        )
    );
}

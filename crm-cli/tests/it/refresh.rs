//! `refresh-schema` end to end: the runtime client against the sandbox, with a small proxy in
//! front of it for answers the sandbox never gives (HTML error pages, plan-gated objects).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::response::Response;
use crm_cli::refresh::{Options, RefreshError, Report, refresh, refresh_with_hook, swap::Stage};
use crm_sandbox::{Config, DictionaryShape};
use crm_schema::Source;

const TOKEN: &str = "refresh-test-token";

fn committed() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../dictionaries")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap().flatten() {
        if entry.file_type().unwrap().is_file() {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}

/// A temporary copy of the committed snapshot, as a user's `dictionaries/` would be.
fn committed_copy() -> (tempfile::TempDir, PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dictionaries");
    copy_dir(&committed(), &out);
    (tmp, out)
}

fn options(out: &Path, check: bool) -> Options {
    Options {
        objects: crm_schema::STANDARD_OBJECTS
            .iter()
            .map(|s| s.to_string())
            .collect(),
        out: out.to_owned(),
        check,
        concurrency: 4,
        source: Source::Sandbox {
            base_url: "http://sandbox".into(),
        },
        progress: false,
    }
}

fn client(base_url: &str, token: &str) -> crm_runtime::Client {
    crm_runtime::Client::builder()
        .base_url(base_url)
        .token(token)
        .build()
        .unwrap()
}

async fn sandbox(dictionaries: &Path, shape: DictionaryShape) -> crm_sandbox::Running {
    let config = Config::new(TOKEN)
        .with_dictionaries(dictionaries)
        .with_records(0)
        .with_dictionary_shape(shape);
    crm_sandbox::spawn(config).await.unwrap()
}

/// Every object's content (everything but provenance) as fetched equals the committed file.
fn assert_same_content(a: &Path, b: &Path) {
    let a = crm_schema::load(a).unwrap();
    let b = crm_schema::load(b).unwrap();
    assert_eq!(
        a.objects.keys().collect::<Vec<_>>(),
        b.objects.keys().collect::<Vec<_>>()
    );
    for (name, object) in &a.objects {
        let other = &b.objects[name];
        assert_eq!(
            crm_schema::canonical::content_hash(object),
            crm_schema::canonical::content_hash(other),
            "`{name}` differs after a round trip through the wire:\n{}\n{}",
            crm_schema::canonical::to_canonical_string(object),
            crm_schema::canonical::to_canonical_string(other),
        );
    }
}

#[tokio::test]
async fn a_round_trip_through_the_wire_loses_nothing() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dictionaries");
    let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, false))
        .await
        .unwrap();
    assert_eq!((report.fetched, report.written.len()), (11, 11));
    assert_same_content(&out, &committed());
    let accounts = crm_schema::load(&out).unwrap();
    assert_eq!(
        accounts.object("accounts").unwrap().provenance.source,
        Source::Sandbox {
            base_url: "http://sandbox".into()
        }
    );
}

/// Bare shapes (an array, a map) carry no metadata, so the record type comes from the existing
/// snapshot; everything else comes over the wire. A map of name -> type string is the one shape
/// that cannot say what is mandatory or read-only: it must show that as drift, never hide it,
/// and never call it breaking.
#[tokio::test]
async fn every_dictionary_shape_refreshes_an_existing_snapshot_without_drift() {
    for (name, shape) in DictionaryShape::ALL {
        if *shape == DictionaryShape::MapTypes {
            let sb = sandbox(&committed(), *shape).await;
            let (_tmp, out) = committed_copy();
            let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, true))
                .await
                .unwrap();
            assert_eq!(report.exit_code(), 1, "{report}");
            let kinds: std::collections::BTreeSet<String> = report
                .drift
                .changes
                .iter()
                .map(|c| c.kind.to_string())
                .collect();
            assert_eq!(
                kinds.into_iter().collect::<Vec<_>>(),
                ["no longer mandatory", "now writable"]
            );
            continue;
        }
        let sb = sandbox(&committed(), *shape).await;
        let (_tmp, out) = committed_copy();
        let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, true))
            .await
            .unwrap_or_else(|e| panic!("shape `{name}`: {e}"));
        assert_eq!(report.exit_code(), 0, "shape `{name}`: {report}");
        let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, false))
            .await
            .unwrap();
        assert_eq!(report.written, Vec::<String>::new(), "shape `{name}`");
        assert_same_content(&out, &committed());
    }
}

#[tokio::test]
async fn an_unchanged_tenant_reports_no_drift_and_rewrites_nothing() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let (_tmp, out) = committed_copy();
    let before = std::fs::read(out.join("accounts.json")).unwrap();

    let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, true))
        .await
        .unwrap();
    assert_eq!(report.exit_code(), 0);
    assert_eq!(
        report.to_string(),
        "no drift: the snapshot matches the tenant\n11 object(s) fetched, 0 skipped: nothing to change"
    );

    let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, false))
        .await
        .unwrap();
    assert!(report.written.is_empty(), "{:?}", report.written);
    assert_eq!(std::fs::read(out.join("accounts.json")).unwrap(), before);
}

/// Rewrites one object through `edit` in `dir`, first filled with the committed snapshot.
fn edited(dir: &Path, object: &str, edit: impl FnOnce(&mut crm_schema::ObjectDef)) {
    if !dir.join("accounts.json").exists() {
        copy_dir(&committed(), dir);
    }
    let mut def = crm_schema::load_file(&dir.join(format!("{object}.json"))).unwrap();
    edit(&mut def);
    std::fs::write(
        dir.join(format!("{object}.json")),
        crm_schema::canonical::to_canonical_string(&def),
    )
    .unwrap();
}

async fn check_against(tenant_dir: &Path) -> Report {
    let sb = sandbox(tenant_dir, DictionaryShape::Default).await;
    let (_tmp, out) = committed_copy();
    let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, true))
        .await
        .unwrap();
    // --check writes nothing.
    assert_same_content(&out, &committed());
    report
}

#[tokio::test]
async fn additive_drift_exits_1() {
    let tmp = tempfile::tempdir().unwrap();
    edited(tmp.path(), "accounts", |d| {
        let mut f = d.field("notes").unwrap().clone();
        f.api_name = "vatnumber".into();
        f.label = "VAT Number".into();
        f.custom = true;
        d.fields.push(f);
        let values = &mut d
            .fields
            .iter_mut()
            .find(|f| f.api_name == "sector")
            .unwrap()
            .lookup
            .as_mut()
            .unwrap()
            .values;
        let mut v = values[0].clone();
        v.value = "Agriculture".into();
        values.push(v);
    });
    let report = check_against(tmp.path()).await;
    assert_eq!(report.exit_code(), 1, "{report}");
    let text = report.to_string();
    assert!(text.contains("vatnumber"), "{text}");
    assert!(text.contains("Agriculture"), "{text}");
    assert!(
        text.ends_with("additive drift (exit 1); run without --check to update the snapshot"),
        "{text}"
    );
}

#[tokio::test]
async fn removed_retyped_and_newly_mandatory_fields_are_breaking() {
    for (what, edit) in [
        (
            "removed",
            Box::new(|d: &mut crm_schema::ObjectDef| d.fields.retain(|f| f.api_name != "website"))
                as Box<dyn FnOnce(&mut crm_schema::ObjectDef)>,
        ),
        (
            "retyped",
            Box::new(|d: &mut crm_schema::ObjectDef| {
                d.fields
                    .iter_mut()
                    .find(|f| f.api_name == "leadscore")
                    .unwrap()
                    .ty = crm_schema::FieldType::Decimal
            }),
        ),
        (
            "mandatory",
            Box::new(|d: &mut crm_schema::ObjectDef| {
                d.fields
                    .iter_mut()
                    .find(|f| f.api_name == "phone")
                    .unwrap()
                    .required = true
            }),
        ),
    ] {
        let tmp = tempfile::tempdir().unwrap();
        edited(tmp.path(), "accounts", edit);
        let report = check_against(tmp.path()).await;
        assert_eq!(report.exit_code(), 2, "{what}: {report}");
        assert!(
            report.to_string().contains("BREAKING drift (exit 2)"),
            "{what}: {report}"
        );
    }
}

#[tokio::test]
async fn a_bad_token_fails_fast_and_says_how_to_get_one() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let tmp = tempfile::tempdir().unwrap();
    let err = refresh(
        &client(&sb.base_url, "wrong-token"),
        &options(tmp.path(), false),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, RefreshError::BadToken(_)), "{err}");
    let text = err.to_string();
    assert!(text.contains("Settings / Integrations / API V4"), "{text}");
    assert!(!text.contains("wrong-token"), "the token leaked: {text}");
}

/// A proxy in front of the sandbox that answers `override_path` itself (every path under it,
/// when it ends with `/`).
async fn proxy(
    upstream: String,
    override_path: &'static str,
    status: u16,
    body: &'static str,
) -> String {
    let overridden = move |path: &str| match override_path.strip_suffix('/') {
        Some(_) => path.starts_with(override_path),
        None => path == override_path,
    };
    let http = reqwest::Client::new();
    let app = axum::Router::new().fallback(move |State(up): State<Arc<String>>, req: Request| {
        let http = http.clone();
        async move {
            if overridden(req.uri().path()) {
                return Response::builder()
                    .status(status)
                    .body(Body::from(body))
                    .unwrap();
            }
            let url = format!(
                "{}{}",
                up,
                req.uri().path_and_query().map(|p| p.as_str()).unwrap_or("")
            );
            let auth = req.headers().get("authorization").cloned();
            let mut r = http.get(url);
            if let Some(a) = auth {
                r = r.header("authorization", a);
            }
            let resp = r.send().await.unwrap();
            let status = resp.status().as_u16();
            Response::builder()
                .status(status)
                .body(Body::from(resp.bytes().await.unwrap()))
                .unwrap()
        }
    });
    let app = app.with_state(Arc::new(upstream));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_gated_object_is_skipped_with_its_add_on_and_its_snapshot_kept() {
    // The sandbox emulates a plan without the Service & Support tool.
    let config = Config::new(TOKEN)
        .with_dictionaries(committed())
        .with_records(0)
        .with_gated_objects(["cases"]);
    let sb = crm_sandbox::spawn(config).await.unwrap();
    let base = sb.base_url.clone();
    let (_tmp, out) = committed_copy();
    let report = refresh(&client(&base, TOKEN), &options(&out, true))
        .await
        .unwrap();
    assert_eq!(report.exit_code(), 0, "{report}");
    assert_eq!(report.skipped.len(), 1);
    assert_eq!(
        report.to_string().lines().next().unwrap(),
        "warning: skipped `cases`: the tenant answered 403 for `cases`: it needs the Service & Support tool on a Professional or Enterprise plan; keeping the existing snapshot"
    );
    assert!(out.join("cases.json").exists());
}

async fn unrecognised(
    body: &'static str,
    status: u16,
) -> (RefreshError, PathBuf, tempfile::TempDir) {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let base = proxy(
        sb.base_url.clone(),
        "/datadictionary/contacts",
        status,
        body,
    )
    .await;
    let (tmp, out) = committed_copy();
    let err = refresh(&client(&base, TOKEN), &options(&out, false))
        .await
        .unwrap_err();
    assert_same_content(&out, &committed());
    (err, out, tmp)
}

#[tokio::test]
async fn an_html_page_is_reported_saved_and_touches_no_snapshot() {
    let html =
        "<!DOCTYPE html><html><head><title>Login</title></head><body>Please log in</body></html>";
    let (err, out, _tmp) = unrecognised(html, 200).await;
    let text = err.to_string();
    assert!(
        text.starts_with(
            "could not understand the response to GET /datadictionary/contacts for `contacts`: "
        ),
        "{text}"
    );
    assert!(
        text.contains("<!DOCTYPE html>"),
        "shows what was seen: {text}"
    );
    assert!(
        text.ends_with(&format!(
            "the raw response was saved to {} for a bug report",
            out.join(".raw/contacts.json").display()
        )),
        "{text}"
    );
    assert_eq!(
        std::fs::read_to_string(out.join(".raw/contacts.json")).unwrap(),
        html
    );
    assert_eq!(
        std::fs::read_to_string(out.join(".raw/.gitignore")).unwrap(),
        "*\n"
    );
}

#[tokio::test]
async fn a_malformed_response_is_reported_and_touches_no_snapshot() {
    let (err, _out, _tmp) = unrecognised(
        r#"{"fields": [{"name": "id", "type": "int"}, {"nme": 3}]}"#,
        200,
    )
    .await;
    let text = err.to_string();
    assert!(
        text.starts_with("could not understand the response to GET /datadictionary/contacts"),
        "{text}"
    );
}

#[tokio::test]
async fn an_interrupt_while_writing_leaves_the_old_snapshot_intact() {
    let tmp = tempfile::tempdir().unwrap();
    edited(tmp.path(), "accounts", |d| {
        d.fields.retain(|f| f.api_name != "website")
    });
    edited(tmp.path(), "contacts", |d| {
        d.fields.retain(|f| f.api_name != "mobile")
    });
    let sb = sandbox(tmp.path(), DictionaryShape::Default).await;
    let (work, out) = committed_copy();
    let mut writes = 0;
    let err = refresh_with_hook(
        &client(&sb.base_url, TOKEN),
        &options(&out, false),
        &mut |stage| {
            if let Stage::Wrote(_) = stage {
                writes += 1;
            }
            if writes == 1 {
                Err(std::io::Error::other("interrupted"))
            } else {
                Ok(())
            }
        },
    )
    .await
    .unwrap_err();
    assert_eq!(
        err.to_string(),
        "writing the snapshot failed, the previous snapshot is intact: interrupted"
    );
    assert_same_content(&out, &committed());
    let leftovers: Vec<_> = std::fs::read_dir(work.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("dictionaries")]);
}

#[tokio::test]
async fn renames_recorded_in_the_old_snapshot_survive_a_refresh() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dictionaries");
    edited(&out, "accounts", |d| {
        d.fields
            .iter_mut()
            .find(|f| f.api_name == "addresscounty/state")
            .unwrap()
            .rename = Some("county".into());
    });
    let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, false))
        .await
        .unwrap();
    assert_eq!(report.exit_code(), 0);
    let accounts = crm_schema::load_file(&out.join("accounts.json")).unwrap();
    assert_eq!(
        accounts
            .field("addresscounty/state")
            .unwrap()
            .rename
            .as_deref(),
        Some("county")
    );
}

#[tokio::test]
async fn a_name_collision_stops_the_refresh_until_a_rename_resolves_it() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    // The tenant added `Mobile` next to `mobile`: both would be the Rust field `mobile`.
    let body = r#"{"object": "contacts", "fields": [
        {"name": "id", "type": "int"}, {"name": "accountid", "type": "int", "required": 1},
        {"name": "last", "type": "varchar(100)", "required": 1},
        {"name": "mobile", "type": "varchar(50)"}, {"name": "Mobile", "type": "varchar(50)"}]}"#;
    let base = proxy(sb.base_url.clone(), "/datadictionary/contacts", 200, body).await;
    let (_tmp, out) = committed_copy();

    let err = refresh(&client(&base, TOKEN), &options(&out, false))
        .await
        .unwrap_err();
    assert!(matches!(err, RefreshError::Invalid(_)), "{err}");
    let text = err.to_string();
    assert!(
        text.contains("fields `mobile` and `Mobile` of `contacts` all map to the Rust name `mobile`; add \"rename\""),
        "{text}"
    );
    assert_same_content(&out, &committed());

    // The user renames the existing field in the snapshot; the refresh then goes through and the
    // rename is kept.
    edited(&out, "contacts", |d| {
        d.fields
            .iter_mut()
            .find(|f| f.api_name == "mobile")
            .unwrap()
            .rename = Some("mobile_phone".into());
    });
    let report = refresh(&client(&base, TOKEN), &options(&out, false))
        .await
        .unwrap();
    assert_eq!(report.written, vec!["contacts.json".to_owned()]);
    let contacts = crm_schema::load_file(&out.join("contacts.json")).unwrap();
    assert_eq!(contacts.field("mobile").unwrap().ident(), "mobile_phone");
    assert_eq!(contacts.field("Mobile").unwrap().ident(), "mobile");
}

#[tokio::test]
async fn refreshing_one_object_into_an_empty_directory_names_the_missing_reference() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(&tmp.path().join("dictionaries"), false);
    opts.objects = vec!["contacts".into()];
    let err = refresh(&client(&sb.base_url, TOKEN), &opts)
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("refers to object `accounts`, which is not in this snapshot"),
        "{text}"
    );
    assert!(text.contains("by refreshing that object too"), "{text}");
    assert!(!tmp.path().join("dictionaries").exists());
}

#[tokio::test]
async fn an_unreachable_tenant_is_one_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let fast = crm_runtime::Client::builder()
        .base_url(&base)
        .token(TOKEN)
        .retry_policy(crm_runtime::RetryPolicy::none())
        .build()
        .unwrap();
    let err = refresh(&fast, &options(tmp.path(), false))
        .await
        .unwrap_err();
    assert_eq!(err.to_string(), "GET /accounts: could not connect");
}

/// Runs the `crm` binary off the async threads (the sandbox runs on them).
async fn crm(args: &[&str], base_url: &str, token: Option<&str>) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_crm"));
    cmd.args(args)
        .env("CRM_BASE_URL", base_url)
        .env_remove("CRM_TOKEN");
    if let Some(t) = token {
        cmd.env("CRM_TOKEN", t);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).trim_end().to_owned()
}

#[tokio::test]
async fn the_crm_command_exits_0_1_2_and_3() {
    let (tmp, out) = committed_copy();
    let out_arg = out.to_str().unwrap();
    let check = ["refresh-schema", "--check", "--out", out_arg];

    let same = sandbox(&committed(), DictionaryShape::Default).await;
    let o = crm(&check, &same.base_url, Some(TOKEN)).await;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stdout),
        "no drift: the snapshot matches the tenant\n11 object(s) fetched, 0 skipped: nothing to change"
    );

    let grown = tmp.path().join("grown");
    edited(&grown, "cases", |d| {
        let mut f = d.field("subject").unwrap().clone();
        f.api_name = "sla_breached".into();
        f.ty = crm_schema::FieldType::Boolean;
        f.required = false;
        f.max_length = None;
        d.fields.push(f);
    });
    let sb = sandbox(&grown, DictionaryShape::Default).await;
    let o = crm(&check, &sb.base_url, Some(TOKEN)).await;
    assert_eq!(o.status.code(), Some(1), "{}", text(&o.stderr));

    let broken = tmp.path().join("broken");
    edited(&broken, "cases", |d| {
        d.fields.retain(|f| f.api_name != "subject")
    });
    let sb = sandbox(&broken, DictionaryShape::Default).await;
    let o = crm(&check, &sb.base_url, Some(TOKEN)).await;
    assert_eq!(o.status.code(), Some(2), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("cases"), "{}", text(&o.stdout));

    let o = crm(&check, &same.base_url, None).await;
    assert_eq!(o.status.code(), Some(3));
    assert_eq!(
        text(&o.stderr),
        "crm: invalid client configuration: CRM_TOKEN is not set: put your API v4 access token in it (create one in the CRM under Settings / Integrations / API V4)"
    );
    let o = crm(&check, &same.base_url, Some("not-the-token")).await;
    assert_eq!(o.status.code(), Some(3));
    assert!(
        text(&o.stderr).starts_with("crm: the tenant refused the token"),
        "{}",
        text(&o.stderr)
    );
    assert!(!text(&o.stderr).contains("not-the-token"));
    // None of this wrote anything.
    assert_same_content(&out, &committed());
}

#[tokio::test]
async fn a_mistyped_flag_is_an_error_not_drift() {
    let o = crm(
        &["refresh-schema", "--check", "--objets", "accounts"],
        "http://127.0.0.1:9",
        Some(TOKEN),
    )
    .await;
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stderr));
    assert!(
        text(&o.stderr).starts_with("error: unexpected argument '--objets' found"),
        "{}",
        text(&o.stderr)
    );
    let o = crm(&["refresh-schema", "--help"], "http://127.0.0.1:9", None).await;
    assert_eq!(o.status.code(), Some(0));
}

#[tokio::test]
async fn an_object_name_that_is_a_path_is_refused() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let tmp = tempfile::tempdir().unwrap();
    let mut opts = options(&tmp.path().join("dictionaries"), false);
    opts.objects = vec!["accounts".into(), "../escape".into()];
    let err = refresh(&client(&sb.base_url, TOKEN), &opts)
        .await
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "`../escape` is not an object name: use API object names such as `accounts` or `opportunity_lines` (letters, digits and `_`)"
    );
    assert!(std::fs::read_dir(tmp.path()).unwrap().next().is_none());
}

#[tokio::test]
async fn check_against_a_snapshot_that_does_not_load_is_an_error() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let (_tmp, out) = committed_copy();
    std::fs::write(out.join("cases.json"), "{ not json").unwrap();
    let err = refresh(&client(&sb.base_url, TOKEN), &options(&out, true))
        .await
        .unwrap_err();
    let text = err.to_string();
    assert!(
        text.starts_with(
            "the existing snapshot does not load, so there is nothing to check against: "
        ),
        "{text}"
    );
    assert!(text.contains("cases.json"), "{text}");
    // Without --check the refresh replaces the broken file and says what it found.
    let report = refresh(&client(&sb.base_url, TOKEN), &options(&out, false))
        .await
        .unwrap();
    assert!(
        report.warnings[0].contains("does not load, so drift is shown against nothing"),
        "{:?}",
        report.warnings
    );
    assert_same_content(&out, &committed());
}

#[tokio::test]
async fn cut_short_responses_are_retried_by_the_runtime() {
    // 500s are not retried (the request may have done something); cut-short bodies are.
    let faults = crm_sandbox::Faults {
        truncate_rate: 0.3,
        ..Default::default()
    };
    let config = Config::new(TOKEN)
        .with_dictionaries(committed())
        .with_records(0)
        .with_faults(faults);
    let sb = crm_sandbox::spawn(config).await.unwrap();
    let patient = crm_runtime::Client::builder()
        .base_url(&sb.base_url)
        .token(TOKEN)
        .retry_policy(
            crm_runtime::RetryPolicy::default()
                .max_attempts(12)
                .initial_backoff(std::time::Duration::from_millis(1))
                .max_backoff(std::time::Duration::from_millis(5)),
        )
        .build()
        .unwrap();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("dictionaries");
    let report = refresh(&patient, &options(&out, false)).await.unwrap();
    assert_eq!(report.written.len(), 11);
    assert_same_content(&out, &committed());
    let lookups: usize = crm_schema::load(&committed())
        .unwrap()
        .iter()
        .map(|o| o.fields.iter().filter(|f| f.lookup.is_some()).count())
        .sum();
    let clean_run = 1 + 11 + lookups as u64;
    assert!(
        sb.state.calls().total > clean_run,
        "faults were injected, so some calls were repeated"
    );
}

/// A plan or permission that refuses every dictionary, while the records probe passes: an
/// error (exit 3), never "no drift".
#[tokio::test]
async fn every_object_refused_is_an_access_error_not_no_drift() {
    let sb = sandbox(&committed(), DictionaryShape::Default).await;
    let forbidden = r#"{"type": "Forbidden", "code": 403, "message": "Forbidden"}"#;
    let base = proxy(sb.base_url.clone(), "/datadictionary/", 403, forbidden).await;
    let (_tmp, out) = committed_copy();
    let err = refresh(&client(&base, TOKEN), &options(&out, true))
        .await
        .unwrap_err();
    assert!(
        matches!(err, RefreshError::Refused(ref s) if s.len() == 11),
        "{err}"
    );
    assert_eq!(
        err.to_string(),
        "the tenant refused `accounts`, which every plan includes (`accounts` 403, `activities` 403, `contacts` 403, `campaigns` 403, \
         `campaigndetails` 403, `campaignstages` 403, `cases` 403, `documents` 403, `opportunities` 403, \
         `opportunityhistories` 403, `opportunity_lines` 403): the token's API user or the plan does not allow reading them, \
         so nothing was compared and nothing was written. Check the API user's rights in the CRM, or the token"
    );
    let mut gated = options(&out, true);
    gated.objects = vec!["cases".into(), "campaigns".into()];
    let err = refresh(&client(&base, TOKEN), &gated).await.unwrap_err();
    assert!(
        err.to_string().starts_with(
            "the tenant refused every object asked for (`cases` 403, `campaigns` 403): "
        ),
        "{err}"
    );
    let o = crm(
        &["refresh-schema", "--check", "--out", out.to_str().unwrap()],
        &base,
        Some(TOKEN),
    )
    .await;
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    assert!(
        text(&o.stderr).starts_with("crm: the tenant refused `accounts`"),
        "{}",
        text(&o.stderr)
    );
    assert_same_content(&out, &committed());
}

/// The sandbox's plan emulation refusing everything, `accounts` included: the probe already
/// says so, with exit 3.
#[tokio::test]
async fn a_plan_without_any_object_exits_3() {
    let config = Config::new(TOKEN)
        .with_dictionaries(committed())
        .with_records(0)
        .with_gated_objects(crm_schema::STANDARD_OBJECTS.iter().copied());
    let sb = crm_sandbox::spawn(config).await.unwrap();
    let (_tmp, out) = committed_copy();
    let o = crm(
        &["refresh-schema", "--check", "--out", out.to_str().unwrap()],
        &sb.base_url,
        Some(TOKEN),
    )
    .await;
    assert_eq!(o.status.code(), Some(3), "{}", text(&o.stdout));
    assert_eq!(text(&o.stdout), "");
    assert!(
        text(&o.stderr).starts_with("crm: the tenant refused the token (GET /accounts: not authorised (HTTP 403): Forbidden: Your plan does not include this record type (accounts))"),
        "{}",
        text(&o.stderr)
    );
}

/// `{"fields": "hello"}` and friends are refused and saved, never written as a snapshot with
/// every field gone.
#[tokio::test]
async fn a_body_without_a_field_list_is_refused_and_saved() {
    for body in [
        r#"{"fields":"hello"}"#,
        r#"{"data": {"fields": 42}}"#,
        r#"{"status": "ok"}"#,
    ] {
        let (err, out, _tmp) = unrecognised(body, 200).await;
        assert!(
            matches!(err, RefreshError::Unrecognised { .. }),
            "{body}: {err}"
        );
        assert!(
            err.to_string().contains("so no field can be read from it"),
            "{body}: {err}"
        );
        assert_eq!(
            std::fs::read_to_string(out.join(".raw/contacts.json")).unwrap(),
            body
        );
    }
}

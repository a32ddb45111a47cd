//! A user's crate outside this workspace, built the way a user builds it: it depends on
//! crm-runtime by path, its snapshot is written by `refresh-schema` from a tenant this workspace
//! never saw (`tests/downstream/tenant`, served by the sandbox in another dictionary shape), its
//! correct program compiles under `#![deny(warnings)]` and runs against that tenant, and each
//! file of `tests/downstream/misuse/` fails to compile with one error saying what its
//! `// expect:` lines promise.
//!
//! The crate is built in `<target>/downstream` with its own target directory, which is kept
//! between runs so that only the first run pays for the dependencies.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::ui::{copy_dir, target_dir};

const TOKEN: &str = "downstream-token";

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("crm-tests lives inside the workspace")
        .to_owned()
}

/// A fresh copy of the user's crate (sources, manifest, the workspace's lock file, so that
/// `--offline` finds every dependency) with an empty `dictionaries/`.
fn lay_out_crate(project: &Path) {
    let source = workspace().join("tests/downstream");
    for stale in ["src", "examples", "dictionaries"] {
        let _ = std::fs::remove_dir_all(project.join(stale));
    }
    std::fs::create_dir_all(project.join("examples")).expect("creating the crate");
    let manifest = std::fs::read_to_string(source.join("Cargo.toml.template"))
        .expect("reading the manifest template")
        .replace(
            "@RUNTIME@",
            &workspace().join("crm-runtime").display().to_string(),
        );
    std::fs::write(project.join("Cargo.toml"), manifest).expect("writing Cargo.toml");
    std::fs::copy(workspace().join("Cargo.lock"), project.join("Cargo.lock"))
        .expect("copying Cargo.lock");
    copy_dir(&source.join("src"), &project.join("src")).expect("copying src");
    for misuse in misuses() {
        let name = misuse.file_name().expect("a file name");
        std::fs::copy(&misuse, project.join("examples").join(name)).expect("copying a misuse");
    }
}

fn misuses() -> Vec<PathBuf> {
    let dir = workspace().join("tests/downstream/misuse");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("reading the misuse directory")
        .map(|e| e.expect("a directory entry").path())
        .filter(|p| p.extension().is_some_and(|x| x == "rs"))
        .collect();
    files.sort();
    files
}

/// `cargo <args>` in the user's crate, as a user would run it, with only the environment a
/// user's shell has: the outer `cargo test` must not leak its own settings into the build.
fn cargo(project: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()));
    command
        .current_dir(project)
        .args(args)
        .env("CARGO_TARGET_DIR", project.join("target"))
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_MANIFEST_DIR")
        .env_remove("CRM_BASE_URL")
        .env_remove("CRM_TOKEN");
    for (key, value) in env {
        command.env(key, value);
    }
    command.output().expect("running cargo")
}

async fn refresh_snapshot(base_url: &str, out: &Path) {
    let client = crm_runtime::Client::builder()
        .base_url(base_url)
        .token(TOKEN)
        .build()
        .expect("a client");
    let options = crm_cli::refresh::Options {
        objects: ["accounts", "contacts", "policies"]
            .map(String::from)
            .to_vec(),
        out: out.to_owned(),
        check: false,
        concurrency: 4,
        source: crm_schema::Source::for_base_url(base_url),
        progress: false,
    };
    let report = crm_cli::refresh::refresh(&client, &options)
        .await
        .expect("refreshing from the downstream tenant");
    assert!(report.skipped.is_empty(), "skipped: {:?}", report.skipped);
    assert_eq!(report.fetched, 3);
}

/// The rendered errors of one `cargo check --examples --message-format json` run, by example.
fn errors_by_example(output: &Output) -> std::collections::BTreeMap<String, Vec<String>> {
    let mut errors = std::collections::BTreeMap::<String, Vec<String>>::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["reason"] != "compiler-message" || message["message"]["level"] != "error" {
            continue;
        }
        let text = message["message"]["message"].as_str().unwrap_or_default();
        if text.starts_with("aborting due to") {
            continue;
        }
        let example = message["target"]["name"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let rendered = message["message"]["rendered"]
            .as_str()
            .unwrap_or(text)
            .to_owned();
        errors.entry(example).or_default().push(rendered);
    }
    errors
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crate_outside_the_workspace() {
    let project = target_dir().join("downstream");
    lay_out_crate(&project);

    let tenant = workspace().join("tests/downstream/tenant");
    let sandbox = crm_sandbox::spawn(
        crm_sandbox::Config::new(TOKEN)
            .with_dictionaries(&tenant)
            .with_dictionary_shape(crm_sandbox::DictionaryShape::Synonyms),
    )
    .await
    .expect("starting the sandbox");
    refresh_snapshot(&sandbox.base_url, &project.join("dictionaries")).await;

    let base_url = sandbox.base_url.clone();
    let run_dir = project.clone();
    let run = tokio::task::spawn_blocking(move || {
        cargo(
            &run_dir,
            &["run", "--offline", "--quiet", "--bin", "downstream-app"],
            &[("CRM_BASE_URL", base_url.as_str()), ("CRM_TOKEN", TOKEN)],
        )
    })
    .await
    .expect("the cargo run task");
    assert!(
        run.status.success(),
        "the correct program failed:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    expect_test::expect![[r#"
        created account Some("Downstream Ltd")
        niveau Très bas
        turnover Some("1000")
        turnover Some("98765432109876.54") exact true
        zero date decodes as None
        lt matches it false
        is_empty matches it true
        created contact Some("Smith") at account true
        created policy Some("P-42") cover Some(true)
        found 1
        done
    "#]]
    .assert_eq(&String::from_utf8_lossy(&run.stdout));

    let check_dir = project.clone();
    let check = tokio::task::spawn_blocking(move || {
        cargo(
            &check_dir,
            &[
                "check",
                "--offline",
                "--examples",
                "--keep-going",
                "--message-format",
                "json",
            ],
            &[],
        )
    })
    .await
    .expect("the cargo check task");
    let errors = errors_by_example(&check);
    let mut problems = Vec::new();
    for misuse in misuses() {
        let name = misuse
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_owned();
        let source = std::fs::read_to_string(&misuse).expect("reading a misuse");
        let found = errors.get(&name).cloned().unwrap_or_default();
        if found.len() != 1 {
            problems.push(format!(
                "{name}: {} errors, expected one:\n{}",
                found.len(),
                found.join("\n")
            ));
            continue;
        }
        for expected in source.lines().filter_map(|l| l.strip_prefix("// expect: ")) {
            if !found[0].contains(expected) {
                problems.push(format!(
                    "{name}: the error does not say `{expected}`:\n{}",
                    found[0]
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n\n"));
}

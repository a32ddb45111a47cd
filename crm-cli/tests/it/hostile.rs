//! The `crm` command against a server that echoes the token and control characters wherever a
//! body carries text: none of it reaches stdout, stderr (`-vv` logs included) or a file.

use std::path::Path;

#[path = "../../../crm-runtime/tests/it/echo.rs"]
mod echo;

use echo::assert_clean;

const TOKEN: &str = "hostile-cli-token-5e1f0a";

async fn crm(args: &[&str], base_url: &str, dir: &Path) -> std::process::Output {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_crm"));
    cmd.args(args)
        .current_dir(dir)
        .env("CRM_BASE_URL", base_url)
        .env("CRM_TOKEN", TOKEN)
        .env_remove("RUST_LOG");
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn all_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            all_files(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[tokio::test]
async fn no_command_prints_or_logs_the_token_or_control_characters() {
    let base = echo::spawn().await;
    let tmp = tempfile::tempdir().unwrap();
    let runs: &[&[&str]] = &[
        &["-vv", "get", "accounts", "1"],
        &["-vv", "count", "echo503"],
        &["-vv", "export", "echo400"],
        &["-vv", "export", "echohtml"],
        &["-vv", "export", "echojson"],
        &["-vv", "dictionary", "accounts"],
        &["-vv", "dictionary", "contacts"],
        &["-vv", "lookup", "accounts", "type"],
        &["-vv", "lookup", "accounts", "type", "--json"],
    ];
    for args in runs {
        let o = crm(args, &base, tmp.path()).await;
        let what = args.join(" ");
        assert_clean(
            &format!("{what}: stdout"),
            &String::from_utf8_lossy(&o.stdout),
            TOKEN,
        );
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_clean(&format!("{what}: stderr"), &stderr, TOKEN);
        assert!(
            stderr.contains("crm.request"),
            "{what}: -vv logs requests:\n{stderr}"
        );
    }
    let o = crm(&["count", "echo503"], &base, tmp.path()).await;
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "crm: GET /echo503: server error (HTTP 503): Service unavailable: busy Bearer [redacted] [redacted]\\u{1b}[2J\\u{1b}]0;pwned\\u{7}\\r\\r\\nsecond line\n",
        "without -v, stderr is the one error line"
    );
    let o = crm(&["lookup", "accounts", "type"], &base, tmp.path()).await;
    assert_eq!(String::from_utf8_lossy(&o.stdout), "Customer\nPartner\n");
}

#[tokio::test]
async fn rust_log_is_honoured_through_the_same_filter() {
    let base = echo::spawn().await;
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_crm"));
    cmd.args(["count", "echo503"])
        .env("CRM_BASE_URL", &base)
        .env("CRM_TOKEN", TOKEN)
        .env("RUST_LOG", "crm_runtime=warn")
        .current_dir(tmp.path());
    let o = tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(stderr.contains(" WARN "), "{stderr}");
    assert!(stderr.contains("retrying"), "{stderr}");
    assert!(!stderr.contains("crm.attempt"), "only warnings: {stderr}");
    assert_clean("RUST_LOG", &stderr, TOKEN);
}

#[tokio::test]
async fn a_refresh_writes_and_saves_no_token() {
    let base = echo::spawn().await;
    let tmp = tempfile::tempdir().unwrap();
    let refresh = |verbose: &'static str, objects: &'static str| {
        let args = [
            verbose,
            "refresh-schema",
            "--objects",
            objects,
            "--out",
            "dictionaries",
        ];
        let (base, dir) = (base.clone(), tmp.path().to_owned());
        async move {
            let args: Vec<&str> = args.into_iter().filter(|a| !a.is_empty()).collect();
            crm(&args, &base, &dir).await
        }
    };
    let o = refresh("-vv", "accounts").await;
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{stderr}");
    assert_clean("refresh stdout", &String::from_utf8_lossy(&o.stdout), TOKEN);
    assert_clean("refresh stderr", &stderr, TOKEN);
    let accounts = crm_schema::load_file(&tmp.path().join("dictionaries/accounts.json")).unwrap();
    assert_eq!(accounts.field("type").unwrap().label, "Type [redacted]");

    // contacts is not a dictionary: refused, and its body saved with the token masked.
    let o = refresh("", "accounts,contacts").await;
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(3), "{stderr}");
    assert!(
        stderr.contains("so no field can be read from it"),
        "{stderr}"
    );
    assert_clean("refused refresh stderr", &stderr, TOKEN);
    let saved =
        std::fs::read_to_string(tmp.path().join("dictionaries/.raw/contacts.json")).unwrap();
    assert!(
        saved.contains("not a list Bearer [redacted] [redacted]"),
        "{saved}"
    );

    let mut files = Vec::new();
    all_files(tmp.path(), &mut files);
    assert!(files.len() >= 3, "{files:?}");
    for file in files {
        let text = String::from_utf8_lossy(&std::fs::read(&file).unwrap()).into_owned();
        assert!(!text.contains(TOKEN), "{} holds the token", file.display());
        assert!(
            !text.contains(&TOKEN[..12]),
            "{} holds part of the token",
            file.display()
        );
    }
}

//! `cargo xtask sandbox [FLAGS]`: runs the `crm-sandbox` binary with the workspace defaults
//! (workspace `dictionaries/`, in-memory database, port 8080, a fixed development token unless
//! `--token` or `CRM_SANDBOX_TOKEN` is given). Extra flags are passed through unchanged.

use std::process::{Command, ExitCode};

/// The token used when none is given: a local development sandbox has nothing to protect.
const DEV_TOKEN: &str = "sandbox-token";

pub(crate) fn run(args: Vec<String>) -> ExitCode {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = Command::new(cargo);
    cmd.args(["run", "--quiet", "--package", "crm-sandbox", "--"]);
    let has_token = args
        .iter()
        .any(|a| a == "--token" || a.starts_with("--token="))
        || std::env::var_os("CRM_SANDBOX_TOKEN").is_some();
    if !has_token {
        eprintln!(
            "crm-sandbox: using the development token `{DEV_TOKEN}` (pass --token to change it)"
        );
        cmd.args(["--token", DEV_TOKEN]);
    }
    cmd.args(&args);
    match cmd.status() {
        Ok(status) if status.success() => ExitCode::SUCCESS,
        Ok(status) => ExitCode::from(
            status
                .code()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(1),
        ),
        Err(e) => {
            eprintln!("error: cannot run cargo: {e}");
            ExitCode::FAILURE
        }
    }
}

//! The `refresh-schema` command line, shared by `crm refresh-schema` and
//! `cargo xtask refresh-schema`: arguments, client from the environment, report, exit code.

use std::path::{Path, PathBuf};

use crm_schema::Source;

use super::{Options, Report, refresh};

/// Exit code for any error (a refused token, a failed request, an unreadable response, bad
/// arguments): distinct from the drift codes 1 and 2 of `--check`.
pub const EXIT_ERROR: u8 = 3;

/// Parses a command line whose `refresh-schema` subcommand reports every error with
/// [`EXIT_ERROR`]: clap's usual exit code for bad arguments, 2, means "breaking drift" there, and a
/// CI job with a mistyped flag must not read as drift. Help and version still exit 0.
pub fn parse_args<C: clap::Parser>() -> Result<C, std::process::ExitCode> {
    C::try_parse().map_err(|e| {
        let _ = e.print();
        let refresh = std::env::args().any(|a| a == "refresh-schema");
        let code = match e.kind() {
            clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => 0,
            _ if refresh => EXIT_ERROR,
            _ => 2,
        };
        std::process::ExitCode::from(code)
    })
}

/// Arguments of `refresh-schema`. The token comes only from `CRM_TOKEN`: a flag would put it in
/// shell history and process listings.
#[derive(Debug, Clone, clap::Args)]
pub struct RefreshArgs {
    /// Objects to refresh, comma-separated [default: the eleven standard objects]
    #[arg(long, value_delimiter = ',')]
    pub objects: Vec<String>,
    /// Snapshot directory [default: `dictionaries`]
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Compare only, write nothing; exit 0 (no drift), 1 (additive) or 2 (breaking)
    #[arg(long)]
    pub check: bool,
    /// Requests in flight at once
    #[arg(long, default_value_t = 4)]
    pub concurrency: usize,
}

/// Runs `refresh-schema` and prints its outcome: the report on stdout, or the error on stderr
/// after `error_prefix`, both with the token masked and control characters escaped (they quote
/// the tenant's text). Returns the exit code ([`Report::exit_code`] or [`EXIT_ERROR`]).
pub async fn run_and_print(
    base_url: &str,
    args: RefreshArgs,
    default_out: &Path,
    error_prefix: &str,
) -> u8 {
    let client = match crate::client(base_url) {
        Ok(client) => client,
        Err(message) => {
            eprintln!("{error_prefix}{message}");
            return EXIT_ERROR;
        }
    };
    let redactor = client.redactor().await;
    match run_with(&client, base_url, args, default_out).await {
        Ok(report) => {
            println!("{}", redactor.text(&report.to_string()));
            report.exit_code()
        }
        Err(message) => {
            eprintln!("{error_prefix}{}", redactor.text(&message));
            EXIT_ERROR
        }
    }
}

/// Runs `refresh-schema` against `base_url`, with `default_out` when `--out` is not given.
pub async fn run(base_url: &str, args: RefreshArgs, default_out: &Path) -> Result<Report, String> {
    run_with(&crate::client(base_url)?, base_url, args, default_out).await
}

async fn run_with(
    client: &crm_runtime::Client,
    base_url: &str,
    args: RefreshArgs,
    default_out: &Path,
) -> Result<Report, String> {
    let objects = if args.objects.is_empty() {
        crm_schema::STANDARD_OBJECTS
            .iter()
            .map(|s| (*s).to_owned())
            .collect()
    } else {
        args.objects
    };
    let options = Options {
        objects,
        out: args.out.unwrap_or_else(|| default_out.to_owned()),
        check: args.check,
        concurrency: args.concurrency,
        source: Source::for_base_url(base_url),
        progress: true,
    };
    refresh(client, &options).await.map_err(|e| e.to_string())
}

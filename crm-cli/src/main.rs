//! The `crm` command line: export, get, count, dictionary and lookups over the CRM API, for
//! people and shell pipelines. Output goes to stdout; progress and errors to stderr.

mod commands;
mod log;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Read records, counts, the data dictionary and lookups from a Spotler CRM (API v4).
///
/// The token is read from CRM_TOKEN only, so it never shows in shell history or `ps`.
#[derive(Debug, Parser)]
#[command(name = "crm", version, about)]
struct Cli {
    /// The API's base URL.
    #[arg(long, env = "CRM_BASE_URL", default_value = crm_runtime::DEFAULT_BASE_URL, global = true)]
    base_url: String,
    /// Log requests on stderr (-v), with attempts and retries (-vv), or everything (-vvv).
    /// RUST_LOG, when set, chooses instead. The token never appears in the log.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    #[command(flatten)]
    Api(ApiCommand),
    /// Snapshots the data dictionary and lookups into `dictionaries/` for `schema!`.
    ///
    /// Everything is fetched and checked before anything is written, and the snapshot directory
    /// is replaced in one step. A drift report compares the tenant with the old snapshot. Exit
    /// codes: with --check, 0 no drift, 1 additive drift, 2 breaking drift; 3 on any error.
    RefreshSchema(crm_cli::refresh::command::RefreshArgs),
    /// Checks a snapshot directory: every problem at once, with file, line and the fix.
    ///
    /// Each file must load and validate, the objects must agree with each other, every file
    /// must be canonical, and `index.json` must list exactly the object files present. With
    /// --fix, valid files and the index are rewritten first. Exit code 0 when nothing is left
    /// to fix, 1 otherwise.
    Check(crm_cli::check::CheckArgs),
    /// Writes what `schema!` expands to as a Rust file, to read, commit or `include!`.
    ///
    /// The same generator as the macro, pretty-printed, under a header naming the snapshot's
    /// content hashes; `crm check --generated FILE` reports when the snapshot has changed
    /// since. Exit code 0 when written, 1 otherwise.
    Codegen(crm_cli::codegen::CodegenArgs),
    /// Appends the records created or modified since the last run to an NDJSON file.
    ///
    /// The watermark and the checkpoint of a run live in the state file; a run killed at any
    /// moment continues where it stopped when started again, without losing a record or writing
    /// one twice. A one-line summary goes to stderr. Exit code 0 on success, 1 on any error (the
    /// next run continues from the last checkpoint), 2 on bad arguments.
    Sync(crm_cli::sync::SyncArgs),
    /// Imports rows (NDJSON or CSV) into an object: every row checked against the snapshot
    /// first, upserted with --match, exactly once with --journal.
    ///
    /// Exit codes: 0 every row applied (a dry run: no problem), 1 some row rejected or with an
    /// unknown outcome, or journal lines missing from the input (a dry run: some problem), 2 the
    /// import could not run.
    Import(crm_cli::import::ImportArgs),
}

/// What `crm export` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    /// One JSON record per line, exactly as received.
    Ndjson,
    /// A header row, then one row per record; see --labels.
    Csv,
}

/// The commands that read from the API and print what they read.
#[derive(Debug, Subcommand)]
enum ApiCommand {
    /// Writes every record of an object as NDJSON on stdout, exactly as received.
    Export {
        /// API name of the object (`accounts`).
        object: String,
        /// A filter, as the API's `q` JSON (`{"type":"Client"}`).
        #[arg(long)]
        q: Option<String>,
        /// An order, as the API's `order` JSON (`{"name":"asc"}`); default `{"id":"asc"}`.
        #[arg(long)]
        order: Option<String>,
        /// Records per request, 1 to 100.
        #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100))]
        page_size: u32,
        /// Pages fetched at once once the total is known.
        #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=32))]
        prefetch: u32,
        /// Accept an export the server paged inconsistently (repeats, an early end): keep the
        /// records written before the problem, print the counts on stderr and exit 0.
        #[arg(long)]
        allow_partial: bool,
        /// Only records modified at or after this time: `YYYY-MM-DD HH:MM:SS` in the API's
        /// clock, or RFC 3339 (`2026-12-01T13:00:00Z`), converted to UTC.
        #[arg(long)]
        since: Option<String>,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Ndjson)]
        format: Format,
        /// With --format csv: name the columns by the dictionary's labels, not API names.
        #[arg(long)]
        labels: bool,
    },
    /// Prints one record as received.
    Get {
        /// API name of the object.
        object: String,
        /// The record's id.
        id: u64,
    },
    /// Prints the number of records matching a filter.
    Count {
        /// API name of the object.
        object: String,
        /// A filter, as the API's `q` JSON.
        #[arg(long)]
        q: Option<String>,
    },
    /// Prints an object's data dictionary as received.
    Dictionary {
        /// API name of the object.
        object: String,
    },
    /// Prints a dropdown field's values, one per line.
    Lookup {
        /// API name of the object.
        object: String,
        /// API name of the field (`type`).
        field: String,
        /// Print the response as received instead.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = match crm_cli::refresh::command::parse_args::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crm: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    // Errors and logs quote the server, which may echo the token: mask it in both.
    let redactor = match crm_cli::client(&cli.base_url) {
        Ok(client) => runtime.block_on(client.redactor()),
        Err(_) => crm_runtime::Redactor::default(),
    };
    log::init(cli.verbose, redactor.clone());
    let command = match cli.command {
        Command::Api(command) => command,
        Command::Check(args) => return ExitCode::from(crm_cli::check::run_and_print(&args)),
        Command::Import(args) => {
            let run = crm_cli::import::run_and_print(&cli.base_url, args, |t| redactor.text(t));
            return ExitCode::from(runtime.block_on(run));
        }
        Command::Codegen(args) => return ExitCode::from(crm_cli::codegen::run_and_print(&args)),
        Command::Sync(args) => {
            let run = async {
                let client = crm_cli::client(&cli.base_url)?;
                crm_cli::sync::run(&client, &args).await
            };
            return match runtime.block_on(run) {
                Ok(summary) => {
                    eprintln!("crm: {}", summary.line(&args.object));
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("crm: {}", redactor.text(&message));
                    ExitCode::FAILURE
                }
            };
        }
        Command::RefreshSchema(args) => {
            let dictionaries = std::path::Path::new("dictionaries");
            let run = crm_cli::refresh::command::run_and_print(
                &cli.base_url,
                args,
                dictionaries,
                "crm: ",
            );
            return ExitCode::from(runtime.block_on(run));
        }
    };
    match runtime.block_on(commands::run(&cli.base_url, command)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("crm: {}", redactor.text(&message));
            ExitCode::FAILURE
        }
    }
}

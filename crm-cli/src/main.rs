//! The `crm` command line: export, get, count, dictionary and lookups over the CRM API, for
//! people and shell pipelines. Output goes to stdout; progress and errors to stderr.

mod commands;

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
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
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
    let cli = Cli::parse();
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
    match runtime.block_on(commands::run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("crm: {message}");
            ExitCode::FAILURE
        }
    }
}

//! `cargo xtask`: the project's developer workflows, as Rust instead of shell scripts.

mod bench_compile;
mod check;
mod sandbox;
mod tour;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "cargo xtask", about = "Developer workflows for this workspace")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check that every dictionary snapshot loads, validates and is in canonical form.
    Check {
        /// Rewrite non-canonical files in canonical form instead of failing.
        #[arg(long)]
        fix: bool,
        /// The snapshot directory.
        #[arg(long, default_value_os_t = workspace_root().join("dictionaries"))]
        dir: PathBuf,
    },
    /// Snapshot a tenant's data dictionary and lookup lists into `dictionaries/` (token from
    /// CRM_TOKEN); with --check, only report drift (exit 0 none, 1 additive, 2 breaking, 3 error).
    RefreshSchema {
        /// API base URL.
        #[arg(long, env = "CRM_BASE_URL", default_value = crm_runtime::DEFAULT_BASE_URL)]
        base_url: String,
        #[command(flatten)]
        args: crm_cli::refresh::command::RefreshArgs,
    },
    /// Run the local API emulator (crm-sandbox) with the workspace defaults; flags after
    /// `sandbox` go to it (`--listen`, `--records`, `--db`, ...; see crm-sandbox/README.md).
    Sandbox {
        /// Flags for crm-sandbox.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<String>,
    },
    /// The whole flow against the embedded sandbox: start it, refresh a snapshot from it, show
    /// the drift report, then create, list, patch, look up and delete with the typed API.
    Tour,
    /// Measure `cargo check` / `cargo build` of `schema!`-generated code against hand-written
    /// plain serde structs (11 objects x F fields) and record the ratios in BENCHMARKS.md.
    BenchCompile {
        /// Fields per object; one measurement per size.
        #[arg(long, value_delimiter = ',', default_values_t = [40, 300])]
        fields: Vec<usize>,
        /// Alternating rounds per size and mode.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
        /// Print the table only; leave BENCHMARKS.md alone.
        #[arg(long)]
        no_write: bool,
        /// Also count the instructions of one `cargo check` of each crate at these sizes
        /// (some of `--fields`), under valgrind's cachegrind, which must be installed: unlike
        /// time, the count does not move with the machine's load. It runs some 50 times
        /// slower than the compiler, a few minutes at 40 fields.
        #[arg(long, value_delimiter = ',')]
        instructions: Vec<usize>,
    },
}

/// The workspace root, from this crate's manifest directory, so xtask works from any cwd.
fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}

/// Runs one future to completion on a fresh multi-threaded runtime.
fn block_on<F: std::future::Future>(future: F) -> Result<F::Output, String> {
    let runtime = tokio::runtime::Runtime::new()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    Ok(runtime.block_on(future))
}

fn main() -> ExitCode {
    let cli = match crm_cli::refresh::command::parse_args::<Cli>() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    match cli.command {
        Command::Sandbox { args } => sandbox::run(args),
        Command::BenchCompile {
            fields,
            rounds,
            no_write,
            instructions,
        } => {
            let target = std::env::var_os("CARGO_TARGET_DIR")
                .map_or_else(|| workspace_root().join("target"), PathBuf::from);
            let opts = bench_compile::Options {
                sizes: fields,
                rounds: rounds.max(1),
                write: !no_write,
                instructions,
            };
            match bench_compile::run(&workspace_root(), &target, &opts) {
                Ok(table) => {
                    println!("{table}");
                    ExitCode::SUCCESS
                }
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Tour => {
            let dictionaries = workspace_root().join("dictionaries");
            match block_on(tour::run(&dictionaries)).and_then(|r| r) {
                Ok(()) => ExitCode::SUCCESS,
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::RefreshSchema { base_url, args } => {
            use crm_cli::refresh::command::{EXIT_ERROR, run_and_print};
            let out = workspace_root().join("dictionaries");
            match block_on(run_and_print(&base_url, args, &out, "error: ")) {
                Ok(code) => ExitCode::from(code),
                Err(message) => {
                    eprintln!("error: {message}");
                    ExitCode::from(EXIT_ERROR)
                }
            }
        }
        Command::Check { fix, dir } => match check::run(&dir, fix) {
            Ok(report) => {
                println!("{report}");
                ExitCode::SUCCESS
            }
            Err(message) => {
                eprintln!("{message}");
                ExitCode::FAILURE
            }
        },
    }
}

//! The `crm-sandbox` binary: serves the emulator on a socket until Ctrl-C.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use crm_sandbox::{AuthMode, Config, DictionaryShape, Faults, LookupShape, RateLimit};

#[derive(Parser)]
#[command(
    name = "crm-sandbox",
    about = "A stateful local emulator of the Spotler CRM API v4"
)]
struct Args {
    /// Address to listen on; port 0 picks a free port (printed on stdout).
    #[arg(long, default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    /// Bearer token clients must send.
    #[arg(long, env = "CRM_SANDBOX_TOKEN")]
    token: String,
    /// Directory of dictionary snapshots (default: the workspace `dictionaries/`).
    #[arg(long)]
    dictionaries: Option<PathBuf>,
    /// SQLite file to keep data in across restarts (default: in memory).
    #[arg(long)]
    db: Option<PathBuf>,
    /// Records generated per object on a fresh database.
    #[arg(long, default_value_t = 25)]
    records: u32,
    /// Seed of generated data and injected faults.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Answer bad tokens with the documented 402 body instead of the real service's 403.
    #[arg(long)]
    auth_402: bool,
    /// Objects the emulated plan leaves out (comma-separated, e.g. `cases,campaigns`): 403.
    #[arg(long, value_delimiter = ',')]
    gated_objects: Vec<String>,
    /// Shape of data-dictionary responses: default, list, data, record, array, map, map-types, synonyms.
    #[arg(long, default_value = "default")]
    dictionary_shape: DictionaryShape,
    /// Shape of lookup responses: default, strings, objects, items.
    #[arg(long, default_value = "default")]
    lookup_shape: LookupShape,
    /// Rate limit as CALLS/SECONDS, e.g. 10/1: 429 with Retry-After beyond it.
    #[arg(long, value_parser = parse_rate)]
    rate_limit: Option<RateLimit>,
    /// Calls allowed before every call is answered 429 (until reset).
    #[arg(long)]
    daily_quota: Option<u64>,
    /// Probability (0..1) of an injected 500 or 503.
    #[arg(long, default_value_t = 0.0)]
    error_rate: f64,
    /// Latency added to every call, in milliseconds.
    #[arg(long, default_value_t = 0)]
    latency_ms: u64,
    /// Probability (0..1) that a connection is dropped mid-response.
    #[arg(long, default_value_t = 0.0)]
    drop_rate: f64,
    /// Probability (0..1) that a request is carried out and the connection closed unanswered.
    #[arg(long, default_value_t = 0.0)]
    drop_before_answer_rate: f64,
    /// Probability (0..1) that a response body is cut in half.
    #[arg(long, default_value_t = 0.0)]
    truncate_rate: f64,
}

fn parse_rate(s: &str) -> Result<RateLimit, String> {
    let (n, secs) = s
        .split_once('/')
        .ok_or("expected CALLS/SECONDS, e.g. 10/1")?;
    let requests = n
        .trim()
        .parse()
        .map_err(|_| format!("`{n}` is not a number of calls"))?;
    let per_seconds = secs
        .trim()
        .parse()
        .map_err(|_| format!("`{secs}` is not a number of seconds"))?;
    Ok(RateLimit {
        requests,
        per_seconds,
    })
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let args = Args::parse();
    match run(args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crm-sandbox: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(args: Args) -> Result<(), crm_sandbox::Error> {
    let mut config = Config::new(args.token)
        .with_records(args.records)
        .with_seed(args.seed)
        .with_dictionary_shape(args.dictionary_shape)
        .with_lookup_shape(args.lookup_shape)
        .with_faults(Faults {
            rate_limit: args.rate_limit,
            daily_quota: args.daily_quota,
            error_rate: args.error_rate,
            latency_ms: args.latency_ms,
            drop_rate: args.drop_rate,
            drop_before_answer_rate: args.drop_before_answer_rate,
            truncate_rate: args.truncate_rate,
        });
    if args.auth_402 {
        config = config.with_auth_mode(AuthMode::Documented402);
    }
    if !args.gated_objects.is_empty() {
        config = config.with_gated_objects(args.gated_objects);
    }
    if let Some(dir) = args.dictionaries {
        config = config.with_dictionaries(dir);
    }
    if let Some(db) = args.db {
        config = config.with_db(db);
    }
    tracing::info!(dictionaries = %config.dictionaries.display(), db = ?config.db, "starting");
    let state = tokio::task::spawn_blocking(move || crm_sandbox::State::new(config)).await??;
    let listener = tokio::net::TcpListener::bind(args.listen).await?;
    let addr = listener.local_addr()?;
    let router = crm_sandbox::app(state);
    // Registered before the address is printed, so a Ctrl-C sent right after start-up is
    // never missed (`tokio::signal::ctrl_c` only registers when first polled).
    let stop = interrupted()?;
    println!("listening on http://{addr}");
    use std::io::Write as _;
    let _ = std::io::stdout().flush();
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            stop.await;
            tracing::info!("Ctrl-C received, stopping");
        })
        .await?;
    Ok(())
}

#[cfg(unix)]
fn interrupted() -> std::io::Result<impl std::future::Future<Output = ()>> {
    let mut sig = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::interrupt())?;
    Ok(async move {
        sig.recv().await;
    })
}

#[cfg(not(unix))]
fn interrupted() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

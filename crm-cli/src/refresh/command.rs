//! The `refresh-schema` command line, shared by `crm refresh-schema` and
//! `cargo xtask refresh-schema`: arguments, client from the environment, report, exit code.

use std::path::{Path, PathBuf};

use crm_schema::Source;

use super::{Options, refresh};

/// Exit code for any error (a refused token, a failed request, an unreadable response, bad
/// arguments): distinct from the drift codes 1 and 2 of `--check`.
pub const EXIT_ERROR: u8 = 3;

/// Arguments of `refresh-schema`. The token comes only from `CRM_TOKEN`: a flag would put it in
/// shell history and process listings.
#[derive(Debug, Clone, clap::Args)]
pub struct RefreshArgs {
    /// API base URL [env: CRM_BASE_URL; default: https://apiv4.reallysimplesystems.com]
    #[arg(long)]
    pub base_url: Option<String>,
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

/// `sandbox` for a loopback base URL (the emulator), `tenant` otherwise; never with credentials.
pub fn source_for(base_url: &str) -> Source {
    let host = base_url.split("://").nth(1).unwrap_or(base_url);
    let host = host.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    let host = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.split(':').next().unwrap_or_default(),
    };
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    let base_url = strip_credentials(base_url);
    if loopback {
        Source::Sandbox { base_url }
    } else {
        Source::Tenant { base_url }
    }
}

fn strip_credentials(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
            let (authority, tail) = rest.split_at(authority_end);
            let host = authority.rsplit('@').next().unwrap_or(authority);
            format!("{scheme}://{host}{}", tail.trim_end_matches('/'))
        }
        None => url.trim_end_matches('/').to_owned(),
    }
}

fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .ok()
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_default()
}

/// Runs `refresh-schema` with `default_out` when `--out` is not given; prints the report on
/// stdout and errors on stderr; returns the exit code.
pub async fn run(args: RefreshArgs, default_out: &Path) -> u8 {
    let base_url = args
        .base_url
        .or_else(|| std::env::var("CRM_BASE_URL").ok())
        .unwrap_or_else(|| "https://apiv4.reallysimplesystems.com".to_owned());
    let Some(token) = std::env::var("CRM_TOKEN")
        .ok()
        .filter(|t| !t.trim().is_empty())
    else {
        eprintln!(
            "error: set CRM_TOKEN to an API v4 access token (create one in the CRM under Settings / Integrations / API V4)"
        );
        return EXIT_ERROR;
    };
    let client = match crm_runtime::Client::builder()
        .base_url(&base_url)
        .token(token)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return EXIT_ERROR;
        }
    };
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
        source: source_for(&base_url),
        fetched_at: now_rfc3339(),
        progress: true,
    };
    match refresh(&client, &options).await {
        Ok(report) => {
            println!("{report}");
            report.exit_code()
        }
        Err(e) => {
            eprintln!("error: {e}");
            EXIT_ERROR
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn provenance_never_keeps_credentials_and_knows_the_sandbox() {
        let cases = [
            (
                "https://apiv4.reallysimplesystems.com",
                Source::Tenant {
                    base_url: "https://apiv4.reallysimplesystems.com".into(),
                },
            ),
            (
                "https://user:secret@crm.example.com/v4/",
                Source::Tenant {
                    base_url: "https://crm.example.com/v4".into(),
                },
            ),
            (
                "http://127.0.0.1:8080",
                Source::Sandbox {
                    base_url: "http://127.0.0.1:8080".into(),
                },
            ),
            (
                "http://localhost:3000/",
                Source::Sandbox {
                    base_url: "http://localhost:3000".into(),
                },
            ),
            (
                "http://[::1]:9000",
                Source::Sandbox {
                    base_url: "http://[::1]:9000".into(),
                },
            ),
        ];
        for (url, want) in cases {
            assert_eq!(source_for(url), want, "{url}");
        }
    }
}

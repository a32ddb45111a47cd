//! The `refresh-schema` command line, shared by `crm refresh-schema` and
//! `cargo xtask refresh-schema`: arguments, client from the environment, report, exit code.

use std::path::{Path, PathBuf};

use crm_schema::Source;

use super::{Options, Report, refresh};

/// Exit code for any error (a refused token, a failed request, an unreadable response, bad
/// arguments): distinct from the drift codes 1 and 2 of `--check`.
pub const EXIT_ERROR: u8 = 3;

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

/// Runs `refresh-schema` against `base_url`, with `default_out` when `--out` is not given.
/// The caller prints the report (stdout) and exits with [`Report::exit_code`], or prints the
/// error (stderr) and exits with [`EXIT_ERROR`].
pub async fn run(base_url: &str, args: RefreshArgs, default_out: &Path) -> Result<Report, String> {
    let client = crate::client(base_url)?;
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
        source: source_for(base_url),
        fetched_at: now_rfc3339(),
        progress: true,
    };
    refresh(&client, &options).await.map_err(|e| e.to_string())
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

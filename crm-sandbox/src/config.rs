//! Start-up configuration of a sandbox: where the dictionaries and the database are, the token,
//! the seeded data set, and which response variants and faults to serve.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::shapes::{DictionaryShape, LookupShape};

/// How a missing or wrong token is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum AuthMode {
    /// `403 {"message": "Unauthenticated."}`: what the real service answers.
    #[default]
    Forbidden403,
    /// `402 {"type": "Forbidden", "code": 402, "message": "Please check your access token"}`:
    /// what the documentation lists.
    Documented402,
}

/// A fixed-window rate limit: at most `requests` calls per `per_seconds` seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RateLimit {
    /// Calls allowed per window.
    pub requests: u64,
    /// Window length in seconds (at least 1).
    pub per_seconds: u64,
}

/// Largest injected latency: longer than any client's timeout, a delay is a hang, not latency.
pub(crate) const MAX_LATENCY_MS: u64 = 60_000;

/// Longest rate-limit window; the daily quota covers anything longer.
pub(crate) const MAX_WINDOW_SECONDS: u64 = 86_400;

/// Injected faults; all off by default. Random choices come from a generator seeded with the
/// sandbox seed, so a given sequence of requests meets the same faults on every run.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// 429 with `Retry-After` once the window's allowance is spent.
    pub rate_limit: Option<RateLimit>,
    /// 429 once this many calls were made since start or the last reset ("today").
    pub daily_quota: Option<u64>,
    /// Probability (0..=1) that a call fails with 500 or 503 (half each).
    pub error_rate: f64,
    /// Added latency before every answer, in milliseconds.
    pub latency_ms: u64,
    /// Probability that the connection is dropped after the headers are sent (the request was
    /// carried out; half the body arrives).
    pub drop_rate: f64,
    /// Probability that the request is carried out and the connection then closed without
    /// any answer: what a client sees when a server or proxy dies after acting.
    pub drop_before_answer_rate: f64,
    /// Probability that a successful body is cut in half (with a matching `Content-Length`).
    pub truncate_rate: f64,
}

impl Faults {
    /// Checks every setting's range: probabilities in 0..=1, latency at most 60 000 ms, a
    /// rate limit of at least one call per window of 1 s to a day.
    pub fn check(&self) -> Result<(), String> {
        for (name, p) in [
            ("error_rate", self.error_rate),
            ("drop_rate", self.drop_rate),
            ("drop_before_answer_rate", self.drop_before_answer_rate),
            ("truncate_rate", self.truncate_rate),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!("{name} must be between 0 and 1, got {p}"));
            }
        }
        if self.drop_rate + self.drop_before_answer_rate > 1.0 {
            return Err(format!(
                "drop_rate + drop_before_answer_rate must be at most 1, got {}",
                self.drop_rate + self.drop_before_answer_rate
            ));
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return Err(format!(
                "latency_ms must be at most {MAX_LATENCY_MS} (one minute), got {}",
                self.latency_ms
            ));
        }
        if let Some(r) = self.rate_limit {
            if !(1..=MAX_WINDOW_SECONDS).contains(&r.per_seconds) {
                return Err(format!(
                    "rate_limit.per_seconds must be between 1 and {MAX_WINDOW_SECONDS} (a day), got {}",
                    r.per_seconds
                ));
            }
            if r.requests == 0 {
                return Err(
                    "rate_limit.requests must be at least 1 (use daily_quota 0 to refuse every call)"
                        .into(),
                );
            }
        }
        Ok(())
    }
}

/// Everything a sandbox needs to start. Build it with [`Config::new`] and the `with_*` methods.
/// Its `Debug` output does not show the token.
#[derive(Clone)]
pub struct Config {
    /// Directory of canonical dictionary snapshots (`<object>.json`).
    pub dictionaries: PathBuf,
    /// SQLite file; `None` keeps everything in memory.
    pub db: Option<PathBuf>,
    /// The bearer token clients must send.
    pub token: String,
    /// Seed of the generated data and of fault decisions.
    pub seed: u64,
    /// Records generated per object on a fresh database.
    pub records: u32,
    /// Per-object overrides of `records` (`accounts` -> 100000 for a benchmark).
    pub object_records: BTreeMap<String, u32>,
    /// How authentication failures are answered.
    pub auth_mode: AuthMode,
    /// Shape of `GET /datadictionary/{object}` responses.
    pub dictionary_shape: DictionaryShape,
    /// Shape of `GET /lookup/{object}/{field}` responses.
    pub lookup_shape: LookupShape,
    /// Injected faults.
    pub faults: Faults,
    /// The user id the token belongs to: `createdby`/`modifiedby` of records written through the API.
    pub user_id: i64,
    /// Largest JSON request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest uploaded document, in bytes (50 MB, as the CRM allows).
    pub max_document_bytes: usize,
    /// Objects the emulated plan does not include (`cases` without the Service & Support
    /// tool): every route of theirs answers 403, as tenants do.
    pub gated_objects: Vec<String>,
}

impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Destructured so a new field cannot be forgotten here.
        let Config {
            dictionaries,
            db,
            token: _,
            seed,
            records,
            object_records,
            auth_mode,
            dictionary_shape,
            lookup_shape,
            faults,
            user_id,
            max_body_bytes,
            max_document_bytes,
            gated_objects,
        } = self;
        f.debug_struct("Config")
            .field("dictionaries", dictionaries)
            .field("db", db)
            .field("token", &"[redacted]")
            .field("seed", seed)
            .field("records", records)
            .field("object_records", object_records)
            .field("auth_mode", auth_mode)
            .field("dictionary_shape", dictionary_shape)
            .field("lookup_shape", lookup_shape)
            .field("faults", faults)
            .field("user_id", user_id)
            .field("max_body_bytes", max_body_bytes)
            .field("max_document_bytes", max_document_bytes)
            .field("gated_objects", gated_objects)
            .finish()
    }
}

/// The workspace `dictionaries/` directory, as seen from this crate at compile time.
pub fn default_dictionaries_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join("dictionaries")
}

impl Config {
    /// Defaults: workspace dictionaries, in-memory database, seed 1, 25 records per object,
    /// 403 auth errors, default response shapes, no faults.
    pub fn new(token: impl Into<String>) -> Config {
        Config {
            dictionaries: default_dictionaries_dir(),
            db: None,
            token: token.into(),
            seed: 1,
            records: 25,
            object_records: BTreeMap::new(),
            auth_mode: AuthMode::default(),
            dictionary_shape: DictionaryShape::default(),
            lookup_shape: LookupShape::default(),
            faults: Faults::default(),
            user_id: 90505,
            max_body_bytes: 1024 * 1024,
            max_document_bytes: 50 * 1024 * 1024,
            gated_objects: Vec::new(),
        }
    }

    /// Leave these objects out of the emulated plan: their routes answer 403.
    pub fn with_gated_objects(
        mut self,
        objects: impl IntoIterator<Item = impl Into<String>>,
    ) -> Config {
        self.gated_objects = objects.into_iter().map(Into::into).collect();
        self
    }

    /// Serve the snapshots of this directory.
    pub fn with_dictionaries(mut self, dir: impl Into<PathBuf>) -> Config {
        self.dictionaries = dir.into();
        self
    }

    /// Keep the data in this SQLite file (created when absent, reused when present).
    pub fn with_db(mut self, file: impl Into<PathBuf>) -> Config {
        self.db = Some(file.into());
        self
    }

    /// Seed of generated data and faults.
    pub fn with_seed(mut self, seed: u64) -> Config {
        self.seed = seed;
        self
    }

    /// Records generated per object on a fresh database.
    pub fn with_records(mut self, records: u32) -> Config {
        self.records = records;
        self
    }

    /// Records generated for one object, overriding [`Config::with_records`] for it.
    pub fn with_object_records(mut self, object: impl Into<String>, records: u32) -> Config {
        self.object_records.insert(object.into(), records);
        self
    }

    /// How authentication failures are answered.
    pub fn with_auth_mode(mut self, mode: AuthMode) -> Config {
        self.auth_mode = mode;
        self
    }

    /// Shape of data-dictionary responses.
    pub fn with_dictionary_shape(mut self, shape: DictionaryShape) -> Config {
        self.dictionary_shape = shape;
        self
    }

    /// Shape of lookup responses.
    pub fn with_lookup_shape(mut self, shape: LookupShape) -> Config {
        self.lookup_shape = shape;
        self
    }

    /// Faults to inject from the start.
    pub fn with_faults(mut self, faults: Faults) -> Config {
        self.faults = faults;
        self
    }

    /// Largest uploaded document, in bytes.
    pub fn with_max_document_bytes(mut self, bytes: usize) -> Config {
        self.max_document_bytes = bytes;
        self
    }
}

//! The shared state of a running sandbox: configuration, dictionary, store, call counters and
//! fault settings.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use crm_schema::{Dictionary, ObjectDef};

use crate::config::Config;
use crate::error::{Error, Result};
use crate::faults::FaultState;
use crate::store::Store;

/// Calls counted since start or the last reset.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct Calls {
    /// Every authenticated API call (admin calls excluded).
    pub total: u64,
    /// Per `"METHOD /route-pattern"` with the object filled in when it exists: `"GET /accounts"`,
    /// `"GET /accounts/{id}"`, `"GET /lookup/accounts/{field}"`; an unknown object stays
    /// `{object}` (`"GET /{object}"`).
    pub routes: BTreeMap<String, u64>,
}

/// A sandbox's state; cheap to clone (all clones share it). Build one with [`State::new`] and
/// serve it with [`crate::app`].
#[derive(Clone, Debug)]
pub struct State(Arc<Inner>);

#[derive(Debug)]
pub(crate) struct Inner {
    pub(crate) config: Config,
    pub(crate) dict: Arc<Dictionary>,
    pub(crate) store: Arc<Store>,
    pub(crate) faults: Mutex<FaultState>,
    pub(crate) calls: Mutex<Calls>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // Counters and fault settings stay meaningful after a panic elsewhere.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl State {
    /// Loads the dictionaries, opens the database and, when it is fresh, seeds it. This blocks
    /// (seeding 100k records takes seconds); from async code call it via `spawn_blocking`, or
    /// use [`crate::spawn`].
    pub fn new(config: Config) -> Result<State> {
        config.faults.check().map_err(Error::BadRequest)?;
        let dict = Arc::new(crm_schema::load(&config.dictionaries)?);
        let store = Arc::new(Store::open(config.db.as_deref(), dict.clone())?);
        if store.meta("seed")?.is_none() {
            let counts = crate::seed::Counts {
                default: config.records,
                per_object: &config.object_records,
            };
            crate::seed::seed(&store, config.seed, counts)?;
        } else {
            store.create_indexes()?;
        }
        let faults = Mutex::new(FaultState::new(config.faults.clone(), config.seed));
        Ok(State(Arc::new(Inner {
            config,
            dict,
            store,
            faults,
            calls: Mutex::new(Calls::default()),
        })))
    }

    /// The configuration it was started with (faults may have changed since; see
    /// [`State::faults`]).
    pub fn config(&self) -> &Config {
        &self.0.config
    }

    /// The dictionary served.
    pub fn dictionary(&self) -> &Dictionary {
        &self.0.dict
    }

    /// The object with this API name, or the original's `Invalid record type (name)` error.
    pub(crate) fn object(&self, name: &str) -> Result<&ObjectDef> {
        self.0
            .dict
            .object(name)
            .ok_or_else(|| Error::InvalidRecordType(name.to_owned()))
    }

    /// Calls counted so far.
    pub fn calls(&self) -> Calls {
        lock(&self.0.calls).clone()
    }

    pub(crate) fn count_call(&self, route: String) {
        let mut c = lock(&self.0.calls);
        c.total += 1;
        *c.routes.entry(route).or_default() += 1;
    }

    pub(crate) fn reset_calls(&self) {
        *lock(&self.0.calls) = Calls::default();
    }

    /// The fault settings in force.
    pub fn faults(&self) -> crate::config::Faults {
        lock(&self.0.faults).faults.clone()
    }

    pub(crate) fn fault_state(&self) -> MutexGuard<'_, FaultState> {
        lock(&self.0.faults)
    }

    /// Runs store work on the blocking pool.
    pub(crate) async fn blocking<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Store) -> Result<T> + Send + 'static,
    {
        let store = self.0.store.clone();
        tokio::task::spawn_blocking(move || f(&store)).await?
    }

    /// Deletes all data and seeds it again with `seed` and `records`; resets call counters.
    pub async fn reseed(&self, seed: u64, records: u32) -> Result<()> {
        let per_object = self.0.config.object_records.clone();
        self.blocking(move |store| {
            store.clear()?;
            crate::seed::seed(
                store,
                seed,
                crate::seed::Counts {
                    default: records,
                    per_object: &per_object,
                },
            )
        })
        .await?;
        self.reset_calls();
        self.fault_state().restart(seed);
        Ok(())
    }
}

//! Adapters from what a tenant returns (`GET /datadictionary/{object}`, `GET /lookup/...`) to
//! the model. Filled in by the raw-adapter work; see issue 2.

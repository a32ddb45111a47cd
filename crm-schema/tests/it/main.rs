//! Integration tests of crm-schema: raw adapters, the canonical form, the bad-input corpus.

mod canonical;
mod check;
mod corpus;
mod corpus_raw;
mod drift;
mod merge;
mod mutation;
mod provenance;
mod raw_dictionary;
mod raw_lookup;
mod support;
mod text;

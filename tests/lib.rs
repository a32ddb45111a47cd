//! Cross-crate test support: the typed API generated from the committed `dictionaries/`, compiled
//! here under `#![deny(warnings, missing_docs)]` (and clippy `-D warnings` in CI), so generated
//! code is proven warning-free in a user's crate. The tests themselves live in `tests/it`.
#![deny(warnings, missing_docs)]

/// The typed API of the default snapshot: one module per object.
pub mod crm {
    crm_runtime::schema!("../dictionaries");
}

/// The same API written to a file by `crm codegen` (four objects) and included, as a crate that
/// commits its generated code would; `tests/it/codegen.rs` keeps the file current.
pub mod generated {
    include!("generated/crm.rs");
}

/// `crate = path`: the runtime reached through a re-export, as a crate that wraps it would.
pub mod reexported {
    #[doc(hidden)]
    pub use crm_runtime as runtime;
    crm_runtime::schema!(
        "../dictionaries",
        objects = ["campaignstages"],
        crate = crate::reexported::runtime
    );
}

/// The code generator's golden files, compiled: a golden file can never be valid syntax yet
/// broken code.
pub mod golden {
    /// `crm-codegen/tests/fixtures/minimal`.
    pub mod minimal {
        include!("../crm-codegen/tests/golden/minimal.rs");
    }
    /// `crm-codegen/tests/fixtures/value_types`.
    pub mod value_types {
        include!("../crm-codegen/tests/golden/value_types.rs");
    }
    /// `crm-codegen/tests/fixtures/lookups`.
    pub mod lookups {
        include!("../crm-codegen/tests/golden/lookups.rs");
    }
    /// `crm-codegen/tests/fixtures/mandatory`.
    pub mod mandatory {
        include!("../crm-codegen/tests/golden/mandatory.rs");
    }
    /// `crm-codegen/tests/fixtures/references`.
    pub mod references {
        include!("../crm-codegen/tests/golden/references.rs");
    }
    /// `crm-codegen/tests/fixtures/lines`.
    pub mod lines {
        include!("../crm-codegen/tests/golden/lines.rs");
    }
}

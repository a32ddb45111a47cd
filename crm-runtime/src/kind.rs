//! The kinds of dictionary fields, as types: `#[derive(Record)]` checks a projection field's
//! Rust type against the kind the snapshot gives it, and compile errors name these. Which field
//! types have which kind, and what each kind holds, is `crm_schema::classify::ValueKind`, whose
//! `marker()` names these types (a test keeps the two lists equal).

macro_rules! kinds {
    ($($k:ident)*) => {
        $(
            #[doc = concat!("The `", stringify!($k), "` kind (`crm_schema::classify::ValueKind`).")]
            pub enum $k {}
        )*
        /// The names of the markers above.
        #[cfg(test)]
        pub(crate) const NAMES: &[&str] = &[$(stringify!($k)),*];
    };
}

kinds! { Text Integer Decimal Boolean Date DateTime Lookup Reference User Unknown }

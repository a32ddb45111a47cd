//! The state of one decoding call on the current thread: the mode (strict or lenient) generated
//! `Deserialize` impls read, and the field a failed record decode stopped at, which the
//! runtime reads back as data instead of from the error's message.
//!
//! Thread-local because serde gives a `Deserialize` impl no context argument, and decoding is
//! synchronous: [`LenientGuard`] is held around each `serde_json` call.

use std::cell::Cell;

#[derive(Clone, Copy)]
struct State {
    lenient: bool,
    failed_field: Option<&'static str>,
}

thread_local! {
    static STATE: Cell<State> = const {
        Cell::new(State { lenient: false, failed_field: None })
    };
}

/// Whether a value that cannot be decoded goes into the record's `extra` map (lenient) instead
/// of failing the decode (strict, the default).
pub fn lenient_decoding() -> bool {
    STATE.with(|s| s.get().lenient)
}

/// Sets the decoding mode for the current thread until dropped, and forgets any failed field.
pub struct LenientGuard {
    previous: State,
}

impl LenientGuard {
    /// Enters lenient (`true`) or strict (`false`) decoding.
    pub fn enter(lenient: bool) -> Self {
        let previous = STATE.with(|s| {
            s.replace(State {
                lenient,
                failed_field: None,
            })
        });
        LenientGuard { previous }
    }
}

impl Drop for LenientGuard {
    fn drop(&mut self) {
        STATE.with(|s| s.set(self.previous));
    }
}

/// Notes the field a record's decode fails at (the record decoder calls it with its error).
pub(crate) fn fail_at(field: &'static str) {
    STATE.with(|s| {
        let mut state = s.get();
        state.failed_field = Some(field);
        s.set(state);
    });
}

/// The field the last failed record decode inside the current guard stopped at.
pub(crate) fn failed_field() -> Option<&'static str> {
    STATE.with(|s| s.get().failed_field)
}

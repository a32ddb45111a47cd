//! Single-record operations against the mock (the sandbox tests cover every object).

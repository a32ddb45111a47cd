//! A stateful local emulator of the Spotler CRM API v4, served from the dictionary snapshots.
//!
//! Filled in by the sandbox issue (4).

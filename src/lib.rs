//! iemsim: hear how in-ear monitor driver types colour sound.
//!
//! Data flows one way: decode (`io`) → f64 frames → `dsp` chain(s) → sink (file writer, meter or
//! device). `dsp` is pure and deterministic; `io`, `playback` and `ui` sit at the edges; `render`
//! is the one offline path (export, loudness analysis, demo material); `profiles` is the catalogue
//! of built-in profiles and IEM fits; `abx` is the state and statistics of a blind test; `commands`
//! is glue.
//! `tests/architecture.rs` checks the allowed imports between these layers.

pub mod abx;
// The command line and its commands are glue: left out of the unit-test build, which compiled
// them a second time (a quarter of its compile time), and tested from tests/e2e.rs (`commands`,
// their functions; `cli`, the binary).
#[cfg(not(test))]
pub mod cli;
#[cfg(not(test))]
pub mod commands;
pub mod dsp;
pub mod error;
pub use error::{Error, Result};
pub mod interrupt;
pub mod io;
pub mod playback;
pub mod profiles;
pub mod render;
/// Loudness matching is a use of [`render`]; the short name stays for the callers.
pub use render::matching;
#[cfg(test)]
mod test_support;
pub mod ui;

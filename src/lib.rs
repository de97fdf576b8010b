//! iemsim: hear how in-ear monitor driver types colour sound.
//!
//! Data flows one way: decode (`io`) → f64 frames → `dsp` chain(s) → sink (file writer or device).
//! `dsp` is pure and deterministic; `io`, `playback` and `ui` sit at the edges; `commands` is glue.

pub mod cli;
pub mod commands;
pub mod dsp;
pub mod error;
pub mod interrupt;
pub mod io;
pub mod matching;
pub mod playback;
pub mod profiles;
pub mod render;
#[cfg(test)]
mod test_support;
pub mod ui;

//! What a user runs, end to end, in one test binary: `cli` (the commands), `formats` (every file
//! read or written) and `tui` (the screens in tmux); and `commands`, the command layer's own
//! functions, which the unit-test build leaves out (`src/lib.rs`). `cargo test --release --test e2e cli::export::`
//! runs one module.
//!
//! One binary, not three: cargo runs test binaries one after another, so the terminal tests, which
//! mostly wait on tmux and a sound server, idled the CPU the command tests could use. On 2 cores
//! they ran in 57-61 s instead of 67 s, and two links of the whole crate are gone (the three
//! binaries' build took 63 s of CPU, this one 47 s). `tests/audio/` stays a binary of its own: its
//! tests time what reaches a device to the millisecond, and one of them missed by 110 ms beside
//! the command tests' renders.

mod common;

mod cli;
mod commands;
mod formats;
mod tui;

//! Helpers shared by the end-to-end tests (`tests/e2e.rs`), each reached as `crate::common::NAME`.
//! The DSP unit tests include `rbj.rs` too, and use none of the rest: what one user of a file
//! does not use is not an error (`#![allow(dead_code)]` in each).

pub mod cli;
pub mod measurements;
pub mod pulse;
pub mod rbj;
pub mod tmux;
pub mod tools;
pub mod tui;

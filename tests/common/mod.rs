//! Helpers shared by the integration-test binaries (`tests/*/main.rs`), each reached as
//! `crate::common::NAME`. Every binary includes them all; what one binary does not use is not an
//! error (`#![allow(dead_code)]` in each).

pub mod cli;
pub mod measurements;
pub mod pulse;
pub mod rbj;
pub mod tmux;
pub mod tools;
pub mod tui;

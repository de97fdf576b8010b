//! The command layer's own functions, `src/commands/` and `src/cli/`: the unit-test build leaves
//! them out (they are glue, and compiling them twice was a quarter of that build), so their
//! tests are here, one file per source file, through the library's public paths.

/// The unit tests' own helpers (5.1 test tones made with sox, the BS.775 downmix they check). It
/// brings `common/tools.rs` along a second time, harmlessly: both copies read the same variables.
#[path = "../../src/test_support.rs"]
#[allow(dead_code, clippy::duplicate_mod)]
mod support;

mod abx;
mod abx_summary;
mod charts;
mod cli;
mod demo_material;
mod demo_numbers;
mod demo_part;
mod demo_report;
mod demo_signatures;
mod demo_text;
mod devices;
mod man;
mod run;
mod session;
mod show;

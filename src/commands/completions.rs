//! `iemsim completions SHELL`: clap_complete's script, generated from the same command
//! definitions as `--help`, so it cannot fall behind them.

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::out;
use crate::error::Result;
use clap::CommandFactory;

pub fn run(args: &CompletionsArgs) -> Result<()> {
    // Into memory first: clap_complete panics on a failed write, `out` reports it (exit 1).
    let mut script = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "iemsim", &mut script);
    out::text(&String::from_utf8_lossy(&script))?;
    Ok(())
}

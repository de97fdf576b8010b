//! `iemsim completions SHELL`: clap_complete's script, generated from the same command
//! definitions as `--help`, so it cannot fall behind them. clap_complete's fish script completes
//! option values but not an argument's (`demo sibilance`, `config set headphones`): those lines
//! are added, from the same definitions.

use crate::cli::{Cli, CompletionsArgs};
use crate::commands::out;
use crate::error::Result;
use clap::CommandFactory;
use clap_complete::Shell;

pub fn run(args: &CompletionsArgs) -> Result<()> {
    // Into memory first: clap_complete panics on a failed write, `out` reports it (exit 1).
    let mut script = Vec::new();
    let mut cli = Cli::command();
    clap_complete::generate(args.shell, &mut cli, "iemsim", &mut script);
    let mut script = String::from_utf8_lossy(&script).into_owned();
    if args.shell == Shell::Fish {
        fish_argument_values(&cli, &[], &mut script);
    }
    out::text(&script)?;
    Ok(())
}

/// One fish `complete` line per argument with fixed values, for `cmd` (reached by `path`) and
/// its subcommands: offered once the (sub)command is typed.
fn fish_argument_values(cmd: &clap::Command, path: &[&str], script: &mut String) {
    for arg in cmd.get_positionals() {
        let values: Vec<String> = arg
            .get_possible_values()
            .iter()
            .filter(|v| !v.is_hide_set())
            .map(|v| v.get_name().to_string())
            .collect();
        if let (Some((top, nested)), false) = (path.split_first(), values.is_empty()) {
            let mut when = format!("__fish_iemsim_using_subcommand {top}");
            for sub in nested {
                when.push_str(&format!("; and __fish_seen_subcommand_from {sub}"));
            }
            // No file names beside the values, unless another argument takes one.
            let files = if cmd.get_positionals().count() == 1 {
                " -f"
            } else {
                ""
            };
            script.push_str(&format!(
                "complete -c iemsim -n \"{when}\"{files} -a \"{}\"\n",
                values.join(" ")
            ));
        }
    }
    for sub in cmd.get_subcommands() {
        let mut deeper = path.to_vec();
        deeper.push(sub.get_name());
        fish_argument_values(sub, &deeper, script);
    }
}

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
        script = fish_names_or_files(&cli, &script);
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
            // No file names beside the values. Where another argument follows (`config set KEY
            // VALUE`), only until one of them is typed: it offered file names among the keys.
            if cmd.get_positionals().count() > 1 {
                when.push_str(&format!(
                    "; and not __fish_seen_subcommand_from {}",
                    values.join(" ")
                ));
            }
            script.push_str(&format!(
                "complete -c iemsim -n \"{when}\" -f -a \"{}\"\n",
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

/// The script with file names offered beside the names of an option that takes either (a target:
/// a bundled target's name or a CSV file, [`crate::cli::TARGET_VALUE`]): clap_complete's fish
/// script offers an option's fixed values with `-f`, no file names. (A file hint beside the values
/// is no way to say so: it made bash's script offer the names as one word.)
fn fish_names_or_files(cli: &clap::Command, script: &str) -> String {
    fn longs(cmd: &clap::Command, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let names = arg.get_possible_values();
            let either = !names.is_empty()
                && names
                    .iter()
                    .map(|v| v.get_name())
                    .eq(crate::profiles::headphones::target_names());
            if let Some(long) = arg.get_long().filter(|_| either) {
                out.push(format!(" -l {long} "));
            }
        }
        cmd.get_subcommands().for_each(|sub| longs(sub, out));
    }
    let mut either = Vec::new();
    longs(cli, &mut either);
    let mut out = String::with_capacity(script.len());
    for line in script.lines() {
        if either.iter().any(|l| line.contains(l.as_str())) {
            out.push_str(&line.replacen(" -r -f -a ", " -r -F -a ", 1));
        } else {
            out.push_str(line);
        }
        out.push('\n');
    }
    out
}

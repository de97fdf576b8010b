//! `iemsim man [COMMAND]`: the manual page in roff, made by clap_mangen from the same command
//! definitions as `--help` (descriptions, options, examples).

use crate::cli::{Cli, ManArgs};
use crate::commands::out;
use crate::error::Error;
use crate::error::Result;
use clap::CommandFactory;

pub fn run(args: &ManArgs) -> Result<()> {
    let mut cli = Cli::command();
    // Gives every command its full name (`iemsim-export`, `iemsim export` in the synopsis).
    cli.build();
    let page = match args.command.as_deref() {
        None => cli,
        Some(name) => cli
            .get_subcommands()
            .find(|c| c.get_name() == name && name != "help")
            .cloned()
            .ok_or_else(|| {
                let names: Vec<&str> = cli
                    .get_subcommands()
                    .map(|c| c.get_name())
                    .filter(|n| *n != "help")
                    .collect();
                Error::usage(
                    "COMMAND",
                    format!(
                        "no command {name:?} to show the manual page of; the commands are {}",
                        names.join(", ")
                    ),
                )
            })?,
    };
    // Into memory first, so that a failed write to stdout is reported by `out` (exit 1).
    let mut roff = Vec::new();
    clap_mangen::Man::new(page)
        .source(format!("iemsim {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)?;
    out::text(&ascii_roff(&String::from_utf8_lossy(&roff)))?;
    Ok(())
}

/// Non-ASCII characters (≤, ±, ←, ·) as roff's `\[uXXXX]` escapes: troff reads its input as
/// Latin-1 unless a preprocessor converts it, and warns on (or garbles) raw UTF-8.
fn ascii_roff(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len());
    for c in roff.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            out.push_str(&format!("\\[u{:04X}]", u32::from(c)));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn non_ascii_becomes_roff_unicode_escapes() {
        assert_eq!(
            super::ascii_roff("a ≤ 24 · ±1 ↑"),
            "a \\[u2264] 24 \\[u00B7] \\[u00B1]1 \\[u2191]"
        );
    }
}

//! `src/commands/mod.rs`'s functions (the command layer is not in the unit-test build: see `src/lib.rs`).

use iemsim::commands::*;
use iemsim::error::{Class, Subject};

/// Real command-line mistakes, run as `main` runs them, fail as usage errors about the
/// argument the user typed (input errors about the file), before anything is played or
/// written. A usage error cannot be made without its argument (`Error::usage` needs it, and
/// `tests/architecture.rs` keeps `Class::Usage` inside `error.rs`).
#[test]
fn command_line_mistakes_name_their_argument() {
    use clap::Parser;
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let arg = |a: &str| Some(Subject::Argument(a.to_string()));
    #[rustfmt::skip]
    let table: Vec<(Vec<&str>, Class, Option<Subject>)> = vec![
        (vec!["show", "ba", "--rate", "5"], Class::Usage, arg("--rate")),
        (vec!["fit", "m.csv", "--max-filters", "30"], Class::Usage, arg("--max-filters")),
        (vec!["play", "--no-headphones", "--start", "soon"], Class::Usage, arg("--start")),
        (vec!["abx", "--no-headphones", "--no-tui"], Class::Usage, arg("--no-tui")),
        (vec!["export", "--no-headphones", "-p", "ba", "-p", "dd", "-o", "x.wav"], Class::Usage, arg("--output")),
        (vec!["man", "nosuch"], Class::Usage, arg("COMMAND")),
        (vec!["profile", "convert", "ba", "-o", manifest], Class::Input, Some(Subject::File(manifest.into()))),
    ];
    for (args, class, subject) in table {
        let cli = iemsim::cli::Cli::try_parse_from(std::iter::once("iemsim").chain(args.clone()));
        let cli = cli.unwrap_or_else(|e| panic!("{args:?}: {e}"));
        let Err(e) = run(cli.command) else {
            panic!("{args:?}: succeeded");
        };
        assert_eq!(
            (e.class(), e.subject()),
            (class, subject.as_ref()),
            "{args:?}: {e}"
        );
    }
}

//! `iemsim completions SHELL`: clap_complete's script, generated from the same command
//! definitions as `--help`, so it cannot fall behind them. clap_complete's fish script completes
//! option values but not an argument's (`demo sibilance`, `config set headphones`): those lines
//! are added, from the same definitions. `man COMMAND...` takes a path of commands (`man profile
//! convert`), which clap_complete sees as one list of values: each script is given the names that
//! may follow the words already typed ([`man_pages`]). An option that takes a name or a file (a
//! target) offers both in bash, zsh and fish, where clap_complete offers the names alone.

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
    let script = String::from_utf8_lossy(&script).into_owned();
    let either = names_or_files(&cli);
    let pages = man_pages();
    let script = match args.shell {
        Shell::Bash => bash_man_pages(&bash_names_or_files(&either, &script), &pages),
        Shell::Zsh => zsh_man_pages(&zsh_names_or_files(&either, &script), &pages),
        Shell::Fish => {
            let mut script = script;
            fish_argument_values(&cli, &[], &mut script);
            script.push_str(&fish_man_pages(&pages));
            fish_names_or_files(&either, &script)
        }
        _ => script,
    };
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
        // `man`'s values depend on the words before them: [`fish_man_pages`].
        let man = path == [MAN];
        if let (Some((top, nested)), false) = (path.split_first(), values.is_empty() || man) {
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

/// The long names of the options that take a name or a file (a target: a bundled target's name or
/// a CSV file, [`crate::cli::TARGET_VALUE`]), in `cmd` and its subcommands. clap_complete offers
/// their names alone, no file names; a file hint beside the values is no way to say so (it made
/// bash's script offer the names as one word), so each script is given the files where they are.
fn names_or_files(cmd: &clap::Command) -> Vec<String> {
    fn longs(cmd: &clap::Command, out: &mut Vec<String>) {
        for arg in cmd.get_arguments() {
            let names = arg.get_possible_values();
            let either = !names.is_empty()
                && names
                    .iter()
                    .map(|v| v.get_name())
                    .eq(crate::profiles::headphones::target_names());
            if let Some(long) = arg.get_long().filter(|_| either) {
                if !out.iter().any(|l| l == long) {
                    out.push(long.to_string());
                }
            }
        }
        cmd.get_subcommands().for_each(|sub| longs(sub, out));
    }
    let mut either = Vec::new();
    longs(cmd, &mut either);
    either
}

/// fish: the `either` options' lines with `-F` (files) for clap_complete's `-f` (no files).
fn fish_names_or_files(either: &[String], script: &str) -> String {
    let either: Vec<String> = either.iter().map(|l| format!(" -l {l} ")).collect();
    map_lines(script, |line, _| {
        if either.iter().any(|l| line.contains(l.as_str())) {
            line.replacen(" -r -f -a ", " -r -F -a ", 1)
        } else {
            line.to_string()
        }
    })
}

/// bash: after an `either` option, the file names that begin with the word beside the names (the
/// script's `-o default` gave files only when no name matched: `--target <TAB>` listed no file).
fn bash_names_or_files(either: &[String], script: &str) -> String {
    let cases: Vec<String> = either.iter().map(|l| format!("--{l})")).collect();
    let names = r#"-- "${cur}"))"#;
    let files = r#"-- "${cur}") $(compgen -f "${cur}"))"#;
    map_lines(script, |line, previous| {
        if cases.iter().any(|c| previous.trim() == c) && line.contains("compgen -W") {
            line.replacen(names, files, 1)
        } else {
            line.to_string()
        }
    })
}

/// zsh: an `either` option's action offers its names and files (`_alternative`; the leading
/// space passes it no `compadd` options), where it offered the names alone.
fn zsh_names_or_files(either: &[String], script: &str) -> String {
    let starts: Vec<String> = either.iter().map(|l| format!("--{l}=[")).collect();
    map_lines(script, |line, _| {
        // `'(--like)--target=[…` or `'--headphone-target=[…`: the exclusions before the name.
        let spec = line.trim_start_matches('\'');
        let spec = spec
            .strip_prefix('(')
            .and_then(|s| s.split_once(')'))
            .map_or(spec, |(_, s)| s);
        let action = line.rfind(":(").filter(|_| line.ends_with(")' \\"));
        match action {
            Some(at) if starts.iter().any(|s| spec.starts_with(s.as_str())) => {
                let names = &line[at + 1..line.len() - 3];
                format!(
                    "{}: _alternative \"names\\:name\\:{names}\" \"files\\:file\\:_files\"' \\",
                    &line[..at]
                )
            }
            _ => line.to_string(),
        }
    })
}

/// `script` with each line (given the one before it) replaced by `edit`'s.
fn map_lines(script: &str, edit: impl Fn(&str, &str) -> String) -> String {
    let mut out = String::with_capacity(script.len() + 1024);
    let mut previous = "";
    for line in script.lines() {
        out.push_str(&edit(line, previous));
        out.push('\n');
        previous = line;
    }
    out
}

/// The command whose values are a path of commands: `man profile convert`.
const MAN: &str = "man";

/// What `man` accepts after each path of commands it has been given: the path (words joined by a
/// space; `""` before the first) and the names of its subcommands, for every command that has any
/// (clap's `help` has no page: not offered). A path not listed takes nothing more.
fn man_pages() -> Vec<(String, Vec<String>)> {
    fn walk(cmd: &clap::Command, path: &str, out: &mut Vec<(String, Vec<String>)>) {
        let subs: Vec<&clap::Command> = cmd
            .get_subcommands()
            .filter(|c| c.get_name() != "help")
            .collect();
        if subs.is_empty() {
            return;
        }
        out.push((
            path.to_string(),
            subs.iter().map(|c| c.get_name().to_string()).collect(),
        ));
        for sub in subs {
            let deeper = format!(
                "{path}{}{}",
                if path.is_empty() { "" } else { " " },
                sub.get_name()
            );
            walk(sub, &deeper, out);
        }
    }
    let mut pages = Vec::new();
    walk(&Cli::command(), "", &mut pages);
    pages
}

/// bash: `man`'s words are the names [`man_pages`] gives after those typed (not options), where
/// they were the top-level commands at every position.
fn bash_man_pages(script: &str, pages: &[(String, Vec<String>)]) -> String {
    let top = format!(" {}\"", pages[0].1.join(" "));
    let mut cases = String::new();
    for (path, names) in pages {
        cases.push_str(&format!(
            "                \"{path}\") opts+=\" {}\" ;;\n",
            names.join(" ")
        ));
    }
    map_lines(script, |line, previous| {
        if previous.trim() != format!("iemsim__subcmd__{MAN})") || !line.ends_with(&top) {
            return line.to_string();
        }
        let options = line.replacen(&top, "\"", 1);
        format!(
            "{options}\n            local page=\"\" word after=\"\"\n            \
             for word in \"${{COMP_WORDS[@]:1:COMP_CWORD-1}}\"; do\n                \
             if [[ -n ${{after}} && ${{word}} != -* ]]; then\n                    \
             page=\"${{page:+${{page}} }}${{word}}\"\n                \
             elif [[ ${{word}} == {MAN} ]]; then\n                    after=1\n                \
             fi\n            done\n            case \"${{page}}\" in\n{cases}            esac"
        )
    })
}

/// zsh: `man`'s words are the names [`man_pages`] gives after those typed, from a function added to
/// the script, where they were the top-level commands at every position.
fn zsh_man_pages(script: &str, pages: &[(String, Vec<String>)]) -> String {
    let top = format!(":({})' \\", pages[0].1.join(" "));
    let mut script = map_lines(script, |line, _| match line.strip_suffix(&top) {
        Some(spec) if spec.starts_with("'*::command") => {
            format!("{spec}:_iemsim__{MAN}_pages' \\")
        }
        _ => line.to_string(),
    });
    let mut cases = String::new();
    for (path, names) in pages {
        cases.push_str(&format!(
            "        ('{path}') compadd -- {} ;;\n",
            names.join(" ")
        ));
    }
    // `words` holds `man`'s arguments, the options among them left out.
    let function = format!(
        "(( $+functions[_iemsim__{MAN}_pages] )) ||\n_iemsim__{MAN}_pages() {{\n    \
         local page=${{(j: :)${{(@)words[1,CURRENT-1]:#-*}}}}\n    case $page in\n{cases}    \
         esac\n}}\n\n"
    );
    let end = "if [ \"$funcstack[1]\" = \"_iemsim\" ]; then";
    if let Some(at) = script.find(end) {
        script.insert_str(at, &function);
    }
    script
}

/// fish: `man`'s words are the names [`man_pages`] gives after those typed, from a function added
/// to the script (clap_complete offered none; [`fish_argument_values`] the top-level commands at
/// every position).
fn fish_man_pages(pages: &[(String, Vec<String>)]) -> String {
    let mut cases = String::new();
    for (path, names) in pages {
        cases.push_str(&format!(
            "        case '{path}'\n            printf '%s\\n' {}\n",
            names.join(" ")
        ));
    }
    format!(
        "function __fish_iemsim_{MAN}_pages\n    set -l page\n    set -l after\n    \
         for word in (commandline -opc)\n        \
         if test -n \"$after\"; and not string match -q -- '-*' $word\n            \
         set -a page $word\n        else if test \"$word\" = {MAN}\n            \
         set after 1\n        end\n    end\n    switch \"$page\"\n{cases}    end\nend\n\
         complete -c iemsim -n \"__fish_iemsim_using_subcommand {MAN}\" -f -a \"(__fish_iemsim_{MAN}_pages)\"\n"
    )
}

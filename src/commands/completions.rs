//! `iemsim completions SHELL`: clap_complete's script, generated from the same command
//! definitions as `--help`, so it cannot fall behind them. clap_complete's fish script completes
//! option values but not an argument's (`demo sibilance`, `config set headphones`): those lines
//! are added, from the same definitions. `man COMMAND...` takes a path of commands (`man profile
//! convert`), which clap_complete sees as one list of values: each script is given the names that
//! may follow the words already typed ([`man_pages`]), in PowerShell and elvish too. An option
//! that takes a name or a file (a target) offers both in bash, zsh and fish, where clap_complete
//! offers the names alone, and so does `config set KEY` for the key of that option
//! ([`config_values`]).

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
    let settings = config_values(&cli);
    let script = match args.shell {
        Shell::Bash => {
            let script = bash_config_values(&bash_names_or_files(&either, &script), &settings);
            bash_man_pages(&script, &pages)
        }
        Shell::Zsh => {
            let script = zsh_options_after_arguments(&zsh_names_or_files(&either, &script));
            zsh_man_pages(&zsh_config_values(&script, &settings), &pages)
        }
        Shell::Fish => {
            let mut script = script;
            fish_argument_values(&cli, &[], &mut script);
            script.push_str(&fish_man_pages(&pages));
            script.push_str(&fish_config_values(&settings));
            fish_names_or_files(&either, &script)
        }
        Shell::PowerShell => keyed_man_pages(&POWERSHELL, &script, &pages),
        Shell::Elvish => keyed_man_pages(&ELVISH, &script, &pages),
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
    let mut either: Vec<String> = Vec::new();
    let own = cmd.get_arguments().filter(|arg| {
        let names = arg.get_possible_values();
        let names = names.iter().map(|v| v.get_name());
        names.len() > 0 && names.eq(crate::profiles::headphones::target_names())
    });
    let longs = own.filter_map(|arg| arg.get_long().map(str::to_string));
    for long in longs.chain(cmd.get_subcommands().flat_map(names_or_files)) {
        if !either.contains(&long) {
            either.push(long);
        }
    }
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

/// zsh: a list of arguments (`show PROFILE...`, `man COMMAND...`) as `*:` where clap_complete
/// wrote `*::`, which gives the action only the arguments from the first one on: there an option
/// was one more argument (`show ba --headphone-target <TAB>` offered profiles, `show ba --<TAB>`
/// nothing). With `*:` each word after an argument is an option, an option's value or one more.
fn zsh_options_after_arguments(script: &str) -> String {
    map_lines(script, |line, _| match line.strip_prefix("'*::") {
        Some(rest) => format!("'*:{rest}"),
        None => line.to_string(),
    })
}

/// The command whose first argument is a remembered setting's key: `config set KEY VALUE`.
const CONFIG_SET: [&str; 2] = ["config", "set"];

/// What `config set KEY` takes after each key: a file, or one of the names the option of the
/// key's name offers (`headphone-target` as `--headphone-target`: the bundled targets; the keys
/// are named after the options they remember). clap_complete offered the keys again (bash), or
/// any file (zsh, fish), whatever the key.
fn config_values(cli: &clap::Command) -> Vec<(String, Vec<String>)> {
    fn option_names(cmd: &clap::Command, long: &str) -> Option<Vec<String>> {
        let arg = cmd.get_arguments().find(|a| a.get_long() == Some(long));
        let names = arg.map(|a| {
            let values = a.get_possible_values();
            values.iter().map(|v| v.get_name().to_string()).collect()
        });
        names.or_else(|| cmd.get_subcommands().find_map(|s| option_names(s, long)))
    }
    let set = CONFIG_SET
        .iter()
        .try_fold(cli, |cmd, name| cmd.find_subcommand(name));
    let keys = set.and_then(|set| set.get_positionals().next());
    let keys = keys.map(|k| k.get_possible_values()).unwrap_or_default();
    keys.iter()
        .map(|k| {
            let names = option_names(cli, k.get_name()).unwrap_or_default();
            (k.get_name().to_string(), names)
        })
        .collect()
}

/// bash: after `config set KEY`, what [`config_values`] gives for KEY and the file names, where
/// the keys were offered again.
fn bash_config_values(script: &str, settings: &[(String, Vec<String>)]) -> String {
    let mut cases = String::new();
    for (key, names) in settings {
        let names = match names.is_empty() {
            true => String::new(),
            false => format!("$(compgen -W \"{}\" -- \"${{cur}}\") ", names.join(" ")),
        };
        cases.push_str(&format!(
            "                {key})\n                    \
             COMPREPLY=( {names}$(compgen -f \"${{cur}}\") )\n                    \
             return 0\n                    ;;\n"
        ));
    }
    let block = format!("iemsim__subcmd__{})\n", CONFIG_SET.join("__subcmd__"));
    let case = "case \"${prev}\" in\n";
    let at = script
        .find(&block)
        .and_then(|b| Some(b + script[b..].find(case)? + case.len()));
    let mut script = script.to_string();
    if let Some(at) = at {
        script.insert_str(at, &cases);
    }
    script
}

/// zsh: `config set KEY`'s value is what [`config_values`] gives for KEY, from a function added
/// to the script, where it was any file.
fn zsh_config_values(script: &str, settings: &[(String, Vec<String>)]) -> String {
    let function = format!("_iemsim__{}_values", CONFIG_SET.join("_"));
    let mut script = map_lines(script, |line, previous| {
        match previous.starts_with("':key:(") && line == "':value:_default' \\" {
            true => format!("':value:{function}' \\"),
            false => line.to_string(),
        }
    });
    let cases = cases(settings, |key, names| {
        format!("        ({key}) _alternative \"names:name:({names})\" \"files:file:_files\" ;;\n")
    });
    // `line` holds the arguments: the key first.
    zsh_add_function(
        &mut script,
        &format!(
            "(( $+functions[{function}] )) ||\n{function}() {{\n    case $line[1] in\n{cases}        \
             (*) _files ;;\n    esac\n}}\n\n"
        ),
    );
    script
}

/// zsh: `function` added to `script`, before the line that runs the completion.
fn zsh_add_function(script: &mut String, function: &str) {
    let end = "if [ \"$funcstack[1]\" = \"_iemsim\" ]; then";
    if let Some(at) = script.find(end) {
        script.insert_str(at, function);
    }
}

/// fish: after `config set KEY`, the names [`config_values`] gives for KEY beside the file names
/// (fish offered the files alone).
fn fish_config_values(settings: &[(String, Vec<String>)]) -> String {
    let [command, sub] = CONFIG_SET;
    cases(settings, |key, names| {
        format!(
            "complete -c iemsim -n \"__fish_iemsim_using_subcommand {command}; and \
             __fish_seen_subcommand_from {sub}; and test (commandline -opc)[-1] = {key}\" \
             -F -a \"{names}\"\n"
        )
    })
}

/// `case`'s text for each `(path or key, names)` of `listed` with names, given the names
/// joined by spaces.
fn cases(listed: &[(String, Vec<String>)], case: impl Fn(&str, &str) -> String) -> String {
    let listed = listed.iter().filter(|(_, names)| !names.is_empty());
    listed.map(|(k, names)| case(k, &names.join(" "))).collect()
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
            let deeper = format!("{path} {}", sub.get_name());
            walk(sub, deeper.trim_start(), out);
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
    let cases = cases(pages, |path, names| {
        format!("                \"{path}\") opts+=\" {names}\" ;;\n")
    });
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
        Some(spec) if spec.starts_with("'*:command") => {
            format!("{spec}:_iemsim__{MAN}_pages' \\")
        }
        _ => line.to_string(),
    });
    let cases = cases(pages, |path, names| {
        format!("        ('{path}') compadd -- {names} ;;\n")
    });
    // `words` holds `man` and its arguments: the arguments, the options among them left out.
    let function = format!(
        "(( $+functions[_iemsim__{MAN}_pages] )) ||\n_iemsim__{MAN}_pages() {{\n    \
         local page=${{(j: :)${{(@)words[2,CURRENT-1]:#-*}}}}\n    case $page in\n{cases}    \
         esac\n}}\n\n"
    );
    zsh_add_function(&mut script, &function);
    script
}

/// fish: `man`'s words are the names [`man_pages`] gives after those typed, from a function added
/// to the script (clap_complete offered none; [`fish_argument_values`] the top-level commands at
/// every position).
fn fish_man_pages(pages: &[(String, Vec<String>)]) -> String {
    let cases = cases(pages, |path, names| {
        format!("        case '{path}'\n            printf '%s\\n' {names}\n")
    });
    format!(
        "function __fish_iemsim_{MAN}_pages\n    set -l page\n    set -l after\n    \
         for word in (commandline -opc)\n        \
         if test -n \"$after\"; and not string match -q -- '-*' $word\n            \
         set -a page $word\n        else if test \"$word\" = {MAN}\n            \
         set after 1\n        end\n    end\n    switch \"$page\"\n{cases}    end\nend\n\
         complete -c iemsim -n \"__fish_iemsim_using_subcommand {MAN}\" -f -a \"(__fish_iemsim_{MAN}_pages)\"\n"
    )
}

/// How clap_complete lays out PowerShell's and elvish's scripts: a block of candidates for each
/// path of commands (`iemsim;man`), found by the words typed before the one completed.
struct Keyed {
    /// The line that opens the block of a path (`iemsim;profile`).
    header: fn(&str) -> String,
    /// The start of the line that offers a command's name as a value, its description after.
    candidate: fn(&str) -> String,
    /// The line before the block's end, if any (PowerShell's `break`).
    tail: &'static str,
}

const POWERSHELL: Keyed = Keyed {
    header: |key| format!("        '{key}' {{"),
    candidate: |name| {
        format!("            [CompletionResult]::new('{name}', '{name}', [CompletionResultType]::ParameterValue,")
    },
    tail: "            break",
};

const ELVISH: Keyed = Keyed {
    header: |key| format!("        &'{key}'= {{"),
    candidate: |name| format!("            cand {name} "),
    tail: "",
};

/// PowerShell, elvish: `man`'s words are the names [`man_pages`] gives after those typed, each
/// with its command's description, beside `man`'s options, where `man` and every page under it
/// offered the options alone (`iemsim;man`) or nothing (`iemsim;man;profile`, unknown: elvish
/// failed). Each path under `man` gets a block of its own: these scripts look a block up by the
/// words typed.
fn keyed_man_pages(keyed: &Keyed, script: &str, pages: &[(String, Vec<String>)]) -> String {
    let lines: Vec<&str> = script.lines().collect();
    // A block's header and end (the first line at the header's indent) by their index.
    let block = |key: &str| -> Option<(usize, usize)> {
        let header = (keyed.header)(key);
        let start = lines.iter().position(|l| *l == header)?;
        let end = lines[start..].iter().position(|l| *l == "        }")?;
        Some((start, start + end))
    };
    let key = |path: &str| {
        path.split_whitespace()
            .fold(String::from("iemsim"), |k, w| k + ";" + w)
    };
    let Some((start, end)) = block(&key(MAN)) else {
        return script.to_string();
    };
    let options: Vec<&str> = lines[start + 1..end]
        .iter()
        .copied()
        .filter(|l| *l != keyed.tail)
        .collect();
    let mut paths = vec![String::new()];
    for (path, names) in pages {
        paths.extend(
            names
                .iter()
                .map(|n| format!("{path} {n}").trim_start().to_string()),
        );
    }
    let mut blocks: Vec<String> = Vec::new();
    for path in &paths {
        blocks.push((keyed.header)(&key(&format!("{MAN} {path}"))));
        blocks.extend(options.iter().map(|l| l.to_string()));
        let names = pages.iter().find(|(p, _)| p == path).map(|(_, n)| n);
        // The names' lines where the command itself offers them, descriptions and all.
        let offered = block(&key(path)).map_or(&[][..], |(s, e)| &lines[s + 1..e]);
        let candidates = names.into_iter().flatten().filter_map(|name| {
            let line = (keyed.candidate)(name);
            offered.iter().find(|l| l.starts_with(&line))
        });
        blocks.extend(candidates.map(|l| l.to_string()));
        if !keyed.tail.is_empty() {
            blocks.push(keyed.tail.to_string());
        }
        blocks.push("        }".to_string());
    }
    let blocks = blocks.iter().map(String::as_str);
    let all: Vec<&str> = lines[..start].iter().copied().chain(blocks).collect();
    [&all[..], &lines[end + 1..]].concat().join("\n") + "\n"
}

//! The tool documents itself: `iemsim completions SHELL` and `iemsim man [COMMAND]` (issue 21
//! item 12). The completion script is loaded in a real bash and asked to complete; the manual
//! pages are read by groff, which must not warn. Both are skipped when the program is missing.

use crate::common::cli::{iemsim, stderr, text};
use crate::common::tools;
use std::process::{Command, Stdio};

/// The commands `iemsim --help` lists (the first word of each line of its Commands section).
fn commands() -> Vec<String> {
    let help = text(&iemsim(&["--help"]).stdout);
    let section = help
        .split("Commands:\n")
        .nth(1)
        .and_then(|s| s.split("\n\n").next())
        .expect("a Commands section");
    section
        .lines()
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_string)
        .collect()
}

#[test]
fn completions_for_every_shell_and_bash_completes_for_real() {
    let names = commands();
    assert!(names.len() >= 12, "{names:?}");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let o = iemsim(&["completions", shell]);
        assert!(o.status.success(), "{shell}: {}", stderr(&o));
        let script = text(&o.stdout);
        for name in &names {
            assert!(script.contains(name.as_str()), "{shell}: no {name}");
        }
        assert!(script.contains("headphones"), "{shell}: no options");
    }
    let o = iemsim(&["completions", "tcsh"]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));

    if !tools::have(&["bash"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("iemsim.bash");
    std::fs::write(&script, iemsim(&["completions", "bash"]).stdout).unwrap();
    // Completed in a folder of its own, with one file in it.
    let work = dir.path().join("work");
    std::fs::create_dir(&work).unwrap();
    std::fs::write(work.join("hd.csv"), "").unwrap();
    // What bash offers after `iemsim ex<TAB>` and after `iemsim export --dith<TAB>`.
    let complete = |words: &str| {
        let cmd = format!(
            "source '{}'; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE='{words}'; COMP_POINT=${{#COMP_LINE}}; \
             _iemsim iemsim \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             echo \"${{COMPREPLY[@]}}\"",
            script.display()
        );
        let o = Command::new("bash")
            .args(["--norc", "-c", &cmd])
            .current_dir(&work)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{words}: {}", stderr(&o));
        text(&o.stdout).trim().to_string()
    };
    assert_eq!(complete("iemsim ex"), "export");
    assert_eq!(complete("iemsim export --dith"), "--dither");
    let mut kinds: Vec<String> = complete("iemsim demo si")
        .split_whitespace()
        .map(str::to_string)
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["sibilance", "signatures"]);
    // A target option offers the bundled targets' names and the files (it offered only file
    // names, then only the names: bash's `-o default` falls back to files only when no name
    // matches); `man` the commands.
    let words = |line: &str| -> Vec<String> {
        let mut w: Vec<String> = complete(line)
            .split_whitespace()
            .map(str::to_string)
            .collect();
        w.sort();
        w
    };
    let names_and_file = || TARGETS.iter().chain(&["hd.csv"]).map(|t| t.to_string());
    for option in ["fit m.csv --target", "show --headphone-target"] {
        let mut expected: Vec<String> = names_and_file().collect();
        expected.sort();
        assert_eq!(words(&format!("iemsim {option} ''")), expected, "{option}");
    }
    assert_eq!(
        words("iemsim show ba --measurement-target h"),
        [
            "harman",
            "harman-in-ear-2019",
            "harman-over-ear-2018",
            "hd.csv"
        ]
    );
    assert_eq!(
        words("iemsim show ba --headphone-target harman-"),
        ["harman-in-ear-2019", "harman-over-ear-2018"]
    );
    // `config set KEY` takes what the option of that name takes (it offered the keys again).
    let mut expected: Vec<String> = names_and_file().collect();
    expected.sort();
    assert_eq!(words("iemsim config set headphone-target ''"), expected);
    assert_eq!(words("iemsim config set headphones ''"), ["hd.csv"]);
    assert_eq!(
        words("iemsim config set h"),
        ["headphone-target", "headphones"]
    );
    assert_eq!(words("iemsim man exp"), ["export"]);
    // After `man profile`, the pages `man` has there (it offered the top-level commands again).
    let pages = |line: &str| -> Vec<String> {
        let w = words(line);
        w.into_iter().filter(|w| !w.starts_with('-')).collect()
    };
    assert_eq!(pages("iemsim man profile ''"), ["convert"]);
    assert_eq!(pages("iemsim man config ''"), ["get", "set", "unset"]);
    assert_eq!(pages("iemsim man profile convert ''"), Vec::<String>::new());
    assert_eq!(pages("iemsim man export ''"), Vec::<String>::new());
    assert!(pages("iemsim man ''").contains(&"profile".to_string()));
}

/// The bundled targets (`src/profiles/headphones.rs`, `BUILTIN_TARGETS`), sorted.
const TARGETS: [&str; 4] = [
    "diffuse-field",
    "harman",
    "harman-in-ear-2019",
    "harman-over-ear-2018",
];

/// fish completes an argument's fixed values too (`demo si<TAB>`, `config unset <TAB>`):
/// clap_complete's fish script completed option values only, and offered file names there.
#[test]
fn fish_completes_argument_values() {
    if !tools::have(&["fish"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("iemsim.fish");
    std::fs::write(&script, iemsim(&["completions", "fish"]).stdout).unwrap();
    let complete = |line: &str| {
        let cmd = format!("source '{}'; complete -C'{line}'", script.display());
        let o = Command::new("fish")
            .args(["--no-config", "-c", &cmd])
            .current_dir(dir.path())
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert!(o.status.success(), "{line}: {}", stderr(&o));
        let mut words: Vec<String> = text(&o.stdout)
            .lines()
            .map(|l| l.split('\t').next().unwrap_or("").to_string())
            .collect();
        words.sort();
        words
    };
    assert_eq!(complete("iemsim demo si"), ["sibilance", "signatures"]);
    assert_eq!(
        complete("iemsim config unset "),
        ["headphone-target", "headphones"]
    );
    assert_eq!(complete("iemsim completions z"), ["zsh"]);
    assert_eq!(complete("iemsim export --dither t"), ["tpdf"]);
    // An argument that takes a file after the value still offers files.
    assert!(complete("iemsim generate ").contains(&"music".to_string()));
    // The keys alone, no file names among them (`config set <TAB>` mixed them); the value
    // after a key is a file again.
    std::fs::write(dir.path().join("hd.csv"), "").unwrap();
    assert_eq!(
        complete("iemsim config set "),
        ["headphone-target", "headphones"]
    );
    assert!(complete("iemsim config set headphones ").contains(&"hd.csv".to_string()));
    // headphone-target takes a target's name too, as --headphone-target does (files only).
    let mut expected: Vec<String> = TARGETS
        .iter()
        .chain(&["hd.csv"])
        .map(|t| t.to_string())
        .collect();
    expected.sort();
    let values = complete("iemsim config set headphone-target ");
    assert_eq!(
        values
            .iter()
            .filter(|v| !v.ends_with(".fish"))
            .cloned()
            .collect::<Vec<_>>(),
        expected
    );
    // A target option offers the bundled targets' names and files (`--target <TAB>` offered
    // only files); `man` the commands.
    let targets = complete("iemsim fit m.csv --target ");
    for t in TARGETS {
        assert!(targets.contains(&t.to_string()), "{t}: {targets:?}");
    }
    assert!(targets.contains(&"hd.csv".to_string()), "{targets:?}");
    let targets = complete("iemsim show ba --headphone-target ");
    assert!(
        targets.contains(&"harman".to_string()) && targets.contains(&"hd.csv".to_string()),
        "{targets:?}"
    );
    assert_eq!(complete("iemsim man exp"), ["export"]);
    // After `man profile`, the pages `man` has there (it offered the top-level commands again).
    assert_eq!(complete("iemsim man profile "), ["convert"]);
    assert_eq!(complete("iemsim man config "), ["get", "set", "unset"]);
    assert_eq!(complete("iemsim man export "), Vec::<String>::new());
    assert!(complete("iemsim man ").contains(&"profile".to_string()));
}

/// zsh completes in a terminal only (tmux): `man` the pages it has after the words typed, a
/// target option the names and the files (it offered the names alone).
#[test]
fn zsh_completes_man_pages_and_targets_with_files() {
    if !tools::have(&["zsh", "tmux"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("_iemsim");
    std::fs::write(&script, iemsim(&["completions", "zsh"]).stdout).unwrap();
    std::fs::write(dir.path().join("hd.csv"), "").unwrap();
    let zsh = crate::common::tmux::Tmux::start("zsh-completion", 160, 40, "zsh -f");
    let setup = format!(
        "PS1='> '; cd {}; autoload -U compinit; compinit -u -D; source {}; echo RE''ADY",
        crate::common::tmux::sh_quote(&dir.path().to_string_lossy()),
        crate::common::tmux::sh_quote(&script.to_string_lossy())
    );
    zsh.keys(&[&setup, "Enter"]);
    zsh.wait_for("zsh with the script", |s| s.lines().any(|l| l == "READY"));
    // The screen once `line` + Tab has brought what `done` looks for.
    let complete = |line: &str, done: &dyn Fn(&str) -> bool| -> String {
        zsh.keys(&["C-u", "C-l"]);
        zsh.wait_for("a clear line", |s| s.trim() == ">");
        zsh.keys(&[line, "Tab"]);
        zsh.wait_for(line, done)
    };
    // One page after `man profile`: inserted.
    complete("iemsim man profile ", &|s| {
        s.contains("> iemsim man profile convert")
    });
    let screen = complete("iemsim man config ", &|s| s.contains("unset"));
    assert!(
        screen.contains("get") && !screen.contains("completions"),
        "{screen}"
    );
    let screen = complete("iemsim man ", &|s| s.contains("completions"));
    assert!(screen.contains("profile"), "{screen}");
    // After a profile too (`*::profiles` made an option one more profile: files), and as the
    // value of `config set headphone-target` (files only).
    for line in [
        "iemsim fit m.csv --target ",
        "iemsim export --headphone-target ",
        "iemsim show ba --headphone-target ",
        "iemsim config set headphone-target ",
    ] {
        complete(line, &|s| {
            TARGETS.iter().chain(&["hd.csv"]).all(|t| s.contains(t))
        });
    }
    // The options after a profile (nothing was offered); more profiles after profiles.
    complete("iemsim show ba --", &|s| s.contains("--measurement-target"));
    complete("iemsim show ba dd ", &|s| {
        s.lines()
            .any(|l| l.contains("hd.csv") && !l.starts_with('>'))
    });
    let screen = complete("iemsim config set headphones ", &|s| s.contains("hd.csv"));
    assert!(!screen.contains("harman"), "{screen}");
}

/// The names PowerShell's or elvish's script offers as values (not options) in the block it
/// looks up after the words `key` (`iemsim;man;profile`), or None without that block.
fn keyed_values(script: &str, header: &str) -> Option<Vec<String>> {
    let mut lines = script.lines().skip_while(|l| *l != header);
    lines.next()?;
    let names = lines.take_while(|l| *l != "        }").filter_map(|l| {
        let l = l.trim();
        let name = match l.strip_prefix("[CompletionResult]::new('") {
            Some(rest) if l.contains("ParameterValue") => rest.split('\'').next(),
            Some(_) => None,
            None => l.strip_prefix("cand ").and_then(|r| r.split(' ').next()),
        };
        name.filter(|n| !n.starts_with('-')).map(str::to_string)
    });
    Some(names.collect())
}

/// PowerShell and elvish: `man` offers the pages it has after the words typed, as bash does
/// (`man <TAB>` offered `man`'s options alone; `man profile <TAB>` nothing, elvish an error: no
/// such key). Read from the scripts (no PowerShell here), and from a live elvish where present.
#[test]
fn powershell_and_elvish_complete_man_pages() {
    let mut top = commands();
    top.sort();
    // Each shell's block header: what comes before and after its key.
    for (shell, before, after) in [("powershell", "'", "' {"), ("elvish", "&'", "'= {")] {
        let header = |key: &str| format!("        {before}{key}{after}");
        let script = text(&iemsim(&["completions", shell]).stdout);
        let values = |key: &str| {
            let mut v =
                keyed_values(&script, &header(key)).unwrap_or_else(|| panic!("{shell}: no {key}"));
            v.sort();
            v
        };
        assert_eq!(values("iemsim;man"), top, "{shell}");
        assert_eq!(values("iemsim;man;profile"), ["convert"], "{shell}");
        assert_eq!(
            values("iemsim;man;config"),
            ["get", "set", "unset"],
            "{shell}"
        );
        assert!(values("iemsim;man;profile;convert").is_empty(), "{shell}");
        assert!(values("iemsim;man;export").is_empty(), "{shell}");
        // The commands' own blocks are as they were.
        assert_eq!(values("iemsim;profile"), ["convert", "help"], "{shell}");
    }
    if !tools::have(&["elvish", "tmux"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("iemsim.elv");
    std::fs::write(&script, iemsim(&["completions", "elvish"]).stdout).unwrap();
    let elvish = crate::common::tmux::Tmux::start("elvish-completion", 160, 40, "elvish -norc");
    // Each line's candidates, as `[words] candidates…`.
    let ask = format!(
        "eval (slurp < '{}'); for w ['man' 'man profile' 'man config' 'man export'] {{ \
         echo '['$w']' ($edit:completion:arg-completer[iemsim] iemsim (str:split ' ' $w) '' \
         | each {{|c| put $c[stem] }} | order) }}",
        script.to_string_lossy().replace('\'', "''")
    );
    elvish.keys(&[&ask, "Enter"]);
    let screen = elvish.wait_for("elvish's candidates", |s| s.contains("[man export]"));
    let wanted = [
        "[man profile] --force --help --out-dir -h convert",
        "[man config] --force --help --out-dir -h get set unset",
        "[man export] --force --help --out-dir -h",
    ];
    for w in wanted {
        assert!(screen.lines().any(|l| l.trim_end() == w), "{w}\n{screen}");
    }
    let man = screen
        .lines()
        .find(|l| l.starts_with("[man] "))
        .unwrap_or("");
    assert!(
        man.contains(" profile ") && man.contains(" export "),
        "{screen}"
    );
}

#[test]
fn man_pages_for_the_tool_and_each_command() {
    let o = iemsim(&["man"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let page = text(&o.stdout);
    assert!(page.contains(".TH iemsim 1"), "{page}");
    assert!(page.contains(".SH NAME") && page.contains(".SH SUBCOMMANDS"));
    let names = commands();
    for name in &names {
        assert!(page.contains(&format!("iemsim\\-{name}(1)")), "{name}");
        let o = iemsim(&["man", name]);
        assert!(o.status.success(), "{name}: {}", stderr(&o));
        let sub = text(&o.stdout);
        assert!(
            sub.contains(&format!(".TH iemsim-{name} 1")),
            "{name}: {sub}"
        );
    }
    // No page points to a `help` page, which cannot be made; nested commands have theirs.
    assert!(!page.contains("iemsim\\-help"), "{page}");
    let o = iemsim(&["man", "profile"]);
    assert!(!text(&o.stdout).contains("help(1)"), "{}", text(&o.stdout));
    assert!(text(&o.stdout).contains("iemsim\\-profile\\-convert(1)"));
    let o = iemsim(&["man", "profile", "convert"]);
    assert!(
        text(&o.stdout).contains(".TH iemsim-profile-convert 1"),
        "{}",
        stderr(&o)
    );
    // Every page into a folder: one per command and subcommand, never clobbered without --force.
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("man1");
    let o = iemsim(&["man", "--out-dir", out.to_str().unwrap()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut files: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for name in names.iter().map(|n| format!("iemsim-{n}.1")).chain([
        "iemsim.1".to_string(),
        "iemsim-profile-convert.1".to_string(),
        "iemsim-config-set.1".to_string(),
    ]) {
        assert!(files.contains(&name), "{name} missing: {files:?}");
    }
    assert!(!files.iter().any(|f| f.contains("help")), "{files:?}");
    let o = iemsim(&["man", "--out-dir", out.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = iemsim(&["man", "--out-dir", out.to_str().unwrap(), "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));

    let o = iemsim(&["man", "nope"]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("\"nope\"") && err.contains("export"), "{err}");

    if !tools::have(&["groff"]) {
        return;
    }
    for args in [vec!["man"], vec!["man", "export"], vec!["man", "play"]] {
        let roff = iemsim(&args).stdout;
        let mut g = Command::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-P-cbou"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        g.stdin.take().unwrap().write_all(&roff).unwrap();
        let o = g.wait_with_output().unwrap();
        assert!(o.status.success(), "{args:?}: {}", stderr(&o));
        assert_eq!(stderr(&o), "", "{args:?}: groff warns");
        let shown = text(&o.stdout);
        assert!(
            shown.contains("NAME") && shown.contains("iemsim"),
            "{args:?}"
        );
    }
}

/// `man --out-dir` on a disk that fills up (here: a file-size limit the largest page passes)
/// leaves no page behind and no folder it made, so the next run is not refused as "already
/// exists": 13 of 20 pages were left, and a second run refused. The pages are written to
/// temporary files first and named only when all are complete.
#[test]
fn man_out_dir_writes_every_page_or_none() {
    if !tools::have(&["python3"]) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = crate::common::cli::run(&["man", "--out-dir", "all"], d);
    assert!(o.status.success(), "{}", stderr(&o));
    let size = |p: std::path::PathBuf| std::fs::metadata(p).unwrap().len();
    let largest = std::fs::read_dir(d.join("all"))
        .unwrap()
        .map(|e| size(e.unwrap().path()))
        .max()
        .unwrap();
    // The first page written (iemsim.1) fits under the limit: a run that named each page as it
    // went left it (and the ones after it) behind.
    assert!(size(d.join("all/iemsim.1")) < largest - 1);
    let limit = largest - 1;
    let o = crate::common::cli::run_with_file_size_limit(d, limit, &["man", "--out-dir", "man1"]);
    let err = stderr(&o);
    assert!(!o.status.success(), "{err}");
    assert!(err.contains("(no page was written)"), "{err}");
    assert!(!d.join("man1").exists(), "{err}");
    // Into a folder that exists: it stays, empty.
    std::fs::create_dir(d.join("man1")).unwrap();
    let o = crate::common::cli::run_with_file_size_limit(d, limit, &["man", "--out-dir", "man1"]);
    assert!(!o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read_dir(d.join("man1")).unwrap().count(), 0);
    let o = crate::common::cli::run(&["man", "--out-dir", "man1"], d);
    assert!(o.status.success(), "{}", stderr(&o));
}

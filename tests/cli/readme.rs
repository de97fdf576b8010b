//! The README's examples are real (issue 21 item 13): every `$ iemsim …` line in a code block of
//! README.md runs here, each in a fresh empty folder, and what it prints (standard output and
//! error, interleaved as a terminal shows them) must match the lines shown under it. In the README,
//! `…` or `...` alone on a line stands for any number of lines, and `…` inside a line for any
//! text: that is how an example leaves out what it does not need to show. Examples that cannot be
//! checked here are listed in [`NOT_CHECKED`], each with the reason.

use crate::common::cli::{command, root, text};
use std::path::Path;

/// Examples left out, and why.
const NOT_CHECKED: &[(&str, &str)] = &[(
    "iemsim play --no-tui",
    "needs an audio device and prints timings (tests/audio/play.rs checks the player)",
)];

/// Files an example names that the fresh folder gets a copy of.
const FIXTURES: &[(&str, &str)] = &[(
    "Moondrop Chu.csv",
    "tests/fixtures/measurements/Moondrop Chu.csv",
)];

struct Example {
    /// The README's line number of the `$` line.
    line: usize,
    command: String,
    expected: Vec<String>,
}

/// Every `$ iemsim` line inside a ``` block, with the lines under it up to the next `$` line or
/// the end of the block.
fn examples(readme: &str) -> Vec<Example> {
    let mut out: Vec<Example> = Vec::new();
    let mut in_block = false;
    let mut current: Option<Example> = None;
    for (i, line) in readme.lines().enumerate() {
        if line.starts_with("```") {
            in_block = !in_block;
            out.extend(current.take());
            continue;
        }
        if !in_block {
            continue;
        }
        if let Some(cmd) = line.strip_prefix("$ ") {
            out.extend(current.take());
            if cmd.starts_with("iemsim ") {
                current = Some(Example {
                    line: i + 1,
                    command: cmd.to_string(),
                    expected: Vec::new(),
                });
            }
        } else if let Some(e) = current.as_mut() {
            e.expected.push(line.trim_end().to_string());
        }
    }
    out
}

/// Splits a command line as a shell would: spaces, '…' and "…" quotes.
fn words(command: &str) -> Vec<String> {
    let (mut out, mut word, mut quote, mut any) = (Vec::new(), String::new(), None, false);
    for c in command.chars() {
        match (quote, c) {
            (None, '"' | '\'') => (quote, any) = (Some(c), true),
            (Some(q), c) if c == q => quote = None,
            (None, ' ') => {
                if any {
                    out.push(std::mem::take(&mut word));
                }
                any = false;
            }
            (_, c) => {
                word.push(c);
                any = true;
            }
        }
    }
    if any {
        out.push(word);
    }
    out
}

/// `line` matches `pattern`, where each `…` in the pattern stands for any text.
fn line_matches(pattern: &str, line: &str) -> bool {
    let parts: Vec<&str> = pattern.split('…').collect();
    if parts.len() == 1 {
        return pattern == line;
    }
    let (first, last) = (parts[0], parts[parts.len() - 1]);
    if !line.starts_with(first) || line.len() < first.len() + last.len() || !line.ends_with(last) {
        return false;
    }
    let mut rest = &line[first.len()..line.len() - last.len()];
    for part in &parts[1..parts.len() - 1] {
        match rest.find(part) {
            Some(at) => rest = &rest[at + part.len()..],
            None => return false,
        }
    }
    true
}

/// The expected lines match the actual ones, a line of `…`/`...` matching any number of them.
fn lines_match(expected: &[String], actual: &[&str]) -> bool {
    match expected.split_first() {
        None => actual.is_empty(),
        Some((e, rest)) if matches!(e.trim(), "…" | "...") => {
            (0..=actual.len()).any(|skip| lines_match(rest, &actual[skip..]))
        }
        Some((e, rest)) => actual
            .split_first()
            .is_some_and(|(a, more)| line_matches(e, a) && lines_match(rest, more)),
    }
}

fn run(example: &Example, dir: &Path) -> String {
    for (name, from) in FIXTURES {
        if example.command.contains(name) {
            std::fs::copy(root().join(from), dir.join(name)).expect("copy fixture");
        }
    }
    let args = words(&example.command);
    // Both outputs into one pipe, in the order they were written.
    let o = command()
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("IEMSIM_CONFIG_DIR", dir.join("no-config"))
        .env("NO_COLOR", "1")
        .current_dir(dir)
        .arg0_shell(&args[1..])
        .output()
        .expect("run the example");
    text(&o.stdout)
}

/// `iemsim ARGS 2>&1` through `sh`, keeping the binary and environment of [`command`].
trait Arg0Shell {
    fn arg0_shell(&mut self, args: &[String]) -> &mut Self;
}

impl Arg0Shell for std::process::Command {
    fn arg0_shell(&mut self, args: &[String]) -> &mut Self {
        let bin = self.get_program().to_os_string();
        let mut sh = std::process::Command::new("sh");
        sh.arg("-c")
            .arg("exec \"$0\" \"$@\" 2>&1")
            .arg(bin)
            .args(args);
        for (k, v) in self.get_envs() {
            match v {
                Some(v) => sh.env(k, v),
                None => sh.env_remove(k),
            };
        }
        if let Some(d) = self.get_current_dir() {
            sh.current_dir(d);
        }
        *self = sh;
        self
    }
}

#[test]
fn every_readme_example_prints_what_the_readme_shows() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let all = examples(&readme);
    assert!(all.len() >= 10, "only {} examples found", all.len());
    let mut failures = Vec::new();
    for example in &all {
        if NOT_CHECKED
            .iter()
            .any(|(prefix, _)| example.command.starts_with(prefix))
        {
            continue;
        }
        let dir = tempfile::tempdir().unwrap();
        let printed = run(example, dir.path());
        let actual: Vec<&str> = printed.lines().map(str::trim_end).collect();
        if !lines_match(&example.expected, &actual) {
            failures.push(format!(
                "README.md:{}: $ {}\n--- the README shows:\n{}\n--- it prints:\n{}",
                example.line,
                example.command,
                example.expected.join("\n"),
                actual.join("\n")
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn the_matcher_can_fail() {
    let e = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    assert!(lines_match(&e(&["a", "…", "z"]), &["a", "b", "c", "z"]));
    assert!(!lines_match(&e(&["a", "z"]), &["a", "b", "z"]));
    assert!(lines_match(
        &e(&["gain +3.7 dB, …"]),
        &["gain +3.7 dB, peak -0.1"]
    ));
    assert!(!lines_match(
        &e(&["gain +3.7 dB, …"]),
        &["gain +4.2 dB, peak -0.1"]
    ));
    assert!(!lines_match(&e(&["a"]), &["a", "extra"]));
    assert_eq!(
        words(r#"iemsim fit "Moondrop Chu.csv" -o x.txt"#),
        ["iemsim", "fit", "Moondrop Chu.csv", "-o", "x.txt"]
    );
}

/// The README said AutoEq files are "read as published", but older AutoEq files write `LS`/`HS`
/// for shelves AutoEq computed at that centre (AutoEq issues #586, #610), which iemsim reads as
/// Equalizer APO does (the corner): it now says so, and that `LS` → `LSC` gives AutoEq's curve,
/// which is checked here on such a line.
#[test]
fn the_readme_says_how_older_autoeq_shelves_are_read() {
    let readme = std::fs::read_to_string(root().join("README.md")).expect("README.md");
    let flat = readme.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(!flat.contains("read as published"));
    for claim in [
        "(`.txt`), read as Equalizer APO reads them",
        "AutoEq issues #586 and #610",
        "renaming `LS` to `LSC` and `HS` to `HSC` in such a file gives AutoEq's computed curve",
    ] {
        assert!(flat.contains(claim), "{claim}");
    }
    let dir = tempfile::tempdir().unwrap();
    let fc_of = |ty: &str| {
        let file = dir.path().join(format!("{ty}.txt"));
        let line = format!("Filter 1: ON {ty} Fc 105 Hz Gain 6.4 dB Q 0.70\n");
        std::fs::write(&file, line).unwrap();
        let o = command()
            .args(["show", file.to_str().unwrap(), "--json"])
            .output()
            .expect("run iemsim");
        assert!(o.status.success(), "{}", text(&o.stderr));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        let f = &j["profile"]["filters"][0];
        assert_eq!((&f["kind"], &f["q"]), (&"low_shelf".into(), &0.7.into()));
        f["fc_hz"].as_f64().unwrap()
    };
    // LSC: AutoEq's shelf, the RBJ cookbook's at 105 Hz; LS: Equalizer APO's corner at 105 Hz,
    // the Q first turned into the slope S it equals at that gain (BiQuadFilter::initialize):
    // S = 1/((1/Q² − 2)/(A + 1/A) + 1), A = 10^(6.4/40), then 105 · 10^(6.4/80/S) = 126.6826 Hz
    // (numpy on Equalizer APO's formula; Q used as S gave 136.4 Hz).
    assert_eq!(fc_of("LSC"), 105.0);
    let corner = 126.682_636;
    assert!((fc_of("LS") - corner).abs() < 1e-5, "{}", fc_of("LS"));
}

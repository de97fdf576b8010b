//! The module graph, checked from the source text: which layer may import which.
//!
//! ```text
//! commands (glue: one module per subcommand; shared glue in commands/{mod,out,charts,session}.rs)
//!   ↓
//! playback (real time)      ui (screens, charts, progress: imports nothing else)
//!   ↓
//! render (the one offline path: export, loudness matching, demo material)   profiles
//!   ↓
//! io (files)
//!   ↓
//! dsp (pure)
//! ```
//!
//! Rules (each a test below): `dsp` imports nothing else of the crate; `playback` imports no `ui`
//! or `commands`; no library module imports `commands` or `cli`; `ui` imports nothing else; a
//! command does not import another command (only the shared glue), and no two source files of the
//! commands import each other, directly or round a cycle; no command builds its own cascade or
//! meter (offline filtering goes through `render`); the benchmarks do not import `commands`.
//!
//! Imports are read from `crate::`, `super::`, `self::` and `iemsim::` paths in the code (comments
//! left out), `use` groups expanded one level (`use super::{report, part}` names both).
//! Standalone on purpose (no crate code), so it can be run against another tree.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path from the crate root: `["commands", "demo", "export"]`.
type ModPath = Vec<String>;

/// The library layers: none of them may import `commands` or `cli`.
const LIBRARY: &[&str] = &[
    "dsp",
    "io",
    "profiles",
    "render",
    "matching",
    "playback",
    "ui",
    "error",
    "interrupt",
];

/// Glue shared by several commands, which any command may import.
const SHARED_GLUE: &[&str] = &["out", "charts", "session"];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The module a file under `src/` defines (`src/a/mod.rs` and `src/a.rs` are both `a`).
fn module_of(rel: &Path) -> ModPath {
    let mut parts: Vec<String> = rel
        .iter()
        .map(|c| c.to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts
}

/// The code of a file without its comments (doc links name modules without importing them).
fn code(text: &str) -> String {
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn ident(s: &str) -> (&str, &str) {
    let end = s
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    s.split_at(end)
}

/// Every path a file names, as segments after its prefix (`crate`, `super`...), with `{a, b}`
/// groups expanded one level.
fn paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$') {
            continue;
        }
        let mut segs = Vec::new();
        let mut s = rest;
        loop {
            let (id, after) = ident(s);
            if id.is_empty() {
                if let Some(group) = s.strip_prefix('{') {
                    let mut depth = 1;
                    let mut item = String::new();
                    let mut items = Vec::new();
                    for c in group.chars() {
                        match c {
                            '{' => depth += 1,
                            '}' => depth -= 1,
                            _ => {}
                        }
                        if depth == 0 {
                            break;
                        }
                        if c == ',' && depth == 1 {
                            items.push(std::mem::take(&mut item));
                        } else {
                            item.push(c);
                        }
                    }
                    items.push(item);
                    for it in items {
                        let (first, _) = ident(it.trim());
                        if !first.is_empty() && first != "self" {
                            let mut p = segs.clone();
                            p.push(first.to_string());
                            out.push(p);
                        }
                    }
                }
                break;
            }
            segs.push(id.to_string());
            match after.strip_prefix("::") {
                Some(next) => s = next,
                None => break,
            }
        }
        out.push(segs);
    }
    out
}

struct Crate {
    /// Every module that has a file, by path.
    modules: BTreeSet<ModPath>,
    /// For each module, the modules it names (resolved to the longest module with a file).
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

impl Crate {
    fn read(src: &Path) -> Self {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        let mut texts = Vec::new();
        let mut modules = BTreeSet::new();
        for f in files {
            let rel = f.strip_prefix(src).expect("under src");
            if rel == Path::new("main.rs") {
                continue; // the binary: a crate of its own on top of everything
            }
            let m = module_of(rel);
            modules.insert(m.clone());
            texts.push((m, code(&std::fs::read_to_string(&f).expect("read source"))));
        }
        let resolve = |abs: Vec<String>| -> Option<ModPath> {
            (1..=abs.len())
                .rev()
                .map(|n| abs[..n].to_vec())
                .find(|p| modules.contains(p))
        };
        let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
        for (m, text) in &texts {
            let mut targets = BTreeSet::new();
            for p in paths_after(text, "crate::") {
                targets.extend(resolve(p));
            }
            for p in paths_after(text, "self::") {
                targets.extend(resolve([m.clone(), p].concat()));
            }
            for p in paths_after(text, "super::") {
                // `super::super::x`: one level up per `super`.
                let ups = 1 + p.iter().take_while(|s| *s == "super").count();
                let rest: Vec<String> = p.into_iter().skip_while(|s| s == "super").collect();
                let base = m[..m.len().saturating_sub(ups)].to_vec();
                targets.extend(resolve([base, rest].concat()));
            }
            targets.remove(m);
            edges.entry(m.clone()).or_default().extend(targets);
        }
        Self { modules, edges }
    }

    /// (from, to) for every import whose layers match.
    fn imports(&self, from_layer: &str) -> Vec<(String, String)> {
        self.edges
            .iter()
            .filter(|(m, _)| m.first().is_some_and(|l| l == from_layer))
            .flat_map(|(m, ts)| ts.iter().map(move |t| (m.join("::"), t.join("::"))))
            .collect()
    }
}

fn layer(path: &str) -> &str {
    path.split("::").next().unwrap_or("")
}

fn src() -> Crate {
    Crate::read(&root().join("src"))
}

fn assert_none(what: &str, bad: Vec<(String, String)>) {
    let lines: Vec<String> = bad.iter().map(|(a, b)| format!("  {a} -> {b}")).collect();
    assert!(lines.is_empty(), "{what}:\n{}", lines.join("\n"));
}

#[test]
fn dsp_imports_nothing_else_of_the_crate() {
    let bad = src()
        .imports("dsp")
        .into_iter()
        .filter(|(_, t)| layer(t) != "dsp")
        .collect();
    assert_none(
        "dsp must stay pure (no io, playback, ui, commands, render...)",
        bad,
    );
}

#[test]
fn playback_imports_no_ui_and_no_commands() {
    let bad = src()
        .imports("playback")
        .into_iter()
        .filter(|(_, t)| ["ui", "commands", "cli"].contains(&layer(t)))
        .collect();
    assert_none("playback is an edge: it reports, the commands show", bad);
}

#[test]
fn library_modules_import_no_commands() {
    let c = src();
    let bad = LIBRARY
        .iter()
        .flat_map(|l| c.imports(l))
        .filter(|(_, t)| ["commands", "cli"].contains(&layer(t)))
        .collect();
    assert_none("the library layer must not depend on the commands", bad);
}

#[test]
fn ui_imports_nothing_else_of_the_crate() {
    let bad = src()
        .imports("ui")
        .into_iter()
        .filter(|(_, t)| layer(t) != "ui")
        .collect();
    assert_none("ui draws plain data handed to it", bad);
}

/// The command a module belongs to (`commands::demo::part` → `demo`), None for `commands` itself.
fn command_of(m: &str) -> Option<&str> {
    m.strip_prefix("commands::").map(layer)
}

#[test]
fn no_command_imports_another_command() {
    let bad = src()
        .imports("commands")
        .into_iter()
        .filter(|(from, to)| match (command_of(from), command_of(to)) {
            (Some(a), Some(b)) => a != b && !SHARED_GLUE.contains(&b),
            _ => false,
        })
        .collect();
    assert_none(
        "a command must not call another command's internals (lift what both need into the library)",
        bad,
    );
}

#[test]
fn no_import_cycle_between_command_files() {
    let c = src();
    // Edges between command files, leaving out a module's own parents (a parent module is the
    // folder's face: `super::title` names the parent, which re-exports its children).
    let graph: BTreeMap<&ModPath, Vec<&ModPath>> = c
        .edges
        .iter()
        .filter(|(m, _)| m.first().is_some_and(|l| l == "commands"))
        .map(|(m, ts)| {
            let ts = ts
                .iter()
                .filter(|t| t.first().is_some_and(|l| l == "commands"))
                .filter(|t| !m.starts_with(t) && !t.starts_with(m))
                .collect();
            (m, ts)
        })
        .collect();
    let mut cycles = Vec::new();
    for start in graph.keys() {
        // Depth-first from `start`, looking for a way back to it.
        let mut stack = vec![(*start, vec![(*start).clone()])];
        let mut seen = BTreeSet::new();
        while let Some((m, trail)) = stack.pop() {
            for t in graph.get(m).into_iter().flatten() {
                if t == start {
                    let names: Vec<String> = trail.iter().map(|p| p.join("::")).collect();
                    cycles.push(format!("{} -> {}", names.join(" -> "), start.join("::")));
                } else if seen.insert(*t) {
                    let mut next = trail.clone();
                    next.push((*t).clone());
                    stack.push((t, next));
                }
            }
        }
    }
    assert!(
        cycles.is_empty(),
        "command files importing each other:\n  {}",
        cycles.join("\n  ")
    );
}

#[test]
fn benches_import_no_commands() {
    let mut files = Vec::new();
    rust_files(&root().join("benches"), &mut files);
    let bad: Vec<(String, String)> = files
        .iter()
        .flat_map(|f| {
            let text = code(&std::fs::read_to_string(f).expect("read bench"));
            paths_after(&text, "iemsim::")
                .into_iter()
                .filter(|p| p.first().is_some_and(|s| s == "commands"))
                .map(|p| (f.display().to_string(), format!("iemsim::{}", p.join("::"))))
                .collect::<Vec<_>>()
        })
        .collect();
    assert_none("benchmarks measure the library, not the commands", bad);
}

/// The checks above see real imports: a known edge of today's tree is found.
#[test]
fn the_reader_finds_known_imports() {
    let c = src();
    let render = c.edges.get(&vec!["render".to_string()]).expect("render");
    assert!(render.iter().any(|t| t[0] == "dsp"), "{render:?}");
    let part = vec!["commands".into(), "demo".into(), "part".into()];
    let edges = c.edges.get(&part).expect("demo part");
    assert!(edges.contains(&vec![
        "commands".to_string(),
        "demo".into(),
        "material".into()
    ]));
    assert!(edges.contains(&vec!["render".to_string(), "matching".into()]));
    assert!(c.modules.len() > 50);
    let parsed = paths_after(
        "use super::{report, DemoKind};\nuse crate::io::{self, Sink};",
        "super::",
    );
    assert!(parsed.contains(&vec!["report".to_string()]));
}

/// Offline filtering and metering go through `render` (one decode → chain → sink loop): no
/// command builds a cascade or a loudness meter of its own.
#[test]
fn commands_filter_and_meter_only_through_render() {
    let mut files = Vec::new();
    rust_files(&root().join("src/commands"), &mut files);
    let mut bad = Vec::new();
    for f in files {
        let text = code(&std::fs::read_to_string(&f).expect("read source"));
        for token in [
            "Chain::new",
            "Chain::with_kernel",
            "GatedMeter",
            "k_weighting",
        ] {
            if text.contains(token) {
                bad.push((f.display().to_string(), token.to_string()));
            }
        }
    }
    assert_none("a command runs its own filter or meter loop", bad);
}

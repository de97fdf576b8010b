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
//! dsp (pure)              abx (blind-test state and statistics: pure, uses dsp only)
//! ```
//!
//! Rules (each a test below): `dsp` imports nothing else of the crate; `abx` imports only `dsp`; `playback` imports no `ui`
//! or `commands`; no library module imports `commands` or `cli`; `ui` imports nothing else; a
//! command does not import another command (only the shared glue), and no two source files of the
//! commands import each other, directly or round a cycle; no command builds its own cascade or
//! meter (offline filtering goes through `render`); the benchmarks do not import `commands`; no
//! source file imports another round a circle (a name a folder's face re-exports leads to the file
//! that defines it; a file naming what its folder's face itself defines is the module tree, not an
//! import; a file's `#[cfg(test)] mod tests` is a module of its own).
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
    "abx",
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
    paths_after_where(text, prefix, |_| false)
}

/// [`paths_after`], leaving out a prefix right after a character `also_not_after` picks.
fn paths_after_where(
    text: &str,
    prefix: &str,
    also_not_after: impl Fn(char) -> bool,
) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(prefix) {
        let before = rest[..i].chars().last();
        rest = &rest[i + prefix.len()..];
        if before
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$' || also_not_after(c))
        {
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
                        if first == "self" {
                            out.push(segs.clone());
                        } else if !first.is_empty() {
                            let mut p = segs.clone();
                            p.push(first.to_string());
                            out.push(p);
                        }
                    }
                    // The group's head alone names nothing (`io::{Sink}` is `io::Sink`).
                    segs.clear();
                }
                break;
            }
            segs.push(id.to_string());
            match after.strip_prefix("::") {
                Some(next) => s = next,
                None => break,
            }
        }
        if !segs.is_empty() {
            out.push(segs);
        }
    }
    out
}

/// [`paths_after`] for a prefix that must start a path (`part::` but not `crate::io::part::`).
fn bare_paths_after(text: &str, prefix: &str) -> Vec<Vec<String>> {
    paths_after_where(text, prefix, |c| c == ':')
}

struct Crate {
    /// Every module that has a file, by path.
    modules: BTreeSet<ModPath>,
    /// For each module, the modules it names (resolved to the longest module with a file).
    edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
    /// For each file's module, the files whose definitions it uses: a name a folder's face
    /// re-exports (`io::Tags`) is followed to the file that defines it (`io::tags`), and the face
    /// handing on its children's names is not an import of them.
    file_edges: BTreeMap<ModPath, BTreeSet<ModPath>>,
}

/// `#[path = "x.rs"] mod name;` in a file: the file `x.rs` (beside it) is the module `name`.
fn path_modules(dir: &Path, text: &str) -> Vec<(PathBuf, String)> {
    let mut out = Vec::new();
    let mut lines = text.lines().map(str::trim);
    while let Some(l) = lines.next() {
        let Some(rest) = l.strip_prefix("#[path = \"") else {
            continue;
        };
        let Some(file) = rest.split('"').next() else {
            continue;
        };
        let Some(decl) = lines.next() else { break };
        let decl = decl
            .trim_start_matches("pub ")
            .trim_start_matches("pub(crate) ");
        if let Some(name) = decl.strip_prefix("mod ") {
            out.push((
                dir.join(file),
                name.trim_end_matches(';').trim().to_string(),
            ));
        }
    }
    out
}

/// A file's code before its `#[cfg(test)] mod NAME {`, NAME, and the code from there on.
fn split_inline_tests(text: &str) -> Option<(String, String, String)> {
    let lines: Vec<&str> = text.lines().collect();
    let at = lines.windows(2).position(|w| {
        w[0].trim() == "#[cfg(test)]" && w[1].starts_with("mod ") && w[1].trim_end().ends_with('{')
    })?;
    let name = lines[at + 1]["mod ".len()..].trim_end_matches('{').trim();
    Some((
        lines[..at].join("\n"),
        name.to_string(),
        lines[at..].join("\n"),
    ))
}

/// The text without its `pub use` statements (what [`reexports`] reads).
fn without_reexports(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest
        .find("pub use ")
        .or_else(|| rest.find("pub(crate) use "))
    {
        out.push_str(&rest[..i]);
        rest = rest[i..].split_once(';').map_or("", |(_, after)| after);
    }
    out.push_str(rest);
    out
}

/// The `pub use` lines of a file: (name it is known by here, path as written after `use`).
fn reexports(text: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest
        .find("pub use ")
        .or_else(|| rest.find("pub(crate) use "))
    {
        let start = &rest[i..];
        let body = start.split_once("use ").map_or("", |(_, b)| b);
        let end = body.find(';').unwrap_or(body.len());
        let item = body[..end].split_whitespace().collect::<Vec<_>>().join(" ");
        rest = &body[end..];
        let (head, names) = match item.split_once('{') {
            Some((h, g)) => (h.to_string(), g.trim_end_matches('}').to_string()),
            None => match item.rsplit_once("::") {
                Some((h, n)) => (format!("{h}::"), n.to_string()),
                None => (String::new(), item.clone()),
            },
        };
        for n in names.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let (orig, alias) = n.split_once(" as ").unwrap_or((n, n));
            out.push((alias.trim().to_string(), format!("{head}{}", orig.trim())));
        }
    }
    out
}

impl Crate {
    fn read(src: &Path) -> Self {
        let mut files = Vec::new();
        rust_files(src, &mut files);
        let sources = files
            .into_iter()
            .map(|f| {
                let text = std::fs::read_to_string(&f).expect("read source");
                let rel = f.strip_prefix(src).expect("under src").to_path_buf();
                (rel, text)
            })
            .collect();
        Self::from_sources(sources)
    }

    /// The graph of source files given as (path under `src/`, text).
    fn from_sources(sources: Vec<(PathBuf, String)>) -> Self {
        let mut by_path: BTreeMap<PathBuf, ModPath> = BTreeMap::new();
        let mut texts: Vec<(PathBuf, String)> = Vec::new();
        for (rel, text) in sources {
            if rel == Path::new("main.rs") {
                continue; // the binary: a crate of its own on top of everything
            }
            by_path.insert(rel.clone(), module_of(&rel));
            texts.push((rel, code(&text)));
        }
        // Files named by `#[path]` are the module their declaration says.
        for (rel, text) in &texts {
            let m = by_path[rel].clone();
            let dir = rel.parent().unwrap_or(Path::new(""));
            for (file, name) in path_modules(dir, text) {
                if let Some(slot) = by_path.get_mut(&file) {
                    *slot = [m.clone(), vec![name]].concat();
                }
            }
        }
        // A file's `#[cfg(test)] mod tests { .. }` is a module of its own (a test may use what
        // the code under test must not).
        let texts: Vec<(ModPath, String)> = texts
            .into_iter()
            .flat_map(|(rel, text)| {
                let m = by_path[&rel].clone();
                match split_inline_tests(&text) {
                    Some((code, name, tests)) => {
                        vec![(m.clone(), code), ([m, vec![name]].concat(), tests)]
                    }
                    None => vec![(m, text)],
                }
            })
            .collect();
        let modules: BTreeSet<ModPath> = texts.iter().map(|(m, _)| m.clone()).collect();
        let resolve = |abs: Vec<String>| -> Option<ModPath> {
            (1..=abs.len())
                .rev()
                .map(|n| abs[..n].to_vec())
                .find(|p| modules.contains(p))
        };
        // A path written in module `m` after `prefix`, from the crate root.
        let absolute = |m: &ModPath, prefix: &str, p: Vec<String>| -> ModPath {
            match prefix {
                "crate::" => p,
                "self::" => [m.clone(), p].concat(),
                _ => {
                    // `super::super::x`: one level up per `super`.
                    let ups = 1 + p.iter().take_while(|s| *s == "super").count();
                    let rest: Vec<String> = p.into_iter().skip_while(|s| s == "super").collect();
                    [m[..m.len().saturating_sub(ups)].to_vec(), rest].concat()
                }
            }
        };
        // What each module re-exports: name -> absolute path of its source.
        let mut faces: BTreeMap<ModPath, BTreeMap<String, ModPath>> = BTreeMap::new();
        for (m, text) in &texts {
            for (name, path) in reexports(text) {
                let abs = ["crate::", "super::", "self::"]
                    .into_iter()
                    .find_map(|pre| {
                        let rest = path.strip_prefix(pre)?;
                        let segs = rest.split("::").map(str::to_string).collect();
                        Some(absolute(m, pre, segs))
                    })
                    .unwrap_or_else(|| {
                        let segs: Vec<String> = path.split("::").map(str::to_string).collect();
                        [m.clone(), segs].concat()
                    });
                faces.entry(m.clone()).or_default().insert(name, abs);
            }
        }
        // The file that defines what `abs` names, through the re-exports on the way.
        let define = |mut abs: ModPath| -> Option<ModPath> {
            for _ in 0..8 {
                let m = resolve(abs.clone())?;
                let Some(name) = abs.get(m.len()) else {
                    return Some(m);
                };
                match faces.get(&m).and_then(|f| f.get(name)) {
                    Some(source) => abs = [source.clone(), abs[m.len() + 1..].to_vec()].concat(),
                    None => return Some(m),
                }
            }
            resolve(abs)
        };
        let mut edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
        let mut file_edges: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
        for (m, text) in &texts {
            // A face handing on its own children's names imports nothing by it; any other
            // re-export imports the file that defines the name.
            let reexported: Vec<ModPath> = faces
                .get(m)
                .into_iter()
                .flat_map(|f| f.values())
                .filter(|src| !src.starts_with(m))
                .cloned()
                .collect();
            let text = &without_reexports(text);
            let mut targets = BTreeSet::new();
            let mut files = BTreeSet::new();
            // `child::x` without a prefix names a child module (edition 2018 paths).
            let children = modules
                .iter()
                .filter(|c| c.len() == m.len() + 1 && c.starts_with(m))
                .map(|c| (format!("{}::", c[m.len()]), c.clone()));
            let bare = children.flat_map(|(prefix, child)| {
                bare_paths_after(text, &prefix)
                    .into_iter()
                    .map(move |p| [child.clone(), p].concat())
            });
            let prefixed = ["crate::", "self::", "super::"]
                .into_iter()
                .flat_map(|prefix| {
                    paths_after(text, prefix)
                        .into_iter()
                        .map(move |p| absolute(m, prefix, p))
                });
            for abs in prefixed.chain(bare).chain(reexported).collect::<Vec<_>>() {
                targets.extend(resolve(abs.clone()));
                files.extend(define(abs));
            }
            targets.remove(m);
            // What a folder's face defines is the folder's own vocabulary: a file naming its
            // ancestors is the module tree, not an import (the face using its files is one).
            files.retain(|t| !m.starts_with(t));
            edges.entry(m.clone()).or_default().extend(targets);
            file_edges.entry(m.clone()).or_default().extend(files);
        }
        Self {
            modules,
            edges,
            file_edges,
        }
    }

    /// Every circle of files that import each other (a strongly connected set of more than one
    /// file), each with its members sorted, found by Tarjan's algorithm.
    fn circles(&self) -> Vec<Vec<ModPath>> {
        let mut circles: Vec<Vec<ModPath>> = strongly_connected(&self.file_edges)
            .into_iter()
            .filter(|c| c.len() > 1)
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        circles.sort();
        circles
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

/// Tarjan's strongly connected components of a directed graph.
fn strongly_connected(graph: &BTreeMap<ModPath, BTreeSet<ModPath>>) -> Vec<Vec<ModPath>> {
    struct Walk<'a> {
        graph: &'a BTreeMap<ModPath, BTreeSet<ModPath>>,
        index: BTreeMap<&'a ModPath, usize>,
        low: BTreeMap<&'a ModPath, usize>,
        stack: Vec<&'a ModPath>,
        on_stack: BTreeSet<&'a ModPath>,
        found: Vec<Vec<ModPath>>,
    }
    impl<'a> Walk<'a> {
        fn visit(&mut self, v: &'a ModPath) {
            let i = self.index.len();
            self.index.insert(v, i);
            self.low.insert(v, i);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let lw = self.low[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(lw);
                } else if self.on_stack.contains(w) {
                    let iw = self.index[w];
                    let lv = self.low.get_mut(v).expect("visited");
                    *lv = (*lv).min(iw);
                }
            }
            if self.low[v] == self.index[v] {
                let mut component = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    component.push(w.clone());
                    if w == v {
                        break;
                    }
                }
                component.reverse();
                self.found.push(component);
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v) {
            walk.visit(v);
        }
    }
    walk.found
}

/// A circle as lines: each file of it and the files of the circle it imports.
fn describe_circles(c: &Crate, circles: &[Vec<ModPath>]) -> String {
    let mut out = String::new();
    for (n, circle) in circles.iter().enumerate() {
        out.push_str(&format!("circle {}:\n", n + 1));
        for m in circle {
            let inside: Vec<String> = c.file_edges[m]
                .iter()
                .filter(|t| circle.contains(t))
                .map(|t| t.join("::"))
                .collect();
            out.push_str(&format!("  {} -> {}\n", m.join("::"), inside.join(", ")));
        }
    }
    out
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
fn abx_imports_only_dsp() {
    let bad = src()
        .imports("abx")
        .into_iter()
        .filter(|(_, t)| !["abx", "dsp"].contains(&layer(t)))
        .collect();
    assert_none(
        "abx is pure state and statistics (no io, clock, device or screen)",
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

/// A usage error names the argument the user typed: `Error::usage(arg, message)` is the only way
/// to make one, so no other file of `src/` may name `Class::Usage` outside its tests.
#[test]
fn usage_errors_are_made_only_with_their_argument() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut bad = Vec::new();
    for f in files.iter().filter(|f| !f.ends_with("src/error.rs")) {
        let name = f.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if name == "tests.rs" || name.ends_with("_tests.rs") {
            continue;
        }
        let text = std::fs::read_to_string(f).expect("read source");
        let text = split_inline_tests(&text).map_or(text, |(code_part, _, _)| code_part);
        if code(&text).contains("Class::Usage") {
            bad.push((f.display().to_string(), "Class::Usage".to_string()));
        }
    }
    assert_none("a usage error made without Error::usage", bad);
}

/// No two files of `src/` import each other, directly or round a circle: a circle means neither
/// can be read, changed or tested without the other. What a folder's face re-exports counts as
/// an import of the file that defines it.
#[test]
fn no_import_circle_between_source_files() {
    let c = src();
    let circles = c.circles();
    assert!(
        circles.is_empty(),
        "source files importing each other (move what both need into a leaf module):\n{}",
        describe_circles(&c, &circles)
    );
}

fn sources(files: &[(&str, &str)]) -> Crate {
    Crate::from_sources(
        files
            .iter()
            .map(|(p, t)| (PathBuf::from(p), t.to_string()))
            .collect(),
    )
}

fn modpath(s: &str) -> ModPath {
    s.split("::").map(str::to_string).collect()
}

/// The circle check finds the circles that the tree had (sink ↔ wav_write ↔ flac_write, each
/// through the face `io`, and export ↔ listing through a one-line wrapper), and none once the
/// shared types live in a leaf.
#[test]
fn the_circle_check_finds_circles_through_faces_and_wrappers() {
    let old = sources(&[
        ("lib.rs", "pub mod io;\npub mod render;"),
        (
            "io/mod.rs",
            "pub mod sink;\npub mod wav_write;\npub mod flac_write;\npub mod tags;\n\
             pub use sink::{Sink, Target};\npub use tags::Tags;\n\
             pub use wav_write::{OutFormat, WavSink};",
        ),
        ("io/tags.rs", "pub struct Tags;"),
        (
            "io/sink.rs",
            "use super::flac_write::FlacSink;\nuse super::wav_write::{OutFormat, WavSink};\n\
             use super::Tags;\npub struct Target;",
        ),
        (
            "io/wav_write.rs",
            "use super::sink::{Dest, Target};\nuse super::Tags;\npub struct WavSink;\n\
             #[cfg(test)]\n#[path = \"wav_write_tests.rs\"]\nmod tests;",
        ),
        (
            "io/wav_write_tests.rs",
            "use super::*;\nuse super::super::sink::Target;",
        ),
        (
            "io/flac_write.rs",
            "use super::sink::{Dest, Target};\nuse super::wav_write::OutFormat;",
        ),
        ("render/mod.rs", "pub mod export;\npub mod listing;"),
        (
            "render/export.rs",
            "use super::listing::is_stdout;\nuse crate::io::{Sink, Target};",
        ),
        (
            "render/listing.rs",
            "use super::export::ExportError;\nuse crate::io::Target;",
        ),
    ]);
    let found: Vec<Vec<String>> = old
        .circles()
        .iter()
        .map(|c| c.iter().map(|m| m.join("::")).collect())
        .collect();
    assert_eq!(
        found,
        vec![
            vec!["io::flac_write", "io::sink", "io::wav_write"],
            vec!["render::export", "render::listing"],
        ],
        "{}",
        describe_circles(&old, &old.circles())
    );
    // A `#[path]` test file is a child of the file that declares it.
    assert!(old
        .file_edges
        .contains_key(&modpath("io::wav_write::tests")));
    // A name the face re-exports leads to the file that defines it, not to the face.
    let export = &old.file_edges[&modpath("render::export")];
    assert!(export.contains(&modpath("io::sink")), "{export:?}");
    assert!(!export.contains(&modpath("io")), "{export:?}");

    // Round a face that uses its own child: report -> text -> text::signatures -> report.
    let demo = sources(&[
        (
            "demo/mod.rs",
            "pub mod report;\npub mod text;\npub struct DemoKind;",
        ),
        (
            "demo/report.rs",
            "use super::text::title;\nuse super::DemoKind;",
        ),
        (
            "demo/text.rs",
            "mod signatures;\npub fn title() {}\npub fn parts() { signatures::table(); }",
        ),
        (
            "demo/text/signatures.rs",
            "use super::title;\npub fn table() { crate::demo::report::markdown_table(); }\n\
             #[cfg(test)]\nmod tests {\n    use crate::demo::report;\n}",
        ),
    ]);
    let found: Vec<Vec<String>> = demo
        .circles()
        .iter()
        .map(|c| c.iter().map(|m| m.join("::")).collect())
        .collect();
    assert_eq!(
        found,
        vec![vec!["demo::report", "demo::text", "demo::text::signatures"]]
    );

    let new = sources(&[
        ("lib.rs", "pub mod io;"),
        (
            "io/mod.rs",
            "pub mod sink;\npub mod sink_types;\npub mod wav_write;\npub mod flac_write;\n\
             pub use sink::Sink;\npub use sink_types::{OutFormat, Target};",
        ),
        (
            "io/sink_types.rs",
            "pub struct Target;\npub enum OutFormat {}",
        ),
        (
            "io/sink.rs",
            "use super::flac_write::FlacSink;\nuse super::wav_write::WavSink;\n\
             use super::{OutFormat, Target};",
        ),
        ("io/wav_write.rs", "use super::sink_types::{Dest, Target};"),
        (
            "io/flac_write.rs",
            "use super::sink_types::{Dest, OutFormat};",
        ),
    ]);
    assert!(
        new.circles().is_empty(),
        "{}",
        describe_circles(&new, &new.circles())
    );
}

/// The longest a function of `src/` may be, in lines from `fn` to its closing brace: past it, a
/// function is several steps that each deserve a name.
const MAX_FN_LINES: usize = 100;

/// Functions over [`MAX_FN_LINES`] today, each with its length then: a list that only shrinks.
/// A function on it may not grow, and one that is split comes off it.
const LONG_FNS: &[(&str, &str, usize)] = &[];

/// `text` with comments, strings and char literals blanked (their braces are not code); the
/// lines stay where they were.
fn blank_literals(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    let blank = |c: u8| if c == b'\n' { b'\n' } else { b' ' };
    while i < b.len() {
        let rest = &b[i..];
        if rest.starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                out.push(b' ');
                i += 1;
            }
        } else if rest.starts_with(b"/*") {
            let mut depth = 0;
            while i < b.len() {
                if b[i..].starts_with(b"/*") {
                    depth += 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                } else if b[i..].starts_with(b"*/") {
                    depth -= 1;
                    out.extend_from_slice(b"  ");
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    out.push(blank(b[i]));
                    i += 1;
                }
            }
        } else if rest.starts_with(b"r#") || rest.starts_with(b"r\"") || rest.starts_with(b"br") {
            let start = i + usize::from(b[i] == b'b');
            let hashes = b[start + 1..].iter().take_while(|&&c| c == b'#').count();
            if b.get(start + 1 + hashes) != Some(&b'"')
                || (i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_'))
            {
                out.push(b[i]);
                i += 1;
                continue;
            }
            let close: Vec<u8> = std::iter::once(b'"')
                .chain(std::iter::repeat_n(b'#', hashes))
                .collect();
            let body = start + 2 + hashes;
            let end = b[body..]
                .windows(close.len())
                .position(|w| w == close.as_slice())
                .map_or(b.len(), |p| body + p + close.len());
            out.extend(b[i..end].iter().map(|&c| blank(c)));
            i = end;
        } else if b[i] == b'"' {
            out.push(b' ');
            i += 1;
            while i < b.len() && b[i] != b'"' {
                let n = if b[i] == b'\\' { 2 } else { 1 };
                for k in 0..n {
                    if let Some(&c) = b.get(i + k) {
                        out.push(blank(c));
                    }
                }
                i += n;
            }
            out.push(b' ');
            i += 1;
        } else if b[i] == b'\'' {
            // A char literal ('{', '\n', '\''), not a lifetime ('a).
            let len = if b.get(i + 1) == Some(&b'\\') {
                b[i + 2..].iter().position(|&c| c == b'\'').map(|p| p + 3)
            } else if b.get(i + 2) == Some(&b'\'') {
                Some(3)
            } else {
                std::str::from_utf8(&b[i + 1..(i + 6).min(b.len())])
                    .ok()
                    .or_else(|| std::str::from_utf8(&b[i + 1..(i + 5).min(b.len())]).ok())
                    .and_then(|s| s.chars().next())
                    .filter(|c| !c.is_ascii())
                    .map(|c| 2 + c.len_utf8())
                    .filter(|&l| b.get(i + l - 1) == Some(&b'\''))
            };
            match len {
                Some(l) => {
                    out.extend(std::iter::repeat_n(b' ', l));
                    i += l;
                }
                None => {
                    out.push(b[i]);
                    i += 1;
                }
            }
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Every function with a body in `text`: (name, first line (1-based), lines from `fn` to its
/// closing brace).
fn functions(text: &str) -> Vec<(String, usize, usize)> {
    let code = blank_literals(text);
    let b = code.as_bytes();
    let line_at = |pos: usize| code[..pos].matches('\n').count() + 1;
    let mut out = Vec::new();
    let mut at = 0;
    while let Some(p) = code[at..].find("fn ") {
        let start = at + p;
        at = start + 3;
        if start > 0 && (b[start - 1].is_ascii_alphanumeric() || b[start - 1] == b'_') {
            continue;
        }
        let (name, _) = ident(&code[at..]);
        if name.is_empty() {
            continue;
        }
        // The body: the first `{` before any `;` (a declaration without a body has none),
        // at bracket depth 0 (not a `where` clause's or a default argument's braces).
        let mut depth = 0i32;
        let mut open = None;
        for (k, &c) in b[at..].iter().enumerate() {
            match c {
                b'(' | b'[' | b'<' => depth += 1,
                b')' | b']' | b'>' if b.get(at + k - 1) != Some(&b'-') => depth -= 1,
                b';' if depth <= 0 => break,
                b'{' if depth <= 0 => {
                    open = Some(at + k);
                    break;
                }
                _ => {}
            }
        }
        let Some(open) = open else { continue };
        let mut braces = 0;
        let close = b[open..].iter().position(|&c| {
            match c {
                b'{' => braces += 1,
                b'}' => braces -= 1,
                _ => {}
            }
            braces == 0
        });
        let Some(close) = close else { continue };
        let (first, last) = (line_at(start), line_at(open + close));
        out.push((name.to_string(), first, last - first + 1));
    }
    out
}

/// Every function of `src/` longer than `limit` lines: (file under `src/`, name, lines).
fn long_functions(limit: usize) -> Vec<(String, String, usize)> {
    let src = root().join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let rel = f
            .strip_prefix(&src)
            .expect("under src")
            .display()
            .to_string();
        let text = std::fs::read_to_string(&f).expect("read source");
        for (name, _, lines) in functions(&text) {
            if lines > limit {
                out.push((rel.clone(), name, lines));
            }
        }
    }
    out
}

/// No function of `src/` over [`MAX_FN_LINES`] lines but those of [`LONG_FNS`], and none of
/// those longer than it was.
#[test]
fn no_function_over_100_lines() {
    let mut bad = Vec::new();
    for (file, name, lines) in long_functions(MAX_FN_LINES) {
        match LONG_FNS.iter().find(|(f, n, _)| *f == file && *n == name) {
            Some(&(_, _, allowed)) if lines <= allowed => {}
            Some(&(_, _, allowed)) => {
                bad.push(format!("{file}: {name}: {lines} lines (was {allowed})"))
            }
            None => bad.push(format!("{file}: {name}: {lines} lines")),
        }
    }
    assert!(
        bad.is_empty(),
        "functions over {MAX_FN_LINES} lines (split them into named steps):\n  {}",
        bad.join("\n  ")
    );
    // The list shrinks: a function that was split comes off it.
    let long = long_functions(MAX_FN_LINES);
    let stale: Vec<String> = LONG_FNS
        .iter()
        .filter(|(f, n, _)| !long.iter().any(|(lf, ln, _)| lf == f && ln == n))
        .map(|(f, n, l)| format!("{f}: {n} ({l})"))
        .collect();
    assert!(
        stale.is_empty(),
        "no longer over {MAX_FN_LINES} lines: take them off LONG_FNS:\n  {}",
        stale.join("\n  ")
    );
}

/// The measure: lines from `fn` to the closing brace, braces in strings, chars and comments
/// not counted, declarations without a body left out.
#[test]
fn function_lengths_are_measured_from_fn_to_its_brace() {
    let text = "trait T {\n    fn declared(&self);\n}\n\
                pub fn three(x: Vec<u8>) -> Result<(), String> where String: Clone {\n\
                \x20   let s = \"}}\"; let c = '}'; // }\n}\n\
                fn one() {}\n\
                fn raw() {\n    let r = r#\"{ \"# ; let l: &'static str = \"\";\n}\n";
    let got = functions(text);
    assert_eq!(
        got,
        vec![
            ("three".to_string(), 4, 3),
            ("one".to_string(), 7, 1),
            ("raw".to_string(), 8, 3)
        ]
    );
}

/// Every test file and test binary the sources and documents point a reader to exists: after the
/// integration tests were merged into a few binaries, eight comments still named the old
/// one-file-per-binary paths, and one told the reader to run a binary that no longer existed.
#[test]
fn pointers_to_tests_lead_somewhere() {
    let binaries: BTreeSet<String> = std::fs::read_dir(root().join("tests"))
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let p = e.path();
            let name = p.file_stem()?.to_str()?.to_string();
            let is_bin = if p.is_dir() {
                p.join("main.rs").exists()
            } else {
                p.extension().is_some_and(|x| x == "rs")
            };
            is_bin.then_some(name)
        })
        .collect();
    let mut files = Vec::new();
    for dir in ["src", "tests", "benches"] {
        rust_files(&root().join(dir), &mut files);
    }
    files.push(root().join("README.md"));
    files.push(root().join("tests/fixtures/measurements/README.md"));
    let mut bad = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let rel = f.strip_prefix(root()).unwrap_or(f).display().to_string();
        for (i, line) in text.lines().enumerate() {
            for word in line.split(|c: char| c.is_whitespace() || "`()[],;'\"".contains(c)) {
                let word = word.trim_end_matches(['.', ':']);
                let pattern = word.contains('*');
                if word.starts_with("tests/")
                    && word.ends_with(".rs")
                    && !pattern
                    && !root().join(word).exists()
                {
                    bad.push((format!("{rel}:{}", i + 1), word.to_string()));
                }
            }
            let mut rest = line;
            while let Some(at) = rest.find("--test ") {
                rest = &rest[at + 7..];
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && !binaries.contains(&name) {
                    bad.push((format!("{rel}:{}", i + 1), format!("--test {name}")));
                }
            }
        }
    }
    assert_none("pointers to tests that do not exist", bad);
}

/// Issue 22's budget for `unsafe` blocks in `src/` (41 when it was set; the SIMD kernel and the
/// system calls now go through safe casts and `rustix`).
const MAX_UNSAFE_BLOCKS: usize = 20;

/// Every `unsafe {` block in `text` (code only, not comments or strings), by line (1-based), with
/// whether the comment just above it (or on its line) says why it is sound (`SAFETY:`).
fn unsafe_blocks(text: &str) -> Vec<(usize, bool)> {
    let code = blank_literals(text);
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in code.lines().enumerate() {
        for _ in line.matches("unsafe {") {
            let mut said = lines[i].contains("SAFETY:");
            // Up through the comment and attribute lines right above it.
            for above in lines[..i].iter().rev() {
                let t = above.trim_start();
                if !(t.starts_with("//") || t.starts_with("#[")) {
                    break;
                }
                said |= t.contains("SAFETY:");
            }
            out.push((i + 1, said));
        }
    }
    out
}

/// Few `unsafe` blocks, and each says why it is sound where it stands.
#[test]
fn unsafe_blocks_are_few_and_each_says_why() {
    let mut files = Vec::new();
    rust_files(&root().join("src"), &mut files);
    let mut all = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap_or_default();
        let rel = f.strip_prefix(root()).unwrap_or(f).display().to_string();
        for (line, said) in unsafe_blocks(&text) {
            all.push((format!("{rel}:{line}"), said));
        }
    }
    let unexplained: Vec<(String, String)> = all
        .iter()
        .filter(|(_, said)| !said)
        .map(|(at, _)| (at.clone(), "no `// SAFETY:` comment above it".to_string()))
        .collect();
    assert_none(
        "unsafe blocks that do not say why they are sound",
        unexplained,
    );
    assert!(
        all.len() <= MAX_UNSAFE_BLOCKS,
        "{} unsafe blocks in src/, over the budget of {MAX_UNSAFE_BLOCKS}:\n  {}",
        all.len(),
        all.iter()
            .map(|(at, _)| at.as_str())
            .collect::<Vec<_>>()
            .join("\n  ")
    );
}

/// The finder sees blocks in code only, and reads the comment above them.
#[test]
fn the_unsafe_finder_reads_code_and_the_comment_above() {
    let text = "// SAFETY: fine.\nlet a = unsafe { f() };\n\
                let s = \"unsafe { in a string }\"; // unsafe { in a comment }\n\
                #[cfg(unix)]\nlet b = unsafe { g() };\n\
                // SAFETY: as above.\n#[cfg(unix)]\nunsafe {\n    h();\n}\n";
    assert_eq!(unsafe_blocks(text), vec![(2, true), (5, false), (8, true)]);
}

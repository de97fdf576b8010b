//! `iemsim demo KIND --export DIR`: every part as WAV files plus a README with the text and numbers.
//!
//! Per part (see [`super::part`]): `<slug>.source.wav` (the material), `<slug>.<A>.wav` and
//! `<slug>.<B>.wav` (through each profile, loudness-matched like the player: the louder side is
//! turned down to the quieter one's BS.1770 loudness, on top of the anti-clipping preamp). Nothing is
//! replaced without `--force`, with it only the demo's own earlier files and empty ones
//! ([`check_existing`]), and a refusal happens before any file is written.

use super::part::{chart_paths, profile_path, render_part, RenderedPart};
use super::{kind_name, material, report, DemoKind, DemoPart};
use crate::cli::DemoArgs;
use crate::commands::out::outln;
use crate::error::Error;
use crate::error::Result;
use crate::ui::fmt::count;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// Every file the export of `parts` writes (README last).
pub fn planned_files(parts: &[DemoPart], dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for p in parts {
        files.push(material::source_path(p, dir));
        files.push(profile_path(p, &p.a, dir));
        if p.b != p.a {
            files.push(profile_path(p, &p.b, dir));
        }
        let (response, spectra) = chart_paths(p, dir);
        files.push(response);
        files.push(spectra);
    }
    files.push(dir.join("README.md"));
    files
}

/// Everything `--json` prints.
#[derive(Debug, Serialize)]
struct JsonReport<'a> {
    demo: &'a str,
    title: &'a str,
    intro: String,
    #[serde(serialize_with = "crate::io::diag::json_path")]
    dir: &'a Path,
    /// Null when a signal stopped the run before the README was written.
    #[serde(serialize_with = "crate::io::diag::json_opt_path")]
    readme: Option<PathBuf>,
    /// The headphone correction both sides of every part went through (given or remembered),
    /// whose sides the README, table and charts label `NAME + headphone EQ`; null without one.
    headphones: Option<String>,
    parts: &'a [RenderedPart],
    /// The signal that stopped the run (`SIGINT`…), when one did: `parts` are then the finished
    /// ones, and `kept` every finished file left in the folder (a part's first files too).
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "json_paths")]
    kept: Option<Vec<PathBuf>>,
}

/// `kept`'s paths as [`crate::io::diag::json_path`] writes one.
fn json_paths<S: serde::Serializer>(
    paths: &Option<Vec<PathBuf>>,
    s: S,
) -> std::result::Result<S::Ok, S::Error> {
    let paths = paths.iter().flatten();
    s.collect_seq(paths.map(|p| crate::io::diag::escaped(p.as_os_str())))
}

pub fn run(args: &DemoArgs, parts: &[DemoPart], dir: &Path) -> Result<()> {
    if dir.exists() && !dir.is_dir() {
        return Err(Error::input(
            dir,
            format!("{}: exists and is not a folder", dir.display()),
        ));
    }
    let created = !dir.exists();
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::error::output_error(dir, "cannot create the export folder", e))?;
    let result = write_all(args, parts, dir);
    if result.is_err() && created {
        // A failed run leaves no trace: the folder it made goes again (only if still empty).
        let _ = std::fs::remove_dir(dir);
    }
    result
}

fn write_all(args: &DemoArgs, parts: &[DemoPart], dir: &Path) -> Result<()> {
    check_existing(args.kind, &planned_files(parts, dir), args.force)?;
    let hp = crate::commands::headphones(&args.hp, Some(f64::from(super::material::RATE)))?;
    let done = Arc::new(Mutex::new(Vec::new()));
    let _words = Words {
        json: args.report.json,
        kind: args.kind,
        dir: dir.to_path_buf(),
        planned: planned_files(parts, dir),
        headphones: hp.as_ref().map(|c| c.label.clone()),
    }
    .say_at_signal(Arc::clone(&done));
    for p in parts {
        let part = render_part(p, dir, args.force, hp.as_ref())?;
        lock(&done).push(part);
    }
    let rendered = lock(&done).clone();
    let readme = report::readme(args.kind, &rendered, hp.as_ref());
    let readme_path = dir.join("README.md");
    crate::commands::write_atomic(&readme_path, readme.as_bytes(), args.force, None)?;
    if args.report.json {
        let r = JsonReport {
            demo: kind_name(args.kind),
            title: super::title(args.kind),
            intro: super::intro(args.kind),
            dir,
            readme: Some(readme_path),
            headphones: hp.as_ref().map(|c| c.label.clone()),
            parts: &rendered,
            interrupted: None,
            kept: None,
        };
        outln!("{}", serde_json::to_string_pretty(&r)?)?;
    } else {
        crate::commands::out::text(&readme)?;
        outln!(
            "\nWrote {} files to {}",
            planned_files(parts, dir).len(),
            dir.display()
        )?;
    }
    Ok(())
}

/// `m` locked, even after a panic elsewhere (the parts rendered so far stay valid).
fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// What an export stopped by a signal says (from the signal thread, `crate::interrupt`), as a
/// folder export does: how many of the demo's files are finished and kept, that the README was
/// not written, and how to finish (run it again with --force, which replaces the demo's own
/// files); `--json` prints its report of the finished parts and files with `interrupted`. It
/// said only "no partial file was left behind", and `--json` nothing, over 10 of 21 files kept.
struct Words {
    json: bool,
    kind: crate::cli::DemoKind,
    dir: PathBuf,
    planned: Vec<PathBuf>,
    headphones: Option<String>,
}

impl Words {
    /// Registers the words until the returned guard is dropped (the run then said its own).
    fn say_at_signal(self, done: Arc<Mutex<Vec<RenderedPart>>>) -> crate::interrupt::Registered {
        crate::interrupt::register_last_words(Box::new(move |sig| self.say(&done, sig)))
    }

    fn say(&self, done: &Mutex<Vec<RenderedPart>>, sig: &str) -> crate::interrupt::Said {
        let kept: Vec<PathBuf> = crate::io::atomic::committed()
            .into_iter()
            .filter(|p| self.planned.contains(p))
            .collect();
        let notice = (!kept.is_empty()).then(|| {
            format!(
                "{} of the demo's {} files kept, whole, but not its README.md: run the same \
                 command again with --force to finish (it replaces the demo's own files)",
                kept.len(),
                self.planned.len()
            )
        });
        let stdout = self.json.then(|| {
            // The render loop holds the lock only to add a part; never wait on it for long.
            let parts = (0..300)
                .find_map(|_| {
                    let got = done.try_lock().ok().map(|d| d.clone());
                    if got.is_none() {
                        std::thread::sleep(std::time::Duration::from_millis(1));
                    }
                    got
                })
                .unwrap_or_default();
            let r = JsonReport {
                demo: kind_name(self.kind),
                title: super::title(self.kind),
                intro: super::intro(self.kind),
                dir: &self.dir,
                readme: None,
                headphones: self.headphones.clone(),
                parts: &parts,
                interrupted: Some(sig),
                kept: Some(kept),
            };
            serde_json::to_string_pretty(&r).map_or_else(|_| String::new(), |j| format!("{j}\n"))
        });
        crate::interrupt::Said {
            stdout,
            stderr: None,
            notice,
        }
    }
}

/// Refuses, before the first file is written, what is in the way at the export's names. Even
/// with --force only regular files are replaced (a FIFO or folder in the way is refused here, not
/// after fifteen files, then exit 1), and of those only the demo's own: empty files and files
/// this demo wrote (its mark in a WAV's or PNG's header, the README's last line), as a folder
/// export does; the user's own `README.md` in the folder was replaced. Another demo's export in
/// the folder is refused too, even with --force: two demos share names (`02-ba-vs-dd.*`), and
/// bass's `--force` replaced sibilance's files and README, leaving sibilance's others without
/// one. Without --force nothing is replaced, and the message says which files are there and
/// whose they look like.
fn check_existing(kind: DemoKind, planned: &[PathBuf], force: bool) -> Result<()> {
    let folder_demo = planned.last().and_then(|readme| readme_demo(readme));
    let mut ours = Vec::new();
    let mut theirs = Vec::new();
    let mut others = Vec::new();
    for p in planned {
        if std::fs::symlink_metadata(p).is_err() {
            continue;
        }
        if let Err(what) = crate::io::atomic::check_replaceable(p) {
            return Err(Error::input(p, format!(
                "{}: is {what}, not a regular file: iemsim only replaces regular files, even with --force (nothing was written)",
                p.display()
            )));
        }
        if !p.exists() {
            continue; // a dangling link: nothing to lose
        }
        if let Some(why) = not_ours(p) {
            theirs.push((p, why));
            continue;
        }
        match whose_demo(p, folder_demo.as_deref()) {
            Some(demo) if demo != kind_name(kind) => others.push((p, demo)),
            _ => ours.push(p),
        }
    }
    if let Some(e) = other_demo_refusal(kind, &others) {
        return Err(e);
    }
    refusal(&ours, &theirs, force).map_or(Ok(()), Err)
}

/// The demo that wrote `path`, one of iemsim's files (or an empty one) at an export's name:
/// the demo its mark names (a WAV's comment, a PNG's software: `super::demo_comment`,
/// `super::demo_mark`), else (files from before marks named it) the demo whose README is in
/// the folder (`folder_demo`); None when nothing says, or the file is empty.
fn whose_demo(path: &Path, folder_demo: Option<&str>) -> Option<String> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return None;
    }
    let named = match path.extension().and_then(|e| e.to_str()) {
        Some("wav") => crate::io::Decoder::open(path)
            .ok()
            .and_then(|d| d.tags().comment.clone()),
        // The `Software` text of a PNG (as `render::owner::png_not_ours` reads it).
        Some("png") => crate::render::owner::png_software(path)
            .ok()
            .and_then(|s| s.into_iter().next()),
        _ => return readme_demo(path),
    };
    named
        .as_deref()
        .and_then(super::kind_in_mark)
        .or(folder_demo)
        .map(str::to_string)
}

/// The demo whose README `path` is, edited or not (the demo its last line names).
fn readme_demo(path: &Path) -> Option<String> {
    let bytes = crate::io::bounded::read_regular(path, crate::io::bounded::TEXT_LIMIT).ok()?;
    report::readme_demo(&String::from_utf8_lossy(&bytes)).map(str::to_string)
}

/// The refusal when files of another demo's export are at this one's names (`others`: each
/// with the demo that wrote it), with or without --force.
fn other_demo_refusal(kind: DemoKind, others: &[(&PathBuf, String)]) -> Option<Error> {
    let &(first, _) = others.first()?;
    let mut demos: Vec<&str> = others.iter().map(|(_, d)| d.as_str()).collect();
    demos.sort_unstable();
    demos.dedup();
    let demos = demos
        .iter()
        .map(|d| format!("`iemsim demo {d}`"))
        .collect::<Vec<_>>()
        .join(" and ");
    let names = list(others.iter().map(|(p, _)| report::file_name(p)).collect());
    let n = others.len();
    Some(Error::input(
        first,
        format!(
            "{}: the folder holds an export of {demos}, and {} of its files {} this demo's \
             names ({names}); a demo export replaces only its own demo's earlier files, even with \
             --force, and nothing was written: export `{}` into another folder",
            first.display(),
            n,
            if n == 1 { "has one of" } else { "have" },
            kind_name(kind)
        ),
    ))
}

/// The one-line refusal for what is at the export's names: `ours` (the demo's own earlier files,
/// or empty ones) and `theirs` (with why they are not), or None when the export may go ahead.
fn refusal(ours: &[&PathBuf], theirs: &[(&PathBuf, &str)], force: bool) -> Option<Error> {
    let their_names = || {
        let each = theirs
            .iter()
            .map(|(p, why)| format!("{} ({why})", report::file_name(p)));
        list(each.collect())
    };
    if let Some(&(first, _)) = theirs.first() {
        let (n, them) = (theirs.len(), if theirs.len() == 1 { "it" } else { "them" });
        let msg = if force {
            format!(
                "{}: {} in the folder {} this demo's names but iemsim did not write {them}: {}. A \
                 demo export replaces only its own earlier files (and empty ones), even with \
                 --force; nothing was written: move or rename {them}, or export into another folder",
                first.display(),
                count(n, "file"),
                if n == 1 { "has one of" } else { "have" },
                their_names()
            )
        } else {
            let own = match ours.len() {
                0 => String::new(),
                k => format!(
                    ", and {k} from an earlier `iemsim demo` export ({})",
                    list(ours.iter().map(|p| report::file_name(p)).collect())
                ),
            };
            format!(
                "{}: {} with this demo's names {} in the folder already (nothing was written): \
                 {n} that iemsim did not write: {}{own}. --force replaces only the demo's own: \
                 move or rename the others, or export into another folder",
                first.display(),
                count(n + ours.len(), "file"),
                if n + ours.len() == 1 { "is" } else { "are" },
                their_names()
            )
        };
        return Some(Error::input(first, msg));
    }
    let first = ours.first().filter(|_| !force)?;
    Some(Error::input(
        first,
        format!(
            "{}: {} of this demo's files {} in the folder already, all from an earlier \
             `iemsim demo` export ({}); nothing was written: use --force to replace them",
            first.display(),
            ours.len(),
            if ours.len() == 1 { "is" } else { "are" },
            list(ours.iter().map(|p| report::file_name(p)).collect())
        ),
    ))
}

/// Why the file at one of the export's names is not the demo's own (None: it is, or it is empty):
/// a WAV by its iemsim mark (`render::owner`, as a folder export judges its outputs), a chart by
/// the mark in its PNG header, the README by its last line ([`report::is_own_readme`]).
fn not_ours(path: &Path) -> Option<&'static str> {
    if std::fs::metadata(path).is_ok_and(|m| m.len() == 0) {
        return None;
    }
    match path.extension().and_then(|e| e.to_str()) {
        Some("wav") => crate::render::owner::not_ours(path),
        Some("png") => crate::render::owner::png_not_ours(path),
        _ => match crate::io::bounded::read_regular(path, crate::io::bounded::TEXT_LIMIT) {
            Ok(bytes) => report::not_own_readme(&String::from_utf8_lossy(&bytes)),
            Err(_) => Some("it cannot be read, or is too large, to be a README iemsim wrote"),
        },
    }
}

/// The first three of `items`, then how many more.
fn list(items: Vec<String>) -> String {
    let shown = items[..items.len().min(3)].join(", ");
    match items.len().saturating_sub(3) {
        0 => shown,
        n => format!("{shown} and {n} more"),
    }
}

//! `iemsim man [COMMAND]`: the manual page in roff, made by clap_mangen from the same command
//! definitions as `--help` (descriptions, options, examples).

use crate::cli::{Cli, ManArgs};
use crate::commands::out;
use crate::error::Error;
use crate::error::Result;
use clap::{Command, CommandFactory};
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn run(args: &ManArgs) -> Result<()> {
    // Without clap's `help` subcommands, at every level (a global setting, which `build`
    // propagates): they have no page of their own (`iemsim help` is `--help`), so no page may
    // point to one.
    let mut cli = Cli::command().disable_help_subcommand(true);
    // Gives every command its full name (`iemsim-export`, `iemsim export` in the synopsis).
    cli.build();
    if let Some(dir) = &args.out_dir {
        return write_all(&cli, dir, args.force);
    }
    let mut page = &cli;
    for name in &args.command {
        page = page
            .get_subcommands()
            .find(|c| c.get_name() == name)
            .ok_or_else(|| {
                let names: Vec<&str> = page.get_subcommands().map(Command::get_name).collect();
                let problem = if names.is_empty() {
                    // `man export extra`: it said "the commands are " and nothing after.
                    format!(
                        "`{}` has no commands of its own; no page for {name:?}",
                        page.get_name()
                    )
                } else {
                    format!(
                        "no command {name:?} to show the manual page of; the commands are {}",
                        names.join(", ")
                    )
                };
                Error::usage("COMMAND", problem)
            })?;
    }
    // Into memory first, so that a failed write to stdout is reported by `out` (exit 1).
    out::text(&render(page)?)?;
    Ok(())
}

/// One page, in roff (ASCII).
fn render(page: &Command) -> Result<String> {
    let mut roff = Vec::new();
    clap_mangen::Man::new(page.clone())
        .source(format!("iemsim {}", env!("CARGO_PKG_VERSION")))
        .render(&mut roff)?;
    Ok(preformatted_examples(&ascii_roff(
        &String::from_utf8_lossy(&roff),
    )))
}

/// clap_mangen puts the help's closing text (notes and `Examples:`) under `.SH EXTRA`, filled
/// and justified, which broke the examples' columns mid-word. The section is named NOTES, and
/// each run of indented lines (the examples) is kept as written (`.nf` … `.fi`).
pub fn preformatted_examples(roff: &str) -> String {
    let mut out = String::with_capacity(roff.len() + 64);
    let (mut notes, mut verbatim) = (false, false);
    for line in roff.lines() {
        if line.starts_with(".SH") {
            if verbatim {
                out.push_str(".fi\n");
                verbatim = false;
            }
            notes = line == ".SH EXTRA";
            out.push_str(if notes { ".SH NOTES" } else { line });
            out.push('\n');
            continue;
        }
        let indented = notes && line.starts_with("  ");
        if indented != verbatim {
            out.push_str(if indented { ".nf\n" } else { ".fi\n" });
            verbatim = indented;
        }
        out.push_str(line);
        out.push('\n');
    }
    if verbatim {
        out.push_str(".fi\n");
    }
    out
}

/// `--out-dir`: every page of `cmd` and its subcommands; an existing page is replaced only with
/// `force`, and then nothing is written unless all can be. All or nothing: every page is written
/// to its temporary file first, and the pages are named only once all are complete; a failure
/// before that leaves nothing, one while naming them removes the pages this run had added (a full
/// disk left 13 of 20 pages, and the next run was refused as "already exists"). A page that
/// replaced an earlier install's (`--force`) is whole and stays: the old one is gone.
fn write_all(cmd: &Command, dir: &Path, force: bool) -> Result<()> {
    /// Each page with its file.
    fn pages<'a>(cmd: &'a Command, dir: &Path, named: &mut Vec<(PathBuf, &'a Command)>) {
        let name = cmd.get_display_name().unwrap_or("iemsim");
        named.push((dir.join(format!("{name}.1")), cmd));
        for sub in cmd.get_subcommands().filter(|c| !c.is_hide_set()) {
            pages(sub, dir, named);
        }
    }
    let mut named = Vec::new();
    pages(cmd, dir, &mut named);
    let created = !dir.exists();
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::error::output_error(dir, "cannot create the folder", e))?;
    let result = check_and_write(&named, force);
    if result.is_err() && created {
        // Only if still empty: nothing of this run is left in it.
        let _ = std::fs::remove_dir(dir);
    }
    result?;
    out::outln!("{} manual pages written to {}", named.len(), dir.display())?;
    Ok(())
}

/// The pages of [`write_all`]: checked, written to temporary files, then named, all or nothing.
fn check_and_write(named: &[(PathBuf, &Command)], force: bool) -> Result<()> {
    for (path, _) in named {
        crate::io::sink_types::check_destination(path, force)?;
    }
    let mut ready = Vec::with_capacity(named.len());
    for (path, page) in named {
        // Dropped on failure, the temporary files written so far go with `ready`.
        let cannot =
            |e| crate::error::output_error(path, "cannot write", e).note("no page was written");
        let (tmp, mut file) = crate::io::atomic::TempFile::create(path).map_err(cannot)?;
        file.write_all(render(page)?.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(cannot)?;
        ready.push((path, tmp, path.exists()));
    }
    let mut added = Vec::new();
    for (path, tmp, existed) in ready {
        if let Err(e) = tmp.commit(force) {
            for p in added {
                let _ = std::fs::remove_file(p);
            }
            let e = crate::error::output_error(path, "cannot write", e);
            return Err(e.note("the pages this run had added were removed"));
        }
        if !existed {
            added.push(path);
        }
    }
    Ok(())
}

/// Non-ASCII characters (≤, ±, ←, ·) as roff's `\[uXXXX]` escapes: troff reads its input as
/// Latin-1 unless a preprocessor converts it, and warns on (or garbles) raw UTF-8.
pub fn ascii_roff(roff: &str) -> String {
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

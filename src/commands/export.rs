//! `iemsim export`: the command line and the reports around [`crate::render::export`] (one
//! decoding pass per input, one output per profile).

use super::input_or_default;
use crate::cli::{BitsArg, DitherArg, ExportArgs, FormatArg};
use crate::commands::out::report;
use crate::dsp::dither::Dither;
use crate::dsp::{Preamp, Profile};
use crate::error::Error;
use crate::error::{Context, Result};
use crate::io::{Container, Decoder, Target};
use crate::render::export::{
    export_matched, not_complete, ExportError, ExportOptions, OutputReport, Watch,
};
use crate::render::listing::{
    check_collisions, default_container, default_output, list_wavs, Skipped,
};
use crate::ui::progress::{Progress, Run};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// An input and its (profile, output) jobs.
type Planned = (PathBuf, Vec<(Profile, PathBuf)>);

/// Progress bars (unless quiet), one line of the run's, and warnings on stderr.
struct Bars<'a> {
    run: &'a Run,
    bar: Option<Progress>,
    /// What to resolve again once the input's rate is known (standard input, whose rate is
    /// known only when the render reads its header).
    at_rate: Option<&'a ExportArgs>,
}

/// The `-p` values and the headphone options, resolved again at each input's rate: the one
/// Nyquist rule for a folder's files and standard input (a headphone file's filter above it was
/// dropped with a warning, exit 0).
fn check_at_rate(args: &ExportArgs, sample_rate: f64) -> Result<()> {
    // Not `commands::headphones`: the correction was announced once for the run (it said
    // "Headphone correction: …" again for each of a folder's files).
    super::choose_headphones(&args.hp, Some(sample_rate))?;
    for spec in &args.profiles {
        crate::profiles::resolve(spec, Some(sample_rate))?;
    }
    Ok(())
}

impl Watch for Bars<'_> {
    fn start(&mut self, label: &str, total: u64) {
        self.bar = Some(self.run.file(total, label));
    }
    fn set(&mut self, done: u64) {
        if let Some(b) = &mut self.bar {
            b.set(done);
        }
    }
    fn finish(&mut self) {
        if let Some(b) = self.bar.take() {
            b.finish();
        }
    }
    fn warn(&mut self, message: &str) {
        self.run
            .suspend(|| crate::render::export::Stderr.warn(message));
    }
    fn rate_known(&mut self, sample_rate: f64) -> std::result::Result<(), String> {
        self.at_rate
            .map_or(Ok(()), |a| check_at_rate(a, sample_rate))
            .map_err(|e| e.to_string())
    }
}

/// Whether this run's `--json` report was printed (each run prints one).
static REPORTED: AtomicBool = AtomicBool::new(false);

pub fn run(args: &ExportArgs) -> Result<()> {
    let mut known = (Vec::new(), Vec::new());
    let result = export(args, &mut known);
    // A --json run that failed before its report (an input refused as it opens, an output in
    // the way, a single input's failure): the report says so too, in `failed`; stdout was empty.
    if let (Err(e), true, false) = (&result, args.report.json, REPORTED.load(Ordering::Relaxed)) {
        let input = input_or_default(args.input.as_deref()).unwrap_or_default();
        let failed = [Failed {
            input,
            error: e.to_string(),
        }];
        let to_stdout = args.output.as_deref().is_some_and(Target::is_stdout_name);
        // A folder's entries left out are part of the report whatever else failed.
        print_json(None, (&known.1, &known.0, &failed), to_stdout)?;
    }
    result
}

/// `known`: a folder's entries left out, as soon as they are known, and the outputs a single input
/// that failed wrote (for `run`'s report).
fn export(args: &ExportArgs, known: &mut (Vec<Skipped>, Vec<OutputReport>)) -> Result<()> {
    // When standard output carries the audio, the reports go to stderr.
    let to_stdout = args.output.as_deref().is_some_and(Target::is_stdout_name);
    // Stopped before anything is planned: `--json` still gets its (empty) report.
    let early =
        Words::of(args.report.json, to_stdout, &[], &[], None).say_at_signal(Arc::default());
    let input = input_or_default(args.input.as_deref())?;
    let (profiles, single, hp) = resolve_profiles(args, &input)?;
    // What each output's name says: never what a file claims to be (its `name` field).
    let labels = crate::profiles::output_labels(&args.profiles, &profiles);
    // Several outputs of one input are compared: make them equally loud unless told otherwise.
    let matching = !args.no_match && (args.match_loudness || profiles.len() > 1);
    let container = args.format.map(FormatArg::container);
    check_arguments(args, &input, profiles.len(), matching, container)?;
    let opts = options(args, container);
    let _made = args.out_dir.as_deref().map(create_out_dir).transpose()?;
    let (inputs, mut skipped) = list_inputs(&input, args.out_dir.as_deref())?;
    known.0.clone_from(&skipped);
    if inputs.is_empty() {
        return Err(nothing_to_export(&input, &skipped));
    }
    let mut plan = plan_outputs(args, &inputs, &profiles, &labels, container);
    check_collisions(&plan)?;
    let resumed = if args.skip_existing {
        leave_out_done(&mut plan, &mut skipped, &opts, input.is_dir())?
    } else {
        0
    };
    // A folder's outputs that must not be replaced: a user's own file with an output's name
    // never is (nor counted as an output); without --force, no existing output is (with
    // --skip-existing, an input with only some outputs is resumed output by output).
    if input.is_dir() && !args.skip_existing {
        refuse_foreign_outputs(
            plan.iter()
                .flat_map(|(i, outs)| outs.iter().map(move |o| (i, &o.1))),
        )?;
        if !args.force {
            refuse_existing_outputs(&plan)?;
        }
    }
    if input.is_dir() {
        check_outputs(args, &plan)?;
    }
    let started = std::time::Instant::now();
    let jobs = jobs_for(args, plan.len());
    // A folder's files, and standard input, learn their rate only now: their profiles are
    // resolved again at it (the one Nyquist rule).
    let check_each = (!single).then_some(args);
    // A folder's failures are reported each in its place and summed up (in --json too), even
    // when it holds one input; a file named on the command line fails with its own error.
    let folder = input.is_dir();
    let outcome = export_all(
        &plan,
        &opts,
        matching,
        jobs,
        check_each,
        Words::of(args.report.json, to_stdout, &skipped, &plan, hp.clone()),
        |r| match r {
            Err(e) => {
                if folder {
                    let line = format!("{e:#}");
                    crate::io::diag::diag!("iemsim: {}", crate::io::diag::one_line(&line));
                }
                Ok(())
            }
            Ok(_) if args.report.json => Ok(()),
            Ok(r) => r
                .iter()
                .try_for_each(|r| report(&report_line(r), to_stdout)),
        },
    );
    // Every output is named and recorded: the run's own report follows.
    drop(early);
    let (reports, exit_error, failed) = outcome?;
    match exit_error {
        // A single input's error is the command's, with its own exit code (after the outputs
        // it did write, which the report lists). --json says it too (`run`): a script reading
        // the report saw nothing at all.
        Some(e) if !folder => {
            known.1 = reports;
            return Err(e);
        }
        _ if folder => print_summary(&inputs, &reports, resumed, &skipped, &failed, started),
        _ => {}
    }
    if args.report.json {
        let skipped = [&skipped[..], &kept_outputs(args, &plan, &reports, &failed)].concat();
        print_json(hp.as_deref(), (&reports, &skipped, &failed), to_stdout)?;
    }
    // A folder run's result: the count of failures, behind the failure that sets the exit code
    // (the first of the machine's, else the first).
    let (failures, inputs) = (failed.len(), inputs.len());
    exit_error.map_or(Ok(()), |e| {
        Err(Error::batch(
            format!("{failures} of {inputs} files failed (see above)"),
            &e,
        ))
    })
}

/// A folder's closing line (stderr), what became of its entries (each audio input was exported,
/// done already (`--skip-existing`) or failed; every other entry was skipped): its inputs, the
/// outputs written, the inputs done already, what was left out and what failed. The inputs done
/// already were counted a second time among the skipped ("26 inputs → 0 outputs, 48 skipped, 5
/// failed" for 21 done and 27 other files).
fn print_summary(
    inputs: &[PathBuf],
    reports: &[OutputReport],
    resumed: usize,
    skipped: &[Skipped],
    failed: &[Failed],
    started: std::time::Instant,
) {
    let done = match resumed {
        0 => String::new(),
        n => format!(", {n} done already (--skip-existing)"),
    };
    crate::io::diag::diag!(
        "iemsim: {} → {}{done}, {} skipped, {} failed, in {:.1} s",
        crate::ui::fmt::count(inputs.len(), "input"),
        crate::ui::fmt::count(reports.len(), "output"),
        // The inputs done already are in `skipped` too (with their reason, for --json).
        skipped.len() - resumed,
        failed.len(),
        started.elapsed().as_secs_f64()
    );
}

/// `--skip-existing`: the outputs of the inputs exported this run that were kept as they were
/// (complete already), for `--json`, which listed only what it wrote: a script could not tell
/// those outputs existed. Only of inputs that did not fail: a failed redo leaves the file it
/// was to replace, which is not complete.
fn kept_outputs(
    args: &ExportArgs,
    plan: &[Planned],
    written: &[OutputReport],
    failed: &[Failed],
) -> Vec<Skipped> {
    if !args.skip_existing {
        return Vec::new();
    }
    plan.iter()
        .filter(|(input, _)| !failed.iter().any(|f| &f.input == input))
        .flat_map(|(_, outs)| outs.iter().map(|(_, out)| out))
        .filter(|out| out.is_file() && !written.iter().any(|r| &r.output == *out))
        .map(|out| Skipped {
            path: out.clone(),
            reason: "kept: a complete output exists already (--skip-existing)".into(),
        })
        .collect()
}

/// How many inputs are exported at a time: `--jobs`, else one per core, never more than inputs.
fn jobs_for(args: &ExportArgs, inputs: usize) -> usize {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    args.jobs.map_or(cores, usize::from).clamp(1, inputs.max(1))
}

/// The `-p` profiles, through the headphone correction, and whether the input is one file read
/// now. A single input's rate is known now: a profile file's filters at or above its Nyquist
/// frequency are then an error naming their line (rather than dropped with a warning). (The
/// bundled sample included, when it is the built-in copy rather than a file on disk.) A FIFO is
/// read once, by the render: its rate is learnt there, like standard input's.
fn resolve_profiles(
    args: &ExportArgs,
    input: &Path,
) -> Result<(Vec<Profile>, bool, Option<String>)> {
    let rate = super::file_rate(input)?;
    let hp = super::headphones(&args.hp, rate)?;
    let profiles = super::resolve_all(hp.as_ref(), &args.profiles, rate)?;
    Ok((profiles, rate.is_some(), hp.map(|c| c.label)))
}

/// Standard input, a FIFO or a device: read once, in order (a folder's entries are regular files).
fn is_stream(input: &Path) -> bool {
    input.as_os_str() == "-"
        || !(input.is_file() || input.is_dir() || crate::io::decode::builtin::is_builtin(input))
}

/// Before any work (a folder's listing included, whose skip lines came before these errors):
/// `--match` with nothing to match or on a stream (the default warns and uses `--preamp`), `-o` with a folder or several profiles, as a folder, with an
/// extension other than `.wav`/`.flac` (never written as WAV under that name), or one that
/// contradicts `--format`, and `--out-dir` naming something other than a folder (each output
/// failed on it, "the output folder does not exist").
fn check_arguments(
    args: &ExportArgs,
    input: &Path,
    profiles: usize,
    matching: bool,
    container: Option<Container>,
) -> Result<()> {
    if args.match_loudness && profiles < 2 {
        return Err(Error::usage(
            "--match",
            "--match makes the outputs of several profiles equally loud; with one profile there is nothing to match it with (--preamp sets its level)",
        ));
    }
    if args.match_loudness && is_stream(input) {
        let what = if input.as_os_str() == "-" {
            "standard input".to_string()
        } else {
            format!("{} (a pipe)", input.display())
        };
        return Err(Error::usage(
            "--match",
            format!("--match cannot match {what}: it is read once, and matching measures every output in a first pass; save it to a file to match it, or leave out --match (the outputs then use --preamp)"),
        ));
    }
    if args.preamp.is_some() && matching && !is_stream(input) {
        return Err(Error::usage(
            "--preamp",
            "--preamp has no effect on loudness-matched outputs: matching sets each output's gain (the highest common level without clipping); add --no-match to give each output --preamp instead",
        ));
    }
    check_output_options(args, input)?;
    if args.output.is_some() && (profiles != 1 || input.is_dir()) {
        return Err(Error::usage("--output", "-o/--output names one file: use it with one input file and one profile, or use --out-dir"));
    }
    if let Some(dir) = args.out_dir.as_ref().filter(|d| d.exists() && !d.is_dir()) {
        let what = if dir.is_file() {
            "a file"
        } else {
            "not a file (a device, FIFO or socket)"
        };
        return Err(Error::usage(
            "--out-dir",
            format!("--out-dir {} is {what}, not a folder", dir.display()),
        ));
    }
    if let Some(out) = args.output.as_ref().filter(|o| o.is_dir()) {
        return Err(Error::usage(
            "--output",
            format!(
                "{0} is a folder: name an output file, or write every output into it with --out-dir {0}",
                out.display()
            ),
        ));
    }
    if let Some(out) = &args.output {
        crate::io::sink::check_output(out, container)?;
    }
    Ok(())
}

/// Options the run would ignore: `--force`/`--skip-existing` with standard output (nothing is
/// replaced or kept there) and `--jobs` with one input file (it sets how many files of a folder
/// are exported at once).
fn check_output_options(args: &ExportArgs, input: &Path) -> Result<()> {
    if args.output.as_deref() == Some(Path::new("-")) {
        for (given, name) in [
            (args.force, "--force"),
            (args.skip_existing, "--skip-existing"),
        ] {
            if given {
                return Err(Error::usage(
                    name,
                    format!("{name} has no use with -o - (standard output): no file is replaced or kept there"),
                ));
            }
        }
    }
    if args.jobs.is_some() && !input.is_dir() {
        return Err(Error::usage(
            "--jobs",
            format!(
                "-j/--jobs sets how many files of a folder are exported at once; {} is one input",
                input.display()
            ),
        ));
    }
    Ok(())
}

/// The options every output of the run shares.
fn options(args: &ExportArgs, container: Option<Container>) -> ExportOptions {
    ExportOptions {
        format: args.bits.map(BitsArg::out_format),
        container,
        dither: match args.dither {
            DitherArg::Tpdf => Dither::Tpdf,
            DitherArg::None => Dither::None,
        },
        preamp: args.preamp.unwrap_or(Preamp::Auto),
        force: args.force,
        skip_existing: args.skip_existing,
        quiet: args.quiet || args.report.json,
    }
}

/// `--out-dir`, created when missing, parents too (as `demo --export` does). The folders it
/// made are removed again at the end of the run if they are still empty: a refused run (a missing
/// input, a format that cannot be written) leaves nothing behind.
fn create_out_dir(dir: &Path) -> Result<MadeDirs> {
    let mut made = Vec::new();
    let mut d = Some(dir);
    while let Some(p) = d.filter(|p| !p.as_os_str().is_empty() && !p.exists()) {
        made.push(p.to_path_buf());
        d = p.parent();
    }
    if !made.is_empty() {
        std::fs::create_dir_all(dir)
            .map_err(|e| crate::error::output_error(dir, "cannot create the output folder", e))?;
        // A signal removes them too (the run's Drop does not run then).
        crate::io::atomic::made_dirs(&made);
    }
    Ok(MadeDirs(made))
}

/// Folders this run created, deepest first.
struct MadeDirs(Vec<PathBuf>);

impl Drop for MadeDirs {
    fn drop(&mut self) {
        crate::io::atomic::made_dirs(&[]);
        // `remove_dir` removes only an empty folder: one holding outputs stays.
        for d in &self.0 {
            if std::fs::remove_dir(d).is_err() {
                break;
            }
        }
    }
}

/// The files to export: the input itself, or a folder's audio files (what is left out reported
/// and returned; none is for the caller to refuse). The output folder (`out_dir`, made already)
/// and a sub-folder holding it are where the run writes, not entries left out: `export V
/// --out-dir V/out` said "skipping V/out: a sub-folder ... export the sub-folder on its own" and
/// counted it as skipped, on the run that made it and on every later one.
fn list_inputs(input: &Path, out_dir: Option<&Path>) -> Result<(Vec<PathBuf>, Vec<Skipped>)> {
    if !input.is_dir() {
        return Ok((vec![input.to_path_buf()], Vec::new()));
    }
    let (files, mut skipped) = list_wavs(input)?;
    if let Some(out) = out_dir.and_then(|d| d.canonicalize().ok()) {
        skipped.retain(|s| !s.path.canonicalize().is_ok_and(|p| out.starts_with(p)));
    }
    report_skipped(&skipped);
    Ok((files, skipped))
}

/// A folder with nothing to export is refused.
fn nothing_to_export(folder: &Path, skipped: &[Skipped]) -> Error {
    let all = if skipped.is_empty() {
        ""
    } else {
        " (all skipped, see above)"
    };
    Error::input(
        folder,
        format!(
            "{}: no audio files to export in this folder{all}",
            folder.display()
        ),
    )
}

/// Each input with its (profile, output) jobs: `-o`, or the default name per profile label.
fn plan_outputs(
    args: &ExportArgs,
    inputs: &[PathBuf],
    profiles: &[Profile],
    labels: &[String],
    container: Option<Container>,
) -> Vec<Planned> {
    inputs
        .iter()
        .map(|file| {
            let jobs = profiles
                .iter()
                .zip(labels)
                .map(|(p, label)| {
                    let out = args.output.clone().unwrap_or_else(|| {
                        let c = container.unwrap_or_else(|| default_container(file));
                        default_output(file, label, args.out_dir.as_deref(), c)
                    });
                    (p.clone(), out)
                })
                .collect();
            (file.clone(), jobs)
        })
        .collect()
}

/// Resuming an interrupted run (`--skip-existing`): an input whose outputs all exist and are
/// complete outputs of it (`render::export::not_complete`: they read as audio at its rate,
/// channels, length and the format the export writes) is done: it is taken out of `plan` into
/// `skipped`, each with a line; how many. An output that exists but is not complete (empty,
/// damaged, cut short) is written again by the export, which says so; an empty file used to count
/// as done. In a folder, one that reads as audio iemsim did not write is someone's own file with
/// an output's name: the run is refused before anything is written (`refuse_foreign_outputs`).
/// The input's header is read for this; standard input and pipes, which are read once, are not:
/// their outputs are done when they exist.
fn leave_out_done(
    plan: &mut Vec<Planned>,
    skipped: &mut Vec<Skipped>,
    opts: &ExportOptions,
    folder: bool,
) -> Result<usize> {
    let before = plan.len();
    let mut refused = Ok(());
    plan.retain(|(file, outs)| {
        let existing: Vec<&PathBuf> = outs
            .iter()
            .map(|(_, out)| out)
            .filter(|out| out.is_file())
            .collect();
        if existing.is_empty() {
            return true;
        }
        let readable = file.is_file() || crate::io::decode::builtin::is_builtin(file);
        let done = if readable {
            // An input that cannot be opened is exported, and its failure reported there.
            let Ok(info) = Decoder::open(file).map(|d| *d.info()) else {
                return true;
            };
            let incomplete: Vec<&PathBuf> = existing
                .iter()
                .copied()
                .filter(|out| not_complete(out, &info, opts).is_some())
                .collect();
            if folder && refused.is_ok() {
                refused = refuse_foreign_outputs(incomplete.iter().map(|out| (file, *out)));
            }
            incomplete.is_empty() && existing.len() == outs.len()
        } else {
            existing.len() == outs.len()
        };
        if done {
            let s = Skipped {
                path: file.clone(),
                reason: "its outputs exist already (--skip-existing)".into(),
            };
            report_skipped(std::slice::from_ref(&s));
            skipped.push(s);
        }
        !done
    });
    refused?;
    Ok(before - plan.len())
}

/// `--json`: the outputs and what was left out, on stdout (stderr when stdout carries audio).
fn print_json(
    headphones: Option<&str>,
    (reports, skipped, failed): (&[OutputReport], &[Skipped], &[Failed]),
    to_stdout: bool,
) -> Result<()> {
    REPORTED.store(true, Ordering::Relaxed);
    let json = serde_json::to_string_pretty(&JsonReport {
        headphones,
        outputs: reports,
        skipped,
        failed,
        interrupted: None,
    })?;
    report(&json, to_stdout)
}

/// A folder run again without `--force`: the outputs that exist are refused in one line before
/// anything is written, instead of one failure per file ("19 of 19 files failed"). `--force`
/// replaces them; `--skip-existing` (already applied to `plan`) resumes the run.
fn refuse_existing_outputs(plan: &[Planned]) -> Result<()> {
    let existing: Vec<&PathBuf> = plan
        .iter()
        .flat_map(|(_, outs)| outs.iter().map(|(_, out)| out))
        // A dangling link is there too (`exists` follows it): it failed the file it named
        // after the others were written.
        .filter(|out| out.symlink_metadata().is_ok())
        .collect();
    let Some(first) = existing.first() else {
        return Ok(());
    };
    let total: usize = plan.iter().map(|(_, outs)| outs.len()).sum();
    Err(Error::input(
        first,
        format!(
            "{} of the {total} outputs exist already ({}{}); nothing was written: --skip-existing \
         exports only the inputs whose outputs are missing, --force replaces them",
            existing.len(),
            first.display(),
            if existing.len() > 1 { ", …" } else { "" }
        ),
    ))
}

/// Every output of a folder's run checked, before any input is decoded, as its writer will check
/// it ([`Target::check`]: its folder exists and may be written, nothing but a regular file is in
/// its way, an existing file only with --force). Each was checked only as its input came, after
/// a whole measuring pass with several profiles: a folder into a read-only `--out-dir` read every
/// file to fail each on "the output folder is not writable". With --skip-existing an existing
/// output is the export's to judge (kept, redone or refused). One input's outputs are checked by
/// the export itself, after its own header (a missing input is said first), before decoding.
fn check_outputs(args: &ExportArgs, plan: &[Planned]) -> Result<()> {
    let replace = args.force || args.skip_existing;
    for (_, out) in plan.iter().flat_map(|(_, outs)| outs) {
        Target::new(out, replace).check()?;
    }
    Ok(())
}

/// A folder export never replaces a file of the user's that only has an output's name
/// (`song.dd.wav` beside `song.wav`, which the listing skipped as "named like an output"), even
/// with `--force`: such a file is refused before anything is written, naming it and what to do.
/// iemsim's own earlier outputs carry its mark (`ISFT`/`ENCODER`); a file with no audio in it
/// (empty, damaged) holds nothing to lose (see `render::owner::not_ours`). A single file's
/// `-o FILE --force` still replaces whatever regular file FILE is: the user named it.
/// `outputs`: each with its input.
fn refuse_foreign_outputs<'a>(
    outputs: impl Iterator<Item = (&'a PathBuf, &'a PathBuf)>,
) -> Result<()> {
    let mut foreign = outputs
        .filter(|(_, out)| out.exists())
        .filter_map(|(input, out)| Some((input, out, crate::render::owner::not_ours(out)?)));
    let Some((input, first, why)) = foreign.next() else {
        return Ok(());
    };
    let more = foreign.count();
    let others = match more {
        0 => String::new(),
        n => format!(" ({n} more like it)"),
    };
    // `-o FILE --force` replaces only a regular file: not advised for a folder in the way.
    let instead = if first.is_file() {
        format!(
            ", export into another folder with --out-dir, or export {} on its own with -o {} \
             --force to replace it",
            input.display(),
            first.display()
        )
    } else {
        ", or export into another folder with --out-dir".to_string()
    };
    Err(Error::input(
        first,
        format!(
            "{} exists and iemsim did not write it ({why}){others}: a folder export replaces \
             only iemsim's own earlier outputs, even with --force; nothing was written. Move or \
             rename it{instead}",
            first.display(),
        ),
    ))
}

/// Resolves every `-p` value again at `file`'s rate, only to apply the Nyquist rule that a single
/// input gets when its profiles are first resolved. The error names `file` before the profile's
/// line: in a folder, it is the file that cannot take the profile.
fn check_rates(file: &Path, args: &ExportArgs) -> Result<()> {
    let rate = f64::from(Decoder::open(file)?.info().sample_rate);
    check_at_rate(args, rate).with_context(|| file.display().to_string())
}

/// What became of one input: the outputs written, and its failure if it failed (outputs that
/// were complete before another failed are written, and kept: see `ExportError::Partial`).
struct Outcome {
    written: Vec<OutputReport>,
    error: Option<Error>,
}

impl Outcome {
    fn of(result: std::result::Result<Vec<OutputReport>, ExportError>) -> Self {
        let written = match &result {
            // A partial failure's error names the outputs kept; they are reported as written too.
            Ok(written) | Err(ExportError::Partial { written, .. }) => written.clone(),
            Err(_) => Vec::new(),
        };
        let error = result.err().map(Error::from);
        Self { written, error }
    }
}

/// What a run's results so far are: each input's in order, printed as soon as every earlier
/// one is.
#[derive(Default)]
struct Done {
    results: Vec<Option<Outcome>>,
    printed: usize,
    reports: Vec<OutputReport>,
    exit_error: Option<crate::error::Error>,
    /// The inputs that failed, and why.
    failed: Vec<Failed>,
    print_error: Option<crate::error::Error>,
}

/// Exports every input of `plan` on `jobs` threads, each taking the next input when it is done
/// (a folder of long and short files stays balanced). Reports are printed by `print` in input
/// order, as soon as every earlier input is done; an input's failure is given to `print` in its
/// place too, and the others go on. The outputs do not depend on `jobs`: each file's dither is seeded by its
/// own writer, and the FLAC writers share the cores between them
/// (`flac_write::set_encoder_threads`) without changing a byte.
fn export_all(
    plan: &[Planned],
    opts: &ExportOptions,
    matching: bool,
    jobs: usize,
    check_each: Option<&ExportArgs>,
    words: Words,
    print: impl Fn(std::result::Result<&[OutputReport], &Error>) -> Result<()> + Sync,
) -> Result<(Vec<OutputReport>, Option<crate::error::Error>, Vec<Failed>)> {
    let done = Arc::new(Mutex::new(Done {
        results: (0..plan.len()).map(|_| None).collect(),
        ..Done::default()
    }));
    let _words = words.say_at_signal(Arc::clone(&done));
    if jobs > 1 {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        crate::io::flac_write::set_encoder_threads((cores / jobs).max(1));
    }
    let label = if plan.len() > 1 {
        format!("{} files, {jobs} at a time", plan.len())
    } else {
        String::new()
    };
    let run = Run::new(plan.len() as u64, &label, opts.quiet);
    let next = AtomicUsize::new(0);
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::Relaxed);
        let Some((file, outs)) = plan.get(i) else {
            break;
        };
        // Standard input is read once: its profiles are checked at its rate when the render
        // has read its header, before any output exists.
        let mut bars = Bars {
            run: &run,
            bar: None,
            at_rate: check_each.filter(|_| !file.is_file()),
        };
        // A folder's files each have their rate: the one Nyquist rule, checked per file.
        let result = match check_each
            .filter(|_| file.is_file())
            .map_or(Ok(()), |at| check_rates(file, at))
        {
            Ok(()) => Outcome::of(export_matched(file, outs, opts, matching, &mut bars)),
            Err(e) => Outcome {
                written: Vec::new(),
                error: Some(e),
            },
        };
        run.done_one();
        let Ok(mut guard) = done.lock() else {
            break;
        };
        let d = &mut *guard;
        d.results[i] = Some(result);
        // Print every result whose predecessors are all printed; after a failed print, no more.
        let say = |failed: &mut Option<Error>, what: std::result::Result<&[_], &_>| {
            if failed.is_none() {
                *failed = run.suspend(|| print(what)).err();
            }
        };
        while let Some(r) = d.results.get_mut(d.printed).and_then(Option::take) {
            // What an input wrote is reported even when it failed afterwards.
            if !r.written.is_empty() || r.error.is_none() {
                say(&mut d.print_error, Ok(&r.written));
                d.reports.extend(r.written);
            }
            if let Some(e) = r.error {
                let input = plan[d.printed].0.clone();
                d.failed.push(Failed {
                    input,
                    error: e.to_string(),
                });
                say(&mut d.print_error, Err(&e));
                d.exit_error = Some(Error::decisive(d.exit_error.take(), e));
            }
            d.printed += 1;
        }
    };
    std::thread::scope(|s| {
        for _ in 1..jobs {
            s.spawn(worker);
        }
        worker();
    });
    run.finish();
    let d = std::mem::take(
        &mut *done
            .lock()
            .map_err(|_| crate::error::Error::machine("an export worker failed"))?,
    );
    if let Some(e) = d.print_error {
        return Err(e);
    }
    Ok((d.reports, d.exit_error, d.failed))
}

/// `export --json`: what was written, and which inputs of a folder were left out and why.
#[derive(Serialize)]
struct JsonReport<'a> {
    /// The headphone correction every output went through (null without one), as `analyze`'s.
    headphones: Option<&'a str>,
    outputs: &'a [OutputReport],
    skipped: &'a [Skipped],
    /// Inputs of a folder that failed, each with its error (also printed on stderr).
    failed: &'a [Failed],
    /// The signal that stopped the run (`SIGINT`…), when one did: `outputs` are then the
    /// complete ones, and the inputs not reached are in none of the lists.
    #[serde(skip_serializing_if = "Option::is_none")]
    interrupted: Option<&'a str>,
}

/// What a run stopped by a signal says about what it completed, from the signal thread
/// (`crate::interrupt`): `--json` prints its report with the complete outputs and `interrupted`
/// (it printed nothing); text lists the complete outputs not listed yet (a later input's, done
/// before an earlier one); both count them on stderr. Every output that exists then is whole.
/// The complete ones are those the process named (`io::atomic::committed`): a worker names its
/// outputs a moment before it records them, so their reports are waited for, briefly.
struct Words {
    json: bool,
    headphones: Option<String>,
    to_stdout: bool,
    skipped: Vec<Skipped>,
    /// Every output the run may write.
    outputs: Vec<PathBuf>,
}

impl Words {
    fn of(
        json: bool,
        to_stdout: bool,
        skipped: &[Skipped],
        plan: &[Planned],
        headphones: Option<String>,
    ) -> Self {
        Words {
            json,
            headphones,
            to_stdout,
            skipped: skipped.to_vec(),
            outputs: plan
                .iter()
                .flat_map(|(_, o)| o.iter().map(|(_, p)| p.clone()))
                .collect(),
        }
    }

    /// Said if a signal stops the run (until the guard returned is dropped), of what `done` holds.
    fn say_at_signal(self, done: Arc<Mutex<Done>>) -> crate::interrupt::Registered {
        crate::interrupt::register_last_words(Box::new(move |sig| self.say(&done, sig)))
    }

    fn say(&self, done: &Mutex<Done>, sig: &str) -> crate::interrupt::Said {
        use std::time::{Duration, Instant};
        // The reader of the audio on stdout stopped reading it (`-o - | head -c`): its choice,
        // not news.
        if self.to_stdout && sig == "SIGPIPE" {
            return crate::interrupt::Said::default();
        }
        let planned: std::collections::HashSet<&Path> =
            self.outputs.iter().map(PathBuf::as_path).collect();
        let named: Vec<PathBuf> = crate::io::atomic::committed()
            .into_iter()
            .filter(|p| planned.contains(p.as_path()))
            .collect();
        // A worker holds the lock only briefly, unless its stdout is stalled: then give up
        // rather than keep the process from exiting.
        let deadline = Instant::now() + Duration::from_millis(300);
        loop {
            if let Ok(d) = done.try_lock() {
                let pending: Vec<&OutputReport> = d.results[d.printed.min(d.results.len())..]
                    .iter()
                    .flatten()
                    .flat_map(|r| &r.written)
                    .collect();
                let reported = |p: &PathBuf| {
                    d.reports
                        .iter()
                        .chain(pending.iter().copied())
                        .any(|r| &r.output == p)
                };
                if named.iter().all(reported) || Instant::now() >= deadline {
                    return self.compose(&d, &pending, named.len(), sig);
                }
            } else if Instant::now() >= deadline {
                return crate::interrupt::Said {
                    notice: Some(self.kept(named.len())),
                    ..Default::default()
                };
            }
            std::thread::sleep(Duration::from_millis(1));
        }
    }

    /// The words on stderr: how many outputs are whole, or that the audio on stdout stops.
    fn kept(&self, named: usize) -> String {
        if self.to_stdout {
            "the audio sent to standard output is cut short there".to_owned()
        } else {
            format!("{} kept", crate::ui::fmt::count(named, "complete output"))
        }
    }

    fn compose(
        &self,
        d: &Done,
        pending: &[&OutputReport],
        named: usize,
        sig: &str,
    ) -> crate::interrupt::Said {
        let report = if self.json {
            let outputs: Vec<OutputReport> = d
                .reports
                .iter()
                .chain(pending.iter().copied())
                .cloned()
                .collect();
            serde_json::to_string_pretty(&JsonReport {
                headphones: self.headphones.as_deref(),
                outputs: &outputs,
                skipped: &self.skipped,
                failed: &d.failed,
                interrupted: Some(sig),
            })
            .ok()
            .map(|j| format!("{j}\n"))
        } else {
            let lines: String = pending
                .iter()
                .map(|r| format!("{}\n", report_line(r)))
                .collect();
            (!lines.is_empty()).then_some(lines)
        };
        // With the audio on stdout, the reports go to stderr (as a run's own do).
        let (stdout, stderr) = if self.to_stdout {
            (None, report)
        } else {
            (report, None)
        };
        crate::interrupt::Said {
            stdout,
            stderr,
            notice: Some(self.kept(named)),
        }
    }
}

/// An input that failed, and why.
#[derive(Serialize)]
struct Failed {
    #[serde(serialize_with = "crate::io::diag::json_path")]
    input: PathBuf,
    /// Its error as text (JSON escapes what needs it).
    error: String,
}

/// One stderr line per skipped input, so nothing is left out silently.
fn report_skipped(skipped: &[Skipped]) {
    for s in skipped {
        let line = format!("{}: {}", s.path.display(), s.reason);
        crate::io::diag::diag!("iemsim: skipping {}", crate::io::diag::one_line(&line));
    }
}

/// The line that reports one output.
fn report_line(r: &OutputReport) -> String {
    // A matched output's level is its gain, which --preamp changes only with --no-match.
    let (gain, no_match) = match r.loudness_lufs {
        Some(_) => ("gain", " --no-match"),
        None => ("preamp", ""),
    };
    let clip = if r.clipped_samples == 0 {
        "no clipping".to_string()
    } else {
        // The filters are linear, so this preamp brings the measured peak to -0.1 dBFS: even
        // `auto` (minus the largest boost) can clip, where the filters' phase shifts align peaks.
        let fits = ((r.preamp_db - r.peak_dbfs - 0.1) * 10.0).floor() / 10.0;
        // Float keeps what goes past full scale; a player or a later conversion clips it.
        let what = if r.format.is_float() {
            "past 0 dBFS (kept in float; a player clips them)"
        } else {
            "CLIPPED"
        };
        let plural = if r.clipped_samples == 1 { "" } else { "s" };
        format!(
            "{} sample{plural} {what} (--preamp {fits:.1}{no_match} keeps every sample below -0.1 dBFS)",
            r.clipped_samples,
        )
    };
    // The peak is the rendered one: clipped integer samples hold full scale in the file.
    let before = if r.clipped_samples > 0 && !r.format.is_float() {
        " before clipping"
    } else {
        ""
    };
    format!(
        "{}  [{}]  {} {}, {gain} {} dB, peak {} dBFS{before}, {clip}{}",
        r.output.display(),
        r.profile,
        r.container.extension().to_uppercase(),
        r.format.label(),
        crate::ui::fmt::db(r.preamp_db),
        crate::ui::fmt::level(r.peak_dbfs),
        r.loudness_lufs
            .map(|l| format!(", loudness {} LUFS (matched)", crate::ui::fmt::level(l)))
            .unwrap_or_default()
    )
}

//! Export: one input decoded once, one output file per profile, optionally loudness-matched by a
//! measurement pass first. The job-level use of [`crate::render`] that `export` and the benches
//! run.

use super::matching::levels_of;
use super::{render_each, Lane};
use crate::dsp::dither::Dither;
use crate::dsp::loudness::{match_to_ceiling, MATCH_CEILING_DBFS};
use crate::dsp::{gain_to_db, DroppedFilter, Preamp, Profile, ProfileError, Stages};
use crate::error::{Class, Error, Subject};
use crate::io::{Container, DecodeError, Decoder, OutFormat, Sink, SinkSpec, Target, WavError};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// Why an export (or its plan) was refused or failed.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The output's container cannot hold the sample format asked for.
    #[error("{}: {message}", .path.display())]
    Format { path: PathBuf, message: String },
    #[error("{}: two profiles would write the same file", .path.display())]
    SameOutput { path: PathBuf },
    /// Two outputs, or an output and an input, would be one file (the message names both).
    #[error("{0}")]
    Collision(String),
    #[error("{}: cannot list the folder: {error}", .path.display())]
    ListFolder {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error(transparent)]
    Wav(#[from] WavError),
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The profile cannot apply to this input (per-channel filters for a channel it lacks).
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A profile refused at the input's rate (see [`Watch::rate_known`]).
    #[error("{0}")]
    Rate(String),
    /// Some outputs of an input were written, then another failed (each file is completed and
    /// named in turn: a full disk can stop the second after the first was named). The written
    /// ones are whole and kept (`--skip-existing` resumes the rest); they are reported.
    #[error("{error} ({})", kept(written))]
    Partial {
        written: Vec<OutputReport>,
        error: Box<ExportError>,
    },
}

/// "X was written and is kept" for the outputs of an input that failed part-way.
fn kept(written: &[OutputReport]) -> String {
    let names: Vec<String> = written
        .iter()
        .map(|r| r.output.display().to_string())
        .collect();
    match names.len() {
        1 => format!("{} was written and is kept", names[0]),
        _ => format!("{} were written and are kept", names.join(", ")),
    }
}

/// The user can fix a format, a name or a profile (exit code 2), and a folder they may not read;
/// a folder that cannot be listed otherwise is the machine's failure (1).
impl From<ExportError> for Error {
    fn from(e: ExportError) -> Self {
        use ExportError as E;
        let (class, path) = match e {
            E::Wav(e) => return e.into(),
            E::Decode(e) => return e.into(),
            E::Profile(e) => return e.into(),
            E::Collision(_) | E::Rate(_) => return Self::of(Class::Input, None, e),
            // The failure's class and subject; the message also names what was kept.
            E::Partial { written, error } => return Error::from(*error).note(kept(&written)),
            E::Format { ref path, .. } | E::SameOutput { ref path } => (Class::Input, path.clone()),
            // A folder the user may not read is theirs to fix, as an unreadable file in it is.
            E::ListFolder {
                ref path,
                ref error,
            } if matches!(
                error.kind(),
                std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::NotFound
            ) =>
            {
                (Class::Input, path.clone())
            }
            E::ListFolder { ref path, .. } => (Class::Machine, path.clone()),
        };
        Self::of(class, Some(Subject::File(path)), e)
    }
}

type Result<T> = std::result::Result<T, ExportError>;

/// What an export reports while it works: the command draws progress bars and prints the
/// warnings; the library only says what happens.
pub trait Watch {
    /// A pass over `total` frames (0: unknown) begins, called `label`.
    fn start(&mut self, label: &str, total: u64);
    /// Frames done in the current pass.
    fn set(&mut self, done: u64);
    /// The current pass is over.
    fn finish(&mut self);
    /// Something the user should know (a filter dropped, a stream that cannot be matched...).
    fn warn(&mut self, message: &str);
    /// The input's rate, known once its header is read and before any output exists: the
    /// caller's last word on profiles it resolved without a rate (standard input), refusing a
    /// profile file's filter at or above Nyquist (the one rule) with its message.
    fn rate_known(&mut self, _sample_rate: f64) -> std::result::Result<(), String> {
        Ok(())
    }
}

/// `profile`'s cascades at `fs` for `channels` channels and the filters dropped (at or above the
/// Nyquist frequency), each dropped filter told to `watch`. A profile giving a channel the audio
/// lacks its own filters is refused.
pub fn stages(
    profile: &Profile,
    fs: f64,
    channels: usize,
    watch: &mut dyn Watch,
) -> std::result::Result<(Stages, Vec<DroppedFilter>), ProfileError> {
    profile.check_channels(channels)?;
    let dropped = profile.dropped(fs);
    for d in &dropped {
        watch.warn(&d.message(&profile.name));
    }
    Ok((profile.stages(fs, channels), dropped))
}

/// The numbers of the `dropped` filters that are the profile's own (`correction: false`, as
/// `iemsim show PROFILE` numbers them) or the headphone correction's (`true`, as it numbers
/// the correction's).
pub fn dropped_numbers(dropped: &[DroppedFilter], correction: bool) -> Vec<usize> {
    dropped
        .iter()
        .filter(|d| d.correction.is_some() == correction)
        .map(|d| d.index)
        .collect()
}

/// No progress, warnings as `iemsim: warning: ...` lines on stderr.
pub struct Stderr;

impl Watch for Stderr {
    fn start(&mut self, _: &str, _: u64) {}
    fn set(&mut self, _: u64) {}
    fn finish(&mut self) {}
    fn warn(&mut self, message: &str) {
        crate::io::diag::diag!("iemsim: warning: {message}");
    }
}

/// Frames per processing block: large enough to amortise per-block work, small enough to stay in cache.
pub const BLOCK_FRAMES: usize = 16_384;

/// Everything about how to write outputs, resolved from the command line.
#[derive(Debug, Clone, Copy)]
pub struct ExportOptions {
    /// None: keep the input's format.
    pub format: Option<OutFormat>,
    /// `--format`: None follows each output's extension (standard output: WAV).
    pub container: Option<Container>,
    pub dither: Dither,
    pub preamp: Preamp,
    pub force: bool,
    /// `--skip-existing`: an output that exists already is kept, not written (outputs get their
    /// names only when complete, see `io::atomic`); the others are, at the gains a whole run
    /// gives them (matching still measures every profile).
    pub skip_existing: bool,
    /// No progress bars: read by the caller's [`Watch`] (the library draws none).
    pub quiet: bool,
}

/// What one output got.
#[derive(Debug, Clone, Serialize)]
pub struct OutputReport {
    #[serde(serialize_with = "crate::io::diag::json_path")]
    pub input: PathBuf,
    #[serde(serialize_with = "crate::io::diag::json_path")]
    pub output: PathBuf,
    pub profile: String,
    pub container: Container,
    pub format: OutFormat,
    pub preamp_db: f64,
    pub peak_dbfs: f64,
    pub clipped_samples: u64,
    pub frames: u64,
    pub sample_rate: u32,
    /// The profile's filters dropped, by their numbers in `iemsim show PROFILE`.
    pub dropped_filters: Vec<usize>,
    /// The headphone correction's filters dropped, by their numbers in its own list.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub dropped_correction_filters: Vec<usize>,
    /// Integrated loudness of the output (ITU-R BS.1770, LUFS), when the outputs were matched.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub loudness_lufs: Option<f64>,
    /// NaN/±Inf input samples replaced by silence.
    pub nonfinite_samples: u64,
}

/// Reads `input` once and writes one output per `(profile, path)`.
///
/// All outputs are checked before any work (exists, same as input, folder missing), so a refusal
/// costs nothing and leaves nothing behind.
pub fn export_file(
    input: &Path,
    jobs: &[(Profile, PathBuf)],
    opts: &ExportOptions,
) -> Result<Vec<OutputReport>> {
    export_matched(input, jobs, opts, false, &mut Stderr)
}

/// As [`export_file`]; with `matching` and more than one output, a measurement pass first sets
/// every output's gain by [`match_to_ceiling`] (equal BS.1770 loudness, sample peaks ≤ −0.1 dBFS),
/// measured by the same analysis `play` matches with. The gains replace `opts.preamp`.
/// The reports of the outputs written, or the first failure: alone when nothing was written, else
/// with the outputs that were ([`ExportError::Partial`]).
pub fn export_matched(
    input: &Path,
    jobs: &[(Profile, PathBuf)],
    opts: &ExportOptions,
    matching: bool,
    watch: &mut dyn Watch,
) -> Result<Vec<OutputReport>> {
    let mut src = Decoder::open(input)?;
    let info = *src.info();
    let fs = f64::from(info.sample_rate);
    watch.rate_known(fs).map_err(ExportError::Rate)?;
    let format = opts
        .format
        .unwrap_or_else(|| OutFormat::keeping(info.float, info.bits));
    // The input's tags, and iemsim's mark (a folder export knows its earlier outputs by it).
    let tags = crate::io::Tags {
        software: Some(crate::io::tags::mark()),
        ..src.tags().clone()
    };
    let targets = plan_outputs(input, jobs, opts, format)?;
    let outputs = prepare_outputs(jobs, &targets, &info, opts, watch)?;
    let matched = if matching && jobs.len() > 1 {
        match_gains(input, &src, jobs, watch)?
    } else {
        None
    };
    let mut lanes = Vec::with_capacity(jobs.len());
    let mut meta = Vec::with_capacity(jobs.len());
    for (i, target) in outputs {
        let (profile, (_, container, format)) = (&jobs[i].0, &targets[i]);
        let (coeffs, dropped) = stages(profile, fs, usize::from(info.channels), watch)?;
        let gain_db = match &matched {
            Some((gains, _)) => gains[i],
            None => profile.preamp_db(opts.preamp, fs),
        };
        let spec = SinkSpec {
            channels: info.channels,
            sample_rate: info.sample_rate,
            format: *format,
            dither: opts.dither,
            channel_mask: info.channel_mask,
            tags: tags.clone(),
            frames: info.length_known.then_some(info.frames),
        };
        let sink = Sink::create(&target, *container, &spec)?;
        lanes.push(Lane::file(coeffs, gain_db, sink));
        meta.push((i, gain_db, dropped));
    }
    // After a measuring pass, this bar is the second of two (its ETA is not the whole job's).
    let label = match &matched {
        Some(_) => format!("{} (pass 2 of 2: writing)", src.name()),
        None => src.name(),
    };
    watch.start(&label, info.frames);
    let rendered = render_each(&mut src, lanes, BLOCK_FRAMES, &mut |done| watch.set(done))?;
    watch.finish();
    if let Some(w) = src.nonfinite_warning() {
        watch.warn(&w);
    }
    let nonfinite_samples = src.nonfinite().count;
    let mut reports = Vec::new();
    let mut failure = None;
    for (rendered, (i, preamp_db, dropped)) in rendered.into_iter().zip(meta) {
        let stats = match rendered {
            Ok(r) => r.file.unwrap_or_default(),
            Err(e) => {
                failure.get_or_insert(e);
                continue;
            }
        };
        let ((profile, out), (_, container, format)) = (&jobs[i], &targets[i]);
        reports.push(OutputReport {
            input: input.to_path_buf(),
            output: out.clone(),
            profile: profile.name.clone(),
            container: *container,
            format: *format,
            preamp_db,
            peak_dbfs: stats.peak_dbfs(),
            clipped_samples: stats.clipped,
            frames: stats.frames,
            sample_rate: info.sample_rate,
            dropped_filters: dropped_numbers(&dropped, false),
            dropped_correction_filters: dropped_numbers(&dropped, true),
            loudness_lufs: matched.as_ref().map(|(_, target)| *target),
            nonfinite_samples,
        });
    }
    match failure {
        None => Ok(reports),
        Some(e) if reports.is_empty() => Err(e.into()),
        // The outputs that were completed before another failed are kept, and said.
        Some(e) => Err(ExportError::Partial {
            written: reports,
            error: Box::new(e.into()),
        }),
    }
}

/// The outputs to write, each with its job's index (those `--skip-existing` keeps left out),
/// each checked as [`Sink::create`] will check it ([`Target::check`]), and its profile checked
/// against the input's channels, before any audio is decoded: an output in the way, a folder
/// that cannot be written or a profile for a channel the input lacks used to be found only after
/// the measuring pass of `--match` had read the whole input.
fn prepare_outputs(
    jobs: &[(Profile, PathBuf)],
    targets: &[(Target, Container, OutFormat)],
    info: &crate::io::Info,
    opts: &ExportOptions,
    watch: &mut dyn Watch,
) -> Result<Vec<(usize, Target)>> {
    let mut outputs = Vec::with_capacity(jobs.len());
    for (index, ((profile, out), (target, ..))) in jobs.iter().zip(targets).enumerate() {
        let Some(target) = resumed(target, out, info, opts, watch) else {
            continue;
        };
        target.check()?;
        profile.check_channels(usize::from(info.channels))?;
        outputs.push((index, target));
    }
    Ok(outputs)
}

/// `--skip-existing`: None to keep an existing output that is a complete output of `info` (with
/// a line), else where to write: the target itself, or, for a file at the output's name that is
/// not a complete output (empty, damaged, another length or format), the target allowed to
/// replace it, with a line saying why. An empty file was counted as done.
fn resumed(
    target: &Target,
    out: &Path,
    info: &crate::io::Info,
    opts: &ExportOptions,
    watch: &mut dyn Watch,
) -> Option<Target> {
    let dangling = out.symlink_metadata().is_ok() && !out.exists();
    if opts.skip_existing && dangling {
        // A link to nothing holds no output and nothing to lose (`atomic::check_replaceable`).
        watch.warn(&format!(
            "redoing {}: it is a link to nothing",
            out.display()
        ));
        return Some(Target::new(out, true));
    }
    if !opts.skip_existing || *target == Target::Stdout || !out.is_file() {
        return Some(target.clone());
    }
    let Some(why) = not_complete(out, info, opts) else {
        watch.warn(&format!(
            "keeping {}: it exists already (--skip-existing)",
            out.display()
        ));
        return None;
    };
    // Only an empty file or iemsim's own output is replaced without --force: a damaged file at
    // the name may be someone's recording (the folder export refuses those before it starts).
    let replace = opts.force || super::owner::not_ours(out).is_none();
    // Not "redoing" a file it then refuses to replace (the refusal says why).
    if replace {
        watch.warn(&format!(
            "redoing {}: it exists but is not a complete output ({why})",
            out.display()
        ));
    }
    Some(Target::new(out, replace))
}

/// Why the file at `out` is not a complete output of an input that `info` describes, as `opts`
/// would write it (None: it is one): it must carry iemsim's tag, read as audio (a WAV or FLAC
/// that is not cut short, by its container's extension), at the input's rate, channel count and
/// length, in the sample format the export would write. What `--skip-existing` keeps.
pub fn not_complete(out: &Path, info: &crate::io::Info, opts: &ExportOptions) -> Option<String> {
    if std::fs::metadata(out).is_ok_and(|m| m.len() == 0) {
        return Some("it is empty".into());
    }
    let container = Container::from_path(out).unwrap_or(Container::Wav);
    let format = opts
        .format
        .unwrap_or_else(|| container.fit_format(OutFormat::keeping(info.float, info.bits)));
    let got = match Decoder::open(out) {
        // Someone's own file at the name is never "done", however well it fits: it was kept
        // with exit 0 and its input never exported.
        Ok(d) if !super::owner::is_ours(&d) => {
            return Some("iemsim did not write it (it has no iemsim tag)".into())
        }
        Ok(d) => *d.info(),
        Err(e) => return Some(format!("it does not read as audio: {e}")),
    };
    let is = match got.container {
        "WAV" | "RF64" | "BW64" => Container::Wav,
        "flac" => Container::Flac,
        other => return Some(format!("it is {other}, not {}", container.extension())),
    };
    let mut wrong = Vec::new();
    if is != container {
        wrong.push(format!("{} inside", is.extension().to_uppercase()));
    }
    if got.sample_rate != info.sample_rate {
        wrong.push(format!("{} Hz, not {}", got.sample_rate, info.sample_rate));
    }
    if got.channels != info.channels {
        let n = |c: u16| match c {
            1 => "1 channel".to_string(),
            c => format!("{c} channels"),
        };
        wrong.push(format!("{}, not {}", n(got.channels), n(info.channels)));
    }
    if (got.bits, got.float) != (format.bits(), format.is_float()) {
        wrong.push(format!("{}-bit, not {}", got.bits, format.label()));
    }
    if info.length_known && (!got.length_known || got.frames != info.frames) {
        wrong.push(format!("{} frames, not {}", got.frames, info.frames));
    }
    if !wrong.is_empty() {
        return Some(format!("it has {}", wrong.join(", ")));
    }
    // A FLAC's header says its length whatever is left of it: a cut or damaged one read as done.
    // Decoding it to the end (fast for FLAC; a WAV's length is its data size) tells.
    if is == Container::Flac {
        return decodes_to_the_end(out).err();
    }
    None
}

/// Decodes `path` to its end: an error names what stops it (cut short, a damaged frame).
fn decodes_to_the_end(path: &Path) -> std::result::Result<(), String> {
    let fail = |e: crate::io::DecodeError| format!("it does not decode to its end: {e}");
    let mut d = Decoder::open(path).map_err(fail)?;
    let mut buf = vec![0.0; 4096 * usize::from(d.info().channels)];
    while d.read(&mut buf).map_err(fail)? > 0 {}
    match d.nonfinite_warning() {
        Some(w) => Err(format!("it does not decode cleanly: {w}")),
        None => Ok(()),
    }
}

/// Where each job's output goes, in which container and sample format (`inherited`: the
/// input's, which a container that cannot hold it fits; an explicit `--bits` it cannot hold is
/// refused). Refuses an output that is the input or another job's output.
fn plan_outputs(
    input: &Path,
    jobs: &[(Profile, PathBuf)],
    opts: &ExportOptions,
    inherited: OutFormat,
) -> Result<Vec<(Target, Container, OutFormat)>> {
    let mut targets = Vec::with_capacity(jobs.len());
    for (i, (_, out)) in jobs.iter().enumerate() {
        let target = Target::new(out, opts.force);
        let container = match target {
            Target::Stdout => opts.container,
            Target::File { .. } => Container::from_path(out),
        }
        .unwrap_or(Container::Wav);
        let format = match opts.format {
            Some(f) => {
                container
                    .check_format(f, target == Target::Stdout)
                    .map_err(|message| ExportError::Format {
                        path: out.clone(),
                        message,
                    })?;
                f
            }
            None => container.fit_format(inherited),
        };
        if target != Target::Stdout {
            crate::io::sink_types::check_not_input(out, [input])?;
        }
        if jobs[..i].iter().any(|(_, o)| o == out) {
            return Err(ExportError::SameOutput { path: out.clone() });
        }
        targets.push((target, container, format));
    }
    Ok(targets)
}

/// The measurement pass of `--match`: each profile's loudness and peak at 0 dB, then the gains.
/// None (with a warning) for input without a BS.1770 loudness (silent, shorter than 0.4 s, or
/// below the −70 LUFS gate), where there is no loudness to match, and for a stream (`src`),
/// which is read once and cannot be measured first.
fn match_gains(
    input: &Path,
    src: &Decoder,
    jobs: &[(Profile, PathBuf)],
    watch: &mut dyn Watch,
) -> Result<Option<(Vec<f64>, f64)>> {
    if !src.is_seekable() {
        watch.warn(&format!(
            "{}: a stream is read once, so its outputs cannot be loudness-matched; they use --preamp (save it to a file to match)",
            src.name()
        ));
        return Ok(None);
    }
    let profiles: Vec<&Profile> = jobs.iter().map(|(p, _)| p).collect();
    // The input is seekable (the caller checked): a second decoder, the first stays for writing.
    let mut src = Decoder::open(input)?;
    watch.start(
        &format!("{} (pass 1 of 2: measuring loudness)", input.display()),
        src.info().frames,
    );
    let levels = levels_of(&mut src, &profiles, &mut |done| watch.set(done))?;
    watch.finish();
    let pairs: Vec<(f64, f64)> = levels
        .iter()
        .map(|l| (l.lufs, gain_to_db(l.sample_peak)))
        .collect();
    let result = match_to_ceiling(&pairs, MATCH_CEILING_DBFS);
    if result.is_none() {
        watch.warn(&format!(
            "{}: no loudness to match (BS.1770 needs 0.4 s above its -70 LUFS gate outside the \
             LFE: a clip this short or quiet, or sound in the LFE alone, has none); outputs use \
             --preamp",
            input.display()
        ));
    }
    Ok(result)
}

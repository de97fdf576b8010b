//! The one error type of the crate: every error carries its [`Class`] from where it is made, and
//! `main` alone turns the class into an exit code ([`Class::exit_code`]).
//!
//! A domain error (`WavError`, `DecodeError`, `DeviceError`...) stays an enum where its structure
//! is useful, and has exactly one `impl From<ThatError> for Error` beside it, which decides the
//! class from the variant with an exhaustive `match`. There is no blanket conversion from
//! `std::error::Error`, so `?` on a new error type does not compile until its `From` impl chooses
//! a class, and a new variant does not compile until its arm does: nothing exits 1 by accident.
//! The errors of `dsp`, `abx` and `ui`, which import nothing else of the crate, have their `From`
//! impls here; this file imports nothing else (but `ui`'s signal flag), so every other module may
//! import it without an import circle.

use crate::abx::AbxError;
use crate::dsp::ProfileError;
use crate::ui::plot::PlotError;
use std::fmt;
use std::path::{Path, PathBuf};

/// `std::result::Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Who can fix an error, which decides the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// The command line is wrong (an argument, a combination of them): exit 2.
    Usage,
    /// A file, device or folder the user named cannot be used as it is (not audio, missing,
    /// already there, no permission): exit 2.
    Input,
    /// The machine failed (I/O error, full disk, a device that stopped, a defect of iemsim): exit 1.
    Machine,
    /// Stopped by this signal after cleaning up: exit 128 + the signal.
    Interrupted(i32),
    /// Some files of a batch failed, each already reported: 1 when one was the machine's, else 2.
    Batch(u8),
}

impl Class {
    /// The process exit code: the only place where a class becomes a number.
    pub fn exit_code(self) -> u8 {
        match self {
            Self::Usage | Self::Input => 2,
            Self::Machine => 1,
            Self::Interrupted(sig) => u8::try_from(128 + sig).unwrap_or(1),
            Self::Batch(code) => code,
        }
    }

    /// [`Class::Input`] when the user can fix an I/O error by naming another path or another
    /// kind of file (missing, the wrong kind of thing, a pipe that cannot seek, no permission,
    /// read-only mount), else [`Class::Machine`] (disk full, device errors).
    pub fn of_io(err: &std::io::Error) -> Self {
        use std::io::ErrorKind as K;
        match err.kind() {
            K::NotFound
            | K::PermissionDenied
            | K::AlreadyExists
            | K::ReadOnlyFilesystem
            | K::NotADirectory
            | K::IsADirectory
            | K::InvalidFilename
            | K::NotSeekable
            | K::InvalidInput
            | K::FileTooLarge => Self::Input,
            _ => Self::Machine,
        }
    }
}

/// What an error is about, as the user named it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    /// An input or output file or folder (`-` is standard input or output).
    File(PathBuf),
    /// An audio device, by the name the user gave or the system reports.
    Device(String),
    /// A command-line argument or value, or a profile name.
    Argument(String),
}

/// An error with its class, what it is about, and the message the user reads.
#[derive(Debug)]
pub struct Error {
    class: Class,
    subject: Option<Subject>,
    /// The message, outermost context first, each cause after what it explains.
    parts: Vec<String>,
    /// Said after the message, in parentheses (what else became of the work, see [`Error::note`]).
    note: Option<String>,
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl Error {
    /// An error of `class` with this message and no subject of its own.
    pub fn new(class: Class, message: impl Into<String>) -> Self {
        Self {
            class,
            subject: None,
            parts: vec![message.into()],
            note: None,
            source: None,
        }
    }

    /// The command line is wrong: `arg` is the argument as the user typed it (a flag such as
    /// `--bits`, a positional such as `INPUT`, a profile name), `message` what is wrong with it.
    /// The only way to make a usage error, so none lacks its subject.
    pub fn usage(arg: impl Into<String>, message: impl Into<String>) -> Self {
        Self::new(Class::Usage, message).about(Subject::Argument(arg.into()))
    }

    /// A file or folder the user named cannot be used as it is (already there, not a folder,
    /// not the material expected): exit 2.
    pub fn input(path: &Path, message: impl Into<String>) -> Self {
        Self::new(Class::Input, message).about(Subject::File(path.to_path_buf()))
    }

    /// A defect or failure of the machine (a thread that stopped, a lost result): exit 1.
    pub fn machine(message: impl Into<String>) -> Self {
        Self::new(Class::Machine, message)
    }

    /// Stopped by a signal (SIGHUP, SIGINT, SIGTERM) after cleaning up.
    pub fn interrupted(sig: i32) -> Self {
        Self::new(
            Class::Interrupted(sig),
            format!("stopped by {}", crate::interrupt::signal_name(sig)),
        )
    }

    /// Some files of a batch failed, each already reported on its own line: one summary line
    /// (not the first error again), exiting with `decisive`'s code (see [`Self::decisive`]).
    pub fn batch(message: impl Into<String>, decisive: &Error) -> Self {
        Self::new(Class::Batch(decisive.exit_code()), message)
    }

    /// Of a batch's failure so far and a new one, the one whose exit code the batch takes: the
    /// first of the machine's (a full disk: try again, exit 1), else the first (fix the input,
    /// exit 2), whatever order the files failed in.
    pub fn decisive(so_far: Option<Error>, new: Error) -> Error {
        match so_far {
            Some(e) if e.class == Class::Machine || new.class != Class::Machine => e,
            _ => new,
        }
    }

    /// `err` (and its causes) as an error of `class` about `subject`.
    pub fn of<E>(class: Class, subject: Option<Subject>, err: E) -> Self
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let mut parts = vec![err.to_string()];
        let mut cause = err.source();
        while let Some(c) = cause {
            parts.push(c.to_string());
            cause = c.source();
        }
        Self {
            class,
            subject,
            parts,
            note: None,
            source: Some(Box::new(err)),
        }
    }

    /// The same error, explained by `context` first ("context: error").
    pub fn context(mut self, context: impl fmt::Display) -> Self {
        self.parts.insert(0, context.to_string());
        self
    }

    /// The same error with `note` after the whole message, in parentheses ("cause (note)").
    pub fn note(mut self, note: impl fmt::Display) -> Self {
        self.note = Some(note.to_string());
        self
    }

    /// The same error about `subject`.
    pub fn about(mut self, subject: Subject) -> Self {
        self.subject = Some(subject);
        self
    }

    pub fn class(&self) -> Class {
        self.class
    }

    pub fn exit_code(&self) -> u8 {
        self.class.exit_code()
    }

    pub fn subject(&self) -> Option<&Subject> {
        self.subject.as_ref()
    }

    /// The domain error this was made from, if any (`live` asks whether a device was lost).
    pub fn domain(&self) -> Option<&(dyn std::error::Error + Send + Sync + 'static)> {
        self.source.as_deref()
    }
}

/// "context: cause: root cause", without repeating a cause that an outer part already quotes.
impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for s in &self.parts {
            if out.contains(s.as_str()) {
                continue;
            }
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(s);
        }
        if let Some(note) = &self.note {
            out.push_str(&format!(" ({note})"));
        }
        f.write_str(&out)
    }
}

impl std::error::Error for Error {}

/// Adds context to the error of a `Result` ("context: error").
pub trait Context<T> {
    fn context(self, context: impl fmt::Display) -> Result<T>;
    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T>;
}

impl<T, E: Into<Error>> Context<T> for std::result::Result<T, E> {
    fn context(self, context: impl fmt::Display) -> Result<T> {
        self.map_err(|e| e.into().context(context))
    }
    fn with_context<C: fmt::Display>(self, context: impl FnOnce() -> C) -> Result<T> {
        self.map_err(|e| e.into().context(context()))
    }
}

/// An output (a profile, chart, README, folder) could not be made: exit 2 when the user can fix
/// it by naming another path ([`Class::of_io`]: missing folder, a FIFO or folder in the way, no
/// permission), 1 when the machine failed (disk full, I/O error). One rule for every command
/// that writes.
pub fn output_error(path: &Path, doing: &str, e: std::io::Error) -> Error {
    let msg = format!("{}: {doing}: {e}", path.display());
    Error::new(Class::of_io(&e), msg).about(Subject::File(path.to_path_buf()))
}

/// An I/O error without a file to name (a thread that could not start, a terminal): the
/// machine's failure. Where a file is involved, its module's error names it instead.
impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Self::of(Class::Machine, None, e)
    }
}

/// Standard output could not be written (full disk, closed descriptor, I/O error); written by
/// `commands::out`. Exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(#[from] pub std::io::Error);

impl From<StdoutError> for Error {
    fn from(e: StdoutError) -> Self {
        Self::of(Class::Machine, Some(Subject::File("-".into())), e)
    }
}

/// A profile name or profile that cannot be used: always the user's to fix.
impl From<ProfileError> for Error {
    fn from(e: ProfileError) -> Self {
        let name = match &e {
            ProfileError::Unknown { name, .. }
            | ProfileError::Ambiguous { name, .. }
            | ProfileError::MissingChannel { name, .. } => name,
            ProfileError::InvalidFilter { profile, .. }
            | ProfileError::InvalidPreamp { profile, .. }
            | ProfileError::InvalidChannels { profile, .. } => profile,
        };
        let subject = Subject::Argument(name.clone());
        Self::of(Class::Input, Some(subject), e)
    }
}

/// A JSON report that cannot be serialised: a defect of iemsim.
impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Self::of(Class::Machine, None, e)
    }
}

/// An ABX session asked to do what its state forbids (answer twice, start a trial after the
/// last): the caller's defect, never the user's, since the screens and `--answers` check first.
impl From<AbxError> for Error {
    fn from(e: AbxError) -> Self {
        Self::of(Class::Machine, None, e)
    }
}

/// A chart that cannot be drawn or encoded (the output path is checked before): the machine's.
impl From<PlotError> for Error {
    fn from(e: PlotError) -> Self {
        Self::of(Class::Machine, None, e)
    }
}

/// `Err(interrupted)` if the last terminal screen was ended by a signal.
pub fn check_interrupted() -> Result<()> {
    match crate::ui::tui::hangup::last_signal() {
        Some(sig) => Err(Error::interrupted(sig)),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::io::abx_log::AbxLogError;
    use crate::io::measurement::MeasurementError;
    use crate::io::profile_file::ProfileFileError;
    use crate::io::{DecodeError, WavError};
    use crate::playback::feeder::FeedError;
    use crate::playback::DeviceError;
    use crate::profiles::headphones::HeadphonesError;
    use crate::profiles::settings::SettingsError;
    use crate::profiles::ResolveError;
    use crate::render::export::ExportError;
    use std::io::{Error as IoError, ErrorKind};

    fn p(s: &str) -> PathBuf {
        PathBuf::from(s)
    }

    /// A batch exits 1 when any file failed for the machine, whichever failed first.
    #[test]
    fn a_batch_takes_the_machines_failure_whatever_the_order() {
        let input = || Error::input(Path::new("a.wav"), "not audio");
        let machine = || Error::machine("No space left on device");
        let code = |errors: Vec<Error>| {
            let e = errors
                .into_iter()
                .fold(None, |d, e| Some(Error::decisive(d, e)));
            Error::batch("failed", &e.unwrap()).exit_code()
        };
        assert_eq!(code(vec![input(), machine(), input()]), 1);
        assert_eq!(code(vec![machine(), input()]), 1);
        assert_eq!(code(vec![input(), input()]), 2);
        let first = Error::decisive(Some(machine()), Error::machine("second"));
        assert!(first.to_string().contains("No space"), "{first}");
    }
    fn full() -> IoError {
        IoError::new(ErrorKind::StorageFull, "No space left on device")
    }
    fn denied() -> IoError {
        IoError::new(ErrorKind::PermissionDenied, "Permission denied")
    }
    fn missing() -> IoError {
        IoError::new(ErrorKind::NotFound, "No such file or directory")
    }
    fn s(s: &str) -> String {
        s.to_string()
    }

    /// Every domain error type, and each variant whose class differs from its siblings', with
    /// the exit code the README promises: 2 for usage and input, 1 for the machine, 128 + n for
    /// a signal, the first failure's code for a batch. (That a type cannot be returned without
    /// a class is the compiler's to check: `?` needs its `From` impl, whose `match` has no `_`.)
    #[test]
    fn every_error_exits_with_the_code_of_its_class() {
        let corrupt = || DecodeError::Corrupt {
            path: p("in.wav"),
            detail: s("bad"),
        };
        let decode_read = || DecodeError::Read {
            path: p("in.wav"),
            source: full(),
        };
        let unknown = || ProfileError::Unknown {
            name: s("xx"),
            suggestion: None,
        };
        let not_found = DeviceError::NotFound {
            name: s("x"),
            available: vec![],
        };
        let input_not_found = DeviceError::InputNotFound {
            name: s("x"),
            available: vec![],
        };
        let resample = FeedError::Resample {
            file_hz: 1,
            device_hz: 2,
            reason: s("x"),
        };
        #[rustfmt::skip]
        let table: Vec<(Error, u8)> = vec![
            (Error::usage("--bits", "--bits 7: not 16, 24 or 32"), 2),
            (output_error(&p("o/x.png"), "cannot write", missing()), 2),
            (output_error(&p("x.png"), "cannot write", full()), 1),
            (full().into(), 1),
            (StdoutError(full()).into(), 1),
            (serde_json::from_str::<u8>("x").unwrap_err().into(), 1),
            (unknown().into(), 2),
            (AbxError::NoTrial.into(), 1),
            (PlotError::Font.into(), 1),
            (WavError::Exists { path: p("o.wav") }.into(), 2),
            (WavError::StdoutIsTerminal.into(), 2),
            (WavError::Unwritable { path: p("o.flac"), detail: s("32-bit") }.into(), 2),
            (WavError::Write { path: p("o.wav"), source: missing() }.into(), 2),
            (WavError::Write { path: p("o.wav"), source: full() }.into(), 1),
            (WavError::NonFinite { path: p("o.wav") }.into(), 1),
            (WavError::Internal(s("rendering stopped")).into(), 1),
            (WavError::Decode(corrupt()).into(), 2),
            (WavError::Decode(decode_read()).into(), 1),
            (corrupt().into(), 2),
            (decode_read().into(), 1),
            (DecodeError::Empty { path: p("in.wav") }.into(), 2),
            (DecodeError::NoWriter { path: p("pipe") }.into(), 2),
            (not_found.into(), 2),
            (input_not_found.into(), 2),
            (DeviceError::Busy { device: s("hw:0") }.into(), 1),
            (DeviceError::NoDevice.into(), 1),
            (AbxLogError::NoDataDir.into(), 2),
            (AbxLogError::NotALog { path: p("l"), detail: s("x") }.into(), 2),
            (AbxLogError::Append { path: p("l"), source: full() }.into(), 1),
            (MeasurementError::Data { path: p("m.csv"), problem: s("x") }.into(), 2),
            (ProfileFileError::File { file: s("p.txt"), message: s("x") }.into(), 2),
            (ResolveError::UnknownFormat { path: p("p.doc") }.into(), 2),
            (ResolveError::Unknown(unknown()).into(), 2),
            (HeadphonesError::Missing { path: p("h.txt"), remembered: false }.into(), 2),
            (HeadphonesError::Settings(SettingsError::NoFolder).into(), 1),
            (HeadphonesError::Profile(ResolveError::UnknownFormat { path: p("h.doc") }).into(), 2),
            (SettingsError::NoFolder.into(), 1),
            (SettingsError::Invalid { path: p("c.toml"), message: s("x") }.into(), 2),
            (ExportError::Collision(s("a and b")).into(), 2),
            (ExportError::ListFolder { path: p("d"), error: full() }.into(), 1),
            (ExportError::ListFolder { path: p("d"), error: denied() }.into(), 2),
            (ExportError::Wav(WavError::NonFinite { path: p("o.wav") }).into(), 1),
            (ExportError::Profile(unknown()).into(), 2),
            (resample.into(), 1),
            (FeedError::Read(WavError::Decode(corrupt())).into(), 2),
            (FeedError::Thread(full()).into(), 1),
            (Error::input(&p("o.txt"), "o.txt: already exists"), 2),
            (Error::interrupted(libc::SIGINT), 130),
            (Error::interrupted(libc::SIGHUP), 129),
            (Error::batch("2 of 3 files failed", &Error::usage("-a", "x")), 2),
            (Error::batch("2 of 3 files failed", &Error::machine("x")), 1),
            (Error::usage("--answers", "bad").context("in the answers file"), 2),
            (Error::machine("thread stopped").context("exporting"), 1),
        ];
        let wrong: Vec<String> = table
            .iter()
            .filter(|(e, code)| e.exit_code() != *code)
            .map(|(e, code)| format!("{e}: exit {} (want {code})", e.exit_code()))
            .collect();
        assert!(wrong.is_empty(), "{wrong:#?}");
    }

    /// The message is the domain error's, a cause it already quotes said once, a context first;
    /// the subject is the file or device the user named, never a made-up path.
    #[test]
    fn messages_keep_their_words_and_name_their_subject() {
        let e = Error::from(WavError::Write {
            path: p("o.wav"),
            source: full(),
        });
        assert_eq!(
            e.to_string(),
            "o.wav: cannot write: No space left on device"
        );
        assert_eq!(e.subject(), Some(&Subject::File(p("o.wav"))));
        let e = e.context("exporting a.wav");
        assert_eq!(
            e.to_string(),
            "exporting a.wav: o.wav: cannot write: No space left on device"
        );
        let e = Error::from(DeviceError::Busy { device: s("hw:0") });
        assert_eq!(e.subject(), Some(&Subject::Device(s("hw:0"))));
        let e = Error::from(WavError::Internal(s("the loudness analysis stopped")));
        assert_eq!(
            (e.to_string().as_str(), e.subject()),
            ("the loudness analysis stopped", None)
        );
        let e = HeadphonesError::Profile(ResolveError::UnknownFormat { path: p("h.doc") });
        let e = Error::from(e);
        assert!(
            e.to_string()
                .starts_with("headphone correction: h.doc: not a profile file"),
            "{e}"
        );
        assert_eq!(e.subject(), Some(&Subject::File(p("h.doc"))));
        let e = Error::from(FeedError::Thread(full()));
        assert_eq!(
            e.to_string(),
            "cannot start the decoding thread: No space left on device"
        );
    }
}

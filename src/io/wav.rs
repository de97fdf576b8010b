//! The errors of writing audio files (`wav_write`, `flac_write` and `sink`), and of reading the
//! input while rendering (reading itself is `io::decode`). Every error names the file and says
//! what is wrong in words a user can act on; a defect of iemsim says so instead of naming a file.

use crate::error::{Class, Error, Subject};
use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum WavError {
    /// The output format cannot hold this stream (a FLAC of 32-bit samples or 9 channels).
    #[error("{path}: {detail}")]
    Unwritable { path: PathBuf, detail: String },
    #[error("{path}: read error: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("{path}: already exists (use --force to replace it)")]
    Exists { path: PathBuf },
    #[error("{path}: the output folder does not exist")]
    NoFolder { path: PathBuf },
    #[error("{path}: is a folder; name an output file")]
    IsFolder { path: PathBuf },
    #[error("{path}: is {what}, not a regular file: iemsim only replaces regular files, even with --force")]
    NotRegular { path: PathBuf, what: &'static str },
    #[error("{path}: the output folder is not writable")]
    ReadOnlyFolder { path: PathBuf },
    #[error("{path}: iemsim writes .wav and .flac files; name the output NAME.wav or NAME.flac (or `-` for standard output)")]
    UnknownExtension { path: PathBuf },
    #[error("{path}: the name says {named} but --format says {asked}")]
    FormatMismatch {
        path: PathBuf,
        named: &'static str,
        asked: &'static str,
    },
    #[error(
        "-o -: standard output is a terminal; pipe it into a program (| sox - ...) or name a file"
    )]
    StdoutIsTerminal,
    #[error("{path}: refusing to write the output over the input file")]
    SameAsInput { path: PathBuf },
    #[error("{path}: cannot write: {source}")]
    Write { path: PathBuf, source: io::Error },
    /// The processed audio overflowed (NaN or infinity): a defect, never written (exit code 1).
    #[error("{path}: the processed audio overflowed (NaN, infinity, or beyond the 32-bit float range); nothing was written")]
    NonFinite { path: PathBuf },
    /// Reading the input failed (the decoder names the file and the problem).
    #[error(transparent)]
    Decode(#[from] super::decode::DecodeError),
    /// A step of iemsim itself failed (a worker that stopped, a resampler that refused a
    /// block): no file is to blame, exit code 1.
    #[error("{0}")]
    Internal(String),
}

/// The user can fix a path that is a folder, read-only or under a non-folder, an existing output
/// or the wrong extension (exit code 2); not a full disk, an I/O error or a defect (exit code 1).
impl From<WavError> for Error {
    fn from(e: WavError) -> Self {
        use WavError as W;
        let (class, path) = match e {
            W::Decode(d) => return d.into(),
            W::Internal(_) => return Self::of(Class::Machine, None, e),
            W::StdoutIsTerminal => (Class::Input, PathBuf::from("-")),
            W::Write {
                ref source,
                ref path,
            }
            | W::Read {
                ref source,
                ref path,
            } => (Class::of_io(source), path.clone()),
            W::NonFinite { ref path } => (Class::Machine, path.clone()),
            W::Unwritable { ref path, .. }
            | W::Exists { ref path }
            | W::NoFolder { ref path }
            | W::IsFolder { ref path }
            | W::NotRegular { ref path, .. }
            | W::ReadOnlyFolder { ref path }
            | W::UnknownExtension { ref path }
            | W::FormatMismatch { ref path, .. }
            | W::SameAsInput { ref path } => (Class::Input, path.clone()),
        };
        Self::of(class, Some(Subject::File(path)), e)
    }
}

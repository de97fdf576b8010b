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
    #[error("{path}: is a folder; name an output file (or use --out-dir for a folder)")]
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
    #[error("{path}: the processed audio is not finite (NaN or infinity); nothing was written")]
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
        let class = match &e {
            W::Decode(_) => Class::Input, // replaced below by the decoder's own class
            W::Write { source, .. } | W::Read { source, .. } => Class::of_io(source),
            W::NonFinite { .. } | W::Internal(_) => Class::Machine,
            W::Unwritable { .. }
            | W::Exists { .. }
            | W::NoFolder { .. }
            | W::IsFolder { .. }
            | W::NotRegular { .. }
            | W::ReadOnlyFolder { .. }
            | W::UnknownExtension { .. }
            | W::FormatMismatch { .. }
            | W::StdoutIsTerminal
            | W::SameAsInput { .. } => Class::Input,
        };
        let path = match &e {
            W::Decode(_) | W::Internal(_) => None,
            W::StdoutIsTerminal => Some(PathBuf::from("-")),
            W::Unwritable { path, .. }
            | W::Read { path, .. }
            | W::Exists { path }
            | W::NoFolder { path }
            | W::IsFolder { path }
            | W::NotRegular { path, .. }
            | W::ReadOnlyFolder { path }
            | W::UnknownExtension { path }
            | W::FormatMismatch { path, .. }
            | W::SameAsInput { path }
            | W::Write { path, .. }
            | W::NonFinite { path } => Some(path.clone()),
        };
        match e {
            W::Decode(d) => d.into(),
            e => Error::of(class, path.map(Subject::File), e),
        }
    }
}

//! The errors of reading and writing audio files (reading is `io::decode`, writing `wav_write`,
//! `flac_write` and `sink`). Every error names the file and says what is wrong in words a user can
//! act on.

use std::io;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum WavError {
    #[error("{path}: cannot open: {source}")]
    Open { path: PathBuf, source: io::Error },
    #[error("{path}: not a WAV file ({detail})")]
    NotWav { path: PathBuf, detail: String },
    #[error("{path}: truncated {part}: {detail}")]
    Truncated {
        path: PathBuf,
        part: &'static str,
        detail: String,
    },
    #[error("{path}: unsupported WAV: {detail} (iemsim reads 8/16/24/32-bit integer or 32-bit float PCM, 1-8 channels, 8-192 kHz)")]
    Unsupported { path: PathBuf, detail: String },
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
}

impl WavError {
    /// True when the user can fix it by changing the input or the command line (exit code 2):
    /// also an output path that is a folder, read-only or under a non-folder, and an input that
    /// cannot seek. False for failures of the machine (disk full, I/O error: exit code 1).
    pub fn is_bad_input(&self) -> bool {
        match self {
            Self::Decode(d) => d.is_bad_input(),
            Self::Write { source, .. } | Self::Read { source, .. } => {
                super::is_user_fixable(source)
            }
            Self::NonFinite { .. } => false,
            _ => true,
        }
    }
}

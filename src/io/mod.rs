//! Files: every audio format in (`decode`), WAV and FLAC out. Everything that touches the
//! filesystem lives here or in `commands`.

pub mod abx_log;
pub mod atomic;
pub mod bounded;
pub mod decode;
pub mod diag;
pub mod flac_encode;
pub mod flac_write;
pub mod measurement;
pub mod pcm;
pub mod profile_file;
pub mod sink;
pub mod sink_types;
pub mod tags;
pub mod wav;
pub mod wav_header;
pub mod wav_write;

pub use decode::{DecodeError, Decoder, Info};
pub use sink::{Container, Sink};
pub use sink_types::{OutFormat, SinkSpec, SinkStats, Target};
pub use tags::Tags;
pub use wav::WavError;
pub use wav_write::WavSink;

/// The reader's name before every format went through [`Decoder`]; kept for code written then.
pub type WavSource = Decoder;
/// See [`WavSource`].
pub type WavInfo = Info;

/// True for the I/O errors a user fixes by naming another path or another kind of file: it is
/// not there, is the wrong kind of thing (a folder, a pipe that cannot seek), or may not be
/// written (read-only mount, permissions). Everything else (disk full, device errors) is the
/// machine's failure. `crate::error` turns this into exit code 2 versus 1.
pub fn is_user_fixable(err: &std::io::Error) -> bool {
    use std::io::ErrorKind as K;
    matches!(
        err.kind(),
        K::NotFound
            | K::PermissionDenied
            | K::AlreadyExists
            | K::ReadOnlyFilesystem
            | K::NotADirectory
            | K::IsADirectory
            | K::InvalidFilename
            | K::NotSeekable
            | K::InvalidInput
            | K::FileTooLarge
    )
}

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
pub mod text;
pub mod wav;
pub mod wav_header;
pub mod wav_write;

pub use decode::{DecodeError, Decoder, Info};

/// `m` locked, even after a panic elsewhere while it was held (what it guards stays usable).
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes an advisory exclusive lock (std's `File::lock`: `flock` on Unix, `LockFileEx` on
/// Windows), held until the file is closed.
pub(crate) fn lock_exclusive(file: &std::fs::File) -> std::io::Result<()> {
    loop {
        match file.lock() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

pub use sink::{Container, Sink};
pub use sink_types::{OutFormat, SinkSpec, SinkStats, Target};
pub use tags::Tags;
pub use wav::WavError;
pub use wav_write::WavSink;

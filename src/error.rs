//! Exit codes: 2 when the user can fix the input or command line, 1 when the machine failed.

use crate::dsp::ProfileError;
use crate::io::abx_log::AbxLogError;
use crate::io::{DecodeError, WavError};

/// An error the user caused and can fix (bad argument, bad file). Exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Builds a [`UsageError`] wrapped in `anyhow`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// An output (a profile, chart, README, folder) could not be made: exit 2 when the user can fix
/// it by naming another path ([`crate::io::is_user_fixable`]: missing folder, a FIFO or folder in
/// the way, no permission), 1 when the machine failed (disk full, I/O error). One rule for every
/// command that writes (it was 1 for `profile convert -o FIFO` but 2 for `fit`, 2 for a full disk).
pub fn output_error(path: &std::path::Path, doing: &str, e: std::io::Error) -> anyhow::Error {
    let msg = format!("{}: {doing}: {e}", path.display());
    if crate::io::is_user_fixable(&e) {
        usage(msg)
    } else {
        anyhow::Error::msg(msg)
    }
}

/// Standard output could not be written (full disk, closed descriptor, I/O error); written by
/// `commands::out`. Exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(#[from] pub std::io::Error);

/// Some files of a batch failed, each already reported on its own line: one summary line (not
/// the first error again), exiting with the first failure's code.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct BatchFailed {
    pub message: String,
    pub code: u8,
}

/// Stopped by a signal (SIGHUP, SIGINT, SIGTERM) after cleaning up. Exit code 128 + the signal.
#[derive(Debug, thiserror::Error)]
#[error("stopped by signal {0} (cleaned up: terminal restored, nothing half-written left)")]
pub struct Interrupted(pub i32);

/// `Err(Interrupted)` if the last terminal screen was ended by a signal.
pub fn check_interrupted() -> anyhow::Result<()> {
    match crate::ui::tui::hangup::last_signal() {
        Some(sig) => Err(Interrupted(sig).into()),
        None => Ok(()),
    }
}

/// The process exit code for an error chain.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if let Some(Interrupted(sig)) = cause.downcast_ref::<Interrupted>() {
            return u8::try_from(128 + sig).unwrap_or(1);
        }
        if let Some(b) = cause.downcast_ref::<BatchFailed>() {
            return b.code;
        }
        if cause.is::<UsageError>()
            || cause.is::<ProfileError>()
            || cause.is::<crate::profiles::ResolveError>()
            || cause.is::<crate::io::profile_file::ProfileFileError>()
            || cause.is::<crate::io::measurement::MeasurementError>()
        {
            return 2;
        }
        if let Some(h) = cause.downcast_ref::<crate::profiles::headphones::HeadphonesError>() {
            return if h.is_bad_input() { 2 } else { 1 };
        }
        if let Some(s) = cause.downcast_ref::<crate::profiles::settings::SettingsError>() {
            return if s.is_bad_input() { 2 } else { 1 };
        }
        if let Some(e) = cause.downcast_ref::<crate::render::export::ExportError>() {
            return if e.is_bad_input() { 2 } else { 1 };
        }
        if let Some(w) = cause.downcast_ref::<WavError>() {
            return if w.is_bad_input() { 2 } else { 1 };
        }
        if let Some(e) = cause.downcast_ref::<AbxLogError>() {
            return if e.is_bad_input() { 2 } else { 1 };
        }
        if let Some(d) = cause.downcast_ref::<DecodeError>() {
            return if d.is_bad_input() { 2 } else { 1 };
        }
        if let Some(d) = cause.downcast_ref::<crate::playback::DeviceError>() {
            return if d.is_bad_input() { 2 } else { 1 };
        }
        if cause.is::<StdoutError>() {
            return 1;
        }
    }
    1
}

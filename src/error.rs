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

/// Standard output could not be written (full disk, closed descriptor, I/O error); written by
/// `commands::out`. Exit code 1.
#[derive(Debug, thiserror::Error)]
#[error("cannot write to standard output: {0}")]
pub struct StdoutError(#[from] pub std::io::Error);

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
        if cause.is::<StdoutError>() {
            return 1;
        }
    }
    1
}

//! Exit codes: 2 when the user can fix the input or command line, 1 when the machine failed.

use crate::dsp::ProfileError;
use crate::io::WavError;

/// An error the user caused and can fix (bad argument, bad file). Exit code 2.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

/// Builds a [`UsageError`] wrapped in `anyhow`.
pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    UsageError(msg.into()).into()
}

/// The process exit code for an error chain.
pub fn exit_code(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<UsageError>() || cause.is::<ProfileError>() {
            return 2;
        }
        if let Some(w) = cause.downcast_ref::<WavError>() {
            return if w.is_bad_input() { 2 } else { 1 };
        }
    }
    1
}

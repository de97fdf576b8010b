//! Standard output for the commands: every write returns its error instead of panicking.
//!
//! `println!` panics when stdout cannot be written (`iemsim profiles > /dev/full` exited 101 with
//! a backtrace, and `export` panicked after its file was already written). Here a failed write
//! becomes [`StdoutError`]: one line on stderr and exit code 1, like any machine failure. A
//! closed pipe (`iemsim show ba | head -1`) still ends the process by SIGPIPE (exit 141), as Unix
//! tools do: `crate::interrupt` cleans up and dies of it, and `main` waits for that rather than
//! report the write's error.

use std::fmt;
use std::io::{self, Write};

use crate::error::StdoutError;

/// Writes `args` and a newline, then flushes, so the error (if any) surfaces here and not in a
/// destructor that could only ignore it.
pub fn line(args: fmt::Arguments<'_>) -> Result<(), StdoutError> {
    // Names and descriptions come from files: their control characters are shown, not obeyed.
    let text = fmt::format(args);
    let mut o = io::stdout().lock();
    o.write_all(crate::io::diag::printable(&text).as_bytes())?;
    o.write_all(b"\n")?;
    o.flush()?;
    Ok(())
}

/// One event of a scripted run: its JSON object under `--json`, else its text line.
pub fn event(json: bool, v: &serde_json::Value, text: &str) -> Result<(), StdoutError> {
    if json {
        line(format_args!("{v}"))
    } else {
        line(format_args!("{text}"))
    }
}

/// A report line (or block): on standard output, or on standard error when the audio went to
/// standard output.
pub fn report(text: &str, to_stderr: bool) -> crate::error::Result<()> {
    if to_stderr {
        crate::io::diag::diag!("{text}");
        return Ok(());
    }
    Ok(line(format_args!("{text}"))?)
}

/// Writes `text` as it is (no newline added), then flushes.
pub fn text(text: &str) -> Result<(), StdoutError> {
    let mut o = io::stdout().lock();
    o.write_all(text.as_bytes())?;
    o.flush()?;
    Ok(())
}

/// A `--json` event stream's last line when the run fails (a device lost, the server gone):
/// `{"event":"error","message":…,"exit_code":…}`, so a JSON-lines reader sees why it ended rather
/// than a stream cut after `start`. The error itself is still returned (stderr, exit code).
pub fn json_error_event(json: bool, result: crate::error::Result<()>) -> crate::error::Result<()> {
    if let (true, Err(e)) = (json, &result) {
        // A stdout that failed is not written to again.
        if !matches!(e.domain().map(|d| d.is::<StdoutError>()), Some(true)) {
            let event = serde_json::json!({
                "event": "error",
                "message": e.to_string(),
                "exit_code": e.exit_code(),
            });
            let _ = line(format_args!("{event}"));
        }
    }
    result
}

/// `println!` that returns `Result<(), StdoutError>` instead of panicking: `outln!("{x}")?`.
macro_rules! outln {
    () => {
        $crate::commands::out::line(format_args!(""))
    };
    ($($arg:tt)*) => {
        $crate::commands::out::line(format_args!($($arg)*))
    };
}
pub(crate) use outln;

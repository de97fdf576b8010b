//! Test helper: the independent programs the tests check iemsim's files with (ffmpeg, sox, flac,
//! Python's soundfile), run the one way: standard input from /dev/null, a failure shows the
//! program's own message.
//!
//! A test that needs one first asks [`have`]: when a program is missing, the test prints
//! `SKIPPED: <test>: <why>` and returns, so the suite passes on a machine with only the build
//! prerequisites; `.ci/run` installs them all and sets IEMSIM_REQUIRE_ALL=1 (or, for these tools
//! alone, IEMSIM_REQUIRE_TOOLS=1), which makes a missing one a failure instead.
//!
//! Use it as `crate::common::tools`.
#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Stdio};

/// Python with the `soundfile` module (libsndfile), asked for by this name in [`have`].
pub const SOUNDFILE: &str = "python3-soundfile";

/// True when every one of `needs` runs here: programs by name (`"ffmpeg"`, `"sox"`, …) and
/// [`SOUNDFILE`]. Otherwise prints `SKIPPED: <test>: <what is missing>` and returns false, or, when
/// IEMSIM_REQUIRE_TOOLS=1 or IEMSIM_REQUIRE_ALL=1, fails the test.
pub fn have(needs: &[&str]) -> bool {
    let missing: Vec<&str> = needs.iter().copied().filter(|t| !present(t)).collect();
    if missing.is_empty() {
        return true;
    }
    let why = format!("missing here: {} (.ci/run installs it)", missing.join(", "));
    assert!(
        !required("IEMSIM_REQUIRE_TOOLS"),
        "{why}; IEMSIM_REQUIRE_TOOLS=1 or IEMSIM_REQUIRE_ALL=1 makes that a failure"
    );
    skipped(&why);
    false
}

fn present(tool: &str) -> bool {
    let mut c = if tool == SOUNDFILE {
        let mut c = Command::new("python3");
        c.args(["-c", "import soundfile"]);
        c
    } else {
        let mut c = Command::new(tool);
        // Every one of them prints its version for one of these and exits; only a spawn
        // failure (not found, not executable) counts as missing.
        c.arg(if tool.starts_with("ff") {
            "-version"
        } else {
            "--version"
        });
        c
    };
    let status = c
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match status {
        Ok(s) => tool != SOUNDFILE || s.success(),
        Err(_) => false,
    }
}

/// True when `var`=1 or IEMSIM_REQUIRE_ALL=1: a skip must then be a failure.
pub fn required(var: &str) -> bool {
    [var, "IEMSIM_REQUIRE_ALL"]
        .iter()
        .any(|v| std::env::var(v).is_ok_and(|v| v == "1"))
}

/// `SKIPPED: <test>: <why>` on the process's real standard error. The harness captures only
/// what the `print!`/`eprint!` macros write (and hides it when the test passes); a write to the
/// stderr handle goes past that, so a plain `cargo test` shows the skip. The harness names each
/// test's thread after the test.
pub fn skipped(why: &str) {
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("?");
    let _ = writeln!(std::io::stderr(), "\nSKIPPED: {test}: {why}");
}

/// Runs `program ARGS`, which must succeed; returns (standard output, standard error). Ask
/// [`have`] first: a missing program here is a failure.
pub fn run(program: &str, args: &[&str]) -> (Vec<u8>, String) {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program} is needed for this test (.ci/run installs it): {e}"));
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{program} {args:?}: {stderr}");
    (out.stdout, stderr)
}

/// `ffmpeg -hide_banner -loglevel error -y ARGS`; its standard output.
pub fn ffmpeg(args: &[&str]) -> Vec<u8> {
    let mut all = vec!["-hide_banner", "-loglevel", "error", "-y"];
    all.extend_from_slice(args);
    run("ffmpeg", &all).0
}

/// `sox ARGS`; what it printed on both outputs (`--i` prints on stdout, `stat` on stderr).
pub fn sox(args: &[&str]) -> String {
    let (out, err) = run("sox", args);
    String::from_utf8_lossy(&out).into_owned() + &err
}

//! Test helper: the independent programs the tests check iemsim's files with (ffmpeg, sox), run
//! the one way: standard input from /dev/null, a failure shows the program's own message.
//!
//! Include it with `#[path = "common/tools.rs"] mod tools;`.
#![allow(dead_code)]

use std::process::{Command, Stdio};

/// Runs `program ARGS`, which must succeed; returns (standard output, standard error).
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
